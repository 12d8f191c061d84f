/* Reading a front CSV back and picking a point from it. */
#include "check.h"

#include <unistd.h>

#include "cascade/front_csv.h"
#include "cascade/output.h"
#include "cascade/sweep.h"

static char temp_path[256];

/* Writes TEXT to a fresh temporary file and returns its path. */
static const char *temp_csv(const char *text)
{
    snprintf(temp_path, sizeof temp_path, "/tmp/cascade-test-front-XXXXXX");
    int fd = mkstemp(temp_path);
    REQUIRE(fd >= 0);
    FILE *file = fdopen(fd, "w");
    REQUIRE(file);
    fputs(text, file);
    REQUIRE(fclose(file) == 0);
    return temp_path;
}

/* Loads TEXT, expecting failure, and returns the formatted message. */
static const char *load_error(const char *text, cascade_status expected)
{
    static char message[2200];
    const char *path = temp_csv(text);
    cascade_front_table *table = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status = cascade_front_table_load(path, &table, &error);
    CHECK_EQ_INT(status, expected);
    CHECK(table == NULL);
    cascade_error_format(&error, message, sizeof message);
    CHECK(strchr(message, '\n') == NULL);
    unlink(path);
    return message;
}

static const char hand_made[] =
    "models,thresholds,accuracy,cost,stages,answered\n"
    "small,,0.5,1,1,1\n"
    "small>big,0.9,0.7,2,2,0.6;0.4\n"
    "small>big,0.95,0.8,3.5,2,0.4;0.6\n"
    "big,,0.85,5,1,1\n";

TEST_CASE(front_csv_should_read_back_what_sweep_writes_on_cifar10)
{
    char manifest[512];
    snprintf(manifest, sizeof manifest, "%s/cifar10/manifest.json", shared_data_dir());
    cascade_dataset *dataset = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_dataset_load(manifest, NULL, &dataset, &error) == CASCADE_OK);
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(dataset, NULL, &front, NULL, &error) == CASCADE_OK);
    const char *path = temp_csv("");
    FILE *file = fopen(path, "w");
    REQUIRE(file);
    REQUIRE(cascade_write_front_csv(file, dataset, &front) == CASCADE_OK);
    REQUIRE(fclose(file) == 0);

    cascade_front_table *table = NULL;
    REQUIRE(cascade_front_table_load(path, &table, &error) == CASCADE_OK);
    CHECK_EQ_INT(table->count, front.count);
    size_t mismatches = 0;
    double worst = 0.0;
    for (size_t i = 0; i < front.count && i < table->count; i++) {
        const cascade_point *p = &front.points[i];
        const cascade_front_row *row = &table->rows[i];
        int same = row->stages == p->stages && row->accuracy == p->accuracy &&
                   row->cost == p->cost && row->on_front == 1 && row->line == (long long)i + 2 &&
                   strcmp(row->metric, "max_softmax") == 0;
        worst = fmax(worst, fabs(row->accuracy - p->accuracy));
        worst = fmax(worst, fabs(row->cost - p->cost));
        for (unsigned s = 0; same && s < p->stages; s++) {
            same = strcmp(row->model[s], dataset->models[p->model[s]].name) == 0 &&
                   row->answered[s] == p->answered[s] &&
                   (s + 1 == p->stages || row->threshold[s] == p->threshold[s]);
            if (s + 1 < p->stages)
                worst = fmax(worst, fabs(row->threshold[s] - p->threshold[s]));
        }
        mismatches += !same;
    }
    if (mismatches)
        fprintf(stderr, "%zu of %zu rows differ; largest numeric difference %.3g\n",
                mismatches, front.count, worst);
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(table->extra_count, 0);
    CHECK(!table->has_on_front);
    cascade_front_table_free(table);
    cascade_front_free(&front);
    cascade_dataset_free(dataset);
    unlink(path);
}

TEST_CASE(front_csv_should_find_columns_by_name_in_any_order)
{
    const char *path = temp_csv(
        "eval_accuracy,cost,on_front,models,metric,answered,stages,thresholds,accuracy,note\n"
        "0.49,1,1,small,max_softmax,1,1,,0.5,\n"
        "0.71,2,0,\"a,b>big\",margin,0.6;0.4,2,0.25,0.7,\"quoted, text\"\n");
    cascade_front_table *table = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_front_table_load(path, &table, &error) == CASCADE_OK);
    REQUIRE(table->count == 2);
    CHECK(table->has_on_front);
    CHECK_EQ_INT(table->extra_count, 2);
    CHECK(strcmp(table->extra_name[0], "eval_accuracy") == 0);
    CHECK(strcmp(table->extra_name[1], "note") == 0);
    const cascade_front_row *row = &table->rows[1];
    CHECK_EQ_INT(row->stages, 2);
    CHECK(strcmp(row->model[0], "a,b") == 0);
    CHECK(strcmp(row->model[1], "big") == 0);
    CHECK(row->threshold[0] == 0.25);
    CHECK(row->accuracy == 0.7);
    CHECK(row->cost == 2.0);
    CHECK(row->answered[0] == 0.6 && row->answered[1] == 0.4);
    CHECK(strcmp(row->metric, "margin") == 0);
    CHECK_EQ_INT(row->on_front, 0);
    CHECK_EQ_INT(row->line, 3);
    CHECK(strcmp(row->extra[0], "0.71") == 0);
    CHECK(strcmp(row->extra[1], "quoted, text") == 0);
    CHECK(strcmp(table->rows[0].extra[1], "") == 0);
    cascade_front_table_free(table);
    unlink(path);
}

