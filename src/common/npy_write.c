/* Writing .npy files (format 1.0) through a temporary file that is renamed
 * over the target only on success; float32 -> float16 conversion. */
#include "cascade/npy_write.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cascade_npy_writer {
    char *path;          /* the target */
    char *temp_path;     /* ".NAME.XXXXXX" beside it */
    int fd;              /* -1 once the temporary file is closed */
    int finished;        /* data flushed and the temporary file closed */
    size_t row_bytes;
    size_t rows_total;   /* shape[0] */
    size_t rows_written;
};

static const struct {
    const char *descr;
    size_t size;
} npy_types[] = {
    {"<f2", 2}, {"<f4", 4}, {"<f8", 8}, {"<i4", 4}, {"<i8", 8}, {"|u1", 1},
};

static size_t npy_item_size(const char *descr)
{
    for (size_t i = 0; i < sizeof npy_types / sizeof npy_types[0]; i++)
        if (descr && strcmp(descr, npy_types[i].descr) == 0)
            return npy_types[i].size;
    return 0;
}

static void errno_text(int code, char *buf, size_t n)
{
    /* strerror_r, not strerror: the generator writes from several threads. */
    if (strerror_r(code, buf, n) != 0)
        snprintf(buf, n, "error %d", code);
}

static cascade_status io_error(cascade_error *err, const char *path,
                               const char *what, int code)
{
    char text[256];
    errno_text(code, text, sizeof text);
    return cascade_error_set(err, CASCADE_ERR_IO, path, -1, -1,
                             "%s: %s (an existing file is left unchanged)",
                             what, text);
}

/* The process umask, read once: umask() can only be read by setting it, which
 * must not race with other threads creating files. */
static mode_t process_umask;
static pthread_once_t umask_once = PTHREAD_ONCE_INIT;

static void read_umask(void)
{
    process_umask = umask(022);
    umask(process_umask);
}

