/* cascade/records_file.h: saving per-model records, and reading them back,
 * so that a sweep over hundreds of models never re-reads their logits.
 *
 * A records folder holds one NAME.records.npy per model, a float64 array
 * [samples][3] of (prediction, confidence, correct), the labels as
 * labels.npy, and manifest.json with "format": "cascade-records",
 * "version": 1, the "metric" the confidences are in, and per model its
 * "records" file, its "classes" and every numeric field of the original
 * manifest entry (so costs carry over). `sweep` reads such a manifest like
 * any other.
 *
 * Ownership: cascade_records_read() fills a caller-provided cascade_records
 * released with cascade_records_free(); cascade_records_save() only borrows
 * the dataset. Every file is written atomically; the manifest last.
 */
#ifndef CASCADE_RECORDS_FILE_H
#define CASCADE_RECORDS_FILE_H

#include "cascade/dataset.h"
#include "cascade/records.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Writes DATASET's records into folder DIR (created if missing). */
cascade_status cascade_records_save(const cascade_dataset *dataset, const char *dir,
                                    cascade_error *error);

/* Reads one model's records file: a 2-D [samples][3] float64 or float32
 * array whose predictions are whole numbers in 0..CLASSES-1, confidences
 * finite and correctness 0 or 1. With LABELS, correctness must agree with
 * them (a mismatch means the records belong to other labels). */
cascade_status cascade_records_read(const char *path, size_t classes, const char *model,
                                    const cascade_labels *labels, cascade_records *out,
                                    cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
