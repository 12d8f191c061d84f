/* Per-model preparation for the sweep: samples sorted by confidence, the
 * runs of equal confidence, and the threshold grid of longer chains. */
#include "points/sweep_internal.h"

#include "common/decimal.h"
#include "common/sort_keys.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    int lo = 9, hi = 17;
    while (lo < hi) {
        int digits = (lo + hi) / 2;
        double t = cascade_round_digits(mid, digits);
        if (t > lower && t <= upper)
            hi = digits;
        else
            lo = digits + 1;
    }
    double t = cascade_round_digits(mid, lo);
    return t > lower && t <= upper ? t : mid;
}

void sweep_free_scratch(sort_scratch *s)
{
    free(s->items);
    free(s->run);
    memset(s, 0, sizeof *s);
}

static int grow_scratch(sort_scratch *s, size_t k)
{
    if (k <= s->capacity)
        return 1;
    sweep_free_scratch(s);
    s->items = malloc(2 * k * sizeof *s->items);
    s->run = malloc(k * sizeof *s->run);
    if (!s->items || !s->run) {
        sweep_free_scratch(s);
        return 0;
    }
    s->capacity = k;
    return 1;
}

/* The top half of 1 - c. For c <= 1 the gap is >= 0, so its bits order
 * as the gap does, and it never falls as c falls (rounding is monotone);
 * it is exact for c >= 0.5. */
static inline uint32_t gap_key(double confidence)
{
    double gap = 1.0 - confidence;
    uint64_t bits;
    memcpy(&bits, &gap, sizeof bits);
    return (uint32_t)(bits >> 32);
}

