/* Exact pairs: every distinct confidence of the first stage a threshold.
 *
 * For a first stage a, sort samples by a's confidence, descending. Exiting
 * at a threshold between two adjacent distinct confidences sends the top n
 * samples to a's answer and the rest to b's, so correct(n) and
 * cost(n) = cost_a + cost_b (k - n) / k come from running sums over a's
 * order: one O(k) pass per pair. */
#include "points/sweep_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The cost of pair (COST_A, COST_B) with N_EXIT of K samples exiting at
 * the first stage: cascade_chain_cost with reached (K, K - N_EXIT), bit for
 * bit. */
static inline double pair_cost(double cost_a, double cost_b, size_t k, size_t n_exit)
{
    return cost_a + cost_b * ((double)(k - n_exit) / (double)k);
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
    return lo + sweep_lower_bound(cost + lo, hi - lo, c, strict);
}

static front_walk walk_start(const worker *w, double cost)
{
    size_t at = sweep_lower_bound(w->reduced_cost, w->reduced, cost, 0);
    return (front_walk){at, at, w->reductions};
}

static void walk_to(const worker *w, front_walk *walk, double cost)
{
    if (walk->reductions != w->reductions) { /* reduced meanwhile: find our place again */
        walk->reductions = w->reductions;
        walk->at_most = sweep_lower_bound(w->reduced_cost, w->reduced, cost, 1);
        walk->below = sweep_lower_bound(w->reduced_cost, w->reduced, cost, 0);
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

/* Raises *FLOOR_CORRECT (in correct answers) to what a point found already
 * reaches at cost COST (<= COST when AT_MOST, else strictly below): later
 * points of the pair cost more than COST, so they are beaten unless they
 * get more right. floor() keeps it conservative when accuracies are not
 * whole multiples of 1/k (table-only models). With the fine table
 * (w->above_count > 0), from the best point in the fine buckets wholly
 * below COST's: a little lower than the walk's floor at most, never
 * higher, in O(1); the walk then stays where it is, and pair_candidate()
 * moves it on when it needs it. A skipped pair's INT32_MAX stays. */
static inline void raise_floor(const worker *w, front_walk *walk, double cost, int at_most,
                               int32_t *floor_correct)
{
    int32_t right;
    if (w->above_count) {
        uint64_t key = sweep_fine_cost_key(cost);
        if (key <= w->above_first)
            return;
        size_t i = key - w->above_first - 1;
        right = w->above_right[i < w->above_count ? i : w->above_count - 1];
    } else {
        if (*floor_correct == INT32_MAX)
            return;
        walk_to(w, walk, cost);
        size_t n = at_most ? walk->at_most : walk->below;
        if (!n)
            return;
        right = (int32_t)floor(w->reduced_accuracy[n - 1] * (double)w->shared->dataset->samples);
    }
    if (right > *floor_correct)
        *floor_correct = right;
}

/* Adds pair (a, b) with the top N_EXIT samples exiting at a. Its threshold
 * is left as the lowest exiting confidence, which orders points as the
 * final threshold does: formatting the final one (a few snprintf/strtod
 * rounds) waits for the few points that stay on the front. O is a's
 * preparation (its order). */
cascade_status sweep_add_pair_point(worker *w, const model_prep *o, unsigned a, unsigned b,
                                    size_t n_exit, double cost, double accuracy)
{
    pair_found found = {cost, accuracy, (uint32_t)n_exit, (uint16_t)a, (uint16_t)b,
                        o->order[n_exit - 1], o->order[n_exit]};
    cascade_point p;
    sweep_pair_point(w->shared->dataset, &found, &p);
    return sweep_worker_add(w, &p);
}

/* One pair, walked from the cheap end: n = k exits at a, then fewer and
 * fewer. With suffix sums over a's order,
 *   correct(n) = total_a + sum_{pos >= n} (correct_b - correct_a),
 * and no point with fewer exits can get right more than correct(n) plus the
 * samples before n that only b gets right, R(n) = R(k) - (those at or after
 * n), where R(k) = total_b - joint(a, b), from the joint-correct counts. Once a point
 * found already beats that bound at the current cost, every remaining
 * (costlier) point is strictly sweep_dominated and the walk stops: weak pairs end
 * after a small part of the samples. */
cascade_status sweep_pair(worker *w, unsigned a, unsigned b)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *o = sweep_prep_of(w, a);
    if (!o)
        return CASCADE_ERR_NOMEM;
    const cascade_records *ra = &d->models[a].records, *rb = &d->models[b].records;
    const uint8_t *sorted_a = o->sorted_correct, *cb = rb->correct;
    const uint32_t *order = o->order;
    int keep_all = w->shared->options->all_points != NULL;
    size_t k = d->samples;
    double cost_a = d->models[a].cost, cost_b = d->models[b].cost;
    long long correct = (long long)ra->correct_count; /* correct(k) */
    long long only_b = (long long)rb->correct_count - (long long)sweep_joint_at(w->shared, a, b);
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
        double cost = pair_cost(cost_a, cost_b, k, n_exit);
        double accuracy = (double)correct / (double)k;
        if (!keep_all) {
            walk_to(w, &walk, cost);
            /* The bound only falls along the walk and the front only rises:
             * once a found point is strictly more accurate than it, this
             * point and every costlier one of the pair are sweep_dominated. */
            if (walk_best(w, &walk) > (double)(correct + only_b) / (double)k)
                break;
            if (walk_dominated(w, &walk, accuracy))
                continue;
        }
        if (sweep_add_pair_point(w, o, a, b, n_exit, cost, accuracy) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    w->stats.candidates += evaluated;
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
    uint8_t *pending = realloc(w->pending, columns * sizeof *pending);
    if (pending)
        w->pending = pending;
    uint32_t *hot = realloc(w->hot, columns * sizeof *hot);
    if (hot)
        w->hot = hot;
    front_walk *walks = realloc(w->walks, columns * sizeof *walks);
    if (walks)
        w->walks = walks;
    if (!suffix || !best || !pending || !hot || !walks)
        return 0;
    w->scratch_columns = columns;
    return 1;
}

/* Pair J's candidate at a group end, N_EXIT exiting at a: kept if it beats
 * the pair's best so far and no point found beats it. Returns 0 when out
 * of memory. */
static int pair_candidate(worker *w, const model_prep *o, const uint16_t *pairs, size_t j,
                          size_t n_exit, int32_t correct)
{
    const cascade_dataset *d = w->shared->dataset;
    size_t k = d->samples;
    unsigned a = pairs[0], b = pairs[2 * j + 1];
    w->best[j] = correct;
    double cost = pair_cost(d->models[a].cost, d->models[b].cost, k, n_exit);
    double accuracy = (double)correct / (double)k;
    if (!sweep_clearly_ahead(w, cost, accuracy)) {
        walk_to(w, &w->walks[j], cost);
        if (walk_dominated(w, &w->walks[j], accuracy))
            return 1;
    }
    pair_found found = {cost, accuracy, (uint32_t)n_exit, (uint16_t)a, (uint16_t)b,
                        o->order[n_exit - 1], o->order[n_exit]};
    return sweep_worker_add_pair(w, &found) == CASCADE_OK;
}

/* After a full look: the pairs within HOT of their best (slack = best -
 * right answers) into HOT, returning how many, and the least slack of the
 * others into *COLD (INT64_MAX when none). Slacks fit 32 bits: best is -1
 * to INT32_MAX, and right answers 0 to the samples. */
static inline __attribute__((always_inline)) size_t classify_scalar(
    const int32_t *best, const int32_t *suffix, int32_t base, size_t count, int32_t hot_slack,
    uint32_t *hot, size_t j, size_t n_hot, int64_t *cold)
{
    for (; j < count; j++) {
        int64_t slack = (int64_t)best[j] - (int64_t)(base + suffix[j]);
        if (slack < hot_slack)
            hot[n_hot++] = (uint32_t)j;
        else if (slack < *cold)
            *cold = slack;
    }
    return n_hot;
}

static size_t classify_default(const int32_t *best, const int32_t *suffix, int32_t base,
                               size_t count, int32_t hot_slack, uint32_t *hot, int64_t *cold)
{
    *cold = INT64_MAX;
    return classify_scalar(best, suffix, base, count, hot_slack, hot, 0, 0, cold);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* Eight pairs a step: this loop, scalar with two branches a pair, was 6%
 * of a sweep of 200 models' instructions. */
__attribute__((target("avx2"))) static inline size_t classify_avx2(
    const int32_t *best, const int32_t *suffix, int32_t base, size_t count, int32_t hot_slack,
    uint32_t *hot, int64_t *cold)
{
    const __m256i right_base = _mm256_set1_epi32(base), hot_at = _mm256_set1_epi32(hot_slack);
    const __m256i none = _mm256_set1_epi32(INT32_MAX);
    __m256i least = none;
    size_t n_hot = 0, j = 0;
    for (; j + 8 <= count; j += 8) {
        __m256i right =
            _mm256_add_epi32(right_base, _mm256_loadu_si256((const __m256i *)(suffix + j)));
        __m256i slack = _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(best + j)), right);
        __m256i is_hot = _mm256_cmpgt_epi32(hot_at, slack);
        for (unsigned mask = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(is_hot)); mask;
             mask &= mask - 1)
            hot[n_hot++] = (uint32_t)(j + (unsigned)__builtin_ctz(mask));
        least = _mm256_min_epi32(least, _mm256_blendv_epi8(slack, none, is_hot));
    }
    int32_t lanes[8];
    _mm256_storeu_si256((__m256i *)lanes, least);
    int32_t low = INT32_MAX;
    for (int i = 0; i < 8; i++)
        low = lanes[i] < low ? lanes[i] : low;
    /* INT32_MAX is also a real slack (a skipped pair, best INT32_MAX, at
     * zero right): as a cold slack it only means a look no sooner. */
    *cold = low == INT32_MAX ? INT64_MAX : low;
    return classify_scalar(best, suffix, base, count, hot_slack, hot, j, n_hot, cold);
}
#endif

