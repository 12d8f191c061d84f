/* The reduction at equal accuracy (cascade/summary.h) on hand-made fronts
 * whose answers are worked out in the comments, and on timm's tables,
 * where a front of single models must give a reduction of exactly 1. */
#include "check.h"
#include "test_data.h"

#include <stdint.h>

#include "cascade/costs.h"
#include "cascade/table_dataset.h"
#include "cascade/figures.h"
#include "cascade/split.h"
#include "cascade/summary.h"
#include "cascade/sweep.h"

static cascade_point point(unsigned model, double accuracy, double cost)
{
    cascade_point p;
    memset(&p, 0, sizeof p);
    p.stages = 1;
    p.model[0] = model;
    p.accuracy = accuracy;
    p.cost = cost;
    return p;
}

/* Singles A (0.70, 1), B (0.80, 4), C (0.90, 10); cascades X (0.80, 2) and
 * Y (0.90, 5); the front the metric chooses from holds A, X and Y. */
static void hand_front(cascade_point singles[3], cascade_point front[3])
{
    singles[0] = point(0, 0.70, 1);
    singles[1] = point(1, 0.80, 4);
    singles[2] = point(2, 0.90, 10);
    front[0] = point(0, 0.70, 1);
    front[1] = point(1, 0.80, 2);
    front[1].stages = 2;
    front[2] = point(2, 0.90, 5);
    front[2].stages = 2;
}

TEST_CASE(summary_should_match_a_hand_computed_three_level_range)
{
    /* Range [0.70, 0.90], 3 levels: a = 0.70, 0.80, 0.90.
     *   S = 1 (A), 4 (B), 10 (C);  C = 1 (A), 2 (X), 5 (Y);  S/C = 1, 2, 2.
     * mean = 5/3, geomean = (1 * 2 * 2)^(1/3) = 4^(1/3), max = 2, first
     * reached at a = 0.80 by X against B. */
    cascade_point singles[3], front[3];
    hand_front(singles, front);
    cascade_range_summary s;
    REQUIRE(cascade_summary_range(singles, 3, front, 3, 0.70, 0.90, 3, &s, NULL) == CASCADE_OK);
    CHECK_EQ_INT(s.levels, 3);
    CHECK_NEAR(s.top, 0.90, 0);
    CHECK_NEAR(s.mean_reduction, 5.0 / 3.0, 1e-15);
    CHECK_NEAR(s.geomean_reduction, cbrt(4.0), 1e-15);
    CHECK_NEAR(s.max_reduction, 2.0, 0);
    CHECK_NEAR(s.best_level, 0.80, 1e-15);
    CHECK_EQ_INT(s.best_point, 1);
    CHECK_EQ_INT(s.best_single, 1);
}

TEST_CASE(summary_should_average_1001_levels_as_worked_out_by_hand)
{
    /* 1001 levels over [0.70, 0.90]: only a = 0.70 has S/C = 1 (A against
     * A); every level above it has S/C = 2 (B against X up to 0.80, then C
     * against Y), whichever side of 0.80 a rounded level falls. So
     * mean = (1 + 1000 * 2) / 1001, geomean = 2^(1000/1001), max = 2, first
     * at the second level, 0.7002. */
    cascade_point singles[3], front[3];
    hand_front(singles, front);
    cascade_range_summary s;
    REQUIRE(cascade_summary_range(singles, 3, front, 3, 0.70, 0.90, 0, &s, NULL) == CASCADE_OK);
    CHECK_EQ_INT(s.levels, 1001);
    CHECK_NEAR(s.mean_reduction, 2001.0 / 1001.0, 1e-14);
    CHECK_NEAR(s.geomean_reduction, pow(2.0, 1000.0 / 1001.0), 1e-12); /* exp of a sum of 1001 logs */
    CHECK_NEAR(s.max_reduction, 2.0, 0);
    CHECK_NEAR(s.best_level, 0.7002, 1e-12);
    CHECK_EQ_INT(s.best_point, 1);
}

