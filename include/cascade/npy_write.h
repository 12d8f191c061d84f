/* cascade/npy_write.h: writing NumPy .npy files (format version 1.0), and
 * float32 -> float16 conversion (the reader is cascade/array.h).
 *
 * Ownership: cascade_npy_writer_open creates a writer that the caller ends
 * with exactly one of cascade_npy_writer_close (keep the file) or
 * cascade_npy_writer_discard (drop it); both free the writer. The library
 * never keeps a pointer to the caller's data after a call returns.
 *
 * Atomicity: every file is written to a temporary file beside the target
 * (".NAME.XXXXXX" in the same folder), flushed to disk, and renamed over the
 * target only when everything succeeded. On any error the temporary file is
 * removed and an existing target is left as it was.
 *
 * Supported element types (descr): "<f2", "<f4", "<f8", "<i4", "<i8", "|u1";
 * 1-D or 2-D, C order. Data are passed in the host's byte order, which must
 * be little-endian (as on every platform the project builds for).
 */
#ifndef CASCADE_NPY_WRITE_H
#define CASCADE_NPY_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Write a whole array: shape[0..ndim-1] elements of type descr from data. */
cascade_status cascade_npy_write(const char *path, const char *descr,
                                 size_t ndim, const size_t *shape,
                                 const void *data, cascade_error *err);

/* Streaming: open with the final shape, append rows (a row is one element
 * for 1-D arrays, shape[1] elements for 2-D ones) until shape[0] rows are
 * written, then close. Appends go straight to the file, so pass big blocks. */
typedef struct cascade_npy_writer cascade_npy_writer;

cascade_status cascade_npy_writer_open(cascade_npy_writer **out,
                                       const char *path, const char *descr,
                                       size_t ndim, const size_t *shape,
                                       cascade_error *err);

/* Append n_rows rows from rows. Fails (CASCADE_ERR_SHAPE) past shape[0]. */
cascade_status cascade_npy_writer_append(cascade_npy_writer *writer,
                                         const void *rows, size_t n_rows,
                                         cascade_error *err);

/* Optional: check that every row was written, flush the data to disk and
 * close the temporary file, without touching the target yet. Lets a caller
 * write several files and rename them only once all of them are complete.
 * After a failure the writer must still be discarded. */
cascade_status cascade_npy_writer_finish(cascade_npy_writer *writer,
                                         cascade_error *err);

/* Finish (if not yet done) and rename the file over the target; frees the
 * writer whatever happens, removing the temporary file on failure. */
cascade_status cascade_npy_writer_close(cascade_npy_writer *writer,
                                        cascade_error *err);

/* Drop the file: remove the temporary file and free the writer. Accepts NULL. */
void cascade_npy_writer_discard(cascade_npy_writer *writer);

/* IEEE 754 binary32 to binary16 bits: round to nearest, ties to even, as
 * numpy's astype(float16); overflow gives infinity, NaN a quiet NaN. The way
 * back is cascade_half_to_float (cascade/array.h). */
uint16_t cascade_float_to_half(float value);
void cascade_float_to_half_array(const float *src, uint16_t *dst, size_t n);

#ifdef __cplusplus
}
#endif

#endif
