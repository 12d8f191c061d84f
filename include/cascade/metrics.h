/* cascade/metrics.h: confidence metrics, the numbers a stage compares with
 * its threshold.
 *
 *   max_softmax  max_j p_j                          in (0, 1]   (the default)
 *   margin       p_top1 - p_top2                    in [0, 1]
 *   entropy      sum_j p_j log p_j (0 log 0 = 0)    in [-log C, 0]
 *
 * Higher always means more confident; entropy is the negative entropy, so
 * its thresholds are <= 0. p is softmax(z / T) for logits z and temperature
 * T (1 unless calibrated). Probabilities are renormalised (p / sum p) and,
 * when T != 1, used as logits z = log p, with log 0 taken as
 * CASCADE_LOG_ZERO_PROBABILITY so that a zero stays finite under scaling.
 * Everything is computed in double, from the row maximum down.
 *
 * Ownership: these functions only read their inputs and write the caller's
 * buffers; cascade_records_rescore() overwrites the confidences of records
 * the caller owns.
 */
#ifndef CASCADE_METRICS_H
#define CASCADE_METRICS_H

#include <stddef.h>

#include "cascade/array.h"
#include "cascade/manifest.h"
#include "cascade/records.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cascade_metric {
    CASCADE_METRIC_MAX_SOFTMAX = 0,
    CASCADE_METRIC_MARGIN,
    CASCADE_METRIC_ENTROPY
} cascade_metric;

enum { CASCADE_METRIC_COUNT = 3 };

/* log(FLT_TRUE_MIN), the log of the smallest positive float: the logit that
 * stands for a probability of exactly 0. */
#define CASCADE_LOG_ZERO_PROBABILITY (-103.27892990343184)

/* "max_softmax", "margin" or "entropy"; never NULL. */
const char *cascade_metric_name(cascade_metric metric);

/* The metric named NAME into *OUT; CASCADE_ERR_ARGUMENT (message listing the
 * names) when there is none. */
cascade_status cascade_metric_parse(const char *name, cascade_metric *out,
                                    cascade_error *error);

/* The metric of softmax(z / T) for logits Z[classes] (finite), T > 0. */
double cascade_metric_of_logits(cascade_metric metric, const double *z, size_t classes,
                                double temperature);

/* The metric of P / sum P for P[classes] >= 0 with a positive sum. */
double cascade_metric_of_probabilities(cascade_metric metric, const double *p,
                                       size_t classes);

/* Row ROW of SCORES ([rows][classes], float16/32/64) as logits in Z: the
 * scores themselves, or log p for probabilities (0 -> the constant above). */
void cascade_scores_logits(const cascade_array *scores, cascade_score_kind kind,
                           size_t row, double *z);

/* Row ROW of SCORES as the probabilities softmax(z / T), in float (enough
 * for averaging: the metric is taken in double afterwards). For
 * probabilities at T == 1 this is p / sum p. SCRATCH holds [classes]. */
void cascade_scores_probabilities(const cascade_array *scores, cascade_score_kind kind,
                                  size_t row, double temperature, double *scratch,
                                  float *out);

/* Replaces RECORDS->confidence with METRIC at TEMPERATURE, from the SCORES
 * the records were computed from (cascade_records_compute() has already
 * checked them; predictions and correctness do not change, since argmax is
 * the same for every T > 0). MODEL and PATH name the model in messages. */
cascade_status cascade_records_rescore(const cascade_array *scores, cascade_score_kind kind,
                                       cascade_metric metric, double temperature,
                                       const char *model, const char *path,
                                       cascade_records *records, cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