TEST_CASE(summary_should_stop_at_the_best_single_model_and_report_no_levels_above_it)
{
    cascade_point singles[3], front[3];
    hand_front(singles, front);
    cascade_range_summary s;
    /* [0.86, 1]: TOP = 0.90 (C); every level is above B, so S = 10 (C),
     * C = 5 (Y) throughout: all three figures are 2. */
    REQUIRE(cascade_summary_range(singles, 3, front, 3, 0.86, 1.0, 0, &s, NULL) == CASCADE_OK);
    CHECK_NEAR(s.top, 0.90, 0);
    CHECK_EQ_INT(s.levels, 1001);
    CHECK_NEAR(s.mean_reduction, 2.0, 1e-15);
    CHECK_NEAR(s.geomean_reduction, 2.0, 1e-12);
    CHECK_EQ_INT(s.best_point, 2);
    /* LO above every single model: no level, no figures. */
    REQUIRE(cascade_summary_range(singles, 3, front, 3, 0.95, 1.0, 0, &s, NULL) == CASCADE_OK);
    CHECK_EQ_INT(s.levels, 0);
    CHECK(isnan(s.mean_reduction) && isnan(s.geomean_reduction) && isnan(s.max_reduction));
    CHECK(s.best_point == SIZE_MAX);
    /* HI below the best single model caps the range at HI. */
    REQUIRE(cascade_summary_range(singles, 3, front, 3, 0.70, 0.75, 0, &s, NULL) == CASCADE_OK);
    CHECK_NEAR(s.top, 0.75, 0);
    CHECK(cascade_summary_range(singles, 3, front, 3, 0.9, 0.8, 0, &s, NULL) == CASCADE_ERR_ARGUMENT);
}

TEST_CASE(summary_should_skip_levels_no_front_point_reaches)
{
    /* Held-out figures can leave the front short of the best single model:
     * front points A (0.70, 1) and Z (0.86, 3), singles A, B (0.81, 4) and
     * C (0.95, 10); 6 levels 0.70, 0.75, ..., 0.95 (none near a boundary):
     * 0.90 and 0.95 have no C, so 4 levels are used, with
     * S = 1, 4, 4, 10 and C = 1, 3, 3, 3: S/C = 1, 4/3, 4/3, 10/3;
     * mean = (1 + 8/3 + 10/3) / 4 = 7/4, max = 10/3 at 0.85. */
    cascade_point singles[3] = {point(0, 0.70, 1), point(1, 0.81, 4), point(2, 0.95, 10)};
    cascade_point front[2] = {point(0, 0.70, 1), point(1, 0.86, 3)};
    cascade_range_summary s;
    REQUIRE(cascade_summary_range(singles, 3, front, 2, 0.70, 1.0, 6, &s, NULL) == CASCADE_OK);
    CHECK_EQ_INT(s.levels, 4);
    CHECK_NEAR(s.mean_reduction, 7.0 / 4.0, 1e-15);
    CHECK_NEAR(s.max_reduction, 10.0 / 3.0, 1e-15);
    CHECK_NEAR(s.best_level, 0.85, 1e-15);
}

TEST_CASE(summary_should_match_each_front_single_with_the_cheapest_point_as_accurate)
{
    /* A -> A (1/1), B -> X (4/2), C -> Y (10/5). A dominated single (D:
     * 0.75 at cost 6, worse than B) is not on the single-model front. */
    cascade_point singles[4], front[3];
    hand_front(singles, front);
    singles[3] = point(3, 0.75, 6);
    cascade_single_match *m = NULL;
    size_t n = 0;
    REQUIRE(cascade_summary_singles(singles, 4, front, 3, &m, &n, NULL) == CASCADE_OK);
    REQUIRE(n == 3);
    size_t expected_point[3] = {0, 1, 2};
    double expected_speedup[3] = {1, 2, 2};
    for (size_t i = 0; i < 3; i++) {
        CHECK_EQ_INT(m[i].single, i);
        CHECK_EQ_INT(m[i].point, expected_point[i]);
        CHECK_NEAR(m[i].speedup, expected_speedup[i], 0);
    }
    free(m);
}

TEST_CASE(summary_of_singles_only_should_be_a_reduction_of_one_everywhere)
{
    cascade_point singles[3], front[3];
    hand_front(singles, front);
    cascade_range_summary s;
    REQUIRE(cascade_summary_range(singles, 3, singles, 3, 0.0, 1.0, 0, &s, NULL) == CASCADE_OK);
    CHECK_EQ_INT(s.levels, 1001);
    CHECK_NEAR(s.mean_reduction, 1, 0);
    CHECK_NEAR(s.geomean_reduction, 1, 0);
    CHECK_NEAR(s.max_reduction, 1, 0);
}

