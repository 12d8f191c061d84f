/* Guaranteed picks: Learn-then-Test and conformal risk control over a
 * pair's thresholds (cascade/guarantee.h). */
#include "cascade/guarantee.h"

#include <math.h>
#include <stdlib.h>

#include "points/sweep_internal.h"

const char *cascade_guarantee_method_name(cascade_guarantee_method method)
{
    switch (method) {
    case CASCADE_GUARANTEE_LTT: return "ltt";
    case CASCADE_GUARANTEE_CRC: return "crc";
    case CASCADE_GUARANTEE_EMPIRICAL: return "empirical";
    }
    return NULL;
}

double cascade_binomial_cdf(size_t k, size_t n, double p)
{
    if (k >= n || p <= 0)
        return 1.0;
    if (p >= 1)
        return 0.0;
    /* log C(n, j) p^j (1 - p)^(n - j) by the ratio of consecutive terms, so
     * no lgamma (not thread-safe in glibc); summed relative to the largest
     * term, so that a tail far below DBL_MIN still has its true ratio. */
    double log_odds = log(p) - log1p(-p);
    double term = (double)n * log1p(-p), largest = term;
    for (size_t j = 0; j < k; j++) {
        term += log((double)(n - j) / (double)(j + 1)) + log_odds;
        if (term > largest)
            largest = term;
    }
    double sum = 0.0;
    term = (double)n * log1p(-p);
    for (size_t j = 0;; j++) {
        sum += exp(term - largest);
        if (j == k)
            break;
        term += log((double)(n - j) / (double)(j + 1)) + log_odds;
    }
    double cdf = exp(largest + log(sum));
    return cdf < 1.0 ? cdf : 1.0;
}

/* a log(a / b) + (1 - a) log((1 - a) / (1 - b)), with 0 log 0 = 0. */
static double bernoulli_kl(double a, double b)
{
    double first = a > 0 ? a * log(a / b) : 0.0;
    double second = a < 1 ? (1 - a) * log((1 - a) / (1 - b)) : 0.0;
    return first + second;
}

double cascade_hb_pvalue(size_t n, size_t losses, double eps)
{
    double risk = (double)losses / (double)n;
    double hoeffding = exp(-(double)n * bernoulli_kl(risk < eps ? risk : eps, eps));
    double bentkus = exp(1.0) * cascade_binomial_cdf(losses, n, eps);
    return hoeffding < bentkus ? hoeffding : bentkus;
}

double cascade_point_drop(const cascade_dataset *dataset, const cascade_point *point)
{
    const cascade_records *last = &dataset->models[point->model[point->stages - 1]].records;
    size_t drops = 0;
    for (size_t i = 0; i < dataset->samples; i++) {
        if (!last->correct[i])
            continue;
        for (unsigned s = 0; s + 1 < point->stages; s++) {
            const cascade_records *r = &dataset->models[point->model[s]].records;
            if (r->confidence[i] >= point->threshold[s]) {
                drops += !r->correct[i];
                break;
            }
        }
    }
    return dataset->samples ? (double)drops / (double)dataset->samples : 0.0;
}

/* Whether D drops among N calibration samples pass the test at EPS, DELTA. */
static int passes(cascade_guarantee_method method, size_t n, size_t drops, double eps,
                  double delta)
{
    switch (method) {
    case CASCADE_GUARANTEE_LTT: return cascade_hb_pvalue(n, drops, eps) <= delta;
    case CASCADE_GUARANTEE_CRC: return ((double)drops + 1) / ((double)n + 1) <= eps;
    case CASCADE_GUARANTEE_EMPIRICAL: return (double)drops / (double)n <= eps;
    }
    return 0;
}

/* The pair's fixed sequence: groups of equal confidence of the first model
 * (PREP) exit one after another, most confident first. Returns how many
 * exit at the last passing group end, 0 when the first one fails. */
