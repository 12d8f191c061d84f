/* Loading a manifest's models: several small models at once give what one
 * thread gives, and a failure is the one a serial load would report. */
#include "check.h"
#include "test_data.h"

#include <math.h>
#include <string.h>

#include "cascade/split.h"
#include "cascade/sweep.h"

enum { MODELS = 12, SAMPLES = 300, CLASSES = 5 };

/* MODELS models of float32 (even) and float64 (odd) logits with labels in
 * DIR; model "m<SHORT>" (when SHORT < MODELS) has one row fewer. */
static void write_models(const char *dir, const int *short_models, size_t n_short)
{
    uint64_t state = 3;
    int64_t labels[SAMPLES];
    for (size_t i = 0; i < SAMPLES; i++)
        labels[i] = (int64_t)(test_uniform(&state) * CLASSES);
    char path[1024];
    snprintf(path, sizeof path, "%s/labels.npy", dir);
    test_write_npy(path, "<i8", SAMPLES, 0, labels, 8);
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    FILE *manifest = fopen(path, "w");
    fprintf(manifest, "{\"labels\": \"labels.npy\", \"models\": [");
    for (int m = 0; m < MODELS; m++) {
        size_t rows = SAMPLES;
        for (size_t s = 0; s < n_short; s++)
            if (short_models[s] == m)
                rows--;
        double f64[SAMPLES * CLASSES];
        float f32[SAMPLES * CLASSES];
        for (size_t i = 0; i < rows * CLASSES; i++) {
            f64[i] = 6 * test_uniform(&state) - 3;
            f32[i] = (float)f64[i];
        }
        snprintf(path, sizeof path, "%s/m%d.npy", dir, m);
        if (m % 2)
            test_write_npy(path, "<f8", rows, CLASSES, f64, 8);
        else
            test_write_npy(path, "<f4", rows, CLASSES, f32, 4);
        fprintf(manifest, "%s{\"name\": \"m%d\", \"logits\": \"m%d.npy\", \"gmacs\": %d}",
                m ? ", " : "", m, m, m + 1);
    }
    fprintf(manifest, "]}\n");
    fclose(manifest);
}

static void count_progress(void *context, size_t done, size_t total, const char *what)
{
    (void)what;
    size_t *calls = context;
    calls[0]++;
    if (done > calls[1])
        calls[1] = done;
    calls[2] = total;
}

