/* Numbers written exactly and CSV fields quoted only when they must be:
 * the shared bottom of every writer (cascade/write.h). */
#include "cascade/write.h"
#include "common/decimal.h"

#include <csv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* %.15g of VALUE, without printf, where that is also its shortest exact
 * form: |VALUE| in [1e-4, 1e15), written without an exponent as %g would.
 * Returns 0 when VALUE needs the general path. Most numbers a front holds
 * (accuracies k / n, costs, fractions answered) take this one: snprintf's
 * exact conversion of each cost a sweep of 13,000 rows 0.05 s on one core.
 *
 * Why the digits are %.15g's: M is VALUE * 10^SHIFT rounded twice (the
 * product, then to an integer), so it can miss the correctly rounded
 * 15-digit integer by one only when that product lies within 0.07 of a
 * half. M's decimal reads back as VALUE only within half an ulp of VALUE,
 * under 0.12 in units of M, and at most one 15-digit decimal lies that
 * close: a wrong neighbour, at least 0.43 away, never reads back. The read
 * back is M / 10^SHIFT in one correctly rounded division (M < 2^53 and
 * 10^SHIFT <= 10^18 are exact), which is what strtod makes of the text. */
static int format_15_digits(double value, char *buf)
{
    static const double power[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                   1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                   1e14, 1e15, 1e16, 1e17, 1e18};
    double magnitude = fabs(value);
    if (!(magnitude >= 1e-4 && magnitude < 1e15))
        return 0;
    int exponent = -4; /* of the leading digit; checked through M's range below */
    while (exponent < 14 && magnitude >= (exponent + 1 >= 0 ? power[exponent + 1]
                                                            : 1.0 / power[-exponent - 1]))
        exponent++;
    int shift = 14 - exponent;
    double m = nearbyint(magnitude * power[shift]);
    if (m < 1e14 || m >= 1e15 || m / power[shift] != magnitude)
        return 0;
    char digits[16];
    unsigned long long n = (unsigned long long)m;
    for (int i = 14; i >= 0; i--, n /= 10)
        digits[i] = (char)('0' + n % 10);
    int last = 14; /* the last digit to write: trailing zeros dropped */
    while (last > 0 && last > exponent && digits[last] == '0')
        last--;
    char *out = buf;
    if (value < 0)
        *out++ = '-';
    if (exponent < 0) {
        *out++ = '0';
        *out++ = '.';
        for (int z = -1; z > exponent; z--)
            *out++ = '0';
        for (int i = 0; i <= last; i++)
            *out++ = digits[i];
    } else {
        for (int i = 0; i <= exponent; i++)
            *out++ = digits[i];
        if (last > exponent) {
            *out++ = '.';
            for (int i = exponent + 1; i <= last; i++)
                *out++ = digits[i];
        }
    }
    *out = '\0';
    return 1;
}

void cascade_format_double(double value, char *buf)
{
    if (format_15_digits(value, buf))
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
