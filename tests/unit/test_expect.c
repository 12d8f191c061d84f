/* Tests for cascade/expect.h: the tolerance rule, measured top-1 against a
 * published table, and KEY=VALUE[:TOL] expectations on summary figures. */
#include "check.h"
#include "test_data.h"

#include "cascade/expect.h"
#include "cascade/table.h"

static char temp_path[256];

/* Writes TEXT to a fresh temporary file and returns its path. */
static const char *temp_csv(const char *text)
{
    snprintf(temp_path, sizeof temp_path, "/tmp/cascade-test-expect-XXXXXX");
    int fd = mkstemp(temp_path);
    REQUIRE(fd >= 0);
    FILE *file = fdopen(fd, "w");
    REQUIRE(file);
    fputs(text, file);
    REQUIRE(fclose(file) == 0);
    return temp_path;
}

static cascade_table *load_table(const char *text)
{
    const char *path = temp_csv(text);
    cascade_table *table = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_table_load(path, &table, &error) == CASCADE_OK);
    unlink(path);
    return table;
}

/* Three models m0, m1, m2 on 100 samples, with CORRECT[m] right answers. */
static cascade_dataset *dataset_with_counts(const int correct[3])
{
    cascade_dataset *d = test_dataset_new(3, 100);
    for (size_t m = 0; m < 3; m++)
        for (int i = 0; i < correct[m]; i++)
            d->models[m].records.correct[i] = 1;
    test_dataset_finish(d);
    return d;
}

/* The verdict for model 0 measured at CORRECT/100 against TOP1 with TOL. */
static cascade_accuracy_verdict verdict_at(int correct, const char *top1, double tol)
{
    const int counts[3] = {correct, 0, 0};
    cascade_dataset *d = dataset_with_counts(counts);
    char text[128];
    snprintf(text, sizeof text, "model,top1\nm0,%s\n", top1);
    cascade_table *table = load_table(text);
    cascade_accuracy_check checks[3];
    cascade_expect_accuracy_options o = {.tolerance = tol};
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_expect_accuracy(d, table, &o, checks, &error) == CASCADE_OK);
    cascade_accuracy_verdict v = checks[0].verdict;
    cascade_table_free(table);
    cascade_dataset_free(d);
    return v;
}

TEST_CASE(within_tolerance_should_pass_exactly_at_the_tolerance_and_fail_just_beyond)
{
    /* Decimal edges that binary arithmetic misses by an ulp either way. */
    CHECK(cascade_within_tolerance(91.09, 91.19, 0.1));
    CHECK(cascade_within_tolerance(91.19, 91.09, 0.1));
    CHECK(cascade_within_tolerance(0.9359, 0.9349, 0.001));
    CHECK(cascade_within_tolerance(0.3, 0.1 + 0.2, 0.0));
    CHECK(!cascade_within_tolerance(91.09, 91.1901, 0.1));
    CHECK(!cascade_within_tolerance(0.9359, 0.93489, 0.001));
    CHECK(!cascade_within_tolerance(0.5, 0.5000001, 0.0));
    CHECK(cascade_within_tolerance(0.0, 0.0, 0.0));
    CHECK(!cascade_within_tolerance(NAN, 1.0, 1.0));
    CHECK(!cascade_within_tolerance(1.0, NAN, 1.0));
}

