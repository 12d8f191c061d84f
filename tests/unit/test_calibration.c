/* Temperature scaling against a brute-force scan of T, and ECE against a
 * direct computation, both written here. */
#include <float.h>

#include "check.h"
#include "test_data.h"
#include "tiny_dataset.h"

#include "cascade/array.h"
#include "cascade/calibration.h"
#include "cascade/dataset.h"
#include "cascade/metrics.h"

/* ---- the test's own NLL and ECE ---- */

/* log p with 0 as the log of the smallest positive float, as documented. */
static double own_logit(double p)
{
    return p > 0 ? log(p) : log((double)FLT_TRUE_MIN);
}

/* Mean NLL of softmax(log p / T) over ROWS (NULL: all) of float probs. */
static double own_nll(const cascade_array *probs, const int32_t *label, const size_t *rows,
                      size_t count, double temperature)
{
    double total = 0;
    for (size_t t = 0; t < count; t++) {
        size_t i = rows ? rows[t] : t;
        const float *p = (const float *)probs->data + i * probs->cols;
        double max = -INFINITY;
        for (size_t j = 0; j < probs->cols; j++)
            max = fmax(max, own_logit(p[j]) / temperature);
        double sum = 0;
        for (size_t j = 0; j < probs->cols; j++)
            sum += exp(own_logit(p[j]) / temperature - max);
        total += -(own_logit(p[label[i]]) / temperature - max - log(sum));
    }
    return total / (double)count;
}

/* ECE straight from the definition: for each bin (b/15, (b+1)/15], the
 * samples in it, their accuracy and mean confidence. */
static double own_ece(const double *confidence, const uint8_t *correct, size_t count)
{
    double ece = 0;
    for (int b = 0; b < 15; b++) {
        double lo = b / 15.0, hi = (b + 1) / 15.0;
        size_t n = 0, right = 0;
        double conf = 0;
        for (size_t i = 0; i < count; i++)
            if ((confidence[i] > lo || (b == 0 && confidence[i] == 0)) && confidence[i] <= hi) {
                n++;
                right += correct[i];
                conf += confidence[i];
            }
        if (n)
            ece += (double)n / (double)count * fabs((double)right / (double)n - conf / (double)n);
    }
    return ece;
}

/* Max softmax of log p / T and correctness, for every sample. */
static void own_confidences(const cascade_array *probs, const int32_t *label, double temperature,
                            double *confidence, uint8_t *correct)
{
    for (size_t i = 0; i < probs->rows; i++) {
        const float *p = (const float *)probs->data + i * probs->cols;
        size_t best = 0;
        for (size_t j = 1; j < probs->cols; j++)
            if (p[j] > p[best])
                best = j;
        double sum = 0;
        for (size_t j = 0; j < probs->cols; j++)
            sum += exp((own_logit(p[j]) - own_logit(p[best])) / temperature);
        confidence[i] = 1 / sum;
        correct[i] = (int32_t)best == label[i];
    }
}

typedef struct cifar {
    cascade_array labels_array;
    cascade_labels labels;
    cascade_array probs[3];
    const char *name[3];
} cifar;

static void load_cifar(cifar *c)
{
    const char *dir = shared_data_dir();
    static const char *names[3] = {"lenet5", "vgg16", "wrn16_4"};
    char path[1024];
    snprintf(path, sizeof path, "%s/cifar10/labels.npy", dir);
    REQUIRE(cascade_labels_load(path, &c->labels, NULL) == CASCADE_OK);
    for (int m = 0; m < 3; m++) {
        c->name[m] = names[m];
        snprintf(path, sizeof path, "%s/cifar10/%s.probs.npy", dir, names[m]);
        REQUIRE(cascade_array_load(path, &c->probs[m], NULL) == CASCADE_OK);
        REQUIRE(c->probs[m].dtype == CASCADE_DTYPE_F32);
    }
}

static void free_cifar(cifar *c)
{
    cascade_labels_free(&c->labels);
    for (int m = 0; m < 3; m++)
        cascade_array_free(&c->probs[m]);
}

/* The minimiser of own_nll over a log grid: step 0.02 over [0.25, 8], then
 * step 2e-4 within 0.02 of the best (T to 1e-4 relative). */
