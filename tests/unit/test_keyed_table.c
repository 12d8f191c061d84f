/* Tests for keyed inputs: the id index (src/common/id_index.c), prediction
 * and label tables (src/files/keyed_table.c) and their join into a dataset
 * (cascade_dataset_load on "predictions" and "label_columns"). Expected
 * values are built here from the ids themselves, not read back from the
 * library. */
#include "check.h"
#include "test_data.h"

#include <math.h>

#include "cascade/dataset.h"
#include "common/id_index.h"
#include "files/keyed_table.h"

static char *write_file(const char *dir, const char *name, const char *text, char *path,
                        size_t n)
{
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fputs(text, f) >= 0);
    REQUIRE(fclose(f) == 0);
    return path;
}

/* The dataset of MANIFEST_PATH, or the test stops after printing why not. */
static cascade_dataset *load_or_say_why(const char *manifest_path)
{
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_status status = cascade_dataset_load(manifest_path, NULL, &d, &error);
    if (status != CASCADE_OK)
        fprintf(stderr, "%s: %s\n", error.file, error.message);
    REQUIRE(status == CASCADE_OK);
    return d;
}

TEST_CASE(id_index_should_find_each_of_50000_ids_and_refuse_every_repeat)
{
    enum { COUNT = 50000 };
    static char ids[COUNT][32];
    cascade_id_index *index = cascade_id_index_new(16); /* grows past the size hint */
    REQUIRE(index != NULL);
    for (size_t i = 0; i < COUNT; i++) {
        snprintf(ids[i], sizeof ids[i], "ILSVRC2012_val_%08zu.JPEG", (i * 7919) % COUNT + 1);
        CHECK_EQ_INT(cascade_id_index_add(index, ids[i], i, NULL), 1);
    }
    size_t wrong = 0, existing = 0;
    for (size_t i = 0; i < COUNT; i++) {
        char copy[32];
        memcpy(copy, ids[i], sizeof copy); /* found by content, not by pointer */
        wrong += cascade_id_index_find(index, copy) != i;
        wrong += cascade_id_index_add(index, copy, COUNT + i, &existing) != 0 || existing != i;
    }
    printf("%zu of %d ids misplaced or re-added\n", wrong, COUNT);
    CHECK_EQ_INT(wrong, 0);
    CHECK(cascade_id_index_find(index, "ILSVRC2012_val_00000000.JPEG") == SIZE_MAX);
    CHECK(cascade_id_index_find(index, "") == SIZE_MAX);
    cascade_id_index_free(index);
    cascade_id_index_free(NULL);
}

TEST_CASE(prediction_table_should_read_named_columns_in_any_order_with_quotes_and_crlf)
{
    const char text[] = "conf,extra,key,class\r\n0.25,x,\"a,b\",\"1,000\"\r\n1e-3,,c,7.0\r\n";
    cascade_key_columns columns = {.id = "key", .value = "class", .confidence = "conf"};
    cascade_prediction_table t;
    cascade_error error;
    REQUIRE(cascade_prediction_table_parse(text, sizeof text - 1, "t.csv", &columns, "m", &t,
                                           &error) == CASCADE_OK);
    CHECK_EQ_INT(t.keyed.rows, 2);
    CHECK(strcmp(t.keyed.id[0], "a,b") == 0 && strcmp(t.keyed.id[1], "c") == 0);
    CHECK_EQ_INT(t.prediction[0], 1000);
    CHECK_EQ_INT(t.prediction[1], 7);
    CHECK_EQ_INT(t.max_prediction, 1000);
    CHECK(t.confidence[0] == 0.25 && t.confidence[1] == 1e-3);
    CHECK_EQ_INT(cascade_id_index_find(t.keyed.index, "c"), 1);
    cascade_prediction_table_free(&t);
}

TEST_CASE(prediction_table_should_name_the_first_bad_row_and_count_the_others)
{
    const char text[] = "id,prediction,confidence\na,1,0.5\nb,1,inf\nc,2,0.1\nd,0,\ne,3,1e999\n";
    cascade_prediction_table t;
    cascade_error error;
    CHECK(cascade_prediction_table_parse(text, sizeof text - 1, "t.csv", NULL, "m", &t, &error) ==
          CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "line 3, id \"b\": confidence \"inf\" is not a finite "
                                      "number, and 2 more rows like it");
    CHECK_EQ_INT(error.row, 3);
    CHECK(t.keyed.table == NULL && t.prediction == NULL);
    const char empty_id[] = "id,prediction,confidence\n,1,0.5\n";
    CHECK(cascade_prediction_table_parse(empty_id, sizeof empty_id - 1, "t.csv", NULL, "m", &t,
                                         &error) == CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "line 2, id \"\": the id is empty");
    const char header_only[] = "id,prediction,confidence\n";
    CHECK(cascade_prediction_table_parse(header_only, sizeof header_only - 1, "t.csv", NULL, "m",
                                         &t, &error) == CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "no rows");
}

