/* Applying a chosen cascade: per-sample decisions and their summary. */
#include "check.h"
#include "tiny_dataset.h"

#include "cascade/apply.h"
#include "cascade/ensemble.h"
#include "cascade/sweep.h"

static cascade_dataset *load(const char *manifest)
{
    cascade_dataset *dataset = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    if (cascade_dataset_load(manifest, NULL, &dataset, &error) != CASCADE_OK) {
        fprintf(stderr, "%s: %s\n", error.file, error.message);
        exit(1);
    }
    return dataset;
}

static cascade_dataset *load_cifar10(void)
{
    char manifest[512];
    snprintf(manifest, sizeof manifest, "%s/cifar10/manifest.json", shared_data_dir());
    return load(manifest);
}

static int same_point(const cascade_point *a, const cascade_point *b)
{
    if (a->stages != b->stages || a->accuracy != b->accuracy || a->cost != b->cost)
        return 0;
    for (unsigned s = 0; s < a->stages; s++)
        if (a->model[s] != b->model[s] || a->answered[s] != b->answered[s] ||
            (s + 1 < a->stages && a->threshold[s] != b->threshold[s]))
            return 0;
    return 1;
}

TEST_CASE(apply_should_reproduce_every_front_row_on_cifar10)
{
    cascade_dataset *dataset = load_cifar10();
    cascade_front front;
    cascade_front_init(&front);
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_sweep(dataset, NULL, &front, NULL, &error) == CASCADE_OK);
    REQUIRE(front.count > 100);
    size_t differ = 0;
    double worst_accuracy = 0.0, worst_cost = 0.0;
    for (size_t i = 0; i < front.count; i++) {
        const cascade_point *p = &front.points[i];
        cascade_point applied;
        REQUIRE(cascade_apply(dataset, p->stages, p->model, p->threshold, NULL, &applied,
                              &error) == CASCADE_OK);
        differ += !same_point(&applied, p);
        worst_accuracy = fmax(worst_accuracy, fabs(applied.accuracy - p->accuracy));
        worst_cost = fmax(worst_cost, fabs(applied.cost - p->cost));
    }
    if (differ)
        fprintf(stderr, "%zu of %zu front points differ (accuracy by up to %.3g, cost by %.3g)\n",
                differ, front.count, worst_accuracy, worst_cost);
    CHECK_EQ_INT(differ, 0);
    cascade_front_free(&front);
    cascade_dataset_free(dataset);
}

TEST_CASE(apply_should_agree_with_evaluate_and_with_its_own_decisions_on_cifar10)
{
    cascade_dataset *dataset = load_cifar10();
    cascade_error error;
    cascade_error_clear(&error);
    size_t checked = 0, differ = 0, inconsistent = 0;
    for (unsigned a = 0; a < dataset->model_count; a++)
        for (unsigned b = 0; b < dataset->model_count; b++) {
            if (a == b)
                continue;
            /* Thresholds on a grid and at exact confidences (where ties exit). */
            const cascade_records *ra = &dataset->models[a].records;
            for (int k = 0; k <= 40; k++) {
                double t = k < 20 ? 0.05 * k + 0.025 : ra->confidence[(size_t)(k - 20) * 499];
                unsigned models[2] = {a, b};
                cascade_point evaluated, applied;
                cascade_decisions d = {0};
                REQUIRE(cascade_evaluate(dataset, 2, models, &t, &evaluated, &error) == CASCADE_OK);
                REQUIRE(cascade_apply(dataset, 2, models, &t, &d, &applied, &error) == CASCADE_OK);
                differ += !same_point(&applied, &evaluated);
                size_t correct = 0, first = 0;
                for (size_t i = 0; i < d.samples; i++) {
                    const cascade_records *r = &dataset->models[models[d.stage[i]]].records;
                    correct += d.correct[i];
                    first += d.stage[i] == 0;
                    inconsistent += d.prediction[i] != r->prediction[i] ||
                                    d.confidence[i] != r->confidence[i] ||
                                    (d.stage[i] == 0) != (ra->confidence[i] >= t);
                }
                inconsistent += (double)correct / (double)d.samples != applied.accuracy ||
                                (double)first / (double)d.samples != applied.answered[0];
                cascade_decisions_free(&d);
                checked++;
            }
        }
    printf("checked %zu chains x thresholds: %zu summaries differ, %zu inconsistent decisions\n",
           checked, differ, inconsistent);
    CHECK_EQ_INT(differ, 0);
    CHECK_EQ_INT(inconsistent, 0);
    cascade_dataset_free(dataset);
}