static int by_key_then_index(const void *pa, const void *pb)
{
    const sort_pair *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Puts RUN[0..n) in exact order: by key, then index. The stable radix
 * passes left the indices ascending, so a run of one exact confidence
 * (many samples at exactly 1, say) is in order already. */
static void sort_run(sort_pair *run, size_t n)
{
    size_t sorted = 1;
    while (sorted < n && by_key_then_index(&run[sorted - 1], &run[sorted]) < 0)
        sorted++;
    if (sorted == n)
        return;
    if (n > 16) {
        qsort(run, n, sizeof *run, by_key_then_index);
        return;
    }
    for (size_t a = sorted; a < n; a++) {
        sort_pair x = run[a];
        size_t b = a;
        for (; b > 0 && by_key_then_index(&run[b - 1], &x) > 0; b--)
            run[b] = run[b - 1];
        run[b] = x;
    }
}

/* Sorts samples by confidence, descending, ties by index ascending, into
 * OUT->order, with OUT->sorted_correct and the ends of the runs of equal
 * confidence (OUT->group_end, OUT->groups), all in one pass after the
 * sort.
 *
 * Items are (a coarse key << 32 | index), one 64-bit word: an LSD radix
 * sort on the coarse key moves 8 bytes a sample, 11 bits a pass; being
 * stable, it keeps the indices ascending within a key. Then each run of
 * equal coarse keys is put in exact order: usually runs of one or two.
 * Half the time of a 64-bit radix sort at 50,000 samples, whose 1.2 MB of
 * keys and indices did not fit in L2.
 *
 * The coarse key: when no confidence is above 1 (a softmax, a negative
 * entropy), gap_key() less the smallest gap key above 0, shifted down to
 * 22 bits: two passes, not three. Confidences within about 2^-17
 * relative of their 1 - c share a key, and 1 itself keeps one of its own.
 * Otherwise (scores above 1, a table's logits say) the top half of the
 * exact key, in three passes. */
static cascade_status sort_by_confidence(const double *confidence, const uint8_t *correct,
                                         size_t k, model_prep *out, sort_scratch *scratch)
{
    enum { BITS = 11, BUCKETS = 1 << BITS, SPAN_BITS = 2 * BITS };
    uint32_t counts[3][BUCKETS];
    if (!grow_scratch(scratch, k))
        return CASCADE_ERR_NOMEM;
    uint64_t *in = scratch->items, *tmp = scratch->items + k;
    /* The span of the gap keys, to within two binades, from a count by
     * their top 11 bits: cheaper than a min and max a sample. A gap of 0
     * (a confidence of 1) is alone in bucket 0, as every other gap of a
     * confidence <= 1 is at least 2^-53; a confidence above 1 has a
     * negative gap, in buckets 1024 on. */
    enum { TOP_SHIFT = 21 };
    uint32_t *tops = counts[2];
    memset(tops, 0, sizeof counts[2]);
    for (size_t i = 0; i < k; i++)
        tops[gap_key(confidence[i]) >> TOP_SHIFT]++;
    size_t low = 1, high = BUCKETS / 2;
    while (low < BUCKETS / 2 && !tops[low])
        low++;
    while (high > low && !tops[high - 1])
        high--;
    int above_one = 0;
    for (size_t b = BUCKETS / 2; b < BUCKETS; b++)
        above_one |= tops[b] != 0;
    unsigned digits = 3;
    if (k > 0 && !above_one && low < high) {
        uint32_t first = (uint32_t)low << TOP_SHIFT, last = ((uint32_t)high << TOP_SHIFT) - 1;
        unsigned shift = 0;
        while (((last - first) >> shift) >= (1u << SPAN_BITS) - 1)
            shift++;
        digits = 2;
        memset(counts, 0, 2 * sizeof counts[0]);
        for (size_t i = 0; i < k; i++) {
            uint32_t key = gap_key(confidence[i]);
            /* 1 (a gap of 0) sorts first, below every other key */
            uint32_t coarse = key >= first ? ((key - first) >> shift) + 1 : 0;
            in[i] = (uint64_t)coarse << 32 | i;
            counts[0][coarse & (BUCKETS - 1)]++;
            counts[1][coarse >> BITS]++;
        }
    } else {
        memset(counts, 0, sizeof counts);
        for (size_t i = 0; i < k; i++) {
            in[i] = (cascade_descending_key(confidence[i]) & 0xffffffff00000000ull) | i;
            for (unsigned d = 0; d < 3; d++)
                counts[d][(in[i] >> (32 + d * BITS)) & (BUCKETS - 1)]++;
        }
    }
    for (unsigned d = 0; d < digits && k > 0; d++) {
        unsigned shift = 32 + d * BITS;
        uint32_t *count = counts[d];
        if (count[(in[0] >> shift) & (BUCKETS - 1)] == k)
            continue; /* every key has this digit: the pass would not move one */
        uint32_t total = 0;
        for (size_t b = 0; b < BUCKETS; b++) {
            uint32_t c = count[b];
            count[b] = total;
            total += c;
        }
        for (size_t i = 0; i < k; i++)
            tmp[count[(in[i] >> shift) & (BUCKETS - 1)]++] = in[i];
        uint64_t *t = in;
        in = tmp;
        tmp = t;
    }
    /* Different coarse keys mean different confidences, so a group ends
     * between them; only within a run of equal coarse keys do the exact
     * keys decide order and group ends. */
    uint32_t *order = out->order, *group_end = out->group_end;
    uint8_t *sorted_correct = out->sorted_correct;
    size_t groups = 0, i = 0;
    while (i + 1 < k) {
        if ((in[i + 1] ^ in[i]) >> 32) {
            uint32_t index = (uint32_t)in[i];
            order[i] = index;
            sorted_correct[i] = correct[index];
            group_end[groups++] = (uint32_t)++i;
            continue;
        }
        size_t end = i + 2;
        while (end < k && in[end] >> 32 == in[i] >> 32)
            end++;
        sort_pair *run = scratch->run;
        size_t n = end - i;
        for (size_t j = 0; j < n; j++) {
            uint32_t index = (uint32_t)in[i + j];
            run[j] = (sort_pair){cascade_descending_key(confidence[index]), index};
        }
        sort_run(run, n);
        for (size_t j = 0; j < n; j++) {
            order[i + j] = run[j].index;
            sorted_correct[i + j] = correct[run[j].index];
            if (i + j + 1 < k && (j + 1 == n || run[j + 1].key != run[j].key))
                group_end[groups++] = (uint32_t)(i + j + 1);
        }
        i = end;
    }
    if (i + 1 == k) { /* the last sample, alone in its run */
        order[i] = (uint32_t)in[i];
        sorted_correct[i] = correct[order[i]];
    }
    out->groups = groups;
    return CASCADE_OK;
}

/* The threshold that lets exactly N samples (N at a group end) exit. */
double sweep_threshold_for_exits(const cascade_records *r, const model_prep *p, size_t n)
{
    return cascade_threshold_between(r->confidence[p->order[n]],
                                     r->confidence[p->order[n - 1]]);
}

cascade_status sweep_prepare_model(const cascade_records *r, unsigned grid,
                                    model_prep *out, sort_scratch *scratch)
{
    size_t k = r->samples;
    sort_scratch own = {0};
    out->order = malloc(k * sizeof *out->order);
    out->group_end = malloc(k * sizeof *out->group_end);
    out->sorted_correct = malloc(k * sizeof *out->sorted_correct);
    cascade_status sorted = out->order && out->group_end && out->sorted_correct
        ? sort_by_confidence(r->confidence, r->correct, k, out, scratch ? scratch : &own)
        : CASCADE_ERR_NOMEM;
    sweep_free_scratch(&own);
    if (sorted != CASCADE_OK)
        return CASCADE_ERR_NOMEM;
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
        uint32_t n = sweep_nearest_group_end(out, (double)g * (double)k / (double)(grid + 1));
        if (out->grid_size > 0 && out->grid_exit[out->grid_size - 1] >= n)
            continue;
        out->grid_exit[out->grid_size] = n;
        out->grid[out->grid_size] = sweep_threshold_for_exits(r, out, n);
        out->grid_size++;
    }
    sweep_grid_bins(out, k);
    return CASCADE_OK;
}

size_t sweep_group_at_or_after(const model_prep *p, double target)
{
    size_t lo = 0, hi = p->groups;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->group_end[mid] < target)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint32_t sweep_nearest_group_end(const model_prep *p, double target)
{
    size_t pick = sweep_group_at_or_after(p, target);
    if (pick == p->groups ||
        (pick > 0 && target - p->group_end[pick - 1] < p->group_end[pick] - target))
        pick = pick > 0 ? pick - 1 : 0;
    return p->group_end[pick];
}

void sweep_grid_bins(model_prep *p, size_t k)
{
    /* A sample at sorted position pos reaches grid threshold g iff pos < exit_g. */
    unsigned reached = p->grid_size;
    unsigned g = 0;
    for (size_t pos = 0; pos < k; pos++) {
        while (g < p->grid_size && p->grid_exit[g] <= pos) {
            g++;
            reached = p->grid_size - g;
        }
        p->bin[p->order[pos]] = (uint16_t)reached;
    }
}

void sweep_free_prep(model_prep *p)
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
    cascade_status status = sweep_prepare_model(records, grid, &prep, NULL);
    *count = status == CASCADE_OK ? prep.grid_size : 0;
    if (*count)
        memcpy(out, prep.grid, *count * sizeof *out);
    sweep_free_prep(&prep);
    return status;
}
