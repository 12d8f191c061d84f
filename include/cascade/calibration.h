/* cascade/calibration.h: temperature scaling and calibration error.
 *
 * Temperature scaling (Guo et al. 2017) divides a model's logits z by one
 * T > 0 chosen to minimise the mean negative log-likelihood
 *   NLL(T) = mean_i [ log sum_j exp(z_ij / T) - z_(i,y_i) / T ]
 * over labelled samples. Probabilities are used as logits z = log p, with
 * log 0 taken as CASCADE_LOG_ZERO_PROBABILITY (cascade/metrics.h). Dividing
 * by T keeps every argmax, so only confidences change.
 *
 * The fit is a safeguarded Newton iteration on s = log T: NLL is convex in
 * 1/T, so its derivative in s changes sign once; a Newton step that leaves
 * the bracket [lo, hi] where that sign changes, or does not shrink fast
 * enough, is replaced by bisection. T is searched in [CASCADE_TEMPERATURE_MIN,
 * CASCADE_TEMPERATURE_MAX]; when the optimum lies beyond an end (a model
 * right on every sample with a margin, or one no better than chance) the
 * fit stops at that end and says so. The result is accurate to about 1e-9
 * in log T and never has a higher NLL than T = 1. Each pass over the scores
 * reads them in place; the fit allocates two rows, never per sample.
 *
 * ECE (expected calibration error) uses 15 equal-width bins of max-softmax
 * confidence c, bin i = (i/15, (i+1)/15] (bin 0 also takes c = 0):
 *   ECE = sum_i (n_i / N) |accuracy_i - mean confidence_i|.
 *
 * Ownership: cascade_calibration is a plain value the caller owns; nothing
 * here keeps a pointer to its inputs.
 */
#ifndef CASCADE_CALIBRATION_H
#define CASCADE_CALIBRATION_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/array.h"
#include "cascade/manifest.h"
#include "cascade/records.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cascade_calibration_method {
    CASCADE_CALIBRATE_NONE = 0,
    CASCADE_CALIBRATE_TEMPERATURE
} cascade_calibration_method;

enum { CASCADE_ECE_BINS = 15 };

#define CASCADE_TEMPERATURE_MIN 1e-4
#define CASCADE_TEMPERATURE_MAX 1e4

typedef struct cascade_calibration {
    int fitted;            /* 1 once a fit has filled the fields below */
    double temperature;    /* T > 0 */
    double nll_before;     /* mean NLL of softmax(z) over the fit's samples */
    double nll_after;      /* mean NLL of softmax(z / T) */
    double ece_before;     /* ECE at T = 1, over the same samples */
    double ece_after;      /* ECE at T */
    size_t samples;        /* how many samples the fit used */
    unsigned passes;       /* passes over the scores the fit made */
    int at_limit;          /* T stopped at CASCADE_TEMPERATURE_MIN or _MAX */
} cascade_calibration;

/* Fits T for SCORES ([samples][classes], any float dtype, already checked by
 * cascade_records_compute()) against LABELS. SUBSET lists the sample indices
 * to fit on (SUBSET_COUNT of them, each < samples); NULL means every sample.
 * Fills *OUT, including the NLL and ECE before and after. MODEL and PATH
 * only name the model in messages. */
cascade_status cascade_temperature_fit(const cascade_array *scores, cascade_score_kind kind,
                                       const cascade_labels *labels, const size_t *subset,
                                       size_t subset_count, const char *model,
                                       const char *path, cascade_calibration *out,
                                       cascade_error *error);

/* The mean NLL and the ECE at temperature T over SUBSET (NULL: every
 * sample), in one pass. Either output may be NULL. */
cascade_status cascade_calibration_measure(const cascade_array *scores,
                                           cascade_score_kind kind,
                                           const cascade_labels *labels,
                                           const size_t *subset, size_t subset_count,
                                           double temperature, double *nll, double *ece,
                                           cascade_error *error);

/* ECE of COUNT samples from their max-softmax CONFIDENCE and CORRECT (0/1). */
double cascade_ece(const double *confidence, const uint8_t *correct, size_t count);

#ifdef __cplusplus
}
#endif

#endif
