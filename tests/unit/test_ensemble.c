/* Ensembled cascades against the test's own evaluation: mean probabilities,
 * argmax, and the threshold rule, sample by sample. */
#include "check.h"
#include "test_data.h"

#include "cascade/array.h"
#include "cascade/ensemble.h"
#include "cascade/front.h"
#include "cascade/metrics.h"
#include "cascade/output.h"
#include "cascade/sweep.h"

/* ---- the test's own ensemble ---- */

/* Per model: probabilities p / sum p in float, as a stage contributes them. */
typedef struct own_model {
    float *q;           /* [samples][classes] */
    double cost;
} own_model;

typedef struct own_set {
    size_t samples, classes, models;
    own_model *model;
    int32_t *label;
} own_set;

static own_set own_load(const cascade_dataset *d)
{
    own_set s = {d->samples, d->classes, d->model_count, NULL, NULL};
    s.model = calloc(d->model_count, sizeof *s.model);
    s.label = malloc(d->samples * sizeof *s.label);
    cascade_array labels;
    REQUIRE(cascade_array_load(d->manifest->labels_path, &labels, NULL) == CASCADE_OK);
    for (size_t i = 0; i < d->samples; i++)
        s.label[i] = (int32_t)cascade_array_get(&labels, i, 0);
    cascade_array_free(&labels);
    for (size_t m = 0; m < d->model_count; m++) {
        cascade_array p;
        REQUIRE(cascade_array_load(d->manifest->models[m].path, &p, NULL) == CASCADE_OK);
        REQUIRE(d->manifest->models[m].kind == CASCADE_SCORES_PROBS);
        s.model[m].q = malloc(d->samples * d->classes * sizeof(float));
        s.model[m].cost = d->models[m].cost;
        for (size_t i = 0; i < d->samples; i++) {
            double sum = 0;
            for (size_t j = 0; j < d->classes; j++)
                sum += cascade_array_get(&p, i, j);
            for (size_t j = 0; j < d->classes; j++)
                s.model[m].q[i * d->classes + j] = (float)(cascade_array_get(&p, i, j) / sum);
        }
        cascade_array_free(&p);
    }
    return s;
}

static void own_free(own_set *s)
{
    for (size_t m = 0; m < s->models; m++)
        free(s->model[m].q);
    free(s->model);
    free(s->label);
}

/* Stage STAGE (0-based) of CHAIN on sample I: the float sum of the stages'
 * probabilities, its argmax, and max / sum (the max softmax of the mean). */
static void own_stage(const own_set *s, const unsigned *chain, unsigned stage, size_t i,
                      int *prediction, double *confidence)
{
    float sum[64] = {0};
    REQUIRE(s->classes <= 64);
    for (size_t j = 0; j < s->classes; j++) {
        sum[j] = s->model[chain[0]].q[i * s->classes + j];
        for (unsigned t = 1; t <= stage; t++)
            sum[j] = sum[j] + s->model[chain[t]].q[i * s->classes + j];
    }
    size_t top = 0;
    double total = 0;
    for (size_t j = 0; j < s->classes; j++) {
        total += sum[j];
        if (sum[j] > sum[top])
            top = j;
    }
    *prediction = (int)top;
    *confidence = sum[top] / total;
}

/* One chain's stages for every sample, computed once and then re-used for
 * every threshold. */
typedef struct own_chain {
    unsigned stages, model[3];
    double *confidence;  /* [stages][samples] */
    uint8_t *correct;    /* [stages][samples] */
} own_chain;

static own_chain own_chain_make(const own_set *s, unsigned stages, const unsigned *chain)
{
    own_chain c = {stages, {0}, NULL, NULL};
    REQUIRE(stages <= 3);
    memcpy(c.model, chain, stages * sizeof *chain);
    c.confidence = malloc(stages * s->samples * sizeof *c.confidence);
    c.correct = malloc(stages * s->samples);
    for (unsigned st = 0; st < stages; st++)
        for (size_t i = 0; i < s->samples; i++) {
            int prediction;
            own_stage(s, chain, st, i, &prediction, &c.confidence[st * s->samples + i]);
            c.correct[st * s->samples + i] = prediction == s->label[i];
        }
    return c;
}

static void own_chain_free(own_chain *c)
{
    free(c->confidence);
    free(c->correct);
}

static void own_evaluate(const own_set *s, const own_chain *c, const double *thresholds,
                         double *accuracy, double *cost)
{
    size_t correct = 0;
    double spent = 0;
    for (size_t i = 0; i < s->samples; i++)
        for (unsigned st = 0; st < c->stages; st++) {
            spent += s->model[c->model[st]].cost;
            if (st + 1 == c->stages || c->confidence[st * s->samples + i] >= thresholds[st]) {
                correct += c->correct[st * s->samples + i];
                break;
            }
        }
    *accuracy = (double)correct / (double)s->samples;
    *cost = spent / (double)s->samples;
}

