/* Numbers written exactly and CSV fields quoted only when they must be:
 * the shared bottom of every writer (cascade/write.h). */
#include "cascade/write.h"
#include "common/decimal.h"

#include <csv.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double power_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                      1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                      1e14, 1e15, 1e16, 1e17, 1e18};

/* What %.<DIGITS>g writes for the integer M of DIGITS digits times
 * 10^(EXPONENT - DIGITS + 1), EXPONENT in [-4, DIGITS - 1], so without an
 * exponent: trailing zeros (and a bare '.') dropped. */
static void write_digits(unsigned long long m, int digits, int exponent, int negative, char *buf)
{
    char digit[20];
    for (int i = digits - 1; i >= 0; i--, m /= 10)
        digit[i] = (char)('0' + m % 10);
    int last = digits - 1; /* the last digit to write */
    while (last > 0 && last > exponent && digit[last] == '0')
        last--;
    char *out = buf;
    if (negative)
        *out++ = '-';
    if (exponent < 0) {
        *out++ = '0';
        *out++ = '.';
        for (int z = -1; z > exponent; z--)
            *out++ = '0';
        for (int i = 0; i <= last; i++)
            *out++ = digit[i];
    } else {
        for (int i = 0; i <= exponent; i++)
            *out++ = digit[i];
        if (last > exponent) {
            *out++ = '.';
            for (int i = exponent + 1; i <= last; i++)
                *out++ = digit[i];
        }
    }
    *out = '\0';
}

/* The decimal exponent of MAGNITUDE's leading digit, in [-4, 14] for
 * MAGNITUDE in [1e-4, 1e15): from inexact comparisons, so a guess that
 * the callers check. */
static int leading_exponent(double magnitude)
{
    int exponent = -4;
    while (exponent < 14 && magnitude >= (exponent + 1 >= 0 ? power_of_ten[exponent + 1]
                                                            : 1.0 / power_of_ten[-exponent - 1]))
        exponent++;
    return exponent;
}

/* %.15g of MAGNITUDE (in [1e-4, 1e15)) into *M and *EXPONENT, in double
 * arithmetic, when that is also its shortest exact form; 0 when it cannot
 * tell. Most numbers a front holds (accuracies k / n, fractions answered,
 * thresholds) take this path.
 *
 * Why the digits are %.15g's: M is MAGNITUDE * 10^SHIFT rounded twice (the
 * product, then to an integer), so it can miss the correctly rounded
 * 15-digit integer by one only when that product lies within 0.07 of a
 * half. M's decimal reads back as MAGNITUDE only within half an ulp of
 * it, under 0.12 in units of M, and at most one 15-digit decimal lies that
 * close: a wrong neighbour, at least 0.43 away, never reads back. The read
 * back is M / 10^SHIFT in one correctly rounded division (M < 2^53 and
 * 10^SHIFT <= 10^18 are exact), which is what strtod makes of the text. */
static int fifteen_digits(double magnitude, unsigned long long *m, int *exponent)
{
    *exponent = leading_exponent(magnitude);
    int shift = 14 - *exponent;
    double scaled = nearbyint(magnitude * power_of_ten[shift]);
    if (scaled < 1e14 || scaled >= 1e15 || scaled / power_of_ten[shift] != magnitude)
        return 0;
    *m = (unsigned long long)scaled;
    return 1;
}

typedef unsigned __int128 wide;

static wide wide_power_of_ten(int n) /* n <= 38 */
{
    wide p = 1;
    for (int i = 0; i < n; i++)
        p *= 10;
    return p;
}

