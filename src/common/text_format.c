/* Numbers written exactly and CSV fields quoted only when they must be:
 * the shared bottom of every writer (cascade/write.h). */
#include "cascade/write.h"
#include "common/decimal.h"

#include <csv.h>
#include <float.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Without strtod's multiple precision where that is not needed (Clinger's
 * fast path): a decimal of at most 15 significant digits is an integer
 * below 2^53, a power of ten up to 10^22 is a double exactly, and one IEEE
 * multiplication or division of the two is correctly rounded, as strtod
 * is. Other texts go to strtod. */
double cascade_read_decimal(const char *text)
{
#if FLT_EVAL_METHOD == 0
    static const double power[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
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
    double value = scale < 0 ? (double)digits / power[-scale] : (double)digits * power[scale];
    return negative ? -value : value;
#else
    return strtod(text, NULL);
#endif
}

void cascade_format_double(double value, char *buf)
{
    /* Doubles carry 15 significant decimal digits safely: when the value
     * reads back from 15, %g's rounding to 15 digits is its shortest form
     * padded with zeros that %g drops. Otherwise 16 or 17 digits. */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, value);
        if ((digits == 15 ? cascade_read_decimal(buf) : strtod(buf, NULL)) == value)
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
