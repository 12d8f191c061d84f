/* The sweep: single models, exact pairs, and threshold grids for longer chains.
 *
 * Pairs. For a first stage a, sort samples by a's confidence, descending.
 * Exiting at a threshold between two adjacent distinct confidences sends the
 * top n samples to a's answer and the rest to b's, so with
 * D = correct_a - correct_b in that order, correct(n) = total_b + sum_{pos<n} D
 * and cost(n) = cost_a + cost_b (k - n) / k: one O(k) pass per pair.
 *
 * Longer chains. Each stage s < n has G_s grid thresholds t_1 > ... > t_G at
 * quantiles of its confidences; a sample's bin b_s counts the thresholds it
 * reaches, so it exits at threshold index j_s iff b_s >= j_s. One pass fills a
 * table over (b_1..b_(n-1)) with the count of samples and of correct answers
 * by each stage; prefix sums along every axis then give, for every threshold
 * combination j, the samples reaching each stage and the correct answers,
 * each in O(n) lookups: O(k + prod G_s) per chain. */
#include "cascade/sweep.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    DEFAULT_GRID = 100,
    JOINT_BLOCK = 4096,            /* samples per SYRK block */
    MAX_TABLE_CELLS = 1 << 24,     /* per channel, for chains of 3+ stages */
    REDUCE_EVERY = 1 << 14,        /* worker candidates between front reductions */
    PREFETCH_ROWS = 16             /* rows of the correctness matrix fetched ahead */
};

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
    model_prep *prep;     /* [model_count] */
    double *joint;        /* [model_count][model_count] samples correct for both, upper part */
    chain_list *lists;    /* [max_stages + 1], index = chain length */
    uint8_t *by_sample;   /* [samples][columns] correctness, columns = candidates by cost */
    size_t columns;
    uint32_t *column;     /* [model_count] column of a candidate model */
    unsigned max_stages;
    size_t total_chains;
    /* the work queue and progress, under lock */
    pthread_mutex_t lock;
    unsigned list_index;
    size_t next_chain;
    size_t chains_done;
    size_t last_report;
    cascade_status status;
} sweep_shared;

typedef struct worker {
    sweep_shared *shared;
    cascade_front front;  /* local candidates; [0, reduced) is a reduced front */
    size_t reduced;
    double *reduced_cost; /* [reduced] the reduced front's costs and accuracies, */
    double *reduced_accuracy; /* compact for the walks in sweep_pair */
    size_t reduced_capacity;
    size_t reductions;    /* how many times the front was reduced: stale walks */
    /* first-stage scratch, [columns] each */
    int32_t *suffix, *best;
    struct front_walk *walks;
    size_t scratch_columns;
    size_t since_reduce;
    cascade_sweep_stats stats;
    /* scratch */
    uint32_t *correct;    /* [samples] pair sums per group */
    uint32_t *table;      /* [channels][cells] for grid chains */
    size_t table_capacity;
    struct grid_point *points;
    size_t points_capacity;
    cascade_status status;
} worker;

typedef struct grid_point {
    double cost;
    uint32_t correct;
    uint32_t index;       /* the threshold combination, mixed radix */
} grid_point;

double cascade_threshold_between(double lower, double upper)
{
    if (!isfinite(lower))
        return upper;
    double mid = lower + (upper - lower) / 2;
    if (!(mid > lower))
        return upper;
    /* The gap is centred on mid, and the rounding of mid to d + 1 digits is
     * no farther from it than to d digits: so once d digits land inside, so
     * do more, and bisection finds the fewest. */
    char text[64];
    int lo = 9, hi = 17;
    while (lo < hi) {
        int digits = (lo + hi) / 2;
        snprintf(text, sizeof text, "%.*g", digits, mid);
        double t = strtod(text, NULL);
        if (t > lower && t <= upper)
            hi = digits;
        else
            lo = digits + 1;
    }
    snprintf(text, sizeof text, "%.*g", lo, mid);
    double t = strtod(text, NULL);
    return t > lower && t <= upper ? t : mid;
}

/* ---- per-model preparation: order, groups, grid ---- */

/* Sorts sample indices by confidence, descending, ties by index ascending:
 * an LSD radix sort on the doubles' bits (four 16-bit digits) turned into
 * unsigned keys that order like the values, which beats qsort's
 * comparisons several times over at 50,000 samples. */
static cascade_status sort_by_confidence(const double *confidence, size_t k, uint32_t *order)
{
    uint64_t *keys = malloc(2 * k * sizeof *keys);
    uint32_t *swap = malloc(k * sizeof *swap);
    uint32_t *counts = malloc(65536 * sizeof *counts);
    if (!keys || !swap || !counts) {
        free(keys);
        free(swap);
        free(counts);
        return CASCADE_ERR_NOMEM;
    }
    uint64_t *key = keys, *key_swap = keys + k;
    for (size_t i = 0; i < k; i++) {
        uint64_t bits;
        memcpy(&bits, &confidence[i], sizeof bits);
        /* ascending-order key, then complemented for descending */
        bits = bits >> 63 ? ~bits : bits | (1ull << 63);
        key[i] = ~bits;
        order[i] = (uint32_t)i;
    }
    for (unsigned shift = 0; shift < 64; shift += 16) {
        memset(counts, 0, 65536 * sizeof *counts);
        for (size_t i = 0; i < k; i++)
            counts[(key[i] >> shift) & 0xffff]++;
        uint32_t total = 0;
        for (size_t d = 0; d < 65536; d++) {
            uint32_t c = counts[d];
            counts[d] = total;
            total += c;
        }
        for (size_t i = 0; i < k; i++) {
            uint32_t at = counts[(key[i] >> shift) & 0xffff]++;
            key_swap[at] = key[i];
            swap[at] = order[i];
        }
        uint64_t *t = key;
        key = key_swap;
        key_swap = t;
        memcpy(order, swap, k * sizeof *order);
    }
    free(keys);
    free(swap);
    free(counts);
    return CASCADE_OK;
}