static double scan_temperature(const cascade_array *probs, const int32_t *label,
                               const size_t *rows, size_t count, double *best_nll)
{
    double best_s = 0, best = INFINITY;
    for (double s = log(0.25); s <= log(8.0); s += 0.02) {
        double v = own_nll(probs, label, rows, count, exp(s));
        if (v < best) {
            best = v;
            best_s = s;
        }
    }
    double centre = best_s;
    for (int k = -100; k <= 100; k++) {
        double s = centre + k * 2e-4;
        double v = own_nll(probs, label, rows, count, exp(s));
        if (v < best) {
            best = v;
            best_s = s;
        }
    }
    *best_nll = best;
    return exp(best_s);
}

TEST_CASE(fitted_temperature_should_match_a_brute_force_scan_on_cifar10)
{
    cifar c;
    load_cifar(&c);
    for (int m = 0; m < 3; m++) {
        cascade_calibration fit;
        REQUIRE(cascade_temperature_fit(&c.probs[m], CASCADE_SCORES_PROBS, &c.labels, NULL, 0,
                                        c.name[m], "test", &fit, NULL) == CASCADE_OK);
        double scan_nll;
        double scanned = scan_temperature(&c.probs[m], c.labels.label, NULL, c.labels.count,
                                          &scan_nll);
        double before = own_nll(&c.probs[m], c.labels.label, NULL, c.labels.count, 1.0);
        double after = own_nll(&c.probs[m], c.labels.label, NULL, c.labels.count, fit.temperature);
        printf("%s: T = %.6f (scan %.6f, relative difference %.2e) in %u passes; "
               "NLL %.6f -> %.6f (scan minimum %.6f); ECE %.4f -> %.4f\n",
               c.name[m], fit.temperature, scanned, fabs(fit.temperature / scanned - 1),
               fit.passes, fit.nll_before, fit.nll_after, scan_nll, fit.ece_before, fit.ece_after);
        CHECK_NEAR(fit.temperature / scanned, 1.0, 1e-3);
        CHECK(fit.nll_after <= fit.nll_before);
        CHECK(fit.nll_after <= scan_nll + 1e-12);
        CHECK_NEAR(fit.nll_before, before, 1e-12 * before);
        CHECK_NEAR(fit.nll_after, after, 1e-12 * after);
        CHECK(!fit.at_limit);
        CHECK_EQ_INT(fit.samples, c.labels.count);
    }
    free_cifar(&c);
}

