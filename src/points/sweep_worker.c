/* What a sweep worker knows: the front found so far, kept reduced and in
 * compact arrays for look-ups, and the bounds that let it skip chains. */
#include "points/sweep_internal.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* cheap_right[i + 1] = #{r : r / samples < cheap[i]}: a point of r right
 * is beaten by cheap[i] iff r < cheap_right[i + 1], and cheap_right[0] = 0
 * stands for the keys below the first bucket. The front's accuracies need not
 * be multiples of 1 / samples (table-only models), so this counts on the
 * same quotients as the points' accuracies (sh->fraction); both rise with
 * i, so one walk finds them all. */
static cascade_status build_cheap_right(worker *w)
{
    const double *fraction = w->shared->fraction;
    if (!fraction)
        return CASCADE_OK;
    size_t samples = w->shared->dataset->samples, r = 0;
    w->cheap_right[0] = 0;
    for (size_t i = 0; i < w->cheap_count; i++) {
        while (r <= samples && fraction[r] < w->cheap[i])
            r++;
        w->cheap_right[i + 1] = (uint32_t)r;
    }
    return CASCADE_OK;
}

/* A positive cost's bucket: its exponent and top 8 mantissa bits, which
 * order like the cost (1/256 of an octave a bucket). 0 for costs <= 0. */
/* cheap[] over the keys from the front's cheapest point to its costliest
 * plus a margin: at most 2^16 buckets (256 octaves), else none. */
