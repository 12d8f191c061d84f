/* cascade/summary.h: the paper's headline metric, the reduction in cost at
 * equal accuracy, defined exactly.
 *
 * For a range [LO, HI], let TOP = min(HI, the best single-model accuracy)
 * and take L accuracy levels a_j = LO + (TOP - LO) j / (L - 1), j = 0..L-1
 * (L = 1001; a_(L-1) is TOP exactly). At each level:
 *   S(a) = the least cost of a single model with accuracy >= a,
 *   C(a) = the least cost of a front point (single or cascade) with
 *          accuracy >= a,
 * and the reduction at a is S(a) / C(a) (1 when both are 0, +inf when only
 * C(a) is). Levels where S or C does not exist are not used. Over the used
 * levels: mean_reduction = mean of S/C, geomean_reduction = exp(mean of
 * log(S/C)), max_reduction = the largest S/C, and the best point is the
 * front point giving C(a) at the first level where S/C is largest. When
 * LO > TOP no level is used and there are no figures.
 *
 * Inputs are plain arrays of points whose accuracy and cost fields hold the
 * figures to use (another score than accuracy works the same: the levels
 * are then levels of that score, the reduction at equal score) (fit figures, or eval figures for held-out results); they
 * need not be sorted or reduced. Results refer to them by index.
 *
 * Ownership: results are plain values in caller-owned structs, except the
 * array cascade_summary_singles() returns, which the caller frees with free().
 */
#ifndef CASCADE_SUMMARY_H
#define CASCADE_SUMMARY_H

#include <stddef.h>

#include "cascade/points.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CASCADE_SUMMARY_LEVELS 1001

/* SIZE_MAX in an index field: no such point. */
typedef struct cascade_range_summary {
    double lo, hi;             /* the range asked for */
    double top;                /* min(hi, best single-model accuracy) */
    size_t levels;             /* levels used; 0 when lo > top */
    double mean_reduction;     /* NaN when levels == 0, as are the next three */
    double geomean_reduction;
    double max_reduction;
    double best_level;         /* the accuracy level a where S/C is largest */
    size_t best_point;         /* index into FRONT of the point giving C(best_level) */
    size_t best_single;        /* index into SINGLES of the model giving S(best_level) */
} cascade_range_summary;

/* The metric above over [LO, HI] with LEVELS levels (0 means
 * CASCADE_SUMMARY_LEVELS). SINGLES are the single models' points (all of
 * them, not only the front's), FRONT the points C may choose from.
 * LO > HI, a NaN bound or no single model is CASCADE_ERR_ARGUMENT. */
cascade_status cascade_summary_range(const cascade_point *singles, size_t single_count,
                                     const cascade_point *front, size_t front_count,
                                     double lo, double hi, size_t levels,
                                     cascade_range_summary *out, cascade_error *error);

/* For one single model on the single-model front: the cheapest point of
 * FRONT with accuracy >= the model's, and the speed-up model cost / its
 * cost (1 when both are 0, +inf when only the point's is). */
typedef struct cascade_single_match {
    size_t single;             /* index into SINGLES */
    size_t point;              /* index into FRONT, SIZE_MAX when none is as accurate */
    double speedup;            /* NaN when point is SIZE_MAX */
} cascade_single_match;

/* One match per single model on the single-model front, cost ascending, in
 * *OUT (*COUNT of them; the caller frees *OUT). */
cascade_status cascade_summary_singles(const cascade_point *singles, size_t single_count,
                                       const cascade_point *front, size_t front_count,
                                       cascade_single_match **out, size_t *count,
                                       cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