/* The threshold that lets exactly N samples (N at a group end) exit. */
static double threshold_for_exits(const cascade_records *r, const model_prep *p, size_t n)
{
    return cascade_threshold_between(r->confidence[p->order[n]],
                                     r->confidence[p->order[n - 1]]);
}

static cascade_status prepare_model(const cascade_records *r, unsigned grid,
                                    model_prep *out)
{
    size_t k = r->samples;
    out->order = malloc(k * sizeof *out->order);
    out->group_end = malloc(k * sizeof *out->group_end);
    out->sorted_correct = malloc(k * sizeof *out->sorted_correct);
    if (!out->order || !out->group_end || !out->sorted_correct ||
        sort_by_confidence(r->confidence, k, out->order) != CASCADE_OK)
        return CASCADE_ERR_NOMEM;
    out->groups = 0;
    for (size_t pos = 0; pos < k; pos++) {
        out->sorted_correct[pos] = r->correct[out->order[pos]];
        if (pos + 1 < k && r->confidence[out->order[pos + 1]] != r->confidence[out->order[pos]])
            out->group_end[out->groups++] = (uint32_t)(pos + 1);
    }
    if (grid == 0 || out->groups == 0)
        return CASCADE_OK;
    /* Grid: the group ends nearest to the quantiles g k / (G + 1). */
    out->grid = malloc(grid * sizeof *out->grid);
    out->grid_exit = malloc(grid * sizeof *out->grid_exit);
    out->bin = malloc(k * sizeof *out->bin);
    if (!out->grid || !out->grid_exit || !out->bin)
        return CASCADE_ERR_NOMEM;
    out->grid_size = 0;
    for (unsigned g = 1; g <= grid; g++) {
        double target = (double)g * (double)k / (double)(grid + 1);
        size_t lo = 0, hi = out->groups; /* first group end >= target */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (out->group_end[mid] < target)
                lo = mid + 1;
            else
                hi = mid;
        }
        size_t pick = lo;
        if (pick == out->groups ||
            (pick > 0 && target - out->group_end[pick - 1] < out->group_end[pick] - target))
            pick = pick > 0 ? pick - 1 : 0;
        uint32_t n = out->group_end[pick];
        if (out->grid_size > 0 && out->grid_exit[out->grid_size - 1] >= n)
            continue;
        out->grid_exit[out->grid_size] = n;
        out->grid[out->grid_size] = threshold_for_exits(r, out, n);
        out->grid_size++;
    }
    /* A sample at sorted position pos reaches grid threshold g iff pos < exit_g. */
    unsigned reached = out->grid_size;
    unsigned g = 0;
    for (size_t pos = 0; pos < k; pos++) {
        while (g < out->grid_size && out->grid_exit[g] <= pos) {
            g++;
            reached = out->grid_size - g;
        }
        out->bin[out->order[pos]] = (uint16_t)reached;
    }
    return CASCADE_OK;
}

static void free_prep(model_prep *p)
{
    free(p->order);
    free(p->sorted_correct);
    free(p->group_end);
    free(p->grid);
    free(p->grid_exit);
    free(p->bin);
}

cascade_status cascade_grid_thresholds(const cascade_records *records, unsigned grid,
                                       double *out, unsigned *count)
{
    model_prep prep;
    memset(&prep, 0, sizeof prep);
    cascade_status status = prepare_model(records, grid, &prep);
    *count = status == CASCADE_OK ? prep.grid_size : 0;
    if (*count)
        memcpy(out, prep.grid, *count * sizeof *out);
    free_prep(&prep);
    return status;
}

/* ---- bounds: oracle accuracy from pairwise joint-correct counts ---- */

static cascade_status joint_correct(const cascade_dataset *d, double *joint)
{
    size_t m = d->model_count, k = d->samples;
    double *block = malloc((size_t)JOINT_BLOCK * m * sizeof *block); /* [rows][m] */
    if (!block)
        return CASCADE_ERR_NOMEM;
    memset(joint, 0, m * m * sizeof *joint);
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
    free(block);
    return CASCADE_OK;
}

static double joint_at(const sweep_shared *sh, unsigned a, unsigned b)
{
    size_t m = sh->dataset->model_count;
    return a < b ? sh->joint[a * m + b] : sh->joint[b * m + a];
}

/* Upper bound on the samples any stage gets right: exact for pairs; each
 * later stage adds at most what it gets right beyond its best overlap. */
static double oracle_bound(const sweep_shared *sh, const uint16_t *chain, unsigned n)
{
    const cascade_model *models = sh->dataset->models;
    double bound = (double)models[chain[0]].records.correct_count;
    for (unsigned s = 1; s < n; s++) {
        double overlap = 0;
        for (unsigned r = 0; r < s; r++) {
            double j = joint_at(sh, chain[r], chain[s]);
            if (j > overlap)
                overlap = j;
        }
        bound += (double)models[chain[s]].records.correct_count - overlap;
    }
    return bound;
}

/* ---- chain enumeration ---- */

static int by_cost(const void *pa, const void *pb, const cascade_dataset *d)
{
    double a = d->models[*(const uint16_t *)pa].cost, b = d->models[*(const uint16_t *)pb].cost;
    if (a != b)
        return a < b ? -1 : 1;
    return *(const uint16_t *)pa - *(const uint16_t *)pb;
}