static int write_all(int fd, const void *data, size_t size)
{
    const char *p = data;
    while (size > 0) {
        /* Linux writes at most about 2 GiB per call; ask for 1 GiB at a time. */
        size_t chunk = size < ((size_t)1 << 30) ? size : ((size_t)1 << 30);
        ssize_t n = write(fd, p, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0) {
            errno = EIO;
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

/* Create the temporary file beside path: *temp_out (malloc'd) and *fd_out. */
static cascade_status open_temp(const char *path, char **temp_out, int *fd_out,
                                cascade_error *err)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dir_len = (size_t)(base - path);
    if (*base == '\0')
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, path, -1, -1,
                                 "the output path names a folder; expected a file name");
    size_t n = dir_len + 1 + strlen(base) + 8 + 1; /* DIR/ . BASE .XXXXXX NUL */
    char *temp = malloc(n);
    if (!temp)
        return cascade_error_set(err, CASCADE_ERR_NOMEM, path, -1, -1,
                                 "out of memory naming the temporary file");
    snprintf(temp, n, "%.*s.%s.XXXXXX", (int)dir_len, path, base);
    int fd = mkstemp(temp);
    if (fd < 0) {
        cascade_status status = io_error(err, path, "cannot create a temporary file in "
                                                    "its folder", errno);
        free(temp);
        return status;
    }
    /* mkstemp creates 0600; give the file the mode open() would have. */
    pthread_once(&umask_once, read_umask);
    if (fchmod(fd, 0666 & ~process_umask) != 0) {
        cascade_status status = io_error(err, path, "cannot set the temporary file's mode",
                                         errno);
        close(fd);
        unlink(temp);
        free(temp);
        return status;
    }
    *temp_out = temp;
    *fd_out = fd;
    return CASCADE_OK;
}

/* Flush to disk and close; returns -1 with errno set on failure. */
static int sync_and_close(int fd)
{
    int failed = fsync(fd) != 0;
    int saved = errno;
    if (close(fd) != 0 && !failed) {
        failed = 1;
        saved = errno;
    }
    errno = saved;
    return failed ? -1 : 0;
}

/* Best effort: make the rename itself durable. A failure here cannot undo it. */
static void sync_folder(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = NULL;
    if (slash) {
        size_t n = (size_t)(slash - path);
        dir = malloc(n + 2);
        if (!dir)
            return;
        memcpy(dir, path, n);
        dir[n] = '\0';
        if (n == 0)
            strcpy(dir, "/");
    }
    int fd = open(dir ? dir : ".", O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

/* The header exactly as NumPy (1.24) writes it: the dict, then spaces that
 * leave room for shape[0] to grow to 21 digits in place, then spaces and a
 * newline so that the data start at a multiple of 64 bytes. Returns the
 * total header length (magic included), or 0 if buf is too small. */
static size_t npy_header(char *buf, size_t cap, const char *descr, size_t ndim,
                         const size_t *shape)
{
    char dict[160];
    char shape_text[64];
    char rows_text[32];
    int rows_len = snprintf(rows_text, sizeof rows_text, "%zu", shape[0]);
    if (ndim == 1)
        snprintf(shape_text, sizeof shape_text, "(%zu,)", shape[0]);
    else
        snprintf(shape_text, sizeof shape_text, "(%zu, %zu)", shape[0], shape[1]);
    int dict_len = snprintf(dict, sizeof dict,
                            "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                            descr, shape_text);
    size_t growth = rows_len < 21 ? (size_t)(21 - rows_len) : 0;
    size_t text_len = (size_t)dict_len + growth + 1; /* + '\n' */
    size_t total = 10 + text_len;
    total += (64 - total % 64) % 64;
    if (total > cap || total - 10 > 65535)
        return 0;
    memcpy(buf, "\x93NUMPY\x01\x00", 8);
    buf[8] = (char)((total - 10) & 0xff);
    buf[9] = (char)((total - 10) >> 8);
    memcpy(buf + 10, dict, (size_t)dict_len);
    memset(buf + 10 + dict_len, ' ', total - 10 - (size_t)dict_len - 1);
    buf[total - 1] = '\n';
    return total;
}

static cascade_status check_array(const char *path, const char *descr,
                                  size_t ndim, const size_t *shape,
                                  size_t *row_bytes, cascade_error *err)
{
    size_t item = npy_item_size(descr);
    if (!item)
        return cascade_error_set(err, CASCADE_ERR_DTYPE, path, -1, -1,
                                 "cannot write element type '%s'; expected one of "
                                 "<f2, <f4, <f8, <i4, <i8, |u1", descr ? descr : "(null)");
    if ((ndim != 1 && ndim != 2) || !shape)
        return cascade_error_set(err, CASCADE_ERR_SHAPE, path, -1, -1,
                                 "cannot write a %zu-dimensional array; expected 1 or 2 "
                                 "dimensions", ndim);
    size_t cols = ndim == 2 ? shape[1] : 1;
    if (cols > 0 && (item > SIZE_MAX / cols || shape[0] > SIZE_MAX / (item * cols)))
        return cascade_error_set(err, CASCADE_ERR_SHAPE, path, -1, -1,
                                 "array of %zu x %zu elements is too large to address",
                                 shape[0], cols);
    *row_bytes = item * cols;
    return CASCADE_OK;
}

cascade_status cascade_npy_writer_open(cascade_npy_writer **out,
                                       const char *path, const char *descr,
                                       size_t ndim, const size_t *shape,
                                       cascade_error *err)
{
    if (!out || !path)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, path, -1, -1,
                                 "no writer or no path given");
    *out = NULL;
    size_t row_bytes = 0;
    cascade_status status = check_array(path, descr, ndim, shape, &row_bytes, err);
    if (status != CASCADE_OK)
        return status;
    char header[256];
    size_t header_len = npy_header(header, sizeof header, descr, ndim, shape);
    if (!header_len)
        return cascade_error_set(err, CASCADE_ERR_SHAPE, path, -1, -1,
                                 "the .npy header for this shape does not fit");

    cascade_npy_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->path = strdup(path))) {
        free(w);
        return cascade_error_set(err, CASCADE_ERR_NOMEM, path, -1, -1,
                                 "out of memory opening a writer");
    }
    w->fd = -1;
    status = open_temp(path, &w->temp_path, &w->fd, err);
    if (status != CASCADE_OK) {
        free(w->path);
        free(w);
        return status;
    }
    w->row_bytes = row_bytes;
    w->rows_total = shape[0];
    if (write_all(w->fd, header, header_len) != 0) {
        int code = errno;
        cascade_npy_writer_discard(w);
        return io_error(err, path, "cannot write", code);
    }
    *out = w;
    return CASCADE_OK;
}

cascade_status cascade_npy_writer_append(cascade_npy_writer *w, const void *rows,
                                         size_t n_rows, cascade_error *err)
{
    if (!w || w->finished || (!rows && n_rows > 0))
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, w ? w->path : NULL, -1, -1,
                                 "append to a writer that is finished, or without data");
    if (n_rows > w->rows_total - w->rows_written)
        return cascade_error_set(err, CASCADE_ERR_SHAPE, w->path, (long long)w->rows_written,
                                 -1, "appending %zu rows after %zu would exceed the %zu "
                                 "rows the header declares", n_rows, w->rows_written,
                                 w->rows_total);
    if (write_all(w->fd, rows, n_rows * w->row_bytes) != 0)
        return io_error(err, w->path, "cannot write", errno);
    w->rows_written += n_rows;
    return CASCADE_OK;
}