/* SAMPLES ids written shuffled into a prediction table whose class and
 * confidence are functions of the id's number, joined to a labels table in
 * id order: sample i must carry the values of id i. */
TEST_CASE(dataset_should_join_50000_shuffled_rows_to_the_order_of_the_labels_table)
{
    enum { SAMPLES = 50000 };
    char *dir = test_temp_dir();
    char labels_path[512], predictions_path[512], manifest_path[512];
    snprintf(labels_path, sizeof labels_path, "%s/labels.csv", dir);
    snprintf(predictions_path, sizeof predictions_path, "%s/p.csv", dir);
    FILE *labels = fopen(labels_path, "w"), *predictions = fopen(predictions_path, "w");
    REQUIRE(labels && predictions);
    fprintf(labels, "sample,truth\n");
    fprintf(predictions, "sample,guess,sure\n");
    for (size_t i = 0; i < SAMPLES; i++) {
        fprintf(labels, "s%zu,%zu\n", i, i % 7);
        size_t j = (i * 30011) % SAMPLES; /* a permutation: 30011 is prime to 50000 */
        fprintf(predictions, "s%zu,%zu,%zu.5\n", j, j % 5, j);
    }
    REQUIRE(fclose(labels) == 0 && fclose(predictions) == 0);
    write_file(dir, "m.json",
               "{\"labels\": \"labels.csv\", \"label_columns\": {\"id\": \"sample\", \"label\": "
               "\"truth\"}, \"models\": [{\"name\": \"p\", \"predictions\": \"p.csv\", \"gmacs\": 1,"
               " \"columns\": {\"id\": \"sample\", \"prediction\": \"guess\", \"confidence\": "
               "\"sure\"}}]}",
               manifest_path, sizeof manifest_path);
    cascade_dataset *d = load_or_say_why(manifest_path);
    const cascade_records *r = &d->models[0].records;
    size_t wrong = 0, correct = 0;
    for (size_t i = 0; i < SAMPLES; i++) {
        wrong += r->prediction[i] != (int32_t)(i % 5) || r->confidence[i] != (double)i + 0.5 ||
                 d->labels.label[i] != (int32_t)(i % 7) || r->correct[i] != (i % 5 == i % 7);
        correct += i % 5 == i % 7;
    }
    printf("%zu of %d samples differ from their ids' values\n", wrong, SAMPLES);
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(r->correct_count, correct);
    /* Classes: 1 + the largest of labels (6) and predictions (4). */
    CHECK_EQ_INT(d->classes, 7);
    CHECK_EQ_INT(d->confidence_given, 2);
    cascade_dataset_free(d);
    test_remove_dir(dir);
    free(dir);
}

TEST_CASE(dataset_should_take_a_prediction_tables_class_count_from_the_score_models)
{
    char *dir = test_temp_dir();
    char path[512], manifest_path[512];
    write_file(dir, "labels.csv", "id,label\na,0\nb,1\n", path, sizeof path);
    write_file(dir, "p.csv", "id,prediction,confidence\nb,1,0.5\na,1,0.9\n", path, sizeof path);
    write_file(dir, "s.csv", "1,0,0,0,0\n0,1,0,0,0\n", path, sizeof path);
    write_file(dir, "m.json",
               "{\"labels\": \"labels.csv\", \"label_columns\": {}, \"models\": ["
               "{\"name\": \"p\", \"predictions\": \"p.csv\", \"gmacs\": 1},"
               "{\"name\": \"s\", \"logits\": \"s.csv\", \"gmacs\": 2}]}",
               manifest_path, sizeof manifest_path);
    cascade_dataset *d = NULL;
    cascade_error error;
    REQUIRE(cascade_dataset_load(manifest_path, NULL, &d, &error) == CASCADE_OK);
    CHECK_EQ_INT(d->classes, 5);
    CHECK_EQ_INT(d->models[0].records.classes, 5);
    CHECK_EQ_INT(d->models[0].records.correct_count, 1);
    CHECK_EQ_INT(d->confidence_given, 1);
    cascade_dataset_free(d);
    test_remove_dir(dir);
    free(dir);
}

/* Per-sample costs and qualities that are functions of the id's number,
 * written shuffled: sample i must carry id i's values, the model's cost
 * must be their mean (computed here from the formula, not from the
 * records), and a model without the columns keeps NULL arrays. */
