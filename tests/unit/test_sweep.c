/* The sweep against hand computations and against brute force written here,
 * independently of the library's sweep. */
#include "check.h"
#include "test_data.h"

#include "cascade/array.h"
#include "cascade/front.h"
#include "cascade/output.h"
#include "cascade/sweep.h"
#include "points/sweep_internal.h"

/* ---- an independent reference: evaluate a chain sample by sample ---- */

typedef struct ref_point {
    double accuracy, cost;
    unsigned stages, model[3];
    double threshold[2];
} ref_point;

static ref_point ref_evaluate(const cascade_dataset *d, unsigned stages,
                              const unsigned *models, const double *thresholds)
{
    ref_point p = {0};
    p.stages = stages;
    size_t correct = 0;
    double cost_sum = 0;
    for (size_t i = 0; i < d->samples; i++) {
        for (unsigned s = 0; s < stages; s++) {
            cost_sum += d->models[models[s]].cost;
            if (s + 1 == stages || d->models[models[s]].records.confidence[i] >= thresholds[s]) {
                correct += d->models[models[s]].records.correct[i];
                break;
            }
        }
    }
    for (unsigned s = 0; s < stages; s++) {
        p.model[s] = models[s];
        if (s + 1 < stages)
            p.threshold[s] = thresholds[s];
    }
    p.accuracy = (double)correct / (double)d->samples;
    p.cost = cost_sum / (double)d->samples;
    return p;
}

typedef struct ref_list {
    ref_point *p;
    size_t n, cap;
} ref_list;

static void ref_push(ref_list *l, ref_point p)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->p = realloc(l->p, l->cap * sizeof *l->p);
    }
    l->p[l->n++] = p;
}

static int by_accuracy_then_cost(const void *pa, const void *pb)
{
    const ref_point *a = pa, *b = pb;
    if (a->accuracy != b->accuracy)
        return a->accuracy > b->accuracy ? -1 : 1;
    if (fabs(a->cost - b->cost) > 1e-12 * fabs(a->cost))
        return a->cost < b->cost ? -1 : 1;
    return (int)a->stages - (int)b->stages;
}

/* The front by another route than the library's: most accurate first, keep
 * a point when it is strictly cheaper than every more accurate one. Costs
 * that differ only by rounding count as equal. */
static void ref_front(ref_list *l)
{
    qsort(l->p, l->n, sizeof *l->p, by_accuracy_then_cost);
    size_t kept = 0;
    double cheapest = INFINITY;
    for (size_t i = 0; i < l->n; i++)
        if (i == 0 || l->p[i].cost < cheapest - 1e-12 * fabs(cheapest)) {
            cheapest = l->p[i].cost;
            l->p[kept++] = l->p[i];
        }
    l->n = kept;
    /* cost ascending, like the library's front */
    for (size_t i = 0; i < kept / 2; i++) {
        ref_point t = l->p[i];
        l->p[i] = l->p[kept - 1 - i];
        l->p[kept - 1 - i] = t;
    }
}

static int by_double_descending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x > y ? -1 : x < y;
}

/* Singles and every pair at every distinct confidence, evaluated directly. */
static void ref_singles_and_pairs(const cascade_dataset *d, ref_list *out)
{
    for (unsigned m = 0; m < d->model_count; m++)
        ref_push(out, ref_evaluate(d, 1, &m, NULL));
    double *values = malloc(d->samples * sizeof *values);
    for (unsigned a = 0; a < d->model_count; a++) {
        memcpy(values, d->models[a].records.confidence, d->samples * sizeof *values);
        qsort(values, d->samples, sizeof *values, by_double_descending);
        for (unsigned b = 0; b < d->model_count; b++) {
            if (!(d->models[a].cost < d->models[b].cost))
                continue;
            unsigned models[2] = {a, b};
            for (size_t i = 0; i < d->samples; i++) {
                if (i > 0 && values[i] == values[i - 1])
                    continue;
                ref_push(out, ref_evaluate(d, 2, models, &values[i]));
            }
        }
    }
    free(values);
}

static void compare_fronts(const cascade_dataset *d, const cascade_front *front,
                           const ref_list *ref)
{
    CHECK_EQ_INT(front->count, ref->n);
    double worst_accuracy = 0, worst_cost = 0;
    size_t model_mismatches = 0;
    for (size_t i = 0; i < front->count && i < ref->n; i++) {
        const cascade_point *p = &front->points[i];
        worst_accuracy = fmax(worst_accuracy, fabs(p->accuracy - ref->p[i].accuracy));
        worst_cost = fmax(worst_cost, fabs(p->cost - ref->p[i].cost));
        if (p->stages != ref->p[i].stages ||
            memcmp(p->model, ref->p[i].model, p->stages * sizeof *p->model) != 0)
            model_mismatches++;
        /* The library's threshold must select the same samples. */
        ref_point again = ref_evaluate(d, p->stages, p->model, p->threshold);
        worst_accuracy = fmax(worst_accuracy, fabs(again.accuracy - p->accuracy));
    }
    printf("front of %zu points: largest accuracy difference %.3g, cost difference %.3g, "
           "%zu chains differ\n", front->count, worst_accuracy, worst_cost, model_mismatches);
    CHECK(worst_accuracy == 0);
    CHECK(worst_cost < 1e-12);
    CHECK_EQ_INT(model_mismatches, 0);
}

