/* cascade/selective_risk.h: selective classification's area under the
 * risk-coverage curve of one model (Geifman, Uziel, El-Yaniv, "Bias-Reduced
 * Uncertainty Estimation for Deep Neural Classifiers", ICLR 2019).
 *
 * Sort the k samples by confidence, descending. At the end of each group of
 * equal confidence, i samples are covered and r_i = (errors among them) / i;
 *   AURC   = the sum over group ends of r_i * (group size) / k,
 *   AURC*  = (1 / k) * sum_{i=1..k} max(0, i - C) / i, C the correct answers
 *            (a ranking that puts every correct answer first),
 *   E-AURC = AURC - AURC*.
 * Ties share the risk at their group's end, so the figure does not depend
 * on how equal confidences happen to be ordered.
 *
 * Ownership: plain values in a caller-owned struct.
 */
#ifndef CASCADE_SELECTIVE_RISK_H
#define CASCADE_SELECTIVE_RISK_H

#include "cascade/dataset.h"
#include "cascade/records.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_selective_risk {
    double aurc;
    double e_aurc;
} cascade_selective_risk;

/* The figures above for RECORDS (confidences and correctness against the
 * labels; at least one sample). */
cascade_status cascade_selective_risk_compute(const cascade_records *records,
                                              cascade_selective_risk *out,
                                              cascade_error *error);

/* The figures of one of DATASET's models into *OUT: 1 when it has them,
 * 0 when it cannot (no labels, a table-only model, no samples, or out of
 * memory), for writers that leave the cells empty then. */
int cascade_model_selective_risk(const cascade_dataset *dataset, const cascade_model *model,
                                 cascade_selective_risk *out);

#ifdef __cplusplus
}
#endif

#endif
