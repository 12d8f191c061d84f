/* Private to src/points: the sweep's shared state, split over
 * sweep.c (the driver: chains, work queue, threads), sweep_prepare.c (per
 * model: order, groups, grid), sweep_worker.c (a worker's front so far and
 * the bounds), sweep_pairs.c (exact pairs) and sweep_grid.c (longer chains
 * over the threshold grid). */
#ifndef CASCADE_POINTS_SWEEP_INTERNAL_H
#define CASCADE_POINTS_SWEEP_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cascade/score.h"
#include "cascade/sweep.h"
#include "points/sweep_limits.h"

enum {
    DEFAULT_GRID = 100,
    MAX_TABLE_CELLS = 1 << 24,     /* per channel, for chains of 3+ stages */
    REDUCE_EVERY = 1 << 14,        /* worker candidates between front reductions */
    PREFETCH_ROWS = 32,            /* rows of the correctness matrix fetched ahead */
    FLOOR_EVERY = 256,             /* groups between raising the pairs' floors */
    SWEEP_ROW_PAD = 32             /* bytes past the correctness matrix, read, never used */
};

/* The radix sort's working memory, kept by a thread from one model to the
 * next: fresh megabytes per model cost a page fault per 4 KB. */
typedef struct sort_pair {
    uint64_t key;
    uint32_t index;
} sort_pair;
typedef struct sort_scratch {
    uint64_t *items;      /* [2 * capacity] */
    sort_pair *run;       /* [capacity] */
    size_t capacity;
} sort_scratch;

typedef struct model_prep {
    uint32_t *order;      /* [samples] sample indices by confidence, descending */
    uint8_t *sorted_correct; /* [samples] correct[order[pos]] */
    uint32_t *group_end;  /* [groups] n_exit after each run of equal confidence, < samples */
    size_t groups;
    double *grid;         /* [grid_size] grid thresholds, descending */
    uint32_t *grid_exit;  /* [grid_size] samples exiting at each grid threshold */
    unsigned grid_size;
    uint16_t *bin;        /* [samples] number of grid thresholds the sample reaches */
} model_prep;

typedef struct chain_list {
    uint16_t *models;     /* [count][length] */
    size_t count;
    unsigned length;
} chain_list;

typedef struct sweep_shared {
    const cascade_dataset *dataset;
    const cascade_sweep_options *options;
    /* cascade_dataset_per_sample(dataset), asked once: it loops over the
     * models, and a chain's dispatch must not */
    int per_sample;
    model_prep *prep;     /* [model_count] */
    double *joint;        /* [model_count][model_count] samples correct for both, upper part */
    /* For chains of 3+ stages, fraction[r] = r / samples: a grid point's
     * cost then takes no division, and is the same quotient that
     * cascade_chain_cost() computes. NULL for pairs alone. */
    double *fraction;     /* [samples + 1] */
    /* For chains of 3+ stages, model m's rarer outcome: the samples it gets
     * wrong (rare_wrong[m]) or right, whichever are fewer, at
     * rare[rare_start[m] .. rare_start[m + 1]). A chain's last stage counts
     * only those, and takes the rest from the cell counts. */
    uint32_t *rare;
    size_t *rare_start;   /* [model_count + 1] */
    uint8_t *rare_wrong;  /* [model_count] */
    chain_list *lists;    /* [max_stages + 1], index = chain length */
    uint8_t *by_sample;   /* [samples][columns] correctness, columns = candidates by cost */
    size_t columns;
    uint32_t *column;     /* [model_count] column of a candidate model */
    /* gain[(a * model_count + b) * (gain_steps + 1) + q]: samples b gets
     * right and a wrong among the n_q = q k / gain_steps least confident of
     * a (b costlier than a). NULL unless chains of 3+ stages are bounded. */
    uint32_t *gain;
    unsigned gain_steps;
    unsigned max_stages;
    unsigned list_end;    /* the last chain length this run of workers takes */
    size_t total_chains;
    /* the work queue and progress, under lock */
    pthread_mutex_t lock;
    unsigned list_index;
    size_t next_chain;
    size_t chains_done;
    size_t last_report;
    cascade_status status;
} sweep_shared;

/* A pair's point as the batched walk finds it, 32 bytes where a
 * cascade_point is 176: most are beaten before the next reduction, which
 * makes points only of the rest (sweep_worker_add_pair()). Its thresholds
 * are read then too, from the samples named: reading a's confidences at
 * random for every point found was 3% of a sweep of 200 models. */
