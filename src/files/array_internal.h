/* Private to src/files: the two array readers behind cascade_array_load. */
#ifndef CASCADE_FILES_ARRAY_INTERNAL_H
#define CASCADE_FILES_ARRAY_INTERNAL_H

#include "cascade/array.h"

/* Parses .npy bytes already in memory; on success out->data points into
 * file_bytes (or into out->owned after a conversion). */
cascade_status cascade_npy_parse(const char *path, const void *file_bytes,
                                 size_t file_size, cascade_array *out,
                                 cascade_error *error);
cascade_status cascade_npy_load(const char *path, cascade_array *out,
                                cascade_error *error);
/* Opens PATH for reading as a .npy file: a regular, non-empty file, or the
 * error the loader gives. The caller closes *FD. */
cascade_status cascade_npy_open(const char *path, int *fd, size_t *size,
                                cascade_error *error);
/* The header of the open .npy file FD of FILE_SIZE bytes, checked as
 * cascade_npy_parse() checks it: the dtype and shape into OUT (data NULL),
 * where the data starts into *DATA_OFFSET, and into *ROWS_IN_PLACE whether
 * the rows lie in the file as they are wanted (little-endian, C order), so
 * that a block of rows is one read. */
cascade_status cascade_npy_read_header(const char *path, int fd, size_t file_size,
                                       cascade_array *out, size_t *data_offset,
                                       int *rows_in_place, cascade_error *error);
/* Parses SIZE bytes of CSV text already in memory, as the loader does. */
cascade_status cascade_csv_array_parse(const char *path, const void *bytes, size_t size,
                                       cascade_array *out, cascade_error *error);
cascade_status cascade_csv_array_load(const char *path, cascade_array *out,
                                      cascade_error *error);

/* A CSV file's shape and where some of its rows start, for streamed
 * reads (cascade/array.h declares the type). Open checks the file as the
 * loader does, with the same messages, except that a cell that is not a
 * number is found by the read that converts it. FD stays the caller's. */
cascade_status cascade_csv_index_open(const char *path, int fd, cascade_csv_index **out,
                                      cascade_error *error);
size_t cascade_csv_index_rows(const cascade_csv_index *index);
size_t cascade_csv_index_cols(const cascade_csv_index *index);
/* Data rows [ROW, ROW + COUNT) of FD as float64 into INTO ([COUNT][cols]),
 * as the loader would have converted them. */
cascade_status cascade_csv_index_read(const cascade_csv_index *index, const char *path, int fd,
                                      size_t row, size_t count, double *into,
                                      cascade_error *error);
void cascade_csv_index_free(cascade_csv_index *index);

#endif
