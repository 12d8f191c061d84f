/* Per-sample costs of a chain, and their nearest-rank percentiles. */
#include "cascade/cost_distribution.h"
#include "points/per_sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

cascade_status cascade_point_sample_costs(const cascade_dataset *dataset,
                                          const cascade_point *point, double *out,
                                          cascade_error *error)
{
    if (point->stages < 1 || point->stages > CASCADE_MAX_STAGES)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "a cascade has %u stages (expected 1 to %d)", point->stages, CASCADE_MAX_STAGES);
    for (unsigned s = 0; s < point->stages; s++)
        if (point->model[s] >= dataset->model_count ||
            dataset->models[point->model[s]].table_only)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "stage %u is not a model with per-sample scores (expected a chain of the "
                "dataset's scored models)", s + 1);
    for (size_t i = 0; i < dataset->samples; i++) {
        double paid = 0.0;
        for (unsigned s = 0; s < point->stages; s++) {
            const cascade_model *m = &dataset->models[point->model[s]];
            paid += per_sample_cost(m, i);
            if (s + 1 == point->stages || m->records.confidence[i] >= point->threshold[s])
                break;
        }
        out[i] = paid;
    }
    return CASCADE_OK;
}

static int ascending(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* The ceil(PERCENT n / 100)-th smallest of SORTED[n], in integers so that
 * p95 of 2,000 samples is exactly the 1,900th. */
static double nearest_rank(const double *sorted, size_t n, unsigned percent)
{
    size_t rank = (percent * n + 99) / 100;
    return sorted[rank ? rank - 1 : 0];
}

cascade_status cascade_cost_distribution_of(const double *cost, size_t count, double budget,
                                            cascade_cost_distribution *out,
                                            cascade_error *error)
{
    if (count == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "no samples (expected at least one cost)");
    double *sorted = malloc(count * sizeof *sorted);
    if (!sorted)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    memcpy(sorted, cost, count * sizeof *sorted);
    qsort(sorted, count, sizeof *sorted, ascending);
    out->p50 = nearest_rank(sorted, count, 50);
    out->p95 = nearest_rank(sorted, count, 95);
    out->p99 = nearest_rank(sorted, count, 99);
    out->over_budget = NAN;
    if (!isnan(budget)) {
        size_t over = 0;
        for (size_t i = 0; i < count; i++)
            over += cost[i] > budget;
        out->over_budget = (double)over / (double)count;
    }
    free(sorted);
    return CASCADE_OK;
}
