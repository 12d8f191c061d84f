/* Refinement of the front's chains of 3+ stages.
 *
 * The grid puts each stage's thresholds at quantiles of its own
 * confidences, and grids of different sizes are not nested: a front point
 * of a chain can sit next to a better one that the grid steps over. So,
 * after the grid pass, every front point of 3+ stages is searched again on
 * a finer set of thresholds around its own: per stage, the group ends (the
 * exit counts that a threshold between two distinct confidences gives)
 * within a window of exits around the point's, all of them when they are
 * few, else evenly spaced ones. The windows start as wide as the grid's
 * spacing, so that they reach the neighbouring grid thresholds, and narrow
 * by REFINE_NARROWING a round, each round around every point of 3+ stages,
 * down to the width where every group end in them is taken; then rounds
 * go on around the points that the round before added, until one adds
 * none. The first round also extends the front's pairs into the 3-stage
 * chains of the front that hold them (pair_targets).
 *
 * Every combination is evaluated by the grid's own machinery
 * (sweep_grid_chain_scored over per-stage lists given as a model_prep), so
 * points carry the same score and costs, and cascade_evaluate() reproduces
 * them. What is searched depends only on the front a round starts from and
 * on the data; pruning by the front only drops points strictly beaten, and
 * the reduce breaks ties canonically: so the refined front is a function of
 * the grid front and the data alone, whatever the threads or their order. */
#include "points/sweep_internal.h"

#include <stdlib.h>
#include <string.h>

enum {
    REFINE_COMBOS = 225,         /* threshold combinations around one point, at most */
    REFINE_MAX_COMBOS = 1 << 16, /* one evaluation of a union of windows, unless of one point */
    REFINE_MAX_ROUNDS = 32,
    REFINE_NARROWING = 8,
    REFINE_FINEST = 7,           /* half-width in exits where 3 stages' 15 values take
                                    every group end */
    REFINE_MAX_THREADS = 64
};

/* One front point to refine around: its chain and each stage's exits. */
typedef struct refine_target {
    unsigned stages;
    uint16_t model[CASCADE_MAX_STAGES];
    uint32_t exits[CASCADE_MAX_STAGES - 1];
} refine_target;

static int by_chain(const refine_target *a, const refine_target *b)
{
    if (a->stages != b->stages)
        return a->stages < b->stages ? -1 : 1;
    return memcmp(a->model, b->model, a->stages * sizeof *a->model);
}

static int by_chain_then_exits(const void *pa, const void *pb)
{
    const refine_target *a = pa, *b = pb;
    int c = by_chain(a, b);
    if (c)
        return c;
    for (unsigned s = 0; s + 1 < a->stages; s++)
        if (a->exits[s] != b->exits[s])
            return a->exits[s] < b->exits[s] ? -1 : 1;
    return 0;
}

static int by_value(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return a < b ? -1 : a > b;
}

/* The odd number of values per stage whose combinations over the n - 1
 * thresholds stay within REFINE_COMBOS. */
static unsigned values_per_stage(unsigned stages)
{
    unsigned v = 3;
    for (;;) {
        size_t combos = 1;
        for (unsigned s = 0; s + 1 < stages; s++)
            combos *= v + 2;
        if (combos > REFINE_COMBOS)
            return v;
        v += 2;
    }
}

