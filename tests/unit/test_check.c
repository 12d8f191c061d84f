/* Tests for cascade/check.h: a front against a baseline as step functions. */
#include "check.h"

#include <unistd.h>

#include "cascade/check.h"
#include "cascade/front_csv.h"
#include "cascade/output.h"
#include "cascade/sweep.h"

static const char header[] = "models,thresholds,accuracy,cost,stages,answered\n";

/* A front read from ROWS ("models,thresholds,accuracy,cost,stages,answered"
 * lines), through a temporary file as the command reads it. */
static cascade_front_table *front_of(const char *rows)
{
    char path[] = "/tmp/cascade-test-check-XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    FILE *file = fdopen(fd, "w");
    REQUIRE(file);
    fputs(header, file);
    fputs(rows, file);
    REQUIRE(fclose(file) == 0);
    cascade_front_table *table = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status s = cascade_front_table_load(path, &table, &error);
    if (s != CASCADE_OK)
        fprintf(stderr, "%s\n", error.message);
    REQUIRE(s == CASCADE_OK);
    unlink(path);
    return table;
}

static const char baseline_rows[] =
    "small,,0.5,1,1,1\n"
    "small>big,0.9,0.7,2,2,0.6;0.4\n"
    "small>big,0.95,0.8,3.5,2,0.4;0.6\n"
    "big,,0.85,5,1,1\n";

/* Compares NEW_ROWS with the baseline above. */
static cascade_check_result check_rows(const char *new_rows, double tol_accuracy,
                                       double tol_cost)
{
    cascade_front_table *baseline = front_of(baseline_rows), *now = front_of(new_rows);
    cascade_check_options o = {tol_accuracy, tol_cost};
    cascade_check_result r;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_check_fronts(now, baseline, &o, &r, &error) == CASCADE_OK);
    /* The row pointers outlive the tables only as values: keep the lines. */
    r.worst.row = NULL;
    r.best.row = NULL;
    cascade_front_table_free(baseline);
    cascade_front_table_free(now);
    return r;
}

TEST_CASE(check_should_pass_identical_fronts_with_nothing_to_report)
{
    cascade_check_result r = check_rows(baseline_rows, 0.0, 0.0);
    CHECK_EQ_INT(r.baseline_steps, 4);
    CHECK_EQ_INT(r.new_steps, 4);
    CHECK_EQ_INT(r.drops, 0);
    CHECK_EQ_INT(r.regressions, 0);
    CHECK_EQ_INT(r.gains, 0);
    CHECK_EQ_INT(r.improvements, 0);
}

TEST_CASE(check_should_name_the_cost_and_accuracies_of_the_worst_regression)
{
    /* The point at cost 3.5 drops from 0.8 to 0.79: below 0.8 from 3.5 up
     * to 5, where 0.85 takes over. */
    cascade_front_table *baseline = front_of(baseline_rows);
    cascade_front_table *now = front_of("small,,0.5,1,1,1\n"
                                        "small>big,0.9,0.7,2,2,0.6;0.4\n"
                                        "small>big,0.95,0.79,3.5,2,0.4;0.6\n"
                                        "big,,0.85,5,1,1\n");
    cascade_check_result r;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_check_fronts(now, baseline, NULL, &r, &error) == CASCADE_OK);
    CHECK_EQ_INT(r.drops, 1);
    CHECK_EQ_INT(r.regressions, 1);
    CHECK(r.worst.cost == 3.5);
    CHECK(r.worst.baseline_accuracy == 0.8);
    CHECK(r.worst.new_accuracy == 0.79);
    CHECK_NEAR(r.worst.difference, -0.01, 1e-15);
    REQUIRE(r.worst.row != NULL);
    CHECK_EQ_INT(r.worst.row->line, 4);           /* the baseline's row */
    CHECK(strcmp(r.worst.row->model[1], "big") == 0);
    CHECK_EQ_INT(r.gains, 0);
    cascade_front_table_free(baseline);
    cascade_front_table_free(now);
}

