/* Exact pairs with per-sample costs and graded quality (docs/llm-routing.md),
 * beside the accuracy walk of sweep_pairs.c, which stays for the
 * constant-cost, 0/1 case.
 *
 * Along a's order (confidence descending, ties by sample index), exiting the
 * top n samples at a costs every sample its c_a(i), and the other k - n
 * their c_b(i) too; the quality is q_a over the top n and q_b over the rest.
 * With c and q of a model without per-sample inputs its constant cost and
 * its 0/1 correctness, the sums over a pair at n exits are
 *   cost(n)    = C_a + sum_{pos = k-1 down to n} c_b(order[pos])
 *   quality(n) = sum_{pos = 0 up to n-1} q_a(order[pos])
 *              + sum_{pos = k-1 down to n} q_b(order[pos])
 * with C_a = sum_{pos = 0 up to k-1} c_a(order[pos]), each sum running in the
 * direction written. The walk keeps them as running sums, and
 * cascade_evaluate() adds the same terms in the same order, so a front row
 * re-evaluated from its threshold gives the same bits. The bounds of the
 * accuracy sweep count right answers at constant costs, so no chain is
 * skipped here and no walk stops early. */
#include "points/per_sample.h"
#include "points/sweep_internal.h"

#include <math.h>
#include <stdlib.h>

/* q_a summed forward over a's order: PREFIX[n] is the quality of the top n
 * (PREFIX[0] = 0), as per_sample_pair_sums() adds it. */
static void quality_prefix(const cascade_model *a, const uint32_t *order, size_t k,
                           double *prefix)
{
    double sum = 0.0;
    prefix[0] = 0.0;
    for (size_t pos = 0; pos < k; pos++) {
        sum += per_sample_quality(a, order[pos]);
        prefix[pos + 1] = sum;
    }
}

static double cost_total(const cascade_model *a, const uint32_t *order, size_t k)
{
    double sum = 0.0;
    for (size_t pos = 0; pos < k; pos++)
        sum += per_sample_cost(a, order[pos]);
    return sum;
}

void per_sample_pair_sums(const cascade_model *a, const cascade_model *b,
                          const uint32_t *order, size_t k, size_t n_exit,
                          double *cost, double *quality)
{
    double quality_a = 0.0, cost_b = 0.0, quality_b = 0.0;
    for (size_t pos = 0; pos < n_exit; pos++)
        quality_a += per_sample_quality(a, order[pos]);
    for (size_t pos = k; pos-- > n_exit;) {
        cost_b += per_sample_cost(b, order[pos]);
        quality_b += per_sample_quality(b, order[pos]);
    }
    *cost = cost_total(a, order, k) + cost_b;
    *quality = quality_a + quality_b;
}

static int grow_prefix(worker *w, size_t k)
{
    if (k + 1 <= w->quality_prefix_capacity)
        return 1;
    double *grown = realloc(w->quality_prefix, (k + 1) * sizeof *grown);
    if (!grown)
        return 0;
    w->quality_prefix = grown;
    w->quality_prefix_capacity = k + 1;
    return 1;
}

/* One pair from the cheap end (every sample exits at a) to fewer and fewer
 * exits: the cost only rises along it (costs are >= 0), so a point is a
 * candidate when it beats every cheaper point of the pair, and the worker's
 * front reduces the rest. */
cascade_status sweep_per_sample_pair(worker *w, unsigned a, unsigned b)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *o = sweep_prep_of(w, a);
    if (!o || !grow_prefix(w, d->samples))
        return CASCADE_ERR_NOMEM;
    const cascade_model *ma = &d->models[a], *mb = &d->models[b];
    const uint32_t *order = o->order;
    size_t k = d->samples;
    int keep_all = w->shared->options->all_points != NULL;
    double *prefix = w->quality_prefix;
    quality_prefix(ma, order, k, prefix);
    double total_a = cost_total(ma, order, k);
    double cost_b = 0.0, quality_b = 0.0, best = -INFINITY;
    size_t pos = k;
    for (size_t g = o->groups; g-- > 0;) {
        size_t n_exit = o->group_end[g];
        for (; pos > n_exit; pos--) {
            cost_b += per_sample_cost(mb, order[pos - 1]);
            quality_b += per_sample_quality(mb, order[pos - 1]);
        }
        double quality = (prefix[n_exit] + quality_b) / (double)k;
        if (quality <= best && !keep_all)
            continue;
        if (quality > best)
            best = quality;
        double cost = (total_a + cost_b) / (double)k;
        if (sweep_add_pair_point(w, o, a, b, n_exit, cost, quality) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    w->stats.candidates += o->groups;
    return CASCADE_OK;
}

void sweep_free_per_sample_scratch(worker *w)
{
    free(w->quality_prefix);
    w->quality_prefix = NULL;
    w->quality_prefix_capacity = 0;
    free(w->sums);
    w->sums = NULL;
    w->sums_capacity = 0;
}

cascade_status sweep_check_per_sample(const cascade_dataset *dataset, unsigned stages,
                                      cascade_error *error)
{
    if (!cascade_dataset_per_sample(dataset))
        return CASCADE_OK;
    const char *path = dataset->manifest ? dataset->manifest->path : NULL;
    if (dataset->score != CASCADE_SCORE_ACCURACY && dataset->score != CASCADE_SCORE_QUALITY)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, path, -1, -1,
            "--score %s with per-sample costs is not swept (expected --score accuracy)",
            cascade_score_name(dataset->score));
    (void)stages; /* every length is swept */
    return CASCADE_OK;
}