TEST_CASE(expect_accuracy_should_pass_on_the_published_figures_and_name_the_model_that_drifted)
{
    const int counts[3] = {53, 90, 97};
    cascade_dataset *d = dataset_with_counts(counts);
    cascade_table *table = load_table("model,top1,top5\nm2,97.0,99.9\nm0,53.00,80\nm1,90,99\n");
    cascade_accuracy_check checks[3];
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_expect_accuracy(d, table, NULL, checks, &error) == CASCADE_OK);
    for (int m = 0; m < 3; m++) {
        CHECK_EQ_INT(checks[m].verdict, CASCADE_ACCURACY_OK);
        CHECK_NEAR(checks[m].difference, 0.0, 1e-12);
    }
    CHECK(strcmp(checks[1].model, "m1") == 0);
    CHECK_NEAR(checks[1].measured, 90.0, 1e-12);
    CHECK_NEAR(checks[1].published, 90.0, 1e-12);
    CHECK_EQ_INT(checks[1].table_line, 4);
    CHECK_EQ_INT(checks[0].table_line, 3);

    /* The dump of m1 drifts: three of its right answers become wrong. */
    for (int i = 0; i < 3; i++)
        d->models[1].records.correct[i] = 0;
    test_dataset_finish(d);
    REQUIRE(cascade_expect_accuracy(d, table, NULL, checks, &error) == CASCADE_OK);
    CHECK_EQ_INT(checks[0].verdict, CASCADE_ACCURACY_OK);
    CHECK_EQ_INT(checks[1].verdict, CASCADE_ACCURACY_OUTSIDE);
    CHECK_EQ_INT(checks[2].verdict, CASCADE_ACCURACY_OK);
    CHECK_NEAR(checks[1].measured, 87.0, 1e-12);
    CHECK_NEAR(checks[1].difference, -3.0, 1e-12);
    cascade_table_free(table);
    cascade_dataset_free(d);
}

TEST_CASE(expect_accuracy_tolerance_edges_should_hold_from_both_sides)
{
    /* Measured 90%: 0.1 pp away passes, 0.1001 pp fails, above and below. */
    CHECK_EQ_INT(verdict_at(90, "90.1", 0.1), CASCADE_ACCURACY_OK);
    CHECK_EQ_INT(verdict_at(90, "89.9", 0.1), CASCADE_ACCURACY_OK);
    CHECK_EQ_INT(verdict_at(90, "90.1001", 0.1), CASCADE_ACCURACY_OUTSIDE);
    CHECK_EQ_INT(verdict_at(90, "89.8999", 0.1), CASCADE_ACCURACY_OUTSIDE);
    /* The same distance against a smaller tolerance fails. */
    CHECK_EQ_INT(verdict_at(90, "90.1", 0.0999), CASCADE_ACCURACY_OUTSIDE);
    /* Tolerance 0 passes only the exact figure. */
    CHECK_EQ_INT(verdict_at(53, "53", 0.0), CASCADE_ACCURACY_OK);
    CHECK_EQ_INT(verdict_at(53, "53.001", 0.0), CASCADE_ACCURACY_OUTSIDE);
    /* 1 pp = one sample of 100: a whole sample beyond 0.5 pp fails. */
    CHECK_EQ_INT(verdict_at(52, "53", 0.5), CASCADE_ACCURACY_OUTSIDE);
    CHECK_EQ_INT(verdict_at(52, "53", 1.0), CASCADE_ACCURACY_OK);
}

TEST_CASE(expect_accuracy_should_read_a_fraction_column_and_mark_missing_models)
{
    const int counts[3] = {53, 90, 97};
    cascade_dataset *d = dataset_with_counts(counts);
    cascade_table *table = load_table("model,accuracy\nm0,0.53\nm2,0.95\n");
    cascade_accuracy_check checks[3];
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_expect_accuracy(d, table, NULL, checks, &error) == CASCADE_OK);
    CHECK_EQ_INT(checks[0].verdict, CASCADE_ACCURACY_OK);
    CHECK_NEAR(checks[0].published, 53.0, 1e-12);
    CHECK_EQ_INT(checks[1].verdict, CASCADE_ACCURACY_MISSING);
    CHECK(isnan(checks[1].published) && isnan(checks[1].difference));
    CHECK_EQ_INT(checks[1].table_line, -1);
    CHECK_NEAR(checks[1].measured, 90.0, 1e-12);
    CHECK_EQ_INT(checks[2].verdict, CASCADE_ACCURACY_OUTSIDE);
    CHECK_NEAR(checks[2].difference, 2.0, 1e-12);
    cascade_table_free(table);
    cascade_dataset_free(d);
}

