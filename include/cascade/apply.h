/* cascade/apply.h: running a chosen cascade over a dataset, sample by
 * sample, as it would run in use.
 *
 * The rule is the one every swept point was measured with (see
 * cascade/points.h): a sample stops at the first stage i < n whose
 * confidence is >= t_i, and stage n always answers. The summary is computed
 * exactly as cascade_evaluate() computes it, so applying the thresholds of a
 * front row to the data that front came from reproduces its accuracy, cost
 * and answered fractions bit for bit. The dataset need not have labels;
 * without them, correct[] is all 0 and the summary's accuracy is 0. The
 * confidences are the dataset's records, in the metric and at the
 * temperatures it was loaded with (cascade_dataset_options).
 *
 * Ownership: cascade_apply() fills a caller-owned cascade_decisions whose
 * arrays the library allocates; cascade_decisions_free() releases them (a
 * zeroed or NULL struct is fine).
 */
#ifndef CASCADE_APPLY_H
#define CASCADE_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/dataset.h"
#include "cascade/points.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_decisions {
    size_t samples;
    uint8_t *stage;        /* [samples] 0-based stage that answered */
    int32_t *prediction;   /* [samples] that stage's predicted class */
    double *confidence;    /* [samples] that stage's confidence */
    uint8_t *correct;      /* [samples] 1 when the answer equals the label */
    /* With per-sample costs or a graded quality (cascade_dataset_per_sample()),
     * else NULL: what each sample cost, every stage it reached added in
     * stage order (the serial cost, or latency, of that request), and the
     * quality of its answer (1 or 0 for a model without a quality column). */
    double *cost;          /* [samples] */
    double *quality;       /* [samples] */
} cascade_decisions;

/* Runs the chain MODELS[stages] (dataset indices) with THRESHOLDS[stages - 1]
 * over every sample of DATASET. DECISIONS and SUMMARY may each be NULL when
 * not wanted. */
cascade_status cascade_apply(const cascade_dataset *dataset, unsigned stages,
                             const unsigned *models, const double *thresholds,
                             cascade_decisions *decisions, cascade_point *summary,
                             cascade_error *error);

/* With per-sample costs or a graded quality, the summary is
 * cascade_evaluate()'s, whose sums follow the sweep's (cascade/points.h). */

/* cascade_apply() for an ensembled chain (cascade/ensemble.h): stage s
 * answers with the prediction and the dataset's metric of the mean
 * probabilities of stages 0..s, each softmax(z / T) at its model's
 * temperature in DATASET (given or fitted; 1 otherwise), from
 * cascade_ensemble_records(). So applying the thresholds of a front row of
 * an ensembled sweep to the data it came from, loaded with the same metric
 * and temperatures, reproduces the row bit for bit. Needs every stage's
 * scores: models given as saved records are refused, and so are per-sample
 * costs and graded qualities. */
cascade_status cascade_apply_ensemble(const cascade_dataset *dataset, unsigned stages,
                                      const unsigned *models, const double *thresholds,
                                      cascade_decisions *decisions, cascade_point *summary,
                                      cascade_error *error);

void cascade_decisions_free(cascade_decisions *decisions);

#ifdef __cplusplus
}
#endif

#endif
