/* JSON tables: the same fields and numbers as their CSV twins. */
#include "check.h"
#include "tiny_dataset.h"

#include <cjson/cJSON.h>

#include "cascade/output.h"

/* Writes the models table both ways and compares every field. */
static void compare_models_tables(const char *manifest)
{
    cascade_dataset *dataset = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_dataset_load(manifest, NULL, &dataset, &error) == CASCADE_OK);
    char *csv = NULL, *json = NULL;
    size_t csv_len = 0, json_len = 0;
    FILE *file = open_memstream(&csv, &csv_len);
    REQUIRE(file && cascade_write_models_csv(file, dataset) == CASCADE_OK && fclose(file) == 0);
    file = open_memstream(&json, &json_len);
    REQUIRE(file && cascade_write_models_json(file, dataset) == CASCADE_OK && fclose(file) == 0);

    cJSON *root = cJSON_Parse(json);
    REQUIRE(cJSON_IsArray(root));
    CHECK_EQ_INT(cJSON_GetArraySize(root), dataset->model_count);
    static const char *const fields[] = {"name", "samples", "classes", "accuracy",
                                         "mean_confidence", "cost", "aurc", "e_aurc"};
    char *line = strtok(csv, "\n");
    CHECK(strcmp(line, "name,samples,classes,accuracy,mean_confidence,cost,aurc,e_aurc") == 0);
    size_t differ = 0;
    for (int m = 0; (line = strtok(NULL, "\n")) != NULL; m++) {
        cJSON *object = cJSON_GetArrayItem(root, m);
        REQUIRE(cJSON_IsObject(object));
        char *cell = line;
        for (size_t f = 0; f < 8; f++) {
            /* strtok_r would skip an empty cell; cut at commas by hand. */
            char *comma = strchr(cell, ',');
            if (comma)
                *comma = '\0';
            cJSON *value = cJSON_GetObjectItemCaseSensitive(object, fields[f]);
            int same;
            if (f == 0)
                same = cJSON_IsString(value) && strcmp(value->valuestring, cell) == 0;
            else if (!cell[0])
                same = cJSON_IsNull(value);
            else
                same = cJSON_IsNumber(value) && value->valuedouble == strtod(cell, NULL);
            if (!same)
                fprintf(stderr, "model %d, %s: CSV \"%s\", JSON %s\n", m, fields[f], cell,
                        value ? cJSON_PrintUnformatted(value) : "(absent)");
            differ += !same;
            cell = comma ? comma + 1 : cell + strlen(cell);
        }
    }
    CHECK_EQ_INT(differ, 0);
    cJSON_Delete(root);
    free(csv);
    free(json);
    cascade_dataset_free(dataset);
}

TEST_CASE(models_json_should_hold_the_csv_numbers_on_cifar10)
{
    char manifest[512];
    snprintf(manifest, sizeof manifest, "%s/cifar10/manifest.json", shared_data_dir());
    compare_models_tables(manifest);
}

TEST_CASE(models_json_should_give_null_accuracy_without_labels)
{
    compare_models_tables(tiny_dataset(0));
    tiny_remove();
    compare_models_tables(tiny_dataset(1));
    tiny_remove();
}

RUN_TESTS(CASE(models_json_should_hold_the_csv_numbers_on_cifar10),
          CASE(models_json_should_give_null_accuracy_without_labels))