static cascade_dataset *load_cifar10(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/cifar10/manifest.json", shared_data_dir());
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_dataset_options options = {.require_labels = 1};
    REQUIRE(cascade_dataset_load(path, &options, &d, &error) == CASCADE_OK);
    return d;
}

/* The test's own confidences and correctness from the raw probabilities. */
static void recompute_records_independently(cascade_dataset *d)
{
    char path[1024];
    cascade_array labels;
    snprintf(path, sizeof path, "%s/cifar10/labels.npy", shared_data_dir());
    REQUIRE(cascade_array_load(path, &labels, NULL) == CASCADE_OK);
    double worst = 0;
    for (size_t m = 0; m < d->model_count; m++) {
        cascade_array probs;
        REQUIRE(cascade_array_load(d->manifest->models[m].path, &probs, NULL) == CASCADE_OK);
        cascade_records *r = &d->models[m].records;
        r->correct_count = 0;
        for (size_t i = 0; i < probs.rows; i++) {
            const float *p = (const float *)probs.data + i * probs.cols;
            size_t best = 0;
            double sum = 0;
            for (size_t j = 0; j < probs.cols; j++) {
                sum += p[j];
                if (p[j] > p[best])
                    best = j;
            }
            double confidence = p[best] / sum;
            worst = fmax(worst, fabs(confidence - r->confidence[i]));
            r->confidence[i] = confidence;
            r->correct[i] = (long long)best == (long long)cascade_array_get(&labels, i, 0);
            r->correct_count += r->correct[i];
        }
        cascade_array_free(&probs);
    }
    cascade_array_free(&labels);
    printf("library vs test confidences: largest difference %.3g\n", worst);
    CHECK(worst < 1e-12);
}

/* The library's front of D (singles and pairs) against the brute force. */
static void sweep_should_match_brute_force(const cascade_dataset *d)
{
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(d, NULL, &front, NULL, NULL) == CASCADE_OK);
    ref_list ref = {0};
    ref_singles_and_pairs(d, &ref);
    ref_front(&ref);
    compare_fronts(d, &front, &ref);
    free(ref.p);
    cascade_front_free(&front);
}

TEST_CASE(pair_sweep_should_match_a_hand_computed_front)
{
    /* a: conf 0.9 0.8 0.6 0.6, right on samples 0 and 2; b right on all.
     * Exiting the top sample: 4/4 right at 1 + 10 * 3/4 = 8.5; the top two:
     * 3/4 at 1 + 10 * 2/4 = 6; b alone (1.0 at 10) is dominated. */
    cascade_dataset *d = test_dataset_new(2, 4);
    double conf[4] = {0.9, 0.8, 0.6, 0.6};
    uint8_t right_a[4] = {1, 0, 1, 0};
    for (int i = 0; i < 4; i++) {
        d->models[0].records.confidence[i] = conf[i];
        d->models[0].records.correct[i] = right_a[i];
        d->models[1].records.confidence[i] = 0.99;
        d->models[1].records.correct[i] = 1;
    }
    d->models[0].cost = 1;
    d->models[1].cost = 10;
    test_dataset_finish(d);
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(d, NULL, &front, NULL, NULL) == CASCADE_OK);
    REQUIRE(front.count == 3);
    CHECK_EQ_INT(front.points[0].stages, 1);
    CHECK_NEAR(front.points[0].accuracy, 0.5, 0);
    CHECK_NEAR(front.points[0].cost, 1, 0);
    CHECK_EQ_INT(front.points[1].stages, 2);
    CHECK_NEAR(front.points[1].accuracy, 0.75, 0);
    CHECK_NEAR(front.points[1].cost, 6, 1e-15);
    CHECK_NEAR(front.points[1].threshold[0], 0.7, 0);
    CHECK_NEAR(front.points[1].answered[0], 0.5, 0);
    CHECK_NEAR(front.points[2].accuracy, 1.0, 0);
    CHECK_NEAR(front.points[2].cost, 8.5, 1e-15);
    CHECK_NEAR(front.points[2].threshold[0], 0.85, 0);
    CHECK_NEAR(front.points[2].answered[1], 0.75, 0);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

TEST_CASE(pair_sweep_should_match_brute_force_with_tied_zero_and_negative_zero_confidences)
{
    /* Margins and other metrics can be 0, and -0.0 == 0.0: both must fall in
     * one run of equal confidence, or a threshold would split equal values. */
    cascade_dataset *d = test_dataset_random(6, 700, 21);
    for (size_t m = 0; m < d->model_count; m++)
        for (size_t i = 0; i < d->samples; i++) {
            double *c = &d->models[m].records.confidence[i];
            if (i % 7 == 0)
                *c = i % 14 == 0 ? -0.0 : 0.0;
            else if (i % 11 == 0)
                *c = -*c; /* negative scores too */
        }
    sweep_should_match_brute_force(d);
    cascade_dataset_free(d);
}