TEST_CASE(expect_accuracy_should_match_tagged_names_only_with_strip_tag)
{
    const int counts[3] = {53, 90, 97};
    cascade_dataset *d = dataset_with_counts(counts);
    cascade_table *table = load_table("model,top1\nm0.a1_in1k,53\nm1.tv_in1k,90\nm2,97\n");
    cascade_accuracy_check checks[3];
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_expect_accuracy(d, table, NULL, checks, &error) == CASCADE_OK);
    CHECK_EQ_INT(checks[0].verdict, CASCADE_ACCURACY_MISSING);
    CHECK_EQ_INT(checks[1].verdict, CASCADE_ACCURACY_MISSING);
    CHECK_EQ_INT(checks[2].verdict, CASCADE_ACCURACY_OK);
    cascade_expect_accuracy_options o = {.tolerance = 0.1, .strip_tag = 1};
    REQUIRE(cascade_expect_accuracy(d, table, &o, checks, &error) == CASCADE_OK);
    for (int m = 0; m < 3; m++)
        CHECK_EQ_INT(checks[m].verdict, CASCADE_ACCURACY_OK);
    cascade_table_free(table);
    cascade_dataset_free(d);
}

TEST_CASE(expect_accuracy_should_refuse_bad_tables_and_unlabelled_data)
{
    const int counts[3] = {53, 90, 97};
    cascade_dataset *d = dataset_with_counts(counts);
    cascade_accuracy_check checks[3];
    cascade_error error;
    char message[2200];

    cascade_table *table = load_table("model,top5\nm0,80\n");
    cascade_error_clear(&error);
    CHECK_EQ_INT(cascade_expect_accuracy(d, table, NULL, checks, &error), CASCADE_ERR_NOT_FOUND);
    cascade_error_format(&error, message, sizeof message);
    CHECK_STR_CONTAINS(message, "no \"top1\" or \"accuracy\" column");
    cascade_table_free(table);

    table = load_table("name,top1\nm0,53\n");
    CHECK_EQ_INT(cascade_expect_accuracy(d, table, NULL, checks, &error), CASCADE_ERR_FORMAT);
    cascade_table_free(table);

    table = load_table("model,top1\nm1,90\nm1,91\n");
    CHECK_EQ_INT(cascade_expect_accuracy(d, table, NULL, checks, &error), CASCADE_ERR_VALUE);
    cascade_error_format(&error, message, sizeof message);
    CHECK_STR_CONTAINS(message, "\"m1\" appears 2 times");
    cascade_table_free(table);

    table = load_table("model,top1\nm1,190\n");
    CHECK_EQ_INT(cascade_expect_accuracy(d, table, NULL, checks, &error), CASCADE_ERR_VALUE);
    cascade_table_free(table);

    table = load_table("model,top1\nm1,90\n");
    cascade_expect_accuracy_options negative = {.tolerance = -0.1};
    CHECK_EQ_INT(cascade_expect_accuracy(d, table, &negative, checks, &error),
                 CASCADE_ERR_ARGUMENT);
    d->has_labels = 0;
    CHECK_EQ_INT(cascade_expect_accuracy(d, table, NULL, checks, &error), CASCADE_ERR_ARGUMENT);
    cascade_error_format(&error, message, sizeof message);
    CHECK_STR_CONTAINS(message, "needs labels");
    cascade_table_free(table);
    cascade_dataset_free(d);
}

TEST_CASE(expect_accuracy_should_meet_the_published_cifar10_figures)
{
    char manifest[512];
    snprintf(manifest, sizeof manifest, "%s/cifar10/manifest.json", shared_data_dir());
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_dataset_load(manifest, NULL, &d, &error) == CASCADE_OK);
    /* The sources' published test accuracies (../shared/data/README.md). */
    cascade_table *table = load_table("model,top1\nlenet5,53.08\nvgg16,93.59\nwrn16_4,91.09\n");
    cascade_accuracy_check checks[3];
    cascade_expect_accuracy_options exact = {.tolerance = 0.0};
    REQUIRE(d->model_count == 3);
    REQUIRE(cascade_expect_accuracy(d, table, &exact, checks, &error) == CASCADE_OK);
    double worst = 0.0;
    for (int m = 0; m < 3; m++) {
        CHECK_EQ_INT(checks[m].verdict, CASCADE_ACCURACY_OK);
        worst = fmax(worst, fabs(checks[m].difference));
    }
    printf("largest difference from the published CIFAR-10 figures: %.3g pp\n", worst);
    cascade_table_free(table);
    cascade_dataset_free(d);
}