TEST_CASE(front_csv_should_name_the_line_column_and_expectation_of_a_bad_cell)
{
    const char *header = "models,thresholds,accuracy,cost,stages,answered\n";
    char text[512];
    snprintf(text, sizeof text, "%sa,,0.5,1,1,1\na>b,0.9,high,2,2,0.5;0.5\n", header);
    const char *m = load_error(text, CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(m, "line 3, column \"accuracy\": \"high\"");
    CHECK_STR_CONTAINS(m, "expected a fraction between 0 and 1");

    snprintf(text, sizeof text, "%sa>b,0.9,0.5,1,1,1\n", header);
    m = load_error(text, CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(m, "line 2, column \"models\": \"a>b\"");
    CHECK_STR_CONTAINS(m, "1 non-empty model names joined by '>'");

    snprintf(text, sizeof text, "%sa>b,0.9;0.8,0.5,1,2,0.5;0.5\n", header);
    m = load_error(text, CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(m, "column \"thresholds\": \"0.9;0.8\"");

    snprintf(text, sizeof text, "%sa>b,0.9,0.5,1,2,0.5\n", header);
    m = load_error(text, CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(m, "column \"answered\"");

    snprintf(text, sizeof text, "%sa>b,0.9,0.5,1,2,x;0.5\n", header);
    m = load_error(text, CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(m, "column \"answered\": \"x;0.5\" is not valid (expected 2 fractions");

    snprintf(text, sizeof text, "%sa,,0.5,-1,1,1\n", header);
    m = load_error(text, CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(m, "column \"cost\": \"-1\"");

    snprintf(text, sizeof text, "%sa,,0.5,1,9,1\n", header);
    m = load_error(text, CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(m, "column \"stages\": \"9\"");

    snprintf(text, sizeof text, "%sa,,0.5,1,1\n", header);
    m = load_error(text, CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(m, "line 2 has 5 cells (expected 6, as in the header)");

    m = load_error("models,thresholds,accuracy,stages,answered\na,,0.5,1,1\n", CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(m, "line 1: no \"cost\" column");

    m = load_error(header, CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(m, "no rows after the header");

    m = load_error("", CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(m, "the file is empty");

    cascade_front_table *table = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    CHECK_EQ_INT(cascade_front_table_load("/nonexistent/front.csv", &table, &error),
                 CASCADE_ERR_IO);
    CHECK(strcmp(error.file, "/nonexistent/front.csv") == 0);
}

static size_t pick(const cascade_front_table *table, cascade_pick_rule rule, double limit)
{
    size_t index = 999;
    cascade_error error;
    cascade_error_clear(&error);
    CHECK_EQ_INT(cascade_front_table_pick(table, rule, limit, "front.csv", &index, &error),
                 CASCADE_OK);
    return index;
}

TEST_CASE(pick_should_choose_the_cheapest_row_reaching_the_accuracy)
{
    const char *path = temp_csv(hand_made);
    cascade_front_table *table = NULL;
    REQUIRE(cascade_front_table_load(path, &table, NULL) == CASCADE_OK);
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MIN_ACCURACY, 0.0), 0);
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MIN_ACCURACY, 0.5), 0);
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MIN_ACCURACY, 0.50001), 1);
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MIN_ACCURACY, 0.8), 2);
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MIN_ACCURACY, 0.85), 3);
    cascade_front_table_free(table);
    unlink(path);
}

TEST_CASE(pick_should_choose_the_most_accurate_row_within_the_cost)
{
    /* Rows out of order, dominated ones and ties, as --points all writes;
     * the first row ties a front row exactly but is off the front. */
    const char *path = temp_csv(
        "models,thresholds,accuracy,cost,stages,answered,on_front\n"
        "mid>small,0.1,0.8,3.5,2,0.5;0.5,0\n"
        "big,,0.85,5,1,1,1\n"
        "small>big,0.95,0.8,3.5,2,0.4;0.6,1\n"
        "mid>big,0.5,0.75,3.5,2,0.5;0.5,0\n"
        "small,,0.5,1,1,1,1\n"
        "mid,,0.7,3,1,1,0\n"
        "small>mid,0.9,0.7,2,2,0.6;0.4,1\n");
    cascade_front_table *table = NULL;
    REQUIRE(cascade_front_table_load(path, &table, NULL) == CASCADE_OK);
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MAX_COST, 1.0), 4);
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MAX_COST, 2.9), 6);
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MAX_COST, 3.0), 6);   /* mid ties at 0.7 but costs more */
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MAX_COST, 3.5), 2);   /* not the off-front twin, row 0 */
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MAX_COST, 4.99), 2);
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MAX_COST, 1e9), 1);
    CHECK_EQ_INT(pick(table, CASCADE_PICK_MIN_ACCURACY, 0.8), 2);
    cascade_front_table_free(table);
    unlink(path);
}

