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

/* |VALUE| = M / 2^SHIFT with M < 2^53: the parts round_exactly() and
 * reads_back() work in. 0 outside SHIFT 1..68, where their products would
 * not fit 128 bits. */
static int binary_parts(double value, uint64_t *m, int *shift)
{
    int e2;
    double fraction = frexp(fabs(value), &e2);
    *m = (uint64_t)ldexp(fraction, 53);
    *shift = 53 - e2;
    return *shift >= 1 && *shift <= 68;
}

/* 10^POWER, POWER in 0..22; 10^20..10^22 exceed 64 bits: 10^(POWER - 3)
 * times 1000. */
static wide wide_power_of_ten(int power)
{
    return power > 19 ? (wide)(uint64_t)power_of_ten[power - 3] * 1000
                      : (wide)(uint64_t)power_of_ten[power];
}

/* |VALUE| = M / 2^SHIFT rounded to DIGITS (1 to 17) significant digits as
 * an integer N of DIGITS digits and a power P with |VALUE| ~ N / 10^P,
 * rounded half to even as printf rounds in the default mode; 0 when that
 * does not fit (P outside 0..21). M 10^P < 2^127 is exact, and shifting
 * it right by SHIFT gives the digits and the exact remainder. */
static int round_exactly(double value, uint64_t m, int shift, int digits, uint64_t *n, int *p)
{
    uint64_t high = 1; /* 10^digits, and LOW 10^(digits - 1) */
    for (int i = 0; i < digits; i++)
        high *= 10;
    uint64_t low = high / 10;
    /* floor(log10 |VALUE|) from log10, then corrected exactly */
    int e10 = (int)floor(log10(fabs(value)));
    for (int attempt = 0; attempt < 3; attempt++) {
        int power = digits - 1 - e10;
        if (power < 0 || power > 21)
            return 0;
        wide product = (wide)m * wide_power_of_ten(power);
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
        if (whole == high) { /* rounded up to the next power of ten: one digit less */
            if (power == 0)
                return 0;
            whole = low;
            power--;
        }
        *n = (uint64_t)whole;
        *p = power;
        return 1;
    }
    return 0;
}

/* Whether strtod reads N / 10^P back as M / 2^SHIFT: the decimal lies
 * within half the gap to the neighbouring double on its side (the gap below
 * a power of two is half as wide), or on that boundary with M even. Scaled
 * by 2^(SHIFT + 2) 10^P every quantity is an integer below 2^126 for N <
 * 2^57, SHIFT <= 68 and P <= 21. */
static int reads_back(uint64_t m, int shift, uint64_t n, int p)
{
    wide scale = wide_power_of_ten(p);
    wide decimal = (wide)n << (shift + 2), value = ((wide)m * scale) << 2;
    wide above = scale << 1, below = m == 1ull << 52 ? scale : scale << 1;
    int even = !(m & 1);
    if (decimal >= value)
        return decimal - value < above || (decimal - value == above && even);
    return value - decimal < below || (value - decimal == below && even);
}
#endif

int cascade_shortest_digits(double value, uint64_t *n, int *p, int *digits)
{
#if FLT_EVAL_METHOD == 0 && defined(__SIZEOF_INT128__)
    uint64_t m;
    int shift;
    if (!isfinite(value) || value == 0 || !binary_parts(value, &m, &shift))
        return 0;
    for (*digits = 15; *digits <= 17; ++*digits) {
        if (!round_exactly(value, m, shift, *digits, n, p))
            return 0;
        if (reads_back(m, shift, *n, *p))
            return 1;
    }
#else
    (void)value, (void)n, (void)p, (void)digits;
#endif
    return 0;
}

double cascade_round_digits(double value, int digits)
{
#if FLT_EVAL_METHOD == 0 && defined(__SIZEOF_INT128__)
    uint64_t m, n;
    int shift, p;
    if (digits >= 1 && digits <= 15 && isfinite(value) && value != 0 &&
        binary_parts(value, &m, &shift) && round_exactly(value, m, shift, digits, &n, &p)) {
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
