/* APGR, CPT and AIQ of cost-quality curves (cascade/figures.h). */
#include "cascade/figures.h"

#include <math.h>
#include <stdlib.h>

#include "cascade/front.h"
#include "cascade/sweep.h"

const double cascade_cpt_levels[CASCADE_CPT_COUNT] = {0.5, 0.8, 0.9};

typedef struct step {
    double x, q;
} step;

/* By x ascending, then quality descending: the first of equal x is its best. */
static int by_x(const void *a, const void *b)
{
    const step *s = a, *t = b;
    if (s->x != t->x)
        return s->x < t->x ? -1 : 1;
    return (s->q < t->q) - (s->q > t->q);
}

cascade_status cascade_pair_figures_from_steps(const double *fraction, const double *quality,
                                               size_t count, double q_a, double q_b,
                                               cascade_pair_figures *out,
                                               cascade_error *error)
{
    *out = (cascade_pair_figures){q_a, q_b, NAN, {NAN, NAN, NAN}};
    if (!(q_b > q_a))
        return CASCADE_OK;
    step *steps = malloc((count + 2) * sizeof *steps);
    if (!steps)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    size_t n = 0;
    steps[n++] = (step){0, q_a};
    steps[n++] = (step){1, q_b};
    for (size_t i = 0; i < count; i++) {
        if (!(fraction[i] >= 0 && fraction[i] <= 1) || isnan(quality[i])) {
            free(steps);
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                     "step %zu has fraction %g and quality %g (expected a "
                                     "fraction in [0, 1] and a number)", i, fraction[i],
                                     quality[i]);
        }
        steps[n++] = (step){fraction[i], quality[i]};
    }
    qsort(steps, n, sizeof *steps, by_x);
    double best = -INFINITY, area = 0, gain = q_b - q_a;
    size_t level = 0;
    for (size_t i = 0; i < n; i++) {
        if (steps[i].q > best)
            best = steps[i].q;
        double pgr = (best - q_a) / gain;
        for (; level < CASCADE_CPT_COUNT && pgr >= cascade_cpt_levels[level]; level++)
            out->cpt[level] = steps[i].x;
        /* Q holds its value until the next step's x (the last step is at 1). */
        double next = i + 1 < n ? steps[i + 1].x : 1.0;
        area += pgr * (next - steps[i].x);
    }
    out->apgr = area;
    free(steps);
    return CASCADE_OK;
}

cascade_status cascade_pair_figures_of(const cascade_dataset *dataset, unsigned a, unsigned b,
                                       cascade_pair_figures *out, cascade_error *error)
{
    cascade_point single_a, single_b;
    cascade_status status = cascade_evaluate(dataset, 1, &a, NULL, &single_a, error);
    if (status == CASCADE_OK)
        status = cascade_evaluate(dataset, 1, &b, NULL, &single_b, error);
    if (status != CASCADE_OK)
        return status;
    if (!(single_b.accuracy > single_a.accuracy)) /* no gain to recover: no figures */
        return cascade_pair_figures_from_steps(NULL, NULL, 0, single_a.accuracy,
                                               single_b.accuracy, out, error);
    cascade_front curve;
    cascade_front_init(&curve);
    unsigned models[2] = {a, b};
    status = cascade_sweep_chain(dataset, models, 2, 0, &curve, error);
    double *fraction = malloc((curve.count ? curve.count : 1) * 2 * sizeof *fraction);
    if (status == CASCADE_OK && !fraction)
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    if (status == CASCADE_OK) {
        double *quality = fraction + curve.count;
        for (size_t i = 0; i < curve.count; i++) {
            /* answered[1]: the samples that reached b, counted, not 1 - answered[0]. */
            fraction[i] = curve.points[i].answered[1];
            quality[i] = curve.points[i].accuracy;
        }
        status = cascade_pair_figures_from_steps(fraction, quality, curve.count,
                                                 single_a.accuracy, single_b.accuracy, out,
                                                 error);
    }
    free(fraction);
    cascade_front_free(&curve);
    return status;
}

