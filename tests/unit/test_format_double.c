/* cascade_format_double: the shortest text that reads back exactly. */
#include "check.h"

#include "cascade/output.h"
#include "cascade/sweep.h"
#include "common/decimal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TEST_CASE(format_double_should_round_trip_with_the_fewest_digits)
{
    static const struct { double value; const char *text; } cases[] = {
        {0.1, "0.1"}, {0.1 + 0.2, "0.30000000000000004"}, {1.0 / 3.0, "0.3333333333333333"},
        {0.00065, "0.00065"}, {1e-7, "1e-07"}, {1e20, "1e+20"}, {-2.5, "-2.5"}, {0.0, "0"},
        /* whole numbers stay plain below 1e17, where %g alone would give 1e+01 */
        {10.0, "10"}, {300.0, "300"}, {1e16, "10000000000000000"}, {-40.0, "-40"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[32];
        cascade_format_double(cases[i].value, buf);
        if (strcmp(buf, cases[i].text) != 0) {
            fprintf(stderr, "%.17g printed as \"%s\", expected \"%s\"\n", cases[i].value, buf,
                    cases[i].text);
            check_failures++;
        }
    }
    /* Many values: every one must read back as itself. */
    size_t wrong = 0;
    unsigned long long state = 12345;
    for (int i = 0; i < 100000; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        double value = ldexp((double)(state >> 11), (int)(state % 80) - 100);
        char buf[32];
        cascade_format_double(value, buf);
        wrong += strtod(buf, NULL) != value;
    }
    CHECK_EQ_INT(wrong, 0);
}

/* The definition written out plainly: the fewest of 15, 16 or 17 digits
 * that strtod reads back as VALUE, and whole numbers below 1e17 plainly. */
static void reference_format(double value, char *buf)
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*g", digits, value);
        if (strtod(buf, NULL) == value)
            break;
    }
    if (strchr(buf, 'e') && fabs(value) < 1e17 && value == trunc(value))
        snprintf(buf, 32, "%.0f", value);
}

/* Counts VALUE in *TRIED, and in *DIFFER when the writer's text is not the
 * plain definition's (the first five printed). */
static void compare_with_definition(double value, size_t *tried, size_t *differ)
{
    char got[32], want[32];
    cascade_format_double(value, got);
    reference_format(value, want);
    (*tried)++;
    if (strcmp(got, want) != 0 && (*differ)++ < 5)
        fprintf(stderr, "%.17g written as \"%s\", strtod's choice is \"%s\"\n", value, got,
                want);
}

/* The writer reads its 15-digit attempts back without strtod where it can;
 * the text must still be strtod's choice exactly, for the values fronts
 * hold (fractions of a sample count, sums of costs, short decimals) and
 * for any double, near powers of two (where the gaps between doubles
 * change) included. */
TEST_CASE(format_double_should_write_what_strtod_would_choose_for_every_kind_of_value)
{
    size_t differ = 0, tried = 0;
    unsigned long long state = 99;
    for (int i = 0; i < 300000; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned long long r = state >> 11;
        double values[6] = {
            ldexp((double)r, (int)(state % 120) - 110),         /* any double */
            (double)(r % 50001) / 50000.0,                        /* accuracy of 50,000 */
            (double)(r % 1000003) * 1e-6 * (double)(1 + i % 7),  /* short decimals, scaled */
            round((double)(r % 100000000) / 1e3) / 1e5,          /* 8 digits */
            ldexp(1.0, (int)(state % 200) - 100) * (i % 2 ? 1 + 0x1p-52 : 1 - 0x1p-53),
            -(double)(r % 997) / (double)(1 + r % 1009)};
        for (int v = 0; v < 6; v++)
            compare_with_definition(values[v], &tried, &differ);
    }
    /* Where the leading digit's place changes, and where 15 digits stop
     * being enough: each power of ten, its neighbouring doubles, and the
     * largest 15- and 16-digit numbers below it. */
    for (int e = -6; e <= 17; e++) {
        char text[32];
        snprintf(text, sizeof text, "1e%d", e);
        double power = strtod(text, NULL);
        snprintf(text, sizeof text, "9.99999999999999e%d", e - 1);
        double below15 = strtod(text, NULL);
        snprintf(text, sizeof text, "9.999999999999999e%d", e - 1);
        double below16 = strtod(text, NULL);
        double values[7] = {power, nextafter(power, 0), nextafter(power, INFINITY),
                            below15, below16, -power, nextafter(below15, INFINITY)};
        for (int v = 0; v < 7; v++)
            compare_with_definition(values[v], &tried, &differ);
    }
    /* Exact powers of two, where the gap to the double below is half the
     * gap above: a decimal a little below reads back as the double below. */
    for (int e = -20; e <= 60; e++) {
        double values[3] = {ldexp(1.0, e), ldexp(3.0, e - 1), -ldexp(1.0, e)};
        for (int v = 0; v < 3; v++)
            compare_with_definition(values[v], &tried, &differ);
    }
    fprintf(stderr, "%zu of %zu values written differently\n", differ, tried);
    CHECK_EQ_INT(differ, 0);
}

