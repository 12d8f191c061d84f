/* Confidence metrics against hand computations, and margin/entropy fronts on
 * CIFAR-10 re-evaluated with the test's own metric code. */
#include <float.h>

#include "check.h"
#include "test_data.h"

#include "cascade/array.h"
#include "cascade/metrics.h"
#include "cascade/output.h"
#include "cascade/sweep.h"

/* A 1 x n float64 array over VALUES, for the row functions. */
static cascade_array row_array(const double *values, size_t n)
{
    cascade_array a;
    memset(&a, 0, sizeof a);
    a.dtype = CASCADE_DTYPE_F64;
    a.ndim = 2;
    a.rows = 1;
    a.cols = n;
    a.data = values;
    return a;
}

TEST_CASE(each_metric_should_match_a_hand_computation_on_logits)
{
    /* z = (1, 3, 2): p_j = e^z_j / S. */
    double z[3] = {1, 3, 2};
    double s = exp(1) + exp(3) + exp(2);
    double p[3] = {exp(1) / s, exp(3) / s, exp(2) / s};
    double entropy = p[0] * log(p[0]) + p[1] * log(p[1]) + p[2] * log(p[2]);
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_MAX_SOFTMAX, z, 3, 1.0), p[1], 1e-15);
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_MARGIN, z, 3, 1.0), p[1] - p[2], 1e-15);
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_ENTROPY, z, 3, 1.0), entropy, 1e-15);
    /* Two equal logits: p = (1/2, 1/2), margin 0, entropy -log 2. */
    double flat[2] = {0.25, 0.25};
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_MAX_SOFTMAX, flat, 2, 1.0), 0.5, 0);
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_MARGIN, flat, 2, 1.0), 0.0, 0);
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_ENTROPY, flat, 2, 1.0), -log(2.0), 1e-16);
    /* z = (0, log 3) at T = 1/2 is softmax(0, 2 log 3) = (1/10, 9/10). */
    double scaled[2] = {0, log(3.0)};
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_MAX_SOFTMAX, scaled, 2, 0.5), 0.9, 1e-15);
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_MARGIN, scaled, 2, 0.5), 0.8, 1e-15);
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_ENTROPY, scaled, 2, 0.5),
               0.1 * log(0.1) + 0.9 * log(0.9), 1e-15);
    /* Large logits must not overflow: the row maximum comes off first. */
    double big[3] = {1000, 1000 + log(2.0), 999};
    double two = exp(big[1] - 1000); /* 2, up to the rounding of 1000 + log 2 */
    double sb = 1 + two + exp(-1);
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_MAX_SOFTMAX, big, 3, 1.0), two / sb, 1e-15);
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_MARGIN, big, 3, 1.0), (two - 1) / sb, 1e-15);
}

TEST_CASE(each_metric_should_match_a_hand_computation_on_probabilities)
{
    /* (2, 0, 6) renormalises to (1/4, 0, 3/4); 0 log 0 = 0. */
    double p[3] = {2, 0, 6};
    CHECK_NEAR(cascade_metric_of_probabilities(CASCADE_METRIC_MAX_SOFTMAX, p, 3), 0.75, 0);
    CHECK_NEAR(cascade_metric_of_probabilities(CASCADE_METRIC_MARGIN, p, 3), 0.5, 0);
    CHECK_NEAR(cascade_metric_of_probabilities(CASCADE_METRIC_ENTROPY, p, 3),
               0.25 * log(0.25) + 0.75 * log(0.75), 1e-16);
    /* As logits: log p, with log 0 the log of the smallest positive float. */
    cascade_array a = row_array(p, 3);
    double z[3];
    cascade_scores_logits(&a, CASCADE_SCORES_PROBS, 0, z);
    CHECK_NEAR(z[0], log(2.0), 0);
    CHECK_NEAR(z[1], log((double)FLT_TRUE_MIN), 0);
    CHECK_NEAR(z[2], log(6.0), 0);
    /* At T = 2 the distribution is proportional to sqrt(p), zero as sqrt(FLT_TRUE_MIN). */
    double r[3] = {sqrt(2.0), sqrt((double)FLT_TRUE_MIN), sqrt(6.0)};
    double sr = r[0] + r[1] + r[2];
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_MAX_SOFTMAX, z, 3, 2.0), r[2] / sr, 1e-15);
    CHECK_NEAR(cascade_metric_of_logits(CASCADE_METRIC_MARGIN, z, 3, 2.0), (r[2] - r[0]) / sr, 1e-15);
    float out[3];
    double scratch[3];
    cascade_scores_probabilities(&a, CASCADE_SCORES_PROBS, 0, 1.0, scratch, out);
    CHECK_NEAR(out[0], 0.25, 0);
    CHECK_NEAR(out[1], 0.0, 0);
    CHECK_NEAR(out[2], 0.75, 0);
    cascade_scores_probabilities(&a, CASCADE_SCORES_PROBS, 0, 2.0, scratch, out);
    CHECK_NEAR(out[2], r[2] / sr, 1e-7);
}

