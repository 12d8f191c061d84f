/* Private to the library: reading back the decimals it writes. */
#ifndef CASCADE_COMMON_DECIMAL_H
#define CASCADE_COMMON_DECIMAL_H

/* strtod(TEXT, NULL) exactly, for the text of a finite number as "%g"
 * writes it; faster for at most 15 significant digits and exponents within
 * 10^+-22, which the writers and thresholds try first. */
double cascade_read_decimal(const char *text);

#endif