TEST_CASE(pick_should_name_the_best_reachable_value_when_nothing_qualifies)
{
    const char *path = temp_csv(hand_made);
    cascade_front_table *table = NULL;
    REQUIRE(cascade_front_table_load(path, &table, NULL) == CASCADE_OK);
    size_t index = 0;
    cascade_error error;
    cascade_error_clear(&error);
    char message[2200];
    CHECK_EQ_INT(cascade_front_table_pick(table, CASCADE_PICK_MIN_ACCURACY, 0.99, "front.csv",
                                          &index, &error), CASCADE_ERR_NOT_FOUND);
    cascade_error_format(&error, message, sizeof message);
    CHECK(strcmp(message, "front.csv: no point reaches accuracy 0.99 (the best is 0.85 at cost 5)") == 0);
    if (strcmp(message, "front.csv: no point reaches accuracy 0.99 (the best is 0.85 at cost 5)") != 0)
        fprintf(stderr, "got: %s\n", message);
    CHECK_EQ_INT(cascade_front_table_pick(table, CASCADE_PICK_MAX_COST, 0.5, "front.csv",
                                          &index, &error), CASCADE_ERR_NOT_FOUND);
    cascade_error_format(&error, message, sizeof message);
    CHECK_STR_CONTAINS(message, "no point costs at most 0.5 (the cheapest costs 1, at accuracy 0.5)");
    cascade_front_table_free(table);
    unlink(path);
}

TEST_CASE(front_csv_should_end_with_the_temperature_of_each_stage_when_calibrated)
{
    char manifest[512];
    snprintf(manifest, sizeof manifest, "%s/cifar10/manifest.json", shared_data_dir());
    cascade_dataset_options options = {.calibrate = CASCADE_CALIBRATE_TEMPERATURE};
    cascade_dataset *dataset = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_dataset_load(manifest, &options, &dataset, &error) == CASCADE_OK);
    cascade_front front;
    cascade_front_init(&front);
    cascade_sweep_options sweep = {.max_stages = 3};
    REQUIRE(cascade_sweep(dataset, &sweep, &front, NULL, &error) == CASCADE_OK);
    const char *path = temp_csv("");
    FILE *file = fopen(path, "w");
    REQUIRE(file);
    REQUIRE(cascade_write_front_csv(file, dataset, &front) == CASCADE_OK);
    REQUIRE(fclose(file) == 0);
    char header[256] = "";
    file = fopen(path, "r");
    REQUIRE(file && fgets(header, sizeof header, file));
    fclose(file);
    /* Every earlier column keeps its place; temperatures comes last. */
    CHECK(strcmp(header, "models,thresholds,accuracy,cost,stages,answered,metric,"
                         "temperatures\n") == 0);

    cascade_front_table *table = NULL;
    REQUIRE(cascade_front_table_load(path, &table, &error) == CASCADE_OK);
    REQUIRE(table->count == front.count && table->extra_count == 1);
    CHECK(strcmp(table->extra_name[0], "temperatures") == 0);
    size_t wrong = 0, three = 0;
    for (size_t i = 0; i < front.count; i++) {
        const cascade_point *p = &front.points[i];
        const char *cell = table->rows[i].extra[0];
        three += p->stages == 3;
        CHECK(strcmp(table->rows[i].metric, "max_softmax+temperature") == 0);
        for (unsigned s = 0; s < p->stages; s++) {
            char *end = NULL;
            double t = strtod(cell, &end);
            /* Exactly the fitted T, each followed by ';' but the last. */
            wrong += t != dataset->models[p->model[s]].calibration.temperature ||
                     *end != (s + 1 < p->stages ? ';' : '\0');
            cell = end + (*end == ';');
        }
    }
    if (wrong)
        fprintf(stderr, "%zu temperatures differ from the fitted ones\n", wrong);
    CHECK_EQ_INT(wrong, 0);
    CHECK(three > 0);
    cascade_front_table_free(table);
    cascade_front_free(&front);
    cascade_dataset_free(dataset);
    unlink(path);
}

RUN_TESTS(CASE(front_csv_should_read_back_what_sweep_writes_on_cifar10),
          CASE(front_csv_should_find_columns_by_name_in_any_order),
          CASE(front_csv_should_end_with_the_temperature_of_each_stage_when_calibrated),
          CASE(front_csv_should_name_the_line_column_and_expectation_of_a_bad_cell),
          CASE(pick_should_choose_the_cheapest_row_reaching_the_accuracy),
          CASE(pick_should_choose_the_most_accurate_row_within_the_cost),
          CASE(pick_should_name_the_best_reachable_value_when_nothing_qualifies))
