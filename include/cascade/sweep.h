/* cascade/sweep.h: the threshold sweep over all single models and chains.
 *
 * Chains are models in strictly increasing cost. Pairs are swept exactly: for a first stage a and a costlier second stage b,
 * every threshold that changes the outcome (every distinct confidence of a)
 * is a candidate. The work is one sort per model, O(k log k), plus O(k) per
 * pair. Only the points of each chain's own front are kept as candidates,
 * which cannot remove a point of the overall front.
 *
 * Thresholds are placed between adjacent distinct confidences (the shortest
 * decimal of at least 9 significant digits inside the gap), so re-applying
 * conf >= t reproduces a point even when another implementation computes the
 * confidences slightly differently.
 *
 * Ownership: cascade_sweep() fills a caller-owned cascade_front (see
 * cascade/front.h) that the caller releases with cascade_front_free().
 */
#ifndef CASCADE_SWEEP_H
#define CASCADE_SWEEP_H

#include <stddef.h>

#include "cascade/dataset.h"
#include "cascade/front.h"
#include "cascade/points.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_sweep_options {
    unsigned max_stages;       /* longest chain searched, 1..CASCADE_MAX_STAGES; 0 means 2 */
    unsigned grid;             /* thresholds per stage for chains of 3+ stages; 0 means 100 */
    const unsigned char *candidates; /* [model_count]: nonzero = may take part; NULL = all */
    int front_only;            /* chains of 3+ stages use only models on the single-model front */
    int no_skip;               /* sweep every chain, even one whose bound cannot reach the front */
    unsigned threads;          /* worker threads; 0 means one per online CPU */
    cascade_front *all_points; /* when not NULL, also receives every candidate point, unreduced
                                  (this turns skipping off and runs one thread) */
    cascade_progress_fn progress; /* called now and then with chains done / total */
    void *progress_context;
    /* Before the chains of each length of 3+ stages: a few of them are timed
     * and ESTIMATE is called with the length, the chain count and the
     * seconds all of them would take on the sweep's threads, an upper bound
     * (chains skipped by the bounds and tables shared by chains with the
     * same first stages make it shorter). NULL: no estimate is made. */
    void (*estimate)(void *context, unsigned length, size_t chains, double seconds);
    void *estimate_context;
    /* With an estimate over MAX_SECONDS (> 0), the sweep stops before those
     * chains with CASCADE_ERR_STOPPED and leaves FRONT empty. 0: no limit. */
    double max_seconds;
    /* Sharding: with SHARD_COUNT >= 2, sweep only the chains (of 2+ stages)
     * of shard SHARD_INDEX (0-based), a deterministic share balanced by
     * estimated work (cascade_sweep_work()). Single models are in every
     * shard. The union of the shards' fronts, reduced, is the unsharded
     * front point for point. Not with ALL_POINTS or ensembles. */
    unsigned shard_index, shard_count;
    /* Known operating points to skip chains with from the start, such as
     * the front of a first pass over singles and pairs (read back by
     * cascade_front_table_load): only their stages, models and thresholds
     * are used. Each pair the sweep itself searches is re-evaluated on
     * DATASET and put at the threshold the sweep would give it, so the
     * result is the same as without SEED; other points (3+ stages, models
     * that are not candidates) are left out. NULL: none. */
    const cascade_front *seed;
    /* After the grid pass, chains of 3+ stages on the front are searched
     * again on finer thresholds around each of their points, until the
     * front stops moving (cascade_sweep_refine()); NO_REFINE turns that off.
     * A shard (SHARD_COUNT >= 2) never refines: its front is not the whole
     * front, so refine the merged one. Data with per-sample costs or graded
     * qualities (cascade_dataset_per_sample()) keeps its grid front. */
    int no_refine;
} cascade_sweep_options;

typedef struct cascade_sweep_stats {
    size_t chains_swept;       /* chains of two or more stages evaluated */
    size_t chains_skipped;     /* chains whose oracle bound could not reach the front */
    size_t candidates;         /* operating points considered */
    size_t chains_total;       /* chains of two or more stages in the whole search */
    size_t chains_assigned;    /* of them, those of this shard (all when unsharded) */
    double work_total;         /* estimated work of all chains, in nanoseconds of one
                                  core of the machine the cost model was measured on */
    double work_assigned;      /* of it, this shard's */
    size_t seed_used;          /* seed points re-evaluated and used for skipping */
    size_t seed_ignored;       /* seed points left out (see OPTIONS->seed) */
    size_t refine_rounds;      /* rounds of refinement run */
    size_t refine_evaluations; /* chains evaluated on refined thresholds */
    size_t refine_candidates;  /* threshold combinations they covered */
    size_t refine_added;       /* points of the front that refinement found */
} cascade_sweep_stats;