/* strtod of "%.*g": what cascade_round_digits must equal. */
static double reference_round(double value, int digits)
{
    char text[64];
    snprintf(text, sizeof text, "%.*g", digits, value);
    return strtod(text, NULL);
}

/* The shortest decimal of at least 9 digits in (LOWER, UPPER], near their
 * middle, by printing and reading back: cascade_threshold_between's
 * definition, written plainly. */
static double reference_threshold(double lower, double upper)
{
    if (!isfinite(lower))
        return upper;
    double mid = lower + (upper - lower) / 2;
    if (!(mid > lower))
        return upper;
    for (int digits = 9; digits <= 17; digits++) {
        double t = reference_round(mid, digits);
        if (t > lower && t <= upper)
            return t;
    }
    return mid;
}

/* Rounding without printing must give printf's digits exactly, ties (half
 * way, which dyadic values hit) to even as printf rounds them, and every
 * magnitude; and so thresholds between two confidences must be the same
 * doubles as the plain definition gives. */
TEST_CASE(rounding_to_digits_should_equal_printf_and_strtod_and_thresholds_their_definition)
{
    size_t differ = 0, tried = 0, thresholds_differ = 0;
    unsigned long long state = 7;
    for (int i = 0; i < 200000; i++) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned long long r = state >> 11;
        double values[5] = {
            ldexp((double)r, (int)(state % 140) - 120),       /* any magnitude */
            (double)(r % 100000) / 65536.0,                     /* dyadic: exact ties */
            1.0 - (double)(r % 1000000) * 1e-9,                 /* confidences near 1 */
            (double)(r % 50001) / 50000.0,
            -ldexp((double)(r % 1000003), -(int)(state % 40))};
        for (int v = 0; v < 5; v++) {
            int digits = 1 + (int)((r >> (3 * v)) % 17);
            double got = cascade_round_digits(values[v], digits);
            double want = reference_round(values[v], digits);
            tried++;
            if (got != want) {
                if (differ++ < 5)
                    fprintf(stderr, "%.17g to %d digits: %.17g, printf and strtod give %.17g\n",
                            values[v], digits, got, want);
            }
        }
        double lower = values[2], upper = lower + ldexp(1.0, -(int)(state % 50) - 3);
        thresholds_differ += cascade_threshold_between(lower, upper) !=
                             reference_threshold(lower, upper);
    }
    fprintf(stderr, "%zu of %zu roundings differ, %zu of 200000 thresholds\n", differ, tried,
            thresholds_differ);
    CHECK_EQ_INT(differ, 0);
    CHECK_EQ_INT(thresholds_differ, 0);
}

RUN_TESTS(CASE(format_double_should_round_trip_with_the_fewest_digits),
          CASE(format_double_should_write_what_strtod_would_choose_for_every_kind_of_value),
          CASE(rounding_to_digits_should_equal_printf_and_strtod_and_thresholds_their_definition))
