/* The chosen-cascade config: written from a front row, read back by apply. */
#include "check.h"
#include "tiny_dataset.h"

#include <cjson/cJSON.h>

#include "cascade/config.h"
#include "files/config_internal.h"

static const char *write_temp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/cascade-test-config-XXXXXX");
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    FILE *file = fdopen(fd, "w");
    REQUIRE(file && fputs(text, file) != EOF && fclose(file) == 0);
    return path;
}

/* Loads TEXT as a config, expecting STATUS; returns the formatted error. */
static const char *config_error(const char *text, cascade_status status)
{
    static char message[2200];
    const char *path = write_temp(text);
    cascade_config config;
    cascade_error error;
    cascade_error_clear(&error);
    CHECK_EQ_INT(cascade_config_load(path, &config, &error), status);
    cascade_error_format(&error, message, sizeof message);
    cascade_config_free(&config);
    unlink(path);
    return message;
}

TEST_CASE(config_should_carry_a_front_row_to_apply_exactly)
{
    /* Thresholds whose shortest round-trip text needs 17 digits. */
    const char *csv_path = write_temp(
        "models,thresholds,accuracy,cost,stages,answered,on_front,eval_accuracy,eval_answered,note,empty\n"
        "a>b>c,0.30000000000000004;0.33333333333333331,0.9413,0.3369337,3,0.5;0.25;0.25,1,"
        "0.9387,0.49;0.26;0.25,hello,\n");
    char csv_copy[64];
    snprintf(csv_copy, sizeof csv_copy, "%s", csv_path);
    cascade_front_table *table = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_front_table_load(csv_copy, &table, &error) == CASCADE_OK);
    char *json = cascade_config_json(table, 0);
    REQUIRE(json);
    CHECK(json[strlen(json) - 1] == '\n');

    cJSON *root = cJSON_Parse(json);
    REQUIRE(root);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(root, "accuracy")) == 0.9413);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(root, "cost")) == 0.3369337);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(root, "eval_accuracy")) == 0.9387);
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(root, "metric")), "max_softmax") == 0);
    cJSON *answered = cJSON_GetObjectItem(root, "answered");
    CHECK(cJSON_GetArraySize(answered) == 3 &&
          cJSON_GetNumberValue(cJSON_GetArrayItem(answered, 1)) == 0.25);
    cJSON *eval_answered = cJSON_GetObjectItem(root, "eval_answered");
    CHECK(cJSON_IsArray(eval_answered) && cJSON_GetArraySize(eval_answered) == 3 &&
          cJSON_GetNumberValue(cJSON_GetArrayItem(eval_answered, 0)) == 0.49);
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(root, "note")), "hello") == 0);
    CHECK(cJSON_IsNull(cJSON_GetObjectItem(root, "empty")));
    CHECK(cJSON_GetObjectItem(root, "on_front") == NULL);
    cJSON_Delete(root);

    const char *config_path = write_temp(json);
    cascade_config config;
    REQUIRE(cascade_config_load(config_path, &config, &error) == CASCADE_OK);
    CHECK_EQ_INT(config.stages, 3);
    CHECK(strcmp(config.model[0], "a") == 0 && strcmp(config.model[2], "c") == 0);
    CHECK(strcmp(config.metric, "max_softmax") == 0);
    /* Bit for bit, not merely close. */
    CHECK(config.threshold[0] == table->rows[0].threshold[0]);
    CHECK(config.threshold[1] == table->rows[0].threshold[1]);
    CHECK(config.threshold[0] == 0.1 + 0.2);
    CHECK(config.threshold[1] == 1.0 / 3.0);
    if (config.threshold[0] != 0.1 + 0.2 || config.threshold[1] != 1.0 / 3.0)
        fprintf(stderr, "thresholds read back as %.17g and %.17g\n", config.threshold[0],
                config.threshold[1]);
    cascade_config_free(&config);
    unlink(config_path);
    free(json);
    cascade_front_table_free(table);
    unlink(csv_copy);
}

TEST_CASE(config_should_refuse_a_metric_it_cannot_compute_naming_it)
{
    static const char *const bad[] = {"energy", "entropy+ensemble+temperature", "margin+",
                                      "max_softmax+temperature+ensemble+x", "Margin",
                                      "margin+isotonic"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char text[256], expected[128];
        snprintf(text, sizeof text,
                 "{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5], \"metric\": \"%s\"}",
                 bad[k]);
        const char *m = config_error(text, CASCADE_ERR_VALUE);
        snprintf(expected, sizeof expected, "the metric \"%s\" is not supported", bad[k]);
        CHECK_STR_CONTAINS(m, expected);
        CHECK_STR_CONTAINS(m, "expected max_softmax, margin or entropy, then optionally "
                              "+temperature, then optionally +ensemble");
    }
}

