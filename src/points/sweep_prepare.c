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
    s->items = malloc(3 * k * sizeof *s->items);
    s->run = malloc(k * sizeof *s->run);
    if (!s->items || !s->run) {
        sweep_free_scratch(s);
        return 0;
    }
    s->capacity = k;
    return 1;
}

/* A coarse key: never smaller for a smaller confidence, and its top 32
 * bits spread the confidences well. A strong model's confidences crowd
 * just below 1, where a double's top bits are all alike; 1 - c (exact for
 * c >= 0.5) spreads them over many exponents instead. */
static uint64_t coarse_key(double confidence)
{
    if (confidence >= 0.5) {
        double gap = 1.0 - confidence;
        uint64_t bits;
        memcpy(&bits, &gap, sizeof bits);
        return bits >> 1;
    }
    return 1ull << 63 | cascade_descending_key(confidence) >> 1;
}

static int by_key_then_index(const void *pa, const void *pb)
{
    const sort_pair *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* Sorts sample indices by confidence, descending, ties by index ascending,
 * into ORDER, and each position's exact key into *SORTED (in SCRATCH).
 *
 * Items are (top half of the coarse key << 32 | index), one 64-bit word:
 * an LSD radix sort on the top half moves 8 bytes a sample, in at most
 * three passes of 11 bits (a digit all keys share costs none); being
 * stable, it keeps the indices ascending within a top half. Then each run
 * of equal top halves (confidences within ~1e-6 relative, or of 1 - c) is
 * put in exact order: usually runs of one or two. Half the time of a
 * 64-bit radix sort at 50,000 samples, whose 1.2 MB of keys and indices did
 * not fit in L2. */
static cascade_status sort_by_confidence(const double *confidence, size_t k, uint32_t *order,
                                         sort_scratch *scratch, const uint64_t **sorted)
{
    enum { BITS = 11, DIGITS = 3, BUCKETS = 1 << BITS };
    static const unsigned shift[DIGITS] = {32, 32 + BITS, 32 + 2 * BITS};
    uint32_t counts[DIGITS][BUCKETS];
    memset(counts, 0, sizeof counts);
    if (!grow_scratch(scratch, k))
        return CASCADE_ERR_NOMEM;
    uint64_t *in = scratch->items, *out = scratch->items + k, *exact = scratch->items + 2 * k;
    for (size_t i = 0; i < k; i++) {
        in[i] = (coarse_key(confidence[i]) & 0xffffffff00000000ull) | i;
        for (unsigned d = 0; d < DIGITS; d++)
            counts[d][(in[i] >> shift[d]) & (BUCKETS - 1)]++;
    }
    for (unsigned d = 0; d < DIGITS; d++) {
        uint32_t *count = counts[d];
        if (count[(in[0] >> shift[d]) & (BUCKETS - 1)] == k)
            continue; /* every key has this digit: the pass would not move one */
        uint32_t total = 0;
        for (size_t b = 0; b < BUCKETS; b++) {
            uint32_t c = count[b];
            count[b] = total;
            total += c;
        }
        for (size_t i = 0; i < k; i++)
            out[count[(in[i] >> shift[d]) & (BUCKETS - 1)]++] = in[i];
        uint64_t *t = in;
        in = out;
        out = t;
    }
    /* Most top halves are unique: every position's index and exact key in
     * one tight pass, then only the runs of equal top halves put in exact
     * order (the pass that did both was over a quarter of the sort). */
    for (size_t i = 0; i < k; i++) {
        order[i] = (uint32_t)in[i];
        exact[i] = cascade_descending_key(confidence[order[i]]);
    }
    for (size_t i = 0; i + 1 < k;) {
        if (in[i + 1] >> 32 != in[i] >> 32) {
            i++;
            continue;
        }
        size_t end = i + 2;
        while (end < k && in[end] >> 32 == in[i] >> 32)
            end++;
        sort_pair *run = scratch->run;
        size_t n = end - i;
        for (size_t j = 0; j < n; j++)
            run[j] = (sort_pair){exact[i + j], order[i + j]};
        if (n > 16) {
            qsort(run, n, sizeof *run, by_key_then_index);
        } else {
            for (size_t a = 1; a < n; a++) {
                sort_pair x = run[a];
                size_t b = a;
                for (; b > 0 && by_key_then_index(&run[b - 1], &x) > 0; b--)
                    run[b] = run[b - 1];
                run[b] = x;
            }
        }
        for (size_t j = 0; j < n; j++) {
            order[i + j] = run[j].index;
            exact[i + j] = run[j].key;
        }
        i = end;
    }
    *sorted = exact;
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
    const uint64_t *key = NULL;
    out->order = malloc(k * sizeof *out->order);
    out->group_end = malloc(k * sizeof *out->group_end);
    out->sorted_correct = malloc(k * sizeof *out->sorted_correct);
    cascade_status sorted = out->order && out->group_end && out->sorted_correct
        ? sort_by_confidence(r->confidence, k, out->order, scratch ? scratch : &own, &key)
        : CASCADE_ERR_NOMEM;
    if (sorted != CASCADE_OK) {
        sweep_free_scratch(&own);
        return CASCADE_ERR_NOMEM;
    }
    out->groups = 0;
    for (size_t pos = 0; pos < k; pos++) {
        out->sorted_correct[pos] = r->correct[out->order[pos]];
        if (pos + 1 < k && key[pos + 1] != key[pos])
            out->group_end[out->groups++] = (uint32_t)(pos + 1);
    }
    sweep_free_scratch(&own);
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