static cascade_status build_cheap_test(worker *w)
{
    enum { MAX_BUCKETS = 1 << 16 };
    w->cheap_count = 0;
    if (w->reduced == 0)
        return CASCADE_OK;
    uint64_t first = sweep_cost_key(w->reduced_cost[0]);
    uint64_t last = sweep_cost_key(w->reduced_cost[w->reduced - 1]) + 1;
    if (last - first + 1 > MAX_BUCKETS)
        return CASCADE_OK;
    size_t count = (size_t)(last - first + 1);
    if (count > w->cheap_capacity) {
        double *grown = realloc(w->cheap, count * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->cheap = grown;
        uint32_t *right = realloc(w->cheap_right, (count + 1) * sizeof *right);
        if (!right)
            return CASCADE_ERR_NOMEM;
        w->cheap_right = right;
        w->cheap_capacity = count;
    }
    /* cheap[i]: the accuracy of the last front point whose key is below
     * first + i (accuracy rises along the front) */
    size_t p = 0;
    double best = -1;
    for (size_t i = 0; i < count; i++) {
        while (p < w->reduced && sweep_cost_key(w->reduced_cost[p]) < first + i)
            best = w->reduced_accuracy[p++];
        w->cheap[i] = best;
    }
    w->cheap_first = first;
    w->cheap_count = count;
    return build_cheap_right(w);
}

/* above[] over the fine keys of the reduced front, from its cheapest point
 * to its costliest: at most 2^17 buckets (32 octaves), else none. */
static cascade_status build_above_test(worker *w)
{
    enum { MAX_BUCKETS = 1 << 17 };
    w->above_count = 0;
    if (w->reduced == 0)
        return CASCADE_OK;
    uint64_t first = sweep_fine_cost_key(w->reduced_cost[0]);
    uint64_t last = sweep_fine_cost_key(w->reduced_cost[w->reduced - 1]);
    if (last - first + 1 > MAX_BUCKETS)
        return CASCADE_OK;
    size_t count = (size_t)(last - first + 1);
    if (count > w->above_capacity) {
        double *grown = realloc(w->above, count * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->above = grown;
        int32_t *right = realloc(w->above_right, count * sizeof *right);
        if (!right)
            return CASCADE_ERR_NOMEM;
        w->above_right = right;
        w->above_capacity = count;
    }
    /* above[i]: the accuracy of the last front point whose key is at most
     * first + i (accuracy rises along the front) */
    size_t p = 0;
    double best = -1, samples = (double)w->shared->dataset->samples;
    int32_t right = -1; /* as the floors count them; -1 before any point (never a raise) */
    for (size_t i = 0; i < count; i++) {
        if (p < w->reduced && sweep_fine_cost_key(w->reduced_cost[p]) <= first + i) {
            while (p < w->reduced && sweep_fine_cost_key(w->reduced_cost[p]) <= first + i)
                best = w->reduced_accuracy[p++];
            double units = floor(best * samples);
            right = units < INT32_MAX ? (int32_t)units : INT32_MAX - 1;
        }
        w->above[i] = best;
        w->above_right[i] = right;
    }
    w->above_first = first;
    w->above_count = count;
    return CASCADE_OK;
}

/* The table made a running best: each bucket then holds the best accuracy
 * of a point found at or below it. */
static void running_best_above(worker *w)
{
    double best = -1;
    for (size_t i = 0; i < w->above_count; i++) {
        best = w->above[i] > best ? w->above[i] : best;
        w->above[i] = best;
    }
}

/* After running_best_above(): whether a point found in a strictly cheaper
 * fine bucket is as accurate, in O(1). */
static int beaten_below(const worker *w, double cost, double accuracy)
{
    if (w->above_count == 0)
        return 0;
    uint64_t key = sweep_fine_cost_key(cost);
    if (key <= w->above_first)
        return 0;
    size_t below = key - w->above_first - 1, last = w->above_count - 1;
    return w->above[below < last ? below : last] >= accuracy;
}

void sweep_pair_point(const cascade_dataset *d, const pair_found *f, cascade_point *p)
{
    size_t k = d->samples;
    const double *confidence = d->models[f->a].records.confidence;
    memset(p, 0, sizeof *p);
    p->stages = 2;
    p->model[0] = f->a;
    p->model[1] = f->b;
    p->threshold[0] = confidence[f->exiting];
    /* The next confidence down, for the final threshold between the two
     * (sweep_finish_pair_thresholds()): kept here so that a's order need
     * not outlive its pairs' walk. A pair's second threshold is otherwise
     * unused, and compared by none. */
    p->threshold[1] = confidence[f->staying];
    p->accuracy = f->accuracy;
    p->cost = f->cost;
    p->answered[0] = (double)f->n_exit / (double)k;
    p->answered[1] = (double)(k - f->n_exit) / (double)k;
}

static cascade_status make_pair_point(worker *w, const pair_found *f)
{
    cascade_point p;
    sweep_pair_point(w->shared->dataset, f, &p);
    return cascade_front_add(&w->front, &p);
}

/* Moves the compact pair points into the front, those beaten_below() left
 * out when BEATEN_OUT (the table then a running best). */
static cascade_status move_found(worker *w, int beaten_out)
{
    cascade_status status = CASCADE_OK;
    for (size_t i = 0; i < w->found_count && status == CASCADE_OK; i++)
        if (!beaten_out || !beaten_below(w, w->found[i].cost, w->found[i].accuracy))
            status = make_pair_point(w, &w->found[i]);
    w->found_count = 0;
    return status;
}

cascade_status sweep_worker_flush(worker *w)
{
    return move_found(w, 0);
}

/* Drops from the worker's unreduced tail, and from the compact pair
 * points, those that a point found in a strictly cheaper fine bucket is
 * as accurate as: the table, made a running best, says so in O(1) a
 * point. Most of a tail is beaten so, by points found after it, and its
 * sort and merge then handle the rest only. The front comes out the same:
 * only strictly beaten points go. */
static cascade_status drop_beaten_tail(worker *w)
{
    running_best_above(w);
    cascade_point *points = w->front.points;
    size_t kept = w->reduced;
    for (size_t i = w->reduced; i < w->front.count; i++) {
        if (beaten_below(w, points[i].cost, points[i].accuracy))
            continue;
        if (kept != i)
            points[kept] = points[i];
        kept++;
    }
    w->front.count = kept;
    return move_found(w, 1);
}

cascade_status sweep_worker_reduce(worker *w)
{
    w->reductions++;
    if (drop_beaten_tail(w) != CASCADE_OK)
        return CASCADE_ERR_NOMEM;
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
    cascade_status status = build_above_test(w);
    return status == CASCADE_OK ? build_cheap_test(w) : status;
}

/* Folds a point found at COST with ACCURACY, added since the last
 * reduction, into the fine table, so that the candidates and floors that
 * follow see it and not only the reduced front: a walk's pairs find points
 * near one another's, and without this most of a sweep's points were
 * beaten within the next reduction. Each
 * bucket stays the accuracy of a point found at or below it, and at least
 * the reduced front's best there, which is all its readers rely on (not
 * that it rises along the buckets). A point outside the table is left
 * out, which only makes the table's answers more cautious. */
static void raise_above(worker *w, double cost, double accuracy)
{
    /* The next 8 buckets (1/512 of an octave) at most: on set (ii) that
     * keeps nearly all the points it spares (0.80 M points added against
     * 0.70 M raising every bucket up to the next better point, and 1.08 M
     * not raising), while raising every bucket cost more than it saved. */
    enum { RAISE_SPAN = 8 };
    uint64_t key = sweep_fine_cost_key(cost);
    if (key < w->above_first)
        return;
    size_t i = key - w->above_first;
    if (i >= w->above_count || !(w->above[i] < accuracy))
        return;
    double units = floor(accuracy * (double)w->shared->dataset->samples);
    int32_t right = units < INT32_MAX ? (int32_t)units : INT32_MAX - 1;
    size_t end = i + RAISE_SPAN < w->above_count ? i + RAISE_SPAN : w->above_count;
    for (; i < end && w->above[i] < accuracy; i++) {
        w->above[i] = accuracy;
        w->above_right[i] = right > w->above_right[i] ? right : w->above_right[i];
    }
}

cascade_status sweep_worker_add(worker *w, const cascade_point *p)
{
    cascade_front *all = w->shared->options->all_points;
    if (all && cascade_front_add(all, p) != CASCADE_OK)
        return CASCADE_ERR_NOMEM;
    if (cascade_front_add(&w->front, p) != CASCADE_OK)
        return CASCADE_ERR_NOMEM;
    if (w->above_count)
        raise_above(w, p->cost, p->accuracy);
    /* Reduce once the unreduced tail outgrows the reduced part: amortised
     * O(n log n), and the reduced part is what skipping looks up. */
    if (++w->since_reduce >= REDUCE_EVERY && w->since_reduce >= w->reduced)
        return sweep_worker_reduce(w);
    return CASCADE_OK;
}

cascade_status sweep_worker_add_pair(worker *w, const pair_found *found)
{
    if (w->found_count == w->found_capacity) {
        size_t capacity = w->found_capacity ? 2 * w->found_capacity : 1024;
        pair_found *grown = realloc(w->found, capacity * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->found = grown;
        w->found_capacity = capacity;
    }
    w->found[w->found_count++] = *found;
    if (w->above_count)
        raise_above(w, found->cost, found->accuracy);
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
    if (w->above_count) {
        /* The fine table settles most in O(1): a point in a fine bucket
         * below COST's costs strictly less, and none at or below COST's
         * bucket reaching ACCURACY means none that costs at most COST does.
         * Refinement asked this of millions of window points (a tenth of
         * its time went to the binary search). */
        uint64_t key = sweep_fine_cost_key(cost);
        if (key < w->above_first)
            return 0;
        size_t i = key - w->above_first, last = w->above_count - 1;
        if (i > 0 && w->above[i - 1 < last ? i - 1 : last] >= accuracy)
            return 1;
        if (w->above[i < last ? i : last] < accuracy)
            return 0;
    }
    size_t at_most = sweep_lower_bound(w->reduced_cost, w->reduced, cost, 1), below = at_most;
    while (below && w->reduced_cost[below - 1] == cost)
        below--;
    return (at_most && w->reduced_accuracy[at_most - 1] > accuracy) ||
           (below && w->reduced_accuracy[below - 1] >= accuracy);
}

/* Samples both A and B get right, over W words of their correctness bits. */
static double and_count(const uint64_t *a, const uint64_t *b, size_t words)
{
    uint64_t count = 0;
    for (size_t w = 0; w < words; w++)
        count += (uint64_t)__builtin_popcountll(a[w] & b[w]);
    return (double)count;
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("popcnt"))) static double and_count_popcnt(const uint64_t *a,
                                                                 const uint64_t *b, size_t words)
{
    uint64_t count = 0;
    for (size_t w = 0; w < words; w++)
        count += (uint64_t)__builtin_popcountll(a[w] & b[w]);
    return (double)count;
}

static int popcnt_present;

static void detect_popcnt(void)
{
    __builtin_cpu_init();
    popcnt_present = __builtin_cpu_supports("popcnt");
}
#endif

size_t sweep_joint_words(const cascade_dataset *d)
{
    return (d->samples + 63) / 64;
}

void sweep_joint_bits_row(const cascade_dataset *d, size_t j, uint64_t *bits)
{
    size_t k = d->samples, words = sweep_joint_words(d);
    uint64_t *row = bits + j * words;
    memset(row, 0, words * sizeof *row);
    if (d->models[j].table_only)
        return;
    const uint8_t *correct = d->models[j].records.correct;
    size_t i = 0;
#if defined(__SSE2__)
    /* 16 bytes to 16 bits a compare and a movemask: the loop a bit at a
     * time was 10 instructions a sample, 3% of a sweep of 200 models. */
    const __m128i zero = _mm_setzero_si128();
    for (; i + 64 <= k; i += 64) {
        uint64_t word = 0;
        for (unsigned q = 0; q < 4; q++) {
            __m128i bytes = _mm_loadu_si128((const __m128i *)(correct + i + 16 * q));
            unsigned wrong = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, zero));
            word |= (uint64_t)(~wrong & 0xffffu) << (16 * q);
        }
        row[i >> 6] = word;
    }
#endif
    for (; i < k; i++)
        row[i >> 6] |= (uint64_t)(correct[i] != 0) << (i & 63);
}

