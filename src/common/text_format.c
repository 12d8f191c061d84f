/* Numbers written exactly and CSV fields quoted only when they must be:
 * the shared bottom of every writer (cascade/write.h). */
#include "cascade/write.h"
#include "common/decimal.h"

#include <csv.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* What %.<DIGITS>g writes for the integer M of DIGITS digits times
 * 10^(EXPONENT - DIGITS + 1), EXPONENT in [-4, DIGITS - 1], so without an
 * exponent: trailing zeros (and a bare '.') dropped. */
static void write_digits(uint64_t m, int digits, int exponent, int negative, char *buf)
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

/* The shortest of %.15g, %.16g and %.17g that reads back as VALUE, without
 * printf, where %g writes no exponent (|VALUE| in [1e-4, 1e15)); 0 for the
 * general path. snprintf's exact conversions, three of them for most
 * costs, took 0.04 s of a sweep of 13,000 front rows, on the one thread
 * that writes. */
static int format_shortest(double value, char *buf)
{
    double magnitude = fabs(value);
    uint64_t m;
    int p, digits;
    if (!(magnitude >= 1e-4 && magnitude < 1e15) ||
        !cascade_shortest_digits(value, &m, &p, &digits))
        return 0;
    int exponent = digits - 1 - p;
    if (exponent < -4 || exponent >= digits)
        return 0;
    write_digits(m, digits, exponent, value < 0, buf);
    return 1;
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
