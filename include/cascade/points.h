/* cascade/points.h: candidate operating points of cascades, from sweeping
 * thresholds over per-model records, and the direct evaluation of one chain.
 *
 * A cascade is a chain of models m_1..m_n with thresholds t_1..t_(n-1). A
 * sample stops at the first stage i < n whose confidence is >= t_i (ties
 * exit); stage n always answers. Accuracy is the fraction of samples whose
 * final answer is correct (or another score of the final answers, the
 * dataset's: cascade/score.h; the mean graded quality where models give
 * one); cost is the mean per-sample cost, each sample paying for every
 * stage it reached (its own cost there, where models give per-sample ones).
 *
 * Ownership: points are plain values; a cascade_front (cascade/front.h) owns
 * its array of points.
 */
#ifndef CASCADE_POINTS_H
#define CASCADE_POINTS_H

#include <stddef.h>

#include "cascade/dataset.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CASCADE_MAX_STAGES 8

typedef struct cascade_point {
    unsigned stages;                           /* 1..CASCADE_MAX_STAGES */
    unsigned model[CASCADE_MAX_STAGES];        /* dataset model indices */
    double threshold[CASCADE_MAX_STAGES - 1];  /* [stages - 1] */
    double accuracy;                           /* the dataset's score (cascade/score.h):
                                                  accuracy, a fraction in [0, 1], unless
                                                  another was asked for (mcc in [-1, 1]) */
    double cost;                               /* mean per-sample cost */
    double answered[CASCADE_MAX_STAGES];       /* [stages] fraction answered by each stage */
} cascade_point;

/* Mean per-sample cost of a chain from how many samples reached each stage:
 * sum_i cost_i * reached_i / samples. The sweep and cascade_evaluate() both
 * use it, so a re-evaluated point matches its sweep row bit for bit. */
double cascade_chain_cost(const cascade_dataset *dataset, unsigned stages,
                          const unsigned *models, const size_t *reached);

/* Applies the decision rule to every sample: the reference evaluation that
 * every swept point must reproduce (with per-sample costs or qualities,
 * pairs bit for bit, longer chains to rounding: docs/llm-routing.md). */
cascade_status cascade_evaluate(const cascade_dataset *dataset, unsigned stages,
                                const unsigned *models, const double *thresholds,
                                cascade_point *out, cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
