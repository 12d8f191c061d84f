/* An LSD radix sort of doubles by a descending key: linear in the samples,
 * where a comparison sort of 50,000 confidences costs a few milliseconds a
 * model (the AURC of 200 models took seconds). */
#include "common/sort_keys.h"

#include <stdlib.h>
#include <string.h>

typedef struct keyed {
    uint64_t key;
    uint32_t index;
} keyed;

int cascade_order_descending(const double *values, size_t n, uint32_t *order)
{
    enum { BITS = 11, PASSES = 6, BUCKETS = 1 << BITS };
    keyed *a = malloc((n ? n : 1) * sizeof *a), *b = malloc((n ? n : 1) * sizeof *b);
    if (!a || !b) {
        free(a);
        free(b);
        return 0;
    }
    uint32_t (*counts)[BUCKETS] = malloc(sizeof(uint32_t[PASSES][BUCKETS]));
    if (!counts) {
        free(a);
        free(b);
        return 0;
    }
    memset(counts, 0, sizeof(uint32_t[PASSES][BUCKETS]));
    for (size_t i = 0; i < n; i++) {
        a[i] = (keyed){cascade_descending_key(values[i]), (uint32_t)i};
        for (unsigned p = 0; p < PASSES; p++)
            counts[p][(a[i].key >> (p * BITS)) & (BUCKETS - 1)]++;
    }
    for (unsigned p = 0; p < PASSES; p++) {
        uint32_t *count = counts[p];
        if (n && count[(a[0].key >> (p * BITS)) & (BUCKETS - 1)] == n)
            continue; /* every key has this digit: the pass would move none */
        uint32_t total = 0;
        for (size_t d = 0; d < BUCKETS; d++) {
            uint32_t c = count[d];
            count[d] = total;
            total += c;
        }
        /* stable: equal keys keep their index order */
        for (size_t i = 0; i < n; i++)
            b[count[(a[i].key >> (p * BITS)) & (BUCKETS - 1)]++] = a[i];
        keyed *t = a;
        a = b;
        b = t;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = a[i].index;
    free(a);
    free(b);
    free(counts);
    return 1;
}