/* Sweeps DATASET (which must have labels, unless every scored model has a
 * graded quality) and leaves the reduced Pareto
 * front in FRONT (initialised by the caller). Single models and pairs are
 * exact; chains of three or more stages use, per stage, GRID thresholds at
 * quantiles of that model's confidences, all G^(n-1) combinations evaluated
 * from prefix-summed count tables in O(k + G^(n-1)) per chain (the tables of
 * the first n - 1 stages shared by the chains that have them). A chain is
 * skipped, never changing the front, when a point already found is strictly
 * better than the chain's bound: its oracle accuracy (a sample counts as
 * correct if any stage is, bounded from the pairwise joint-correct counts,
 * popcounts of the models' correctness bits) at its first model's cost; or, for 3+ stages, along the first
 * model's order, its right answers plus what the later stages get right
 * where it is wrong, at the cost of sending that many samples to the second
 * stage. Chains are searched one length at a time, each length starting
 * from the whole front of the shorter ones. OPTIONS and STATS may be NULL.
 * With per-sample costs or graded qualities (cascade_dataset_per_sample()),
 * pairs are walked over prefix sums of costs and qualities and longer
 * chains over per-cell sums (docs/llm-routing.md), by accuracy or quality
 * only, and no chain is skipped. */
cascade_status cascade_sweep(const cascade_dataset *dataset,
                             const cascade_sweep_options *options,
                             cascade_front *front, cascade_sweep_stats *stats,
                             cascade_error *error);

/* Refines FRONT, the front of a sweep of DATASET with OPTIONS (as
 * cascade_sweep() leaves it without refinement, or as the merge of its
 * shards gives it; only its points are used): around each point of 3+
 * stages, every stage but the last gets the group ends (the exits of a
 * threshold between two distinct confidences) within a window as wide as
 * the grid's spacing on either side, all of them when few, else evenly
 * spaced ones, and all their combinations are evaluated as the grid's are.
 * The new points join FRONT; the next round searches around the points it
 * gained, in windows REFINE_NARROWING (8) times narrower, down to the width
 * where every group end in them is searched, until a round gains none. The
 * result depends only on FRONT and DATASET (not on OPTIONS->threads, which
 * it uses, nor on the order of the work). STATS (may be NULL) receives the
 * refine_* counts; its other fields are left alone. With per-sample costs or
 * graded qualities it returns CASCADE_OK and leaves FRONT as it is. */
cascade_status cascade_sweep_refine(const cascade_dataset *dataset,
                                    const cascade_sweep_options *options, cascade_front *front,
                                    cascade_sweep_stats *stats, cascade_error *error);

/* Sweeps exactly one chain, MODELS[0..STAGES-1] of DATASET in that order
 * (2 <= STAGES <= CASCADE_MAX_STAGES; the order is taken as given, costs
 * need not rise): a pair at every distinct threshold, a longer chain over
 * the grid of GRID thresholds per stage (0 means 100). Adds the points of
 * the chain's own front to OUT, unreduced. For callers that build their
 * own per-stage records, such as ensembles. */
cascade_status cascade_sweep_chain(const cascade_dataset *dataset, const unsigned *models,
                                   unsigned stages, unsigned grid, cascade_front *out,
                                   cascade_error *error);

/* The grid a chain of 3+ stages uses for a model with these records: up to
 * GRID thresholds, descending, each between two adjacent distinct
 * confidences, letting about g k / (GRID + 1) samples exit for g = 1..GRID
 * (duplicates dropped). OUT holds GRID values; *COUNT receives how many. */
cascade_status cascade_grid_thresholds(const cascade_records *records, unsigned grid,
                                       double *out, unsigned *count);

/* A threshold t with lower < t <= upper (lower may be -INFINITY): the
 * shortest decimal with at least 9 significant digits near the middle of
 * the gap, or upper itself when the gap holds no other double. */
double cascade_threshold_between(double lower, double upper);

#ifdef __cplusplus
}
#endif

#endif