TEST_CASE(small_models_loaded_on_four_threads_should_equal_those_loaded_on_one)
{
    char *dir = test_temp_dir();
    write_models(dir, NULL, 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    cascade_dataset *one = NULL, *four = NULL;
    size_t progress[3] = {0, 0, 0};
    cascade_dataset_options serial = {.threads = 1};
    cascade_dataset_options parallel = {.threads = 4, .progress = count_progress,
                                        .progress_context = progress};
    REQUIRE(cascade_dataset_load(path, &serial, &one, NULL) == CASCADE_OK);
    REQUIRE(cascade_dataset_load(path, &parallel, &four, NULL) == CASCADE_OK);
    REQUIRE(one->model_count == MODELS && four->model_count == MODELS);
    size_t differ = 0;
    for (size_t m = 0; m < MODELS; m++) {
        const cascade_records *a = &one->models[m].records, *b = &four->models[m].records;
        REQUIRE(a->samples == SAMPLES && b->samples == SAMPLES);
        differ += a->correct_count != b->correct_count;
        for (size_t i = 0; i < SAMPLES; i++)
            differ += a->prediction[i] != b->prediction[i] ||
                      a->confidence[i] != b->confidence[i] || a->correct[i] != b->correct[i];
    }
    CHECK_EQ_INT(differ, 0);
    CHECK_EQ_INT(four->samples, SAMPLES);
    CHECK_EQ_INT(four->classes, CLASSES);
    /* one call per model, the last one saying all were read */
    CHECK_EQ_INT(progress[0], MODELS);
    CHECK_EQ_INT(progress[1], MODELS);
    CHECK_EQ_INT(progress[2], MODELS);
    cascade_dataset_free(one);
    cascade_dataset_free(four);
    test_remove_dir(dir);
    free(dir);
}

TEST_CASE(a_parallel_load_should_report_the_first_bad_model_in_manifest_order)
{
    char *dir = test_temp_dir();
    int short_models[] = {9, 4, 11};
    write_models(dir, short_models, 3);
    char path[1024];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    /* Threads finish in any order; the message must not depend on it. */
    for (int attempt = 0; attempt < 20; attempt++) {
        cascade_dataset *d = NULL;
        cascade_error error;
        cascade_dataset_options options = {.threads = 4};
        REQUIRE(cascade_dataset_load(path, &options, &d, &error) == CASCADE_ERR_SHAPE);
        CHECK(d == NULL);
        CHECK(strstr(error.message, "model \"m4\" has 299 rows") != NULL);
        CHECK(strstr(error.file, "m4.npy") != NULL);
    }
    test_remove_dir(dir);
    free(dir);
}

/* Sample costs (i % 7) / 2 from a .npy file with an overhead of 1/8 on top,
 * and an overhead on a constant cost: every value is exact in binary, so
 * the expected costs are compared exactly; the mean comes from counting the
 * residues, not from the records. */
TEST_CASE(sample_costs_and_overheads_should_add_up_per_sample_and_in_the_mean)
{
    char *dir = test_temp_dir();
    write_models(dir, NULL, 0);
    double costs[SAMPLES];
    for (size_t i = 0; i < SAMPLES; i++)
        costs[i] = (double)(i % 7) / 2.0;
    char path[1024];
    snprintf(path, sizeof path, "%s/costs.npy", dir);
    test_write_npy(path, "<f8", SAMPLES, 0, costs, 8);
    snprintf(path, sizeof path, "%s/costs.json", dir);
    FILE *manifest = fopen(path, "w");
    REQUIRE(manifest != NULL);
    fprintf(manifest, "{\"labels\": \"labels.npy\", \"models\": ["
            "{\"name\": \"m0\", \"logits\": \"m0.npy\", \"sample_costs\": \"costs.npy\","
            " \"overhead\": 0.125},"
            "{\"name\": \"m1\", \"logits\": \"m1.npy\", \"gmacs\": 2, \"overhead\": 0.25},"
            "{\"name\": \"m2\", \"logits\": \"m2.npy\", \"gmacs\": 3}]}\n");
    REQUIRE(fclose(manifest) == 0);
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_dataset_options options = {.threads = 4};
    cascade_status status = cascade_dataset_load(path, &options, &d, &error);
    if (status != CASCADE_OK)
        fprintf(stderr, "%s: %s\n", error.file, error.message);
    REQUIRE(status == CASCADE_OK);
    const cascade_records *r = &d->models[0].records;
    REQUIRE(r->sample_cost != NULL);
    size_t wrong = 0;
    for (size_t i = 0; i < SAMPLES; i++)
        wrong += r->sample_cost[i] != (double)(i % 7) / 2.0 + 0.125;
    printf("%zu of %d sample costs differ from their row's cost plus the overhead\n", wrong,
           SAMPLES);
    CHECK_EQ_INT(wrong, 0);
    /* 300 = 42 * 7 + 6: residues 0..5 occur 43 times, 6 occurs 42 times. */
    double expected = (43.0 * 15.0 / 2.0 + 42.0 * 3.0) / SAMPLES + 0.125;
    printf("mean cost %.17g, expected %.17g, difference %.3g\n", d->models[0].cost, expected,
           fabs(d->models[0].cost - expected));
    CHECK(fabs(d->models[0].cost - expected) <= 1e-12 * expected);
    CHECK(d->models[1].cost == 2.25 && d->models[1].records.sample_cost == NULL);
    CHECK(d->models[2].cost == 3.0 && d->models[2].overhead == 0.0);
    cascade_dataset_free(d);
    test_remove_dir(dir);
    free(dir);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL && fputs(text, f) >= 0 && fclose(f) == 0);
}

/* A sample left out for its empty label list takes its cost with it: the
 * mean is over the samples that stay (1, 2, 3), not the 100 left out. */
TEST_CASE(a_sample_left_out_should_leave_the_mean_of_the_sample_costs)
{
    char *dir = test_temp_dir();
    write_text(dir, "labels.json", "[[0], [], [1], [2, 0]]\n");
    write_text(dir, "a.csv", "1,0,0\n0,1,0\n0,1,0\n0,0,1\n");
    write_text(dir, "costs.csv", "1\n100\n2\n3\n");
    write_text(dir, "m.json", "{\"labels\": \"labels.json\", \"models\": [{\"name\": \"a\", "
               "\"logits\": \"a.csv\", \"sample_costs\": \"costs.csv\"}]}\n");
    char path[1024];
    snprintf(path, sizeof path, "%s/m.json", dir);
    cascade_dataset *d = NULL;
    cascade_error error;
    REQUIRE(cascade_dataset_load(path, NULL, &d, &error) == CASCADE_OK);
    CHECK_EQ_INT(d->samples, 3);
    const double *cost = d->models[0].records.sample_cost;
    CHECK(cost[0] == 1.0 && cost[1] == 2.0 && cost[2] == 3.0);
    printf("mean cost %.17g, expected 2\n", d->models[0].cost);
    CHECK(d->models[0].cost == 2.0);
    cascade_dataset_free(d);
    test_remove_dir(dir);
    free(dir);
}

