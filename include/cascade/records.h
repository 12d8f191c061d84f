/* cascade/records.h: labels, and the per-model records computed in one pass
 * over a model's scores: for every sample its prediction (argmax), its
 * confidence (max softmax), and whether the prediction equals the label.
 * A pair's records are the paper's k x 3 array (conf_a, correct_a, correct_b).
 *
 * Ownership: cascade_labels_load() and cascade_records_compute() fill
 * caller-provided structs whose arrays the library allocates; release them
 * with cascade_labels_free() / cascade_records_free() (NULL and zeroed
 * structs are fine). Neither keeps a reference to its input array.
 */
#ifndef CASCADE_RECORDS_H
#define CASCADE_RECORDS_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/array.h"
#include "cascade/manifest.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_labels {
    size_t count;
    int32_t *label;   /* [count], class indices >= 0 */
    int32_t max_label;
} cascade_labels;

/* Reads a 1-D integer array (.npy int8..int64, uint8..uint64) or a
 * one-column CSV of whole numbers. Refuses negative labels. */
cascade_status cascade_labels_load(const char *path, cascade_labels *out,
                                   cascade_error *error);
void cascade_labels_free(cascade_labels *labels);

typedef struct cascade_records {
    size_t samples;
    size_t classes;
    int32_t *prediction;  /* [samples] argmax, first index on ties */
    double *confidence;   /* [samples] max softmax, in (0, 1] */
    uint8_t *correct;     /* [samples] 1 when prediction == label; 0 without labels */
    size_t correct_count;
    /* Set when the logits look like probabilities (every checked row is
     * non-negative and sums to 1): a common mistake the caller may report. */
    int looks_like_probabilities;
} cascade_records;

/* One pass over SCORES ([samples][classes], any float dtype): logits give
 * confidence 1 / sum_j exp(z_j - max z); probabilities are used as logits
 * log p, so their confidence is max p / sum p. LABELS may be NULL. MODEL and
 * PATH only name the model in messages: a NaN or Inf names the row and
 * column; a probability row must be non-negative with a positive sum. */
cascade_status cascade_records_compute(const cascade_array *scores,
                                       cascade_score_kind kind,
                                       const cascade_labels *labels,
                                       const char *model, const char *path,
                                       cascade_records *out,
                                       cascade_error *error);
/* The same, on THREADS worker threads over rows (0: one per online CPU).
 * float32 and float16 logits take a vectorised path (exp accurate to about
 * 1e-7 relative, sums in double); other inputs a double-precision one. */
cascade_status cascade_records_compute_threads(const cascade_array *scores,
                                               cascade_score_kind kind,
                                               const cascade_labels *labels,
                                               const char *model, const char *path,
                                               unsigned threads, cascade_records *out,
                                               cascade_error *error);

void cascade_records_free(cascade_records *records);

#ifdef __cplusplus
}
#endif

#endif
