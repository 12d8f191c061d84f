/* Sharding the search over processes, and seeding it with known points.
 *
 * Shards: the chains of each length are cut into groups that share work
 * (pairs with one first stage: its sort and one walk over the samples,
 * batched; longer chains with one prefix: the prefix's count table), each
 * group's work is estimated, and the groups are dealt out, largest first,
 * to the least loaded shard (ties to the lower index). The deal depends only
 * on the chain lists, so every shard computes the same one on its own. */
#include "points/sweep_internal.h"

#include <stdlib.h>
#include <string.h>

/* The cost model, in nanoseconds of one core of the machine it was measured
 * on (a shared 2-core AMD EPYC; docs/cluster.md has the commands): user CPU
 * time of `cascade sweep --no-skip --threads 1` on synthetic sets of 50 and
 * 100 models x 50,000 samples, with --stages 1, 2 and 3 and grids of 20 and
 * 100. A first stage's pairs cost about 150 ns a sample together (its sort
 * and the walk over its order, which fetches a row per sample), plus about
 * half a nanosecond a sample per pair; a grid chain about 1.3 ns a sample
 * for its last stage, its prefix's table as much again (once per prefix),
 * and 20 ns for each of its (G + 1)^(n - 1) cells. Only the ratios matter
 * for the deal; the absolute figure gives estimates of wall time. */
enum { PAIR_FIRST_STAGE = 2400, PAIR_EACH = 8, PREFIX_TABLE = 21, LAST_STAGE = 21, CELL = 320,
       WORK_UNIT = 16 /* the constants above are in 1/16 ns */ };

uint64_t sweep_group_work(size_t samples, unsigned length, size_t chains, unsigned grid)
{
    uint64_t k = samples;
    if (length == 2)
        return (k * PAIR_FIRST_STAGE + k * PAIR_EACH * chains) / WORK_UNIT;
    uint64_t cells = 1;
    for (unsigned s = 1; s < length; s++)
        cells *= (uint64_t)grid + 1;
    return (k * PREFIX_TABLE + chains * (k * LAST_STAGE + cells * CELL)) / WORK_UNIT;
}

typedef struct chain_group {
    size_t start, count;
    uint64_t work;
} chain_group;

