/* The reduction in cost at equal accuracy (see cascade/summary.h).
 *
 * Both S and C are "least cost with accuracy >= a" over a set of points. On
 * the set's Pareto front, sorted by cost (so accuracy rises too), that is
 * the first point whose accuracy reaches a: a binary search per level. */
#include "cascade/summary.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A point of an input array, by index, reduced to what the metric reads. */
typedef struct ranked {
    double accuracy;
    double cost;
    size_t index;
} ranked;

static int by_cost_then_accuracy(const void *pa, const void *pb)
{
    const ranked *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->accuracy != b->accuracy)
        return a->accuracy > b->accuracy ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* The Pareto front of POINTS (cost ascending, accuracy strictly ascending)
 * in *OUT; returns its size, or SIZE_MAX when out of memory. Of equal
 * points, the one with the smaller index is kept. */
static size_t pareto(const cascade_point *points, size_t count, ranked **out)
{
    ranked *r = malloc((count ? count : 1) * sizeof *r);
    *out = r;
    if (!r)
        return SIZE_MAX;
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (!isnan(points[i].accuracy) && !isnan(points[i].cost))
            r[n++] = (ranked){points[i].accuracy, points[i].cost, i};
    qsort(r, n, sizeof *r, by_cost_then_accuracy);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (kept == 0 || r[i].accuracy > r[kept - 1].accuracy)
            r[kept++] = r[i];
    return kept;
}

/* The first point of FRONT (N points, accuracy ascending) with accuracy
 * >= A, or NULL. */
static const ranked *least_cost_reaching(const ranked *front, size_t n, double a)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (front[mid].accuracy >= a)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo < n ? &front[lo] : NULL;
}

static double reduction(double single_cost, double point_cost)
{
    if (point_cost == 0)
        return single_cost == 0 ? 1.0 : INFINITY;
    return single_cost / point_cost;
}

cascade_status cascade_summary_range(const cascade_point *singles, size_t single_count,
                                     const cascade_point *front, size_t front_count,
                                     double lo, double hi, size_t levels,
                                     cascade_range_summary *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    out->lo = lo;
    out->hi = hi;
    out->mean_reduction = out->geomean_reduction = out->max_reduction = NAN;
    out->best_level = out->top = NAN;
    out->best_point = out->best_single = SIZE_MAX;
    if (isnan(lo) || isnan(hi) || lo > hi)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "the range %g:%g is empty (expected LO <= HI)", lo, hi);
    if (levels == 0)
        levels = CASCADE_SUMMARY_LEVELS;
    ranked *s = NULL, *c = NULL;
    size_t ns = pareto(singles, single_count, &s);
    size_t nc = pareto(front, front_count, &c);
    cascade_status status = CASCADE_OK;
    if (ns == SIZE_MAX || nc == SIZE_MAX)
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    else if (ns == 0)
        status = cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "no single model (expected at least one to compare with)");
    if (status != CASCADE_OK) {
        free(s);
        free(c);
        return status;
    }
    out->top = fmin(hi, s[ns - 1].accuracy);
    if (lo <= out->top) {
        double sum = 0.0, log_sum = 0.0;
        for (size_t j = 0; j < levels; j++) {
            double a = levels == 1 || j == levels - 1
                           ? out->top
                           : lo + (out->top - lo) * (double)j / (double)(levels - 1);
            const ranked *single = least_cost_reaching(s, ns, a);
            const ranked *point = least_cost_reaching(c, nc, a);
            if (!single || !point)
                continue;
            double r = reduction(single->cost, point->cost);
            out->levels++;
            sum += r;
            log_sum += log(r);
            if (out->levels == 1 || r > out->max_reduction) {
                out->max_reduction = r;
                out->best_level = a;
                out->best_point = point->index;
                out->best_single = single->index;
            }
        }
        if (out->levels) {
            out->mean_reduction = sum / (double)out->levels;
            out->geomean_reduction = exp(log_sum / (double)out->levels);
        }
    }
    free(s);
    free(c);
    return CASCADE_OK;
}

cascade_status cascade_summary_singles(const cascade_point *singles, size_t single_count,
                                       const cascade_point *front, size_t front_count,
                                       cascade_single_match **out, size_t *count,
                                       cascade_error *error)
{
    *out = NULL;
    *count = 0;
    ranked *s = NULL, *c = NULL;
    size_t ns = pareto(singles, single_count, &s);
    size_t nc = pareto(front, front_count, &c);
    cascade_single_match *matches = ns == SIZE_MAX ? NULL : malloc((ns ? ns : 1) * sizeof *matches);
    if (ns == SIZE_MAX || nc == SIZE_MAX || !matches) {
        free(s);
        free(c);
        free(matches);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    }
    for (size_t i = 0; i < ns; i++) {
        const ranked *point = least_cost_reaching(c, nc, s[i].accuracy);
        matches[i].single = s[i].index;
        matches[i].point = point ? point->index : SIZE_MAX;
        matches[i].speedup = point ? reduction(s[i].cost, point->cost) : NAN;
    }
    free(s);
    free(c);
    *out = matches;
    *count = ns;
    return CASCADE_OK;
}