/* Loads TEXT as a config that must be valid. */
static void load_config(const char *text, cascade_config *config)
{
    const char *path = write_temp(text);
    cascade_error error;
    cascade_error_clear(&error);
    if (cascade_config_load(path, config, &error) != CASCADE_OK)
        fprintf(stderr, "%s\n", error.message);
    unlink(path);
    REQUIRE(config->stages > 0);
}

TEST_CASE(config_should_read_each_metric_its_temperatures_and_ensembling)
{
    cascade_config config;
    load_config("{\"models\": [\"a\", \"b\"], \"thresholds\": [-0.5], \"metric\": \"entropy\"}",
                &config);
    CHECK(config.confidence == CASCADE_METRIC_ENTROPY && !config.calibrated && !config.ensemble);
    CHECK(config.threshold[0] == -0.5);
    cascade_config_free(&config);

    load_config("{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5], \"metric\": \"max_softmax+ensemble\","
                " \"temperatures\": null}", &config);
    CHECK(config.confidence == CASCADE_METRIC_MAX_SOFTMAX && !config.calibrated && config.ensemble);
    cascade_config_free(&config);

    load_config("{\"models\": [\"a\", \"b\", \"c\"], \"thresholds\": [0.1, 0.2],"
                " \"metric\": \"margin+temperature+ensemble\","
                " \"temperatures\": [1.396778987169297, 0.30000000000000004, 2]}", &config);
    CHECK(config.confidence == CASCADE_METRIC_MARGIN && config.calibrated && config.ensemble);
    CHECK(strcmp(config.metric, "margin+temperature+ensemble") == 0);
    /* Bit for bit. */
    CHECK(config.temperature[0] == 1.396778987169297 && config.temperature[1] == 0.1 + 0.2 &&
          config.temperature[2] == 2.0);
    cascade_dataset_options options = {.cost_field = "flops"};
    cascade_config_dataset_options(&config, &options);
    CHECK(options.metric == CASCADE_METRIC_MARGIN && options.calibrate == CASCADE_CALIBRATE_NONE);
    CHECK_EQ_INT(options.temperature_count, 3);
    CHECK(strcmp(options.temperature_model[2], "c") == 0 && options.temperature[2] == 2.0);
    CHECK(strcmp(options.cost_field, "flops") == 0);
    cascade_config_free(&config);

    load_config("{\"models\": [\"a\"], \"thresholds\": [], \"metric\": \"entropy+temperature\","
                " \"temperatures\": [0.75]}", &config);
    CHECK(config.calibrated && !config.ensemble && config.temperature[0] == 0.75);
    cascade_config_free(&config);
}

TEST_CASE(config_should_refuse_temperatures_that_do_not_fit_its_stages_naming_the_problem)
{
    CHECK_STR_CONTAINS(config_error("{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5], "
                                    "\"metric\": \"margin+temperature\", \"temperatures\": [1.5]}",
                                    CASCADE_ERR_FORMAT),
                       "\"temperatures\" has the wrong length: 1 for 2 models (expected one "
                       "temperature T > 0 per stage");
    CHECK_STR_CONTAINS(config_error("{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5], "
                                    "\"metric\": \"margin+temperature\", \"temperatures\": [1, 2, 3]}",
                                    CASCADE_ERR_FORMAT),
                       "\"temperatures\" has the wrong length: 3 for 2 models");
    CHECK_STR_CONTAINS(config_error("{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5], "
                                    "\"metric\": \"max_softmax+temperature\"}", CASCADE_ERR_FORMAT),
                       "the metric \"max_softmax+temperature\" needs \"temperatures\", which is missing");
    CHECK_STR_CONTAINS(config_error("{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5], "
                                    "\"metric\": \"max_softmax+temperature\", \"temperatures\": 1.5}",
                                    CASCADE_ERR_FORMAT),
                       "needs \"temperatures\", which is not an array");
    CHECK_STR_CONTAINS(config_error("{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5], "
                                    "\"metric\": \"margin\", \"temperatures\": [1.5, 2]}",
                                    CASCADE_ERR_FORMAT),
                       "\"temperatures\" is given but the metric \"margin\" has no +temperature");
    CHECK_STR_CONTAINS(config_error("{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5], "
                                    "\"metric\": \"margin+temperature\", \"temperatures\": [1.5, 0]}",
                                    CASCADE_ERR_FORMAT),
                       "\"temperatures\"[1] is not a temperature (expected a finite number > 0)");
    CHECK_STR_CONTAINS(config_error("{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5], "
                                    "\"metric\": \"margin+temperature\", \"temperatures\": [\"1\", 2]}",
                                    CASCADE_ERR_FORMAT),
                       "\"temperatures\"[0] is not a temperature");
}