/* A worker's first walk starts from the single models alone, and every
 * pair's rising points looked new to it: the first walk of a sweep of 200
 * models added 300,000 points, a tenth of all, nearly all beaten later.
 * So it is first walked coarsely: every pair's point at SCOUT_LOOKS group
 * ends spread over the samples goes into the front, which is reduced; the
 * walk proper then starts from floors that already know those points.
 * They are points of the sweep's own (a later walk finds them again), so
 * the front comes out the same. PAIRS, COUNT and LO as in first_stage(). */
static cascade_status scout(worker *w, const model_prep *o, const uint16_t *pairs, size_t count,
                            size_t lo)
{
    enum { SCOUT_LOOKS = 64 };
    const sweep_shared *sh = w->shared;
    const cascade_dataset *d = sh->dataset;
    unsigned a = pairs[0];
    size_t k = d->samples, step = k / SCOUT_LOOKS ? k / SCOUT_LOOKS : 1;
    int32_t *right_b = w->suffix, right_a = (int32_t)d->models[a].records.correct_count;
    for (size_t j = 0; j < count; j++)
        right_b[j] = 0;
    size_t pos = k, next_look = k - step;
    for (size_t g = o->groups; g-- > 0;) {
        size_t n_exit = o->group_end[g];
        for (; pos > n_exit; pos--) {
            const uint8_t *row = sh->by_sample + (size_t)o->order[pos - 1] * sh->columns + lo;
            right_a -= o->sorted_correct[pos - 1];
            for (size_t j = 0; j < count; j++)
                right_b[j] += row[j];
        }
        if (pos > next_look)
            continue;
        next_look = pos > step ? pos - step : 0;
        for (size_t j = 0; j < count; j++) {
            if (w->best[j] == INT32_MAX)
                continue; /* skipped */
            unsigned b = pairs[2 * j + 1];
            double cost = pair_cost(d->models[a].cost, d->models[b].cost, k, n_exit);
            double accuracy = (double)(right_a + right_b[j]) / (double)k;
            if (!sweep_dominated(w, cost, accuracy) &&
                sweep_add_pair_point(w, o, a, b, n_exit, cost, accuracy) != CASCADE_OK)
                return CASCADE_ERR_NOMEM;
        }
    }
    for (size_t j = 0; j < count; j++)
        right_b[j] = 0;
    return sweep_worker_reduce(w);
}

