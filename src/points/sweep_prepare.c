/* Per-model preparation for the sweep: samples sorted by confidence, the
 * runs of equal confidence, and the threshold grid of longer chains. */
#include "points/sweep_internal.h"

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

/* Sorts sample indices by confidence, descending, ties by index ascending:
 * an LSD radix sort on the doubles' bits turned into unsigned keys that
 * order like the values, which beats qsort's comparisons several times over
 * at 50,000 samples. Eight 8-bit digits: 256 buckets keep the scattered
 * writes in a few cache lines each, where 65,536 buckets missed the cache on
 * almost every write. One read counts all eight digits, and a digit that
 * every key shares (the sign and most exponent bits, for confidences in
 * (0, 1]) costs no pass. */
void sweep_free_scratch(sort_scratch *s)
{
    free(s->keys);
    free(s->order);
    memset(s, 0, sizeof *s);
}

static int grow_scratch(sort_scratch *s, size_t k)
{
    if (k <= s->capacity)
        return 1;
    sweep_free_scratch(s);
    s->keys = malloc(2 * k * sizeof *s->keys);
    s->order = malloc(k * sizeof *s->order);
    if (!s->keys || !s->order) {
        sweep_free_scratch(s);
        return 0;
    }
    s->capacity = k;
    return 1;
}

/* Leaves the sorted keys in *SORTED (in SCRATCH): equal keys are equal
 * confidences, -0 having been made +0. */
static cascade_status sort_by_confidence(const double *confidence, size_t k, uint32_t *order,
                                         sort_scratch *scratch, const uint64_t **sorted)
{
    enum { DIGITS = 8, BUCKETS = 256 };
    uint32_t counts[DIGITS][BUCKETS];
    memset(counts, 0, sizeof counts);
    if (!grow_scratch(scratch, k))
        return CASCADE_ERR_NOMEM;
    uint64_t *keys = scratch->keys;
    uint32_t *swap = scratch->order;
    uint64_t *key = keys, *key_swap = keys + k;
    for (size_t i = 0; i < k; i++) {
        uint64_t bits;
        double value = confidence[i] == 0 ? 0.0 : confidence[i];
        memcpy(&bits, &value, sizeof bits);
        /* ascending-order key, then complemented for descending */
        bits = bits >> 63 ? ~bits : bits | (1ull << 63);
        key[i] = ~bits;
        order[i] = (uint32_t)i;
        for (unsigned d = 0; d < DIGITS; d++)
            counts[d][(key[i] >> (8 * d)) & 0xff]++;
    }
    uint32_t *order_in = order, *order_out = swap;
    for (unsigned d = 0; d < DIGITS; d++) {
        uint32_t *count = counts[d];
        if (count[(key[0] >> (8 * d)) & 0xff] == k)
            continue; /* every key has this digit: the pass would not move one */
        uint32_t total = 0;
        for (size_t b = 0; b < BUCKETS; b++) {
            uint32_t c = count[b];
            count[b] = total;
            total += c;
        }
        for (size_t i = 0; i < k; i++) {
            uint32_t at = count[(key[i] >> (8 * d)) & 0xff]++;
            key_swap[at] = key[i];
            order_out[at] = order_in[i];
        }
        uint64_t *t = key;
        key = key_swap;
        key_swap = t;
        uint32_t *o = order_in;
        order_in = order_out;
        order_out = o;
    }
    if (order_in != order)
        memcpy(order, order_in, k * sizeof *order);
    *sorted = key;
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
        out->grid[out->grid_size] = sweep_threshold_for_exits(r, out, n);
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
