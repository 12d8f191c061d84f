/* The records cache: a round trip gives the same front; bad files are refused. */
#include "check.h"
#include "test_data.h"

#include "cascade/records_file.h"
#include "cascade/sweep.h"

static cascade_dataset *load(const char *manifest, cascade_metric metric)
{
    cascade_dataset *d = NULL;
    cascade_dataset_options options = {.require_labels = 1, .metric = metric};
    cascade_error error;
    if (cascade_dataset_load(manifest, &options, &d, &error) != CASCADE_OK) {
        fprintf(stderr, "%s: %s\n", error.file, error.message);
        return NULL;
    }
    return d;
}

TEST_CASE(saved_records_should_sweep_to_the_same_front_as_the_logits)
{
    char manifest[1024], saved[600];
    snprintf(manifest, sizeof manifest, "%s/cifar10/manifest.json", shared_data_dir());
    char *dir = test_temp_dir();
    cascade_dataset *original = load(manifest, CASCADE_METRIC_MARGIN);
    REQUIRE(original);
    REQUIRE(cascade_records_save(original, dir, NULL) == CASCADE_OK);
    snprintf(saved, sizeof saved, "%s/manifest.json", dir);
    cascade_dataset *reloaded = load(saved, CASCADE_METRIC_MARGIN);
    REQUIRE(reloaded);
    cascade_sweep_options options = {.max_stages = 3, .grid = 30};
    cascade_front a, b;
    cascade_front_init(&a);
    cascade_front_init(&b);
    REQUIRE(cascade_sweep(original, &options, &a, NULL, NULL) == CASCADE_OK);
    REQUIRE(cascade_sweep(reloaded, &options, &b, NULL, NULL) == CASCADE_OK);
    CHECK_EQ_INT(a.count, b.count);
    size_t differ = 0;
    for (size_t i = 0; i < a.count && i < b.count; i++)
        differ += cascade_point_compare(&a.points[i], &b.points[i]) != 0;
    printf("%zu front points, %zu differ\n", a.count, differ);
    CHECK_EQ_INT(differ, 0);
    for (size_t m = 0; m < original->model_count; m++)
        CHECK(original->models[m].cost == reloaded->models[m].cost);
    /* The records say which metric they hold: another one is refused. */
    cascade_error error;
    cascade_dataset *wrong = NULL;
    cascade_dataset_options max_softmax = {.require_labels = 1};
    CHECK(cascade_dataset_load(saved, &max_softmax, &wrong, &error) == CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(error.message, "records hold margin confidences");
    cascade_front_free(&a);
    cascade_front_free(&b);
    cascade_dataset_free(original);
    cascade_dataset_free(reloaded);
    test_remove_dir(dir);
    free(dir);
}

static cascade_status read_rows(const double *rows, size_t k, const cascade_labels *labels,
                                cascade_error *error)
{
    char *dir = test_temp_dir(), path[600];
    snprintf(path, sizeof path, "%s/m.records.npy", dir);
    test_write_npy(path, "<f8", k, 3, rows, 8);
    cascade_records r;
    cascade_status status = cascade_records_read(path, 10, "m", labels, &r, error);
    cascade_records_free(&r);
    test_remove_dir(dir);
    free(dir);
    return status;
}

TEST_CASE(records_files_should_refuse_impossible_rows_naming_them)
{
    cascade_error error;
    double good[6] = {3, 0.9, 1, 4, 0.5, 0};
    cascade_labels labels = {.count = 2, .label = (int32_t[]){3, 5}, .max_label = 5};
    CHECK(read_rows(good, 2, &labels, &error) == CASCADE_OK);
    double bad_class[6] = {3, 0.9, 1, 12, 0.5, 0};
    CHECK(read_rows(bad_class, 2, NULL, &error) == CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "row 1: prediction 12");
    double bad_correct[6] = {3, 0.9, 0.5, 4, 0.5, 0};
    CHECK(read_rows(bad_correct, 2, NULL, &error) == CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "row 0: correct is 0.5");
    double nan_conf[6] = {3, NAN, 1, 4, 0.5, 0};
    CHECK(read_rows(nan_conf, 2, NULL, &error) == CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "confidence");
    double other_labels[6] = {3, 0.9, 1, 5, 0.5, 0}; /* predicts 5 = label, says wrong */
    CHECK(read_rows(other_labels, 2, &labels, &error) == CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "expected records made with these labels");
}

TEST_CASE(a_records_manifest_of_another_version_should_be_refused)
{
    char *dir = test_temp_dir(), path[600];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"format\": \"cascade-records\", \"version\": 2, \"metric\": \"max_softmax\","
          " \"models\": [{\"name\": \"a\", \"records\": \"a.npy\", \"classes\": 10}]}", f);
    fclose(f);
    cascade_manifest *m = NULL;
    cascade_error error;
    CHECK(cascade_manifest_load(path, &m, &error) == CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "version is not 1");
    f = fopen(path, "w");
    fputs("{\"models\": [{\"name\": \"a\", \"records\": \"a.npy\"}]}", f);
    fclose(f);
    CHECK(cascade_manifest_load(path, &m, &error) == CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "outside a records manifest");
    test_remove_dir(dir);
    free(dir);
}

RUN_TESTS(CASE(saved_records_should_sweep_to_the_same_front_as_the_logits),
          CASE(records_files_should_refuse_impossible_rows_naming_them),
          CASE(a_records_manifest_of_another_version_should_be_refused))