TEST_CASE(summary_should_treat_a_free_point_as_an_infinite_reduction)
{
    cascade_point singles[1] = {point(0, 0.9, 2)};
    cascade_point front[1] = {point(1, 0.9, 0)};
    cascade_range_summary s;
    REQUIRE(cascade_summary_range(singles, 1, front, 1, 0.5, 1, 0, &s, NULL) == CASCADE_OK);
    CHECK(isinf(s.max_reduction));
    singles[0].cost = 0;
    REQUIRE(cascade_summary_range(singles, 1, front, 1, 0.5, 1, 0, &s, NULL) == CASCADE_OK);
    CHECK_NEAR(s.mean_reduction, 1, 0);
}

/* timm's 2022-07-27 results and pt112 benchmark as single models: the front
 * of singles against the singles themselves must reduce nothing. */
TEST_CASE(summary_of_the_timm_single_model_front_should_be_one_in_both_paper_ranges)
{
    char results[1024], bench[1024];
    snprintf(results, sizeof results, "%s/timm/results-imagenet.e987e290-2022-07-27.csv",
             shared_data_dir());
    snprintf(bench, sizeof bench, "%s/timm/benchmark-infer-amp-nhwc-pt112-cu113-rtx3090.csv",
             shared_data_dir());
    const char *costs[] = {"gmacs", "time"};
    for (size_t c = 0; c < 2; c++) {
        cascade_costs_options options = {.cost = costs[c], .table_path = bench};
        cascade_dataset *d = NULL;
        cascade_error error;
        REQUIRE(cascade_dataset_from_tables(results, &options, &d, NULL, &error) == CASCADE_OK);
        cascade_front front;
        cascade_front_init(&front);
        REQUIRE(cascade_sweep(d, NULL, &front, NULL, &error) == CASCADE_OK);
        cascade_point *singles = calloc(d->model_count, sizeof *singles);
        for (size_t m = 0; m < d->model_count; m++)
            singles[m] = point((unsigned)m, d->models[m].accuracy, d->models[m].cost);
        double ranges[2][2] = {{0.80, 0.86}, {0.86, 1.0}};
        for (size_t r = 0; r < 2; r++) {
            cascade_range_summary s;
            REQUIRE(cascade_summary_range(singles, d->model_count, front.points, front.count,
                                          ranges[r][0], ranges[r][1], 0, &s, NULL) == CASCADE_OK);
            printf("%s %.2f:%.2f: %zu levels, mean %.17g\n", costs[c], ranges[r][0],
                   ranges[r][1], s.levels, s.mean_reduction);
            CHECK_EQ_INT(s.levels, 1001);
            CHECK_NEAR(s.mean_reduction, 1, 0);
            CHECK_NEAR(s.geomean_reduction, 1, 0);
            CHECK_NEAR(s.max_reduction, 1, 0);
        }
        free(singles);
        cascade_front_free(&front);
        cascade_dataset_free(d);
    }
}

/* NumPy's default percentile, written out: linear between order statistics. */
static double percentile(double *values, size_t n, double q)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && values[j - 1] > values[j]; j--) {
            double t = values[j];
            values[j] = values[j - 1];
            values[j - 1] = t;
        }
    double h = q * (double)(n - 1);
    size_t lo = (size_t)h;
    return lo + 1 < n ? values[lo] + (h - (double)lo) * (values[lo + 1] - values[lo]) : values[lo];
}

