/* Scores from confusion counts: accuracy, MCC (R_K), F1 of class 1, macro F1. */
#include "cascade/score.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const score_names[CASCADE_SCORE_COUNT] = {"accuracy", "mcc", "f1", "macro_f1",
                                                              "quality"};

const char *cascade_score_name(cascade_score score)
{
    return (unsigned)score < CASCADE_SCORE_COUNT ? score_names[score] : "accuracy";
}

cascade_status cascade_score_parse(const char *name, cascade_score *out, cascade_error *error)
{
    for (int s = 0; s < CASCADE_SCORE_COUNT; s++)
        if (strcmp(name, score_names[s]) == 0) {
            *out = (cascade_score)s;
            return CASCADE_OK;
        }
    return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                             "no score named \"%s\" (expected accuracy, mcc, f1, macro_f1 or quality)", name);
}

double cascade_score_lowest(cascade_score score)
{
    return score == CASCADE_SCORE_MCC ? -1.0 : 0.0;
}

cascade_status cascade_score_check(cascade_score score, size_t classes, int multi_label,
                                   cascade_error *error)
{
    if (score == CASCADE_SCORE_ACCURACY || score == CASCADE_SCORE_QUALITY)
        return CASCADE_OK;
    if (multi_label)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "--score %s needs one label per sample, and these are multi-labels (expected "
            "--score accuracy)", cascade_score_name(score));
    if (score == CASCADE_SCORE_F1 && classes != 2)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "--score f1 is the F1 of class 1 of two classes, and these scores have %zu classes "
            "(expected 2, or --score macro_f1)", classes);
    return CASCADE_OK;
}

/* R_K with scikit-learn's operations in float64, so that equal counts give
 * equal bits: cov_ytyp / sqrt(cov_ytyt * cov_ypyp). */
static double mcc_of(int64_t samples, int64_t correct, int64_t sum_pt, int64_t sum_pp,
                     int64_t sum_tt)
{
    double s = (double)samples;
    double cov_ytyp = (double)correct * s - (double)sum_pt;
    double cov_ypyp = s * s - (double)sum_pp;
    double cov_ytyt = s * s - (double)sum_tt;
    double denominator = cov_ytyt * cov_ypyp;
    return denominator == 0.0 ? 0.0 : cov_ytyp / sqrt(denominator);
}

static double f1_of(int64_t truth, int64_t predicted, int64_t hit)
{
    int64_t denominator = truth + predicted;
    return denominator == 0 ? 0.0 : 2.0 * (double)hit / (double)denominator;
}

static double macro_f1_of(size_t classes, const int64_t *truth, const int64_t *predicted,
                          const int64_t *hit)
{
    double sum = 0.0;
    size_t present = 0;
    for (size_t k = 0; k < classes; k++)
        if (truth[k] + predicted[k] > 0) {
            sum += f1_of(truth[k], predicted[k], hit[k]);
            present++;
        }
    return present ? sum / (double)present : 0.0;
}

double cascade_score_of_counts(cascade_score score, size_t classes, const int64_t *truth,
                               const int64_t *predicted, const int64_t *hit)
{
    int64_t samples = 0, correct = 0, sum_pt = 0, sum_pp = 0, sum_tt = 0;
    for (size_t k = 0; k < classes; k++) {
        samples += truth[k];
        correct += hit[k];
        sum_pt += predicted[k] * truth[k];
        sum_pp += predicted[k] * predicted[k];
        sum_tt += truth[k] * truth[k];
    }
    switch (score) {
    case CASCADE_SCORE_MCC:
        return mcc_of(samples, correct, sum_pt, sum_pp, sum_tt);
    case CASCADE_SCORE_F1:
        return classes > 1 ? f1_of(truth[1], predicted[1], hit[1]) : 0.0;
    case CASCADE_SCORE_MACRO_F1:
        return macro_f1_of(classes, truth, predicted, hit);
    case CASCADE_SCORE_ACCURACY:
    default:
        return samples ? (double)correct / (double)samples : 0.0;
    }
}

double cascade_score_binary(cascade_score score, int64_t samples, int64_t positives,
                            int64_t predicted_positive, int64_t true_positive)
{
    int64_t true_negative = samples - positives - predicted_positive + true_positive;
    int64_t truth[2] = {samples - positives, positives};
    int64_t predicted[2] = {samples - predicted_positive, predicted_positive};
    int64_t hit[2] = {true_negative, true_positive};
    return cascade_score_of_counts(score, 2, truth, predicted, hit);
}

