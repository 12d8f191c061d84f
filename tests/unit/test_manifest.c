/* The JSON manifest: paths, numeric fields and every refusal. */
#include "check.h"
#include "test_data.h"

#include "cascade/manifest.h"

static char dir_path[256];

static const char *write_manifest(const char *text)
{
    static char path[512];
    static char *dir;
    if (!dir)
        dir = test_temp_dir();
    snprintf(dir_path, sizeof dir_path, "%s", dir);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static cascade_error load_error(const char *text, cascade_status expected)
{
    cascade_manifest *m = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    CHECK_EQ_INT(cascade_manifest_load(write_manifest(text), &m, &error), expected);
    CHECK(m == NULL);
    return error;
}

TEST_CASE(manifest_paths_should_resolve_relative_to_its_folder)
{
    cascade_manifest *m = NULL;
    const char *path = write_manifest(
        "{\"labels\": \"labels.npy\", \"models\": [{\"name\": \"a\", \"probs\": \"a.npy\", \"gmacs\": 0.5},"
        " {\"name\": \"b\", \"logits\": \"/abs/b.npy\", \"flops\": 3}]}");
    REQUIRE(cascade_manifest_load(path, &m, NULL) == CASCADE_OK);
    CHECK_EQ_INT(m->model_count, 2);
    char expected[600];
    snprintf(expected, sizeof expected, "%s/labels.npy", dir_path);
    CHECK(strcmp(m->labels_path, expected) == 0);
    CHECK(strcmp(m->models[1].path, "/abs/b.npy") == 0);
    CHECK_EQ_INT(m->models[0].kind, CASCADE_SCORES_PROBS);
    CHECK_EQ_INT(m->models[1].kind, CASCADE_SCORES_LOGITS);
    double value;
    CHECK(cascade_manifest_number(m, 0, "gmacs", &value, NULL) == CASCADE_OK);
    CHECK_NEAR(value, 0.5, 0);
    cascade_error error;
    CHECK(cascade_manifest_number(m, 1, "gmacs", &value, &error) == CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(error.message, "\"b\" has no \"gmacs\"");
    cascade_manifest_free(m);
    test_remove_dir(dir_path);
}

TEST_CASE(manifest_errors_should_say_what_is_wrong_and_what_was_expected)
{
    cascade_error e = load_error("{\"models\": [", CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(e.message, "malformed JSON at line 1");
    e = load_error("[1, 2]", CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(e.message, "not a JSON object");
    e = load_error("{\"models\": []}", CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(e.message, "empty");
    e = load_error("{\"models\": [{\"name\": \"a\", \"logits\": \"a.npy\"}, {\"name\": \"a\", \"logits\": \"b.npy\"}]}",
                   CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(e.message, "duplicate model name \"a\"");
    e = load_error("{\"models\": [{\"name\": \"a\"}]}", CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(e.message, "neither");
    e = load_error("{\"models\": [{\"name\": \"a\", \"logits\": \"x\", \"probs\": \"y\"}]}", CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(e.message, "more than one");
    e = load_error("{\"models\": [{\"logits\": \"x\"}]}", CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(e.message, "no \"name\"");
    test_remove_dir(dir_path);
}

TEST_CASE(a_non_numeric_cost_should_be_refused_naming_the_model)
{
    cascade_manifest *m = NULL;
    REQUIRE(cascade_manifest_load(write_manifest(
        "{\"models\": [{\"name\": \"a\", \"logits\": \"a.npy\", \"gmacs\": \"lots\"}]}"), &m, NULL) == CASCADE_OK);
    double value;
    cascade_error error;
    CHECK(cascade_manifest_number(m, 0, "gmacs", &value, &error) == CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "\"a\": \"gmacs\" is not a number");
    cascade_manifest_free(m);
    test_remove_dir(dir_path);
}

RUN_TESTS(CASE(manifest_paths_should_resolve_relative_to_its_folder),
          CASE(manifest_errors_should_say_what_is_wrong_and_what_was_expected),
          CASE(a_non_numeric_cost_should_be_refused_naming_the_model))
