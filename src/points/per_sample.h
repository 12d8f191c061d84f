/* Private to src/points: a model's cost and quality of one sample where
 * per-sample inputs are in play (cascade_dataset_per_sample()), and the sums
 * of a pair that the per-sample sweep (sweep_per_sample.c) and
 * cascade_evaluate() share, so that they agree bit for bit. */
#ifndef CASCADE_POINTS_PER_SAMPLE_H
#define CASCADE_POINTS_PER_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/dataset.h"

/* Its per-sample cost, or its constant cost (both with the overhead in). */
static inline double per_sample_cost(const cascade_model *m, size_t i)
{
    return m->records.sample_cost ? m->records.sample_cost[i] : m->cost;
}

/* Its graded quality, or 1 when its prediction is right and 0 when not. */
static inline double per_sample_quality(const cascade_model *m, size_t i)
{
    return m->records.quality ? m->records.quality[i] : (double)m->records.correct[i];
}

/* The summed cost and quality of pair (A, B) over K samples with the top
 * N_EXIT of ORDER (A's samples by confidence, descending, ties by index)
 * exiting at A: the sums of sweep_per_sample.c, term by term in its order.
 * The caller divides by K. */
void per_sample_pair_sums(const cascade_model *a, const cascade_model *b,
                          const uint32_t *order, size_t k, size_t n_exit,
                          double *cost, double *quality);

#endif