static size_t last_passing(const cascade_dataset *d, unsigned b,
                           cascade_guarantee_method method, double eps, double delta,
                           const model_prep *prep)
{
    const uint8_t *correct_b = d->models[b].records.correct;
    size_t k = d->samples, drops = 0, position = 0, exits = 0;
    for (size_t g = 0; g <= prep->groups; g++) {
        size_t end = g < prep->groups ? prep->group_end[g] : k;
        for (; position < end; position++) {
            uint32_t i = prep->order[position];
            drops += !prep->sorted_correct[position] && correct_b[i];
        }
        if (!passes(method, k, drops, eps, delta))
            break;
        exits = end;
    }
    return exits;
}

cascade_status cascade_guarantee_pick(const cascade_dataset *calibration,
                                      const unsigned (*chains)[2], size_t chain_count,
                                      const cascade_guarantee_options *options,
                                      cascade_point *out, cascade_guarantee *guarantee,
                                      int *certified, cascade_error *error)
{
    *certified = 0;
    if (cascade_dataset_per_sample(calibration)) /* its risks are 0/1 losses at constant costs */
        return cascade_dataset_refuse_per_sample(calibration, "a guaranteed pick (--risk)", error);
    cascade_guarantee_method method = options->method;
    if (!cascade_guarantee_method_name(method))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "unknown guarantee method %d (expected ltt, crc or empirical)",
                                 (int)method);
    if (!(options->eps > 0 && options->eps < 1))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "a drop limit of %g (expected a number between 0 and 1, "
                                 "both excluded)", options->eps);
    if (method == CASCADE_GUARANTEE_LTT && !(options->delta > 0 && options->delta < 1))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "a failure probability delta of %g (expected a number between "
                                 "0 and 1, both excluded)", options->delta);
    if (chain_count == 0 || !calibration->has_labels || calibration->samples == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "a guaranteed pick needs at least one chain and labelled "
                                 "calibration samples");
    double eps = options->eps, delta = options->delta;
    if (method == CASCADE_GUARANTEE_LTT)
        delta /= (double)chain_count;
    else if (method == CASCADE_GUARANTEE_CRC)
        eps /= (double)chain_count;
    for (size_t c = 0; c < chain_count; c++) {
        unsigned a = chains[c][0], b = chains[c][1];
        if (a >= calibration->model_count || b >= calibration->model_count || a == b ||
            calibration->models[a].table_only || calibration->models[b].table_only)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                     "chain %zu is not a pair of two distinct models with "
                                     "scores", c);
        const cascade_records *r = &calibration->models[a].records;
        model_prep prep = {0};
        cascade_status status = sweep_prepare_model(r, 0, &prep, NULL);
        size_t exits = status == CASCADE_OK
                           ? last_passing(calibration, b, method, eps, delta, &prep) : 0;
        double threshold = 0;
        if (status == CASCADE_OK && exits > 0)
            threshold = exits < calibration->samples
                            ? sweep_threshold_for_exits(r, &prep, exits)
                            : cascade_threshold_between(-INFINITY,
                                                        r->confidence[prep.order[exits - 1]]);
        sweep_free_prep(&prep);
        if (status != CASCADE_OK)
            return cascade_error_set(error, status, NULL, -1, -1, "out of memory");
        if (exits == 0)
            continue;
        cascade_point point;
        unsigned models[2] = {a, b};
        status = cascade_evaluate(calibration, 2, models, &threshold, &point, error);
        if (status != CASCADE_OK)
            return status;
        if (!*certified || point.cost < out->cost ||
            (point.cost == out->cost && point.accuracy > out->accuracy)) {
            *out = point;
            *certified = 1;
        }
    }
    if (*certified)
        *guarantee = (cascade_guarantee){
            .method = method, .n = calibration->samples, .eps = options->eps,
            .delta = method == CASCADE_GUARANTEE_LTT ? options->delta : NAN,
            .chains = chain_count, .fit_drop = cascade_point_drop(calibration, out),
            .eval_drop = NAN};
    return CASCADE_OK;
}
