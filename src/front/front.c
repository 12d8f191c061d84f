/* The Pareto front: sort candidates by cost, keep strictly better accuracy. */
#include "cascade/front.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void cascade_front_init(cascade_front *front)
{
    memset(front, 0, sizeof *front);
}

void cascade_front_free(cascade_front *front)
{
    if (!front)
        return;
    free(front->points);
    memset(front, 0, sizeof *front);
}

cascade_status cascade_front_add(cascade_front *front, const cascade_point *point)
{
    if (front->count == front->capacity) {
        size_t capacity = front->capacity ? 2 * front->capacity : 64;
        cascade_point *grown = realloc(front->points, capacity * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        front->points = grown;
        front->capacity = capacity;
    }
    front->points[front->count++] = *point;
    return CASCADE_OK;
}

int cascade_point_compare(const cascade_point *a, const cascade_point *b)
{
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->accuracy != b->accuracy)
        return a->accuracy > b->accuracy ? -1 : 1;
    if (a->stages != b->stages)
        return a->stages < b->stages ? -1 : 1;
    for (unsigned s = 0; s < a->stages; s++)
        if (a->model[s] != b->model[s])
            return a->model[s] < b->model[s] ? -1 : 1;
    for (unsigned s = 0; s + 1 < a->stages; s++)
        if (a->threshold[s] != b->threshold[s])
            return a->threshold[s] < b->threshold[s] ? -1 : 1;
    return 0;
}

/* Sorting 176-byte points moves a lot of memory: sort small keys that
 * point at them, and compare whole points only on a tie of cost and
 * accuracy. */
typedef struct point_key {
    double cost;
    double accuracy;
    const cascade_point *point;
} point_key;

static int compare_keys(const void *pa, const void *pb)
{
    const point_key *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->accuracy != b->accuracy)
        return a->accuracy > b->accuracy ? -1 : 1;
    return cascade_point_compare(a->point, b->point);
}

/* A cost as an unsigned integer that orders like it (NaN aside). */
static uint64_t cost_bits(double cost)
{
    uint64_t bits;
    memcpy(&bits, &cost, sizeof bits);
    return bits >> 63 ? ~bits : bits | (1ull << 63);
}

/* Sorts KEYS[0..n) as compare_keys does, using SCRATCH[0..n): a stable LSD
 * radix sort on the top 32 bits of the cost, less their smallest value
 * (two passes of 11 bits when the costs span 22 bits of it, as a sweep's
 * do: a few octaves), then compare_keys within each run of equal top
 * bits, which is short. A sweep reduces its front hundreds of times, and
 * qsort's indirect comparisons were a tenth of it; a pass per byte of the
 * cost, seven of them, were still 4% of a sweep of 200 models. */
static void sort_keys(point_key *keys, size_t n, point_key *scratch)
{
    enum { BITS = 11, DIGITS = 3, BUCKETS = 1 << BITS };
    if (n < 2)
        return;
    uint32_t low = UINT32_MAX, high = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t top = (uint32_t)(cost_bits(keys[i].cost) >> 32);
        low = top < low ? top : low;
        high = top > high ? top : high;
    }
    unsigned span_bits = high > low ? 32 - (unsigned)__builtin_clz(high - low) : 0;
    unsigned digits = (span_bits + BITS - 1) / BITS;
    size_t counts[DIGITS][BUCKETS];
    memset(counts, 0, sizeof counts);
    for (size_t i = 0; i < n; i++) {
        uint32_t key = (uint32_t)(cost_bits(keys[i].cost) >> 32) - low;
        for (unsigned d = 0; d < digits; d++)
            counts[d][(key >> (d * BITS)) & (BUCKETS - 1)]++;
    }
    point_key *in = keys, *out = scratch;
    for (unsigned d = 0; d < digits; d++) {
        size_t *count = counts[d];
        size_t total = 0;
        for (size_t b = 0; b < BUCKETS; b++) {
            size_t c = count[b];
            count[b] = total;
            total += c;
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t key = (uint32_t)(cost_bits(in[i].cost) >> 32) - low;
            out[count[(key >> (d * BITS)) & (BUCKETS - 1)]++] = in[i];
        }
        point_key *t = in;
        in = out;
        out = t;
    }
    if (in != keys)
        memcpy(keys, in, n * sizeof *keys);
    for (size_t i = 0; i < n;) {
        uint32_t top = (uint32_t)(cost_bits(keys[i].cost) >> 32);
        size_t end = i + 1;
        while (end < n && (uint32_t)(cost_bits(keys[end].cost) >> 32) == top)
            end++;
        if (end - i > 16) {
            qsort(keys + i, end - i, sizeof *keys, compare_keys);
        } else {
            for (size_t a = i + 1; a < end; a++) {
                point_key x = keys[a];
                size_t b = a;
                for (; b > i && compare_keys(&keys[b - 1], &x) > 0; b--)
                    keys[b] = keys[b - 1];
                keys[b] = x;
            }
        }
        i = end;
    }
}