/* %.<DIGITS>g's digits of MAGNITUDE (a double in [1e-4, 1e15)) into *M and
 * *EXPONENT, exactly, in 128-bit integers: returns 1 when that decimal
 * reads back as MAGNITUDE (strtod's rounding: to nearest, ties to even),
 * 0 when it does not, -1 when it cannot tell (the caller uses printf).
 *
 * MAGNITUDE = f 2^e with f < 2^53 and -66 <= e <= -3 in this range. The
 * digits are f 10^s / 2^-e rounded half to even, as glibc's printf rounds
 * the exact value, with s = DIGITS - 1 - EXPONENT <= 21. The decimal M
 * 10^-s reads back as f 2^e when it lies within half the gap to either
 * neighbouring double (a quarter ulp below a power of two, where the gap
 * below halves), or on that boundary with f even. Scaled by 2^(2-e) 10^s
 * every quantity is an integer below 2^126. */
static int exact_digits(double magnitude, int digits, unsigned long long *m, int *exponent)
{
    uint64_t bits;
    memcpy(&bits, &magnitude, sizeof bits);
    uint64_t f = (bits & ((1ull << 52) - 1)) | 1ull << 52;
    int shift = 1075 - (int)(bits >> 52 & 0x7ff); /* -e */
    if (shift < 3 || shift > 66)
        return -1;
    int e10 = *exponent;
    for (int tries = 0; tries < 3; tries++) {
        int s = digits - 1 - e10;
        if (s < 0 || s > 21)
            return -1;
        wide p = wide_power_of_ten(s), scaled = (wide)f * p;
        wide q = scaled >> shift, rest = scaled & (((wide)1 << shift) - 1);
        wide half = (wide)1 << (shift - 1);
        if (rest > half || (rest == half && (q & 1)))
            q++;
        if (q >= wide_power_of_ten(digits)) { /* a digit more: the exponent is higher */
            e10++;
            continue;
        }
        if (q < wide_power_of_ten(digits - 1)) {
            e10--;
            continue;
        }
        *m = (unsigned long long)q;
        *exponent = e10;
        wide decimal = q << (shift + 2), value = scaled << 2;
        wide above = p << 1, below = f == 1ull << 52 ? p : p << 1;
        int even = !(f & 1);
        if (decimal >= value)
            return decimal - value < above || (decimal - value == above && even);
        return value - decimal < below || (value - decimal == below && even);
    }
    return -1;
}

/* The shortest of %.15g, %.16g and %.17g that reads back as VALUE, without
 * printf, for |VALUE| in [1e-4, 1e15); 0 for the general path. snprintf's
 * exact conversions, three of them for most costs, took 0.04 s of a sweep
 * of 13,000 front rows, on the one thread that writes. */
static int format_shortest(double value, char *buf)
{
    double magnitude = fabs(value);
    if (!(magnitude >= 1e-4 && magnitude < 1e15))
        return 0;
    unsigned long long m;
    int exponent;
    if (fifteen_digits(magnitude, &m, &exponent)) {
        write_digits(m, 15, exponent, value < 0, buf);
        return 1;
    }
    for (int digits = 15; digits <= 17; digits++) {
        int e10 = exponent;
        int reads_back = exact_digits(magnitude, digits, &m, &e10);
        if (reads_back < 0)
            return 0;
        if (reads_back) {
            write_digits(m, digits, e10, value < 0, buf);
            return 1;
        }
    }
    return 0;
}

void cascade_format_double(double value, char *buf)
{
    if (format_shortest(value, buf))
        return;
    /* Doubles carry 15 significant decimal digits safely: when the value
     * reads back from 15, %g's rounding to 15 digits is its shortest form
     * padded with zeros that %g drops. Otherwise 16 or 17 digits. */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, value);
        if (cascade_read_decimal(buf) == value)
            break;
    }
    /* %g writes a whole number with fewer significant digits than its
     * length as an exponent (10 as "1e+01"); below 1e17 write it plainly. */
    if (strchr(buf, 'e') && fabs(value) < 1e17 && value == trunc(value))
        snprintf(buf, 32, "%.0f", value);
}

void cascade_csv_field(FILE *file, const char *text, int last)
{
    if (strpbrk(text, ",\"\r\n"))
        csv_fwrite(file, text, strlen(text));
    else
        fputs(text, file);
    fputc(last ? '\n' : ',', file);
}