TEST_CASE(pair_sweep_should_match_brute_force_with_confidences_a_few_ulps_apart)
{
    /* Confidences packed within 1e-14 of 0.3 and of 1 (as a strong model's
     * are): the sort's coarse key cannot tell them apart, so its exact
     * pass orders them. Long runs and short ones, and ties. */
    cascade_dataset *d = test_dataset_random(5, 900, 31);
    for (size_t m = 0; m < d->model_count; m++)
        for (size_t i = 0; i < d->samples; i++) {
            double *c = &d->models[m].records.confidence[i];
            if (m % 2 == 0)
                *c = 0.3 + (double)((i * 7 + m) % 97) * 1e-16;
            else if (i % 3)
                *c = 1.0 - (double)((i * 5 + m) % 89) * 1e-16;
        }
    sweep_should_match_brute_force(d);
    cascade_dataset_free(d);
}

TEST_CASE(pair_sweep_should_match_brute_force_with_scores_above_one_and_gaps_over_every_binade)
{
    /* The sort keys confidences <= 1 by 1 - c, scaled to the span the
     * model's gaps cover; a score above 1 (a logit margin) takes the
     * general key. So: margins up to 40 for one model; for the others,
     * 1 - 2^-e over every binade down to 2^-53 next to many exact 1s and
     * 0s, where the scaling merges near gaps into one key. */
    cascade_dataset *d = test_dataset_random(5, 1200, 41);
    for (size_t m = 0; m < d->model_count; m++)
        for (size_t i = 0; i < d->samples; i++) {
            double *c = &d->models[m].records.confidence[i];
            if (m == 1)
                *c = 40.0 * *c - 15.0;
            else if (m % 2 == 0 && i % 4 == 0)
                *c = 1.0 - ldexp(1.0 + (double)(i % 5) / 8, -(int)(1 + i % 53));
            else if (m % 2 == 0 && i % 4 == 1)
                *c = i % 3 ? 1.0 : 0.0;
        }
    sweep_should_match_brute_force(d);
    cascade_dataset_free(d);
}

/* The prepared order of CONFIDENCE[0..k) against qsort's; the correctness
 * in that order; and a group end exactly where the confidence changes. */
static void prep_should_match_qsort(const double *confidence, size_t k)
{
    cascade_records r = {0};
    r.samples = k;
    r.confidence = (double *)confidence;
    r.correct = malloc(k);
    for (size_t i = 0; i < k; i++)
        r.correct[i] = (uint8_t)(i * 2654435761u >> 7 & 1);
    uint32_t *expected = malloc(k * sizeof *expected);
    test_order_descending(confidence, k, expected);
    model_prep prep = {0};
    REQUIRE(sweep_prepare_model(&r, 0, &prep, NULL) == CASCADE_OK);
    size_t wrong_order = 0, wrong_correct = 0, wrong_ends = 0, groups = 0;
    for (size_t pos = 0; pos < k; pos++) {
        wrong_order += prep.order[pos] != expected[pos];
        wrong_correct += prep.sorted_correct[pos] != r.correct[expected[pos]];
        if (pos + 1 < k && confidence[expected[pos + 1]] != confidence[expected[pos]])
            wrong_ends += groups >= prep.groups || prep.group_end[groups++] != pos + 1;
    }
    CHECK_EQ_INT(wrong_order, 0);
    CHECK_EQ_INT(wrong_correct, 0);
    CHECK_EQ_INT(wrong_ends, 0);
    CHECK_EQ_INT(prep.groups, groups);
    sweep_free_prep(&prep);
    free(expected);
    free(r.correct);
}

TEST_CASE(prepared_order_should_equal_qsort_by_confidence_then_index_for_every_kind_of_score)
{
    enum { K = 6000 };
    double *c = malloc(K * sizeof *c);
    uint64_t state = 5;
    for (int kind = 0; kind < 7; kind++) {
        for (size_t i = 0; i < K; i++) {
            double u = test_uniform(&state);
            switch (kind) {
            case 0: c[i] = u; break;                                  /* a softmax */
            case 1: c[i] = (double)(int)(u * 50) / 50; break;          /* many ties */
            case 2: c[i] = 0.3 + (double)((97 * K + 96 - i * 7) % 97) * 1e-16; break; /* ulps */
            case 3: c[i] = i % 5 ? 1.0 - ldexp(u, -(int)(i % 53)) : 1.0; break; /* 1s */
            case 4: c[i] = 40 * u - 15; break;                         /* above 1 */
            case 5: c[i] = i % 3 ? -u : (i % 2 ? 0.0 : -0.0); break;   /* <= 0 */
            default: c[i] = i % 2 ? 1.0 : 0.5; break;                  /* two values */
            }
        }
        printf("kind %d\n", kind);
        prep_should_match_qsort(c, K);
    }
    free(c);
}

