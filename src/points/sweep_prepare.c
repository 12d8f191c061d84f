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
double sweep_threshold_for_exits(const cascade_records *r, const model_prep *p, size_t n)
{
    return cascade_threshold_between(r->confidence[p->order[n]],
                                     r->confidence[p->order[n - 1]]);
}

cascade_status sweep_prepare_model(const cascade_records *r, unsigned grid,
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
    cascade_status status = sweep_prepare_model(records, grid, &prep);
    *count = status == CASCADE_OK ? prep.grid_size : 0;
    if (*count)
        memcpy(out, prep.grid, *count * sizeof *out);
    sweep_free_prep(&prep);
    return status;
}
