/* The exact sweep over single models and pairs.
 *
 * For a first stage a, sort samples by a's confidence, descending. Exiting at
 * a threshold between two adjacent distinct confidences sends the top n
 * samples to a's answer and the rest to b's, so with D = correct_a - correct_b
 * in that order, correct(n) = total_b + sum_{pos < n} D[pos] and
 * cost(n) = cost_a + cost_b (k - n) / k. Each pair is one O(k) pass. */
#include "cascade/sweep.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct model_order {
    uint32_t *order;      /* [samples] sample indices by confidence, descending */
    uint32_t *group_end;  /* [groups] n_exit after each run of equal confidence, < samples */
    size_t groups;
} model_order;

typedef struct sweep_context {
    const cascade_dataset *dataset;
    model_order *orders;  /* [model_count] */
    uint32_t *correct;    /* [samples] scratch: correct answers per group */
} sweep_context;

double cascade_threshold_between(double lower, double upper)
{
    if (!isfinite(lower))
        return upper;
    double mid = lower + (upper - lower) / 2;
    if (!(mid > lower))
        return upper;
    char text[64];
    for (int digits = 9; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, mid);
        double t = strtod(text, NULL);
        if (t > lower && t <= upper)
            return t;
    }
    return mid;
}

typedef struct conf_index {
    double confidence;
    uint32_t index;
} conf_index;

static int by_confidence_descending(const void *pa, const void *pb)
{
    const conf_index *a = pa, *b = pb;
    if (a->confidence != b->confidence)
        return a->confidence > b->confidence ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static cascade_status prepare_order(const cascade_records *r, model_order *out)
{
    size_t k = r->samples;
    conf_index *pairs = malloc(k * sizeof *pairs);
    out->order = malloc(k * sizeof *out->order);
    out->group_end = malloc(k * sizeof *out->group_end);
    if (!pairs || !out->order || !out->group_end) {
        free(pairs);
        return CASCADE_ERR_NOMEM;
    }
    for (size_t i = 0; i < k; i++) {
        pairs[i].confidence = r->confidence[i];
        pairs[i].index = (uint32_t)i;
    }
    qsort(pairs, k, sizeof *pairs, by_confidence_descending);
    out->groups = 0;
    for (size_t pos = 0; pos < k; pos++) {
        out->order[pos] = pairs[pos].index;
        if (pos + 1 < k && pairs[pos + 1].confidence != pairs[pos].confidence)
            out->group_end[out->groups++] = (uint32_t)(pos + 1);
    }
    free(pairs);
    return CASCADE_OK;
}

static void free_context(sweep_context *ctx)
{
    if (ctx->orders)
        for (size_t m = 0; m < ctx->dataset->model_count; m++) {
            free(ctx->orders[m].order);
            free(ctx->orders[m].group_end);
        }
    free(ctx->orders);
    free(ctx->correct);
}

static cascade_status add_single_models(const cascade_dataset *d, cascade_front *front)
{
    for (size_t m = 0; m < d->model_count; m++) {
        cascade_point p;
        memset(&p, 0, sizeof p);
        p.stages = 1;
        p.model[0] = (unsigned)m;
        p.accuracy = (double)d->models[m].records.correct_count / (double)d->samples;
        p.cost = d->models[m].cost;
        p.answered[0] = 1.0;
        if (cascade_front_add(front, &p) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    return CASCADE_OK;
}

/* Sweeps (a, b) and adds the points of the pair's own front. */
static cascade_status sweep_pair(sweep_context *ctx, unsigned a, unsigned b,
                                 cascade_front *front, size_t *candidates)
{
    const cascade_dataset *d = ctx->dataset;
    const model_order *o = &ctx->orders[a];
    const cascade_records *ra = &d->models[a].records, *rb = &d->models[b].records;
    const uint8_t *ca = ra->correct, *cb = rb->correct;
    uint32_t *correct = ctx->correct; /* [groups] */
    long long sum = (long long)rb->correct_count;
    size_t pos = 0;
    for (size_t g = 0; g < o->groups; g++) {
        size_t end = o->group_end[g];
        for (; pos < end; pos++) {
            uint32_t i = o->order[pos];
            sum += (int)ca[i] - (int)cb[i];
        }
        correct[g] = (uint32_t)sum;
    }
    *candidates += o->groups;
    /* Fewer exits cost more: walk from the last group (cheapest) to the
     * first, keeping each point that beats every cheaper one of this pair. */
    long long best = -1;
    unsigned models[2] = {a, b};
    for (size_t g = o->groups; g-- > 0;) {
        if ((long long)correct[g] <= best)
            continue;
        best = correct[g];
        size_t n_exit = o->group_end[g];
        cascade_point p;
        memset(&p, 0, sizeof p);
        p.stages = 2;
        p.model[0] = a;
        p.model[1] = b;
        p.threshold[0] = cascade_threshold_between(
            ra->confidence[o->order[n_exit]], ra->confidence[o->order[n_exit - 1]]);
        p.accuracy = (double)correct[g] / (double)d->samples;
        size_t reached[2] = {d->samples, d->samples - n_exit};
        p.cost = cascade_chain_cost(d, 2, models, reached);
        p.answered[0] = (double)n_exit / (double)d->samples;
        p.answered[1] = (double)(d->samples - n_exit) / (double)d->samples;
        if (cascade_front_add(front, &p) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    return CASCADE_OK;
}

cascade_status cascade_sweep(const cascade_dataset *dataset,
                             const cascade_sweep_options *options,
                             cascade_front *front, cascade_sweep_stats *stats,
                             cascade_error *error)
{
    cascade_sweep_options defaults = {0};
    if (!options)
        options = &defaults;
    unsigned max_stages = options->max_stages ? options->max_stages : 2;
    if (max_stages > 2)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "%u stages requested (expected 1 or 2)", max_stages);
    if (!dataset->has_labels)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, dataset->manifest->path,
            -1, -1, "no labels (expected \"labels\" in the manifest to sweep)");
    cascade_sweep_stats local = {0};
    cascade_status status = add_single_models(dataset, front);
    local.candidates = dataset->model_count;
    if (status != CASCADE_OK)
        return cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    if (max_stages >= 2 && dataset->model_count >= 2) {
        sweep_context ctx = {.dataset = dataset};
        ctx.orders = calloc(dataset->model_count, sizeof *ctx.orders);
        ctx.correct = malloc(dataset->samples * sizeof *ctx.correct);
        if (!ctx.orders || !ctx.correct) {
            free_context(&ctx);
            return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        }
        for (size_t m = 0; m < dataset->model_count && status == CASCADE_OK; m++)
            status = prepare_order(&dataset->models[m].records, &ctx.orders[m]);
        for (unsigned a = 0; a < dataset->model_count && status == CASCADE_OK; a++) {
            for (unsigned b = 0; b < dataset->model_count && status == CASCADE_OK; b++) {
                if (!(dataset->models[a].cost < dataset->models[b].cost))
                    continue;
                status = sweep_pair(&ctx, a, b, front, &local.candidates);
                local.chains_swept++;
            }
            /* Keep memory bounded: fold the candidates into a front now and then. */
            if (status == CASCADE_OK && front->count > 1u << 16)
                cascade_front_reduce(front);
        }
        free_context(&ctx);
        if (status != CASCADE_OK)
            return cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    }
    cascade_front_reduce(front);
    if (stats)
        *stats = local;
    return CASCADE_OK;
}
