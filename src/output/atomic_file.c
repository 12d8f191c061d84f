/* Atomic outputs: write a temporary file beside the target, rename on success. */
#include "cascade/output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

cascade_status cascade_output_open(const char *path, cascade_output *out,
                                   cascade_error *error)
{
    memset(out, 0, sizeof *out);
    if (!path || strcmp(path, "-") == 0) {
        out->file = stdout;
        return CASCADE_OK;
    }
    out->path = strdup(path);
    const char *slash = strrchr(path, '/');
    size_t dir_len = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dir_len;
    size_t n = dir_len + strlen(base) + 16;
    out->temp_path = malloc(n);
    if (!out->path || !out->temp_path) {
        cascade_output_abort(out);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    /* Same folder, so that rename() is atomic and never crosses a filesystem. */
    snprintf(out->temp_path, n, "%.*s.%s.XXXXXX", (int)dir_len, path, base);
    int fd = mkstemp(out->temp_path);
    if (fd < 0) {
        int saved = errno;
        free(out->temp_path);
        out->temp_path = NULL;
        cascade_output_abort(out);
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                 "cannot create output: %s", strerror(saved));
    }
    /* mkstemp creates the file 0600; give the output the mode a plain
     * fopen() would: 0666 less the umask (read without changing it). */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        int saved = errno;
        close(fd);
        cascade_output_abort(out);
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                 "cannot create output: %s", strerror(saved));
    }
    out->file = fdopen(fd, "w");
    if (!out->file) {
        int saved = errno;
        close(fd);
        cascade_output_abort(out);
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                 "cannot create output: %s", strerror(saved));
    }
    return CASCADE_OK;
}

cascade_status cascade_output_commit(cascade_output *out, cascade_error *error)
{
    if (out->file == stdout) {
        out->file = NULL;
        if (fflush(stdout) != 0 || ferror(stdout))
            return cascade_error_set(error, CASCADE_ERR_IO, "standard output", -1, -1,
                                     "write error: %s", strerror(errno));
        return CASCADE_OK;
    }
    int failed = ferror(out->file) || fflush(out->file) != 0 ||
                 fsync(fileno(out->file)) != 0;
    int saved = errno;
    if (fclose(out->file) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    out->file = NULL;
    if (!failed && rename(out->temp_path, out->path) != 0) {
        failed = 1;
        saved = errno;
    }
    cascade_status status = CASCADE_OK;
    if (failed)
        status = cascade_error_set(error, CASCADE_ERR_IO, out->path, -1, -1,
            "write error: %s (the existing file, if any, is unchanged)",
            saved ? strerror(saved) : "unknown");
    cascade_output_abort(out);
    return status;
}

void cascade_output_abort(cascade_output *out)
{
    if (!out)
        return;
    if (out->file && out->file != stdout)
        fclose(out->file);
    if (out->temp_path)
        unlink(out->temp_path); /* after a successful rename this finds nothing */
    free(out->temp_path);
    free(out->path);
    memset(out, 0, sizeof *out);
}
