/* Confidence metrics of one row: max softmax, margin, negative entropy, at a
 * temperature. The default max-softmax pass at T = 1 stays in records.c;
 * this is the general path, run as a second pass over the same scores. */
#include "cascade/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const metric_names[CASCADE_METRIC_COUNT] = {"max_softmax", "margin",
                                                               "entropy"};

const char *cascade_metric_name(cascade_metric metric)
{
    return (unsigned)metric < CASCADE_METRIC_COUNT ? metric_names[metric] : "unknown";
}

cascade_status cascade_metric_parse(const char *name, cascade_metric *out,
                                    cascade_error *error)
{
    for (unsigned m = 0; m < CASCADE_METRIC_COUNT; m++)
        if (strcmp(name, metric_names[m]) == 0) {
            *out = (cascade_metric)m;
            return CASCADE_OK;
        }
    return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
        "no metric named \"%s\" (expected max_softmax, margin or entropy)", name);
}

/* The largest value, its first index, and the largest value at any other
 * index (equal to the largest on a tie; -INFINITY with one class). */
static void top_two(const double *x, size_t n, size_t *top, double *first, double *second)
{
    size_t best = 0;
    for (size_t j = 1; j < n; j++)
        if (x[j] > x[best])
            best = j;
    double runner = -INFINITY;
    for (size_t j = 0; j < n; j++)
        if (j != best && x[j] > runner)
            runner = x[j];
    *top = best;
    *first = x[best];
    *second = runner;
}

double cascade_metric_of_logits(cascade_metric metric, const double *z, size_t classes,
                                double temperature)
{
    double inverse = 1.0 / temperature;
    size_t top;
    double max, second;
    top_two(z, classes, &top, &max, &second);
    /* With u_j = (z_j - max) / T <= 0 and S = sum exp(u_j): p_j = exp(u_j) / S,
     * so max p = 1 / S and sum p log p = sum exp(u_j) u_j / S - log S, both
     * terms <= 0, so nothing cancels. */
    double sum = 0.0, weighted = 0.0;
    for (size_t j = 0; j < classes; j++) {
        double u = (z[j] - max) * inverse;
        double e = exp(u);
        sum += e;
        weighted += e * u;
    }
    switch (metric) {
    case CASCADE_METRIC_MARGIN:
        return (1.0 - exp((second - max) * inverse)) / sum;
    case CASCADE_METRIC_ENTROPY:
        return weighted / sum - log(sum);
    case CASCADE_METRIC_MAX_SOFTMAX:
    default:
        return 1.0 / sum;
    }
}

double cascade_metric_of_probabilities(cascade_metric metric, const double *p,
                                       size_t classes)
{
    size_t top;
    double max, second;
    top_two(p, classes, &top, &max, &second);
    double sum = 0.0;
    for (size_t j = 0; j < classes; j++)
        sum += p[j];
    switch (metric) {
    case CASCADE_METRIC_MARGIN:
        return (max - (second > -INFINITY ? second : 0.0)) / sum;
    case CASCADE_METRIC_ENTROPY: {
        double total = 0.0;
        for (size_t j = 0; j < classes; j++)
            if (p[j] > 0) {
                double q = p[j] / sum;
                total += q * log(q);
            }
        return total;
    }
    case CASCADE_METRIC_MAX_SOFTMAX:
    default:
        return max / sum;
    }
}

void cascade_scores_logits(const cascade_array *scores, cascade_score_kind kind,
                           size_t row, double *z)
{
    cascade_array_row(scores, row, z);
    if (kind == CASCADE_SCORES_PROBS)
        for (size_t j = 0; j < scores->cols; j++)
            z[j] = z[j] > 0 ? log(z[j]) : CASCADE_LOG_ZERO_PROBABILITY;
}

void cascade_scores_probabilities(const cascade_array *scores, cascade_score_kind kind,
                                  size_t row, double temperature, double *scratch,
                                  float *out)
{
    size_t classes = scores->cols;
    double sum = 0.0;
    if (kind == CASCADE_SCORES_PROBS && temperature == 1.0) {
        cascade_array_row(scores, row, scratch);
    } else {
        cascade_scores_logits(scores, kind, row, scratch);
        double inverse = 1.0 / temperature, max = scratch[0];
        for (size_t j = 1; j < classes; j++)
            if (scratch[j] > max)
                max = scratch[j];
        for (size_t j = 0; j < classes; j++)
            scratch[j] = exp((scratch[j] - max) * inverse);
    }
    for (size_t j = 0; j < classes; j++)
        sum += scratch[j];
    for (size_t j = 0; j < classes; j++)
        out[j] = (float)(scratch[j] / sum);
}

cascade_status cascade_records_rescore(const cascade_array *scores, cascade_score_kind kind,
                                       cascade_metric metric, double temperature,
                                       const char *model, const char *path,
                                       cascade_records *records, cascade_error *error)
{
    if ((unsigned)metric >= CASCADE_METRIC_COUNT)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, path, -1, -1,
            "model \"%s\": metric %d (expected max_softmax, margin or entropy)", model,
            (int)metric);
    if (!(temperature > 0) || !isfinite(temperature))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, path, -1, -1,
            "model \"%s\": temperature %g (expected a finite T > 0)", model, temperature);
    if (scores->ndim != 2 || scores->rows != records->samples ||
        scores->cols != records->classes)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "model \"%s\": scores are %zu x %zu but its records %zu x %zu (expected the same)",
            model, scores->rows, scores->cols, records->samples, records->classes);
    double *row = malloc(scores->cols * sizeof *row); /* [classes] */
    if (!row)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    /* Probabilities at T = 1 need no logarithm: softmax(log p) = p / sum p. */
    int direct = kind == CASCADE_SCORES_PROBS && temperature == 1.0;
    for (size_t i = 0; i < records->samples; i++) {
        if (direct) {
            cascade_array_row(scores, i, row);
            records->confidence[i] = cascade_metric_of_probabilities(metric, row, scores->cols);
        } else {
            cascade_scores_logits(scores, kind, i, row);
            records->confidence[i] =
                cascade_metric_of_logits(metric, row, scores->cols, temperature);
        }
    }
    free(row);
    return CASCADE_OK;
}