/* All pairs (a, b) with one first stage a at once: the same walk as
 * sweep_pair, from the cheap end, but each step adds the row of the
 * sample-major correctness matrix to every b's count, and only the b whose
 * count beats its own best so far is looked at further. That replaces a
 * gather per pair and sample with a short contiguous add the compiler
 * vectorises. PAIRS are COUNT (a, b) pairs with a common a whose b are
 * consecutive candidates by cost. Returns 0 when they are not (the caller
 * then sweeps them one by one), 1 when done (see w->status).
 *
 * Two savings over adding every row into 32-bit counts and comparing every
 * pair at every group:
 * - Rows go into byte counters (32 columns an AVX2 add, where 32-bit
 *   counts take 8), flushed into the 32-bit counts every 255 samples and
 *   before a full look.
 * - A pair's count of right answers rises by at most 1 a sample, and only
 *   on a sample that a gets wrong. So after a full look at every pair, one
 *   whose count is SLACK below its best cannot beat it for SLACK more of
 *   a's wrong answers: only the few pairs within HOT_SLACK of their best
 *   ("hot") are looked at, on every group end with a wrong answer of a,
 *   and the others all together once a's wrong answers since the full
 *   look exceed the smallest of their slacks. */
static inline __attribute__((always_inline)) int first_stage(
    worker *w, const uint16_t *pairs, size_t count, int skip,
    size_t (*classify)(const int32_t *, const int32_t *, int32_t, size_t, int32_t, uint32_t *,
                       int64_t *))
{
    enum { HOT_SLACK = 8, FLUSH_EVERY = 255 };
    const sweep_shared *sh = w->shared;
    const cascade_dataset *d = sh->dataset;
    unsigned a = pairs[0];
    size_t lo = sh->column[pairs[1]], hi = sh->column[pairs[2 * (count - 1) + 1]] + 1;
    if (hi - lo != count || w->shared->options->all_points)
        return 0;
    /* Rows are added in whole vectors of 32 bytes, the lanes past COUNT
     * ignored: the scalar tail of up to 31 bytes a row had been a fifth of
     * the walk's instructions. The matrix has the padding its last row
     * needs (SWEEP_ROW_PAD). */
    size_t lanes = (count + SWEEP_ROW_PAD - 1) & ~(size_t)(SWEEP_ROW_PAD - 1);
    if (!grow_scratch(w, lanes)) {
        w->status = CASCADE_ERR_NOMEM;
        return 1;
    }
    memset(w->pending, 0, lanes);
    const model_prep *o = sweep_prep_of(w, a);
    if (!o) {
        w->status = CASCADE_ERR_NOMEM;
        return 1;
    }
    const cascade_records *ra = &d->models[a].records;
    size_t k = d->samples, n_columns = sh->columns;
    double cost_a = d->models[a].cost;
    int32_t *suffix = w->suffix, *best = w->best;
    uint8_t *pending = w->pending; /* right answers not yet in suffix */
    uint32_t *hot = w->hot;
    for (size_t j = 0; j < count; j++) {
        uint16_t chain[2] = {(uint16_t)a, pairs[2 * j + 1]};
        suffix[j] = 0;
        pending[j] = 0;
        best[j] = -1;
        w->walks[j] = walk_start(w, cost_a);
        if (skip &&
            sweep_dominated(w, cost_a, sweep_oracle_bound(sh, chain, 2) / (double)k)) {
            best[j] = INT32_MAX; /* never beaten: the pair is skipped */
            w->stats.chains_skipped++;
        } else {
            w->stats.chains_swept++;
            w->stats.candidates += o->groups;
        }
    }
    /* Floors: a pair point costs more than cost_a, so one no more accurate
     * than the front already is at cost_a is beaten. Every point of pair j
     * must beat best[j] (its own cheaper points and this floor), and the
     * floor rises along the walk: far fewer points get looked at. Floors
     * only raise best, so they only add slack. */
    int32_t total_a = (int32_t)ra->correct_count, suffix_a = 0;
    if (!w->scouted) {
        w->scouted = 1;
        if (scout(w, o, pairs, count, lo) != CASCADE_OK) {
            w->status = CASCADE_ERR_NOMEM;
            return 1;
        }
    }
    for (size_t j = 0; j < count; j++)
        raise_floor(w, &w->walks[j], cost_a, 1, &best[j]);
    size_t pos = k, since_floor = 0, since_flush = 0, n_hot = 0;
    /* A pair's right answers rise only on a sample that a gets wrong (then
     * by b's answer; on one a gets right they fall or stay). So slack is
     * spent only by a's wrong answers: those walked, at the last full look
     * and at the last group end. The cold pairs' least slack at the full
     * look (-1: look at every pair at the first group end). */
    size_t wrong_looked = 0, wrong_before_group = 0;
    int64_t cold_slack = -1;
    for (size_t g = o->groups; g-- > 0;) {
        size_t n_exit = o->group_end[g];
        if (++since_floor == FLOOR_EVERY) {
            /* Later points of pair j cost more than now: beaten unless more
             * accurate than the best found strictly cheaper than now. */
            since_floor = 0;
            /* A later point moves samples of the unwalked top pos from a to
             * b: it gains at most those that a gets wrong and b right. Once
             * no pair can pass its best that way, none has another
             * candidate, and the rest of a's walk is skipped. */
            int32_t right_a_left = total_a - suffix_a;
            int32_t wrong_a_left = (int32_t)pos - right_a_left;
            int alive = 0;
            for (size_t j = 0; j < count; j++) {
                unsigned b = pairs[2 * j + 1];
                double now = pair_cost(cost_a, d->models[b].cost, k, n_exit);
                raise_floor(w, &w->walks[j], now, 0, &best[j]);
                int32_t right_b = suffix[j] + pending[j];
                int32_t right_b_left = (int32_t)d->models[b].records.correct_count - right_b;
                int32_t gain = wrong_a_left < right_b_left ? wrong_a_left : right_b_left;
                alive |= (int64_t)right_a_left + right_b + gain > best[j];
            }
            if (!alive)
                break;
        }
        for (; pos > n_exit; pos--) {
            const uint8_t *row = sh->by_sample + (size_t)o->order[pos - 1] * n_columns + lo;
            /* rows come in a's order, which no cache predicts: fetch ahead */
            if (pos > PREFETCH_ROWS) {
                const uint8_t *ahead =
                    sh->by_sample + (size_t)o->order[pos - 1 - PREFETCH_ROWS] * n_columns + lo;
                /* every cache line the row touches, its last one too */
                uintptr_t first = (uintptr_t)ahead & ~(uintptr_t)63;
                for (uintptr_t line = first; line < (uintptr_t)(ahead + count); line += 64)
                    __builtin_prefetch((const void *)line);
            }
            suffix_a += o->sorted_correct[pos - 1];
            for (size_t j = 0; j < lanes; j++)
                pending[j] += row[j];
            if (++since_flush == FLUSH_EVERY) {
                since_flush = 0;
                for (size_t j = 0; j < count; j++) {
                    suffix[j] += pending[j];
                    pending[j] = 0;
                }
            }
        }
        /* correct(n) = total_a - (a's right answers from n on) + b's */
        int32_t base = total_a - suffix_a;
        size_t wrong_walked = (k - pos) - (size_t)suffix_a;
        /* Every hot pair was at or below its best at the last group end
         * (a look put it there): with no wrong answer of a since, none is
         * above it now. */
        int any_wrong = wrong_walked != wrong_before_group;
        wrong_before_group = wrong_walked;
        if ((int64_t)(wrong_walked - wrong_looked) <= cold_slack) {
            for (size_t h = 0; any_wrong && h < n_hot; h++) {
                size_t j = hot[h];
                int32_t correct = base + suffix[j] + pending[j];
                if (correct > best[j] && !pair_candidate(w, o, pairs, j, n_exit, correct)) {
                    w->status = CASCADE_ERR_NOMEM;
                    return 1;
                }
            }
            continue;
        }
        /* A full look: every pair, then who is hot and the others' slack. */
        since_flush = 0;
        for (size_t j = 0; j < count; j++) {
            suffix[j] += pending[j];
            pending[j] = 0;
        }
        int any = 0;
        for (size_t j = 0; j < count; j++)
            any |= base + suffix[j] > best[j];
        for (size_t j = 0; any && j < count; j++) {
            int32_t correct = base + suffix[j];
            if (correct > best[j] && !pair_candidate(w, o, pairs, j, n_exit, correct)) {
                w->status = CASCADE_ERR_NOMEM;
                return 1;
            }
        }
        n_hot = classify(best, suffix, base, count, HOT_SLACK, hot, &cold_slack);
        wrong_looked = wrong_walked;
    }
    return 1;
}

