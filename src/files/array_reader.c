/* Block-of-rows reading of score files, for one streaming pass: .npy rows
 * straight from the file, CSV rows parsed from the nearest noted row start
 * (csv_array.c). Reading ahead of the files to come.
 *
 * Why pread() and not mmap(): on some VMs of the kind this project runs on,
 * touching file pages through a mapping costs several times more than
 * copying them with read() into a buffer that stays hot in cache; on
 * others a mapping is somewhat cheaper. build/tests/bench_read FILE...
 * measures both on a machine (docs/performance.md). read() is never far
 * behind, and holds no more than a block of the file in memory. */
#include "files/array_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_csv_text(const char *path)
{
    size_t n = strlen(path);
    return (n >= 4 && (strcasecmp(path + n - 4, ".csv") == 0 ||
                       strcasecmp(path + n - 4, ".txt") == 0));
}

/* A CSV file: streamed too, parsed a block of rows at a time. */
static cascade_status open_csv(const char *path, cascade_array_reader *out, cascade_error *error)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1, "cannot open: %s",
                                 strerror(errno));
    cascade_status status = cascade_csv_index_open(path, fd, &out->csv, error);
    if (status != CASCADE_OK) {
        close(fd);
        return status;
    }
    out->streams = 1;
    out->fd = fd;
    out->dtype = CASCADE_DTYPE_F64;
    out->rows = cascade_csv_index_rows(out->csv);
    out->cols = cascade_csv_index_cols(out->csv);
    out->ndim = out->cols == 1 ? 1 : 2;
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    return CASCADE_OK;
}

cascade_status cascade_array_reader_open(const char *path, cascade_array_reader *out,
                                         cascade_error *error)
{
    memset(out, 0, sizeof *out);
    out->path = path;
    if (!path)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, path, -1, -1, "no path given");
    if (is_csv_text(path))
        return open_csv(path, out, error);
    int fd = -1;
    size_t size = 0;
    cascade_status status = cascade_npy_open(path, &fd, &size, error);
    if (status != CASCADE_OK)
        return status;
    cascade_array shape;
    memset(&shape, 0, sizeof shape);
    size_t offset = 0;
    int in_place = 0;
    status = cascade_npy_read_header(path, fd, size, &shape, &offset, &in_place, error);
    if (status != CASCADE_OK) {
        close(fd);
        return status;
    }
    out->dtype = shape.dtype;
    out->ndim = shape.ndim;
    out->rows = shape.rows;
    out->cols = shape.cols;
    if (in_place) {
        out->streams = 1;
        out->fd = fd;
        out->data_offset = offset;
        /* One sequential pass follows: a bigger read-ahead window. */
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        posix_fadvise(fd, 0, 0, POSIX_FADV_WILLNEED);
        return CASCADE_OK;
    }
    /* Big-endian or Fortran order: converted whole by the loader. */
    close(fd);
    status = cascade_array_load(path, &out->whole, error);
    if (status != CASCADE_OK)
        return status;
    out->dtype = out->whole.dtype;
    out->ndim = out->whole.ndim;
    out->rows = out->whole.rows;
    out->cols = out->whole.cols;
    return CASCADE_OK;
}

/* Asked for in pieces of this size: Linux reads ahead at most the
 * device's read-ahead window per call (read_ahead_kb, 128 KiB by default),
 * so one call for a whole file read its first window and no more (measured
 * here: a 200 MB file asked for whole read as slowly afterwards as with no
 * hint at all, and four times faster when asked for in pieces). */
enum { PREFETCH_PIECE = 128 << 10 };

/* Prefetches PATH, when it is a regular file (a folder's or a device's
 * size says nothing of bytes to read: on ext4 a folder "ends" at 2^63);
 * between pieces it gives up once STOP, when given, says so. Opened without
 * waiting: a named pipe would wait for a writer. */
static void prefetch_file(const char *path, int (*stop)(void *), void *context)
{
    if (!path)
        return;
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
        for (off_t at = 0; at < st.st_size; at += PREFETCH_PIECE) {
            /* every 8 MiB: a stop waits for no more than that */
            if (stop && at % (64 * PREFETCH_PIECE) == 0 && stop(context))
                break;
            posix_fadvise(fd, at, PREFETCH_PIECE, POSIX_FADV_WILLNEED);
        }
    close(fd);
}

void cascade_array_prefetch(const char *path)
{
    prefetch_file(path, NULL, NULL);
}