TEST_CASE(pair_sweep_should_match_brute_force_with_costs_a_few_hundredths_of_a_percent_apart)
{
    /* The sweep rules points out by tables of cost buckets 1/4096 of an
     * octave wide (0.017%), which the points found meanwhile raise. Here
     * 24 models of like skill, each right on its own samples, make many
     * pair points, and their costs lie 0.03% apart, not in the order of
     * their skill: pairs' points share and neighbour buckets everywhere,
     * and a bucket off by one shows. */
    enum { MODELS = 24, SAMPLES = 1500 };
    cascade_dataset *d = test_dataset_new(MODELS, SAMPLES);
    uint64_t state = 47;
    for (size_t m = 0; m < MODELS; m++) {
        cascade_records *r = &d->models[m].records;
        d->models[m].cost = 1.0 + 0.0003 * (double)(m * 7 % MODELS);
        for (size_t i = 0; i < SAMPLES; i++) {
            r->correct[i] = test_uniform(&state) < 0.6 + 0.01 * (double)m;
            double u = test_uniform(&state);
            r->confidence[i] = r->correct[i] ? 0.35 + 0.65 * u : 0.7 * u;
        }
    }
    test_dataset_finish(d);
    sweep_should_match_brute_force(d);
    cascade_dataset_free(d);
}

TEST_CASE(thresholds_should_fall_strictly_inside_the_gap_between_confidences)
{
    CHECK_NEAR(cascade_threshold_between(0.6, 0.8), 0.7, 0);
    double upper = 0.75, lower = nextafter(upper, 0);
    CHECK(cascade_threshold_between(lower, upper) == upper);
    double t = cascade_threshold_between(0.1234567891, 0.1234567893);
    CHECK(t > 0.1234567891 && t <= 0.1234567893);
    CHECK(cascade_threshold_between(-INFINITY, 0.5) == 0.5);
}

TEST_CASE(sweep_should_match_brute_force_on_cifar10)
{
    cascade_dataset *d = load_cifar10();
    recompute_records_independently(d);
    sweep_should_match_brute_force(d);
    cascade_dataset_free(d);
}

/* The front of singles, pairs and every triple in increasing cost over
 * the grid of GRID thresholds a stage (at most 64), evaluated directly;
 * returns the fewest thresholds a stage got. */
static unsigned ref_front_over_grid(const cascade_dataset *d, unsigned grid, ref_list *ref)
{
    enum { MAX_GRID = 64 };
    REQUIRE(grid <= MAX_GRID);
    unsigned fewest = grid;
    ref_singles_and_pairs(d, ref);
    for (unsigned a = 0; a < d->model_count; a++)
        for (unsigned b = 0; b < d->model_count; b++)
            for (unsigned c = 0; c < d->model_count; c++) {
                if (!(d->models[a].cost < d->models[b].cost && d->models[b].cost < d->models[c].cost))
                    continue;
                double ta[MAX_GRID], tb[MAX_GRID];
                unsigned na, nb;
                REQUIRE(cascade_grid_thresholds(&d->models[a].records, grid, ta, &na) == CASCADE_OK);
                REQUIRE(cascade_grid_thresholds(&d->models[b].records, grid, tb, &nb) == CASCADE_OK);
                fewest = na < fewest ? na : fewest;
                fewest = nb < fewest ? nb : fewest;
                unsigned models[3] = {a, b, c};
                for (unsigned i = 0; i < na; i++)
                    for (unsigned j = 0; j < nb; j++) {
                        double t[2] = {ta[i], tb[j]};
                        ref_push(ref, ref_evaluate(d, 3, models, t));
                    }
            }
    ref_front(ref);
    size_t three_stage = 0;
    for (size_t i = 0; i < ref->n; i++)
        three_stage += ref->p[i].stages == 3;
    printf("brute force: %zu front points, %zu of them 3-stage\n", ref->n, three_stage);
    CHECK(three_stage > 0);
    return fewest;
}

/* The library's front of chains of up to three stages over GRID against
 * REF (ref_front_over_grid). */
static void three_stage_sweep_should_match(const cascade_dataset *d, unsigned grid,
                                           const ref_list *ref)
{
    /* the grid alone: refinement adds points off it */
    cascade_sweep_options options = {.max_stages = 3, .grid = grid, .no_refine = 1};
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(d, &options, &front, NULL, NULL) == CASCADE_OK);
    compare_fronts(d, &front, ref);
    cascade_front_free(&front);
}

TEST_CASE(three_stage_points_should_equal_brute_force_over_the_same_grid_on_cifar10)
{
    enum { GRID = 40 };
    cascade_dataset *d = load_cifar10();
    ref_list ref = {0};
    CHECK(ref_front_over_grid(d, GRID, &ref) > GRID / 2);
    three_stage_sweep_should_match(d, GRID, &ref);
    free(ref.p);
    cascade_dataset_free(d);
}

