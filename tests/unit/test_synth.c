/* Tests for the synthetic dataset generator. Generated sets are read back
 * through the project's own loader (manifest -> labels -> records), so these
 * also check that the generator's files are what the sweep expects. */
#include "cascade/dataset.h"
#include "cascade/manifest.h"
#include "cascade/synth.h"
#include "check.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

static char *make_dir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/cascade-synth-test-XXXXXX");
    REQUIRE(mkdtemp(dir) != NULL);
    return dir;
}

/* Removes FOLDER's files (one level deep) and the folder itself. */
static void remove_dir(const char *folder)
{
    DIR *d = opendir(folder);
    if (!d)
        return;
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", folder, e->d_name);
        if (unlink(path) != 0)
            remove_dir(path);
    }
    closedir(d);
    rmdir(folder);
}

static size_t count_files(const char *folder)
{
    DIR *d = opendir(folder);
    REQUIRE(d != NULL);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++; /* temporary files (".NAME.XXXXXX") count too */
    closedir(d);
    return n;
}

static unsigned char *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    REQUIRE(buf != NULL);
    REQUIRE(fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    buf[n] = '\0';
    *size = (size_t)n;
    return buf;
}

static int same_file(const char *a, const char *b)
{
    size_t na = 0, nb = 0;
    unsigned char *x = read_whole(a, &na), *y = read_whole(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    free(x);
    free(y);
    return same;
}

static void generate(const char *dir, size_t models, size_t samples, size_t classes,
                     uint64_t seed, cascade_synth_dtype dtype, unsigned threads)
{
    cascade_error err;
    cascade_error_clear(&err);
    cascade_synth_plan *plan = NULL;
    REQUIRE(cascade_synth_plan_default(&plan, models, classes, seed, &err) == CASCADE_OK);
    cascade_synth_options options = {samples, classes, seed, dtype, threads};
    cascade_status status = cascade_synth_generate(dir, plan, &options, &err);
    if (status != CASCADE_OK)
        fprintf(stderr, "generate: %s\n", err.message);
    REQUIRE(status == CASCADE_OK);
    cascade_synth_plan_free(plan);
}

static cascade_dataset *load(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    cascade_dataset_options options = {.cost_field = "gmacs", .require_labels = 1};
    cascade_dataset *dataset = NULL;
    cascade_error err;
    cascade_error_clear(&err);
    cascade_status status = cascade_dataset_load(path, &options, &dataset, &err);
    if (status != CASCADE_OK)
        fprintf(stderr, "load: %s: %s\n", err.file, err.message);
    REQUIRE(status == CASCADE_OK);
    return dataset;
}

static double target_of(const cascade_dataset *d, size_t m)
{
    double target = -1;
    REQUIRE(cascade_manifest_number(d->manifest, m, "target_accuracy", &target, NULL) ==
            CASCADE_OK);
    return target;
}

TEST_CASE(synth_should_write_the_same_bytes_for_a_seed_whatever_the_threads)
{
    char *base = make_dir();
    char a[128], b[128], c[128];
    snprintf(a, sizeof a, "%s/a", base);
    snprintf(b, sizeof b, "%s/b", base);
    snprintf(c, sizeof c, "%s/c", base);
    generate(a, 3, 700, 37, 5, CASCADE_SYNTH_F32, 1);
    generate(b, 3, 700, 37, 5, CASCADE_SYNTH_F32, 2);
    generate(c, 3, 700, 37, 6, CASCADE_SYNTH_F32, 2);
    const char *files[] = {"manifest.json", "labels.npy", "m00.logits.npy", "m01.logits.npy",
                           "m02.logits.npy"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char x[256], y[256], z[256];
        snprintf(x, sizeof x, "%s/%s", a, files[i]);
        snprintf(y, sizeof y, "%s/%s", b, files[i]);
        snprintf(z, sizeof z, "%s/%s", c, files[i]);
        if (!same_file(x, y)) {
            fprintf(stderr, "%s differs between 1 and 2 threads\n", files[i]);
            check_failures++;
        }
        if (same_file(x, z)) {
            fprintf(stderr, "%s is the same for seeds 5 and 6\n", files[i]);
            check_failures++;
        }
    }
    CHECK_EQ_INT(count_files(a), 5); /* and no temporary files */
    remove_dir(base);
}

static void check_accuracy(size_t classes, cascade_synth_dtype dtype, double tolerance)
{
    char *dir = make_dir();
    generate(dir, 6, 5000, classes, 11, dtype, 0);
    cascade_dataset *d = load(dir);
    CHECK_EQ_INT(d->model_count, 6);
    CHECK_EQ_INT(d->samples, 5000);
    CHECK_EQ_INT(d->classes, classes);
    double largest = 0;
    for (size_t m = 0; m < d->model_count; m++) {
        const cascade_records *r = &d->models[m].records;
        double accuracy = (double)r->correct_count / (double)r->samples;
        largest = fmax(largest, fabs(accuracy - target_of(d, m)));
    }
    printf("%zu classes: largest |realised - target accuracy| = %.5f\n", classes, largest);
    CHECK_NEAR(largest, 0, tolerance);
    cascade_dataset_free(d);
    remove_dir(dir);
}

/* Exact up to rounding target * samples to a whole number of samples. */
TEST_CASE(realised_accuracy_should_match_the_target_with_10_classes)
{
    check_accuracy(10, CASCADE_SYNTH_F32, 0.5 / 5000 + 1e-12);
}

TEST_CASE(realised_accuracy_should_match_the_target_with_100_classes)
{
    check_accuracy(100, CASCADE_SYNTH_F32, 0.5 / 5000 + 1e-12);
}

/* Rounding to float16 may tie or flip a few near-ties. */
TEST_CASE(realised_accuracy_should_match_the_target_in_float16)
{
    check_accuracy(100, CASCADE_SYNTH_F16, 0.002);
}

TEST_CASE(errors_should_correlate_across_models)
{
    char *dir = make_dir();
    generate(dir, 6, 5000, 100, 3, CASCADE_SYNTH_F32, 0);
    cascade_dataset *d = load(dir);
    double smallest_ratio = INFINITY;
    for (size_t a = 0; a < d->model_count; a++)
        for (size_t b = a + 1; b < d->model_count; b++) {
            const cascade_records *ra = &d->models[a].records, *rb = &d->models[b].records;
            size_t both = 0, wrong_a = 0, wrong_b = 0;
            for (size_t i = 0; i < d->samples; i++) {
                wrong_a += !ra->correct[i];
                wrong_b += !rb->correct[i];
                both += !ra->correct[i] && !rb->correct[i];
            }
            double k = (double)d->samples;
            double ratio = (both / k) / ((wrong_a / k) * (wrong_b / k));
            smallest_ratio = fmin(smallest_ratio, ratio);
        }
    /* Independent errors would give 1; real model zoos give about 1.5 to 6. */
    printf("smallest P(both wrong) / (P(a wrong) P(b wrong)) over pairs: %.3f\n",
           smallest_ratio);
    CHECK(smallest_ratio > 1.3);
    cascade_dataset_free(d);
    remove_dir(dir);
}

/* Probability that a random correct sample is more confident than a random
 * wrong one (the AUROC of confidence for correctness). */
static double auroc(const cascade_records *r)
{
    size_t bins = 4096, *right = calloc(bins, sizeof *right), *wrong = calloc(bins, sizeof *wrong);
    REQUIRE(right && wrong);
    for (size_t i = 0; i < r->samples; i++) {
        size_t bin = (size_t)(r->confidence[i] * (double)(bins - 1));
        (r->correct[i] ? right : wrong)[bin]++;
    }
    double pairs = 0, wins = 0, wrong_below = 0;
    size_t n_right = 0, n_wrong = 0;
    for (size_t b = 0; b < bins; b++) {
        wins += (double)right[b] * (wrong_below + 0.5 * (double)wrong[b]);
        wrong_below += (double)wrong[b];
        n_right += right[b];
        n_wrong += wrong[b];
    }
    pairs = (double)n_right * (double)n_wrong;
    free(right);
    free(wrong);
    return wins / pairs;
}

TEST_CASE(confidence_should_track_correctness_imperfectly)
{
    char *dir = make_dir();
    generate(dir, 4, 5000, 100, 9, CASCADE_SYNTH_F32, 0);
    cascade_dataset *d = load(dir);
    double lowest = 1, highest = 0, largest_gap = 0;
    for (size_t m = 0; m < d->model_count; m++) {
        const cascade_records *r = &d->models[m].records;
        double a = auroc(r);
        lowest = fmin(lowest, a);
        highest = fmax(highest, a);
        double mean = 0;
        for (size_t i = 0; i < r->samples; i++)
            mean += r->confidence[i];
        mean /= (double)r->samples;
        largest_gap = fmax(largest_gap, fabs(mean - (double)r->correct_count / (double)r->samples));
    }
    /* Real ImageNet and CIFAR-10 models: AUROC about 0.75 to 0.95, mean
     * confidence within a few points of accuracy. */
    printf("AUROC of confidence for correctness: %.3f to %.3f; largest |mean confidence - "
           "accuracy| %.3f\n", lowest, highest, largest_gap);
    CHECK(lowest > 0.75);
    CHECK(highest < 0.99);
    CHECK(largest_gap < 0.1);
    cascade_dataset_free(d);
    remove_dir(dir);
}

TEST_CASE(manifest_should_list_models_in_strictly_increasing_cost)
{
    char *dir = make_dir();
    generate(dir, 12, 50, 10, 4, CASCADE_SYNTH_F32, 0);
    cascade_dataset *d = load(dir);
    CHECK_EQ_INT(d->model_count, 12);
    int rising = 1;
    for (size_t m = 1; m < d->model_count; m++)
        rising &= d->models[m].cost > d->models[m - 1].cost;
    CHECK(rising);
    CHECK(d->models[0].cost >= 0.01 && d->models[11].cost <= 10);
    CHECK(strcmp(d->models[0].name, "m00") == 0 && strcmp(d->models[11].name, "m11") == 0);
    CHECK(target_of(d, 0) >= 0.69 && target_of(d, 11) <= 0.96);
    for (size_t m = 1; m < d->model_count; m++)
        CHECK(target_of(d, m) >= target_of(d, m - 1));
    size_t size = 0;
    char path[256];
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    char *text = (char *)read_whole(path, &size);
    REQUIRE(text != NULL);
    CHECK_STR_CONTAINS(text, "\"name\": \"synth-seed4\"");
    CHECK_STR_CONTAINS(text, "\"logits\": \"m00.logits.npy\"");
    free(text);
    cascade_dataset_free(d);
    remove_dir(dir);
}

TEST_CASE(labels_should_be_balanced_over_the_classes)
{
    char *dir = make_dir();
    generate(dir, 1, 1000, 10, 2, CASCADE_SYNTH_F32, 0);
    cascade_dataset *d = load(dir);
    size_t count[10] = {0};
    for (size_t i = 0; i < d->labels.count; i++)
        count[d->labels.label[i]]++;
    for (int c = 0; c < 10; c++)
        CHECK_EQ_INT(count[c], 100);
    cascade_dataset_free(d);
    remove_dir(dir);
}

/* A generation that fails half-way (here at a file-size limit, as it would on
 * a full disk) leaves the dataset already in the folder as it was. */
TEST_CASE(failed_generation_should_leave_the_old_dataset)
{
    char *dir = make_dir();
    generate(dir, 2, 100, 10, 1, CASCADE_SYNTH_F32, 1);
    char manifest[256], logits[256];
    snprintf(manifest, sizeof manifest, "%s/manifest.json", dir);
    snprintf(logits, sizeof logits, "%s/m01.logits.npy", dir);
    size_t n1 = 0, n2 = 0;
    unsigned char *old_manifest = read_whole(manifest, &n1), *old_logits = read_whole(logits, &n2);

    cascade_synth_plan *plan = NULL;
    REQUIRE(cascade_synth_plan_default(&plan, 2, 1000, 2, NULL) == CASCADE_OK);
    cascade_synth_options options = {2000, 1000, 2, CASCADE_SYNTH_F32, 1};
    struct rlimit saved, limit;
    REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
    limit = saved;
    limit.rlim_cur = 1 << 20; /* labels fit; 8 MB of logits do not */
    signal(SIGXFSZ, SIG_IGN);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    cascade_error err;
    cascade_error_clear(&err);
    cascade_status status = cascade_synth_generate(dir, plan, &options, &err);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &saved) == 0);
    cascade_synth_plan_free(plan);

    CHECK_EQ_INT(status, CASCADE_ERR_IO);
    CHECK_STR_CONTAINS(err.file, "m00.logits.npy");
    size_t m1 = 0, m2 = 0;
    unsigned char *new_manifest = read_whole(manifest, &m1), *new_logits = read_whole(logits, &m2);
    REQUIRE(old_manifest && old_logits && new_manifest && new_logits);
    CHECK(n1 == m1 && memcmp(old_manifest, new_manifest, n1) == 0);
    CHECK(n2 == m2 && memcmp(old_logits, new_logits, n2) == 0);
    CHECK_EQ_INT(count_files(dir), 4); /* manifest, labels, two models: no temporaries */
    free(old_manifest);
    free(old_logits);
    free(new_manifest);
    free(new_logits);
    remove_dir(dir);
}

