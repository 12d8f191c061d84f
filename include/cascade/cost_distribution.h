/* cascade/cost_distribution.h: what each sample costs under a cascade, and
 * the distribution of it, not only its mean: with per-sample costs (token
 * prices, latencies) users ask for the p95 and for the share of requests
 * over a budget (docs/llm-routing.md).
 *
 * A sample's cost under a chain is the sum, in stage order, of its cost at
 * every stage it reaches (its per-sample cost where the model has them,
 * else the model's constant cost; overheads included): for latencies, the
 * serial latency of that request.
 *
 * Percentiles are nearest-rank: with the n costs sorted ascending, the p-th
 * percentile is the ceil(p n / 100)-th smallest (1-based), so it is always
 * one of the costs and at least p% of the samples cost no more.
 *
 * Ownership: plain values; cascade_point_sample_costs() fills a caller-owned
 * array.
 */
#ifndef CASCADE_COST_DISTRIBUTION_H
#define CASCADE_COST_DISTRIBUTION_H

#include <stddef.h>

#include "cascade/dataset.h"
#include "cascade/points.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_cost_distribution {
    double p50, p95, p99;  /* nearest-rank percentiles of the per-sample cost */
    double over_budget;    /* fraction of samples costing strictly more than the
                              budget; NaN when no budget was given */
} cascade_cost_distribution;

/* OUT[i] = sample i's cost under the chain of POINT (its stages, models and
 * thresholds), for every sample of DATASET: OUT holds dataset->samples. */
cascade_status cascade_point_sample_costs(const cascade_dataset *dataset,
                                          const cascade_point *point, double *out,
                                          cascade_error *error);

/* The distribution of COST[0..COUNT) (COUNT >= 1), with the fraction over
 * BUDGET (NaN: none). COST is left as it was. */
cascade_status cascade_cost_distribution_of(const double *cost, size_t count, double budget,
                                            cascade_cost_distribution *out,
                                            cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