TEST_CASE(summary_bootstrap_should_take_percentiles_of_figures_measured_on_the_same_resamples)
{
    enum { B = 40, K = 400 };
    cascade_dataset *d = test_dataset_random(3, K, 21);
    cascade_front front;
    cascade_front_init(&front);
    cascade_sweep_options sweep = {.max_stages = 2};
    REQUIRE(cascade_sweep(d, &sweep, &front, NULL, NULL) == CASCADE_OK);
    const unsigned singles[3] = {0, 1, 2};
    const unsigned pairs[2][2] = {{0, 2}, {1, 2}};
    const double lo[1] = {0.5}, hi[1] = {1.0};
    cascade_summary_figures_request request = {singles, 3, front.points, front.count, lo, hi, 1,
                                               pairs, 2};
    cascade_bootstrap_options options = {.resamples = B, .seed = 9, .threads = 1};
    cascade_figure_interval reduction, apgr[2], aiq;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_summary_bootstrap(d, &request, &options, &reduction, apgr, &aiq, &error) ==
            CASCADE_OK);
    /* Each resample measured here with the reference evaluation. */
    double values[4][B], model_accuracy[B];
    size_t index[K];
    cascade_point measured_singles[3];
    cascade_point *measured = malloc(front.count * sizeof *measured);
    for (size_t b = 0; b < B; b++) {
        cascade_bootstrap_resample(9, b, K, index);
        cascade_dataset *view = NULL;
        REQUIRE(cascade_dataset_subset(d, index, K, &view, &error) == CASCADE_OK);
        for (unsigned m = 0; m < 3; m++)
            REQUIRE(cascade_evaluate(view, 1, &m, NULL, &measured_singles[m], &error) == CASCADE_OK);
        REQUIRE(cascade_evaluate_points(view, front.points, front.count, measured, &error) ==
                CASCADE_OK);
        cascade_range_summary range;
        REQUIRE(cascade_summary_range(measured_singles, 3, measured, front.count, 0.5, 1.0, 0,
                                      &range, &error) == CASCADE_OK);
        values[0][b] = range.mean_reduction;
        for (int p = 0; p < 2; p++) {
            cascade_pair_figures f;
            REQUIRE(cascade_pair_figures_of(view, pairs[p][0], pairs[p][1], &f, &error) ==
                    CASCADE_OK);
            values[1 + p][b] = f.apgr;
        }
        REQUIRE(cascade_aiq_of_points(measured_singles, 3, measured, front.count, &values[3][b],
                                      &error) == CASCADE_OK);
        model_accuracy[b] = measured_singles[0].accuracy;
        cascade_dataset_free(view);
    }
    const cascade_figure_interval *got[4] = {&reduction, &apgr[0], &apgr[1], &aiq};
    double worst = 0;
    for (int f = 0; f < 4; f++) {
        double want_lo = percentile(values[f], B, 0.025), want_hi = percentile(values[f], B, 0.975);
        worst = fmax(worst, fmax(fabs(got[f]->lo - want_lo), fabs(got[f]->hi - want_hi)));
        CHECK_NEAR(got[f]->lo, want_lo, 1e-12);
        CHECK_NEAR(got[f]->hi, want_hi, 1e-12);
        CHECK(got[f]->lo < got[f]->hi);
    }
    printf("largest interval difference %.3g\n", worst);
    /* The same resamples as the points' bootstrap: model 0's accuracy interval. */
    cascade_point single;
    unsigned model = 0;
    REQUIRE(cascade_evaluate(d, 1, &model, NULL, &single, &error) == CASCADE_OK);
    cascade_interval interval;
    REQUIRE(cascade_bootstrap(d, &single, 1, &options, &interval, &error) == CASCADE_OK);
    CHECK_NEAR(interval.accuracy_lo, percentile(model_accuracy, B, 0.025), 1e-12);
    CHECK_NEAR(interval.accuracy_hi, percentile(model_accuracy, B, 0.975), 1e-12);
    free(measured);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

RUN_TESTS(CASE(summary_bootstrap_should_take_percentiles_of_figures_measured_on_the_same_resamples),
          CASE(summary_should_match_a_hand_computed_three_level_range),
          CASE(summary_should_average_1001_levels_as_worked_out_by_hand),
          CASE(summary_should_stop_at_the_best_single_model_and_report_no_levels_above_it),
          CASE(summary_should_skip_levels_no_front_point_reaches),
          CASE(summary_should_match_each_front_single_with_the_cheapest_point_as_accurate),
          CASE(summary_of_singles_only_should_be_a_reduction_of_one_everywhere),
          CASE(summary_should_treat_a_free_point_as_an_infinite_reduction),
          CASE(summary_of_the_timm_single_model_front_should_be_one_in_both_paper_ranges))