TEST_CASE(three_stage_walks_should_equal_brute_force_over_the_same_grid)
{
    /* 21 and 29 thresholds: rows of combinations that are not whole blocks
     * of eight or sixteen; the weakest model is mostly wrong and the others mostly right,
     * so the last stage counts its right answers in some chains and its
     * wrong ones in others. */
    enum { MODELS = 6 };
    cascade_dataset *d = test_dataset_random(MODELS, 3000, 5);
    CHECK(d->models[0].records.correct_count < d->samples / 2);
    CHECK(d->models[MODELS - 1].records.correct_count > d->samples / 2);
    static const char *names[] = {"plain", "AVX2 (or narrower)", "AVX-512 (or narrower)"};
    for (unsigned grid = 21; grid <= 29; grid += 8) { /* 5 and 13 left after 16 */
        ref_list ref = {0};
        ref_front_over_grid(d, grid, &ref);
        for (int widest = SWEEP_WALK_PLAIN; widest <= SWEEP_WALK_AVX512; widest++) {
            printf("grid %u, %s walk: ", grid, names[widest]);
            sweep_grid_widest_walk((sweep_walk)widest);
            three_stage_sweep_should_match(d, grid, &ref);
        }
        sweep_grid_widest_walk(SWEEP_WALK_AVX512);
        free(ref.p);
    }
    cascade_dataset_free(d);
}

/* Reads the CSV back and re-applies every row's thresholds. */
TEST_CASE(every_csv_row_should_reevaluate_to_its_accuracy_and_cost_on_cifar10)
{
    cascade_dataset *d = load_cifar10();
    cascade_sweep_options options = {.max_stages = 3};
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(d, &options, &front, NULL, NULL) == CASCADE_OK);
    FILE *csv = tmpfile();
    REQUIRE(cascade_write_front_csv(csv, d, &front) == CASCADE_OK);
    rewind(csv);
    char line[4096];
    REQUIRE(fgets(line, sizeof line, csv));
    CHECK_STR_CONTAINS(line, "models,thresholds,accuracy,cost");
    size_t rows = 0, accuracy_mismatches = 0;
    double worst_cost = 0;
    while (fgets(line, sizeof line, csv)) {
        char *fields[6] = {0}, *save = NULL;
        char *cursor = line;
        for (int f = 0; f < 6; f++) {
            fields[f] = cursor;
            char *comma = strchr(cursor, ',');
            if (comma) {
                *comma = '\0';
                cursor = comma + 1;
            }
        }
        unsigned models[3], stages = 0;
        for (char *name = strtok_r(fields[0], ">", &save); name; name = strtok_r(NULL, ">", &save))
            models[stages++] = (unsigned)cascade_dataset_find(d, name);
        double thresholds[2] = {0};
        char *t = fields[1];
        for (unsigned s = 0; s + 1 < stages; s++) {
            thresholds[s] = strtod(t, &t);
            if (*t == ';')
                t++;
        }
        ref_point p = ref_evaluate(d, stages, models, thresholds);
        accuracy_mismatches += p.accuracy != strtod(fields[2], NULL);
        worst_cost = fmax(worst_cost, fabs(p.cost - strtod(fields[3], NULL)));
        rows++;
    }
    fclose(csv);
    printf("%zu rows re-evaluated: %zu accuracy mismatches, largest cost difference %.3g\n",
           rows, accuracy_mismatches, worst_cost);
    CHECK_EQ_INT(rows, front.count);
    CHECK(rows > 100);
    CHECK_EQ_INT(accuracy_mismatches, 0);
    CHECK(worst_cost < 1e-12);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

TEST_CASE(a_three_stage_cascade_should_strictly_beat_every_single_model_and_pair)
{
    /* 4 easy samples (m0 right and sure), 3 medium (m1 right and sure),
     * 3 hard (only m2 right). m0>m1>m2 is right on all at 1 + 4 * 0.6 +
     * 10 * 0.3 = 6.4; the best pairs need 7 for that, m2 alone 10. */
    cascade_dataset *d = test_dataset_new(3, 10);
    for (int i = 0; i < 10; i++) {
        int easy = i < 4, medium = i >= 4 && i < 7;
        d->models[0].records.correct[i] = (uint8_t)easy;
        d->models[0].records.confidence[i] = easy ? 0.9 : 0.5;
        d->models[1].records.correct[i] = (uint8_t)(easy || medium);
        d->models[1].records.confidence[i] = easy || medium ? 0.9 : 0.5;
        d->models[2].records.correct[i] = 1;
        d->models[2].records.confidence[i] = 0.9;
    }
    d->models[0].cost = 1;
    d->models[1].cost = 4;
    d->models[2].cost = 10;
    test_dataset_finish(d);
    cascade_front pairs, chains;
    cascade_front_init(&pairs);
    cascade_front_init(&chains);
    cascade_sweep_options two = {.max_stages = 2}, three = {.max_stages = 3};
    REQUIRE(cascade_sweep(d, &two, &pairs, NULL, NULL) == CASCADE_OK);
    REQUIRE(cascade_sweep(d, &three, &chains, NULL, NULL) == CASCADE_OK);
    double best_pair = cascade_front_best_accuracy(&pairs, 6.4 + 1e-9);
    double best_chain = cascade_front_best_accuracy(&chains, 6.4 + 1e-9);
    printf("best accuracy at cost 6.4: %.3f with pairs, %.3f with 3 stages\n", best_pair, best_chain);
    CHECK(best_pair < 1.0);
    CHECK_NEAR(best_chain, 1.0, 0);
    const cascade_point *winner = NULL;
    for (size_t i = 0; i < chains.count; i++)
        if (chains.points[i].accuracy == 1.0)
            winner = &chains.points[i];
    REQUIRE(winner);
    CHECK_EQ_INT(winner->stages, 3);
    CHECK_NEAR(winner->cost, 6.4, 1e-12);
    cascade_front_free(&pairs);
    cascade_front_free(&chains);
    cascade_dataset_free(d);
}

