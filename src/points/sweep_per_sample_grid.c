/* Chains of three or more stages over the threshold grid with per-sample
 * costs and graded quality, beside sweep_grid.c (the constant-cost, 0/1
 * counts), which stays as it is.
 *
 * The cells are sweep_grid.c's: a sample's cell is its bins b_1..b_(n-1)
 * on the first n - 1 stages. Per cell, one pass sums every stage's quality
 * and every later stage's cost over the cell's samples (in sample order),
 * and prefix sums along every axis make them sums over boxes of cells.
 * For a combination j, stage s + 1 is reached by the samples with b_r < j_r
 * for all r <= s (one box) and answers those of them with b_(s+1) >= j_(s+1)
 * (the difference of two boxes), so
 *   cost    = sum_i c_1(i) + sum_{s=1}^{n-1} C_(s+1)(box_s)
 *   quality = sum_{s<n} [Q_s(box_(s-1), any b_s) - Q_s(box_s)] + Q_n(box_(n-1))
 * in O(n) lookups per combination, O(k + prod G_s) per chain. The sums of
 * doubles are not those cascade_evaluate() adds sample by sample, so a
 * re-evaluated point agrees to rounding (about 1e-15 of the totals), not
 * bit for bit as pairs do. */
#include "points/per_sample.h"
#include "points/sweep_internal.h"

#include <stdlib.h>
#include <string.h>

/* Prefix sums of a [cells][channels] table of doubles along each of DIMS
 * axes (sweep_prefix_sums for sums that are not counts). */
static void prefix_sums(double *table, unsigned channels, unsigned dims, const size_t *extent,
                        const size_t *stride, size_t cells)
{
    for (unsigned s = 0; s < dims; s++) {
        size_t slice = stride[s] * channels, block = extent[s] * slice;
        for (size_t start = 0; start < cells * channels; start += block)
            for (size_t at = start + slice; at < start + block; at++)
                table[at] += table[at - slice];
    }
}

static int grow_sums(worker *w, size_t count)
{
    if (count <= w->sums_capacity)
        return 1;
    double *grown = realloc(w->sums, count * sizeof *grown);
    if (!grown)
        return 0;
    w->sums = grown;
    w->sums_capacity = count;
    return 1;
}

cascade_status sweep_per_sample_grid_chain(worker *w, const uint16_t *chain, unsigned n)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1;
    /* [cells][2n - 1]: quality of stages 1..n, then cost of stages 2..n */
    unsigned channels = 2 * n - 1;
    grid_shape shape;
    cascade_status status = sweep_grid_shape(prep, chain, n, &shape);
    if (status != CASCADE_OK || shape.combos == 0)
        return status;
    size_t cells = shape.cells;
    w->prefix_length = 0; /* the accuracy sweep's cached table is gone */
    if (!sweep_grow_table(w, cells) || !grow_sums(w, cells * channels) ||
        !sweep_grow_score_points(w, shape.combos))
        return CASCADE_ERR_NOMEM;
    uint32_t *count = w->table; /* [cells] samples, for the answered fractions */
    double *sums = w->sums;
    memset(count, 0, cells * sizeof *count);
    memset(sums, 0, cells * channels * sizeof *sums);
    const cascade_model *stage[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < n; s++)
        stage[s] = &d->models[chain[s]];
    double cost_first = 0.0; /* every sample pays the first stage */
    for (size_t i = 0; i < d->samples; i++) {
        size_t cell = 0;
        for (unsigned s = 0; s < dims; s++)
            cell += (prep[chain[s]].bin[i] + 1u) * shape.stride[s];
        count[cell]++;
        double *at = sums + cell * channels;
        for (unsigned s = 0; s < n; s++)
            at[s] += per_sample_quality(stage[s], i);
        for (unsigned s = 1; s < n; s++)
            at[n + s - 1] += per_sample_cost(stage[s], i);
        cost_first += per_sample_cost(stage[0], i);
    }
    sweep_prefix_sums(count, 1, dims, shape.extent, shape.stride, cells);
    prefix_sums(sums, channels, dims, shape.extent, shape.stride, cells);
#define S(cell, c) sums[(cell) * channels + (c)]
    unsigned j[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < dims; s++)
        j[s] = 1;
    double k = (double)d->samples;
    for (size_t combo = 0; combo < shape.combos; combo++) {
        double cost = cost_first, quality = 0.0;
        size_t prefix = 0; /* the box of samples that reach stage s + 1 */
        for (unsigned s = 0; s < dims; s++) {
            size_t any = prefix + shape.after[s] + (shape.extent[s] - 1) * shape.stride[s];
            size_t below = prefix + shape.after[s] + j[s] * shape.stride[s];
            quality += S(any, s) - S(below, s);
            cost += S(below, n + s);
            prefix += j[s] * shape.stride[s];
        }
        quality += S(prefix, dims);
        score_point *sp = &w->score_points[combo];
        sp->cost = cost / k;
        sp->score = quality / k;
        sp->index = (uint32_t)combo;
        sweep_grid_next(prep, chain, dims, j);
    }
#undef S
    w->stats.candidates += shape.combos;
    return sweep_add_scored_combos(w, chain, n, &shape, count, 1, shape.combos);
}
