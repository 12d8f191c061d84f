/* cascade/bootstrap.h: percentile bootstrap intervals for the accuracy and
 * cost of operating points.
 *
 * Each of B resamples draws k samples with replacement from the dataset's
 * k samples. Resample b (0-based) has its own splitmix64 stream, started
 * from SEED ^ (0xd1b54a32d192ed03 * (b + 1)), so results do not depend on
 * the thread count; each output gives two 32-bit values (low half first),
 * and a value x becomes a sample index by Lemire's unbiased multiply-shift:
 * (x k) >> 32, drawing again while the low 32 bits of x k are below
 * 2^32 mod k. Every point is measured on the same resamples. A point's accuracy and cost on a
 * resample follow from how many resampled samples each stage answered
 * correctly and how many reached each stage, so each point's per-sample
 * outcomes are computed once and the counts for all points and a block of
 * resamples come from one matrix product (resample multiplicities x
 * per-sample indicators): exact integer counts, so a resample that repeats
 * the data reproduces the point's figures bit for bit.
 *
 * The interval is the 2.5th and 97.5th percentile of the B values, each by
 * linear interpolation between order statistics: with v sorted ascending
 * and h = q (B - 1), the q-quantile is v[floor h] + (h - floor h) (v[floor h
 * + 1] - v[floor h]) (NumPy's default).
 *
 * Ownership: results go into caller-owned arrays.
 */
#ifndef CASCADE_BOOTSTRAP_H
#define CASCADE_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/dataset.h"
#include "cascade/points.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_interval {
    double accuracy_lo, accuracy_hi;
    double cost_lo, cost_hi;   /* all NaN for a table-only model, which has no samples */
} cascade_interval;

typedef struct cascade_bootstrap_options {
    unsigned resamples;        /* B; 0 means 1000 */
    uint64_t seed;
    double level;              /* the interval's coverage; 0 means 0.95 */
    unsigned threads;          /* 0 means one per online CPU */
} cascade_bootstrap_options;

/* Intervals for POINTS[0..COUNT-1] (models and thresholds as in DATASET,
 * which must have labels, fewer than 2^24 samples and the accuracy score:
 * other scores are refused with CASCADE_ERR_ARGUMENT) into OUT[COUNT]. */
cascade_status cascade_bootstrap(const cascade_dataset *dataset, const cascade_point *points,
                                 size_t count, const cascade_bootstrap_options *options,
                                 cascade_interval *out, cascade_error *error);

/* The K sample indices resample B (0-based) draws, in draw order, into
 * INDEX[K] (K < 2^32): the same resample cascade_bootstrap() counts, for
 * figures that need the samples themselves. */
void cascade_bootstrap_resample(uint64_t seed, size_t b, size_t k, size_t *index);

/* The Q-quantile (0 <= Q <= 1) of SORTED[0..N-1] as described above. */
double cascade_quantile_sorted(const double *sorted, size_t n, double q);

#ifdef __cplusplus
}
#endif

#endif