static void sweep_both_ways(cascade_dataset *d, cascade_sweep_options options,
                            size_t *skipped)
{
    cascade_front with_skip, without;
    cascade_front_init(&with_skip);
    cascade_front_init(&without);
    cascade_sweep_stats stats;
    REQUIRE(cascade_sweep(d, &options, &with_skip, &stats, NULL) == CASCADE_OK);
    *skipped = stats.chains_skipped;
    options.no_skip = 1;
    cascade_sweep_stats all;
    REQUIRE(cascade_sweep(d, &options, &without, &all, NULL) == CASCADE_OK);
    printf("%zu chains swept and %zu skipped, against %zu swept without skipping\n",
           stats.chains_swept, stats.chains_skipped, all.chains_swept);
    CHECK_EQ_INT(all.chains_skipped, 0);
    CHECK_EQ_INT(with_skip.count, without.count);
    size_t differ = 0;
    for (size_t i = 0; i < with_skip.count && i < without.count; i++)
        differ += cascade_point_compare(&with_skip.points[i], &without.points[i]) != 0;
    CHECK_EQ_INT(differ, 0);
    cascade_front_free(&with_skip);
    cascade_front_free(&without);
}

TEST_CASE(skipping_should_never_remove_a_point_of_the_front)
{
    cascade_dataset *d = test_dataset_random(12, 3000, 7);
    /* Two costly models that are mostly wrong: chains that start with them
     * cannot beat a cheaper model, and their bound shows it. */
    for (size_t i = 0; i < d->samples; i++) {
        d->models[10].records.correct[i] = i % 10 == 0;
        d->models[11].records.correct[i] = i % 10 == 1;
    }
    test_dataset_finish(d);
    size_t skipped;
    sweep_both_ways(d, (cascade_sweep_options){.max_stages = 3, .grid = 20}, &skipped);
    CHECK(skipped > 0);
    sweep_both_ways(d, (cascade_sweep_options){.max_stages = 2}, &skipped);
    cascade_dataset_free(d);
}

TEST_CASE(thread_count_should_not_change_the_front)
{
    cascade_dataset *d = test_dataset_random(10, 2000, 11);
    cascade_front one, four;
    cascade_front_init(&one);
    cascade_front_init(&four);
    cascade_sweep_options a = {.max_stages = 3, .grid = 15, .threads = 1};
    cascade_sweep_options b = {.max_stages = 3, .grid = 15, .threads = 4};
    REQUIRE(cascade_sweep(d, &a, &one, NULL, NULL) == CASCADE_OK);
    REQUIRE(cascade_sweep(d, &b, &four, NULL, NULL) == CASCADE_OK);
    CHECK_EQ_INT(one.count, four.count);
    size_t differ = 0;
    for (size_t i = 0; i < one.count && i < four.count; i++)
        differ += cascade_point_compare(&one.points[i], &four.points[i]) != 0;
    CHECK_EQ_INT(differ, 0);
    cascade_front_free(&one);
    cascade_front_free(&four);
    cascade_dataset_free(d);
}

TEST_CASE(front_only_should_build_longer_chains_from_single_front_models_only)
{
    cascade_dataset *d = test_dataset_random(8, 1000, 3);
    /* Make m3 useless: costly and always wrong, so it is off the single front. */
    for (size_t i = 0; i < d->samples; i++)
        d->models[3].records.correct[i] = 0;
    test_dataset_finish(d);
    cascade_front all;
    cascade_front_init(&all);
    cascade_sweep_options options = {.max_stages = 3, .grid = 10, .front_only = 1, .no_skip = 1};
    options.all_points = &all;
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(d, &options, &front, NULL, NULL) == CASCADE_OK);
    size_t triples_with_m3 = 0, pairs_with_m3 = 0;
    for (size_t i = 0; i < all.count; i++) {
        const cascade_point *p = &all.points[i];
        for (unsigned s = 0; s < p->stages; s++)
            if (p->model[s] == 3) {
                triples_with_m3 += p->stages == 3;
                pairs_with_m3 += p->stages == 2;
            }
    }
    CHECK_EQ_INT(triples_with_m3, 0);
    CHECK(pairs_with_m3 > 0);
    cascade_front_free(&all);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

TEST_CASE(candidate_models_should_limit_the_sweep)
{
    cascade_dataset *d = test_dataset_random(5, 500, 5);
    unsigned char mask[5] = {1, 0, 1, 0, 0};
    cascade_sweep_options options = {.max_stages = 2, .candidates = mask};
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(d, &options, &front, NULL, NULL) == CASCADE_OK);
    size_t foreign = 0;
    for (size_t i = 0; i < front.count; i++)
        for (unsigned s = 0; s < front.points[i].stages; s++)
            foreign += !mask[front.points[i].model[s]];
    CHECK(front.count >= 1);
    CHECK_EQ_INT(foreign, 0);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

