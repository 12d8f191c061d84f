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

/* A chain of n >= 3 stages over the threshold grid. */
cascade_status sweep_grid_chain(worker *w, const uint16_t *chain, unsigned n)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1, channels = n + 1; /* count, then correct by stage 1..n */
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
    size_t need = cells * channels;
    if (need > w->table_capacity) {
        uint32_t *grown = realloc(w->table, need * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->table = grown;
        w->table_capacity = need;
    }
    if (combos > w->points_capacity) {
        grid_point *grown = realloc(w->points, combos * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->points = grown;
        w->points_capacity = combos;
    }
    uint32_t *table = w->table; /* [channels][cells], P(x) = sum over bins b < x */
    memset(table, 0, need * sizeof *table);
    for (size_t i = 0; i < d->samples; i++) {
        size_t cell = 0;
        for (unsigned s = 0; s < dims; s++)
            cell += (prep[chain[s]].bin[i] + 1) * stride[s];
        table[cell]++;
        for (unsigned s = 0; s < n; s++)
            table[(s + 1) * cells + cell] += d->models[chain[s]].records.correct[i];
    }
    for (unsigned c = 0; c < channels; c++) {
        uint32_t *t = table + c * cells;
        for (unsigned s = 0; s < dims; s++)
            for (size_t cell = 0; cell < cells; cell++)
                if ((cell / stride[s]) % extent[s] > 0)
                    t[cell] += t[cell - stride[s]];
    }
    /* Every combination j (j_s in 1..G_s): stage s takes the samples with
     * b_r < j_r for r < s and b_s >= j_s. */
    unsigned models[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < n; s++)
        models[s] = chain[s];
    unsigned j[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < dims; s++)
        j[s] = 1;
    for (size_t combo = 0; combo < combos; combo++) {
        size_t reached[CASCADE_MAX_STAGES];
        size_t prefix = 0, all = 0; /* index of (j_1..j_(s-1), ALL...) */
        for (unsigned s = 0; s < dims; s++)
            all += (extent[s] - 1) * stride[s];
        long long correct = 0;
        reached[0] = d->samples;
        for (unsigned s = 0; s < dims; s++) {
            size_t rest = all - (extent[s] - 1) * stride[s]; /* ALL for axes after s */
            size_t upto = prefix + rest + (extent[s] - 1) * stride[s]; /* b_s any */
            size_t below = prefix + rest + j[s] * stride[s];            /* b_s < j_s */
            correct += (long long)table[(s + 1) * cells + upto] - table[(s + 1) * cells + below];
            reached[s + 1] = table[below];
            prefix += j[s] * stride[s];
            all = rest;
        }
        correct += table[n * cells + prefix];
        grid_point *gp = &w->points[combo];
        gp->cost = cascade_chain_cost(d, n, models, reached);
        gp->correct = (uint32_t)correct;
        gp->index = (uint32_t)combo;
        for (unsigned s = 0; s < dims; s++) {
            if (++j[s] <= prep[chain[s]].grid_size)
                break;
            j[s] = 1;
        }
    }
    w->stats.candidates += combos;
    int keep_all = w->shared->options->all_points != NULL;
    if (!keep_all) {
        /* Most combinations are beaten by a point found already: drop them
         * before sorting what is left into the chain's own front. */
        size_t kept = 0;
        for (size_t c = 0; c < combos; c++)
            if (!sweep_dominated(w, w->points[c].cost, (double)w->points[c].correct / (double)d->samples))
                w->points[kept++] = w->points[c];
        combos = kept;
        qsort(w->points, combos, sizeof *w->points, by_grid_cost);
    }
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
        size_t prefix = 0, all = 0, reached_prev = d->samples;
        for (unsigned s = 0; s < dims; s++)
            all += (extent[s] - 1) * stride[s];
        for (unsigned s = 0; s < dims; s++) {
            unsigned g = prep[chain[s]].grid_size;
            unsigned js = (unsigned)(index % g) + 1;
            index /= g;
            /* j counts from the lowest threshold: grid is descending. */
            p.threshold[s] = prep[chain[s]].grid[g - js];
            size_t rest = all - (extent[s] - 1) * stride[s];
            size_t below = prefix + rest + js * stride[s];
            p.answered[s] = (double)(reached_prev - table[below]) / (double)d->samples;
            reached_prev = table[below];
            prefix += js * stride[s];
            all = rest;
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
}