/* Insertion sort: a few hundred models at most, and it needs the dataset. */
static void sort_by_cost(uint16_t *ids, size_t n, const cascade_dataset *d)
{
    for (size_t i = 1; i < n; i++) {
        uint16_t v = ids[i];
        size_t j = i;
        while (j > 0 && by_cost(&ids[j - 1], &v, d) > 0) {
            ids[j] = ids[j - 1];
            j--;
        }
        ids[j] = v;
    }
}

/* Chains of LENGTH drawn from IDS (sorted by cost), strictly increasing cost. */
static cascade_status enumerate_chains(const cascade_dataset *d, const uint16_t *ids,
                                       size_t n, unsigned length, chain_list *out,
                                       cascade_error *error)
{
    out->length = length;
    out->count = 0;
    out->models = NULL;
    if (n < length)
        return CASCADE_OK;
    size_t capacity = 0;
    unsigned pos[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < length; s++)
        pos[s] = s;
    for (;;) {
        int valid = 1;
        for (unsigned s = 1; s < length && valid; s++)
            valid = d->models[ids[pos[s - 1]]].cost < d->models[ids[pos[s]]].cost;
        if (valid) {
            if (out->count == capacity) {
                capacity = capacity ? 2 * capacity : 256;
                if (capacity > ((size_t)1 << 31) / length)
                    return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                        "too many chains of %u stages (expected fewer models: use --front-only or --models)",
                        length);
                uint16_t *grown = realloc(out->models, capacity * length * sizeof *grown);
                if (!grown)
                    return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
                out->models = grown;
            }
            for (unsigned s = 0; s < length; s++)
                out->models[out->count * length + s] = ids[pos[s]];
            out->count++;
        }
        /* next combination of LENGTH positions out of N */
        int s = (int)length - 1;
        while (s >= 0 && pos[s] == n - length + (unsigned)s)
            s--;
        if (s < 0)
            break;
        pos[s]++;
        for (unsigned t = (unsigned)s + 1; t < length; t++)
            pos[t] = pos[t - 1] + 1;
    }
    return CASCADE_OK;
}

/* ---- workers ---- */

