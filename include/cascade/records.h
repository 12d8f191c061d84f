/* cascade/records.h: labels, and the per-model records computed in one pass
 * over a model's scores: for every sample its prediction (argmax), its
 * confidence (max softmax), and whether the prediction equals the label.
 * A pair's records are the paper's k x 3 array (conf_a, correct_a, correct_b).
 *
 * Ownership: cascade_labels_load() and cascade_records_compute() fill
 * caller-provided structs whose arrays the library allocates; release them
 * with cascade_labels_free() / cascade_records_free() (NULL and zeroed
 * structs are fine). Neither keeps a reference to its input array.
 * cascade_labels_load_json() and the subset functions fill caller-provided
 * structs the same way, released with the same functions. Read buffers from
 * cascade_read_buffers_create() are released with cascade_read_buffers_free()
 * (NULL is fine).
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
    /* Multi-labels (cascade_labels_load_json), NULL for single labels:
     * sample i's labels are members[offsets[i] .. offsets[i + 1]). label[i]
     * is then the first of them, 0 for an empty list (which nothing matches),
     * and max_label the largest member of any list. */
    size_t *offsets;  /* [count + 1] */
    int32_t *members; /* [offsets[count]] */
} cascade_labels;

/* Whether PREDICTION is a correct answer for sample I: it equals the label,
 * or for multi-labels it is one of the sample's labels. */
static inline int cascade_labels_match(const cascade_labels *labels, size_t i,
                                       int32_t prediction)
{
    if (!labels->offsets)
        return labels->label[i] == prediction;
    for (size_t j = labels->offsets[i]; j < labels->offsets[i + 1]; j++)
        if (labels->members[j] == prediction)
            return 1;
    return 0;
}

/* Reads a 1-D integer array (.npy int8..int64, uint8..uint64) or a
 * one-column CSV of whole numbers. Refuses negative labels. */
cascade_status cascade_labels_load(const char *path, cascade_labels *out,
                                   cascade_error *error);
void cascade_labels_free(cascade_labels *labels);

/* Reads multi-labels: a JSON array with one entry per sample, each a list of
 * class indices (ImageNet ReaL's real.json) or a single class index. An
 * empty list is kept here (its sample matches no prediction); the dataset
 * leaves such samples out. Errors name the 0-based entry in row. */
cascade_status cascade_labels_load_json(const char *path, cascade_labels *out,
                                        cascade_error *error);

/* How many samples have an empty label list (0 for single labels). */
size_t cascade_labels_empty_count(const cascade_labels *labels);

typedef struct cascade_records {
    size_t samples;
    size_t classes;
    int32_t *prediction;  /* [samples] argmax, first index on ties; NULL when
                             the dataset was loaded with drop_predictions */
    double *confidence;   /* [samples] max softmax, in (0, 1] */
    uint8_t *correct;     /* [samples] 1 when prediction == label; 0 without labels */
    size_t correct_count;
    /* Per-sample inputs of a prediction table that names them (cascade/
     * manifest.h); NULL otherwise, which is the constant-cost, 0/1 case that
     * every existing path assumes. Owned by the records like the arrays
     * above. */
    double *sample_cost;  /* [samples] >= 0: this model's cost of sample i */
    double *quality;      /* [samples] in [0, 1]: replaces correct[i] as the score */
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
/* Read buffers kept from one pass to the next (one per worker thread), so
 * that loading many models does not touch fresh memory for each. */
typedef struct cascade_read_buffers cascade_read_buffers;
cascade_status cascade_read_buffers_create(cascade_read_buffers **out);
void cascade_read_buffers_free(cascade_read_buffers *buffers);

typedef struct cascade_records_options {
    unsigned threads;   /* worker threads over rows; 0 means one per online CPU */
    int precise;        /* float16/float32 logits through the double-precision
                           path too (libm exp): slower, for bit-level agreement
                           with a float64 reference */
    cascade_read_buffers *buffers; /* for streamed passes; NULL: this call's own.
                           Not to be shared by two passes running at once */
} cascade_records_options;

/* The same with OPTIONS (NULL for the defaults). By default float32 and
 * float16 logits take a vectorised path (confidences within about 3e-7
 * relative of double precision); other inputs, and every input with `precise`,
 * a double-precision one. */
cascade_status cascade_records_compute_with(const cascade_array *scores,
                                            cascade_score_kind kind,
                                            const cascade_labels *labels,
                                            const char *model, const char *path,
                                            const cascade_records_options *options,
                                            cascade_records *out, cascade_error *error);

/* The same pass over a file read a block of rows at a time
 * (cascade/array.h): each thread reads its rows into its own buffer and
 * computes them while they are in cache, so the whole scores are never held
 * in memory. The records equal cascade_records_compute_with()'s bit for bit. */
cascade_status cascade_records_compute_stream(const cascade_array_reader *scores,
                                              cascade_score_kind kind,
                                              const cascade_labels *labels,
                                              const char *model, const char *path,
                                              const cascade_records_options *options,
                                              cascade_records *out, cascade_error *error);

void cascade_records_free(cascade_records *records);

/* The mean of VALUES[0..COUNT) summed in sample order (0 for none): a model's
 * mean per-sample cost and mean quality, wherever they are needed, so that
 * a single model's figures agree bit for bit. */
double cascade_records_mean(const double *values, size_t count);

/* Copies of the samples INDEX[0..COUNT-1] (each < the input's count, in
 * that order): OUT->x[j] = IN->x[INDEX[j]], with correct_count recounted
 * (sample_cost and quality too, when IN has them).
 * For held-out views of a dataset and for leaving samples out. */
cascade_status cascade_records_subset(const cascade_records *in, const size_t *index,
                                      size_t count, cascade_records *out);
cascade_status cascade_labels_subset(const cascade_labels *in, const size_t *index,
                                     size_t count, cascade_labels *out);

#ifdef __cplusplus
}
#endif

#endif