/* Every point of FRONT_A equals the one at its index in FRONT_B. */
static size_t points_differing(const cascade_front *a, const cascade_front *b)
{
    if (a->count != b->count)
        return a->count > b->count ? a->count : b->count;
    size_t differ = 0;
    for (size_t p = 0; p < a->count; p++) {
        const cascade_point *x = &a->points[p], *y = &b->points[p];
        int same = x->stages == y->stages && x->accuracy == y->accuracy && x->cost == y->cost;
        for (unsigned s = 0; same && s < x->stages; s++)
            same = x->model[s] == y->model[s] && x->answered[s] == y->answered[s] &&
                   (s + 1 == x->stages || x->threshold[s] == y->threshold[s]);
        differ += !same;
    }
    return differ;
}

static cascade_status sweep_three_stages(const cascade_dataset *d, cascade_front *front)
{
    cascade_sweep_options options = {.max_stages = 3, .grid = 20, .threads = 1};
    cascade_front_init(front);
    return cascade_sweep(d, &options, front, NULL, NULL);
}

TEST_CASE(predictions_dropped_at_load_should_leave_every_front_and_held_out_view_unchanged)
{
    char *dir = test_temp_dir();
    write_models(dir, NULL, 0);
    char path[1024];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    cascade_dataset *kept = NULL, *dropped = NULL;
    cascade_dataset_options keep = {.threads = 2};
    cascade_dataset_options drop = {.threads = 2, .drop_predictions = 1};
    REQUIRE(cascade_dataset_load(path, &keep, &kept, NULL) == CASCADE_OK);
    REQUIRE(cascade_dataset_load(path, &drop, &dropped, NULL) == CASCADE_OK);
    size_t with_predictions = 0, differ = 0;
    for (size_t m = 0; m < MODELS; m++) {
        const cascade_records *a = &kept->models[m].records, *b = &dropped->models[m].records;
        with_predictions += b->prediction != NULL;
        differ += a->correct_count != b->correct_count;
        for (size_t i = 0; i < SAMPLES; i++)
            differ += a->confidence[i] != b->confidence[i] || a->correct[i] != b->correct[i];
    }
    CHECK_EQ_INT(with_predictions, 0);
    CHECK_EQ_INT(differ, 0);

    cascade_front front_kept, front_dropped;
    REQUIRE(sweep_three_stages(kept, &front_kept) == CASCADE_OK);
    REQUIRE(sweep_three_stages(dropped, &front_dropped) == CASCADE_OK);
    CHECK(front_kept.count > MODELS / 2);
    CHECK_EQ_INT(points_differing(&front_kept, &front_dropped), 0);

    /* a held-out view (every third sample) copies what is there */
    size_t index[SAMPLES / 3];
    for (size_t j = 0; j < SAMPLES / 3; j++)
        index[j] = 3 * j;
    cascade_dataset *view_kept = NULL, *view_dropped = NULL;
    REQUIRE(cascade_dataset_subset(kept, index, SAMPLES / 3, &view_kept, NULL) == CASCADE_OK);
    REQUIRE(cascade_dataset_subset(dropped, index, SAMPLES / 3, &view_dropped, NULL) == CASCADE_OK);
    CHECK(view_dropped->models[0].records.prediction == NULL);
    cascade_front view_front_kept, view_front_dropped;
    REQUIRE(sweep_three_stages(view_kept, &view_front_kept) == CASCADE_OK);
    REQUIRE(sweep_three_stages(view_dropped, &view_front_dropped) == CASCADE_OK);
    CHECK_EQ_INT(points_differing(&view_front_kept, &view_front_dropped), 0);

    cascade_front_free(&front_kept);
    cascade_front_free(&front_dropped);
    cascade_front_free(&view_front_kept);
    cascade_front_free(&view_front_dropped);
    cascade_dataset_free(view_kept);
    cascade_dataset_free(view_dropped);
    cascade_dataset_free(kept);
    cascade_dataset_free(dropped);
    test_remove_dir(dir);
    free(dir);
}

RUN_TESTS(CASE(small_models_loaded_on_four_threads_should_equal_those_loaded_on_one),
          CASE(a_parallel_load_should_report_the_first_bad_model_in_manifest_order),
          CASE(sample_costs_and_overheads_should_add_up_per_sample_and_in_the_mean),
          CASE(a_sample_left_out_should_leave_the_mean_of_the_sample_costs),
          CASE(predictions_dropped_at_load_should_leave_every_front_and_held_out_view_unchanged))