TEST_CASE(expectation_parse_should_read_key_value_and_tolerance)
{
    cascade_expectation e;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_expectation_parse("mean_reduction=3.1:0.05", &e, &error) == CASCADE_OK);
    CHECK(strcmp(e.key, "mean_reduction") == 0);
    CHECK(e.value == 3.1 && e.has_tolerance && !e.relative && e.tolerance == 0.05);
    REQUIRE(cascade_expectation_parse("fit.ranges[1].best.point.cost=0.19:2%", &e, &error) ==
            CASCADE_OK);
    CHECK(strcmp(e.key, "fit.ranges[1].best.point.cost") == 0);
    CHECK(e.relative && e.tolerance == 2.0);
    CHECK_NEAR(cascade_expectation_tolerance(&e), 0.0038, 1e-15);
    REQUIRE(cascade_expectation_parse("front_points=4106", &e, &error) == CASCADE_OK);
    CHECK(!e.has_tolerance);
    CHECK_NEAR(cascade_expectation_tolerance(&e), 4106e-9, 1e-20);
    REQUIRE(cascade_expectation_parse("x=-1.5e-3:0", &e, &error) == CASCADE_OK);
    CHECK(e.value == -1.5e-3 && e.tolerance == 0.0);

    static const char *const bad[] = {
        "mean_reduction", "=3", "1x=3", "a..b=1", "a.=1", "a[x]=1", "a[1=1", "a b=1",
        "x=", "x=nan", "x=inf", "x=0x10", "x=1e", "x=3.1:", "x=3.1:-1", "x=3.1:abc",
        "x=3.1:5%%", "x=1:2:3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cascade_error_clear(&error);
        cascade_status s = cascade_expectation_parse(bad[i], &e, &error);
        if (s != CASCADE_ERR_ARGUMENT)
            fprintf(stderr, "\"%s\" was accepted\n", bad[i]);
        CHECK_EQ_INT(s, CASCADE_ERR_ARGUMENT);
        CHECK(error.message[0] != '\0');
    }
}

TEST_CASE(expectation_tolerance_edges_should_hold_from_both_sides)
{
    cascade_expectation e;
    REQUIRE(cascade_expectation_parse("mean_reduction=3.1:0.05", &e, NULL) == CASCADE_OK);
    CHECK(cascade_expectation_met(&e, 3.15));
    CHECK(cascade_expectation_met(&e, 3.05));
    CHECK(!cascade_expectation_met(&e, 3.1501));
    CHECK(!cascade_expectation_met(&e, 3.0499));
    CHECK(!cascade_expectation_met(&e, NAN));
    REQUIRE(cascade_expectation_parse("x=200:1%", &e, NULL) == CASCADE_OK);
    CHECK(cascade_expectation_met(&e, 202.0));
    CHECK(cascade_expectation_met(&e, 198.0));
    CHECK(!cascade_expectation_met(&e, 202.01));
    /* Without TOL: the value as printed, to 1e-9 of it. */
    REQUIRE(cascade_expectation_parse("x=1.8585267854417296", &e, NULL) == CASCADE_OK);
    CHECK(cascade_expectation_met(&e, 1.8585267854417296));
    CHECK(cascade_expectation_met(&e, 1.8585267854417296 * (1 + 0.9e-9)));
    CHECK(!cascade_expectation_met(&e, 1.8585267854417296 * (1 + 1.1e-9)));
    CHECK(!cascade_expectation_met(&e, 1.8585));
}

static const char summary_json[] =
    "{\"source\": \"m.json\", \"front_points\": 12, \"costs\": null,\n"
    " \"fit\": {\"ranges\": [{\"lo\": 0.8, \"mean_reduction\": 1.5, \"best\": {\"level\": 0.81,"
    " \"point\": {\"models\": [\"a\", \"b\"], \"cost\": 0.25}}},\n"
    "                    {\"lo\": 0.86, \"mean_reduction\": 1.25, \"max_reduction\": null}],\n"
    "         \"singles\": [{\"model\": \"a\", \"speedup\": 2}]},\n"
    " \"eval\": {\"ranges\": [{\"mean_reduction\": 1.4}, {\"mean_reduction\": 1.2}]}}";