static cascade_status worker_reduce(worker *w)
{
    w->reductions++;
    cascade_front_reduce(&w->front);
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

static cascade_status worker_add(worker *w, const cascade_point *p)
{
    cascade_front *all = w->shared->options->all_points;
    if (all && cascade_front_add(all, p) != CASCADE_OK)
        return CASCADE_ERR_NOMEM;
    if (cascade_front_add(&w->front, p) != CASCADE_OK)
        return CASCADE_ERR_NOMEM;
    /* Reduce once the unreduced tail outgrows the reduced part: amortised
     * O(n log n), and the reduced part is what skipping looks up. */
    if (++w->since_reduce >= REDUCE_EVERY && w->since_reduce >= w->reduced)
        return worker_reduce(w);
    return CASCADE_OK;
}

/* True when a point found so far is strictly better than anything a chain
 * costing at least COST with at most ACCURACY can offer. */
/* First index of COST[0..n) (ascending) that is >= C, or strictly > C when
 * STRICT. */
static size_t lower_bound(const double *cost, size_t n, double c, int strict)
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

/* One pair, walked from the cheap end: n = k exits at a, then fewer and
 * fewer. With suffix sums over a's order,
 *   correct(n) = total_a + sum_{pos >= n} (correct_b - correct_a),
 * and no point with fewer exits can get right more than correct(n) plus the
 * samples before n that only b gets right, R(n) = R(k) - (those at or after
 * n), where R(k) = total_b - joint(a, b) comes from the SYRK. Once a point
 * found already beats that bound at the current cost, every remaining
 * (costlier) point is strictly dominated and the walk stops: weak pairs end
 * after a small part of the samples. */
/* True when a point found so far is strictly better than anything costing
 * at least COST with at most ACCURACY. */
static int dominated(const worker *w, double cost, double accuracy)
{
    size_t at_most = lower_bound(w->reduced_cost, w->reduced, cost, 1), below = at_most;
    while (below && w->reduced_cost[below - 1] == cost)
        below--;
    return (at_most && w->reduced_accuracy[at_most - 1] > accuracy) ||
           (below && w->reduced_accuracy[below - 1] >= accuracy);
}

/* From START (where COST[START-1] already qualifies), the first index whose
 * cost exceeds C (or is >= C when !STRICT): galloping, so a long jump costs
 * O(log distance) and a short one O(1). */
static size_t advance(const double *cost, size_t n, size_t start, double c, int strict)
{
    size_t step = 1, lo = start, hi = start;
    while (hi < n && (strict ? cost[hi] <= c : cost[hi] < c)) {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    if (hi > n)
        hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strict ? cost[mid] <= c : cost[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Where one pair's walk stands in the worker's reduced front: the reduced
 * front is sorted by cost, and a pair's points come in rising cost, so the
 * look-ups advance instead of searching afresh. */
typedef struct front_walk {
    size_t at_most;    /* points with cost <= the current cost */
    size_t below;      /* points with cost < the current cost */
    size_t reductions; /* w->reductions when the positions were found */
} front_walk;

static front_walk walk_start(const worker *w, double cost)
{
    size_t at = lower_bound(w->reduced_cost, w->reduced, cost, 0);
    return (front_walk){at, at, w->reductions};
}

static void walk_to(const worker *w, front_walk *walk, double cost)
{
    if (walk->reductions != w->reductions) { /* reduced meanwhile: find our place again */
        walk->reductions = w->reductions;
        walk->at_most = lower_bound(w->reduced_cost, w->reduced, cost, 1);
        walk->below = lower_bound(w->reduced_cost, w->reduced, cost, 0);
    }
    walk->at_most = advance(w->reduced_cost, w->reduced, walk->at_most, cost, 1);
    walk->below = advance(w->reduced_cost, w->reduced, walk->below, cost, 0);
}

/* The best accuracy found at a cost no higher than the walk's; -1 if none. */
static double walk_best(const worker *w, const front_walk *walk)
{
    return walk->at_most ? w->reduced_accuracy[walk->at_most - 1] : -1;
}

/* Whether a point found is strictly better than ACCURACY at the walk's cost. */
static int walk_dominated(const worker *w, const front_walk *walk, double accuracy)
{
    return walk_best(w, walk) > accuracy ||
           (walk->below && w->reduced_accuracy[walk->below - 1] >= accuracy);
}

/* Adds pair (a, b) with the top N_EXIT samples exiting at a. */
static cascade_status add_pair_point(worker *w, unsigned a, unsigned b, size_t n_exit,
                                     double cost, double accuracy)
{
    const sweep_shared *sh = w->shared;
    size_t k = sh->dataset->samples;
    cascade_point p;
    memset(&p, 0, sizeof p);
    p.stages = 2;
    p.model[0] = a;
    p.model[1] = b;
    p.threshold[0] = threshold_for_exits(&sh->dataset->models[a].records, &sh->prep[a], n_exit);
    p.accuracy = accuracy;
    p.cost = cost;
    p.answered[0] = (double)n_exit / (double)k;
    p.answered[1] = (double)(k - n_exit) / (double)k;
    return worker_add(w, &p);
}

static cascade_status sweep_pair(worker *w, unsigned a, unsigned b)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *o = &w->shared->prep[a];
    const cascade_records *ra = &d->models[a].records, *rb = &d->models[b].records;
    const uint8_t *sorted_a = o->sorted_correct, *cb = rb->correct;
    const uint32_t *order = o->order;
    int keep_all = w->shared->options->all_points != NULL;
    size_t k = d->samples;
    double cost_a = d->models[a].cost, cost_b = d->models[b].cost;
    long long correct = (long long)ra->correct_count; /* correct(k) */
    long long only_b = (long long)rb->correct_count - (long long)joint_at(w->shared, a, b);
    long long best = -1;
    front_walk walk = walk_start(w, cost_a);
    size_t pos = k, evaluated = 0;
    for (size_t g = o->groups; g-- > 0;) {
        size_t n_exit = o->group_end[g];
        for (; pos > n_exit; pos--) {
            int right_a = sorted_a[pos - 1], right_b = cb[order[pos - 1]];
            correct += right_b - right_a;
            only_b -= right_b & !right_a;
        }
        evaluated++;
        if (correct <= best && !keep_all)
            continue;
        if (correct > best)
            best = correct;
        /* = cascade_chain_cost with reached (k, k - n_exit), bit for bit */
        double cost = cost_a + cost_b * ((double)(k - n_exit) / (double)k);
        double accuracy = (double)correct / (double)k;
        if (!keep_all) {
            walk_to(w, &walk, cost);
            /* The bound only falls along the walk and the front only rises:
             * once a found point is strictly more accurate than it, this
             * point and every costlier one of the pair are dominated. */
            if (walk_best(w, &walk) > (double)(correct + only_b) / (double)k)
                break;
            if (walk_dominated(w, &walk, accuracy))
                continue;
        }
        if (add_pair_point(w, a, b, n_exit, cost, accuracy) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    w->stats.candidates += evaluated;
    return CASCADE_OK;
}

static int by_grid_cost(const void *pa, const void *pb)
{
    const grid_point *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->correct != b->correct)
        return a->correct > b->correct ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* A chain of n >= 3 stages over the threshold grid. */
static cascade_status sweep_grid_chain(worker *w, const uint16_t *chain, unsigned n)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1, channels = n + 1; /* count, then correct by stage 1..n */
    size_t extent[CASCADE_MAX_STAGES], stride[CASCADE_MAX_STAGES];
    size_t cells = 1, combos = 1;
    for (unsigned s = 0; s < dims; s++) {
        unsigned g = prep[chain[s]].grid_size;
        if (g == 0)
            return CASCADE_OK; /* one confidence value: the stage cannot split */
        extent[s] = g + 2; /* prefix index x in 0..G+1 */
        stride[s] = cells;
        if (cells > MAX_TABLE_CELLS / extent[s])
            return CASCADE_ERR_ARGUMENT;
        cells *= extent[s];
        combos *= g;
    }
    size_t need = cells * channels;
    if (need > w->table_capacity) {
        uint32_t *grown = realloc(w->table, need * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->table = grown;
        w->table_capacity = need;
    }
    if (combos > w->points_capacity) {
        grid_point *grown = realloc(w->points, combos * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->points = grown;
        w->points_capacity = combos;
    }
    uint32_t *table = w->table; /* [channels][cells], P(x) = sum over bins b < x */
    memset(table, 0, need * sizeof *table);
    for (size_t i = 0; i < d->samples; i++) {
        size_t cell = 0;
        for (unsigned s = 0; s < dims; s++)
            cell += (prep[chain[s]].bin[i] + 1) * stride[s];
        table[cell]++;
        for (unsigned s = 0; s < n; s++)
            table[(s + 1) * cells + cell] += d->models[chain[s]].records.correct[i];
    }
    for (unsigned c = 0; c < channels; c++) {
        uint32_t *t = table + c * cells;
        for (unsigned s = 0; s < dims; s++)
            for (size_t cell = 0; cell < cells; cell++)
                if ((cell / stride[s]) % extent[s] > 0)
                    t[cell] += t[cell - stride[s]];
    }
    /* Every combination j (j_s in 1..G_s): stage s takes the samples with
     * b_r < j_r for r < s and b_s >= j_s. */
    unsigned models[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < n; s++)
        models[s] = chain[s];
    unsigned j[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < dims; s++)
        j[s] = 1;
    for (size_t combo = 0; combo < combos; combo++) {
        size_t reached[CASCADE_MAX_STAGES];
        size_t prefix = 0, all = 0; /* index of (j_1..j_(s-1), ALL...) */
        for (unsigned s = 0; s < dims; s++)
            all += (extent[s] - 1) * stride[s];
        long long correct = 0;
        reached[0] = d->samples;
        for (unsigned s = 0; s < dims; s++) {
            size_t rest = all - (extent[s] - 1) * stride[s]; /* ALL for axes after s */
            size_t upto = prefix + rest + (extent[s] - 1) * stride[s]; /* b_s any */
            size_t below = prefix + rest + j[s] * stride[s];            /* b_s < j_s */
            correct += (long long)table[(s + 1) * cells + upto] - table[(s + 1) * cells + below];
            reached[s + 1] = table[below];
            prefix += j[s] * stride[s];
            all = rest;
        }
        correct += table[n * cells + prefix];
        grid_point *gp = &w->points[combo];
        gp->cost = cascade_chain_cost(d, n, models, reached);
        gp->correct = (uint32_t)correct;
        gp->index = (uint32_t)combo;
        for (unsigned s = 0; s < dims; s++) {
            if (++j[s] <= prep[chain[s]].grid_size)
                break;
            j[s] = 1;
        }
    }
    w->stats.candidates += combos;
    int keep_all = w->shared->options->all_points != NULL;
    if (!keep_all) {
        /* Most combinations are beaten by a point found already: drop them
         * before sorting what is left into the chain's own front. */
        size_t kept = 0;
        for (size_t c = 0; c < combos; c++)
            if (!dominated(w, w->points[c].cost, (double)w->points[c].correct / (double)d->samples))
                w->points[kept++] = w->points[c];
        combos = kept;
        qsort(w->points, combos, sizeof *w->points, by_grid_cost);
    }
    long long best = -1;
    for (size_t c = 0; c < combos; c++) {
        grid_point *gp = &w->points[c];
        if ((long long)gp->correct <= best && !keep_all)
            continue;
        if ((long long)gp->correct > best)
            best = gp->correct;
        double accuracy = (double)gp->correct / (double)d->samples;
        if (!keep_all && dominated(w, gp->cost, accuracy))
            continue;
        /* Decode the combination and count the answers per stage again:
         * only for the few points kept. */
        cascade_point p;
        memset(&p, 0, sizeof p);
        p.stages = n;
        size_t index = gp->index;
        size_t prefix = 0, all = 0, reached_prev = d->samples;
        for (unsigned s = 0; s < dims; s++)
            all += (extent[s] - 1) * stride[s];
        for (unsigned s = 0; s < dims; s++) {
            unsigned g = prep[chain[s]].grid_size;
            unsigned js = (unsigned)(index % g) + 1;
            index /= g;
            /* j counts from the lowest threshold: grid is descending. */
            p.threshold[s] = prep[chain[s]].grid[g - js];
            size_t rest = all - (extent[s] - 1) * stride[s];
            size_t below = prefix + rest + js * stride[s];
            p.answered[s] = (double)(reached_prev - table[below]) / (double)d->samples;
            reached_prev = table[below];
            prefix += js * stride[s];
            all = rest;
        }
        p.answered[dims] = (double)reached_prev / (double)d->samples;
        for (unsigned s = 0; s < n; s++)
            p.model[s] = chain[s];
        p.accuracy = accuracy;
        p.cost = gp->cost;
        if (worker_add(w, &p) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    return CASCADE_OK;
}

static int grow_scratch(worker *w, size_t columns)
{
    if (columns <= w->scratch_columns)
        return 1;
    int32_t *suffix = realloc(w->suffix, columns * sizeof *suffix);
    if (suffix)
        w->suffix = suffix;
    int32_t *best = realloc(w->best, columns * sizeof *best);
    if (best)
        w->best = best;
    front_walk *walks = realloc(w->walks, columns * sizeof *walks);
    if (walks)
        w->walks = walks;
    if (!suffix || !best || !walks)
        return 0;
    w->scratch_columns = columns;
    return 1;
}

/* All pairs (a, b) with one first stage a at once: the same walk as
 * sweep_pair, from the cheap end, but each step adds the row of the
 * sample-major correctness matrix to every b's suffix sum, and only the b
 * whose count beats its own best so far is looked at further. That
 * replaces a gather per pair and sample with a short contiguous add the
 * compiler vectorises. PAIRS are COUNT (a, b) pairs with a common a whose b
 * are consecutive candidates by cost. Returns 0 when they are not (the
 * caller then sweeps them one by one), 1 when done (see w->status). */
static int sweep_first_stage(worker *w, const uint16_t *pairs, size_t count, int skip)
{
    const sweep_shared *sh = w->shared;
    const cascade_dataset *d = sh->dataset;
    unsigned a = pairs[0];
    size_t lo = sh->column[pairs[1]], hi = sh->column[pairs[2 * (count - 1) + 1]] + 1;
    if (hi - lo != count || w->shared->options->all_points)
        return 0;
    if (!grow_scratch(w, count)) {
        w->status = CASCADE_ERR_NOMEM;
        return 1;
    }
    const model_prep *o = &sh->prep[a];
    const cascade_records *ra = &d->models[a].records;
    size_t k = d->samples, n_columns = sh->columns;
    double cost_a = d->models[a].cost;
    int32_t *suffix = w->suffix, *best = w->best;
    for (size_t j = 0; j < count; j++) {
        uint16_t chain[2] = {(uint16_t)a, pairs[2 * j + 1]};
        suffix[j] = 0;
        best[j] = -1;
        w->walks[j] = walk_start(w, cost_a);
        if (skip &&
            dominated(w, cost_a, oracle_bound(sh, chain, 2) / (double)k)) {
            best[j] = INT32_MAX; /* never beaten: the pair is skipped */
            w->stats.chains_skipped++;
        } else {
            w->stats.chains_swept++;
            w->stats.candidates += o->groups;
        }
    }
    int32_t total_a = (int32_t)ra->correct_count, suffix_a = 0;
    size_t pos = k;
    for (size_t g = o->groups; g-- > 0;) {
        size_t n_exit = o->group_end[g];
        for (; pos > n_exit; pos--) {
            const uint8_t *row = sh->by_sample + (size_t)o->order[pos - 1] * n_columns + lo;
            /* rows come in a's order, which no cache predicts: fetch ahead */
            if (pos > PREFETCH_ROWS) {
                const uint8_t *ahead =
                    sh->by_sample + (size_t)o->order[pos - 1 - PREFETCH_ROWS] * n_columns + lo;
                for (size_t line = 0; line < count; line += 64)
                    __builtin_prefetch(ahead + line);
            }
            suffix_a += o->sorted_correct[pos - 1];
            for (size_t j = 0; j < count; j++)
                suffix[j] += row[j];
        }
        /* correct(n) = total_a - (a's right answers from n on) + b's */
        int32_t base = total_a - suffix_a;
        int any = 0;
        for (size_t j = 0; j < count; j++)
            any |= base + suffix[j] > best[j];
        if (!any)
            continue;
        for (size_t j = 0; j < count; j++) {
            int32_t correct = base + suffix[j];
            if (correct <= best[j])
                continue;
            best[j] = correct;
            unsigned b = pairs[2 * j + 1];
            /* = cascade_chain_cost with reached (k, k - n_exit), bit for bit */
            double cost = cost_a + d->models[b].cost * ((double)(k - n_exit) / (double)k);
            double accuracy = (double)correct / (double)k;
            walk_to(w, &w->walks[j], cost);
            if (walk_dominated(w, &w->walks[j], accuracy))
                continue;
            if (add_pair_point(w, a, b, n_exit, cost, accuracy) != CASCADE_OK) {
                w->status = CASCADE_ERR_NOMEM;
                return 1;
            }
        }
    }
    return 1;
}

static void report_progress(sweep_shared *sh, size_t done)
{
    const cascade_sweep_options *o = sh->options;
    if (!o->progress || sh->total_chains == 0)
        return;
    if (done == sh->total_chains || done - sh->last_report >= sh->total_chains / 100 + 1) {
        sh->last_report = done;
        o->progress(o->progress_context, done, sh->total_chains, "chains");
    }
}

/* Takes the next batch of chains of one length from the queue. */
static int next_batch(sweep_shared *sh, unsigned *length, size_t *start, size_t *count)
{
    enum { BATCH = 16 };
    pthread_mutex_lock(&sh->lock);
    int found = 0;
    while (sh->status == CASCADE_OK && sh->list_index <= sh->max_stages) {
        chain_list *list = &sh->lists[sh->list_index];
        if (sh->next_chain < list->count) {
            *length = list->length;
            *start = sh->next_chain;
            *count = list->count - sh->next_chain < BATCH ? list->count - sh->next_chain : BATCH;
            if (list->length == 2 && sh->by_sample) {
                /* pairs come grouped by first stage: take a whole group */
                const uint16_t *first = list->models + 2 * *start;
                size_t n = 1;
                while (*start + n < list->count && first[2 * n] == first[0])
                    n++;
                *count = n;
            }
            sh->next_chain += *count;
            found = 1;
            break;
        }
        sh->list_index++;
        sh->next_chain = 0;
    }
    pthread_mutex_unlock(&sh->lock);
    return found;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    sweep_shared *sh = w->shared;
    int skip = !sh->options->no_skip && !sh->options->all_points;
    unsigned length;
    size_t start, count;
    while (w->status == CASCADE_OK && next_batch(sh, &length, &start, &count)) {
        const chain_list *list = &sh->lists[length];
        if (length == 2 && sh->by_sample &&
            sweep_first_stage(w, list->models + 2 * start, count, skip)) {
            pthread_mutex_lock(&sh->lock);
            sh->chains_done += count;
            if (w->status != CASCADE_OK && sh->status == CASCADE_OK)
                sh->status = w->status;
            report_progress(sh, sh->chains_done);
            pthread_mutex_unlock(&sh->lock);
            continue;
        }
        for (size_t c = start; c < start + count && w->status == CASCADE_OK; c++) {
            const uint16_t *chain = list->models + c * length;
            if (skip) {
                double bound = oracle_bound(sh, chain, length) / (double)sh->dataset->samples;
                if (dominated(w, sh->dataset->models[chain[0]].cost, bound)) {
                    w->stats.chains_skipped++;
                    continue;
                }
            }
            w->status = length == 2 ? sweep_pair(w, chain[0], chain[1])
                                    : sweep_grid_chain(w, chain, length);
            w->stats.chains_swept++;
        }
        pthread_mutex_lock(&sh->lock);
        sh->chains_done += count;
        if (w->status != CASCADE_OK && sh->status == CASCADE_OK)
            sh->status = w->status;
        report_progress(sh, sh->chains_done);
        pthread_mutex_unlock(&sh->lock);
    }
    return NULL;
}

cascade_status cascade_sweep_chain(const cascade_dataset *dataset, const unsigned *models,
                                   unsigned stages, unsigned grid, cascade_front *out,
                                   cascade_error *error)
{
    if (stages < 2 || stages > CASCADE_MAX_STAGES)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "a chain of %u stages (expected 2 to %d)", stages, CASCADE_MAX_STAGES);
    uint16_t chain[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < stages; s++) {
        if (models[s] >= dataset->model_count)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "model index %u is out of range (expected < %zu)", models[s], dataset->model_count);
        chain[s] = (uint16_t)models[s];
    }
    cascade_sweep_options options = {.no_skip = 1};
    sweep_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.dataset = dataset;
    sh.options = &options;
    sh.prep = calloc(dataset->model_count, sizeof *sh.prep);
    worker w;
    memset(&w, 0, sizeof w);
    w.shared = &sh;
    cascade_front_init(&w.front);
    w.correct = malloc(dataset->samples * sizeof *w.correct);
    sh.joint = malloc(dataset->model_count * dataset->model_count * sizeof *sh.joint);
    cascade_status status = sh.prep && w.correct && sh.joint ? CASCADE_OK : CASCADE_ERR_NOMEM;
    if (status == CASCADE_OK)
        status = joint_correct(dataset, sh.joint);
    for (unsigned s = 0; s + 1 < stages && status == CASCADE_OK; s++)
        if (!sh.prep[chain[s]].order)
            status = prepare_model(&dataset->models[chain[s]].records,
                                   stages >= 3 ? (grid ? grid : DEFAULT_GRID) : 0,
                                   &sh.prep[chain[s]]);
    if (status == CASCADE_OK)
        status = stages == 2 ? sweep_pair(&w, chain[0], chain[1])
                             : sweep_grid_chain(&w, chain, stages);
    for (size_t i = 0; i < w.front.count && status == CASCADE_OK; i++)
        status = cascade_front_add(out, &w.front.points[i]);
    if (sh.prep)
        for (size_t i = 0; i < dataset->model_count; i++)
            free_prep(&sh.prep[i]);
    free(sh.prep);
    free(sh.joint);
    cascade_front_free(&w.front);
    free(w.correct);
    free(w.table);
    free(w.points);
    free(w.reduced_cost);
    free(w.reduced_accuracy);
    if (status == CASCADE_ERR_ARGUMENT)
        return cascade_error_set(error, status, NULL, -1, -1,
            "a %u-stage threshold table exceeds %d cells (expected a smaller grid)",
            stages, MAX_TABLE_CELLS);
    if (status != CASCADE_OK)
        return cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    return CASCADE_OK;
}

/* ---- the sweep ---- */

static cascade_status add_single_models(const cascade_dataset *d, const uint16_t *ids,
                                        size_t n, cascade_front *front)
{
    for (size_t c = 0; c < n; c++) {
        unsigned m = ids[c];
        cascade_point p;
        memset(&p, 0, sizeof p);
        p.stages = 1;
        p.model[0] = m;
        p.accuracy = d->models[m].table_only
                         ? d->models[m].accuracy
                         : (double)d->models[m].records.correct_count / (double)d->samples;
        p.cost = d->models[m].cost;
        p.answered[0] = 1.0;
        if (cascade_front_add(front, &p) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    return CASCADE_OK;
}

static unsigned thread_count(const cascade_sweep_options *o)
{
    if (o->all_points)
        return 1;
    if (o->threads)
        return o->threads;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (unsigned)online : 1;
}

static cascade_status run_workers(sweep_shared *sh, cascade_front *front,
                                  cascade_sweep_stats *stats)
{
    unsigned threads = thread_count(sh->options);
    worker *workers = calloc(threads, sizeof *workers);
    pthread_t *ids = calloc(threads, sizeof *ids);
    if (!workers || !ids) {
        free(workers);
        free(ids);
        return CASCADE_ERR_NOMEM;
    }
    cascade_status status = CASCADE_OK;
    unsigned started = 0;
    for (unsigned t = 0; t < threads && status == CASCADE_OK; t++) {
        worker *w = &workers[t];
        w->shared = sh;
        cascade_front_init(&w->front);
        /* Every worker starts from the single models, so it can skip chains. */
        for (size_t i = 0; i < front->count && status == CASCADE_OK; i++)
            status = cascade_front_add(&w->front, &front->points[i]);
        if (status == CASCADE_OK)
            status = worker_reduce(w);
        w->correct = malloc(sh->dataset->samples * sizeof *w->correct);
        if (!w->correct)
            status = CASCADE_ERR_NOMEM;
    }
    for (unsigned t = 0; t < threads && status == CASCADE_OK; t++) {
        if (pthread_create(&ids[t], NULL, worker_main, &workers[t]) != 0) {
            if (t == 0)
                worker_main(&workers[0]); /* no threads: work here */
            break;
        }
        started++;
    }
    for (unsigned t = 0; t < started; t++)
        pthread_join(ids[t], NULL);
    for (unsigned t = 0; t < threads; t++) {
        worker *w = &workers[t];
        if (w->status != CASCADE_OK && status == CASCADE_OK)
            status = w->status;
        for (size_t i = 0; i < w->front.count && status == CASCADE_OK; i++)
            status = cascade_front_add(front, &w->front.points[i]);
        if (status == CASCADE_OK)
            cascade_front_reduce(front);
        stats->chains_swept += w->stats.chains_swept;
        stats->chains_skipped += w->stats.chains_skipped;
        stats->candidates += w->stats.candidates;
        cascade_front_free(&w->front);
        free(w->correct);
        free(w->table);
        free(w->points);
        free(w->reduced_cost);
        free(w->reduced_accuracy);
        free(w->suffix);
        free(w->best);
        free(w->walks);
    }
    free(workers);
    free(ids);
    return status;
}

cascade_status cascade_sweep(const cascade_dataset *dataset,
                             const cascade_sweep_options *options,
                             cascade_front *front, cascade_sweep_stats *stats,
                             cascade_error *error)
{
    cascade_sweep_options defaults = {0};
    if (!options)
        options = &defaults;
    unsigned max_stages = options->max_stages ? options->max_stages : 2;
    unsigned grid = options->grid ? options->grid : DEFAULT_GRID;
    if (max_stages > CASCADE_MAX_STAGES)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "%u stages requested (expected 1 to %d)", max_stages, CASCADE_MAX_STAGES);
    if (grid > 65534)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "a grid of %u thresholds (expected at most 65534)", grid);
    size_t scored = 0; /* models with per-sample records: only they form chains */
    for (size_t i = 0; i < dataset->model_count; i++)
        scored += !dataset->models[i].table_only;
    if (!dataset->has_labels && scored > 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, dataset->manifest->path,
            -1, -1, "no labels (expected \"labels\" in the manifest to sweep)");
    if (dataset->model_count > 65535)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "%zu models (expected at most 65535)", dataset->model_count);
    cascade_sweep_stats local = {0};
    size_t m = dataset->model_count;
    uint16_t *ids = malloc(m * sizeof *ids), *front_ids = malloc(m * sizeof *ids);
    sweep_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.dataset = dataset;
    sh.options = options;
    sh.max_stages = max_stages;
    sh.status = CASCADE_OK;
    sh.list_index = 2;
    cascade_status status = ids && front_ids ? CASCADE_OK : CASCADE_ERR_NOMEM;
    size_t n = 0, n_front = 0;
    for (size_t i = 0; i < m && status == CASCADE_OK; i++)
        if (!options->candidates || options->candidates[i])
            ids[n++] = (uint16_t)i;
    if (status == CASCADE_OK && n == 0)
        status = cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                   "no candidate models (expected at least one)");
    else if (status == CASCADE_OK) {
        sort_by_cost(ids, n, dataset);
        status = add_single_models(dataset, ids, n, front);
        local.candidates = n;
        /* Table-only models stop here: from now on ids lists chain models. */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++)
            if (!dataset->models[ids[i]].table_only)
                ids[kept++] = ids[i];
        n = kept;
        if (status == CASCADE_OK && options->all_points)
            for (size_t i = 0; i < front->count && status == CASCADE_OK; i++)
                status = cascade_front_add(options->all_points, &front->points[i]);
        cascade_front_reduce(front);
        /* The single-model front, by cost, for --front-only. */
        for (size_t i = 0; i < front->count; i++)
            if (!dataset->models[front->points[i].model[0]].table_only)
                front_ids[n_front++] = (uint16_t)front->points[i].model[0];
        if (status != CASCADE_OK)
            cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    }
    if (status == CASCADE_OK && max_stages >= 2 && n >= 2) {
        sh.prep = calloc(m, sizeof *sh.prep);
        sh.joint = malloc(m * m * sizeof *sh.joint);
        sh.lists = calloc(max_stages + 1, sizeof *sh.lists);
        if (!sh.prep || !sh.joint || !sh.lists)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        for (size_t i = 0; i < n && status == CASCADE_OK; i++)
            if (prepare_model(&dataset->models[ids[i]].records, max_stages >= 3 ? grid : 0,
                              &sh.prep[ids[i]]) != CASCADE_OK)
                status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        if (status == CASCADE_OK && joint_correct(dataset, sh.joint) != CASCADE_OK)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        /* Sample-major correctness, candidates in cost order: a pair group's
         * second stages are then one contiguous run of each row. */
        sh.columns = n;
        sh.column = calloc(m, sizeof *sh.column);
        sh.by_sample = malloc(dataset->samples * n);
        if (status == CASCADE_OK && (!sh.column || !sh.by_sample))
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        for (size_t c = 0; c < n && status == CASCADE_OK; c++) {
            const uint8_t *correct = dataset->models[ids[c]].records.correct;
            sh.column[ids[c]] = (uint32_t)c;
            for (size_t i = 0; i < dataset->samples; i++)
                sh.by_sample[i * n + c] = correct[i];
        }
        for (unsigned length = 2; length <= max_stages && status == CASCADE_OK; length++) {
            int restrict_to_front = options->front_only && length >= 3;
            status = enumerate_chains(dataset, restrict_to_front ? front_ids : ids,
                                      restrict_to_front ? n_front : n, length,
                                      &sh.lists[length], error);
            sh.total_chains += sh.lists[length].count;
        }
        if (status == CASCADE_OK) {
            pthread_mutex_init(&sh.lock, NULL);
            status = run_workers(&sh, front, &local);
            pthread_mutex_destroy(&sh.lock);
            if (status == CASCADE_ERR_ARGUMENT)
                cascade_error_set(error, status, NULL, -1, -1,
                    "a %u-stage threshold table over a grid of %u exceeds %d cells (expected a smaller --grid)",
                    max_stages, grid, MAX_TABLE_CELLS);
            else if (status != CASCADE_OK)
                cascade_error_set(error, status, NULL, -1, -1, "out of memory");
        }
    }
    if (sh.prep)
        for (size_t i = 0; i < m; i++)
            free_prep(&sh.prep[i]);
    if (sh.lists)
        for (unsigned l = 0; l <= max_stages; l++)
            free(sh.lists[l].models);
    free(sh.prep);
    free(sh.joint);
    free(sh.lists);
    free(sh.by_sample);
    free(sh.column);
    free(ids);
    free(front_ids);
    if (status == CASCADE_OK)
        cascade_front_reduce(front);
    if (stats)
        *stats = local;
    return status;
}
