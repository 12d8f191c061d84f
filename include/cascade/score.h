/* cascade/score.h: what a cascade's answers are scored by, and the
 * confusion counts every score is computed from.
 *
 *   accuracy  correct / samples (the default; also for multi-labels)
 *   mcc       Matthews correlation in its multi-class form R_K (equal to the
 *             two-class MCC for two classes), as scikit-learn's
 *             matthews_corrcoef computes it:
 *               (c s - sum_k p_k t_k) / sqrt((s^2 - sum p_k^2)(s^2 - sum t_k^2)),
 *             0 when either factor under the root is 0
 *   f1        the F1 of class 1, 2 tp_1 / (t_1 + p_1), two classes only;
 *             0 when class 1 is neither a label nor a prediction
 *   macro_f1  the mean of 2 c_k / (t_k + p_k) over the classes k that are a
 *             label or a prediction of at least one sample (scikit-learn's
 *             f1_score(average='macro'), whose labels are those present in
 *             either); a class absent from both does not count
 * with s samples, c correct answers, t_k samples of label k, p_k samples
 * predicted k and c_k samples of label k predicted k.
 *
 * A cascade's score moves with its thresholds, sample by sample: moving a
 * threshold past one sample changes that sample's prediction only, and the
 * counts below follow it in O(1) (cascade_confusion_move). MCC, F1 and
 * accuracy are then O(1) from the counts; macro F1 is O(classes), or O(1)
 * approximately (see cascade_confusion_macro_f1_estimate).
 *
 * Ownership: cascade_confusion_init() allocates the arrays of a
 * caller-owned struct; cascade_confusion_free() releases them (a zeroed
 * struct is fine). Scores are plain values.
 */
#ifndef CASCADE_SCORE_H
#define CASCADE_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cascade_score {
    CASCADE_SCORE_ACCURACY = 0,
    CASCADE_SCORE_MCC,
    CASCADE_SCORE_F1,
    CASCADE_SCORE_MACRO_F1,
    /* The mean graded quality of the final answers (docs/llm-routing.md):
     * not chosen with --score but set by cascade_dataset_load() when a model
     * gives a "quality" column; a model without one scores 1 when
     * prediction == label, else 0. No confusion counts. */
    CASCADE_SCORE_QUALITY
} cascade_score;

enum { CASCADE_SCORE_COUNT = 5 };

/* "accuracy", "mcc", "f1", "macro_f1" or "quality": also the front's column
 * name. cascade_score_parse() reads all five, since fronts name them. */
const char *cascade_score_name(cascade_score score);

/* The score named NAME into *OUT; CASCADE_ERR_ARGUMENT (listing the names)
 * when there is none. */
cascade_status cascade_score_parse(const char *name, cascade_score *out, cascade_error *error);

/* The least value SCORE takes: -1 for mcc, 0 for the others (the most is 1). */
double cascade_score_lowest(cascade_score score);

/* Whether SCORE is defined for CLASSES classes and multi-labels
 * (MULTI_LABEL nonzero): CASCADE_OK, or CASCADE_ERR_ARGUMENT with a message
 * naming the score and what it needs. */
cascade_status cascade_score_check(cascade_score score, size_t classes, int multi_label,
                                   cascade_error *error);

/* The score from whole-set counts over CLASSES classes: TRUTH[k] = t_k,
 * PREDICTED[k] = p_k, HIT[k] = c_k, all [classes]. The reference every
 * other way of computing a score matches bit for bit (macro_f1 aside, whose
 * running estimate is only close). */
double cascade_score_of_counts(cascade_score score, size_t classes, const int64_t *truth,
                               const int64_t *predicted, const int64_t *hit);

/* Two classes from three counts: SAMPLES, POSITIVES (t_1), PREDICTED_POSITIVE
 * (p_1) and TRUE_POSITIVE (c_1); equal to cascade_score_of_counts(). */
double cascade_score_binary(cascade_score score, int64_t samples, int64_t positives,
                            int64_t predicted_positive, int64_t true_positive);

typedef struct cascade_confusion {
    size_t classes;
    int64_t samples;
    int64_t correct;      /* sum_k hit[k] */
    int64_t *truth;       /* [classes] t_k, fixed once the samples are in */
    int64_t *predicted;   /* [classes] p_k */
    int64_t *hit;         /* [classes] c_k */
    int64_t sum_pt;       /* sum_k p_k t_k */
    int64_t sum_pp;       /* sum_k p_k^2 */
    int64_t sum_tt;       /* sum_k t_k^2 */
    size_t present;       /* classes with t_k + p_k > 0 */
    double f1_sum;        /* running sum of the present classes' F1 (macro_f1) */
} cascade_confusion;

cascade_status cascade_confusion_init(cascade_confusion *c, size_t classes);
void cascade_confusion_free(cascade_confusion *c);
/* Every count back to 0, classes kept. */
void cascade_confusion_clear(cascade_confusion *c);
/* One more sample of label LABEL predicted PREDICTION (both < classes). */
void cascade_confusion_add(cascade_confusion *c, int32_t label, int32_t prediction);
/* The sample of label LABEL now predicted TO instead of FROM: O(1). */
void cascade_confusion_move(cascade_confusion *c, int32_t label, int32_t from, int32_t to);
/* Recomputes the running sum of macro_f1's estimate exactly, in
 * O(classes): after many adds, so that its error counts from here. */
void cascade_confusion_settle(cascade_confusion *c);
/* The score of the counts, exactly cascade_score_of_counts(): O(1) but for
 * macro_f1 (O(classes)). */
double cascade_confusion_score(const cascade_confusion *c, cascade_score score);
/* macro_f1 from the running sum in O(1): within 1e-9 of the exact value
 * for up to 10^6 moves (each move rounds the sum once, by at most 2^-52). */
double cascade_confusion_macro_f1_estimate(const cascade_confusion *c);

#ifdef __cplusplus
}
#endif

#endif