/* Every front point re-evaluates; no pair at any threshold beats the front. */
static void check_front(const cascade_dataset *d, const own_set *own, const cascade_front *front)
{
    own_chain chains[16];
    size_t n_chains = 0;
    size_t mismatches = 0, three_stage = 0;
    double worst_cost = 0;
    for (size_t f = 0; f < front->count; f++) {
        const cascade_point *p = &front->points[f];
        own_chain *c = NULL;
        for (size_t k = 0; k < n_chains && !c; k++)
            if (chains[k].stages == p->stages &&
                memcmp(chains[k].model, p->model, p->stages * sizeof *p->model) == 0)
                c = &chains[k];
        if (!c) {
            REQUIRE(n_chains < 16);
            chains[n_chains] = own_chain_make(own, p->stages, p->model);
            c = &chains[n_chains++];
        }
        double accuracy, cost;
        own_evaluate(own, c, p->threshold, &accuracy, &cost);
        mismatches += accuracy != p->accuracy;
        worst_cost = fmax(worst_cost, fabs(cost - p->cost));
        three_stage += p->stages == 3;
    }
    for (size_t k = 0; k < n_chains; k++)
        own_chain_free(&chains[k]);
    size_t beaten = 0, tried = 0;
    for (unsigned a = 0; a < d->model_count; a++)
        for (unsigned b = 0; b < d->model_count; b++) {
            if (!(d->models[a].cost < d->models[b].cost))
                continue;
            unsigned chain[2] = {a, b};
            own_chain c = own_chain_make(own, 2, chain);
            /* stage 1 is model a alone: each of its confidences as threshold */
            for (size_t i = 0; i < d->samples; i++) {
                double accuracy, cost;
                own_evaluate(own, &c, &c.confidence[i], &accuracy, &cost);
                tried++;
                beaten += accuracy > cascade_front_best_accuracy(front, cost * (1 + 1e-12));
            }
            own_chain_free(&c);
        }
    printf("%zu front points (%zu of 3 stages) re-evaluated: %zu accuracy mismatches, "
           "largest cost difference %.3g; %zu of %zu pair thresholds beat the front\n",
           front->count, three_stage, mismatches, worst_cost, beaten, tried);
    CHECK_EQ_INT(mismatches, 0);
    CHECK(worst_cost < 1e-12);
    CHECK_EQ_INT(beaten, 0);
}

/* ---- a hand-made case ---- */

/* Models a (cost 1) and b (cost 10) over 4 samples of 3 classes. On sample
 * 0 both are wrong (a says 1, b says 2) but their mean (0.425, 0.25, 0.325)
 * says 0, the label; on sample 3 b says 0 but the mean (0.3, 0.1, 0.6) says
 * 2, the label. So only the ensemble can be right on every sample. */
static char *write_hand_case(char *manifest, size_t size)
{
    float a[4][3] = {{0.4f, 0.45f, 0.15f}, {0.2f, 0.5f, 0.3f}, {0.6f, 0.3f, 0.1f}, {0.1f, 0.1f, 0.8f}};
    float b[4][3] = {{0.45f, 0.05f, 0.5f}, {0.1f, 0.8f, 0.1f}, {0.1f, 0.2f, 0.7f}, {0.5f, 0.1f, 0.4f}};
    int64_t labels[4] = {0, 1, 2, 2};
    char *dir = test_temp_dir();
    char path[512];
    snprintf(path, sizeof path, "%s/a.npy", dir);
    test_write_npy(path, "<f4", 4, 3, a, sizeof(float));
    snprintf(path, sizeof path, "%s/b.npy", dir);
    test_write_npy(path, "<f4", 4, 3, b, sizeof(float));
    snprintf(path, sizeof path, "%s/labels.npy", dir);
    test_write_npy(path, "<i8", 4, 0, labels, sizeof(int64_t));
    snprintf(manifest, size, "%s/manifest.json", dir);
    FILE *f = fopen(manifest, "w");
    fputs("{\"labels\": \"labels.npy\", \"models\": ["
          "{\"name\": \"a\", \"probs\": \"a.npy\", \"gmacs\": 1},"
          "{\"name\": \"b\", \"probs\": \"b.npy\", \"gmacs\": 10}]}", f);
    fclose(f);
    return dir;
}

