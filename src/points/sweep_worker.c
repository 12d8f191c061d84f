/* What a sweep worker knows: the front found so far, kept reduced and in
 * compact arrays for look-ups, and the bounds that let it skip chains. */
#include "points/sweep_internal.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

cascade_status sweep_worker_reduce(worker *w)
{
    w->reductions++;
    /* [0, reduced) is still the front the last reduce left */
    cascade_front_reduce_tail(&w->front, w->reduced);
    w->reduced = w->front.count;
    w->since_reduce = 0;
    if (w->reduced > w->reduced_capacity) {
        size_t capacity = 2 * w->reduced;
        double *cost = realloc(w->reduced_cost, capacity * sizeof *cost);
        if (cost)
            w->reduced_cost = cost;
        double *accuracy = realloc(w->reduced_accuracy, capacity * sizeof *accuracy);
        if (accuracy)
            w->reduced_accuracy = accuracy;
        if (!cost || !accuracy)
            return CASCADE_ERR_NOMEM;
        w->reduced_capacity = capacity;
    }
    for (size_t i = 0; i < w->reduced; i++) {
        w->reduced_cost[i] = w->front.points[i].cost;
        w->reduced_accuracy[i] = w->front.points[i].accuracy;
    }
    return CASCADE_OK;
}

cascade_status sweep_worker_add(worker *w, const cascade_point *p)
{
    cascade_front *all = w->shared->options->all_points;
    if (all && cascade_front_add(all, p) != CASCADE_OK)
        return CASCADE_ERR_NOMEM;
    if (cascade_front_add(&w->front, p) != CASCADE_OK)
        return CASCADE_ERR_NOMEM;
    /* Reduce once the unreduced tail outgrows the reduced part: amortised
     * O(n log n), and the reduced part is what skipping looks up. */
    if (++w->since_reduce >= REDUCE_EVERY && w->since_reduce >= w->reduced)
        return sweep_worker_reduce(w);
    return CASCADE_OK;
}

/* First index of COST[0..n) (ascending) that is >= C, or strictly > C when
 * STRICT. */
size_t sweep_lower_bound(const double *cost, size_t n, double c, int strict)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strict ? cost[mid] <= c : cost[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* True when a point found so far is strictly better than anything costing
 * at least COST with at most ACCURACY. */
int sweep_dominated(const worker *w, double cost, double accuracy)
{
    size_t at_most = sweep_lower_bound(w->reduced_cost, w->reduced, cost, 1), below = at_most;
    while (below && w->reduced_cost[below - 1] == cost)
        below--;
    return (at_most && w->reduced_accuracy[at_most - 1] > accuracy) ||
           (below && w->reduced_accuracy[below - 1] >= accuracy);
}

cascade_status sweep_joint_correct(const cascade_dataset *d, double *joint)
{
    size_t m = d->model_count, k = d->samples;
    double *block = malloc((size_t)JOINT_BLOCK * m * sizeof *block); /* [rows][m] */
    if (!block)
        return CASCADE_ERR_NOMEM;
    memset(joint, 0, m * m * sizeof *joint);
    /* One BLAS thread: a block is about a millisecond of work, and OpenBLAS's
     * own threads spin-wait between calls, so on a busy machine they turned a
     * 0.1 s product into 1.5 s. The caller's setting is put back after. */
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    for (size_t start = 0; start < k; start += JOINT_BLOCK) {
        size_t rows = k - start < JOINT_BLOCK ? k - start : JOINT_BLOCK;
        for (size_t i = 0; i < rows; i++)
            for (size_t j = 0; j < m; j++)
                block[i * m + j] = d->models[j].table_only ? 0.0
                                   : d->models[j].records.correct[start + i];
        /* joint += block^T block: counts are whole numbers, exact in double. */
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)m, (int)rows, 1.0,
                    block, (int)m, 1.0, joint, (int)m);
    }
    openblas_set_num_threads(blas_threads);
    free(block);
    return CASCADE_OK;
}

double sweep_joint_at(const sweep_shared *sh, unsigned a, unsigned b)
{
    size_t m = sh->dataset->model_count;
    return a < b ? sh->joint[a * m + b] : sh->joint[b * m + a];
}

/* Upper bound on the samples any stage gets right: exact for pairs; each
 * later stage adds at most what it gets right beyond its best overlap. */
double sweep_oracle_bound(const sweep_shared *sh, const uint16_t *chain, unsigned n)
{
    const cascade_model *models = sh->dataset->models;
    double bound = (double)models[chain[0]].records.correct_count;
    for (unsigned s = 1; s < n; s++) {
        double overlap = 0;
        for (unsigned r = 0; r < s; r++) {
            double j = sweep_joint_at(sh, chain[r], chain[s]);
            if (j > overlap)
                overlap = j;
        }
        bound += (double)models[chain[s]].records.correct_count - overlap;
    }
    return bound;
}
