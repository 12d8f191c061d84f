/* cascade/check.h: a front against a pinned baseline front, for CI.
 *
 * Each front is read as a step function: F(c) = the best accuracy among its
 * rows costing at most c (none below its cheapest row). Rows need not be
 * sorted or reduced; dominated rows (such as those of `sweep --points all`)
 * do not change F.
 *
 * Regressions. With A the accuracy tolerance and R the relative cost
 * tolerance, the new front N regresses against the baseline B at a step
 * (cost c, accuracy B(c)) of B when
 *   B(c) - N(c (1 + R)) > A,
 * that is: the new front may reach each baseline step at up to c (1 + R)
 * (costs that are sums of products agree only to rounding) and may fall
 * short of its accuracy by up to A. Where N has no row within c (1 + R) it
 * counts as accuracy 0.
 *
 * Fronts scored by another score (a column named mcc, f1 or macro_f1; see
 * cascade/front_csv.h) are compared the same way, "accuracy" read as that
 * score and A in its units; a missing row counts as the score's least
 * value (-1 for mcc). Both fronts must have the same score column, else
 * CASCADE_ERR_VALUE. Since B is constant between its steps and N never
 * falls as c grows, checking at B's steps covers every cost. The comparison
 * with A follows cascade_within_tolerance() (cascade/expect.h): a drop of
 * exactly A passes.
 *
 * Improvements are the same with the fronts swapped: at a step (c, N(c)) of
 * the new front, N(c) - B(c (1 + R)).
 *
 * Ownership: the result is a plain value; its row pointers point into the
 * two tables and live as long as they do.
 */
#ifndef CASCADE_CHECK_H
#define CASCADE_CHECK_H

#include <stddef.h>

#include "cascade/front_csv.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CASCADE_CHECK_TOL_ACCURACY 0.001
#define CASCADE_CHECK_TOL_COST 1e-6

typedef struct cascade_check_options {
    double tol_accuracy;    /* A, an accuracy (fraction) >= 0 */
    double tol_cost;        /* R, relative, >= 0 */
} cascade_check_options;

/* One step compared: a step of one front against the other at its cost. */
typedef struct cascade_check_step {
    double cost;                 /* the step's cost */
    double baseline_accuracy;    /* B there; NaN when B has no row that cheap */
    double new_accuracy;         /* N there; NaN when N has no row that cheap */
    double difference;           /* new - baseline, a missing one counted as 0 */
    const cascade_front_row *row; /* the step's row (in the baseline for a
                                     regression, in the new front for an improvement) */
} cascade_check_step;

typedef struct cascade_check_result {
    size_t baseline_steps;       /* steps of B (rows that raise B) */
    size_t new_steps;            /* steps of N */
    size_t drops;                /* steps of B where N is below B at all */
    size_t regressions;          /* ... by more than A: the check fails when > 0 */
    size_t gains;                /* steps of N where N is above B at all */
    size_t improvements;         /* ... by more than A */
    cascade_check_step worst;    /* the largest drop (valid when drops > 0;
                                    the cheapest on ties) */
    cascade_check_step best;     /* the largest gain (valid when gains > 0) */
} cascade_check_result;

/* Compares NEW_FRONT with BASELINE as above. OPTIONS NULL means the
 * defaults. A negative or non-finite tolerance is CASCADE_ERR_ARGUMENT, as
 * is an empty table. */
cascade_status cascade_check_fronts(const cascade_front_table *new_front,
                                    const cascade_front_table *baseline,
                                    const cascade_check_options *options,
                                    cascade_check_result *out, cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