TEST_CASE(metric_names_should_parse_and_unknown_names_should_be_refused)
{
    cascade_metric m = CASCADE_METRIC_MAX_SOFTMAX;
    CHECK(cascade_metric_parse("entropy", &m, NULL) == CASCADE_OK && m == CASCADE_METRIC_ENTROPY);
    CHECK(cascade_metric_parse("margin", &m, NULL) == CASCADE_OK && m == CASCADE_METRIC_MARGIN);
    CHECK(cascade_metric_parse("max_softmax", &m, NULL) == CASCADE_OK &&
          m == CASCADE_METRIC_MAX_SOFTMAX);
    cascade_error error;
    CHECK(cascade_metric_parse("confidence", &m, &error) == CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(error.message, "max_softmax, margin or entropy");
    CHECK_STR_CONTAINS(cascade_metric_name(CASCADE_METRIC_ENTROPY), "entropy");
}

/* Two logit models over four samples, written to DIR. */
static void write_small_manifest(const char *dir, char *manifest, size_t size)
{
    double a[4][3] = {{2, 1, 0}, {0, 0.5, 0.4}, {1, 1, 3}, {0, 0, 0}};
    double b[4][3] = {{3, 0, 0}, {0, 4, 1}, {0, 1, 2}, {5, 0, 0}};
    int64_t labels[4] = {0, 1, 2, 1};
    char path[512];
    snprintf(path, sizeof path, "%s/a.npy", dir);
    test_write_npy(path, "<f8", 4, 3, a, sizeof(double));
    snprintf(path, sizeof path, "%s/b.npy", dir);
    test_write_npy(path, "<f8", 4, 3, b, sizeof(double));
    snprintf(path, sizeof path, "%s/labels.npy", dir);
    test_write_npy(path, "<i8", 4, 0, labels, sizeof(int64_t));
    snprintf(manifest, size, "%s/manifest.json", dir);
    FILE *f = fopen(manifest, "w");
    fputs("{\"labels\": \"labels.npy\", \"models\": ["
          "{\"name\": \"a\", \"logits\": \"a.npy\", \"gmacs\": 1},"
          "{\"name\": \"b\", \"logits\": \"b.npy\", \"gmacs\": 10}]}", f);
    fclose(f);
}

TEST_CASE(a_dataset_loaded_with_a_metric_should_hold_it_and_name_it_in_every_row)
{
    char *dir = test_temp_dir();
    char manifest[600];
    write_small_manifest(dir, manifest, sizeof manifest);
    cascade_dataset *plain = NULL, *margin = NULL;
    cascade_dataset_options options = {.require_labels = 1};
    REQUIRE(cascade_dataset_load(manifest, &options, &plain, NULL) == CASCADE_OK);
    options.metric = CASCADE_METRIC_MARGIN;
    REQUIRE(cascade_dataset_load(manifest, &options, &margin, NULL) == CASCADE_OK);
    /* Sample 1 of a: z = (0, 0.5, 0.4), margin (e^0.5 - e^0.4) / S. */
    double s = 1 + exp(0.5) + exp(0.4);
    CHECK_NEAR(margin->models[0].records.confidence[1], (exp(0.5) - exp(0.4)) / s, 1e-15);
    /* Sample 3 of a is a three-way tie: margin 0. */
    CHECK_NEAR(margin->models[0].records.confidence[3], 0.0, 0);
    /* Sample 1 of b: z = (0, 4, 1), margin (e^4 - e^1) / S. */
    double sb = 1 + exp(4.0) + exp(1.0);
    CHECK_NEAR(margin->models[1].records.confidence[1], (exp(4.0) - exp(1.0)) / sb, 1e-15);
    /* The metric changes confidences only. */
    for (size_t m = 0; m < 2; m++)
        for (size_t i = 0; i < 4; i++) {
            const cascade_records *r = &margin->models[m].records;
            const cascade_records *q = &plain->models[m].records;
            CHECK_EQ_INT(r->prediction[i], q->prediction[i]);
            CHECK_EQ_INT(r->correct[i], q->correct[i]);
        }
    CHECK(margin->metric == CASCADE_METRIC_MARGIN && !margin->calibrated);
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(margin, NULL, &front, NULL, NULL) == CASCADE_OK);
    FILE *csv = tmpfile();
    REQUIRE(cascade_write_front_csv(csv, margin, &front) == CASCADE_OK);
    rewind(csv);
    char line[1024];
    size_t rows = 0, named = 0;
    REQUIRE(fgets(line, sizeof line, csv));
    CHECK_STR_CONTAINS(line, "models,thresholds,accuracy,cost,stages,answered,metric\n");
    while (fgets(line, sizeof line, csv)) {
        rows++;
        size_t n = strlen(line);
        named += n > 8 && strcmp(line + n - 8, ",margin\n") == 0;
    }
    fclose(csv);
    CHECK(rows > 0);
    CHECK_EQ_INT(named, rows);
    char label[64];
    cascade_metric_label(margin, 1, label);
    CHECK_STR_CONTAINS(label, "margin+ensemble");
    cascade_front_free(&front);
    cascade_dataset_free(plain);
    cascade_dataset_free(margin);
    test_remove_dir(dir);
    free(dir);
}