struct cascade_prefetcher {
    const char *const *paths;
    size_t count;
    size_t reached; /* the file the reader is on */
    int stopping;
    pthread_mutex_t lock;
    pthread_cond_t moved;
    pthread_t thread;
};

static int prefetcher_stopping(void *context)
{
    cascade_prefetcher *p = context;
    pthread_mutex_lock(&p->lock);
    int stopping = p->stopping;
    pthread_mutex_unlock(&p->lock);
    return stopping;
}

static void *prefetch_ahead(void *arg)
{
    cascade_prefetcher *p = arg;
    for (size_t f = 0; f < p->count; f++) {
        pthread_mutex_lock(&p->lock);
        while (!p->stopping && f > p->reached + 1)
            pthread_cond_wait(&p->moved, &p->lock);
        int stopping = p->stopping;
        pthread_mutex_unlock(&p->lock);
        if (stopping)
            break;
        prefetch_file(p->paths[f], prefetcher_stopping, p);
    }
    return NULL;
}

void cascade_prefetcher_start(const char *const *paths, size_t count, cascade_prefetcher **out)
{
    *out = NULL;
    cascade_prefetcher *p = calloc(1, sizeof *p);
    if (!p)
        return;
    p->paths = paths;
    p->count = count;
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        free(p);
        return;
    }
    if (pthread_cond_init(&p->moved, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        free(p);
        return;
    }
    if (pthread_create(&p->thread, NULL, prefetch_ahead, p) != 0) {
        pthread_cond_destroy(&p->moved);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return;
    }
    *out = p;
}

void cascade_prefetcher_reached(cascade_prefetcher *prefetcher, size_t index)
{
    if (!prefetcher)
        return;
    pthread_mutex_lock(&prefetcher->lock);
    prefetcher->reached = index;
    pthread_cond_signal(&prefetcher->moved);
    pthread_mutex_unlock(&prefetcher->lock);
}

void cascade_prefetcher_stop(cascade_prefetcher *prefetcher)
{
    if (!prefetcher)
        return;
    pthread_mutex_lock(&prefetcher->lock);
    prefetcher->stopping = 1;
    pthread_cond_signal(&prefetcher->moved);
    pthread_mutex_unlock(&prefetcher->lock);
    pthread_join(prefetcher->thread, NULL);
    pthread_cond_destroy(&prefetcher->moved);
    pthread_mutex_destroy(&prefetcher->lock);
    free(prefetcher);
}

size_t cascade_array_reader_row_bytes(const cascade_array_reader *reader)
{
    return reader->cols * cascade_dtype_size(reader->dtype);
}

cascade_status cascade_array_reader_read(const cascade_array_reader *reader, size_t row,
                                         size_t count, void *buffer, cascade_array *chunk,
                                         cascade_error *error)
{
    memset(chunk, 0, sizeof *chunk);
    if (row > reader->rows || count > reader->rows - row)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, reader->path, (long long)row, -1,
            "rows %zu..%zu asked of %zu (expected rows within the array)", row,
            row + count, reader->rows);
    size_t row_bytes = cascade_array_reader_row_bytes(reader);
    chunk->dtype = reader->dtype;
    chunk->ndim = reader->ndim;
    chunk->rows = count;
    chunk->cols = reader->cols;
    chunk->from_text = reader->csv ? 1 : reader->whole.from_text;
    if (!reader->streams) {
        chunk->data = (const unsigned char *)reader->whole.data + row * row_bytes;
        return CASCADE_OK;
    }
    if (reader->csv) {
        chunk->data = buffer;
        return cascade_csv_index_read(reader->csv, reader->path, reader->fd, row, count, buffer,
                                      error);
    }
    unsigned char *bytes = buffer;
    size_t want = count * row_bytes, got = 0;
    off_t at = (off_t)(reader->data_offset + (unsigned long long)row * row_bytes);
    while (got < want) {
        ssize_t n = pread(reader->fd, bytes + got, want - got, at + (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            /* A file truncated since the header was read ends early. */
            return cascade_error_set(error, CASCADE_ERR_IO, reader->path, (long long)row, -1,
                "cannot read rows %zu..%zu: %s", row, row + count,
                n < 0 ? strerror(errno) : "the file ended early (was it changed while read?)");
        got += (size_t)n;
    }
    chunk->data = buffer;
    return CASCADE_OK;
}

void cascade_array_reader_close(cascade_array_reader *reader)
{
    if (!reader)
        return;
    if (reader->streams)
        close(reader->fd);
    cascade_csv_index_free(reader->csv);
    cascade_array_free(&reader->whole);
    memset(reader, 0, sizeof *reader);
}
