/* Private to the library: reading back the decimals it writes. */
#ifndef CASCADE_COMMON_DECIMAL_H
#define CASCADE_COMMON_DECIMAL_H

/* strtod(TEXT, NULL) exactly, for the text of a finite number as "%g"
 * writes it; faster for at most 15 significant digits and exponents within
 * 10^+-22, which the writers and thresholds try first. */
double cascade_read_decimal(const char *text);

/* strtod() of "%.*g" with DIGITS of VALUE, exactly: the double that VALUE
 * rounded to DIGITS significant digits reads back as. Without printing for
 * up to 15 digits where exact 128-bit integer arithmetic can round. */
double cascade_round_digits(double value, int digits);

#include <stdint.h>

/* The fewest of 15, 16 and 17 significant digits of VALUE that strtod reads
 * back as VALUE, as "%.*g" rounds them: |VALUE| ~ *N / 10^*P with *N of
 * *DIGITS digits. Exactly, in 128-bit integers; 0 where this cannot tell
 * (VALUE 0 or not finite, *P outside 0..21, no 128-bit integers). */
int cascade_shortest_digits(double value, uint64_t *n, int *p, int *digits);

#endif
