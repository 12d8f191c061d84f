/* Temperature scaling: a safeguarded Newton fit of log T, and NLL and ECE.
 *
 * One pass at inverse temperature b = 1/T gives, per sample, with
 * d_j = z_j - max z (<= 0), e_j = exp(b d_j), S = sum e_j, and the softmax
 * mean and variance of d, E = sum e_j d_j / S and V = sum e_j (d_j - E)^2 / S:
 *   NLL_i = log S - b d_y
 *   dNLL_i / ds = b (d_y - E)              (s = log T, so db/ds = -b)
 *   d2NLL_i / ds2 = b^2 V - b (d_y - E)
 * NLL is convex in b (a log-sum-exp of linear functions of b), so the
 * derivative in s changes sign at most once: a bracket on its sign makes
 * bisection a safe fallback for Newton (as in Numerical Recipes' rtsafe). */
#include "cascade/calibration.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/metrics.h"

enum { MAX_PASSES = 200 };

/* Stop when a step in log T is below this: T is then good to ~1e-10. */
static const double STEP_TOLERANCE = 1e-10;

typedef struct fit_input {
    const cascade_array *scores;
    cascade_score_kind kind;
    const int32_t *label;   /* [samples] */
    const size_t *subset;   /* [count] or NULL */
    size_t count;
    double *d;              /* [classes] scratch */
    double *e;              /* [classes] scratch */
} fit_input;

typedef struct pass_result {
    double nll;             /* means over the samples */
    double slope;           /* dNLL/ds */
    double curvature;       /* d2NLL/ds2 */
    double ece;
} pass_result;

typedef struct ece_bins {
    double confidence[CASCADE_ECE_BINS];
    double correct[CASCADE_ECE_BINS];
} ece_bins;

/* Bin i holds (i/15, (i+1)/15], the bounds computed as i / 15.0. */
static int ece_bin(double c)
{
    int b = (int)ceil(c * CASCADE_ECE_BINS) - 1;
    if (b < 0)
        b = 0;
    if (b > CASCADE_ECE_BINS - 1)
        b = CASCADE_ECE_BINS - 1;
    while (b > 0 && c <= (double)b / CASCADE_ECE_BINS)
        b--;
    while (b < CASCADE_ECE_BINS - 1 && c > (double)(b + 1) / CASCADE_ECE_BINS)
        b++;
    return b;
}

static void ece_add(ece_bins *bins, double confidence, int correct)
{
    int b = ece_bin(confidence);
    bins->confidence[b] += confidence;
    bins->correct[b] += correct;
}

/* sum_i (n_i / N) |acc_i - conf_i| = sum_i |correct_i - confidence_i| / N. */
static double ece_total(const ece_bins *bins, size_t count)
{
    double total = 0.0;
    for (int b = 0; b < CASCADE_ECE_BINS; b++)
        total += fabs(bins->correct[b] - bins->confidence[b]);
    return total / (double)count;
}

double cascade_ece(const double *confidence, const uint8_t *correct, size_t count)
{
    ece_bins bins;
    memset(&bins, 0, sizeof bins);
    for (size_t i = 0; i < count; i++)
        ece_add(&bins, confidence[i], correct[i] != 0);
    return count ? ece_total(&bins, count) : 0.0;
}

static void one_pass(const fit_input *in, double temperature, int derivatives, int want_ece,
                     pass_result *out)
{
    size_t classes = in->scores->cols;
    double b = 1.0 / temperature;
    double nll = 0.0, slope = 0.0, curvature = 0.0;
    ece_bins bins;
    memset(&bins, 0, sizeof bins);
    double *d = in->d, *e = in->e;
    for (size_t t = 0; t < in->count; t++) {
        size_t i = in->subset ? in->subset[t] : t;
        size_t y = (size_t)in->label[i];
        cascade_scores_logits(in->scores, in->kind, i, d);
        size_t top = 0;
        for (size_t j = 1; j < classes; j++)
            if (d[j] > d[top])
                top = j;
        double max = d[top], sum = 0.0, first = 0.0;
        for (size_t j = 0; j < classes; j++) {
            d[j] -= max;
            e[j] = exp(b * d[j]);
            sum += e[j];
            first += e[j] * d[j];
        }
        nll += log(sum) - b * d[y];
        if (derivatives) {
            double mean = first / sum, variance = 0.0;
            for (size_t j = 0; j < classes; j++) {
                double deviation = d[j] - mean;
                variance += e[j] * deviation * deviation;
            }
            variance /= sum;
            double g = b * (d[y] - mean);
            slope += g;
            curvature += b * b * variance - g;
        }
        if (want_ece)
            ece_add(&bins, 1.0 / sum, top == y);
    }
    double n = (double)in->count;
    out->nll = nll / n;
    out->slope = slope / n;
    out->curvature = curvature / n;
    out->ece = want_ece ? ece_total(&bins, in->count) : 0.0;
}