TEST_CASE(a_fit_on_a_subset_should_match_a_scan_over_that_subset)
{
    cifar c;
    load_cifar(&c);
    size_t count = c.labels.count / 2;
    size_t *rows = malloc(count * sizeof *rows);
    for (size_t t = 0; t < count; t++)
        rows[t] = 2 * t + 1; /* the odd samples */
    cascade_calibration fit, all;
    REQUIRE(cascade_temperature_fit(&c.probs[1], CASCADE_SCORES_PROBS, &c.labels, rows, count,
                                    "vgg16", "test", &fit, NULL) == CASCADE_OK);
    REQUIRE(cascade_temperature_fit(&c.probs[1], CASCADE_SCORES_PROBS, &c.labels, NULL, 0,
                                    "vgg16", "test", &all, NULL) == CASCADE_OK);
    double scan_nll;
    double scanned = scan_temperature(&c.probs[1], c.labels.label, rows, count, &scan_nll);
    printf("vgg16 on the odd samples: T = %.6f (scan %.6f); on all: %.6f\n", fit.temperature,
           scanned, all.temperature);
    CHECK_NEAR(fit.temperature / scanned, 1.0, 1e-3);
    CHECK(fit.temperature != all.temperature);
    CHECK_EQ_INT(fit.samples, count);
    /* The ECE on the subset is that of the subset's own confidences. */
    double *confidence = malloc(c.labels.count * sizeof *confidence);
    uint8_t *correct = malloc(c.labels.count);
    own_confidences(&c.probs[1], c.labels.label, fit.temperature, confidence, correct);
    for (size_t t = 0; t < count; t++) {
        confidence[t] = confidence[rows[t]];
        correct[t] = correct[rows[t]];
    }
    CHECK_NEAR(fit.ece_after, own_ece(confidence, correct, count), 1e-12);
    cascade_error error;
    rows[0] = c.labels.count;
    CHECK(cascade_temperature_fit(&c.probs[1], CASCADE_SCORES_PROBS, &c.labels, rows, count,
                                  "vgg16", "test", &fit, &error) == CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(error.message, "out of range");
    free(confidence);
    free(correct);
    free(rows);
    free_cifar(&c);
}

TEST_CASE(ece_should_match_a_direct_computation_by_hand_and_on_cifar10)
{
    /* 2/15 sits on a bin edge: it belongs to (1/15, 2/15]. Hand: bins
     * (13/15, 14/15]: 0.9 wrong; (14/15, 1]: 0.95 and 1.0 right; (10/15,
     * 11/15]: 0.7 and 0.69 right; (4/15, 5/15]: 0.3 wrong; (1/15, 2/15]:
     * 2/15 right. ECE = (0.9 + (2 - 1.95) + (2 - 1.39) + 0.3 + (1 - 2/15)) / 7. */
    double conf[7] = {0.95, 0.9, 0.7, 0.69, 0.3, 1.0, 2 / 15.0};
    uint8_t correct[7] = {1, 0, 1, 1, 0, 1, 1};
    double hand = (0.9 + (2 - 1.95) + (2 - 1.39) + 0.3 + (1 - 2 / 15.0)) / 7;
    CHECK_NEAR(cascade_ece(conf, correct, 7), hand, 1e-15);
    CHECK_NEAR(own_ece(conf, correct, 7), hand, 1e-15);
    cifar c;
    load_cifar(&c);
    size_t k = c.labels.count;
    double *confidence = malloc(k * sizeof *confidence);
    uint8_t *right = malloc(k);
    double worst = 0;
    for (int m = 0; m < 3; m++) {
        cascade_calibration fit;
        REQUIRE(cascade_temperature_fit(&c.probs[m], CASCADE_SCORES_PROBS, &c.labels, NULL, 0,
                                        c.name[m], "test", &fit, NULL) == CASCADE_OK);
        own_confidences(&c.probs[m], c.labels.label, 1.0, confidence, right);
        double before = own_ece(confidence, right, k);
        worst = fmax(worst, fabs(cascade_ece(confidence, right, k) - before));
        own_confidences(&c.probs[m], c.labels.label, fit.temperature, confidence, right);
        double after = own_ece(confidence, right, k);
        printf("%s: ECE %.6f -> %.6f (test: %.6f -> %.6f)\n", c.name[m], fit.ece_before,
               fit.ece_after, before, after);
        worst = fmax(worst, fabs(fit.ece_before - before));
        worst = fmax(worst, fabs(fit.ece_after - after));
        double measured;
        REQUIRE(cascade_calibration_measure(&c.probs[m], CASCADE_SCORES_PROBS, &c.labels, NULL, 0,
                                            fit.temperature, NULL, &measured, NULL) == CASCADE_OK);
        worst = fmax(worst, fabs(measured - after));
        CHECK(fit.ece_after < fit.ece_before);
    }
    printf("largest ECE difference from the direct computation: %.3g\n", worst);
    CHECK(worst < 1e-12);
    free(confidence);
    free(right);
    free_cifar(&c);
}

/* A 2-class float32 probability array in memory. */
static cascade_array probs_array(const float *data, size_t rows, size_t cols)
{
    cascade_array a;
    memset(&a, 0, sizeof a);
    a.dtype = CASCADE_DTYPE_F32;
    a.ndim = 2;
    a.rows = rows;
    a.cols = cols;
    a.data = data;
    return a;
}

TEST_CASE(temperature_should_stop_at_its_limits_without_raising_the_nll)
{
    /* Always right with a margin: NLL falls as T -> 0 until it is 0 in
     * double. Always wrong: T -> inf (uniform), stopped at the upper limit.
     * A zero probability stays finite as a logit. */
    float sure[8] = {0.9f, 0.1f, 0.8f, 0.2f, 0.0f, 1.0f, 0.3f, 0.7f};
    int32_t right[4] = {0, 0, 1, 1}, wrong[4] = {1, 1, 0, 0};
    cascade_array a = probs_array(sure, 4, 2);
    cascade_labels labels = {.count = 4, .label = right, .max_label = 1};
    cascade_calibration fit;
    REQUIRE(cascade_temperature_fit(&a, CASCADE_SCORES_PROBS, &labels, NULL, 0, "sure", "test",
                                    &fit, NULL) == CASCADE_OK);
    printf("always right: T = %g (limit %d), NLL %g -> %g in %u passes\n", fit.temperature,
           fit.at_limit, fit.nll_before, fit.nll_after, fit.passes);
    CHECK(fit.temperature < 0.05);
    CHECK(fit.nll_after <= fit.nll_before && fit.nll_after < 1e-12);
    labels.label = wrong;
    REQUIRE(cascade_temperature_fit(&a, CASCADE_SCORES_PROBS, &labels, NULL, 0, "wrong", "test",
                                    &fit, NULL) == CASCADE_OK);
    printf("always wrong: T = %g (limit %d), NLL %g -> %g in %u passes\n", fit.temperature,
           fit.at_limit, fit.nll_before, fit.nll_after, fit.passes);
    CHECK(fit.at_limit && fit.temperature > 0.5 * CASCADE_TEMPERATURE_MAX);
    CHECK(fit.nll_after <= fit.nll_before && isfinite(fit.nll_before));
    CHECK_NEAR(fit.nll_after, log(2.0), 1e-2);
}

TEST_CASE(a_calibrated_dataset_should_hold_the_fit_and_rescaled_confidences_on_cifar10)
{
    cifar c;
    load_cifar(&c);
    char path[1024];
    snprintf(path, sizeof path, "%s/cifar10/manifest.json", shared_data_dir());
    cascade_dataset_options options = {.require_labels = 1,
                                       .calibrate = CASCADE_CALIBRATE_TEMPERATURE,
                                       .metric = CASCADE_METRIC_MAX_SOFTMAX};
    cascade_dataset *d = NULL;
    REQUIRE(cascade_dataset_load(path, &options, &d, NULL) == CASCADE_OK);
    CHECK(d->calibrated);
    double *confidence = malloc(c.labels.count * sizeof *confidence);
    uint8_t *correct = malloc(c.labels.count);
    double worst = 0;
    for (int m = 0; m < 3; m++) {
        const cascade_model *model = &d->models[cascade_dataset_find(d, c.name[m])];
        REQUIRE(model->calibration.fitted);
        own_confidences(&c.probs[m], c.labels.label, model->calibration.temperature, confidence,
                        correct);
        for (size_t i = 0; i < c.labels.count; i++) {
            worst = fmax(worst, fabs(confidence[i] - model->records.confidence[i]));
            CHECK(correct[i] == model->records.correct[i]);
        }
    }
    printf("calibrated confidences: largest difference from the test's %.3g\n", worst);
    CHECK(worst < 1e-12);
    free(confidence);
    free(correct);
    cascade_dataset_free(d);
    free_cifar(&c);
}

/* Loads MANIFEST with OPTIONS, expecting STATUS; returns the message. */
static const char *load_message(const char *manifest, const cascade_dataset_options *options,
                                cascade_status status)
{
    static char message[2200];
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    CHECK_EQ_INT(cascade_dataset_load(manifest, options, &d, &error), status);
    CHECK(d == NULL);
    cascade_error_format(&error, message, sizeof message);
    return message;
}

TEST_CASE(a_dataset_should_use_given_temperatures_without_labels_and_refuse_bad_ones)
{
    const char *manifest = tiny_dataset(0);
    /* a's logits (2, 0) at T = 2 and b's (0, 1) at T = 0.5: max softmax
     * 1 / (1 + e^-1) and 1 / (1 + e^-2); b's margin 2 / (1 + e^-2) - 1. */
    const char *names[] = {"b", "a"};
    const double given[] = {0.5, 2.0};
    cascade_dataset_options options = {.temperature_count = 2, .temperature_model = names,
                                       .temperature = given};
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_dataset_load(manifest, &options, &d, &error) == CASCADE_OK);
    CHECK(d->calibrated && !d->has_labels);
    const cascade_model *a = &d->models[cascade_dataset_find(d, "a")];
    const cascade_model *b = &d->models[cascade_dataset_find(d, "b")];
    CHECK(a->calibration.fitted && a->calibration.temperature == 2.0);
    CHECK(b->calibration.fitted && b->calibration.temperature == 0.5);
    CHECK_NEAR(a->records.confidence[0], 1.0 / (1.0 + exp(-1.0)), 1e-15);
    CHECK_NEAR(b->records.confidence[0], 1.0 / (1.0 + exp(-2.0)), 1e-15);
    cascade_dataset_free(d);

    options.metric = CASCADE_METRIC_MARGIN;
    REQUIRE(cascade_dataset_load(manifest, &options, &d, &error) == CASCADE_OK);
    b = &d->models[cascade_dataset_find(d, "b")];
    CHECK_NEAR(b->records.confidence[0], 2.0 / (1.0 + exp(-2.0)) - 1.0, 1e-15);
    cascade_dataset_free(d);

    /* Only listed models are scaled. */
    options.temperature_count = 1;
    options.metric = CASCADE_METRIC_MAX_SOFTMAX;
    REQUIRE(cascade_dataset_load(manifest, &options, &d, &error) == CASCADE_OK);
    a = &d->models[cascade_dataset_find(d, "a")];
    CHECK(!a->calibration.fitted);
    CHECK_NEAR(a->records.confidence[0], 1.0 / (1.0 + exp(-2.0)), 1e-15);
    cascade_dataset_free(d);

    options.temperature_count = 2;
    options.calibrate = CASCADE_CALIBRATE_TEMPERATURE;
    CHECK_STR_CONTAINS(load_message(manifest, &options, CASCADE_ERR_ARGUMENT),
                       "temperatures are both given and to be fitted");
    options.calibrate = CASCADE_CALIBRATE_NONE;
    const double zero[] = {0.5, 0.0};
    options.temperature = zero;
    CHECK_STR_CONTAINS(load_message(manifest, &options, CASCADE_ERR_VALUE),
                       "model \"a\": temperature 0 (expected a finite T > 0)");
    const char *unknown[] = {"b", "resnet"};
    options.temperature = given;
    options.temperature_model = unknown;
    CHECK_STR_CONTAINS(load_message(manifest, &options, CASCADE_ERR_NOT_FOUND),
                       "a temperature is given for the model \"resnet\", which is not in the manifest");
    const char *twice[] = {"b", "b"};
    options.temperature_model = twice;
    CHECK_STR_CONTAINS(load_message(manifest, &options, CASCADE_ERR_VALUE),
                       "model \"b\" is given two temperatures, 0.5 and 2");
    tiny_remove();
}

