/* The chosen-cascade config: written from a front row, read back by apply. */
#include "check.h"
#include "tiny_dataset.h"

#include <cjson/cJSON.h>

#include "cascade/config.h"

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
    const char *m = config_error(
        "{\"models\": [\"a\", \"b\"], \"thresholds\": [0.5], \"metric\": \"entropy\"}",
        CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(m, "the metric \"entropy\" is not supported");
    CHECK_STR_CONTAINS(m, "expected \"max_softmax\"");
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

RUN_TESTS(CASE(config_should_carry_a_front_row_to_apply_exactly),
          CASE(config_should_refuse_a_metric_it_cannot_compute_naming_it),
          CASE(config_should_say_what_is_wrong_with_a_malformed_config),
          CASE(config_should_default_to_max_softmax_and_resolve_names_in_the_manifest))