TEST_CASE(config_should_carry_the_temperatures_column_as_an_array_even_for_one_stage)
{
    const char *csv_path = write_temp(
        "models,thresholds,accuracy,cost,stages,answered,metric,temperatures\n"
        "a,,0.5,1,1,1,entropy+temperature,1.396778987169297\n"
        "a>b,-0.25,0.7,2,2,0.5;0.5,entropy+temperature,1.396778987169297;0.30000000000000004\n");
    char csv_copy[64];
    snprintf(csv_copy, sizeof csv_copy, "%s", csv_path);
    cascade_front_table *table = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_front_table_load(csv_copy, &table, &error) == CASCADE_OK);
    for (size_t row = 0; row < 2; row++) {
        char *json = cascade_config_json(table, row);
        REQUIRE(json);
        cJSON *root = cJSON_Parse(json);
        REQUIRE(root);
        cJSON *t = cJSON_GetObjectItem(root, "temperatures");
        CHECK(cJSON_IsArray(t) && cJSON_GetArraySize(t) == (int)row + 1);
        cJSON_Delete(root);
        cascade_config config;
        load_config(json, &config);
        CHECK(config.calibrated && config.stages == row + 1);
        CHECK(config.temperature[0] == 1.396778987169297);
        CHECK(row == 0 || config.temperature[1] == 0.1 + 0.2);
        cascade_config_free(&config);
        free(json);
    }
    cascade_front_table_free(table);
    unlink(csv_copy);
}

TEST_CASE(config_should_say_what_is_wrong_with_a_malformed_config)
{
    CHECK_STR_CONTAINS(config_error("{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5, 0.6]}",
                                    CASCADE_ERR_FORMAT),
                       "\"thresholds\" has the wrong length (expected an array of 1 numbers");
    CHECK_STR_CONTAINS(config_error("{\"models\": [\"a\", 3], \"thresholds\": [0.5]}",
                                    CASCADE_ERR_FORMAT),
                       "\"models\"[1] is not a model name");
    CHECK_STR_CONTAINS(config_error("{\"models\": [], \"thresholds\": []}", CASCADE_ERR_FORMAT),
                       "\"models\" is empty");
    CHECK_STR_CONTAINS(config_error("{\"models\": [\"a\", \"b\"], \"thresholds\": [\"x\"]}",
                                    CASCADE_ERR_FORMAT),
                       "\"thresholds\"[0] is not a number");
    CHECK_STR_CONTAINS(config_error("{\"models\": [\"a\"],\n \"thresholds\": [}", CASCADE_ERR_FORMAT),
                       "malformed JSON at line 2");
    CHECK_STR_CONTAINS(config_error("[1, 2]", CASCADE_ERR_FORMAT), "not a JSON object");
}