TEST_CASE(apply_should_make_the_decisions_worked_out_by_hand)
{
    for (int labels = 0; labels <= 1; labels++) {
        cascade_dataset *dataset = load(tiny_dataset(labels));
        CHECK_EQ_INT(dataset->has_labels, labels);
        unsigned models[2] = {0, 1};
        cascade_error error;
        cascade_error_clear(&error);
        /* t = 0.6: samples 0 and 2 exit at a; sample 1 (confidence 0.5) goes to b. */
        double t = 0.6;
        cascade_decisions d = {0};
        cascade_point summary;
        REQUIRE(cascade_apply(dataset, 2, models, &t, &d, &summary, &error) == CASCADE_OK);
        REQUIRE(d.samples == 3);
        CHECK(d.stage[0] == 0 && d.stage[1] == 1 && d.stage[2] == 0);
        CHECK(d.prediction[0] == 0 && d.prediction[1] == 0 && d.prediction[2] == 1);
        CHECK_NEAR(d.confidence[0], 1.0 / (1.0 + exp(-2.0)), 1e-12);
        CHECK_NEAR(d.confidence[1], 1.0 / (1.0 + exp(-1.0)), 1e-12);
        CHECK_NEAR(d.confidence[2], 1.0 / (1.0 + exp(-3.0)), 1e-12);
        CHECK_NEAR(summary.cost, 1.0 + 10.0 / 3.0, 1e-12);
        CHECK_NEAR(summary.answered[0], 2.0 / 3.0, 1e-15);
        CHECK_NEAR(summary.answered[1], 1.0 / 3.0, 1e-15);
        /* Labels are all 0: samples 0 and 1 are right, sample 2 is not. */
        CHECK(labels ? d.correct[0] && d.correct[1] && !d.correct[2]
                     : !d.correct[0] && !d.correct[1] && !d.correct[2]);
        CHECK_NEAR(summary.accuracy, labels ? 2.0 / 3.0 : 0.0, 1e-15);
        cascade_decisions_free(&d);

        /* t = 0.5 equals sample 1's confidence: ties exit, and a's two equal
         * logits give the first class. */
        t = 0.5;
        REQUIRE(cascade_apply(dataset, 2, models, &t, &d, &summary, &error) == CASCADE_OK);
        CHECK(d.stage[0] == 0 && d.stage[1] == 0 && d.stage[2] == 0);
        CHECK(d.prediction[1] == 0);
        CHECK_NEAR(summary.cost, 1.0, 0.0);
        cascade_decisions_free(&d);

        /* Nothing is confident enough: b answers everything. */
        t = 0.99;
        REQUIRE(cascade_apply(dataset, 2, models, &t, &d, &summary, &error) == CASCADE_OK);
        CHECK(d.stage[0] == 1 && d.stage[1] == 1 && d.stage[2] == 1);
        CHECK(d.prediction[0] == 1 && d.prediction[1] == 0 && d.prediction[2] == 1);
        CHECK_NEAR(summary.cost, 11.0, 0.0);
        CHECK_NEAR(summary.answered[1], 1.0, 0.0);
        cascade_decisions_free(&d);
        cascade_dataset_free(dataset);
        tiny_remove();
    }
}

/* One way the sweep can compute confidences. */
typedef struct variant {
    cascade_metric metric;
    int calibrate;
    int ensemble;
    unsigned stages;
} variant;

/* Sweeps CIFAR-10 as VARIANT says, then loads it again the way apply does
 * (the metric, and the fitted temperatures given by model name: no fit, no
 * labels needed) and applies the front rows; returns how many differ. */
