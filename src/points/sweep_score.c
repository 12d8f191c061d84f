/* The sweeps for scores other than accuracy: mcc, f1 and macro_f1.
 *
 * Pairs stay exact. Along a's order (confidence descending), letting one
 * sample fewer exit at a changes that sample's prediction from a's to b's
 * and nothing else, so the confusion counts move in O(1)
 * (cascade_confusion_move) and the score is evaluated at every distinct
 * threshold, as the accuracy walk does. These scores are not sums over
 * samples, so the accuracy sweep's bounds (oracle, gain, floors) do not
 * hold for them: no chain is skipped and no walk stops early.
 *
 * Chains of three or more stages, two classes: the grid table holds per
 * cell the sample count and, for every stage, its predicted positives and
 * true positives; the class totals are fixed, so each combination's score
 * comes from the answering stages' sums (cascade_score_binary). */
#include "points/sweep_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* How far macro_f1's running estimate may be from the exact value before
 * it is trusted to rule a point out: far above its rounding (see
 * cascade_confusion_macro_f1_estimate), far below a score's resolution. */
#define MACRO_F1_SLACK 1e-6

void sweep_free_score_scratch(worker *w)
{
    cascade_confusion_free(&w->confusion);
    free(w->score_points);
    w->score_points = NULL;
    w->score_points_capacity = 0;
}

static cascade_status ready_confusion(worker *w)
{
    size_t classes = w->shared->dataset->classes;
    if (w->confusion.truth && w->confusion.classes == classes) {
        cascade_confusion_clear(&w->confusion);
        return CASCADE_OK;
    }
    cascade_confusion_free(&w->confusion);
    return cascade_confusion_init(&w->confusion, classes);
}

/* One pair, from the cheap end (every sample exits at a) to fewer and
 * fewer exits. A point is a candidate when it beats every cheaper point of
 * the pair; the worker's front reduces the rest. */
