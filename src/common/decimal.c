/* Decimals written and read back exactly, faster than printf and strtod
 * where exact integer arithmetic can stand in for them. */
#include "common/decimal.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static const double power_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Without strtod's multiple precision where that is not needed (Clinger's
 * fast path): a decimal of at most 15 significant digits is an integer
 * below 2^53, a power of ten up to 10^22 is a double exactly, and one IEEE
 * multiplication or division of the two is correctly rounded, as strtod
 * is. Other texts go to strtod. */
double cascade_read_decimal(const char *text)
{
#if FLT_EVAL_METHOD == 0
    const char *at = text;
    int negative = *at == '-';
    at += negative;
    uint64_t digits = 0;
    int count = 0, scale = 0, seen_point = 0;
    for (;; at++) {
        if (*at >= '0' && *at <= '9') {
            if (digits || *at != '0')
                count++;
            digits = digits * 10 + (uint64_t)(*at - '0');
            scale -= seen_point;
            if (count > 15)
                return strtod(text, NULL);
        } else if (*at == '.' && !seen_point) {
            seen_point = 1;
        } else {
            break;
        }
    }
    if (*at == 'e') {
        char *end;
        long exponent = strtol(at + 1, &end, 10);
        if (*end || exponent < -400 || exponent > 400)
            return strtod(text, NULL);
        scale += (int)exponent;
    } else if (*at) {
        return strtod(text, NULL);
    }
    if (scale < -22 || scale > 22)
        return strtod(text, NULL);
    double value = scale < 0 ? (double)digits / power_of_ten[-scale]
                             : (double)digits * power_of_ten[scale];
    return negative ? -value : value;
#else
    return strtod(text, NULL);
#endif
}


#if FLT_EVAL_METHOD == 0 && defined(__SIZEOF_INT128__)
__extension__ typedef unsigned __int128 wide;

/* |VALUE| rounded to DIGITS (<= 15) significant digits as an integer N and
 * a power P with |VALUE| ~ N / 10^P, rounded half to even as printf rounds
 * in the default mode; 0 when that does not fit (P outside 0..22, or
 * VALUE too small or too large for 128-bit products). VALUE = m 2^e with
 * m < 2^53, so m 10^P < 2^127 is exact, and shifting it right by -e
 * gives the digits and the exact remainder. */
static int round_exactly(double value, int digits, uint64_t *n, int *p)
{
    int e2;
    double fraction = frexp(fabs(value), &e2);
    uint64_t m = (uint64_t)ldexp(fraction, 53);
    int shift = 53 - e2; /* |VALUE| = m / 2^shift */
    if (shift < 1 || shift > 126)
        return 0;
    uint64_t high = 1; /* 10^digits, and LOW 10^(digits - 1) */
    for (int i = 0; i < digits; i++)
        high *= 10;
    uint64_t low = high / 10;
    /* floor(log10 |VALUE|) from log10, then corrected exactly */
    int e10 = (int)floor(log10(fabs(value)));
    for (int attempt = 0; attempt < 3; attempt++) {
        int power = digits - 1 - e10;
        if (power < 0 || power > 22)
            return 0;
        /* 10^20..10^22 exceed 64 bits: 10^(power - 3) times 1000 */
        wide scale = power > 19 ? (wide)(uint64_t)power_of_ten[power - 3] * 1000
                                : (wide)(uint64_t)power_of_ten[power];
        wide product = (wide)m * scale;
        wide whole = product >> shift, rest = product - (whole << shift);
        if (whole < low) {
            e10--;
            continue;
        }
        if (whole >= high) {
            e10++;
            continue;
        }
        wide half = (wide)1 << (shift - 1);
        if (rest > half || (rest == half && (whole & 1)))
            whole++;
        *n = (uint64_t)whole;
        *p = power;
        return 1;
    }
    return 0;
}
#endif

double cascade_round_digits(double value, int digits)
{
#if FLT_EVAL_METHOD == 0 && defined(__SIZEOF_INT128__)
    uint64_t n;
    int p;
    if (digits >= 1 && digits <= 15 && isfinite(value) && value != 0 &&
        round_exactly(value, digits, &n, &p)) {
        /* n <= 10^15 < 2^53 and 10^p are doubles exactly: one rounding,
         * as strtod's */
        double rounded = (double)n / power_of_ten[p];
        return value < 0 ? -rounded : rounded;
    }
#endif
    char text[64];
    snprintf(text, sizeof text, "%.*g", digits, value);
    return cascade_read_decimal(text);
}
