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

#endif