typedef struct pair_found {
    double cost, accuracy;
    uint32_t n_exit;
    uint16_t a, b;
    uint32_t exiting, staying; /* the samples of a's lowest exiting and highest staying confidence */
} pair_found;

typedef struct worker {
    sweep_shared *shared;
    cascade_front front;  /* local candidates; [0, reduced) is a reduced front */
    pair_found *found;    /* pair points not yet in FRONT: the reduction moves them */
    size_t found_count, found_capacity;
    size_t reduced;
    double *reduced_cost; /* [reduced] the reduced front's costs and accuracies, */
    double *reduced_accuracy; /* compact for the walks in sweep_pair */
    size_t reduced_capacity;
    size_t reductions;    /* how many times the front was reduced: stale walks */
    /* cheap[key - cheap_first]: the best accuracy of the reduced front
     * strictly below the costs of that key (cost_key()), for an O(1) first
     * test of a grid chain's many points */
    double *cheap;
    size_t cheap_count, cheap_capacity;
    uint64_t cheap_first;
    /* cheap_right[i + 1]: the right answers (of sh->samples) below which
     * cheap[i] beats a point, for the same test in integers, and
     * cheap_right[0] = 0; unset without sh->fraction (pairs alone) */
    uint32_t *cheap_right;
    /* above[key - above_first]: at least the best accuracy of the reduced
     * front at costs whose fine key (sweep_fine_cost_key()) is at most
     * that key, and the accuracy of a point found there; points added
     * since the reduction raise it (raise_above()). A point more accurate
     * is on the front so far, no walk needed (see sweep_clearly_ahead()).
     * above_count = 0: no table. */
    double *above;
    int32_t *above_right; /* floor(above[i] * samples): right answers */
    size_t above_count, above_capacity;
    uint64_t above_first;
    /* first-stage scratch, [columns] each */
    int32_t *suffix, *best;
    uint8_t *pending;
    uint32_t *hot;
    struct front_walk *walks;
    size_t scratch_columns;
    size_t since_reduce;
    int scouted;          /* the first walk of pairs was scouted (sweep_pairs.c) */
    cascade_sweep_stats stats;
    /* a first stage's preparation made by this worker (see sweep_prep_of) */
    model_prep own_prep;
    unsigned own_prep_model;
    sort_scratch own_scratch;
    /* scratch */
    uint32_t *table;      /* [cells][channels] for grid chains, then the last stage's */
    size_t table_capacity;
    uint32_t *cell_of;    /* [samples] each sample's cell for the prefix below */
    size_t cell_capacity;
    uint16_t prefix[CASCADE_MAX_STAGES]; /* the chain prefix the table holds */
    unsigned prefix_length; /* 0: none */
    struct grid_point *points;
    size_t points_capacity;
    /* what a three-stage prefix gives every combination, whatever the last
     * stage (see three_stage_rows() in sweep_grid.c) */
    struct three_stage_rows {
        uint32_t *right;   /* [cells] right by the first two stages */
        uint32_t *reached; /* [cells] samples reaching the last stage */
        double *reached_fraction; /* [cells] the same / samples */
        double *cost;      /* [extent[0]] the first two stages' cost */
        uint32_t *column;  /* [extent[0]] scratch of the AVX2 walk */
        size_t capacity, row_capacity; /* cells, and extent[0]; padding apart */
    } rows;
    /* sweep_score.c's scratch */
    cascade_confusion confusion;
    struct score_point *score_points;
    size_t score_points_capacity;
    /* sweep_per_sample.c's scratch: [samples + 1] first-stage quality prefix */
    double *quality_prefix;
    size_t quality_prefix_capacity;
    /* sweep_per_sample_grid.c's [cells][channels] sums of costs and qualities */
    double *sums;
    size_t sums_capacity;
    cascade_status status;
} worker;

/* A grid combination scored by other means than counts of right answers
 * (sweep_score.c, sweep_per_sample_grid.c). */
typedef struct score_point {
    double cost;
    double score;
    uint32_t index;       /* the threshold combination, mixed radix */
} score_point;

typedef struct grid_point {
    double cost;
    uint32_t correct;
    uint32_t index;       /* the threshold combination, mixed radix */
} grid_point;

