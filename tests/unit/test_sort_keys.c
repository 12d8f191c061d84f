/* The linear-time sort by a descending key, against a comparison sort. */
#include "check.h"
#include "test_data.h"

#include "common/sort_keys.h"

TEST_CASE(order_descending_should_equal_a_comparison_sort_with_ties_and_signed_zeros)
{
    enum { N = 20000 };
    double *v = malloc(N * sizeof *v);
    uint32_t *got = malloc(N * sizeof *got), *want = malloc(N * sizeof *want);
    uint64_t seed = 5;
    for (size_t i = 0; i < N; i++) {
        double u = test_uniform(&seed);
        /* coarse values make ties; a few zeros of both signs, negatives and 1 */
        v[i] = i % 7 == 0 ? (double)(int)(u * 50) / 50 : u;
        if (i % 101 == 0)
            v[i] = i % 202 == 0 ? 0.0 : -0.0;
        if (i % 97 == 0)
            v[i] = -u;
        if (i % 89 == 0)
            v[i] = 1.0;
    }
    REQUIRE(cascade_order_descending(v, N, got));
    test_order_descending(v, N, want);
    size_t differ = 0;
    for (size_t i = 0; i < N; i++)
        differ += got[i] != want[i];
    if (differ)
        fprintf(stderr, "%zu of %d positions differ\n", differ, N);
    CHECK_EQ_INT(differ, 0);
    uint32_t one;
    double single = 0.5;
    REQUIRE(cascade_order_descending(&single, 1, &one));
    CHECK_EQ_INT(one, 0);
    REQUIRE(cascade_order_descending(v, 0, got));
    free(v);
    free(got);
    free(want);
}

RUN_TESTS(CASE(order_descending_should_equal_a_comparison_sort_with_ties_and_signed_zeros))