TEST_CASE(dataset_should_join_per_sample_costs_and_qualities_by_id_and_keep_null_without_them)
{
    enum { SAMPLES = 1000 };
    char *dir = test_temp_dir();
    char labels_path[512], predictions_path[512], path[512], manifest_path[512];
    snprintf(labels_path, sizeof labels_path, "%s/labels.csv", dir);
    snprintf(predictions_path, sizeof predictions_path, "%s/p.csv", dir);
    FILE *labels = fopen(labels_path, "w"), *predictions = fopen(predictions_path, "w");
    REQUIRE(labels && predictions);
    fprintf(labels, "id,label\n");
    fprintf(predictions, "grade,id,prediction,confidence,tokens\n");
    for (size_t i = 0; i < SAMPLES; i++) {
        fprintf(labels, "s%zu,%zu\n", i, i % 3);
        size_t j = (i * 307) % SAMPLES; /* a permutation: 307 is prime to 1000 */
        fprintf(predictions, "%.17g,s%zu,%zu,0.5,%zu.25\n", (double)(j % 9) / 8.0, j, j % 3,
                j % 13);
    }
    REQUIRE(fclose(labels) == 0 && fclose(predictions) == 0);
    write_file(dir, "q.csv", "id,prediction,confidence\n", path, sizeof path);
    FILE *plain = fopen(path, "a");
    REQUIRE(plain != NULL);
    for (size_t i = 0; i < SAMPLES; i++)
        fprintf(plain, "s%zu,0,0.5\n", i);
    REQUIRE(fclose(plain) == 0);
    write_file(dir, "m.json",
               "{\"labels\": \"labels.csv\", \"label_columns\": {}, \"models\": ["
               "{\"name\": \"p\", \"predictions\": \"p.csv\", \"columns\": {\"cost\": "
               "\"tokens\", \"quality\": \"grade\"}},"
               "{\"name\": \"q\", \"predictions\": \"q.csv\", \"gmacs\": 2}]}",
               manifest_path, sizeof manifest_path);
    cascade_dataset *d = load_or_say_why(manifest_path);
    const cascade_records *r = &d->models[0].records;
    REQUIRE(r->sample_cost != NULL && r->quality != NULL);
    size_t wrong = 0;
    for (size_t i = 0; i < SAMPLES; i++)
        wrong += r->sample_cost[i] != (double)(i % 13) + 0.25 ||
                 r->quality[i] != (double)(i % 9) / 8.0 || r->prediction[i] != (int32_t)(i % 3);
    printf("%zu of %d samples carry another id's cost or quality\n", wrong, SAMPLES);
    CHECK_EQ_INT(wrong, 0);
    /* 1000 = 76 * 13 + 12: residues 0..11 occur 77 times, 12 occurs 76 times. */
    double expected_mean = (77.0 * (66.0 + 12 * 0.25) + 76.0 * 12.25) / SAMPLES;
    printf("mean cost %.17g, expected %.17g, difference %.3g\n", d->models[0].cost,
           expected_mean, fabs(d->models[0].cost - expected_mean));
    CHECK(fabs(d->models[0].cost - expected_mean) <= 1e-12 * expected_mean);
    CHECK(d->models[1].records.sample_cost == NULL && d->models[1].records.quality == NULL);
    CHECK(d->models[1].cost == 2.0);
    size_t picked[3] = {5, 0, 999};
    cascade_records part;
    REQUIRE(cascade_records_subset(r, picked, 3, &part) == CASCADE_OK);
    for (size_t j = 0; j < 3; j++)
        CHECK(part.sample_cost[j] == r->sample_cost[picked[j]] &&
              part.quality[j] == r->quality[picked[j]]);
    cascade_records_free(&part);
    cascade_error error;
    cascade_error_clear(&error);
    CHECK(cascade_dataset_refuse_per_sample(d, "this command", &error) == CASCADE_ERR_ARGUMENT);
    CHECK(strstr(error.message, "model \"p\" gives per-sample costs and a graded quality") !=
          NULL);
    cascade_dataset_free(d);
    test_remove_dir(dir);
    free(dir);
}

RUN_TESTS(CASE(id_index_should_find_each_of_50000_ids_and_refuse_every_repeat),
          CASE(prediction_table_should_read_named_columns_in_any_order_with_quotes_and_crlf),
          CASE(prediction_table_should_name_the_first_bad_row_and_count_the_others),
          CASE(dataset_should_join_50000_shuffled_rows_to_the_order_of_the_labels_table),
          CASE(dataset_should_take_a_prediction_tables_class_count_from_the_score_models),
          CASE(dataset_should_join_per_sample_costs_and_qualities_by_id_and_keep_null_without_them))
