/* Chains of three or more stages over the threshold grid.
 *
 * Each stage s < n has G_s grid thresholds t_1 > ... > t_G at quantiles of
 * its confidences; a sample's bin b_s counts the thresholds it reaches, so
 * it exits at threshold index j_s iff b_s >= j_s. One pass fills a table
 * over (b_1..b_(n-1)) with the count of samples and of correct answers by
 * each stage; prefix sums along every axis then give, for every threshold
 * combination j, the samples reaching each stage and the correct answers,
 * each in O(n) lookups: O(k + prod G_s) per chain. */
#include "points/sweep_internal.h"

#include <stdlib.h>
#include <string.h>

static int by_grid_cost(const void *pa, const void *pb)
{
    const grid_point *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->correct != b->correct)
        return a->correct > b->correct ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Prefix sums of a [cells][channels] table along each of DIMS axes: in
 * blocks of extent x stride cells, every cell past the first slice adds the
 * one a slice before (no division per cell: that was half a chain's time). */
static void prefix_sums(uint32_t *table, unsigned channels, unsigned dims,
                        const size_t *extent, const size_t *stride, size_t cells)
{
    for (unsigned s = 0; s < dims; s++) {
        size_t slice = stride[s] * channels, block = extent[s] * slice;
        for (size_t start = 0; start < cells * channels; start += block)
            for (size_t at = start + slice; at < start + block; at++)
                table[at] += table[at - slice];
    }
}

/* The table of CHAIN's first n - 1 stages, kept from the chain before when
 * it had the same ones: a sample's cell depends only on them, and so do the
 * count and their right answers. Chains come in lexicographic order, so
 * (a, b, c) for every c shares the work of (a, b). */
static cascade_status prepare_prefix(worker *w, const uint16_t *chain, unsigned n,
                                     const size_t *extent, const size_t *stride, size_t cells)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1, channels = n; /* count, then right by stages 1..n-1 */
    if (w->prefix_length == dims && memcmp(w->prefix, chain, dims * sizeof *chain) == 0)
        return CASCADE_OK;
    w->prefix_length = 0;
    size_t need = cells * (channels + 1); /* then the last stage's channel */
    if (need > w->table_capacity) {
        uint32_t *grown = realloc(w->table, need * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->table = grown;
        w->table_capacity = need;
    }
    if (d->samples > w->cell_capacity) {
        uint32_t *grown = realloc(w->cell_of, d->samples * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->cell_of = grown;
        w->cell_capacity = d->samples;
    }
    /* [cells][channels]: a sample's count and right answers lie together,
     * in one cache line. P(x) = sum over bins b < x. */
    uint32_t *table = w->table;
    memset(table, 0, cells * channels * sizeof *table);
    const uint16_t *bin[CASCADE_MAX_STAGES];
    const uint8_t *right[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < dims; s++) {
        bin[s] = prep[chain[s]].bin;
        right[s] = d->models[chain[s]].records.correct;
    }
    for (size_t i = 0; i < d->samples; i++) {
        size_t cell = 0;
        for (unsigned s = 0; s < dims; s++)
            cell += (bin[s][i] + 1u) * stride[s];
        w->cell_of[i] = (uint32_t)cell;
        uint32_t *counts = table + cell * channels;
        counts[0]++;
        for (unsigned s = 0; s < dims; s++)
            counts[s + 1] += right[s][i];
    }
    prefix_sums(table, channels, dims, extent, stride, cells);
    memcpy(w->prefix, chain, dims * sizeof *chain);
    w->prefix_length = dims;
    return CASCADE_OK;
}

cascade_status sweep_grid_prepare(sweep_shared *sh)
{
    size_t samples = sh->dataset->samples;
    sh->fraction = malloc((samples + 1) * sizeof *sh->fraction);
    if (!sh->fraction)
        return CASCADE_ERR_NOMEM;
    for (size_t r = 0; r <= samples; r++)
        sh->fraction[r] = (double)r / (double)samples;
    return CASCADE_OK;
}

void sweep_grid_free(sweep_shared *sh)
{
    free(sh->fraction);
    sh->fraction = NULL;
}

/* A chain of n >= 3 stages over the threshold grid. */
cascade_status sweep_grid_chain(worker *w, const uint16_t *chain, unsigned n)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1, channels = n; /* the prefix's channels; the last apart */
    size_t extent[CASCADE_MAX_STAGES], stride[CASCADE_MAX_STAGES];
    size_t cells = 1, combos = 1;
    for (unsigned s = 0; s < dims; s++) {
        unsigned g = prep[chain[s]].grid_size;
        if (g == 0)
            return CASCADE_OK; /* one confidence value: the stage cannot split */
        extent[s] = g + 2; /* prefix index x in 0..G+1 */
        stride[s] = cells;
        if (cells > MAX_TABLE_CELLS / extent[s])
            return CASCADE_ERR_ARGUMENT;
        cells *= extent[s];
        combos *= g;
    }
    cascade_status status = prepare_prefix(w, chain, n, extent, stride, cells);
    if (status != CASCADE_OK)
        return status;
    if (combos > w->points_capacity) {
        grid_point *grown = realloc(w->points, combos * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->points = grown;
        w->points_capacity = combos;
    }
    uint32_t *table = w->table, *last = w->table + cells * channels;
#define T(cell, c) table[(cell) * channels + (c)]
    /* the last stage's right answers, over the prefix's cells */
    memset(last, 0, cells * sizeof *last);
    const uint8_t *right_last = d->models[chain[n - 1]].records.correct;
    for (size_t i = 0; i < d->samples; i++)
        last[w->cell_of[i]] += right_last[i];
    prefix_sums(last, 1, dims, extent, stride, cells);
    /* Every combination j (j_s in 1..G_s): stage s takes the samples with
     * b_r < j_r for r < s and b_s >= j_s. */
    unsigned models[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < n; s++)
        models[s] = chain[s];
    /* after[s]: the cell offset of "any bin" on every axis after s; the
     * same for every combination */
    size_t after[CASCADE_MAX_STAGES];
    for (unsigned s = dims; s-- > 0;)
        after[s] = s + 1 < dims ? after[s + 1] + (extent[s + 1] - 1) * stride[s + 1] : 0;
    /* radix[s]: the weight of j_s - 1 in a combination's index, the first
     * stage's the lightest, as the decoding below reads it */
    size_t radix[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < dims; s++)
        radix[s] = s ? radix[s - 1] * prep[chain[s - 1]].grid_size : 1;
    /* The last threshold varies fastest: everything of the stages before it
     * is then fixed for a whole run of G combinations, and each combination
     * costs one lookup of its own. The cost is summed in the order of
     * cascade_chain_cost(), so a re-evaluated point matches bit for bit. */
    unsigned axis = dims - 1, g_last = prep[chain[axis]].grid_size;
    double samples = (double)d->samples, cost_last = d->models[chain[n - 1]].cost;
    const double *fraction = w->shared->fraction;
    int keep_all = w->shared->options->all_points != NULL;
    unsigned j[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < dims; s++)
        j[s] = 1;
    size_t outer_count = combos / g_last, kept = 0;
    for (size_t outer = 0; outer < outer_count; outer++) {
        size_t reached[CASCADE_MAX_STAGES];
        size_t prefix = 0, index = 0;
        long long correct = 0;
        reached[0] = d->samples;
        for (unsigned s = 0; s < axis; s++) {
            size_t upto = prefix + after[s] + (extent[s] - 1) * stride[s]; /* b_s any */
            size_t below = prefix + after[s] + j[s] * stride[s];            /* b_s < j_s */
            correct += (long long)T(upto, s + 1) - T(below, s + 1);
            reached[s + 1] = T(below, 0);
            prefix += j[s] * stride[s];
            index += (j[s] - 1) * radix[s];
        }
        double cost_before = 0.0;
        for (unsigned s = 0; s < dims; s++)
            cost_before += d->models[models[s]].cost * fraction[reached[s]];
        size_t upto = prefix + after[axis] + (extent[axis] - 1) * stride[axis];
        long long correct_before = correct + T(upto, axis + 1);
        for (unsigned jl = 1; jl <= g_last; jl++) {
            size_t below = prefix + after[axis] + jl * stride[axis];
            uint32_t right = (uint32_t)(correct_before - T(below, axis + 1) +
                                        last[prefix + jl * stride[axis]]);
            double cost = cost_before + cost_last * fraction[T(below, 0)];
            /* Most combinations are beaten by a point found already: drop
             * them here, before they are stored and sorted. */
            if (!keep_all) {
                double accuracy = (double)right / samples;
                if (sweep_cheaply_beaten(w, cost, accuracy) || sweep_dominated(w, cost, accuracy))
                    continue;
            }
            grid_point *gp = &w->points[kept++];
            gp->cost = cost;
            gp->correct = right;
            gp->index = (uint32_t)(index + (jl - 1) * radix[axis]);
        }
        for (unsigned s = 0; s < axis; s++) {
            if (++j[s] <= prep[chain[s]].grid_size)
                break;
            j[s] = 1;
        }
    }
    w->stats.candidates += combos;
    combos = kept;
    if (!keep_all)
        qsort(w->points, combos, sizeof *w->points, by_grid_cost);
    long long best = -1;
    for (size_t c = 0; c < combos; c++) {
        grid_point *gp = &w->points[c];
        if ((long long)gp->correct <= best && !keep_all)
            continue;
        if ((long long)gp->correct > best)
            best = gp->correct;
        double accuracy = (double)gp->correct / (double)d->samples;
        if (!keep_all && sweep_dominated(w, gp->cost, accuracy))
            continue;
        /* Decode the combination and count the answers per stage again:
         * only for the few points kept. */
        cascade_point p;
        memset(&p, 0, sizeof p);
        p.stages = n;
        size_t index = gp->index;
        size_t prefix = 0, reached_prev = d->samples;
        for (unsigned s = 0; s < dims; s++) {
            unsigned g = prep[chain[s]].grid_size;
            unsigned js = (unsigned)(index % g) + 1;
            index /= g;
            /* j counts from the lowest threshold: grid is descending. */
            p.threshold[s] = prep[chain[s]].grid[g - js];
            size_t below = prefix + after[s] + js * stride[s];
            p.answered[s] = (double)(reached_prev - T(below, 0)) / (double)d->samples;
            reached_prev = T(below, 0);
            prefix += js * stride[s];
        }
        p.answered[dims] = (double)reached_prev / (double)d->samples;
        for (unsigned s = 0; s < n; s++)
            p.model[s] = chain[s];
        p.accuracy = accuracy;
        p.cost = gp->cost;
        if (sweep_worker_add(w, &p) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    return CASCADE_OK;
#undef T
}