TEST_CASE(sweeping_one_chain_should_give_the_points_of_the_full_sweep)
{
    cascade_dataset *d = test_dataset_random(4, 800, 9);
    cascade_sweep_options options = {.max_stages = 3, .grid = 12, .no_skip = 1};
    cascade_front all, front, chain;
    cascade_front_init(&all);
    cascade_front_init(&front);
    cascade_front_init(&chain);
    options.all_points = &all;
    REQUIRE(cascade_sweep(d, &options, &front, NULL, NULL) == CASCADE_OK);
    unsigned models[3] = {0, 1, 3};
    REQUIRE(cascade_sweep_chain(d, models, 3, 12, &chain, NULL) == CASCADE_OK);
    CHECK(chain.count > 0);
    size_t missing = 0;
    for (size_t i = 0; i < chain.count; i++) {
        int found = 0;
        for (size_t j = 0; j < all.count && !found; j++)
            found = cascade_point_compare(&chain.points[i], &all.points[j]) == 0;
        missing += !found;
    }
    CHECK_EQ_INT(missing, 0);
    cascade_front_free(&all);
    cascade_front_free(&front);
    cascade_front_free(&chain);
    cascade_dataset_free(d);
}

/* MODELS models of SAMPLES samples: a first stage's batch has up to
 * MODELS - 1 second stages, enough for the batched walk to look at only some
 * of them between full looks. Each pair swept on its own
 * (cascade_sweep_chain) is the reference. LEVELS > 0 rounds confidences to
 * that many levels (ties); 0 leaves every sample a group of its own, so
 * that the walk raises its floors and may stop early many times. */
static void check_batched_pairs_equal_pairs_one_by_one(size_t samples, unsigned levels,
                                                       uint64_t seed)
{
    enum { MODELS = 64 };
    cascade_dataset *d = test_dataset_new(MODELS, samples);
    uint64_t state = seed;
    double *difficulty = malloc(samples * sizeof *difficulty);
    REQUIRE(difficulty);
    for (size_t i = 0; i < samples; i++)
        difficulty[i] = test_uniform(&state);
    for (size_t m = 0; m < MODELS; m++) {
        cascade_records *r = &d->models[m].records;
        d->models[m].cost = 1 + 0.37 * (double)m + 0.1 * test_uniform(&state);
        double skill = 0.4 + 0.5 * (double)m / MODELS;
        /* every third model without noise: its confidence orders samples
         * by difficulty, so along a's order a pair's count rises as fast
         * as it can (a wrong, b right on every sample) for long runs */
        double noise = 0.15 * (double)(m % 3);
        for (size_t i = 0; i < samples; i++) {
            double hardness = (1 - noise) * difficulty[i] + noise * test_uniform(&state);
            r->correct[i] = hardness < skill;
            double c = 1 - hardness;
            r->confidence[i] = levels ? (double)(int)(c * levels) / levels : c;
        }
    }
    free(difficulty);
    test_dataset_finish(d);
    cascade_front together, one_by_one;
    cascade_front_init(&together);
    cascade_front_init(&one_by_one);
    REQUIRE(cascade_sweep(d, NULL, &together, NULL, NULL) == CASCADE_OK);
    cascade_sweep_options singles = {.max_stages = 1};
    REQUIRE(cascade_sweep(d, &singles, &one_by_one, NULL, NULL) == CASCADE_OK);
    for (unsigned a = 0; a < MODELS; a++)
        for (unsigned b = a + 1; b < MODELS; b++) {
            unsigned chain[2] = {a, b};
            REQUIRE(cascade_sweep_chain(d, chain, 2, 0, &one_by_one, NULL) == CASCADE_OK);
        }
    cascade_front_reduce(&one_by_one);
    printf("fronts of %zu and %zu points\n", together.count, one_by_one.count);
    CHECK(together.count > 100);
    CHECK_EQ_INT(together.count, one_by_one.count);
    size_t differ = 0;
    for (size_t i = 0; i < together.count && i < one_by_one.count; i++)
        differ += cascade_point_compare(&together.points[i], &one_by_one.points[i]) != 0;
    CHECK_EQ_INT(differ, 0);
    cascade_front_free(&together);
    cascade_front_free(&one_by_one);
    cascade_dataset_free(d);
}

TEST_CASE(pairs_swept_together_should_equal_pairs_swept_one_by_one)
{
    check_batched_pairs_equal_pairs_one_by_one(3000, 500, 77);
}

TEST_CASE(pairs_swept_together_should_equal_pairs_swept_one_by_one_with_every_confidence_distinct)
{
    check_batched_pairs_equal_pairs_one_by_one(20000, 0, 78);
}

typedef struct estimates {
    unsigned lengths[CASCADE_MAX_STAGES];
    size_t chains[CASCADE_MAX_STAGES];
    double seconds[CASCADE_MAX_STAGES];
    unsigned count;
} estimates;

static void record_estimate(void *context, unsigned length, size_t chains, double seconds)
{
    estimates *e = context;
    e->lengths[e->count] = length;
    e->chains[e->count] = chains;
    e->seconds[e->count++] = seconds;
}