/* ---- CIFAR-10: fronts re-evaluated with the test's own metric code ---- */

typedef struct own_records {
    double *confidence;  /* [models][samples] */
    uint8_t *correct;    /* [models][samples] */
} own_records;

/* The metric of p / sum p, written out here for the test. */
static double own_metric(cascade_metric metric, const float *p, size_t classes)
{
    double sum = 0, first = -1, second = -1;
    for (size_t j = 0; j < classes; j++) {
        sum += p[j];
        if (p[j] > first) {
            second = first;
            first = p[j];
        } else if (p[j] > second) {
            second = p[j];
        }
    }
    if (metric == CASCADE_METRIC_MARGIN)
        return (first - second) / sum;
    if (metric == CASCADE_METRIC_ENTROPY) {
        double h = 0;
        for (size_t j = 0; j < classes; j++)
            if (p[j] > 0)
                h += (p[j] / sum) * log(p[j] / sum);
        return h;
    }
    return first / sum;
}

static own_records own_cifar_records(const cascade_dataset *d, cascade_metric metric)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/cifar10/labels.npy", shared_data_dir());
    cascade_array labels;
    REQUIRE(cascade_array_load(path, &labels, NULL) == CASCADE_OK);
    own_records own;
    own.confidence = malloc(d->model_count * d->samples * sizeof *own.confidence);
    own.correct = malloc(d->model_count * d->samples);
    double worst = 0;
    for (size_t m = 0; m < d->model_count; m++) {
        cascade_array probs;
        REQUIRE(cascade_array_load(d->manifest->models[m].path, &probs, NULL) == CASCADE_OK);
        REQUIRE(probs.dtype == CASCADE_DTYPE_F32);
        for (size_t i = 0; i < probs.rows; i++) {
            const float *p = (const float *)probs.data + i * probs.cols;
            size_t best = 0;
            for (size_t j = 1; j < probs.cols; j++)
                if (p[j] > p[best])
                    best = j;
            double c = own_metric(metric, p, probs.cols);
            own.confidence[m * d->samples + i] = c;
            own.correct[m * d->samples + i] =
                (long long)best == (long long)cascade_array_get(&labels, i, 0);
            worst = fmax(worst, fabs(c - d->models[m].records.confidence[i]));
        }
        cascade_array_free(&probs);
    }
    cascade_array_free(&labels);
    printf("%s: library vs test confidences, largest difference %.3g\n",
           cascade_metric_name(metric), worst);
    CHECK(worst < 1e-12);
    return own;
}