/* Where one pair's walk stands in the worker's reduced front: the reduced
 * front is sorted by cost, and a pair's points come in rising cost, so the
 * look-ups advance instead of searching afresh. */
typedef struct front_walk {
    size_t at_most;    /* points with cost <= the current cost */
    size_t below;      /* points with cost < the current cost */
    size_t reductions; /* w->reductions when the positions were found */
} front_walk;

/* sweep_prepare.c */
void sweep_free_scratch(sort_scratch *s);
/* SCRATCH may be NULL (then the sort allocates its own). */
cascade_status sweep_prepare_model(const cascade_records *r, unsigned grid, model_prep *out,
                                   sort_scratch *scratch);
void sweep_free_prep(model_prep *p);
/* The first group whose end (samples exiting) is >= TARGET; p->groups when none. */
size_t sweep_group_at_or_after(const model_prep *p, double target);
/* The group end nearest to TARGET (the lower one on a tie); p->groups > 0. */
uint32_t sweep_nearest_group_end(const model_prep *p, double target);
/* Fills p->bin[0..k) from p->order and the grid's exits (ascending). */
void sweep_grid_bins(model_prep *p, size_t k);
/* The threshold that lets exactly N samples (N at a group end) exit. */
double sweep_threshold_for_exits(const cascade_records *r, const model_prep *p, size_t n);

/* sweep_worker.c */
cascade_status sweep_worker_add(worker *w, const cascade_point *p);
/* *P = the point of pair FOUND, its second threshold the highest staying
 * confidence until sweep_finish_pair_thresholds(). */
void sweep_pair_point(const cascade_dataset *d, const pair_found *found, cascade_point *p);
/* As sweep_add_pair_point(), kept compact until the next reduction (or
 * sweep_worker_flush()); not for a sweep that keeps every point. */
cascade_status sweep_worker_add_pair(worker *w, const pair_found *found);
/* Moves the pair points kept compact into W->front, for reading it whole. */
cascade_status sweep_worker_flush(worker *w);
/* Releases everything a worker holds (not the worker itself). */
void sweep_worker_free(worker *w);
cascade_status sweep_worker_reduce(worker *w);
/* First index of COST[0..n) (ascending) that is >= C, or > C when STRICT. */
size_t sweep_lower_bound(const double *cost, size_t n, double c, int strict);
/* True when a point found so far is strictly better than anything costing
 * at least COST with at most ACCURACY. */
int sweep_dominated(const worker *w, double cost, double accuracy);
/* A positive cost's bucket: the top bits of the double, all but the lowest
 * DROP, plus 1 (52 - DROP mantissa bits: 2^(52 - DROP) buckets an octave);
 * 0 for costs <= 0. Orders like the cost. */
static inline uint64_t sweep_cost_bucket(double cost, unsigned drop)
{
    if (!(cost > 0))
        return 0;
    uint64_t bits;
    memcpy(&bits, &cost, sizeof bits);
    return (bits >> drop) + 1;
}

/* A cost's bucket: costs within 1/256 of an octave share one. */
static inline uint64_t sweep_cost_key(double cost)
{
    return sweep_cost_bucket(cost, 44);
}

/* A cost's fine bucket: 1/4096 of an octave. */
static inline uint64_t sweep_fine_cost_key(double cost)
{
    return sweep_cost_bucket(cost, 40);
}

/* True only when sweep_dominated() is false, in O(1), and missing some: no
 * point of the reduced front in COST's fine bucket or a cheaper one is as
 * accurate, so none that costs at most COST is. Most pair points the walks
 * find are new to the front, and this spares their walk along it. */
static inline int sweep_clearly_ahead(const worker *w, double cost, double accuracy)
{
    if (w->above_count == 0)
        return 0;
    uint64_t key = sweep_fine_cost_key(cost);
    if (key < w->above_first)
        return 1; /* every point of the front costs more */
    size_t i = key - w->above_first;
    return accuracy > w->above[i < w->above_count ? i : w->above_count - 1];
}

/* True only when sweep_dominated() is, but in O(1) and missing some: a point
 * of the reduced front in a lower cost bucket is more accurate. Inline: the
 * grid chains ask it of every one of their combinations. */