TEST_CASE(a_dataset_fitted_on_given_rows_should_take_its_temperatures_from_them_alone)
{
    /* What `sweep --calibrate temperature --split` does: T from the fit
     * part only, and every sample's confidence at that T. */
    cifar c;
    load_cifar(&c);
    size_t count = c.labels.count / 2;
    size_t *rows = malloc(count * sizeof *rows);
    for (size_t t = 0; t < count; t++)
        rows[t] = 2 * t; /* the even samples */
    char path[1024];
    snprintf(path, sizeof path, "%s/cifar10/manifest.json", shared_data_dir());
    cascade_dataset_options options = {.calibrate = CASCADE_CALIBRATE_TEMPERATURE,
                                       .calibration_rows = rows, .calibration_row_count = count};
    cascade_dataset *d = NULL, *whole = NULL;
    REQUIRE(cascade_dataset_load(path, &options, &d, NULL) == CASCADE_OK);
    cascade_dataset_options every = {.calibrate = CASCADE_CALIBRATE_TEMPERATURE};
    REQUIRE(cascade_dataset_load(path, &every, &whole, NULL) == CASCADE_OK);
    double *confidence = malloc(c.labels.count * sizeof *confidence);
    uint8_t *correct = malloc(c.labels.count);
    for (int m = 0; m < 3; m++) {
        cascade_calibration direct;
        REQUIRE(cascade_temperature_fit(&c.probs[m], CASCADE_SCORES_PROBS, &c.labels, rows,
                                        count, c.name[m], "test", &direct, NULL) == CASCADE_OK);
        double t = d->models[m].calibration.temperature;
        printf("%s: T on the even samples %.6f, on all %.6f\n", c.name[m], t,
               whole->models[m].calibration.temperature);
        CHECK(t == direct.temperature);
        CHECK(t != whole->models[m].calibration.temperature);
        own_confidences(&c.probs[m], c.labels.label, t, confidence, correct);
        double worst = 0;
        for (size_t i = 0; i < c.labels.count; i++)
            worst = fmax(worst, fabs(confidence[i] - d->models[m].records.confidence[i]));
        CHECK(worst < 1e-12);
    }
    /* a row past the labels is refused, naming it */
    rows[0] = c.labels.count;
    cascade_dataset *bad = NULL;
    cascade_error error;
    CHECK(cascade_dataset_load(path, &options, &bad, &error) == CASCADE_ERR_ARGUMENT);
    CHECK(strstr(error.message, "calibration row 10000 is out of range") != NULL);
    free(confidence);
    free(correct);
    free(rows);
    cascade_dataset_free(d);
    cascade_dataset_free(whole);
    free_cifar(&c);
}

RUN_TESTS(CASE(fitted_temperature_should_match_a_brute_force_scan_on_cifar10),
          CASE(a_dataset_fitted_on_given_rows_should_take_its_temperatures_from_them_alone),
          CASE(a_fit_on_a_subset_should_match_a_scan_over_that_subset),
          CASE(ece_should_match_a_direct_computation_by_hand_and_on_cifar10),
          CASE(temperature_should_stop_at_its_limits_without_raising_the_nll),
          CASE(a_calibrated_dataset_should_hold_the_fit_and_rescaled_confidences_on_cifar10),
          CASE(a_dataset_should_use_given_temperatures_without_labels_and_refuse_bad_ones))