TEST_CASE(ensembled_stage_two_should_differ_from_stage_two_alone_on_a_hand_made_case)
{
    char manifest[600];
    char *dir = write_hand_case(manifest, sizeof manifest);
    cascade_dataset *d = NULL;
    cascade_dataset_options options = {.require_labels = 1};
    REQUIRE(cascade_dataset_load(manifest, &options, &d, NULL) == CASCADE_OK);
    unsigned chain[2] = {0, 1};
    cascade_records r[2];
    REQUIRE(cascade_ensemble_records(d, chain, 2, r, NULL) == CASCADE_OK);
    const cascade_records *b = &d->models[1].records;
    CHECK_EQ_INT(b->prediction[0], 2);
    CHECK_EQ_INT(r[1].prediction[0], 0);
    CHECK_EQ_INT(b->prediction[3], 0);
    CHECK_EQ_INT(r[1].prediction[3], 2);
    CHECK_EQ_INT(b->correct_count, 2);
    CHECK_EQ_INT(r[1].correct_count, 4);
    /* max softmax of the mean (0.4, 0.3, 0.3), up to float rounding */
    CHECK_NEAR(r[1].confidence[0], 0.425, 1e-7);
    CHECK_NEAR(r[1].confidence[1], 0.65, 1e-7);
    /* stage 1 is a alone */
    for (size_t i = 0; i < 4; i++) {
        CHECK(r[0].confidence[i] == d->models[0].records.confidence[i]);
        CHECK(r[0].prediction[i] == d->models[0].records.prediction[i]);
    }
    cascade_records_free(&r[0]);
    cascade_records_free(&r[1]);
    /* The sweep: a and b are right on 2 of 4 each, a > b plain on at most
     * 3; ensembled, a > b is right everywhere (a's sure sample 3 may exit). */
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep_ensemble(d, NULL, &front, NULL, NULL) == CASCADE_OK);
    own_set own = own_load(d);
    check_front(d, &own, &front);
    CHECK_NEAR(front.points[front.count - 1].accuracy, 1.0, 0);
    CHECK_EQ_INT(front.points[front.count - 1].stages, 2);
    cascade_front plain;
    cascade_front_init(&plain);
    REQUIRE(cascade_sweep(d, NULL, &plain, NULL, NULL) == CASCADE_OK);
    printf("best accuracy: %.2f ensembled, %.2f plain\n", front.points[front.count - 1].accuracy,
           plain.points[plain.count - 1].accuracy);
    CHECK(plain.points[plain.count - 1].accuracy < 1.0);
    FILE *csv = tmpfile();
    REQUIRE(cascade_write_ensemble_front_csv(csv, d, &front) == CASCADE_OK);
    rewind(csv);
    char line[512];
    REQUIRE(fgets(line, sizeof line, csv) && fgets(line, sizeof line, csv));
    CHECK_STR_CONTAINS(line, ",max_softmax+ensemble\n");
    fclose(csv);
    own_free(&own);
    cascade_front_free(&plain);
    cascade_front_free(&front);
    cascade_dataset_free(d);
    test_remove_dir(dir);
    free(dir);
}

static cascade_dataset *load_cifar10(const cascade_dataset_options *options)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/cifar10/manifest.json", shared_data_dir());
    cascade_dataset *d = NULL;
    REQUIRE(cascade_dataset_load(path, options, &d, NULL) == CASCADE_OK);
    return d;
}

TEST_CASE(ensembled_sweep_should_match_a_direct_evaluation_on_cifar10)
{
    cascade_dataset_options options = {.require_labels = 1};
    cascade_dataset *d = load_cifar10(&options);
    own_set own = own_load(d);
    /* The records first: every stage of the three-model chain. */
    unsigned chain[3] = {0, 1, 2};
    cascade_records r[3];
    REQUIRE(cascade_ensemble_records(d, chain, 3, r, NULL) == CASCADE_OK);
    double worst = 0;
    size_t wrong_predictions = 0, changed = 0;
    for (unsigned st = 1; st < 3; st++)
        for (size_t i = 0; i < d->samples; i++) {
            int prediction;
            double confidence;
            own_stage(&own, chain, st, i, &prediction, &confidence);
            worst = fmax(worst, fabs(confidence - r[st].confidence[i]));
            wrong_predictions += prediction != r[st].prediction[i];
            changed += r[st].prediction[i] != d->models[chain[st]].records.prediction[i];
        }
    printf("ensemble records: largest confidence difference %.3g, %zu predictions differ from "
           "the test's, %zu from the stage model alone\n", worst, wrong_predictions, changed);
    CHECK(worst == 0);
    CHECK_EQ_INT(wrong_predictions, 0);
    CHECK(changed > 0);
    for (unsigned st = 0; st < 3; st++)
        cascade_records_free(&r[st]);
    cascade_sweep_options sweep = {.max_stages = 3, .grid = 30};
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep_ensemble(d, &sweep, &front, NULL, NULL) == CASCADE_OK);
    check_front(d, &own, &front);
    own_free(&own);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

