/* A front against a baseline front, both as step functions (cascade/check.h). */
#include "cascade/check.h"

#include <math.h>
#include <stdlib.h>

#include "cascade/expect.h"

/* A point where a front's step function rises. */
typedef struct stair {
    double cost;
    double accuracy;
    const cascade_front_row *row;
} stair;

static int by_cost(const void *a, const void *b)
{
    const cascade_front_row *x = *(const cascade_front_row *const *)a;
    const cascade_front_row *y = *(const cascade_front_row *const *)b;
    if (x->cost != y->cost)
        return x->cost < y->cost ? -1 : 1;
    if (x->accuracy != y->accuracy)
        return x->accuracy > y->accuracy ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* The steps of TABLE, cost ascending, accuracy strictly rising. */
static cascade_status stairs(const cascade_front_table *table, stair **out, size_t *count,
                             cascade_error *error)
{
    const cascade_front_row **sorted = malloc(table->count * sizeof *sorted);
    stair *s = malloc(table->count * sizeof *s);
    if (!sorted || !s) {
        free(sorted);
        free(s);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1,
                                 "out of memory comparing fronts");
    }
    for (size_t i = 0; i < table->count; i++)
        sorted[i] = &table->rows[i];
    qsort(sorted, table->count, sizeof *sorted, by_cost);
    size_t n = 0;
    for (size_t i = 0; i < table->count; i++)
        if (n == 0 || sorted[i]->accuracy > s[n - 1].accuracy)
            s[n++] = (stair){sorted[i]->cost, sorted[i]->accuracy, sorted[i]};
    free(sorted);
    *out = s;
    *count = n;
    return CASCADE_OK;
}

/* F(x): the accuracy of the last step costing at most X, NaN when none. */
static double step_value(const stair *s, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid].cost <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? NAN : s[lo - 1].accuracy;
}

/* Compares every step of ONE with OTHER at up to its cost * (1 + R): counts
 * where OTHER is below, and by more than A, and keeps the largest shortfall. */
static void compare(const stair *one, size_t one_n, const stair *other, size_t other_n,
                    const cascade_check_options *o, double lowest, size_t *below,
                    size_t *beyond, cascade_check_step *largest, int one_is_baseline)
{
    *below = *beyond = 0;
    for (size_t i = 0; i < one_n; i++) {
        double there = step_value(other, other_n, one[i].cost * (1.0 + o->tol_cost));
        double reached = isnan(there) ? lowest : there;
        double shortfall = one[i].accuracy - reached;
        if (!(shortfall > 0))
            continue;
        if (*below == 0 || shortfall > (one_is_baseline ? -largest->difference
                                                       : largest->difference)) {
            largest->cost = one[i].cost;
            largest->row = one[i].row;
            largest->baseline_accuracy = one_is_baseline ? one[i].accuracy : there;
            largest->new_accuracy = one_is_baseline ? there : one[i].accuracy;
            largest->difference = one_is_baseline ? -shortfall : shortfall;
        }
        (*below)++;
        if (!cascade_within_tolerance(one[i].accuracy, reached, o->tol_accuracy))
            (*beyond)++;
    }
}

cascade_status cascade_check_fronts(const cascade_front_table *new_front,
                                    const cascade_front_table *baseline,
                                    const cascade_check_options *options,
                                    cascade_check_result *out, cascade_error *error)
{
    if (!new_front || !baseline || !out)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "cascade_check_fronts needs two fronts and an output");
    cascade_check_options defaults = {CASCADE_CHECK_TOL_ACCURACY, CASCADE_CHECK_TOL_COST};
    const cascade_check_options *o = options ? options : &defaults;
    if (!(o->tol_accuracy >= 0) || !isfinite(o->tol_accuracy) || !(o->tol_cost >= 0) ||
        !isfinite(o->tol_cost))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "tolerances must be finite and >= 0 (got accuracy %g, cost %g)",
                                 o->tol_accuracy, o->tol_cost);
    if (new_front->count == 0 || baseline->count == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "cannot compare an empty front (expected at least one row)");
    if (new_front->score != baseline->score)
        return cascade_error_set(error, CASCADE_ERR_VALUE, NULL, -1, -1,
                                 "the front is scored by %s and the baseline by %s (expected "
                                 "fronts with the same score column)",
                                 cascade_score_name(new_front->score),
                                 cascade_score_name(baseline->score));
    double lowest = cascade_score_lowest(baseline->score);
    stair *b = NULL, *n = NULL;
    size_t b_count, n_count;
    cascade_status status = stairs(baseline, &b, &b_count, error);
    if (status == CASCADE_OK)
        status = stairs(new_front, &n, &n_count, error);
    if (status == CASCADE_OK) {
        cascade_check_result r = {.baseline_steps = b_count, .new_steps = n_count};
        compare(b, b_count, n, n_count, o, lowest, &r.drops, &r.regressions, &r.worst, 1);
        compare(n, n_count, b, b_count, o, lowest, &r.gains, &r.improvements, &r.best, 0);
        *out = r;
    }
    free(b);
    free(n);
    return status;
}