TEST_CASE(config_should_read_back_the_guarantee_pick_writes_and_refuse_a_bad_one)
{
    const char *cells[] = {"0.916"};
    static const char *const names[] = {"eval_accuracy"};
    cascade_front_row row = {.stages = 2, .model = {"a", "b"}, .threshold = {0.892138843},
                             .accuracy = 0.923, .cost = 0.2596262, .answered = {0.1726, 0.8274},
                             .metric = "max_softmax", .on_front = 1, .extra = cells};
    cascade_front_table table = {.count = 1, .rows = &row, .extra_count = 1, .extra_name = names};
    static const cascade_guarantee written[] = {
        {CASCADE_GUARANTEE_LTT, 5000, 0.02, 0.1, 2, 0.0158, 0.0198},
        {CASCADE_GUARANTEE_CRC, 99, 0.05, NAN, 1, 0.01, NAN},
        {CASCADE_GUARANTEE_EMPIRICAL, 7, 0.3, NAN, 3, 1.0 / 7, 0.1 + 0.2}};
    for (size_t i = 0; i < 3; i++) {
        char *json = cascade_config_json_guaranteed(&table, 0, &written[i]);
        REQUIRE(json);
        cascade_config config;
        cascade_error error;
        cascade_error_clear(&error);
        REQUIRE(cascade_config_parse(json, strlen(json), "g.json", &config, &error) == CASCADE_OK);
        const cascade_guarantee *r = &config.guarantee;
        CHECK(config.has_guarantee);
        CHECK_EQ_INT(r->method, written[i].method);
        CHECK_EQ_INT(r->n, written[i].n);
        CHECK_EQ_INT(r->chains, written[i].chains);
        CHECK(r->eps == written[i].eps && r->fit_drop == written[i].fit_drop);
        CHECK(isnan(written[i].delta) ? isnan(r->delta) : r->delta == written[i].delta);
        CHECK(isnan(written[i].eval_drop) ? isnan(r->eval_drop)
                                          : r->eval_drop == written[i].eval_drop);
        CHECK(config.threshold[0] == 0.892138843);
        cascade_config_free(&config);
        free(json);
    }
    static const char head[] = "{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5], \"guarantee\": ";
    static const struct { const char *guarantee, *message; } bad[] = {
        {"3}", "\"guarantee\" is not an object"},
        {"{\"method\": \"lt\", \"n\": 5, \"eps\": 0.1, \"delta\": 0.1}}",
         "\"guarantee\".method is not a known method"},
        {"{\"method\": \"ltt\", \"n\": 5.5, \"eps\": 0.1, \"delta\": 0.1}}",
         "\"guarantee\".n is not a whole number"},
        {"{\"method\": \"ltt\", \"n\": 5, \"eps\": 1, \"delta\": 0.1}}",
         "\"guarantee\".eps is out of range (expected a number between 0 and 1, both excluded)"},
        {"{\"method\": \"ltt\", \"n\": 5, \"eps\": 0.1, \"delta\": null}}",
         "\"guarantee\".delta is not a number"},
        {"{\"method\": \"crc\", \"n\": 5, \"eps\": 0.1, \"delta\": 0.1}}",
         "\"guarantee\".delta is a number for crc (expected null"},
        {"{\"method\": \"crc\", \"n\": 5, \"eps\": 0.1, \"fit_drop\": 2}}",
         "\"guarantee\".fit_drop is out of range"},
        {"{\"method\": \"crc\", \"eps\": 0.1}}", "\"guarantee\".n is missing"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s%s", head, bad[i].guarantee);
        CHECK_STR_CONTAINS(config_error(text, CASCADE_ERR_FORMAT), bad[i].message);
    }
}

TEST_CASE(config_should_default_to_max_softmax_and_resolve_names_in_the_manifest)
{
    const char *manifest = tiny_dataset(0);
    cascade_dataset *dataset = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_dataset_load(manifest, NULL, &dataset, &error) == CASCADE_OK);

    tiny_write("config.json", "{\"models\": [\"b\", \"a\"], \"thresholds\": [0.75]}");
    char path[128];
    snprintf(path, sizeof path, "%s/config.json", tiny_dir);
    cascade_config config;
    REQUIRE(cascade_config_load(path, &config, &error) == CASCADE_OK);
    CHECK(strcmp(config.metric, "max_softmax") == 0);
    unsigned models[CASCADE_MAX_STAGES];
    CHECK_EQ_INT(cascade_config_resolve(&config, dataset, path, models, &error), CASCADE_OK);
    CHECK(models[0] == 1 && models[1] == 0);
    cascade_config_free(&config);

    tiny_write("config.json", "{\"models\": [\"a\", \"resnet\"], \"thresholds\": [0.75]}");
    REQUIRE(cascade_config_load(path, &config, &error) == CASCADE_OK);
    CHECK_EQ_INT(cascade_config_resolve(&config, dataset, path, models, &error),
                 CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(error.message, "the model \"resnet\" is not in");
    CHECK_STR_CONTAINS(error.message, "(expected one of: a, b)");
    CHECK(strcmp(error.file, path) == 0);
    cascade_config_free(&config);
    cascade_dataset_free(dataset);
    tiny_remove();
}

RUN_TESTS(CASE(config_should_read_back_the_guarantee_pick_writes_and_refuse_a_bad_one),
          CASE(config_should_carry_a_front_row_to_apply_exactly),
          CASE(config_should_refuse_a_metric_it_cannot_compute_naming_it),
          CASE(config_should_read_each_metric_its_temperatures_and_ensembling),
          CASE(config_should_refuse_temperatures_that_do_not_fit_its_stages_naming_the_problem),
          CASE(config_should_carry_the_temperatures_column_as_an_array_even_for_one_stage),
          CASE(config_should_say_what_is_wrong_with_a_malformed_config),
          CASE(config_should_default_to_max_softmax_and_resolve_names_in_the_manifest))