static inline int sweep_cheaply_beaten(const worker *w, double cost, double accuracy)
{
    if (w->cheap_count == 0)
        return 0;
    uint64_t key = sweep_cost_key(cost);
    if (key < w->cheap_first)
        return 0;
    size_t i = key - w->cheap_first;
    /* past the last bucket: every point of the front is cheaper */
    double best = i < w->cheap_count ? w->cheap[i] : w->cheap[w->cheap_count - 1];
    return best > accuracy;
}
cascade_status sweep_joint_correct(const cascade_dataset *d, double *joint);
/* The same in pieces, for threads: words per model of the correctness bits
 * ([model_count][words]), model J's row of them, and joint's row A (b >= A)
 * from all the bits. */
size_t sweep_joint_words(const cascade_dataset *d);
void sweep_joint_bits_row(const cascade_dataset *d, size_t j, uint64_t *bits);
void sweep_joint_row(const cascade_dataset *d, size_t a, const uint64_t *bits, double *joint);
double sweep_joint_at(const sweep_shared *sh, unsigned a, unsigned b);
/* Upper bound on the samples any stage of CHAIN[0..n) gets right. */
double sweep_oracle_bound(const sweep_shared *sh, const uint16_t *chain, unsigned n);
/* Fills sh->gain for the candidate models IDS[0..n) (by cost), or leaves it
 * NULL when it would not fit its memory budget. */
cascade_status sweep_gain_table(sweep_shared *sh, const uint16_t *ids, size_t n);
/* True when no point of CHAIN[0..n) (n >= 2) can reach the front W has
 * found: along a's order, the chain's points are bounded by a's right
 * answers plus what the later stages get right where a is wrong, at no less
 * than the first two stages' cost. */
int sweep_gain_beaten(const worker *w, const uint16_t *chain, unsigned n);

/* sweep_pairs.c */
cascade_status sweep_pair(worker *w, unsigned a, unsigned b);
int sweep_first_stage(worker *w, const uint16_t *pairs, size_t count, int skip);
/* Pair points carry the two confidences around the exit count until this
 * puts the real threshold between them. */
void sweep_finish_pair_thresholds(cascade_front *front);
/* A's preparation for its pairs: the shared one, or (when the sweep leaves
 * first stages to be prepared as their pairs come up) the worker's own,
 * made now. NULL when out of memory. */
const model_prep *sweep_prep_of(worker *w, unsigned a);

/* sweep.c */
/* A chain of 3+ stages over the grids of SHARED->prep, by the dataset's score. */
cascade_status sweep_grid_chain_scored(worker *w, const uint16_t *chain, unsigned n);
unsigned sweep_thread_count(const cascade_sweep_options *o);

/* refine.c */
/* Refines FRONT (reduced, pair thresholds final) around its chains of 3+
 * stages, with the orders of BASE->prep ([model_count], groups and order
 * filled for every model of such a chain) and BASE's fraction and rare
 * outcomes; BASE->options gives the grid and the threads. */
cascade_status sweep_refine_front(const sweep_shared *base, cascade_front *front,
                                  cascade_sweep_stats *stats);

/* sweep_shard.c */
/* Estimated work of a group of CHAINS chains of LENGTH stages that share
 * their first LENGTH - 1 models, in nanoseconds of one core (see the cost
 * model in sweep_shard.c). */
uint64_t sweep_group_work(size_t samples, unsigned length, size_t chains, unsigned grid);
/* Keeps in sh->lists only the chains of the options' shard (all of them
 * when unsharded), adding the counts and estimated work to STATS. */
cascade_status sweep_shard_lists(sweep_shared *sh, unsigned grid, cascade_sweep_stats *stats);
/* Adds to FRONT the seed points (options->seed) that are pairs the sweep
 * searches, as the pair sweep finds them; counts the used and ignored. */
cascade_status sweep_add_seed(const cascade_dataset *d, const cascade_sweep_options *o,
                              cascade_front *front, cascade_sweep_stats *stats);

/* sweep_grid.c */
cascade_status sweep_grid_chain(worker *w, const uint16_t *chain, unsigned n);
/* For tests: three-stage chains take at most the walk WIDEST even where
 * the CPU has a wider one (the default: the widest it has). All give the
 * same points. */