static cascade_status prepare(const cascade_array *scores, const cascade_labels *labels,
                              const size_t *subset, size_t subset_count, const char *model,
                              const char *path, fit_input *in, cascade_error *error)
{
    memset(in, 0, sizeof *in);
    if (!labels)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, path, -1, -1,
            "model \"%s\": no labels (expected labels to calibrate against)", model);
    if (scores->ndim != 2 || scores->cols < 2 || labels->count != scores->rows)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "model \"%s\": %zu x %zu scores for %zu labels (expected one row of 2+ scores per label)",
            model, scores->rows, scores->cols, labels->count);
    size_t count = subset ? subset_count : scores->rows;
    if (count == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, path, -1, -1,
            "model \"%s\": no samples to calibrate on (expected at least one)", model);
    for (size_t t = 0; t < count; t++) {
        size_t i = subset ? subset[t] : t;
        if (i >= scores->rows)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, path, -1, -1,
                "model \"%s\": calibration sample %zu is out of range (expected < %zu)",
                model, i, scores->rows);
        if (labels->label[i] < 0 || (size_t)labels->label[i] >= scores->cols)
            return cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, -1,
                "model \"%s\": label %d at row %zu is out of range (expected 0..%zu)",
                model, (int)labels->label[i], i, scores->cols - 1);
    }
    in->scores = scores;
    in->label = labels->label;
    in->subset = subset;
    in->count = count;
    in->d = malloc(scores->cols * sizeof *in->d);
    in->e = malloc(scores->cols * sizeof *in->e);
    if (!in->d || !in->e) {
        free(in->d);
        free(in->e);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    return CASCADE_OK;
}

cascade_status cascade_calibration_measure(const cascade_array *scores,
                                           cascade_score_kind kind,
                                           const cascade_labels *labels,
                                           const size_t *subset, size_t subset_count,
                                           double temperature, double *nll, double *ece,
                                           cascade_error *error)
{
    if (!(temperature > 0) || !isfinite(temperature))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "temperature %g (expected a finite T > 0)", temperature);
    fit_input in;
    cascade_status status =
        prepare(scores, labels, subset, subset_count, "?", NULL, &in, error);
    if (status != CASCADE_OK)
        return status;
    in.kind = kind;
    pass_result r;
    one_pass(&in, temperature, 0, ece != NULL, &r);
    if (nll)
        *nll = r.nll;
    if (ece)
        *ece = r.ece;
    free(in.d);
    free(in.e);
    return CASCADE_OK;
}

cascade_status cascade_temperature_fit(const cascade_array *scores, cascade_score_kind kind,
                                       const cascade_labels *labels, const size_t *subset,
                                       size_t subset_count, const char *model,
                                       const char *path, cascade_calibration *out,
                                       cascade_error *error)
{
    memset(out, 0, sizeof *out);
    fit_input in;
    cascade_status status =
        prepare(scores, labels, subset, subset_count, model, path, &in, error);
    if (status != CASCADE_OK)
        return status;
    in.kind = kind;
    const double limit_lo = log(CASCADE_TEMPERATURE_MIN), limit_hi = log(CASCADE_TEMPERATURE_MAX);
    double lo = limit_lo, hi = limit_hi;
    double s = 0.0;
    pass_result at;
    one_pass(&in, 1.0, 1, 1, &at);
    unsigned passes = 1;
    out->nll_before = at.nll;
    out->ece_before = at.ece;
    double best_s = 0.0, best_nll = at.nll;
    double step = hi - lo, step_old = step;
    while (passes < MAX_PASSES && at.slope != 0.0 && isfinite(at.slope)) {
        if (at.slope > 0)
            hi = s;
        else
            lo = s;
        double newton = at.curvature > 0 ? s - at.slope / at.curvature : NAN;
        /* Bisect when Newton leaves the bracket or would not halve the
         * step of two iterations ago. */
        int bisect = !(newton > lo && newton < hi) ||
                     fabs(2.0 * at.slope) > fabs(step_old * at.curvature);
        step_old = step;
        if (bisect) {
            step = 0.5 * (hi - lo);
            s = lo + step;
        } else {
            step = newton - s;
            s = newton;
        }
        one_pass(&in, exp(s), 1, 0, &at);
        passes++;
        if (at.nll < best_nll) {
            best_nll = at.nll;
            best_s = s;
        }
        if (fabs(step) < STEP_TOLERANCE || hi - lo < STEP_TOLERANCE)
            break;
    }
    out->temperature = exp(best_s);
    out->at_limit = best_s < limit_lo + 1e-6 || best_s > limit_hi - 1e-6;
    /* One more pass at the chosen T for its ECE (and the same NLL). */
    one_pass(&in, out->temperature, 0, 1, &at);
    passes++;
    out->nll_after = at.nll;
    out->ece_after = at.ece;
    out->samples = in.count;
    out->passes = passes;
    out->fitted = 1;
    free(in.d);
    free(in.e);
    return CASCADE_OK;
}
