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
 * Uncertainty (cascade_summary_bootstrap): every figure is measured again
 * on each of B resamples of the samples (cascade_bootstrap_resample(), the
 * same resamples for all figures), the front points and pairs keeping their
 * models and thresholds, and the interval is the pair of percentiles
 * (1 - level) / 2 and (1 + level) / 2 of the B values, as in
 * cascade/bootstrap.h. A figure that some resample leaves undefined (no
 * level used, Q_b <= Q_a) has no interval.
 *
 * Ownership: results are plain values in caller-owned structs, except the
 * array cascade_summary_singles() returns, which the caller frees with free().
 */
#ifndef CASCADE_SUMMARY_H
#define CASCADE_SUMMARY_H

#include <stddef.h>

#include "cascade/bootstrap.h"
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

/* What cascade_summary_bootstrap() measures on each resample. */
typedef struct cascade_summary_figures_request {
    const unsigned *singles;          /* [single_count] dataset indices of the single models */
    size_t single_count;
    const cascade_point *front;       /* [front_count] the points C may choose from */
    size_t front_count;
    const double *range_lo, *range_hi; /* [range_count] */
    size_t range_count;
    const unsigned (*pairs)[2];       /* [pair_count] a -> b for APGR */
    size_t pair_count;
} cascade_summary_figures_request;

typedef struct cascade_figure_interval {
    double lo, hi;                    /* NaN when some resample has no figure */
} cascade_figure_interval;

/* Intervals of each range's mean_reduction (MEAN_REDUCTION[range_count]),
 * each pair's APGR (APGR[pair_count]) and the front's AIQ, all from the
 * same resamples of DATASET (labelled, fewer than 2^32 samples). */
cascade_status cascade_summary_bootstrap(const cascade_dataset *dataset,
                                         const cascade_summary_figures_request *request,
                                         const cascade_bootstrap_options *options,
                                         cascade_figure_interval *mean_reduction,
                                         cascade_figure_interval *apgr,
                                         cascade_figure_interval *aiq, cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