static int by_work(const void *pa, const void *pb)
{
    const chain_group *a = pa, *b = pb;
    if (a->work != b->work)
        return a->work > b->work ? -1 : 1;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* A binary heap of shards by (load, index): the least loaded on top. */
static int lighter(const uint64_t *load, uint32_t a, uint32_t b)
{
    return load[a] != load[b] ? load[a] < load[b] : a < b;
}

static void sift_down(uint32_t *heap, size_t n, const uint64_t *load, size_t at)
{
    for (;;) {
        size_t least = at, left = 2 * at + 1, right = left + 1;
        if (left < n && lighter(load, heap[left], heap[least]))
            least = left;
        if (right < n && lighter(load, heap[right], heap[least]))
            least = right;
        if (least == at)
            return;
        uint32_t t = heap[at];
        heap[at] = heap[least];
        heap[least] = t;
        at = least;
    }
}

/* Keeps in LIST the chains of shard INDEX of COUNT, in their order. */
static cascade_status shard_list(chain_list *list, size_t samples, unsigned grid,
                                 unsigned index, unsigned count, cascade_sweep_stats *stats)
{
    unsigned length = list->length, shared = length - 1;
    /* Groups counted first: the chains of a thousand models' triples
     * must not take a group record each. */
    size_t n_groups = 0;
    for (size_t c = 0; c < list->count; c++)
        n_groups += c == 0 || memcmp(list->models + c * length, list->models + (c - 1) * length,
                                     shared * sizeof *list->models) != 0;
    chain_group *groups = malloc((n_groups ? n_groups : 1) * sizeof *groups);
    uint64_t *load = calloc(count, sizeof *load);
    uint32_t *heap = malloc(count * sizeof *heap);
    unsigned char *mine = calloc(count > 1 && list->count ? list->count : 1, 1);
    if (!groups || !load || !heap || !mine) {
        free(groups);
        free(load);
        free(heap);
        free(mine);
        return CASCADE_ERR_NOMEM;
    }
    n_groups = 0;
    for (size_t c = 0; c < list->count;) {
        size_t end = c + 1;
        while (end < list->count && memcmp(list->models + end * length, list->models + c * length,
                                           shared * sizeof *list->models) == 0)
            end++;
        groups[n_groups] = (chain_group){c, end - c,
                                         sweep_group_work(samples, length, end - c, grid)};
        stats->work_total += (double)groups[n_groups].work;
        n_groups++;
        c = end;
    }
    if (count == 1) { /* unsharded: the estimate only, nothing to deal */
        stats->work_assigned = stats->work_total;
        stats->chains_total += list->count;
        stats->chains_assigned += list->count;
        free(groups);
        free(load);
        free(heap);
        free(mine);
        return CASCADE_OK;
    }
    qsort(groups, n_groups, sizeof *groups, by_work);
    for (uint32_t s = 0; s < count; s++)
        heap[s] = s;
    for (size_t g = 0; g < n_groups; g++) {
        uint32_t shard = heap[0];
        load[shard] += groups[g].work;
        sift_down(heap, count, load, 0);
        if (shard == index) {
            memset(mine + groups[g].start, 1, groups[g].count);
            stats->work_assigned += (double)groups[g].work;
        }
    }
    size_t kept = 0;
    for (size_t c = 0; c < list->count; c++)
        if (mine[c])
            memmove(list->models + kept++ * length, list->models + c * length,
                    length * sizeof *list->models);
    stats->chains_total += list->count;
    stats->chains_assigned += kept;
    list->count = kept;
    free(groups);
    free(load);
    free(heap);
    free(mine);
    return CASCADE_OK;
}

cascade_status sweep_shard_lists(sweep_shared *sh, unsigned grid, cascade_sweep_stats *stats)
{
    const cascade_sweep_options *o = sh->options;
    unsigned index = o->shard_count >= 2 ? o->shard_index : 0;
    unsigned count = o->shard_count >= 2 ? o->shard_count : 1;
    for (unsigned length = 2; length <= sh->max_stages; length++) {
        cascade_status status = shard_list(&sh->lists[length], sh->dataset->samples, grid, index,
                                           count, stats);
        if (status != CASCADE_OK)
            return status;
    }
    return CASCADE_OK;
}

/* Pair (A, B) at threshold T as the exact pair sweep finds it (before
 * sweep_finish_pair_thresholds()): the top samples by A's confidence exit
 * at A, the rest go on to B. Returns 0 when no pair point of the sweep
 * has these exits (none or all of the samples exit). */
static int pair_point_at(const cascade_dataset *d, unsigned a, unsigned b, double t,
                         cascade_point *out)
{
    const cascade_records *ra = &d->models[a].records, *rb = &d->models[b].records;
    size_t k = d->samples, n_exit = 0, correct = 0;
    double lowest_exiting = 0, highest_staying = 0;
    int any_staying = 0;
    for (size_t i = 0; i < k; i++) {
        double c = ra->confidence[i];
        if (c >= t) {
            /* ties as in the sweep's order (by index): the last of them */
            if (n_exit++ == 0 || c <= lowest_exiting)
                lowest_exiting = c;
            correct += ra->correct[i];
        } else {
            if (!any_staying || c > highest_staying)
                highest_staying = c;
            any_staying = 1;
            correct += rb->correct[i];
        }
    }
    if (n_exit == 0 || n_exit == k)
        return 0;
    memset(out, 0, sizeof *out);
    out->stages = 2;
    out->model[0] = a;
    out->model[1] = b;
    /* as add_pair_point() leaves them */
    out->threshold[0] = lowest_exiting;
    out->threshold[1] = highest_staying;
    out->accuracy = (double)correct / (double)k;
    out->cost = d->models[a].cost + d->models[b].cost * ((double)(k - n_exit) / (double)k);
    out->answered[0] = (double)n_exit / (double)k;
    out->answered[1] = (double)(k - n_exit) / (double)k;
    return 1;
}

cascade_status sweep_add_seed(const cascade_dataset *d, const cascade_sweep_options *o,
                              cascade_front *front, cascade_sweep_stats *stats)
{
    /* With per-sample inputs no chain is skipped, so a seed has no use. */
    int per_sample = o->seed && cascade_dataset_per_sample(d);
    for (size_t i = 0; o->seed && i < o->seed->count; i++) {
        const cascade_point *given = &o->seed->points[i];
        unsigned a = given->model[0], b = given->model[1];
        /* Singles are in every front already; longer chains' grid points
         * are not known to be among the sweep's own, so they could skip a
         * chain whose grid points would be on the front. */
        int searched = given->stages == 2 && !per_sample &&
                       a < d->model_count && b < d->model_count &&
                       !d->models[a].table_only && !d->models[b].table_only &&
                       d->models[a].cost < d->models[b].cost &&
                       (!o->candidates || (o->candidates[a] && o->candidates[b]));
        cascade_point p;
        if (searched && pair_point_at(d, a, b, given->threshold[0], &p)) {
            if (cascade_front_add(front, &p) != CASCADE_OK)
                return CASCADE_ERR_NOMEM;
            stats->seed_used++;
        } else if (given->stages != 1) {
            stats->seed_ignored++;
        }
    }
    return CASCADE_OK;
}