/* Turn of o -> a -> b: > 0 when b lies to the left (above the line o a). */
static double cross(step o, step a, step b)
{
    return (a.x - o.x) * (b.q - o.q) - (a.q - o.q) * (b.x - o.x);
}

/* The integral over [LO, HI] (inside [s.x, t.x]) of the line through s, t. */
static double segment_area(step s, step t, double lo, double hi)
{
    if (!(hi > lo))
        return 0;
    double slope = (t.q - s.q) / (t.x - s.x);
    double at_lo = s.q + slope * (lo - s.x), at_hi = s.q + slope * (hi - s.x);
    return (at_lo + at_hi) / 2 * (hi - lo);
}

cascade_status cascade_aiq(const double *cost, const double *quality, size_t count,
                           double c_min, double c_max, double *out, cascade_error *error)
{
    *out = NAN;
    if (count == 0 || !isfinite(c_min) || !isfinite(c_max) || c_min > c_max)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "AIQ needs points and a cost range c_min <= c_max, got %zu "
                                 "points over [%g, %g]", count, c_min, c_max);
    step *hull = malloc(count * sizeof *hull);
    if (!hull)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    for (size_t i = 0; i < count; i++)
        hull[i] = (step){cost[i], quality[i]};
    qsort(hull, count, sizeof *hull, by_x);
    double cheapest = hull[0].x;
    if (!(cheapest <= c_min)) {
        free(hull);
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "the cheapest point costs %g, more than c_min = %g (expected "
                                 "the cheapest single model among the points)", cheapest, c_min);
    }
    /* Upper hull by the monotone chain, in place; of equal costs only the
     * best (first) counts. */
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        if (n && hull[n - 1].x == hull[i].x)
            continue;
        while (n >= 2 && cross(hull[n - 2], hull[n - 1], hull[i]) >= 0)
            n--;
        hull[n++] = hull[i];
    }
    /* Non-decreasing: the hull stops at its highest vertex and stays flat. */
    size_t top = 0;
    for (size_t i = 1; i < n; i++)
        if (hull[i].q > hull[top].q)
            top = i;
    n = top + 1;
    double area = 0;
    for (size_t i = 0; i + 1 < n; i++)
        area += segment_area(hull[i], hull[i + 1], fmax(hull[i].x, c_min),
                             fmin(hull[i + 1].x, c_max));
    double flat_from = fmax(hull[n - 1].x, c_min);
    if (c_max > flat_from)
        area += hull[n - 1].q * (c_max - flat_from);
    if (c_max > c_min) {
        *out = area / (c_max - c_min);
    } else {
        /* H(c_min): on the segment holding c_min, or flat past the top. */
        *out = hull[n - 1].q;
        for (size_t i = 0; i + 1 < n; i++)
            if (c_min < hull[i + 1].x) {
                *out = hull[i].q + (hull[i + 1].q - hull[i].q) * (c_min - hull[i].x) /
                                       (hull[i + 1].x - hull[i].x);
                break;
            }
    }
    free(hull);
    return CASCADE_OK;
}

cascade_status cascade_aiq_of_points(const cascade_point *singles, size_t single_count,
                                     const cascade_point *front, size_t front_count,
                                     double *out, cascade_error *error)
{
    if (single_count == 0 || front_count == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "AIQ needs single models and front points");
    double c_min = INFINITY, c_max = -INFINITY;
    for (size_t i = 0; i < single_count; i++) {
        c_min = fmin(c_min, singles[i].cost);
        c_max = fmax(c_max, singles[i].cost);
    }
    double *cost = malloc(front_count * 2 * sizeof *cost);
    if (!cost)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    double *quality = cost + front_count;
    for (size_t i = 0; i < front_count; i++) {
        cost[i] = front[i].cost;
        quality[i] = front[i].accuracy;
    }
    cascade_status status = cascade_aiq(cost, quality, front_count, c_min, c_max, out, error);
    free(cost);
    return status;
}