TEST_CASE(sweep_should_estimate_each_longer_chain_length_and_stop_past_its_limit)
{
    cascade_dataset *d = test_dataset_random(6, 700, 21); /* costs rise with the index */
    estimates seen = {0};
    cascade_sweep_options options = {.max_stages = 4, .grid = 12, .estimate = record_estimate,
                                     .estimate_context = &seen};
    cascade_front front, plain;
    cascade_front_init(&front);
    cascade_front_init(&plain);
    REQUIRE(cascade_sweep(d, &options, &front, NULL, NULL) == CASCADE_OK);
    /* C(6,3) triples and C(6,4) chains of four; none for pairs */
    CHECK_EQ_INT(seen.count, 2);
    CHECK_EQ_INT(seen.lengths[0], 3);
    CHECK_EQ_INT(seen.chains[0], 20);
    CHECK_EQ_INT(seen.lengths[1], 4);
    CHECK_EQ_INT(seen.chains[1], 15);
    CHECK(seen.seconds[0] > 0 && seen.seconds[1] > 0);
    /* Estimating keeps nothing: the front is the one swept without it. */
    cascade_sweep_options no_estimate = {.max_stages = 4, .grid = 12};
    REQUIRE(cascade_sweep(d, &no_estimate, &plain, NULL, NULL) == CASCADE_OK);
    CHECK_EQ_INT(front.count, plain.count);
    for (size_t i = 0; i < front.count && i < plain.count; i++)
        CHECK(cascade_point_compare(&front.points[i], &plain.points[i]) == 0);
    /* A limit below the estimate stops before the triples, with no front. */
    cascade_front stopped;
    cascade_front_init(&stopped);
    cascade_sweep_options limited = {.max_stages = 3, .grid = 12, .max_seconds = 1e-9};
    cascade_error error;
    CHECK_EQ_INT(cascade_sweep(d, &limited, &stopped, NULL, &error), CASCADE_ERR_STOPPED);
    CHECK_EQ_INT(stopped.count, 0);
    CHECK_STR_CONTAINS(error.message, "for 20 chains of 3 stages exceeds the limit");
    cascade_front_free(&front);
    cascade_front_free(&plain);
    cascade_front_free(&stopped);
    cascade_dataset_free(d);
}

TEST_CASE(joint_correct_counts_should_equal_counting_every_pair_sample_by_sample)
{
    /* 1,000 samples: the last word of each model's bits is partly used. */
    cascade_dataset *d = test_dataset_random(7, 1000, 13);
    size_t m = d->model_count;
    double *joint = malloc(m * m * sizeof *joint);
    REQUIRE(sweep_joint_correct(d, joint) == CASCADE_OK);
    double worst = 0;
    for (size_t a = 0; a < m; a++)
        for (size_t b = a; b < m; b++) {
            size_t both = 0;
            for (size_t i = 0; i < d->samples; i++)
                both += d->models[a].records.correct[i] && d->models[b].records.correct[i];
            worst = fmax(worst, fabs(joint[a * m + b] - (double)both));
        }
    printf("largest difference over %zu pairs: %g\n", m * (m + 1) / 2, worst);
    CHECK(worst == 0);
    free(joint);
    cascade_dataset_free(d);
}

RUN_TESTS(CASE(joint_correct_counts_should_equal_counting_every_pair_sample_by_sample),
          CASE(sweep_should_estimate_each_longer_chain_length_and_stop_past_its_limit),
          CASE(pairs_swept_together_should_equal_pairs_swept_one_by_one),
          CASE(pairs_swept_together_should_equal_pairs_swept_one_by_one_with_every_confidence_distinct),
          CASE(sweeping_one_chain_should_give_the_points_of_the_full_sweep),
          CASE(pair_sweep_should_match_a_hand_computed_front),
          CASE(pair_sweep_should_match_brute_force_with_tied_zero_and_negative_zero_confidences),
          CASE(pair_sweep_should_match_brute_force_with_confidences_a_few_ulps_apart),
          CASE(pair_sweep_should_match_brute_force_with_costs_a_few_hundredths_of_a_percent_apart),
          CASE(prepared_order_should_equal_qsort_by_confidence_then_index_for_every_kind_of_score),
          CASE(pair_sweep_should_match_brute_force_with_scores_above_one_and_gaps_over_every_binade),
          CASE(thresholds_should_fall_strictly_inside_the_gap_between_confidences),
          CASE(sweep_should_match_brute_force_on_cifar10),
          CASE(three_stage_points_should_equal_brute_force_over_the_same_grid_on_cifar10),
          CASE(three_stage_walks_should_equal_brute_force_over_the_same_grid),
          CASE(every_csv_row_should_reevaluate_to_its_accuracy_and_cost_on_cifar10),
          CASE(a_three_stage_cascade_should_strictly_beat_every_single_model_and_pair),
          CASE(skipping_should_never_remove_a_point_of_the_front),
          CASE(thread_count_should_not_change_the_front),
          CASE(front_only_should_build_longer_chains_from_single_front_models_only),
          CASE(candidate_models_should_limit_the_sweep))
