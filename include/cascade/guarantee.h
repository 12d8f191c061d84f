/* cascade/guarantee.h: thresholds chosen with a statistical guarantee on
 * the drop, from a calibration set (the fit part of a split).
 *
 * The drop of a chain at its thresholds is the fraction of samples whose
 * cascade answer is wrong where the chain's last model alone is right: what
 * the cascade loses against always running the big model. For a pair a -> b
 * it only grows as the threshold falls (more samples stop at a), so the
 * thresholds are tested in a fixed sequence, from the most conservative (one
 * group of equal confidences exits at a) down, and the chosen threshold is
 * the last one before the first that fails:
 *
 *  - Learn-then-Test (Angelopoulos, Bates, Candes, Jordan, Lei 2021): a
 *    threshold passes when its Hoeffding-Bentkus p-value for the null
 *    "drop > EPS" is <= DELTA. Fixed-sequence testing controls the
 *    family-wise error, so P(drop on new data > EPS) <= DELTA.
 *  - Conformal risk control (Angelopoulos, Bates, Fisch, Lei, Schuster
 *    2022), the loss bounded by B = 1: a threshold passes when
 *    (D + 1) / (n + 1) <= EPS, D the drops among the n calibration samples;
 *    then E[drop on a new sample] <= EPS.
 *  - Empirical (no guarantee, for comparison): D / n <= EPS, the cheapest
 *    point that meets EPS on the calibration set itself.
 *
 * With several chains, each is tested at DELTA / m (LTT) or EPS / m (CRC)
 * for m chains (Bonferroni), so that the cheapest certified point among them
 * keeps the guarantee; empirical picks are not adjusted.
 *
 * Hoeffding-Bentkus p-value of n samples with D losses, R = D / n:
 *   p = min(exp(-n h(min(R, EPS), EPS)), e * P(Binomial(n, EPS) <= D)),
 *   h(a, b) = a log(a / b) + (1 - a) log((1 - a) / (1 - b)).
 *
 * Ownership: results are plain values in caller-owned structs.
 */
#ifndef CASCADE_GUARANTEE_H
#define CASCADE_GUARANTEE_H

#include <stddef.h>

#include "cascade/dataset.h"
#include "cascade/points.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cascade_guarantee_method {
    CASCADE_GUARANTEE_LTT = 1,   /* P(drop > eps) <= delta */
    CASCADE_GUARANTEE_CRC,       /* E[drop] <= eps */
    CASCADE_GUARANTEE_EMPIRICAL  /* fit drop <= eps, no guarantee */
} cascade_guarantee_method;

/* What a guaranteed pick promises, as its config records it. */
typedef struct cascade_guarantee {
    cascade_guarantee_method method;
    size_t n;                  /* calibration samples */
    double eps;                /* in (0, 1) */
    double delta;              /* in (0, 1) for LTT; NaN otherwise */
    size_t chains;             /* chains tested (the Bonferroni factor), >= 1 */
    double fit_drop;           /* drop on the calibration samples */
    double eval_drop;          /* drop on held-out samples; NaN when not measured */
} cascade_guarantee;

/* "ltt", "crc" or "empirical"; NULL for anything else. */
const char *cascade_guarantee_method_name(cascade_guarantee_method method);

/* P(X <= K) for X ~ Binomial(N, P), 0 <= P <= 1 (1 when K >= N). */
double cascade_binomial_cdf(size_t k, size_t n, double p);

/* The Hoeffding-Bentkus p-value above for LOSSES of N (N >= 1, 0 < EPS < 1). */
double cascade_hb_pvalue(size_t n, size_t losses, double eps);

/* The drop of POINT on DATASET (which must have labels), as defined above. */
double cascade_point_drop(const cascade_dataset *dataset, const cascade_point *point);

typedef struct cascade_guarantee_options {
    cascade_guarantee_method method;
    double eps;                /* in (0, 1) */
    double delta;              /* in (0, 1), LTT only */
} cascade_guarantee_options;

/* Tests each pair CHAINS[c][0] -> CHAINS[c][1] (dataset model indices) on
 * CALIBRATION (labelled) as described above, and puts the cheapest certified
 * point (ties: the more accurate, then the earlier chain) in *OUT, its
 * promise in *GUARANTEE (eval_drop NaN). When no threshold of any chain
 * passes, *OUT is untouched and *CERTIFIED is 0: the status is still
 * CASCADE_OK, so the caller words the refusal. Bad options (EPS or DELTA
 * outside (0, 1), no chain, a table-only model) are CASCADE_ERR_ARGUMENT. */
cascade_status cascade_guarantee_pick(const cascade_dataset *calibration,
                                      const unsigned (*chains)[2], size_t chain_count,
                                      const cascade_guarantee_options *options,
                                      cascade_point *out, cascade_guarantee *guarantee,
                                      int *certified, cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