TEST_CASE(check_accuracy_tolerance_edges_should_hold_from_both_sides)
{
    /* A drop of exactly 0.001 passes; 0.0011 fails; the same drop fails
     * against a tolerance of 0.0009. */
    cascade_check_result r = check_rows("small,,0.5,1,1,1\nsmall>big,0.9,0.699,2,2,0.6;0.4\n"
                                        "small>big,0.95,0.8,3.5,2,0.4;0.6\nbig,,0.85,5,1,1\n",
                                        0.001, 1e-6);
    CHECK_EQ_INT(r.drops, 1);
    CHECK_EQ_INT(r.regressions, 0);
    CHECK(r.worst.cost == 2.0);
    r = check_rows("small,,0.5,1,1,1\nsmall>big,0.9,0.6989,2,2,0.6;0.4\n"
                   "small>big,0.95,0.8,3.5,2,0.4;0.6\nbig,,0.85,5,1,1\n", 0.001, 1e-6);
    CHECK_EQ_INT(r.regressions, 1);
    r = check_rows("small,,0.5,1,1,1\nsmall>big,0.9,0.699,2,2,0.6;0.4\n"
                   "small>big,0.95,0.8,3.5,2,0.4;0.6\nbig,,0.85,5,1,1\n", 0.0009, 1e-6);
    CHECK_EQ_INT(r.regressions, 1);
    /* Improvements use the same edge. */
    r = check_rows("small,,0.5,1,1,1\nsmall>big,0.9,0.701,2,2,0.6;0.4\n"
                   "small>big,0.95,0.8,3.5,2,0.4;0.6\nbig,,0.85,5,1,1\n", 0.001, 1e-6);
    CHECK_EQ_INT(r.gains, 1);
    CHECK_EQ_INT(r.improvements, 0);
    CHECK(r.best.cost == 2.0 && r.best.new_accuracy == 0.701 && r.best.baseline_accuracy == 0.7);
    r = check_rows("small,,0.5,1,1,1\nsmall>big,0.9,0.7011,2,2,0.6;0.4\n"
                   "small>big,0.95,0.8,3.5,2,0.4;0.6\nbig,,0.85,5,1,1\n", 0.001, 1e-6);
    CHECK_EQ_INT(r.improvements, 1);
}

TEST_CASE(check_cost_tolerance_edges_should_hold_from_both_sides)
{
    /* The step at cost 2 moves to 3: reached within 2 * (1 + 0.5) = 3
     * exactly, not at 3.0001 (the new front is then 0.5 there: a drop of
     * 0.2). */
    static const char moved[] = "small,,0.5,1,1,1\nsmall>big,0.9,0.7,3,2,0.6;0.4\n"
                                "small>big,0.95,0.8,3.5,2,0.4;0.6\nbig,,0.85,5,1,1\n";
    static const char moved_further[] = "small,,0.5,1,1,1\nsmall>big,0.9,0.7,3.0001,2,0.6;0.4\n"
                                        "small>big,0.95,0.8,3.5,2,0.4;0.6\nbig,,0.85,5,1,1\n";
    cascade_check_result r = check_rows(moved, 0.001, 0.5);
    CHECK_EQ_INT(r.drops, 0);
    r = check_rows(moved_further, 0.001, 0.5);
    CHECK_EQ_INT(r.regressions, 1);
    CHECK(r.worst.cost == 2.0 && r.worst.new_accuracy == 0.5);
    CHECK_NEAR(r.worst.difference, -0.2, 1e-15);
    /* A cost one part in 10^7 higher is rounding: the default R absorbs it. */
    r = check_rows("small,,0.5,1,1,1\nsmall>big,0.9,0.7,2.0000002,2,0.6;0.4\n"
                   "small>big,0.95,0.8,3.5,2,0.4;0.6\nbig,,0.85,5,1,1\n", 0.001, 1e-6);
    CHECK_EQ_INT(r.drops, 0);
    r = check_rows("small,,0.5,1,1,1\nsmall>big,0.9,0.7,2.0000002,2,0.6;0.4\n"
                   "small>big,0.95,0.8,3.5,2,0.4;0.6\nbig,,0.85,5,1,1\n", 0.001, 0.0);
    CHECK_EQ_INT(r.regressions, 1);
}

TEST_CASE(check_should_count_a_front_that_starts_later_as_accuracy_zero_there)
{
    /* The new front has nothing at cost 1: the baseline's 0.5 is lost. */
    cascade_check_result r = check_rows("small>big,0.9,0.7,2,2,0.6;0.4\n"
                                        "small>big,0.95,0.8,3.5,2,0.4;0.6\nbig,,0.85,5,1,1\n",
                                        0.001, 1e-6);
    CHECK_EQ_INT(r.regressions, 1);
    CHECK(r.worst.cost == 1.0 && r.worst.baseline_accuracy == 0.5);
    CHECK(isnan(r.worst.new_accuracy));
    CHECK(r.worst.difference == -0.5);
    /* And the other way round: a cheaper first point is an improvement. */
    r = check_rows("tiny,,0.3,0.5,1,1\nsmall,,0.5,1,1,1\nsmall>big,0.9,0.7,2,2,0.6;0.4\n"
                   "small>big,0.95,0.8,3.5,2,0.4;0.6\nbig,,0.85,5,1,1\n", 0.001, 1e-6);
    CHECK_EQ_INT(r.regressions, 0);
    CHECK_EQ_INT(r.improvements, 1);
    CHECK(r.best.cost == 0.5 && isnan(r.best.baseline_accuracy) && r.best.difference == 0.3);
}