static void own_evaluate(const cascade_dataset *d, const own_records *own, unsigned stages,
                         const unsigned *models, const double *thresholds, double *accuracy,
                         double *cost)
{
    size_t correct = 0;
    double spent = 0;
    for (size_t i = 0; i < d->samples; i++)
        for (unsigned s = 0; s < stages; s++) {
            size_t at = models[s] * d->samples + i;
            spent += d->models[models[s]].cost;
            if (s + 1 == stages || own->confidence[at] >= thresholds[s]) {
                correct += own->correct[at];
                break;
            }
        }
    *accuracy = (double)correct / (double)d->samples;
    *cost = spent / (double)d->samples;
}

static void reevaluate_front(cascade_metric metric)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/cifar10/manifest.json", shared_data_dir());
    cascade_dataset_options options = {.require_labels = 1, .metric = metric};
    cascade_dataset *d = NULL;
    REQUIRE(cascade_dataset_load(path, &options, &d, NULL) == CASCADE_OK);
    own_records own = own_cifar_records(d, metric);
    cascade_sweep_options sweep = {.max_stages = 3};
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(d, &sweep, &front, NULL, NULL) == CASCADE_OK);
    FILE *csv = tmpfile();
    REQUIRE(cascade_write_front_csv(csv, d, &front) == CASCADE_OK);
    rewind(csv);
    char line[4096];
    REQUIRE(fgets(line, sizeof line, csv));
    size_t rows = 0, mismatches = 0, wrong_metric = 0, three_stage = 0, positive = 0;
    double worst_cost = 0;
    while (fgets(line, sizeof line, csv)) {
        char *fields[7] = {0}, *cursor = line, *save = NULL;
        for (int f = 0; f < 7; f++) {
            fields[f] = cursor;
            char *end = strpbrk(cursor, ",\n");
            if (end) {
                *end = '\0';
                cursor = end + 1;
            }
        }
        wrong_metric += strcmp(fields[6], cascade_metric_name(metric)) != 0;
        unsigned models[3], stages = 0;
        for (char *name = strtok_r(fields[0], ">", &save); name; name = strtok_r(NULL, ">", &save))
            models[stages++] = (unsigned)cascade_dataset_find(d, name);
        double thresholds[2] = {0};
        char *t = fields[1];
        for (unsigned s = 0; s + 1 < stages; s++) {
            thresholds[s] = strtod(t, &t);
            positive += thresholds[s] > 0;
            if (*t == ';')
                t++;
        }
        three_stage += stages == 3;
        double accuracy, cost;
        own_evaluate(d, &own, stages, models, thresholds, &accuracy, &cost);
        mismatches += accuracy != strtod(fields[2], NULL);
        worst_cost = fmax(worst_cost, fabs(cost - strtod(fields[3], NULL)));
        rows++;
    }
    fclose(csv);
    printf("%s: %zu rows (%zu of 3 stages, %zu positive thresholds) re-evaluated: "
           "%zu accuracy mismatches, largest cost difference %.3g\n",
           cascade_metric_name(metric), rows, three_stage, positive, mismatches, worst_cost);
    CHECK_EQ_INT(rows, front.count);
    CHECK(rows > 100);
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(wrong_metric, 0);
    CHECK(worst_cost < 1e-12);
    CHECK(three_stage > 0);
    if (metric == CASCADE_METRIC_ENTROPY)
        CHECK_EQ_INT(positive, 0); /* negative entropy is <= 0 */
    cascade_front_free(&front);
    free(own.confidence);
    free(own.correct);
    cascade_dataset_free(d);
}

TEST_CASE(margin_front_rows_should_reevaluate_with_the_tests_own_margin_on_cifar10)
{
    reevaluate_front(CASCADE_METRIC_MARGIN);
}

TEST_CASE(entropy_front_rows_should_reevaluate_with_the_tests_own_entropy_on_cifar10)
{
    reevaluate_front(CASCADE_METRIC_ENTROPY);
}

RUN_TESTS(CASE(each_metric_should_match_a_hand_computation_on_logits),
          CASE(each_metric_should_match_a_hand_computation_on_probabilities),
          CASE(metric_names_should_parse_and_unknown_names_should_be_refused),
          CASE(a_dataset_loaded_with_a_metric_should_hold_it_and_name_it_in_every_row),
          CASE(margin_front_rows_should_reevaluate_with_the_tests_own_margin_on_cifar10),
          CASE(entropy_front_rows_should_reevaluate_with_the_tests_own_entropy_on_cifar10))
