/* cascade_format_double: the shortest text that reads back exactly. */
#include "check.h"

#include "cascade/output.h"

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

RUN_TESTS(CASE(format_double_should_round_trip_with_the_fewest_digits))
