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
void sweep_prefix_sums(uint32_t *table, unsigned channels, unsigned dims,
                       const size_t *extent, const size_t *stride, size_t cells)
{
    for (unsigned s = 0; s < dims; s++) {
        size_t slice = stride[s] * channels, block = extent[s] * slice;
        for (size_t start = 0; start < cells * channels; start += block) {
            if (slice == 1) {
                /* One count a cell along the first axis: the running sum in
                 * a register, where adding the cell before from memory
                 * waited on its store every cell. */
                uint32_t run = table[start];
                for (size_t at = start + 1; at < start + block; at++)
                    table[at] = run += table[at];
                continue;
            }
            /* a slice at a time: the two never overlap, so this vectorises */
            for (size_t at = start + slice; at < start + block; at += slice) {
                uint32_t *restrict row = table + at;
                const uint32_t *restrict before = table + at - slice;
                for (size_t i = 0; i < slice; i++)
                    row[i] += before[i];
            }
        }
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
    if (!sweep_grow_table(w, need))
        return CASCADE_ERR_NOMEM;
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
    sweep_prefix_sums(table, channels, dims, extent, stride, cells);
    memcpy(w->prefix, chain, dims * sizeof *chain);
    w->prefix_length = dims;
    return CASCADE_OK;
}

int sweep_grow_table(worker *w, size_t cells)
{
    if (cells <= w->table_capacity)
        return 1;
    uint32_t *grown = realloc(w->table, cells * sizeof *grown);
    if (!grown)
        return 0;
    w->table = grown;
    w->table_capacity = cells;
    return 1;
}

cascade_status sweep_grid_shape(const model_prep *prep, const uint16_t *chain, unsigned n,
                                grid_shape *out)
{
    unsigned dims = n - 1;
    out->cells = 1;
    out->combos = 1;
    for (unsigned s = 0; s < dims; s++) {
        unsigned g = prep[chain[s]].grid_size;
        if (g == 0) {
            out->combos = 0; /* one confidence value: the stage cannot split */
            return CASCADE_OK;
        }
        out->extent[s] = g + 2; /* prefix index x in 0..G+1 */
        out->stride[s] = out->cells;
        if (out->cells > MAX_TABLE_CELLS / out->extent[s])
            return CASCADE_ERR_ARGUMENT;
        out->cells *= out->extent[s];
        out->combos *= g;
    }
    /* after[s]: the cell offset of "any bin" on every axis after s; the
     * same for every combination */
    for (unsigned s = dims; s-- > 0;)
        out->after[s] = s + 1 < dims
                            ? out->after[s + 1] + (out->extent[s + 1] - 1) * out->stride[s + 1]
                            : 0;
    return CASCADE_OK;
}

void sweep_grid_decode(const worker *w, const uint16_t *chain, unsigned n,
                       const grid_shape *shape, const uint32_t *table, unsigned channels,
                       size_t index, cascade_point *p)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1;
    memset(p, 0, sizeof *p);
    p->stages = n;
    size_t prefix = 0, reached_prev = d->samples;
    for (unsigned s = 0; s < dims; s++) {
        unsigned g = prep[chain[s]].grid_size;
        unsigned js = (unsigned)(index % g) + 1;
        index /= g;
        /* j counts from the lowest threshold: grid is descending. */
        p->threshold[s] = prep[chain[s]].grid[g - js];
        size_t below = prefix + shape->after[s] + js * shape->stride[s];
        size_t reached = table[below * channels];
        p->answered[s] = (double)(reached_prev - reached) / (double)d->samples;
        reached_prev = reached;
        prefix += js * shape->stride[s];
    }
    p->answered[dims] = (double)reached_prev / (double)d->samples;
    for (unsigned s = 0; s < n; s++)
        p->model[s] = chain[s];
}

cascade_status sweep_grid_prepare(sweep_shared *sh)
{
    const cascade_dataset *d = sh->dataset;
    size_t samples = d->samples, m = d->model_count, total = 0;
    sh->fraction = malloc((samples + 1) * sizeof *sh->fraction);
    sh->rare_start = malloc((m + 1) * sizeof *sh->rare_start);
    sh->rare_wrong = malloc(m ? m : 1);
    if (!sh->fraction || !sh->rare_start || !sh->rare_wrong)
        return CASCADE_ERR_NOMEM;
    for (size_t r = 0; r <= samples; r++)
        sh->fraction[r] = (double)r / (double)samples;
    for (size_t j = 0; j < m; j++) {
        size_t right = d->models[j].table_only ? 0 : d->models[j].records.correct_count;
        sh->rare_wrong[j] = samples - right < right;
        sh->rare_start[j] = total;
        total += d->models[j].table_only ? 0 : sh->rare_wrong[j] ? samples - right : right;
    }
    sh->rare_start[m] = total;
    sh->rare = malloc((total ? total : 1) * sizeof *sh->rare);
    if (!sh->rare)
        return CASCADE_ERR_NOMEM;
    for (size_t j = 0; j < m; j++) {
        const uint8_t *correct = d->models[j].records.correct;
        uint32_t *out = sh->rare + sh->rare_start[j];
        for (size_t i = 0; !d->models[j].table_only && i < samples; i++)
            if ((correct[i] != 0) != sh->rare_wrong[j])
                *out++ = (uint32_t)i;
    }
    return CASCADE_OK;
}