static size_t rows_not_reproduced(const variant *v, size_t *rows, unsigned *longest)
{
    char manifest[512];
    snprintf(manifest, sizeof manifest, "%s/cifar10/manifest.json", shared_data_dir());
    cascade_error error;
    cascade_error_clear(&error);
    cascade_dataset_options fit = {.metric = v->metric,
                                   .calibrate = v->calibrate ? CASCADE_CALIBRATE_TEMPERATURE
                                                             : CASCADE_CALIBRATE_NONE};
    cascade_dataset *swept = NULL;
    REQUIRE(cascade_dataset_load(manifest, &fit, &swept, &error) == CASCADE_OK);
    cascade_front front;
    cascade_front_init(&front);
    cascade_sweep_options options = {.max_stages = v->stages};
    REQUIRE((v->ensemble ? cascade_sweep_ensemble(swept, &options, &front, NULL, &error)
                         : cascade_sweep(swept, &options, &front, NULL, &error)) == CASCADE_OK);

    const char *names[3];
    double temperatures[3];
    REQUIRE(swept->model_count == 3);
    for (size_t m = 0; m < 3; m++) {
        names[m] = swept->models[m].name;
        temperatures[m] = swept->models[m].calibration.temperature;
    }
    cascade_dataset_options given = {.metric = v->metric,
                                     .temperature_count = v->calibrate ? 3 : 0,
                                     .temperature_model = names,
                                     .temperature = temperatures};
    cascade_dataset *applied_to = NULL;
    REQUIRE(cascade_dataset_load(manifest, &given, &applied_to, &error) == CASCADE_OK);
    CHECK_EQ_INT(applied_to->calibrated, v->calibrate);
    size_t differ = 0;
    *longest = 0;
    double worst_accuracy = 0.0, worst_cost = 0.0;
    /* An ensembled apply maps and averages the chain's scores again for
     * each row: check every 25th row, and every 25th of the longest rows,
     * rather than all four thousand. */
    size_t stride = v->ensemble ? 25 : 1, checked = 0, longest_seen = 0;
    for (size_t i = 0; i < front.count; i++) {
        const cascade_point *p = &front.points[i];
        int longest_row = p->stages == v->stages;
        size_t nth_longest = longest_row ? longest_seen++ : 1;
        if (i % stride != 0 && nth_longest % stride != 0)
            continue;
        checked++;
        cascade_point applied;
        REQUIRE((v->ensemble ? cascade_apply_ensemble : cascade_apply)(
                    applied_to, p->stages, p->model, p->threshold, NULL, &applied,
                    &error) == CASCADE_OK);
        differ += !same_point(&applied, p);
        worst_accuracy = fmax(worst_accuracy, fabs(applied.accuracy - p->accuracy));
        worst_cost = fmax(worst_cost, fabs(applied.cost - p->cost));
        if (p->stages > *longest)
            *longest = p->stages;
    }
    printf("%s%s%s, up to %u stages: %zu of %zu front rows applied, %zu differ (accuracy "
           "by up to %.3g, cost by %.3g)\n", cascade_metric_name(v->metric),
           v->calibrate ? "+temperature" : "", v->ensemble ? "+ensemble" : "", v->stages,
           checked, front.count, differ, worst_accuracy, worst_cost);
    *rows = checked;
    cascade_front_free(&front);
    cascade_dataset_free(applied_to);
    cascade_dataset_free(swept);
    return differ;
}

TEST_CASE(apply_should_reproduce_every_front_row_of_every_metric_calibration_and_ensemble_on_cifar10)
{
    static const variant variants[] = {
        {CASCADE_METRIC_MARGIN, 0, 0, 2},      {CASCADE_METRIC_ENTROPY, 0, 0, 2},
        {CASCADE_METRIC_MAX_SOFTMAX, 1, 0, 2}, {CASCADE_METRIC_MAX_SOFTMAX, 0, 1, 2},
        {CASCADE_METRIC_MARGIN, 1, 1, 2},      {CASCADE_METRIC_ENTROPY, 1, 0, 3},
        {CASCADE_METRIC_MARGIN, 0, 1, 3},      {CASCADE_METRIC_ENTROPY, 1, 1, 3}};
    for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
        size_t rows = 0;
        unsigned longest = 0;
        CHECK_EQ_INT(rows_not_reproduced(&variants[k], &rows, &longest), 0);
        CHECK(rows > 10);
        CHECK_EQ_INT(longest, variants[k].stages);
    }
}

RUN_TESTS(CASE(apply_should_reproduce_every_front_row_on_cifar10),
          CASE(apply_should_reproduce_every_front_row_of_every_metric_calibration_and_ensemble_on_cifar10),
          CASE(apply_should_agree_with_evaluate_and_with_its_own_decisions_on_cifar10),
          CASE(apply_should_make_the_decisions_worked_out_by_hand))