/* The figure at KEY and the path it resolved to. */
static double figure(const char *key, const char *want_path)
{
    double v = -1.0;
    char resolved[256];
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status s =
        cascade_summary_figure(summary_json, key, &v, resolved, sizeof resolved, &error);
    if (s != CASCADE_OK)
        fprintf(stderr, "%s: %s\n", key, error.message);
    CHECK_EQ_INT(s, CASCADE_OK);
    if (strcmp(resolved, want_path) != 0)
        fprintf(stderr, "%s resolved to %s, expected %s\n", key, resolved, want_path);
    CHECK(strcmp(resolved, want_path) == 0);
    return v;
}

TEST_CASE(summary_figure_should_follow_paths_and_the_documented_shortcuts)
{
    CHECK(figure("front_points", "front_points") == 12);
    CHECK(figure("fit.ranges[1].mean_reduction", "fit.ranges[1].mean_reduction") == 1.25);
    CHECK(figure("mean_reduction", "fit.ranges[0].mean_reduction") == 1.5);
    CHECK(figure("range[1].mean_reduction", "fit.ranges[1].mean_reduction") == 1.25);
    CHECK(figure("range[0].best.point.cost", "fit.ranges[0].best.point.cost") == 0.25);
    CHECK(figure("best.level", "fit.ranges[0].best.level") == 0.81);
    CHECK(figure("eval.mean_reduction", "eval.ranges[0].mean_reduction") == 1.4);
    CHECK(figure("eval.range[1].mean_reduction", "eval.ranges[1].mean_reduction") == 1.2);
    CHECK(figure("singles[0].speedup", "fit.singles[0].speedup") == 2);
    CHECK(figure("fit.singles[0].speedup", "fit.singles[0].speedup") == 2);
    /* A null figure (no level reached) is NaN, not an error. */
    CHECK(isnan(figure("range[1].max_reduction", "fit.ranges[1].max_reduction")));
}

TEST_CASE(summary_figure_should_say_what_is_missing_or_not_a_number)
{
    double v;
    cascade_error error;
    char message[2200];
    static const struct { const char *key; cascade_status status; const char *says; } cases[] = {
        {"foo", CASCADE_ERR_NOT_FOUND, "looked for fit.ranges[0].foo"},
        {"range[2].mean_reduction", CASCADE_ERR_NOT_FOUND, "looked for fit.ranges[2]"},
        {"fit.ranges", CASCADE_ERR_VALUE, "is an array, not a number"},
        {"source", CASCADE_ERR_VALUE, "is a string"},
        {"range[0].best.point.models[0]", CASCADE_ERR_VALUE, "is a string"},
        {"bad..key", CASCADE_ERR_ARGUMENT, "not a path"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cascade_error_clear(&error);
        CHECK_EQ_INT(cascade_summary_figure(summary_json, cases[i].key, &v, NULL, 0, &error),
                     cases[i].status);
        cascade_error_format(&error, message, sizeof message);
        CHECK_STR_CONTAINS(message, cases[i].says);
    }
    cascade_error_clear(&error);
    CHECK_EQ_INT(cascade_summary_figure("{\"fit\": {\"ranges\": []}}", "eval.mean_reduction", &v,
                                        NULL, 0, &error),
                 CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(error.message, "only with --split");
    CHECK_EQ_INT(cascade_summary_figure("[1, 2", "x", &v, NULL, 0, &error), CASCADE_ERR_FORMAT);
}

RUN_TESTS(CASE(within_tolerance_should_pass_exactly_at_the_tolerance_and_fail_just_beyond),
          CASE(expect_accuracy_should_pass_on_the_published_figures_and_name_the_model_that_drifted),
          CASE(expect_accuracy_tolerance_edges_should_hold_from_both_sides),
          CASE(expect_accuracy_should_read_a_fraction_column_and_mark_missing_models),
          CASE(expect_accuracy_should_match_tagged_names_only_with_strip_tag),
          CASE(expect_accuracy_should_refuse_bad_tables_and_unlabelled_data),
          CASE(expect_accuracy_should_meet_the_published_cifar10_figures),
          CASE(expectation_parse_should_read_key_value_and_tolerance),
          CASE(expectation_tolerance_edges_should_hold_from_both_sides),
          CASE(summary_figure_should_follow_paths_and_the_documented_shortcuts),
          CASE(summary_figure_should_say_what_is_missing_or_not_a_number))