/* Samples whose confidence reaches T: the exits a threshold T gives. */
static uint32_t exits_at(const cascade_records *r, const model_prep *p, double t)
{
    size_t lo = 0, hi = r->samples;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->confidence[p->order[mid]] >= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

/* Appends to OUT the group ends of P within HALF of EXIT: all of them when
 * there are at most VALUES, else VALUES evenly spaced ones. */
static void add_window(const model_prep *p, size_t samples, uint32_t exit, size_t half,
                       unsigned values, uint32_t *out, size_t *n)
{
    double lo = exit > half ? (double)(exit - half) : 1.0;
    double hi = (double)exit + (double)half < (double)(samples - 1) ? (double)exit + (double)half
                                                                     : (double)(samples - 1);
    size_t first = sweep_group_at_or_after(p, lo), end = sweep_group_at_or_after(p, hi + 0.5);
    if (end - first <= values) {
        for (size_t g = first; g < end; g++)
            out[(*n)++] = p->group_end[g];
    } else {
        for (unsigned i = 0; i < values; i++)
            out[(*n)++] = sweep_nearest_group_end(p, lo + (hi - lo) * i / (values - 1));
    }
    out[(*n)++] = exit;
}

typedef struct refine_round {
    const sweep_shared *base;
    const refine_target *targets;
    size_t count;
    size_t *group_start;  /* [groups + 1] targets of one chain */
    size_t groups;
    size_t half;          /* the window's half-width, in exits */
    pthread_mutex_t lock;
    size_t next;          /* under lock */
    cascade_status status;
} refine_round;

/* What a thread of refinement holds: a worker (its front, tables and
 * scratch) over a view of the sweep whose preps are the windows' lists. */
typedef struct refine_thread {
    sweep_shared view;
    worker w;
    uint32_t *exits[CASCADE_MAX_STAGES - 1];    /* [capacity] a stage's candidate exits */
    double *thresholds[CASCADE_MAX_STAGES - 1]; /* [capacity] */
    uint16_t *bins[CASCADE_MAX_STAGES - 1];     /* [samples] */
    size_t capacity;
    size_t evaluations;
    refine_round *round;  /* the round being run */
} refine_thread;

static int grow_lists(refine_thread *t, size_t need)
{
    if (need <= t->capacity)
        return 1;
    for (unsigned s = 0; s + 1 < CASCADE_MAX_STAGES; s++) {
        uint32_t *e = realloc(t->exits[s], need * sizeof *e);
        if (e)
            t->exits[s] = e;
        double *g = realloc(t->thresholds[s], need * sizeof *g);
        if (g)
            t->thresholds[s] = g;
        if (!e || !g)
            return 0;
    }
    t->capacity = need;
    return 1;
}

/* Evaluates the chain of TARGETS[0..count) on, per stage, the union of
 * their windows. */
static cascade_status evaluate_windows(refine_thread *t, const refine_round *round,
                                       const refine_target *targets, size_t count)
{
    const sweep_shared *base = round->base;
    const cascade_dataset *d = base->dataset;
    unsigned n = targets[0].stages, dims = n - 1, values = values_per_stage(n);
    size_t k = d->samples;
    if (!grow_lists(t, count * (values + 1)))
        return CASCADE_ERR_NOMEM;
    size_t half = round->half > (values - 1) / 2 ? round->half : (values - 1) / 2;
    size_t length[CASCADE_MAX_STAGES - 1];
    for (unsigned s = 0; s < dims; s++) {
        const model_prep *p = &base->prep[targets[0].model[s]];
        length[s] = 0;
        for (size_t i = 0; i < count; i++)
            add_window(p, k, targets[i].exits[s], half, values, t->exits[s], &length[s]);
        qsort(t->exits[s], length[s], sizeof *t->exits[s], by_value);
        size_t kept = 0;
        for (size_t i = 0; i < length[s]; i++)
            if (kept == 0 || t->exits[s][i] != t->exits[s][kept - 1])
                t->exits[s][kept++] = t->exits[s][i];
        length[s] = kept;
    }
    /* Windows far apart make a union mostly of combinations near no
     * point: then each half of the targets (neighbours, as they are
     * sorted) on its own. */
    size_t combos = 1, longest = 0;
    for (unsigned s = 0; s < dims; s++) {
        combos = combos > REFINE_MAX_COMBOS ? combos : combos * length[s];
        longest = length[s] > longest ? length[s] : longest;
    }
    if (count > 1 && (combos > REFINE_MAX_COMBOS || longest > UINT16_MAX - 1)) {
        cascade_status status = evaluate_windows(t, round, targets, count / 2);
        return status == CASCADE_OK
                   ? evaluate_windows(t, round, targets + count / 2, count - count / 2)
                   : status;
    }
    uint16_t chain[CASCADE_MAX_STAGES];
    memcpy(chain, targets[0].model, n * sizeof *chain);
    model_prep *prep = t->view.prep;
    for (unsigned s = 0; s < dims; s++) {
        const model_prep *p = &base->prep[chain[s]];
        const cascade_records *r = &d->models[chain[s]].records;
        model_prep *q = &prep[chain[s]];
        q->order = p->order;
        q->group_end = p->group_end;
        q->groups = p->groups;
        q->grid_size = (unsigned)length[s];
        q->grid_exit = t->exits[s];
        q->grid = t->thresholds[s];
        q->bin = t->bins[s];
        /* exits ascending, thresholds descending, as the grid keeps them */
        for (size_t g = 0; g < length[s]; g++)
            q->grid[g] = sweep_threshold_for_exits(r, p, q->grid_exit[g]);
        sweep_grid_bins(q, k);
    }
    t->w.prefix_length = 0; /* the table was filled on other lists */
    t->evaluations++;
    cascade_status status = sweep_grid_chain_scored(&t->w, chain, n);
    for (unsigned s = 0; s < dims; s++)
        memset(&prep[chain[s]], 0, sizeof prep[chain[s]]);
    return status;
}

static void *refine_main(void *arg)
{
    refine_thread *t = arg;
    refine_round *round = t->w.status == CASCADE_OK ? t->round : NULL;
    while (round) {
        pthread_mutex_lock(&round->lock);
        size_t g = round->status == CASCADE_OK ? round->next++ : round->groups;
        pthread_mutex_unlock(&round->lock);
        if (g >= round->groups)
            break;
        size_t first = round->group_start[g], count = round->group_start[g + 1] - first;
        cascade_status status = evaluate_windows(t, round, round->targets + first, count);
        if (status != CASCADE_OK) {
            pthread_mutex_lock(&round->lock);
            round->status = status;
            pthread_mutex_unlock(&round->lock);
        }
    }
    return NULL;
}

static void free_thread(refine_thread *t)
{
    for (unsigned s = 0; s + 1 < CASCADE_MAX_STAGES; s++) {
        free(t->exits[s]);
        free(t->thresholds[s]);
        free(t->bins[s]);
    }
    free(t->view.prep);
    sweep_worker_free(&t->w);
}

static int same_point(const cascade_point *a, const cascade_point *b)
{
    if (a->stages != b->stages || memcmp(a->model, b->model, a->stages * sizeof *a->model))
        return 0;
    for (unsigned s = 0; s + 1 < a->stages; s++)
        if (a->threshold[s] != b->threshold[s])
            return 0;
    return 1;
}

/* Points of AFTER (reduced, by cost) that BEFORE (reduced) lacks, with 3+
 * stages, as targets; the count of all new points in *ADDED. */
static cascade_status new_targets(const sweep_shared *base, const cascade_front *before,
                                  const cascade_front *after, refine_target **out,
                                  size_t *count, size_t *added)
{
    *count = 0;
    *added = 0;
    refine_target *targets = malloc((after->count ? after->count : 1) * sizeof *targets);
    if (!targets)
        return CASCADE_ERR_NOMEM;
    size_t b = 0;
    for (size_t i = 0; i < after->count; i++) {
        const cascade_point *p = &after->points[i];
        /* both sorted by cost: the old points of this cost lie from b on */
        while (b < before->count && before->points[b].cost < p->cost)
            b++;
        int old = 0;
        for (size_t j = b; j < before->count && before->points[j].cost == p->cost && !old; j++)
            old = same_point(&before->points[j], p);
        if (old)
            continue;
        ++*added;
        if (p->stages < 3)
            continue;
        refine_target *t = &targets[(*count)++];
        memset(t, 0, sizeof *t);
        t->stages = p->stages;
        for (unsigned s = 0; s < p->stages; s++)
            t->model[s] = (uint16_t)p->model[s];
        for (unsigned s = 0; s + 1 < p->stages; s++)
            t->exits[s] = exits_at(&base->dataset->models[p->model[s]].records,
                                   &base->prep[p->model[s]], p->threshold[s]);
    }
    qsort(targets, *count, sizeof *targets, by_chain_then_exits);
    *out = targets;
    return CASCADE_OK;
}

/* A pair on the front is where a 3-stage chain with the same two models
 * ends when all but a few samples exit before its other stage: (a, b, c)
 * with b's threshold below nearly every confidence, or (x, a, b) with x's
 * above nearly every one. The grid's quantiles stop short of those ends,
 * so for each pair point of FRONT and each 3-stage chain of FRONT's points
 * that holds the pair so, TARGETS gains that chain at the pair's exits and
 * the other stage's extreme. Appends to *TARGETS (holding *COUNT). */
static cascade_status pair_targets(const sweep_shared *base, const cascade_front *front,
                                   refine_target **targets, size_t *count)
{
    size_t chains = 0, capacity = *count;
    uint16_t(*chain)[3] = malloc((front->count ? front->count : 1) * sizeof *chain);
    if (!chain)
        return CASCADE_ERR_NOMEM;
    for (size_t i = 0; i < front->count; i++) {
        const cascade_point *p = &front->points[i];
        int known = p->stages != 3;
        for (size_t c = 0; c < chains && !known; c++)
            known = chain[c][0] == p->model[0] && chain[c][1] == p->model[1] &&
                    chain[c][2] == p->model[2];
        if (!known) {
            for (unsigned s = 0; s < 3; s++)
                chain[chains][s] = (uint16_t)p->model[s];
            chains++;
        }
    }
    cascade_status status = CASCADE_OK;
    for (size_t i = 0; i < front->count && status == CASCADE_OK; i++) {
        const cascade_point *p = &front->points[i];
        if (p->stages != 2)
            continue;
        for (size_t c = 0; c < chains && status == CASCADE_OK; c++) {
            /* the pair as the first two stages, or as the last two */
            int first = chain[c][0] == p->model[0] && chain[c][1] == p->model[1];
            int last = chain[c][1] == p->model[0] && chain[c][2] == p->model[1];
            if (!first && !last)
                continue;
            const model_prep *extreme = &base->prep[chain[c][first ? 1 : 0]];
            if (extreme->groups == 0)
                continue;
            if (*count == capacity) {
                capacity = capacity ? 2 * capacity : 64;
                refine_target *grown = realloc(*targets, capacity * sizeof *grown);
                if (!grown) {
                    status = CASCADE_ERR_NOMEM;
                    break;
                }
                *targets = grown;
            }
            refine_target *t = &(*targets)[(*count)++];
            memset(t, 0, sizeof *t);
            t->stages = 3;
            memcpy(t->model, chain[c], sizeof chain[c]);
            uint32_t at = exits_at(&base->dataset->models[p->model[0]].records,
                                   &base->prep[p->model[0]], p->threshold[0]);
            t->exits[first ? 0 : 1] = at;
            t->exits[first ? 1 : 0] = first ? extreme->group_end[extreme->groups - 1]
                                            : extreme->group_end[0];
        }
    }
    free(chain);
    return status;
}

/* One round: every chain of TARGETS on its windows, on THREADS threads,
 * each starting from FRONT; their points join FRONT, reduced. */
static cascade_status run_round(refine_round *round, refine_thread *threads, unsigned count,
                                cascade_front *front, cascade_sweep_stats *stats)
{
    cascade_status status = CASCADE_OK;
    for (unsigned i = 0; i < count && status == CASCADE_OK; i++) {
        refine_thread *t = &threads[i];
        t->w.front.count = 0;
        t->w.reduced = 0;
        for (size_t p = 0; p < front->count && status == CASCADE_OK; p++)
            status = cascade_front_add(&t->w.front, &front->points[p]);
        if (status == CASCADE_OK)
            status = sweep_worker_reduce(&t->w);
        t->w.status = status;
        t->round = round;
    }
    if (status != CASCADE_OK)
        return status;
    pthread_t ids[REFINE_MAX_THREADS];
    unsigned started = 0;
    while (started + 1 < count && pthread_create(&ids[started], NULL, refine_main,
                                                 &threads[started + 1]) == 0)
        started++;
    refine_main(&threads[0]);
    for (unsigned i = 0; i < started; i++)
        pthread_join(ids[i], NULL);
    status = round->status;
    for (unsigned i = 0; i < count && status == CASCADE_OK; i++) {
        refine_thread *t = &threads[i];
        size_t reduced = front->count;
        for (size_t p = 0; p < t->w.front.count && status == CASCADE_OK; p++)
            status = cascade_front_add(front, &t->w.front.points[p]);
        if (status == CASCADE_OK)
            cascade_front_reduce_tail(front, reduced);
        stats->refine_candidates += t->w.stats.candidates;
        stats->refine_evaluations += t->evaluations;
        t->w.stats.candidates = 0;
        t->evaluations = 0;
    }
    return status;
}

cascade_status sweep_refine_front(const sweep_shared *base, cascade_front *front,
                                  cascade_sweep_stats *stats)
{
    const cascade_dataset *d = base->dataset;
    cascade_sweep_options options = *base->options;
    options.all_points = NULL; /* prune: only the front is refined (see cascade_sweep) */
    unsigned grid = options.grid ? options.grid : DEFAULT_GRID;
    unsigned count = sweep_thread_count(&options);
    if (count > REFINE_MAX_THREADS)
        count = REFINE_MAX_THREADS;
    cascade_front grid_front, before;
    cascade_front_init(&grid_front);
    cascade_front_init(&before);
    refine_thread *threads = calloc(count, sizeof *threads);
    refine_round round;
    memset(&round, 0, sizeof round);
    round.base = base;
    cascade_status status = threads ? CASCADE_OK : CASCADE_ERR_NOMEM;
    cascade_front_reduce(front);
    unsigned longest = 0; /* refinement keeps chain lengths: bins for these stages only */
    for (size_t i = 0; i < front->count && status == CASCADE_OK; i++) {
        status = cascade_front_add(&grid_front, &front->points[i]);
        longest = front->points[i].stages > longest ? front->points[i].stages : longest;
    }
    for (unsigned i = 0; i < count && status == CASCADE_OK; i++) {
        refine_thread *t = &threads[i];
        /* what the grid's evaluation reads of the sweep; prep is the windows' */
        t->view.dataset = d;
        t->view.options = &options;
        t->view.fraction = base->fraction;
        t->view.rare = base->rare;
        t->view.rare_start = base->rare_start;
        t->view.rare_wrong = base->rare_wrong;
        t->view.prep = calloc(d->model_count, sizeof *t->view.prep);
        t->w.shared = &t->view;
        cascade_front_init(&t->w.front);
        if (!t->view.prep)
            status = CASCADE_ERR_NOMEM;
        for (unsigned s = 0; s + 1 < longest && status == CASCADE_OK; s++)
            if (!(t->bins[s] = malloc(d->samples * sizeof *t->bins[s])))
                status = CASCADE_ERR_NOMEM;
    }
    /* Each round at a new width searches around every point of 3+ stages;
     * at the finest width, the rounds after the first search only around
     * the points that the round before added. */
    refine_target *targets = NULL;
    cascade_front empty;
    cascade_front_init(&empty);
    /* The first windows reach two grid spacings either side: one spacing
     * left an exhaustive point 3 or 4 samples out of reach on 12 of 100
     * random sets (tests/unit/test_refine.c), two on 4 (at most 3), at
     * about the same cost, as they narrow to every cut point a round
     * sooner. */
    size_t added = 0, half = 2 * ((d->samples + grid) / (grid + 1));
    for (unsigned r = 0; status == CASCADE_OK && r < REFINE_MAX_ROUNDS; r++) {
        int every_point = r == 0 || half * REFINE_NARROWING > REFINE_FINEST;
        status = new_targets(base, every_point ? &empty : &before, front, &targets, &round.count,
                             &added);
        if (status == CASCADE_OK && r == 0)
            status = pair_targets(base, front, &targets, &round.count);
        if (status == CASCADE_OK)
            qsort(targets, round.count, sizeof *targets, by_chain_then_exits);
        if (status != CASCADE_OK || round.count == 0)
            break;
        round.targets = targets;
        round.groups = 0;
        round.next = 0;
        round.half = half;
        round.group_start = malloc((round.count + 1) * sizeof *round.group_start);
        if (!round.group_start) {
            status = CASCADE_ERR_NOMEM;
            break;
        }
        for (size_t i = 0; i < round.count; i++)
            if (i == 0 || by_chain(&targets[i - 1], &targets[i]) != 0)
                round.group_start[round.groups++] = i;
        round.group_start[round.groups] = round.count;
        /* the front this round starts from, to find what it adds */
        before.count = 0;
        for (size_t i = 0; i < front->count && status == CASCADE_OK; i++)
            status = cascade_front_add(&before, &front->points[i]);
        pthread_mutex_init(&round.lock, NULL);
        round.status = CASCADE_OK;
        if (status == CASCADE_OK)
            status = run_round(&round, threads, count, front, stats);
        pthread_mutex_destroy(&round.lock);
        free(round.group_start);
        round.group_start = NULL;
        free(targets);
        targets = NULL;
        stats->refine_rounds++;
        half /= REFINE_NARROWING;
    }
    free(targets);
    /* what the refinement added to the grid's front, all rounds together */
    refine_target *unused = NULL;
    size_t ignored;
    if (status == CASCADE_OK &&
        new_targets(base, &grid_front, front, &unused, &ignored, &stats->refine_added) !=
            CASCADE_OK)
        status = CASCADE_ERR_NOMEM;
    free(unused);
    for (unsigned i = 0; threads && i < count; i++)
        free_thread(&threads[i]);
    free(threads);
    cascade_front_free(&grid_front);
    cascade_front_free(&before);
    return status;
}

cascade_status cascade_sweep_refine(const cascade_dataset *dataset,
                                    const cascade_sweep_options *options, cascade_front *front,
                                    cascade_sweep_stats *stats, cascade_error *error)
{
    cascade_sweep_options defaults = {0};
    cascade_sweep_stats local = {0};
    if (!options)
        options = &defaults;
    if (!stats)
        stats = &local;
    /* Windows are evaluated by the constant-cost grid code: per-sample
     * costs and graded qualities keep their grid front (cascade/sweep.h). */
    if (cascade_dataset_per_sample(dataset))
        return CASCADE_OK;
    sweep_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.dataset = dataset;
    sh.options = options;
    sh.prep = calloc(dataset->model_count ? dataset->model_count : 1, sizeof *sh.prep);
    cascade_status status = sh.prep ? sweep_grid_prepare(&sh) : CASCADE_ERR_NOMEM;
    /* the orders of the models of the front's longer chains */
    for (size_t i = 0; i < front->count && status == CASCADE_OK; i++) {
        const cascade_point *p = &front->points[i];
        for (unsigned s = 0; p->stages >= 3 && s + 1 < p->stages && status == CASCADE_OK; s++) {
            if (p->model[s] >= dataset->model_count || dataset->models[p->model[s]].table_only)
                status = CASCADE_ERR_ARGUMENT;
            else if (!sh.prep[p->model[s]].order)
                status = sweep_prepare_model(&dataset->models[p->model[s]].records, 0,
                                             &sh.prep[p->model[s]], NULL);
        }
    }
    if (status == CASCADE_OK)
        status = sweep_refine_front(&sh, front, stats);
    for (size_t i = 0; sh.prep && i < dataset->model_count; i++)
        sweep_free_prep(&sh.prep[i]);
    free(sh.prep);
    sweep_grid_free(&sh);
    if (status == CASCADE_ERR_ARGUMENT)
        return cascade_error_set(error, status, NULL, -1, -1,
            "a point of the front to refine names a model without per-sample scores (expected "
            "the front of a sweep of this data)");
    if (status != CASCADE_OK)
        return cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    return CASCADE_OK;
}