cascade_status cascade_npy_writer_finish(cascade_npy_writer *w, cascade_error *err)
{
    if (!w)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1, "no writer");
    if (w->finished)
        return CASCADE_OK;
    if (w->rows_written != w->rows_total)
        return cascade_error_set(err, CASCADE_ERR_SHAPE, w->path, (long long)w->rows_written,
                                 -1, "only %zu of the %zu rows the header declares were "
                                 "written", w->rows_written, w->rows_total);
    int fd = w->fd;
    w->fd = -1;
    if (sync_and_close(fd) != 0)
        return io_error(err, w->path, "cannot write", errno);
    w->finished = 1;
    return CASCADE_OK;
}

cascade_status cascade_npy_writer_close(cascade_npy_writer *w, cascade_error *err)
{
    cascade_status status = cascade_npy_writer_finish(w, err);
    if (status != CASCADE_OK) {
        cascade_npy_writer_discard(w);
        return status;
    }
    if (rename(w->temp_path, w->path) != 0) {
        status = io_error(err, w->path, "cannot replace the file", errno);
        cascade_npy_writer_discard(w);
        return status;
    }
    sync_folder(w->path);
    free(w->temp_path);
    free(w->path);
    free(w);
    return CASCADE_OK;
}

void cascade_npy_writer_discard(cascade_npy_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    if (w->temp_path)
        unlink(w->temp_path);
    free(w->temp_path);
    free(w->path);
    free(w);
}

cascade_status cascade_npy_write(const char *path, const char *descr,
                                 size_t ndim, const size_t *shape,
                                 const void *data, cascade_error *err)
{
    cascade_npy_writer *w = NULL;
    cascade_status status = cascade_npy_writer_open(&w, path, descr, ndim, shape, err);
    if (status != CASCADE_OK)
        return status;
    status = cascade_npy_writer_append(w, data, shape[0], err);
    if (status != CASCADE_OK) {
        cascade_npy_writer_discard(w);
        return status;
    }
    return cascade_npy_writer_close(w, err);
}

/* float32 -> float16 with round to nearest even (after F. Giesen's
 * float_to_half_fast3_rtne): normal results round by integer addition on the
 * bits, subnormal ones by letting a float addition do the rounding. */
static inline uint16_t f32_to_f16(float value)
{
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    uint32_t sign = (bits >> 16) & 0x8000u;
    bits &= 0x7fffffffu;
    uint32_t half;
    if (bits >= 0x47800000u) {          /* |value| >= 65536, infinity or NaN */
        half = bits > 0x7f800000u ? 0x7e00u : 0x7c00u;
    } else if (bits < 0x38800000u) {    /* below 2^-14: subnormal half or zero */
        float magnitude;
        memcpy(&magnitude, &bits, sizeof bits);
        magnitude += 0.5f;              /* puts the 10 half bits at the bottom */
        uint32_t rounded;
        memcpy(&rounded, &magnitude, sizeof rounded);
        half = rounded - 0x3f000000u;
    } else {
        uint32_t odd = (bits >> 13) & 1u;
        bits += 0xc8000fffu + odd;      /* rebias 127 -> 15, round half to even */
        half = bits >> 13;              /* may carry into infinity: correct */
    }
    return (uint16_t)(sign | half);
}

uint16_t cascade_float_to_half(float value)
{
    return f32_to_f16(value);
}

void cascade_float_to_half_array(const float *src, uint16_t *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = f32_to_f16(src[i]);
}
