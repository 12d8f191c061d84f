/* cost_distribution: nearest-rank percentiles and the share over a budget,
 * against their definitions evaluated by brute force. */
#include "cascade/cost_distribution.h"
#include "check.h"

#include <stdint.h>

/* The definition, by search rather than by sorting: the smallest of the
 * values with at least P% of them at or below it. */
static double nearest_rank_by_search(const double *x, size_t n, unsigned p)
{
    double best = INFINITY;
    for (size_t i = 0; i < n; i++) {
        size_t at_or_below = 0;
        for (size_t j = 0; j < n; j++)
            at_or_below += x[j] <= x[i];
        if (at_or_below * 100 >= (size_t)p * n && x[i] < best)
            best = x[i];
    }
    return best;
}

TEST_CASE(percentiles_should_be_the_nearest_rank_on_random_costs_with_ties)
{
    uint64_t state = 17;
    double worst = 0;
    for (size_t n = 1; n <= 240; n += 7) {
        double x[240];
        for (size_t i = 0; i < n; i++) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            x[i] = (double)(state >> 59) * 0.25; /* 32 levels: many ties */
        }
        cascade_cost_distribution d;
        cascade_error error;
        REQUIRE(cascade_cost_distribution_of(x, n, 3.0, &d, &error) == CASCADE_OK);
        double want[3] = {nearest_rank_by_search(x, n, 50), nearest_rank_by_search(x, n, 95),
                          nearest_rank_by_search(x, n, 99)};
        double got[3] = {d.p50, d.p95, d.p99};
        size_t over = 0;
        for (size_t i = 0; i < n; i++)
            over += x[i] > 3.0;
        for (int k = 0; k < 3; k++)
            worst = fmax(worst, fabs(want[k] - got[k]));
        worst = fmax(worst, fabs(d.over_budget - (double)over / (double)n));
    }
    printf("largest difference from the definition: %g\n", worst);
    CHECK(worst == 0);
}

TEST_CASE(p95_of_2000_costs_should_be_the_1900th_smallest)
{
    double x[2000];
    for (size_t i = 0; i < 2000; i++)
        x[i] = (double)(2000 - i); /* 2000 down to 1: the r-th smallest is r */
    cascade_cost_distribution d;
    cascade_error error;
    REQUIRE(cascade_cost_distribution_of(x, 2000, NAN, &d, &error) == CASCADE_OK);
    CHECK_NEAR(d.p50, 1000, 0);
    CHECK_NEAR(d.p95, 1900, 0);
    CHECK_NEAR(d.p99, 1980, 0);
    CHECK(isnan(d.over_budget));
    CHECK(x[0] == 2000); /* the input is left as it was */
}

TEST_CASE(a_distribution_of_no_costs_should_be_refused)
{
    cascade_cost_distribution d;
    cascade_error error;
    CHECK(cascade_cost_distribution_of(NULL, 0, NAN, &d, &error) == CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(error.message, "no samples");
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {
        CASE(percentiles_should_be_the_nearest_rank_on_random_costs_with_ties),
        CASE(p95_of_2000_costs_should_be_the_1900th_smallest),
        CASE(a_distribution_of_no_costs_should_be_refused),
    };
    return run_test_cases(cases, sizeof cases / sizeof cases[0], argc, argv);
}