/* The adds and compares vectorise twice as wide with AVX2, and the build
 * targets baseline x86-64: first_stage() is inlined into an AVX2 copy too,
 * picked where the CPU has it. Dispatched by hand rather than by
 * target_clones, whose ifunc resolver runs before the sanitizers' runtime
 * is up and crashed a ThreadSanitizer build. */
static int first_stage_default(worker *w, const uint16_t *pairs, size_t count, int skip)
{
    return first_stage(w, pairs, count, skip, classify_default);
}

#if defined(__x86_64__) && defined(__GNUC__)
__attribute__((target("avx2"))) static int first_stage_avx2(worker *w, const uint16_t *pairs,
                                                            size_t count, int skip)
{
    return first_stage(w, pairs, count, skip, classify_avx2);
}

static int avx2_present;

static void detect_avx2(void)
{
    __builtin_cpu_init();
    avx2_present = __builtin_cpu_supports("avx2");
}
#endif

int sweep_first_stage(worker *w, const uint16_t *pairs, size_t count, int skip)
{
#if defined(__x86_64__) && defined(__GNUC__)
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, detect_avx2);
    if (avx2_present)
        return first_stage_avx2(w, pairs, count, skip);
#endif
    return first_stage_default(w, pairs, count, skip);
}

void sweep_finish_pair_thresholds(cascade_front *front)
{
    for (size_t i = 0; i < front->count; i++) {
        cascade_point *p = &front->points[i];
        if (p->stages != 2)
            continue;
        /* = sweep_threshold_for_exits() */
        p->threshold[0] = cascade_threshold_between(p->threshold[1], p->threshold[0]);
        p->threshold[1] = 0;
    }
}

const model_prep *sweep_prep_of(worker *w, unsigned a)
{
    const sweep_shared *sh = w->shared;
    if (sh->prep[a].order)
        return &sh->prep[a];
    if (w->own_prep.order && w->own_prep_model == a)
        return &w->own_prep;
    sweep_free_prep(&w->own_prep);
    memset(&w->own_prep, 0, sizeof w->own_prep);
    if (sweep_prepare_model(&sh->dataset->models[a].records, 0, &w->own_prep,
                            &w->own_scratch) != CASCADE_OK) {
        sweep_free_prep(&w->own_prep);
        memset(&w->own_prep, 0, sizeof w->own_prep);
        return NULL;
    }
    w->own_prep_model = a;
    return &w->own_prep;
}
