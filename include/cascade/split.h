/* cascade/split.h: held-out evaluation. A split divides a dataset's samples
 * into a fit part, on which thresholds and the front are chosen, and an
 * eval part, on which the chosen points are measured again; a view is a
 * dataset holding copies of the records of some samples, so that the sweep
 * and cascade_evaluate() run on it unchanged.
 *
 * The random split is reproducible from its seed alone: a splitmix64
 * generator seeded with SEED drives a forward Fisher-Yates shuffle of the
 * sample indices 0..k-1 (for i = 0, 1, ...: swap position i with position
 * i + u, u uniform in [0, k - i), drawn by rejection so it is unbiased); the
 * first round(FRACTION * k) positions are the fit part, the rest the eval
 * part, each then sorted ascending.
 *
 * Ownership: the split functions fill a caller-owned cascade_split that
 * cascade_split_free() releases (a zeroed one is fine); cascade_dataset_subset()
 * returns a view the caller releases with cascade_dataset_free(), before the
 * dataset it came from (the view borrows its model names and manifest).
 */
#ifndef CASCADE_SPLIT_H
#define CASCADE_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/dataset.h"
#include "cascade/points.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_split {
    size_t *fit;         /* [fit_count] sample indices, ascending */
    size_t fit_count;
    size_t *eval;        /* [eval_count] sample indices, ascending, none in fit */
    size_t eval_count;
    size_t left_out;     /* listed rows the dataset had left out (empty label lists) */
} cascade_split;

/* The seeded random split of SAMPLES samples described above. FRACTION
 * must leave at least one sample in each part. */
cascade_status cascade_split_random(size_t samples, double fraction, uint64_t seed,
                                    cascade_split *out, cascade_error *error);

/* Explicit parts: text files of 0-based rows of the score files, one per
 * line. Either path may be NULL, and that part is then every other sample.
 * Rows must be in range, appear once, and not be in both files; errors name
 * the file and line. Rows the dataset left out are skipped and counted. */
cascade_status cascade_split_load(const cascade_dataset *dataset, const char *fit_path,
                                  const char *eval_path, cascade_split *out,
                                  cascade_error *error);

void cascade_split_free(cascade_split *split);

/* A view of DATASET with the samples INDEX[0..COUNT-1] (in that order),
 * every model's records and the labels copied; costs, names and table-only
 * models as in DATASET; sample_row names each sample's row in the files. */
cascade_status cascade_dataset_subset(const cascade_dataset *dataset, const size_t *index,
                                      size_t count, cascade_dataset **out,
                                      cascade_error *error);

/* Each of POINTS[0..COUNT-1] measured again on DATASET (usually the eval
 * view) with cascade_evaluate(): OUT[i] has the same models and thresholds
 * and DATASET's accuracy, cost and answered fractions. A table-only model
 * keeps its given accuracy and cost. */
cascade_status cascade_evaluate_points(const cascade_dataset *dataset,
                                       const cascade_point *points, size_t count,
                                       cascade_point *out, cascade_error *error);

/* The same results as cascade_evaluate_points(), bit for bit, faster when
 * many points share a pair (a front holds hundreds per pair): each pair's
 * samples are sorted once by the first model's confidence, and each point
 * then costs a binary search instead of a pass over the samples. */
cascade_status cascade_evaluate_points_by_pair(const cascade_dataset *dataset,
                                               const cascade_point *points, size_t count,
                                               cascade_point *out, cascade_error *error);

/* The splitmix64 step the split uses: advances *STATE and returns the next
 * 64-bit value. Public so that tests and other tools can reproduce a split. */
uint64_t cascade_splitmix64(uint64_t *state);

#ifdef __cplusplus
}
#endif

#endif
