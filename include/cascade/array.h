/* cascade/array.h: numeric arrays read from NumPy .npy files or CSV text.
 *
 * Ownership: cascade_array_load() fills a caller-provided cascade_array; the
 * caller releases it with cascade_array_free(), which accepts NULL and a
 * zeroed array. A .npy file is memory-mapped and its data is read in place
 * (no copy) when it is little-endian, C order and aligned; otherwise, and for
 * CSV, the array owns a converted copy. `data` stays valid until the free.
 *
 * cascade_array_reader_open() fills a caller-provided reader that the caller
 * releases with cascade_array_reader_close() (a zeroed reader is fine); it
 * keeps a pointer to PATH, which must outlive it. The caller owns the
 * buffers that cascade_array_reader_read() fills.
 */
#ifndef CASCADE_ARRAY_H
#define CASCADE_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cascade_dtype {
    CASCADE_DTYPE_F16,
    CASCADE_DTYPE_F32,
    CASCADE_DTYPE_F64,
    CASCADE_DTYPE_I8,
    CASCADE_DTYPE_I16,
    CASCADE_DTYPE_I32,
    CASCADE_DTYPE_I64,
    CASCADE_DTYPE_U8,
    CASCADE_DTYPE_U16,
    CASCADE_DTYPE_U32,
    CASCADE_DTYPE_U64
} cascade_dtype;

typedef struct cascade_array {
    cascade_dtype dtype;
    size_t ndim;        /* 1 or 2 */
    size_t rows;        /* shape[0] */
    size_t cols;        /* shape[1]; 1 for a 1-D array */
    const void *data;   /* [rows][cols], C order, native little-endian */
    int from_text;      /* parsed from CSV: values are float64 */
    /* private: how the bytes are held */
    void *mapping;
    size_t mapping_size;
    void *owned;
} cascade_array;

/* Loads PATH by extension: ".csv" (or ".txt") as comma-separated numbers, one
 * row per line, with an optional header line; anything else as .npy (v1, v2
 * or v3 header). Accepts 1-D and 2-D arrays of the dtypes above; float16 is
 * kept as raw half floats (see cascade_half_to_float). Refuses object and
 * structured dtypes, 0-D and 3-D and higher arrays, and a header that does
 * not match the file size. Big-endian data and Fortran order are converted. */
cascade_status cascade_array_load(const char *path, cascade_array *out,
                                  cascade_error *error);

void cascade_array_free(cascade_array *array);

/* Reads an array a block of rows at a time, so that one pass over a big
 * score file holds only a block: the whole file is never mapped or copied.
 * A little-endian, C-order .npy file is read with pread() into the caller's
 * buffer, with the kernel asked to read ahead; a CSV file, and a .npy file in
 * Fortran order or big-endian, is loaded whole at open (as by
 * cascade_array_load) and its blocks are views into it. The shape and dtype
 * fields are filled at open. Several threads may read one reader at once. */
typedef struct cascade_csv_index cascade_csv_index;

typedef struct cascade_array_reader {
    cascade_dtype dtype;
    size_t ndim, rows, cols;
    /* private */
    const char *path;
    int streams;              /* rows are read from FD; else they come from WHOLE */
    int fd;
    unsigned long long data_offset;
    cascade_csv_index *csv;   /* a streamed CSV file's row starts; NULL for .npy */
    cascade_array whole;
} cascade_array_reader;

/* Opens PATH and checks its header exactly as cascade_array_load() does,
 * with the same messages. */
cascade_status cascade_array_reader_open(const char *path, cascade_array_reader *out,
                                         cascade_error *error);

/* Rows [ROW, ROW + COUNT) (within the array) as the array CHUNK: its rows
 * start at 0, its data is native little-endian C order, and it points into
 * BUFFER, which must hold COUNT rows (cascade_array_reader_row_bytes() each),
 * or into the whole array. CHUNK owns nothing; it stays valid until the
 * next read into BUFFER or the close. */
cascade_status cascade_array_reader_read(const cascade_array_reader *reader, size_t row,
                                         size_t count, void *buffer, cascade_array *chunk,
                                         cascade_error *error);

/* Bytes of one row of READER's array. */
size_t cascade_array_reader_row_bytes(const cascade_array_reader *reader);

void cascade_array_reader_close(cascade_array_reader *reader);

/* Asks the kernel to start reading the whole of PATH into the page cache
 * (a hint: failures, and paths that are not regular files, are ignored), so
 * that with a cold cache the disk stays busy with the next file while this
 * one is computed. Returns once the reads are queued: a few milliseconds
 * for 200 MB on a cold cache here, under 2 ms on a warm one. */
void cascade_array_prefetch(const char *path);

/* A thread that prefetches a list of files in order, staying one file
 * ahead of the reader, so that queueing the reads never holds the reader
 * up. PATHS (COUNT of them, NULL entries skipped) belongs to the caller and
 * must outlive the prefetcher. A hint like cascade_array_prefetch(): where
 * the thread cannot start, *OUT is NULL and the calls below do nothing. */
typedef struct cascade_prefetcher cascade_prefetcher;
void cascade_prefetcher_start(const char *const *paths, size_t count, cascade_prefetcher **out);

/* The reader has reached file INDEX: the prefetcher may go on to INDEX + 1. */
void cascade_prefetcher_reached(cascade_prefetcher *prefetcher, size_t index);

/* Stops the prefetcher (within 8 MiB of the file it is queueing) and frees
 * it. */
void cascade_prefetcher_stop(cascade_prefetcher *prefetcher);

/* Size in bytes of one element of DTYPE. */
size_t cascade_dtype_size(cascade_dtype dtype);

/* A short name such as "float32" for messages. */
const char *cascade_dtype_name(cascade_dtype dtype);

/* Row ROW as cols doubles into OUT (float16/32/64 read directly). */
void cascade_array_row(const cascade_array *array, size_t row, double *out);

/* One element as a double (slow path, for labels and tests). */
double cascade_array_get(const cascade_array *array, size_t row, size_t col);

/* IEEE 754 binary16 to binary32, exact. */
float cascade_half_to_float(uint16_t half);

#ifdef __cplusplus
}
#endif

#endif
