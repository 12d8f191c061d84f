/* Numbers written exactly and CSV fields quoted only when they must be:
 * the shared bottom of every writer (cascade/write.h). */
#include "cascade/write.h"
#include "common/decimal.h"

#include <csv.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void cascade_format_double(double value, char *buf)
{
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