cascade_status cascade_confusion_init(cascade_confusion *c, size_t classes)
{
    memset(c, 0, sizeof *c);
    c->classes = classes;
    c->truth = calloc(classes ? classes : 1, sizeof *c->truth);
    c->predicted = calloc(classes ? classes : 1, sizeof *c->predicted);
    c->hit = calloc(classes ? classes : 1, sizeof *c->hit);
    if (!c->truth || !c->predicted || !c->hit) {
        cascade_confusion_free(c);
        return CASCADE_ERR_NOMEM;
    }
    return CASCADE_OK;
}

void cascade_confusion_free(cascade_confusion *c)
{
    if (!c)
        return;
    free(c->truth);
    free(c->predicted);
    free(c->hit);
    memset(c, 0, sizeof *c);
}

void cascade_confusion_clear(cascade_confusion *c)
{
    memset(c->truth, 0, c->classes * sizeof *c->truth);
    memset(c->predicted, 0, c->classes * sizeof *c->predicted);
    memset(c->hit, 0, c->classes * sizeof *c->hit);
    c->samples = c->correct = c->sum_pt = c->sum_pp = c->sum_tt = 0;
    c->present = 0;
    c->f1_sum = 0.0;
}

/* Class K's F1 leaves the running sum before its counts change and comes
 * back after; a class enters or leaves the present ones with it. */
static void leave(cascade_confusion *c, int32_t k)
{
    if (c->truth[k] + c->predicted[k] > 0) {
        c->f1_sum -= f1_of(c->truth[k], c->predicted[k], c->hit[k]);
        c->present--;
    }
}

static void enter(cascade_confusion *c, int32_t k)
{
    if (c->truth[k] + c->predicted[k] > 0) {
        c->f1_sum += f1_of(c->truth[k], c->predicted[k], c->hit[k]);
        c->present++;
    }
}

void cascade_confusion_add(cascade_confusion *c, int32_t label, int32_t prediction)
{
    leave(c, label);
    if (prediction != label)
        leave(c, prediction);
    c->samples++;
    c->sum_tt += 2 * c->truth[label] + 1;
    c->sum_pt += c->predicted[label];       /* t_label + 1 multiplies p_label */
    c->truth[label]++;
    c->sum_pp += 2 * c->predicted[prediction] + 1;
    c->sum_pt += c->truth[prediction];      /* p_prediction + 1 multiplies t_prediction */
    c->predicted[prediction]++;
    if (prediction == label) {
        c->hit[label]++;
        c->correct++;
    }
    enter(c, label);
    if (prediction != label)
        enter(c, prediction);
}

void cascade_confusion_move(cascade_confusion *c, int32_t label, int32_t from, int32_t to)
{
    if (from == to)
        return;
    leave(c, from);
    leave(c, to);
    c->sum_pp += 2 * (c->predicted[to] - c->predicted[from]) + 2;
    c->sum_pt += c->truth[to] - c->truth[from];
    c->predicted[from]--;
    c->predicted[to]++;
    if (from == label) {
        c->hit[label]--;
        c->correct--;
    } else if (to == label) {
        c->hit[label]++;
        c->correct++;
    }
    enter(c, from);
    enter(c, to);
}

void cascade_confusion_settle(cascade_confusion *c)
{
    c->f1_sum = 0.0;
    c->present = 0;
    for (size_t k = 0; k < c->classes; k++)
        enter(c, (int32_t)k);
}

double cascade_confusion_score(const cascade_confusion *c, cascade_score score)
{
    switch (score) {
    case CASCADE_SCORE_MCC:
        return mcc_of(c->samples, c->correct, c->sum_pt, c->sum_pp, c->sum_tt);
    case CASCADE_SCORE_F1:
        return c->classes > 1 ? f1_of(c->truth[1], c->predicted[1], c->hit[1]) : 0.0;
    case CASCADE_SCORE_MACRO_F1:
        return macro_f1_of(c->classes, c->truth, c->predicted, c->hit);
    case CASCADE_SCORE_ACCURACY:
    default:
        return c->samples ? (double)c->correct / (double)c->samples : 0.0;
    }
}

double cascade_confusion_macro_f1_estimate(const cascade_confusion *c)
{
    return c->present ? c->f1_sum / (double)c->present : 0.0;
}