void sweep_joint_row(const cascade_dataset *d, size_t a, const uint64_t *bits, double *joint)
{
    size_t m = d->model_count, words = sweep_joint_words(d);
    double (*count)(const uint64_t *, const uint64_t *, size_t) = and_count;
#if defined(__x86_64__) && defined(__GNUC__)
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, detect_popcnt);
    if (popcnt_present)
        count = and_count_popcnt;
#endif
    /* the upper part, a <= b, as the bounds read it (sweep_joint_at) */
    memset(joint + a * m, 0, m * sizeof *joint);
    for (size_t b = a; b < m; b++)
        joint[a * m + b] = count(bits + a * words, bits + b * words, words);
}

cascade_status sweep_joint_correct(const cascade_dataset *d, double *joint)
{
    /* Each model's correctness as bits, then one AND and popcount per word
     * and pair: 200 models of 50,000 samples are 16 million words. The SYRK
     * over the same 0/1 matrix in doubles ran OpenBLAS's generic kernel here
     * (OPENBLAS_CORETYPE is pinned on these machines): a tenth of the sweep's
     * CPU time on 200 models, by perf. The counts are the same integers.
     * cascade_sweep() runs the same rows on its threads. */
    size_t m = d->model_count, words = sweep_joint_words(d);
    uint64_t *bits = malloc((m * words > 0 ? m * words : 1) * sizeof *bits); /* [m][words] */
    if (!bits)
        return CASCADE_ERR_NOMEM;
    for (size_t j = 0; j < m; j++)
        sweep_joint_bits_row(d, j, bits);
    for (size_t a = 0; a < m; a++)
        sweep_joint_row(d, a, bits, joint);
    free(bits);
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

cascade_status sweep_gain_table(sweep_shared *sh, const uint16_t *ids, size_t n)
{
    /* A budget of 64 MB: 64 steps up to about 500 models, fewer beyond. */
    enum { BUDGET = 64 << 20, MAX_STEPS = 64 };
    size_t m = sh->dataset->model_count, k = sh->dataset->samples;
    size_t cells = m * m;
    size_t steps = BUDGET / (cells * sizeof(uint32_t)) - 1;
    if (steps > MAX_STEPS)
        steps = MAX_STEPS;
    if (steps < 4 || steps > k)
        return CASCADE_OK; /* too many models, or too few samples: the oracle bound only */
    sh->gain_steps = (unsigned)steps;
    sh->gain = calloc(cells * (steps + 1), sizeof *sh->gain);
    uint32_t *count = calloc(m, sizeof *count);
    if (!sh->gain || !count) {
        free(sh->gain);
        free(count);
        sh->gain = NULL;
        return CASCADE_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned a = ids[i];
        const model_prep *o = &sh->prep[a];
        const uint8_t *right_a = sh->dataset->models[a].records.correct;
        memset(count, 0, m * sizeof *count);
        size_t first = sh->column[a] + 1; /* columns of the costlier models */
        size_t q = 1, next = k / steps;   /* n_q = q k / steps */
        for (size_t walked = 1; walked <= k; walked++) {
            uint32_t sample = o->order[k - walked];
            if (!right_a[sample]) {
                const uint8_t *row = sh->by_sample + (size_t)sample * sh->columns;
                for (size_t c = first; c < n; c++)
                    count[c] += row[c];
            }
            while (q <= steps && walked == next) {
                uint32_t *out = sh->gain + (size_t)a * m * (steps + 1);
                for (size_t c = first; c < n; c++)
                    out[(size_t)ids[c] * (steps + 1) + q] = count[c];
                q++;
                next = q * k / steps;
            }
        }
    }
    free(count);
    return CASCADE_OK;
}

int sweep_gain_beaten(const worker *w, const uint16_t *chain, unsigned n)
{
    const sweep_shared *sh = w->shared;
    if (!sh->gain)
        return 0;
    const cascade_dataset *d = sh->dataset;
    size_t m = d->model_count, k = d->samples, steps = sh->gain_steps;
    unsigned a = chain[0];
    double cost_a = d->models[a].cost, cost_b = d->models[chain[1]].cost;
    size_t right_a = d->models[a].records.correct_count;
    const uint32_t *row = sh->gain + (size_t)a * m * (steps + 1);
    /* The grid lets between n_min and n_max samples go on past a. */
    const model_prep *o = &sh->prep[a];
    if (o->grid_size == 0)
        return 0;
    size_t n_min = k - o->grid_exit[o->grid_size - 1], n_max = k - o->grid_exit[0];
    /* Points whose later stages take n samples, n_(q-1) < n <= n_q, cost at
     * least cost_a + cost_b max(n_(q-1), n_min) / k and get at most right_a
     * plus the gain at n_q right (the gain only grows with n). */
    for (size_t q = 1; q <= steps; q++) {
        size_t below = (q - 1) * k / steps, upto = q * k / steps;
        if (upto < n_min)
            continue;
        if (below >= n_max)
            break;
        size_t gain = 0;
        for (unsigned s = 1; s < n; s++)
            gain += row[(size_t)chain[s] * (steps + 1) + q];
        if (gain > k - right_a)
            gain = k - right_a;
        size_t least = below > n_min ? below : n_min;
        double cost = cost_a + cost_b * ((double)least / (double)k);
        if (!sweep_dominated(w, cost, (double)(right_a + gain) / (double)k))
            return 0;
    }
    return 1;
}

void sweep_worker_free(worker *w)
{
    cascade_front_free(&w->front);
    free(w->found);
    free(w->table);
    free(w->cell_of);
    free(w->points);
    free(w->reduced_cost);
    free(w->reduced_accuracy);
    free(w->cheap);
    free(w->cheap_right);
    free(w->above);
    free(w->above_right);
    free(w->rows.right);
    free(w->rows.reached);
    free(w->rows.reached_fraction);
    free(w->rows.cost);
    free(w->rows.column);
    free(w->suffix);
    free(w->best);
    free(w->pending);
    free(w->hot);
    free(w->walks);
    sweep_free_prep(&w->own_prep);
    sweep_free_scratch(&w->own_scratch);
    sweep_free_score_scratch(w);
    sweep_free_per_sample_scratch(w);
}