TEST_CASE(check_should_ignore_dominated_rows_and_row_order)
{
    /* The baseline's rows shuffled, plus dominated points (as --points all
     * writes them): the same step function. */
    cascade_check_result r = check_rows("big,,0.85,5,1,1\nsmall>big,0.5,0.6,2.5,2,0.7;0.3\n"
                                        "small>big,0.95,0.8,3.5,2,0.4;0.6\nsmall,,0.5,1,1,1\n"
                                        "small>big,0.9,0.7,2,2,0.6;0.4\nbig>small,0.9,0.1,6,2,0.5;0.5\n",
                                        0.0, 0.0);
    CHECK_EQ_INT(r.new_steps, 4);
    CHECK_EQ_INT(r.drops, 0);
    CHECK_EQ_INT(r.gains, 0);
}

TEST_CASE(check_should_refuse_negative_tolerances)
{
    cascade_front_table *t = front_of(baseline_rows);
    cascade_check_result r;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_check_options bad = {-0.001, 1e-6};
    CHECK_EQ_INT(cascade_check_fronts(t, t, &bad, &r, &error), CASCADE_ERR_ARGUMENT);
    bad = (cascade_check_options){0.001, NAN};
    CHECK_EQ_INT(cascade_check_fronts(t, t, &bad, &r, &error), CASCADE_ERR_ARGUMENT);
    cascade_front_table_free(t);
}

/* Sweeps the CIFAR-10 manifest with up to STAGES stages into PATH. */
static void sweep_to(const char *manifest, unsigned stages, const char *path)
{
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_dataset_load(manifest, NULL, &d, &error) == CASCADE_OK);
    cascade_sweep_options o = {.max_stages = stages};
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(d, &o, &front, NULL, &error) == CASCADE_OK);
    FILE *file = fopen(path, "w");
    REQUIRE(file);
    REQUIRE(cascade_write_front_csv(file, d, &front) == CASCADE_OK);
    REQUIRE(fclose(file) == 0);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

TEST_CASE(check_should_find_three_stage_cascades_ahead_of_pairs_on_cifar10)
{
    char manifest[512];
    snprintf(manifest, sizeof manifest, "%s/cifar10/manifest.json", shared_data_dir());
    char two[] = "/tmp/cascade-test-check2-XXXXXX", three[] = "/tmp/cascade-test-check3-XXXXXX";
    close(mkstemp(two));
    close(mkstemp(three));
    sweep_to(manifest, 2, two);
    sweep_to(manifest, 3, three);
    cascade_front_table *pairs = NULL, *triples = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_front_table_load(two, &pairs, &error) == CASCADE_OK);
    REQUIRE(cascade_front_table_load(three, &triples, &error) == CASCADE_OK);
    cascade_check_result r;
    /* The 3-stage sweep contains every pair: it is nowhere below them. */
    REQUIRE(cascade_check_fronts(triples, pairs, NULL, &r, &error) == CASCADE_OK);
    CHECK_EQ_INT(r.drops, 0);
    CHECK(r.improvements > 0);
    REQUIRE(r.gains > 0);
    CHECK_EQ_INT(r.best.row->stages, 3);
    printf("3 stages over pairs: %zu steps above by more than 0.001; the largest %+.4g at "
           "cost %.7g\n", r.improvements, r.best.difference, r.best.cost);
    /* Pinned to the 3-stage front, the pairs alone regress. */
    REQUIRE(cascade_check_fronts(pairs, triples, NULL, &r, &error) == CASCADE_OK);
    CHECK(r.regressions > 0);
    REQUIRE(r.drops > 0);
    CHECK_EQ_INT(r.worst.row->stages, 3);
    CHECK(r.worst.difference < -0.001);
    cascade_front_table_free(pairs);
    cascade_front_table_free(triples);
    unlink(two);
    unlink(three);
}

RUN_TESTS(CASE(check_should_pass_identical_fronts_with_nothing_to_report),
          CASE(check_should_name_the_cost_and_accuracies_of_the_worst_regression),
          CASE(check_accuracy_tolerance_edges_should_hold_from_both_sides),
          CASE(check_cost_tolerance_edges_should_hold_from_both_sides),
          CASE(check_should_count_a_front_that_starts_later_as_accuracy_zero_there),
          CASE(check_should_ignore_dominated_rows_and_row_order),
          CASE(check_should_refuse_negative_tolerances),
          CASE(check_should_find_three_stage_cascades_ahead_of_pairs_on_cifar10))