typedef enum sweep_walk { SWEEP_WALK_PLAIN, SWEEP_WALK_AVX2, SWEEP_WALK_AVX512 } sweep_walk;
void sweep_grid_widest_walk(sweep_walk widest);
/* Fills sh->fraction and the rare outcomes; freed by sweep_grid_free(). */
cascade_status sweep_grid_prepare(sweep_shared *sh);
void sweep_grid_free(sweep_shared *sh);
/* The table over the bins of a chain's first n - 1 stages: axis s has
 * extent G_s + 2 (prefix index 0..G_s + 1) and stride the product of the
 * extents before it; after[s] is the offset of "any bin" on every axis
 * after s. combos = prod G_s, 0 when a stage has one confidence value (it
 * cannot split). CASCADE_ERR_ARGUMENT when the cells exceed MAX_TABLE_CELLS. */
typedef struct grid_shape {
    size_t extent[CASCADE_MAX_STAGES], stride[CASCADE_MAX_STAGES], after[CASCADE_MAX_STAGES];
    size_t cells, combos;
} grid_shape;
cascade_status sweep_grid_shape(const model_prep *prep, const uint16_t *chain, unsigned n,
                                grid_shape *out);
/* W's table holding at least CELLS counts; 0 when out of memory. */
int sweep_grow_table(worker *w, size_t cells);
/* The next combination J[0..DIMS) (each j_s in 1..G_s, stage 1 fastest). */
static inline void sweep_grid_next(const model_prep *prep, const uint16_t *chain, unsigned dims,
                                   unsigned *j)
{
    for (unsigned s = 0; s < dims; s++) {
        if (++j[s] <= prep[chain[s]].grid_size)
            break;
        j[s] = 1;
    }
}
/* Prefix sums of a [cells][channels] table along each of DIMS axes. */
void sweep_prefix_sums(uint32_t *table, unsigned channels, unsigned dims,
                       const size_t *extent, const size_t *stride, size_t cells);
/* The point of combination INDEX (mixed radix, stage 1 fastest): its
 * models, grid thresholds and answered fractions, read from the prefix
 * table TABLE ([cells][channels], channel 0 the sample count); the score
 * and cost are left 0. */
void sweep_grid_decode(const worker *w, const uint16_t *chain, unsigned n,
                       const grid_shape *shape, const uint32_t *table, unsigned channels,
                       size_t index, cascade_point *p);

/* sweep_score.c: the same sweeps for scores other than accuracy (mcc, f1,
 * macro_f1), from confusion counts; no bound skips a chain. */
cascade_status sweep_score_pair(worker *w, unsigned a, unsigned b);
/* Two-class scores only (sweep_check_score refuses the rest first). */
cascade_status sweep_score_grid_chain(worker *w, const uint16_t *chain, unsigned n);
void sweep_free_score_scratch(worker *w);
/* W's score_points holding at least COUNT; 0 when out of memory. */
int sweep_grow_score_points(worker *w, size_t count);
/* Adds to W's front the points of W->score_points[0..COUNT) that beat every
 * cheaper one of them (all with --points all), each decoded from its index
 * with TABLE, the prefix-summed [cells][CHANNELS] counts whose channel 0 is
 * the sample count (sweep_grid_decode). */
cascade_status sweep_add_scored_combos(worker *w, const uint16_t *chain, unsigned n,
                                       const grid_shape *shape, const uint32_t *table,
                                       unsigned channels, size_t count);
/* A pair point with the top N_EXIT samples of a's order O exiting at a. */
cascade_status sweep_add_pair_point(worker *w, const model_prep *o, unsigned a, unsigned b,
                                    size_t n_exit, double cost, double score);

/* sweep_per_sample.c: exact pairs with per-sample costs and graded quality
 * (cascade_dataset_per_sample()); no bound skips a chain. */
cascade_status sweep_per_sample_pair(worker *w, unsigned a, unsigned b);
/* sweep_per_sample_grid.c: chains of 3+ stages over the grid, the same way. */
cascade_status sweep_per_sample_grid_chain(worker *w, const uint16_t *chain, unsigned n);
void sweep_free_per_sample_scratch(worker *w);
/* CASCADE_ERR_ARGUMENT naming what a sweep of DATASET with per-sample
 * inputs cannot do (scores other than accuracy and quality); CASCADE_OK
 * otherwise, and always for datasets without them. STAGES: the longest
 * chain asked for. */
cascade_status sweep_check_per_sample(const cascade_dataset *dataset, unsigned stages,
                                      cascade_error *error);

#endif
