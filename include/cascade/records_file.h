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

/* The same for shard INDEX (from 0) of COUNT of a manifest of SOURCE_MODELS
 * models (DATASET holds the shard's models): the manifest also records
 * "shard": "I/N" (I from 1) and "source_models", so that
 * cascade_records_merge() can tell when a shard is missing. */
cascade_status cascade_records_save_shard(const cascade_dataset *dataset, const char *dir,
                                          unsigned index, unsigned count, size_t source_models,
                                          cascade_error *error);

/* The models a records shard holds: shard INDEX (from 0) of COUNT takes
 * models [FIRST, END) of a manifest of MODELS models, contiguous blocks
 * whose sizes differ by at most one, so that the merged records keep the
 * manifest's order. */
void cascade_records_shard_range(size_t models, unsigned index, unsigned count, size_t *first,
                                 size_t *end);

/* Merges the records folders DIRS[0..COUNT) (each written by `cascade
 * records`, for some of the models of one manifest) into OUT_DIR/manifest.json,
 * which lists every model and refers to the parts' files where they are
 * (relative paths; nothing is copied). The parts must agree on the metric
 * and the labels, and name each model once; shards (see
 * cascade_records_save_shard()) must all be there, once each, and are put
 * in shard order, so the merged manifest lists the models in the source
 * manifest's order. An error names the part's manifest. */
cascade_status cascade_records_merge(const char *const *dirs, size_t count, const char *out_dir,
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