TEST_CASE(thread_count_should_not_change_the_ensembled_front_on_cifar10)
{
    cascade_dataset_options options = {.require_labels = 1, .metric = CASCADE_METRIC_ENTROPY};
    cascade_dataset *d = load_cifar10(&options);
    cascade_front one, three;
    cascade_front_init(&one);
    cascade_front_init(&three);
    cascade_sweep_options a = {.max_stages = 3, .grid = 20, .threads = 1};
    cascade_sweep_options b = {.max_stages = 3, .grid = 20, .threads = 3};
    cascade_sweep_stats stats;
    REQUIRE(cascade_sweep_ensemble(d, &a, &one, &stats, NULL) == CASCADE_OK);
    REQUIRE(cascade_sweep_ensemble(d, &b, &three, NULL, NULL) == CASCADE_OK);
    CHECK_EQ_INT(stats.chains_swept, 4); /* 3 pairs and 1 triple */
    CHECK_EQ_INT(one.count, three.count);
    size_t differ = 0;
    for (size_t i = 0; i < one.count && i < three.count; i++)
        differ += cascade_point_compare(&one.points[i], &three.points[i]) != 0;
    CHECK_EQ_INT(differ, 0);
    cascade_front_free(&one);
    cascade_front_free(&three);
    cascade_dataset_free(d);
}

TEST_CASE(a_calibrated_ensemble_should_average_the_temperature_scaled_probabilities)
{
    cascade_dataset_options options = {.require_labels = 1,
                                       .calibrate = CASCADE_CALIBRATE_TEMPERATURE};
    cascade_dataset *d = load_cifar10(&options);
    unsigned chain[2] = {1, 2};
    cascade_records r[2];
    REQUIRE(cascade_ensemble_records(d, chain, 2, r, NULL) == CASCADE_OK);
    cascade_array p[2];
    for (int s = 0; s < 2; s++)
        REQUIRE(cascade_array_load(d->manifest->models[chain[s]].path, &p[s], NULL) == CASCADE_OK);
    /* In double here: softmax(log p / T) of each model, mean, max. The
     * library sums in float, so confidences agree to float precision and
     * predictions everywhere but at near-ties. */
    double worst = 0;
    size_t differ = 0, near_ties = 0;
    for (size_t i = 0; i < d->samples; i++) {
        double mean[10] = {0};
        for (int s = 0; s < 2; s++) {
            double t = d->models[chain[s]].calibration.temperature, total = 0, q[10];
            for (size_t j = 0; j < 10; j++)
                total += q[j] = pow(cascade_array_get(&p[s], i, j), 1 / t);
            for (size_t j = 0; j < 10; j++)
                mean[j] += q[j] / total / 2;
        }
        size_t top = 0;
        for (size_t j = 1; j < 10; j++)
            if (mean[j] > mean[top])
                top = j;
        double second = 0;
        for (size_t j = 0; j < 10; j++)
            if (j != top)
                second = fmax(second, mean[j]);
        worst = fmax(worst, fabs(mean[top] - r[1].confidence[i]));
        if (mean[top] - second < 1e-6)
            near_ties++;
        else
            differ += (int32_t)top != r[1].prediction[i];
    }
    printf("calibrated ensemble vgg16>wrn16_4: largest confidence difference %.3g, "
           "%zu predictions differ away from %zu near-ties\n", worst, differ, near_ties);
    CHECK(worst < 1e-6);
    CHECK_EQ_INT(differ, 0);
    for (int s = 0; s < 2; s++) {
        cascade_array_free(&p[s]);
        cascade_records_free(&r[s]);
    }
    cascade_dataset_free(d);
}

TEST_CASE(ensembling_should_refuse_every_point_output)
{
    cascade_dataset *d = test_dataset_random(2, 10, 1);
    cascade_front front, all;
    cascade_front_init(&front);
    cascade_front_init(&all);
    cascade_sweep_options options = {.all_points = &all};
    cascade_error error;
    CHECK(cascade_sweep_ensemble(d, &options, &front, NULL, &error) == CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(error.message, "front only");
    cascade_dataset_free(d);
}

RUN_TESTS(CASE(ensembled_stage_two_should_differ_from_stage_two_alone_on_a_hand_made_case),
          CASE(ensembled_sweep_should_match_a_direct_evaluation_on_cifar10),
          CASE(thread_count_should_not_change_the_ensembled_front_on_cifar10),
          CASE(a_calibrated_ensemble_should_average_the_temperature_scaled_probabilities),
          CASE(ensembling_should_refuse_every_point_output))