cascade_status sweep_score_pair(worker *w, unsigned a, unsigned b)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *o = sweep_prep_of(w, a);
    if (!o || ready_confusion(w) != CASCADE_OK)
        return CASCADE_ERR_NOMEM;
    cascade_score score = d->score;
    const int32_t *label = d->labels.label;
    const int32_t *pa = d->models[a].records.prediction, *pb = d->models[b].records.prediction;
    const uint32_t *order = o->order;
    int keep_all = w->shared->options->all_points != NULL;
    size_t k = d->samples;
    double cost_a = d->models[a].cost, cost_b = d->models[b].cost;
    cascade_confusion *counts = &w->confusion;
    for (size_t i = 0; i < k; i++)
        cascade_confusion_add(counts, label[i], pa[i]);
    cascade_confusion_settle(counts);
    double best = -INFINITY;
    size_t pos = k;
    for (size_t g = o->groups; g-- > 0;) {
        size_t n_exit = o->group_end[g];
        for (; pos > n_exit; pos--) {
            uint32_t i = order[pos - 1];
            cascade_confusion_move(counts, label[i], pa[i], pb[i]);
        }
        if (score == CASCADE_SCORE_MACRO_F1 && !keep_all &&
            cascade_confusion_macro_f1_estimate(counts) <= best - MACRO_F1_SLACK)
            continue;
        double value = cascade_confusion_score(counts, score);
        if (value <= best && !keep_all)
            continue;
        if (value > best)
            best = value;
        /* = cascade_chain_cost with reached (k, k - n_exit), bit for bit */
        double cost = cost_a + cost_b * ((double)(k - n_exit) / (double)k);
        if (sweep_add_pair_point(w, o, a, b, n_exit, cost, value) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    w->stats.candidates += o->groups;
    return CASCADE_OK;
}

static int by_cost_then_score(const void *pa, const void *pb)
{
    const score_point *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* [cells][1 + 2 (n - 1)]: the count, then each of the first n - 1 stages'
 * predicted and true positives among the cell's samples; after it
 * [cells][2], the last stage's. Prefix-summed along every axis. */
static cascade_status fill_tables(worker *w, const uint16_t *chain, unsigned n,
                                  const grid_shape *shape, uint32_t **last)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1, channels = 1 + 2 * dims;
    size_t need = shape->cells * (channels + 2);
    w->prefix_length = 0; /* the accuracy sweep's cached table is gone */
    if (!sweep_grow_table(w, need))
        return CASCADE_ERR_NOMEM;
    uint32_t *table = w->table;
    *last = table + shape->cells * channels;
    memset(table, 0, need * sizeof *table);
    const int32_t *label = d->labels.label;
    const int32_t *prediction_last = d->models[chain[dims]].records.prediction;
    for (size_t i = 0; i < d->samples; i++) {
        size_t cell = 0;
        for (unsigned s = 0; s < dims; s++)
            cell += (prep[chain[s]].bin[i] + 1u) * shape->stride[s];
        uint32_t *counts = table + cell * channels;
        counts[0]++;
        for (unsigned s = 0; s < dims; s++) {
            int positive = d->models[chain[s]].records.prediction[i] == 1;
            counts[1 + 2 * s] += positive;
            counts[2 + 2 * s] += positive && label[i] == 1;
        }
        int positive = prediction_last[i] == 1;
        (*last)[2 * cell] += positive;
        (*last)[2 * cell + 1] += positive && label[i] == 1;
    }
    sweep_prefix_sums(table, channels, dims, shape->extent, shape->stride, shape->cells);
    sweep_prefix_sums(*last, 2, dims, shape->extent, shape->stride, shape->cells);
    return CASCADE_OK;
}

cascade_status sweep_score_grid_chain(worker *w, const uint16_t *chain, unsigned n)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1, channels = 1 + 2 * dims;
    grid_shape shape;
    cascade_status status = sweep_grid_shape(prep, chain, n, &shape);
    if (status != CASCADE_OK || shape.combos == 0)
        return status;
    uint32_t *last;
    status = fill_tables(w, chain, n, &shape, &last);
    if (status != CASCADE_OK)
        return status;
    if (!sweep_grow_score_points(w, shape.combos))
        return CASCADE_ERR_NOMEM;
    const uint32_t *table = w->table;
    int64_t positives = 0;
    for (size_t i = 0; i < d->samples; i++)
        positives += d->labels.label[i] == 1;
    unsigned models[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < n; s++)
        models[s] = chain[s];
    unsigned j[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < dims; s++)
        j[s] = 1;
    /* Stage s answers the samples with b_r < j_r for r < s and b_s >= j_s. */
    for (size_t combo = 0; combo < shape.combos; combo++) {
        size_t reached[CASCADE_MAX_STAGES], prefix = 0;
        int64_t predicted_positive = 0, true_positive = 0;
        reached[0] = d->samples;
        for (unsigned s = 0; s < dims; s++) {
            size_t any = prefix + shape.after[s] + (shape.extent[s] - 1) * shape.stride[s];
            size_t below = prefix + shape.after[s] + j[s] * shape.stride[s];
            const uint32_t *all = table + any * channels, *under = table + below * channels;
            predicted_positive += (int64_t)all[1 + 2 * s] - under[1 + 2 * s];
            true_positive += (int64_t)all[2 + 2 * s] - under[2 + 2 * s];
            reached[s + 1] = under[0];
            prefix += j[s] * shape.stride[s];
        }
        predicted_positive += last[2 * prefix];
        true_positive += last[2 * prefix + 1];
        score_point *sp = &w->score_points[combo];
        sp->cost = cascade_chain_cost(d, n, models, reached);
        sp->score = cascade_score_binary(d->score, (int64_t)d->samples, positives,
                                         predicted_positive, true_positive);
        sp->index = (uint32_t)combo;
        sweep_grid_next(prep, chain, dims, j);
    }
    w->stats.candidates += shape.combos;
    return sweep_add_scored_combos(w, chain, n, &shape, table, channels, shape.combos);
}

int sweep_grow_score_points(worker *w, size_t count)
{
    if (count <= w->score_points_capacity)
        return 1;
    score_point *grown = realloc(w->score_points, count * sizeof *grown);
    if (!grown)
        return 0;
    w->score_points = grown;
    w->score_points_capacity = count;
    return 1;
}

cascade_status sweep_add_scored_combos(worker *w, const uint16_t *chain, unsigned n,
                                       const grid_shape *shape, const uint32_t *table,
                                       unsigned channels, size_t count)
{
    int keep_all = w->shared->options->all_points != NULL;
    if (!keep_all)
        qsort(w->score_points, count, sizeof *w->score_points, by_cost_then_score);
    double best = -INFINITY;
    for (size_t c = 0; c < count; c++) {
        const score_point *sp = &w->score_points[c];
        if (sp->score <= best && !keep_all)
            continue;
        if (sp->score > best)
            best = sp->score;
        cascade_point p;
        sweep_grid_decode(w, chain, n, shape, table, channels, sp->index, &p);
        p.accuracy = sp->score;
        p.cost = sp->cost;
        if (sweep_worker_add(w, &p) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    return CASCADE_OK;
}
