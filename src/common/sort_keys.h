/* Private to the library: sorting samples by a double, in O(n). */
#ifndef CASCADE_COMMON_SORT_KEYS_H
#define CASCADE_COMMON_SORT_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A 64-bit key that orders doubles descending as unsigned integers: larger
 * values first, -0 as +0 (NaN is not expected). Inline, as sorts call it
 * once a sample. */
static inline uint64_t cascade_descending_key(double value)
{
    double v = value == 0 ? 0.0 : value;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bits = bits >> 63 ? ~bits : bits | (1ull << 63); /* ascending */
    return ~bits;
}

/* ORDER[0..n) = the indices of VALUES, largest value first, ties in index
 * order: an LSD radix sort of the keys, six passes of 11 bits. Returns 0
 * when out of memory (ORDER is then unspecified). n < 2^32. */
int cascade_order_descending(const double *values, size_t n, uint32_t *order);

#endif