void sweep_grid_free(sweep_shared *sh)
{
    free(sh->fraction);
    free(sh->rare);
    free(sh->rare_start);
    free(sh->rare_wrong);
    sh->fraction = NULL;
    sh->rare = NULL;
    sh->rare_start = NULL;
    sh->rare_wrong = NULL;
}

/* A chain of n >= 3 stages over the threshold grid. */
cascade_status sweep_grid_chain(worker *w, const uint16_t *chain, unsigned n)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1, channels = n; /* the prefix's channels; the last apart */
    grid_shape shape;
    cascade_status status = sweep_grid_shape(prep, chain, n, &shape);
    if (status != CASCADE_OK || shape.combos == 0)
        return status;
    const size_t *extent = shape.extent, *stride = shape.stride, *after = shape.after;
    size_t cells = shape.cells, combos = shape.combos;
    status = prepare_prefix(w, chain, n, extent, stride, cells);
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
    /* The last stage's right answers over the prefix's cells, prefix-summed:
     * from its rarer outcome only (a model right on 80% of the samples adds
     * a fifth of them), and when those are its wrong answers, the cell
     * counts (channel 0, prefix-summed alike) minus them. */
    const sweep_shared *sh = w->shared;
    unsigned final = chain[n - 1];
    memset(last, 0, cells * sizeof *last);
    for (size_t p = sh->rare_start[final]; p < sh->rare_start[final + 1]; p++)
        last[w->cell_of[sh->rare[p]]]++;
    sweep_prefix_sums(last, 1, dims, extent, stride, cells);
    if (sh->rare_wrong[final])
        for (size_t cell = 0; cell < cells; cell++)
            last[cell] = T(cell, 0) - last[cell];
    /* Every combination j (j_s in 1..G_s): stage s takes the samples with
     * b_r < j_r for r < s and b_s >= j_s. The last threshold varies
     * fastest: everything of the stages before it is then fixed for a run of
     * G combinations, and each combination costs one lookup of its own. Its
     * index keeps the first stage's j the lightest, as the decoding reads it.
     * The cost is summed in the order of cascade_chain_cost(), with r /
     * samples from a table of the same quotients, so that a re-evaluated
     * point matches bit for bit. */
    size_t radix[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < dims; s++)
        radix[s] = s ? radix[s - 1] * prep[chain[s - 1]].grid_size : 1;
    unsigned axis = dims - 1, g_last = prep[chain[axis]].grid_size;
    double cost_last = d->models[chain[n - 1]].cost;
    const double *fraction = w->shared->fraction;
    int keep_all = w->shared->options->all_points != NULL;
    unsigned j[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < dims; s++)
        j[s] = 1;
    size_t runs = combos / g_last, kept = 0;
    for (size_t run = 0; run < runs; run++) {
        size_t reached[CASCADE_MAX_STAGES];
        size_t prefix = 0, index = 0; /* offset of (j_1..j_(s-1)) on the axes before s */
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
            cost_before += d->models[chain[s]].cost * fraction[reached[s]];
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
                double accuracy = fraction[right]; /* = right / samples, no division */
                if (sweep_cheaply_beaten(w, cost, accuracy) || sweep_dominated(w, cost, accuracy))
                    continue;
            }
            grid_point *gp = &w->points[kept++];
            gp->cost = cost;
            gp->correct = right;
            gp->index = (uint32_t)(index + (jl - 1) * radix[axis]);
        }
        sweep_grid_next(prep, chain, axis, j);
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
        double accuracy = fraction[gp->correct];
        if (!keep_all && sweep_dominated(w, gp->cost, accuracy))
            continue;
        /* Decode the combination and count the answers per stage again:
         * only for the few points kept. */
        cascade_point p;
        sweep_grid_decode(w, chain, n, &shape, table, channels, gp->index, &p);
        p.accuracy = accuracy;
        p.cost = gp->cost;
        if (sweep_worker_add(w, &p) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    return CASCADE_OK;
#undef T
}
