/* Multi-labels (ImageNet ReaL style): a prediction is right when it is in
 * the sample's list; samples with an empty list are left out. */
#include "check.h"
#include "test_data.h"

#include "cascade/dataset.h"
#include "cascade/records.h"
#include "cascade/split.h"

static const char *write_file(const char *dir, const char *name, const char *text)
{
    static char path[4][1024];
    static int next;
    next = (next + 1) % 4;
    snprintf(path[next], sizeof path[0], "%s/%s", dir, name);
    FILE *f = fopen(path[next], "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
    return path[next];
}

TEST_CASE(json_labels_should_read_lists_and_single_indices)
{
    char *dir = test_temp_dir();
    cascade_labels l;
    cascade_error error;
    REQUIRE(cascade_labels_load_json(write_file(dir, "l.json", "[[1, 2], [], [0], 3]"), &l,
                                     &error) == CASCADE_OK);
    CHECK_EQ_INT(l.count, 4);
    CHECK_EQ_INT(l.max_label, 3);
    CHECK_EQ_INT(cascade_labels_empty_count(&l), 1);
    size_t offsets[5] = {0, 2, 2, 3, 4};
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(l.offsets[i], offsets[i]);
    CHECK(l.label[0] == 1 && l.label[1] == 0 && l.label[2] == 0 && l.label[3] == 3);
    /* Right when in the list; nothing matches an empty list. */
    CHECK(cascade_labels_match(&l, 0, 1) && cascade_labels_match(&l, 0, 2));
    CHECK(!cascade_labels_match(&l, 0, 0));
    CHECK(!cascade_labels_match(&l, 1, 0));
    CHECK(cascade_labels_match(&l, 3, 3) && !cascade_labels_match(&l, 3, 1));
    cascade_labels_free(&l);
    /* Single labels match by equality. */
    cascade_labels single = {.count = 2, .label = (int32_t[]){4, 0}, .max_label = 4};
    CHECK(cascade_labels_match(&single, 0, 4) && !cascade_labels_match(&single, 1, 4));
    CHECK_EQ_INT(cascade_labels_empty_count(&single), 0);
    test_remove_dir(dir);
    free(dir);
}

TEST_CASE(json_labels_should_refuse_what_is_not_a_list_of_class_indices)
{
    char *dir = test_temp_dir();
    cascade_labels l;
    cascade_error error;
    CHECK_EQ_INT(cascade_labels_load_json(write_file(dir, "l.json", "[[1], [2, -1]]"), &l, &error),
                 CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "entry 1: item 1 is not a class index");
    CHECK_EQ_INT(error.row, 1);
    CHECK_EQ_INT(cascade_labels_load_json(write_file(dir, "l.json", "[[1], \"cat\"]"), &l, &error),
                 CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "entry 1: not a list or a class index");
    CHECK_EQ_INT(cascade_labels_load_json(write_file(dir, "l.json", "[[1.5]]"), &l, &error),
                 CASCADE_ERR_VALUE);
    CHECK_EQ_INT(cascade_labels_load_json(write_file(dir, "l.json", "{\"a\": 1}"), &l, &error),
                 CASCADE_ERR_FORMAT);
    CHECK_EQ_INT(cascade_labels_load_json(write_file(dir, "l.json", "[[1], "), &l, &error),
                 CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "malformed JSON");
    CHECK_EQ_INT(cascade_labels_load_json("/nonexistent/l.json", &l, &error), CASCADE_ERR_IO);
    test_remove_dir(dir);
    free(dir);
}

/* Four samples, the second with an empty list. Model a predicts 2, 0, 0, 3
 * and b predicts 1, 1, 1, 1 (argmax of the rows below). */
static cascade_dataset *small_dataset(const char *dir)
{
    write_file(dir, "labels.json", "[[1, 2], [], [0], [3, 0]]");
    write_file(dir, "a.csv", "0,0,5,0\n5,0,0,0\n5,0,0,0\n0,0,0,5\n");
    write_file(dir, "b.csv", "0,5,0,0\n0,5,0,0\n0,5,0,0\n0,5,0,0\n");
    const char *manifest = write_file(dir, "manifest.json",
        "{\"labels\": \"labels.json\", \"models\": ["
        "{\"name\": \"a\", \"logits\": \"a.csv\", \"gmacs\": 1},"
        "{\"name\": \"b\", \"logits\": \"b.csv\", \"gmacs\": 2}]}");
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_status s = cascade_dataset_load(manifest, NULL, &d, &error);
    if (s != CASCADE_OK)
        fprintf(stderr, "%s\n", error.message);
    REQUIRE(s == CASCADE_OK);
    return d;
}

TEST_CASE(dataset_should_leave_out_empty_lists_in_every_model_alike)
{
    char *dir = test_temp_dir();
    cascade_dataset *d = small_dataset(dir);
    /* Kept: rows 0, 2, 3. a: 2 in {1,2}, 0 in {0}, 3 in {3,0}: 3 right.
     * b: 1 in {1,2}: 1 right. */
    CHECK_EQ_INT(d->samples, 3);
    CHECK_EQ_INT(d->samples_left_out, 1);
    REQUIRE(d->sample_row != NULL);
    CHECK(d->sample_row[0] == 0 && d->sample_row[1] == 2 && d->sample_row[2] == 3);
    CHECK_EQ_INT(d->models[0].records.samples, 3);
    CHECK_EQ_INT(d->models[1].records.samples, 3);
    CHECK_EQ_INT(d->models[0].records.correct_count, 3);
    CHECK_EQ_INT(d->models[1].records.correct_count, 1);
    CHECK(d->models[0].records.prediction[2] == 3 && d->models[1].records.correct[0] == 1);
    CHECK_EQ_INT(d->labels.count, 3);
    CHECK_EQ_INT(cascade_labels_empty_count(&d->labels), 0);
    cascade_dataset_free(d);
    test_remove_dir(dir);
    free(dir);
}

TEST_CASE(index_files_should_name_rows_of_the_files_when_samples_are_left_out)
{
    char *dir = test_temp_dir();
    cascade_dataset *d = small_dataset(dir);
    /* Rows 1 (left out) and 3 are listed: row 3 is sample 2. */
    cascade_split s;
    cascade_error error;
    REQUIRE(cascade_split_load(d, write_file(dir, "fit.txt", "1\n3\n"), NULL, &s, &error) ==
            CASCADE_OK);
    CHECK_EQ_INT(s.left_out, 1);
    CHECK(s.fit_count == 1 && s.fit[0] == 2);
    CHECK(s.eval_count == 2 && s.eval[0] == 0 && s.eval[1] == 1);
    cascade_dataset *view = NULL;
    REQUIRE(cascade_dataset_subset(d, s.eval, s.eval_count, &view, NULL) == CASCADE_OK);
    CHECK(view->sample_row[0] == 0 && view->sample_row[1] == 2);
    cascade_dataset_free(view);
    cascade_split_free(&s);
    /* Row 4 is past the files' 4 rows. */
    CHECK_EQ_INT(cascade_split_load(d, write_file(dir, "fit.txt", "4\n"), NULL, &s, &error),
                 CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "expected 0 to 3");
    cascade_dataset_free(d);
    test_remove_dir(dir);
    free(dir);
}

TEST_CASE(dataset_should_refuse_a_listed_label_beyond_the_classes)
{
    char *dir = test_temp_dir();
    write_file(dir, "labels.json", "[[1], [0, 7], [2]]");
    write_file(dir, "a.csv", "0,5,0\n5,0,0\n0,0,5\n");
    const char *manifest = write_file(dir, "manifest.json",
        "{\"labels\": \"labels.json\", \"models\": [{\"name\": \"a\", \"logits\": \"a.csv\", \"gmacs\": 1}]}");
    cascade_dataset *d = NULL;
    cascade_error error;
    CHECK_EQ_INT(cascade_dataset_load(manifest, NULL, &d, &error), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "label 7 at row 1 is out of range (expected 0..2");
    test_remove_dir(dir);
    free(dir);
}

TEST_CASE(real_labels_should_hold_50000_lists_with_3163_empty)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/imagenet/real_labels.json", shared_data_dir());
    cascade_labels l;
    cascade_error error;
    REQUIRE(cascade_labels_load_json(path, &l, &error) == CASCADE_OK);
    CHECK_EQ_INT(l.count, 50000);
    CHECK_EQ_INT(cascade_labels_empty_count(&l), 3163);
    CHECK(l.max_label <= 999);
    /* The file starts [[], [970, 795], [230, 231], [809], ... */
    CHECK_EQ_INT(l.offsets[1] - l.offsets[0], 0);
    CHECK(l.offsets[2] - l.offsets[1] == 2 && l.members[l.offsets[1]] == 970 &&
          l.members[l.offsets[1] + 1] == 795);
    CHECK(cascade_labels_match(&l, 2, 231) && !cascade_labels_match(&l, 3, 230));
    size_t multi = 0;
    for (size_t i = 0; i < l.count; i++)
        multi += l.offsets[i + 1] - l.offsets[i] > 1;
    printf("%zu samples, %zu empty, %zu with several labels, %zu labels in all\n", l.count,
           cascade_labels_empty_count(&l), multi, l.offsets[l.count]);
    cascade_labels_free(&l);
}

RUN_TESTS(CASE(json_labels_should_read_lists_and_single_indices),
          CASE(json_labels_should_refuse_what_is_not_a_list_of_class_indices),
          CASE(dataset_should_leave_out_empty_lists_in_every_model_alike),
          CASE(index_files_should_name_rows_of_the_files_when_samples_are_left_out),
          CASE(dataset_should_refuse_a_listed_label_beyond_the_classes),
          CASE(real_labels_should_hold_50000_lists_with_3163_empty))
