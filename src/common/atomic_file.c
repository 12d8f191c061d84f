/* Atomic outputs: write a temporary file beside the target, rename on success. */
#define _XOPEN_SOURCE 700 /* realpath() */
#include "cascade/write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Writes straight into PATH: for a device, FIFO or socket (/dev/null,
 * /dev/full, a named pipe) and for a dangling symbolic link. Renaming over
 * such a node would replace the node itself (as root, /dev/null would
 * become a plain file), and there is no earlier result to keep. */
static cascade_status open_in_place(const char *path, cascade_output *out,
                                    cascade_error *error)
{
    out->path = strdup(path);
    if (!out->path)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 || !(out->file = fdopen(fd, "w"))) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        cascade_output_abort(out);
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                 "cannot open output: %s", strerror(saved));
    }
    return CASCADE_OK;
}

cascade_status cascade_output_open(const char *path, cascade_output *out,
                                   cascade_error *error)
{
    memset(out, 0, sizeof *out);
    if (!path || strcmp(path, "-") == 0) {
        out->file = stdout;
        return CASCADE_OK;
    }
    struct stat st;
    int is_link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
    int found = stat(path, &st) == 0;
    if ((found && !S_ISREG(st.st_mode)) || (is_link && !found))
        return open_in_place(path, out, error);
    /* A link to a regular file: replace the file it points to, keep the link. */
    out->path = is_link ? realpath(path, NULL) : strdup(path);
    const char *target = out->path ? out->path : path;
    const char *slash = strrchr(target, '/');
    size_t dir_len = slash ? (size_t)(slash - target) + 1 : 0;
    const char *base = target + dir_len;
    size_t n = dir_len + strlen(base) + 16;
    out->temp_path = malloc(n);
    if (!out->path || !out->temp_path) {
        cascade_output_abort(out);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    /* Same folder, so that rename() is atomic and never crosses a filesystem. */
    snprintf(out->temp_path, n, "%.*s.%s.XXXXXX", (int)dir_len, target, base);
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
     * fopen() would: 0666 less the umask (read without changing it), or,
     * when it replaces a file, that file's mode. */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, found ? st.st_mode & 07777 : 0666 & ~mask) != 0) {
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
    /* No temporary file: written in place (a device or FIFO, which fsync()
     * may refuse with EINVAL), so there is nothing to sync or rename. */
    int in_place = out->temp_path == NULL;
    int failed = ferror(out->file) || fflush(out->file) != 0 ||
                 (!in_place && fsync(fileno(out->file)) != 0);
    int saved = errno;
    if (fclose(out->file) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    out->file = NULL;
    if (!failed && !in_place && rename(out->temp_path, out->path) != 0) {
        failed = 1;
        saved = errno;
    }
    cascade_status status = CASCADE_OK;
    if (failed)
        status = cascade_error_set(error, CASCADE_ERR_IO, out->path, -1, -1,
            "write error: %s%s", saved ? strerror(saved) : "unknown",
            in_place ? "" : " (the existing file, if any, is unchanged)");
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