TEST_CASE(generate_should_refuse_costs_that_do_not_rise)
{
    char *dir = make_dir();
    cascade_synth_plan *plan = NULL;
    REQUIRE(cascade_synth_plan_default(&plan, 3, 10, 1, NULL) == CASCADE_OK);
    plan->models[2].gmacs = plan->models[1].gmacs;
    cascade_synth_options options = {10, 10, 1, CASCADE_SYNTH_F32, 1};
    cascade_error err;
    cascade_error_clear(&err);
    CHECK_EQ_INT(cascade_synth_generate(dir, plan, &options, &err), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "strictly increasing");
    free(plan->models[2].name);
    plan->models[2].name = strdup("../escape");
    plan->models[2].gmacs = 100;
    CHECK_EQ_INT(cascade_synth_generate(dir, plan, &options, &err), CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(err.message, "'../escape' cannot name a file");
    CHECK_EQ_INT(count_files(dir), 0);
    cascade_synth_plan_free(plan);
    remove_dir(dir);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    REQUIRE(fclose(f) == 0);
}

TEST_CASE(plan_from_tables_should_join_on_model_and_read_quoted_thousands)
{
    char *dir = make_dir();
    char acc[256], bench[256];
    snprintf(acc, sizeof acc, "%s/results.csv", dir);
    snprintf(bench, sizeof bench, "%s/bench.csv", dir);
    write_text(acc, "model,top1,top5\n"
                    "tiny,50.5,70\n"
                    "small,70.25,88\n"
                    "big,80.0,95\n"
                    "huge,85.5,97\n"
                    "only_here,90,99\n"
                    "small,10,10\n");               /* a repeat: the first row wins */
    write_text(bench, "model,infer_samples_per_sec,infer_gmacs\n"
                      "huge,\"1,014.45\",\"1,200.5\"\n"
                      "tiny,\"70,939.06\",0.03\n"
                      "small,500,1.5\n"
                      "big,300,\n"                  /* no cost: skipped */
                      "elsewhere,1,2\n");
    cascade_synth_plan *plan = NULL;
    cascade_error err;
    cascade_error_clear(&err);
    REQUIRE(cascade_synth_plan_from_tables(&plan, acc, bench, 3, &err) == CASCADE_OK);
    CHECK_EQ_INT(plan->n_models, 3);
    CHECK(strcmp(plan->models[0].name, "tiny") == 0);
    CHECK(strcmp(plan->models[1].name, "small") == 0);
    CHECK(strcmp(plan->models[2].name, "huge") == 0);
    CHECK_NEAR(plan->models[0].gmacs, 0.03, 0);
    CHECK_NEAR(plan->models[2].gmacs, 1200.5, 0);
    CHECK_NEAR(plan->models[1].target_accuracy, 0.7025, 1e-15);
    cascade_synth_plan_free(plan);

    CHECK_EQ_INT(cascade_synth_plan_from_tables(&plan, acc, bench, 4, &err),
                 CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(err.message, "only 3 models");
    CHECK(plan == NULL);
    remove_dir(dir);
}

TEST_CASE(plan_from_tables_should_name_a_missing_column_and_a_bad_number)
{
    char *dir = make_dir();
    char acc[256], bench[256];
    snprintf(acc, sizeof acc, "%s/results.csv", dir);
    snprintf(bench, sizeof bench, "%s/bench.csv", dir);
    write_text(acc, "model,top1\na,50\nb,60\n");
    write_text(bench, "model,infer_samples_per_sec\na,1\nb,2\n");
    cascade_synth_plan *plan = NULL;
    cascade_error err;
    cascade_error_clear(&err);
    CHECK_EQ_INT(cascade_synth_plan_from_tables(&plan, acc, bench, 1, &err),
                 CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(err.message, "no \"gmacs\" or \"infer_gmacs\" column");
    CHECK_STR_CONTAINS(err.file, "bench.csv");
    write_text(bench, "model,infer_gmacs\na,1\nb,two\n");
    CHECK_EQ_INT(cascade_synth_plan_from_tables(&plan, acc, bench, 1, &err),
                 CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "line 3, column \"infer_gmacs\": \"two\" is not a number");
    CHECK_EQ_INT(err.row, 3);
    CHECK(plan == NULL);
    remove_dir(dir);
}

/* The real tables of the shared data: the pt112 benchmark pairs with the
 * results of the same day. */
TEST_CASE(plan_from_timm_tables_should_spread_real_models_over_the_costs)
{
    char acc[512], bench[512];
    snprintf(acc, sizeof acc, "%s/timm/results-imagenet.e987e290-2022-07-27.csv",
             shared_data_dir());
    snprintf(bench, sizeof bench, "%s/timm/benchmark-infer-amp-nhwc-pt112-cu113-rtx3090.csv",
             shared_data_dir());
    cascade_synth_plan *plan = NULL;
    cascade_error err;
    cascade_error_clear(&err);
    cascade_status status = cascade_synth_plan_from_tables(&plan, acc, bench, 16, &err);
    if (status != CASCADE_OK)
        fprintf(stderr, "%s: %s\n", err.file, err.message);
    REQUIRE(status == CASCADE_OK);
    CHECK_EQ_INT(plan->n_models, 16);
    int rising = 1, in_range = 1;
    for (size_t m = 0; m < plan->n_models; m++) {
        if (m > 0)
            rising &= plan->models[m].gmacs > plan->models[m - 1].gmacs;
        in_range &= plan->models[m].target_accuracy > 0.4 && plan->models[m].target_accuracy < 0.9;
    }
    CHECK(rising);
    CHECK(in_range);
    /* From the cheapest model to the dearest: more than three decades. */
    printf("%s (%g GMACs, %.3f) .. %s (%g GMACs, %.3f)\n", plan->models[0].name,
           plan->models[0].gmacs, plan->models[0].target_accuracy, plan->models[15].name,
           plan->models[15].gmacs, plan->models[15].target_accuracy);
    CHECK(plan->models[15].gmacs / plan->models[0].gmacs > 1000);
    cascade_synth_plan_free(plan);
}

RUN_TESTS(CASE(synth_should_write_the_same_bytes_for_a_seed_whatever_the_threads),
          CASE(realised_accuracy_should_match_the_target_with_10_classes),
          CASE(realised_accuracy_should_match_the_target_with_100_classes),
          CASE(realised_accuracy_should_match_the_target_in_float16),
          CASE(errors_should_correlate_across_models),
          CASE(confidence_should_track_correctness_imperfectly),
          CASE(manifest_should_list_models_in_strictly_increasing_cost),
          CASE(labels_should_be_balanced_over_the_classes),
          CASE(failed_generation_should_leave_the_old_dataset),
          CASE(generate_should_refuse_costs_that_do_not_rise),
          CASE(plan_from_tables_should_join_on_model_and_read_quoted_thousands),
          CASE(plan_from_tables_should_name_a_missing_column_and_a_bad_number),
          CASE(plan_from_timm_tables_should_spread_real_models_over_the_costs))