static int compare_points(const void *a, const void *b)
{
    return cascade_point_compare(a, b);
}

/* Keeps from KEYS[0..n) (sorted) the points strictly more accurate than
 * every earlier one, which cost no more (an equal one is dominated or
 * identical), gathered into OUT; returns how many. */
static size_t keep_pareto(const point_key *keys, size_t n, cascade_point *out)
{
    size_t kept = 0;
    double best = -1.0;
    for (size_t i = 0; i < n; i++)
        if (keys[i].accuracy > best) {
            best = keys[i].accuracy;
            out[kept++] = *keys[i].point;
        }
    return kept;
}

/* The sort without scratch memory: the points themselves, in place. */
static void reduce_in_place(cascade_front *front)
{
    qsort(front->points, front->count, sizeof *front->points, compare_points);
    size_t kept = 0;
    double best = -1.0;
    for (size_t i = 0; i < front->count; i++)
        if (front->points[i].accuracy > best) {
            best = front->points[i].accuracy;
            front->points[kept++] = front->points[i]; /* kept <= i */
        }
    front->count = kept;
}

void cascade_front_reduce_tail(cascade_front *front, size_t reduced)
{
    if (front->count == 0)
        return;
    if (reduced > front->count)
        reduced = front->count;
    size_t n = front->count, tail = n - reduced;
    /* keys[0, n): the merged order; keys[n, n + tail): the sorted tail;
     * then the sort's scratch */
    point_key *keys = malloc((n + 2 * tail) * sizeof *keys);
    cascade_point *gathered = malloc(n * sizeof *gathered);
    if (!keys || !gathered) {
        free(keys);
        free(gathered);
        reduce_in_place(front);
        return;
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = (point_key){front->points[i].cost, front->points[i].accuracy,
                              &front->points[i]};
    point_key *sorted_tail = keys + n;
    memcpy(sorted_tail, keys + reduced, tail * sizeof *keys);
    sort_keys(sorted_tail, tail, sorted_tail + tail);
    /* Merge from the back so that keys[0, reduced) is read before written. */
    size_t a = reduced, b = tail, out = n;
    while (b > 0) {
        if (a > 0 && compare_keys(&keys[a - 1], &sorted_tail[b - 1]) > 0)
            keys[--out] = keys[--a];
        else
            keys[--out] = sorted_tail[--b];
    }
    size_t kept = keep_pareto(keys, n, gathered);
    memcpy(front->points, gathered, kept * sizeof *gathered);
    free(gathered);
    free(keys);
    front->count = kept;
}

void cascade_front_reduce(cascade_front *front)
{
    cascade_front_reduce_tail(front, 0);
}

double cascade_front_best_accuracy(const cascade_front *front, double cost)
{
    /* Last point with cost <= COST; accuracy rises with cost on a front. */
    size_t lo = 0, hi = front->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (front->points[mid].cost <= cost)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? -1.0 : front->points[lo - 1].accuracy;
}
