/* Scores beyond accuracy: the formulas on hand-made confusion matrices, the
 * O(1) moves against counts from scratch, and the sweeps by mcc, f1 and
 * macro_f1 against a brute force written here: every chain re-evaluated at
 * every threshold, its score computed from a full confusion matrix. */
#include "check.h"
#include "test_data.h"

#include "cascade/front.h"
#include "cascade/score.h"
#include "cascade/sweep.h"

/* ---- the reference: a full confusion matrix and the textbook formulas ---- */

enum { MAX_CLASSES = 16 };

typedef struct matrix {
    size_t classes;
    long long n[MAX_CLASSES][MAX_CLASSES]; /* [label][prediction] */
} matrix;

/* Matthews' R_K written from the matrix (Gorodkin 2004), in long double:
 * numerator sum_klm C_kk C_lm - C_kl C_mk, as scikit-learn's documentation
 * states it, with the covariance terms from the row and column sums. */
static double reference_mcc(const matrix *m)
{
    size_t K = m->classes;
    long double s = 0, c = 0, pt = 0, pp = 0, tt = 0;
    for (size_t k = 0; k < K; k++) {
        long double t_k = 0, p_k = 0;
        for (size_t j = 0; j < K; j++) {
            t_k += m->n[k][j];
            p_k += m->n[j][k];
        }
        s += t_k;
        c += m->n[k][k];
        pt += p_k * t_k;
        pp += p_k * p_k;
        tt += t_k * t_k;
    }
    long double denominator = (s * s - pp) * (s * s - tt);
    return denominator == 0 ? 0.0 : (double)((c * s - pt) / sqrtl(denominator));
}

/* F1 of class K from precision and recall, 0 when it is undefined. */
static double reference_f1_of(const matrix *m, size_t k)
{
    long long tp = m->n[k][k], fp = 0, fn = 0;
    for (size_t j = 0; j < m->classes; j++)
        if (j != k) {
            fp += m->n[j][k];
            fn += m->n[k][j];
        }
    if (tp == 0)
        return 0.0;
    double precision = (double)tp / (double)(tp + fp), recall = (double)tp / (double)(tp + fn);
    return 2 * precision * recall / (precision + recall);
}

static double reference_score(cascade_score score, const matrix *m)
{
    switch (score) {
    case CASCADE_SCORE_MCC: return reference_mcc(m);
    case CASCADE_SCORE_F1: return reference_f1_of(m, 1);
    case CASCADE_SCORE_MACRO_F1: {
        double sum = 0;
        size_t present = 0;
        for (size_t k = 0; k < m->classes; k++) {
            long long any = 0;
            for (size_t j = 0; j < m->classes; j++)
                any += m->n[k][j] + m->n[j][k];
            if (any) {
                sum += reference_f1_of(m, k);
                present++;
            }
        }
        return present ? sum / (double)present : 0.0;
    }
    default: {
        long long right = 0, all = 0;
        for (size_t k = 0; k < m->classes; k++)
            for (size_t j = 0; j < m->classes; j++) {
                all += m->n[k][j];
                right += k == j ? m->n[k][j] : 0;
            }
        return (double)right / (double)all;
    }
    }
}

/* The library's score of M's counts. */
static double library_score(cascade_score score, const matrix *m)
{
    int64_t truth[MAX_CLASSES] = {0}, predicted[MAX_CLASSES] = {0}, hit[MAX_CLASSES] = {0};
    for (size_t k = 0; k < m->classes; k++)
        for (size_t j = 0; j < m->classes; j++) {
            truth[k] += m->n[k][j];
            predicted[j] += m->n[k][j];
        }
    for (size_t k = 0; k < m->classes; k++)
        hit[k] = m->n[k][k];
    return cascade_score_of_counts(score, m->classes, truth, predicted, hit);
}

TEST_CASE(mcc_should_equal_the_two_class_formula_on_hand_made_matrices)
{
    /* tn fp / fn tp */
    static const long long cases[][4] = {{50, 10, 5, 35}, {1, 0, 0, 1}, {3, 7, 9, 2},
                                         {0, 5, 5, 0}, {400, 3, 1, 2}};
    double worst = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        long long tn = cases[c][0], fp = cases[c][1], fn = cases[c][2], tp = cases[c][3];
        matrix m = {.classes = 2, .n = {{tn, fp}, {fn, tp}}};
        double textbook = ((double)tp * tn - (double)fp * fn) /
                          sqrt((double)(tp + fp) * (tp + fn) * (tn + fp) * (tn + fn));
        worst = fmax(worst, fabs(library_score(CASCADE_SCORE_MCC, &m) - textbook));
        worst = fmax(worst, fabs(reference_mcc(&m) - textbook));
        double binary = cascade_score_binary(CASCADE_SCORE_MCC, tn + fp + fn + tp, fn + tp,
                                             fp + tp, tp);
        CHECK(binary == library_score(CASCADE_SCORE_MCC, &m));
    }
    printf("MCC against (tp tn - fp fn) / sqrt(...): largest difference %.3g\n", worst);
    CHECK(worst < 1e-15);
    matrix perfect = {.classes = 2, .n = {{3, 0}, {0, 4}}}, inverse = {.classes = 2,
                                                                       .n = {{0, 3}, {4, 0}}};
    CHECK(library_score(CASCADE_SCORE_MCC, &perfect) == 1.0);
    CHECK(library_score(CASCADE_SCORE_MCC, &inverse) == -1.0);
}

TEST_CASE(scores_should_be_zero_where_a_denominator_is_zero)
{
    /* every label and every prediction one class: both MCC factors vanish */
    matrix all_one = {.classes = 2, .n = {{0, 0}, {0, 9}}};
    CHECK(library_score(CASCADE_SCORE_MCC, &all_one) == 0.0);
    CHECK(library_score(CASCADE_SCORE_F1, &all_one) == 1.0);
    CHECK(library_score(CASCADE_SCORE_MACRO_F1, &all_one) == 1.0); /* class 0 absent */
    /* one class predicted for every sample, labels mixed: cov_ypyp = 0 */
    matrix constant = {.classes = 3, .n = {{4, 0, 0}, {6, 0, 0}, {1, 0, 0}}};
    CHECK(library_score(CASCADE_SCORE_MCC, &constant) == 0.0);
    /* class 1 neither a label nor a prediction: F1 of class 1 is 0 */
    matrix no_positive = {.classes = 2, .n = {{7, 0}, {0, 0}}};
    CHECK(library_score(CASCADE_SCORE_F1, &no_positive) == 0.0);
    CHECK(library_score(CASCADE_SCORE_MCC, &no_positive) == 0.0);
    CHECK(library_score(CASCADE_SCORE_MACRO_F1, &no_positive) == 1.0);
    /* every prediction wrong, two classes */
    matrix wrong = {.classes = 2, .n = {{0, 2}, {5, 0}}};
    CHECK(library_score(CASCADE_SCORE_F1, &wrong) == 0.0);
    CHECK(library_score(CASCADE_SCORE_MACRO_F1, &wrong) == 0.0);
    CHECK(library_score(CASCADE_SCORE_MCC, &wrong) == -1.0);
}

TEST_CASE(macro_f1_should_leave_out_classes_absent_from_labels_and_predictions)
{
    /* classes 0 and 2 present, 1 and 3 absent from both: the mean of two */
    matrix m = {.classes = 4, .n = {{3, 0, 1, 0}, {0, 0, 0, 0}, {2, 0, 4, 0}, {0, 0, 0, 0}}};
    double f1_0 = 2.0 * 3 / (4 + 5), f1_2 = 2.0 * 4 / (6 + 5);
    CHECK_NEAR(library_score(CASCADE_SCORE_MACRO_F1, &m), (f1_0 + f1_2) / 2, 1e-15);
    /* a class only predicted (never a label) counts, with F1 0 */
    matrix predicted_only = {.classes = 3, .n = {{2, 1, 0}, {0, 0, 0}, {0, 0, 3}}};
    double expected = (2.0 * 2 / (3 + 2) + 0.0 + 1.0) / 3;
    CHECK_NEAR(library_score(CASCADE_SCORE_MACRO_F1, &predicted_only), expected, 1e-15);
    CHECK_NEAR(reference_score(CASCADE_SCORE_MACRO_F1, &predicted_only), expected, 1e-15);
}

TEST_CASE(confusion_moves_should_match_counts_made_from_scratch)
{
    enum { K = 5, N = 3000, MOVES = 20000 };
    int32_t label[N], prediction[N];
    uint64_t seed = 7;
    cascade_confusion counts;
    REQUIRE(cascade_confusion_init(&counts, K) == CASCADE_OK);
    for (size_t i = 0; i < N; i++) {
        label[i] = (int32_t)(test_uniform(&seed) * K);
        prediction[i] = test_uniform(&seed) < 0.6 ? label[i] : (int32_t)(test_uniform(&seed) * K);
        cascade_confusion_add(&counts, label[i], prediction[i]);
    }
    cascade_confusion_settle(&counts);
    double worst = 0, worst_estimate = 0;
    for (size_t move = 0; move < MOVES; move++) {
        size_t i = (size_t)(test_uniform(&seed) * N);
        int32_t to = (int32_t)(test_uniform(&seed) * K);
        cascade_confusion_move(&counts, label[i], prediction[i], to);
        prediction[i] = to;
        if (move % 997 != 0)
            continue;
        matrix m = {.classes = K};
        for (size_t j = 0; j < N; j++)
            m.n[label[j]][prediction[j]]++;
        for (int s = 0; s < CASCADE_SCORE_COUNT; s++) {
            double moved = cascade_confusion_score(&counts, (cascade_score)s);
            CHECK(moved == library_score((cascade_score)s, &m)); /* same counts, same bits */
            worst = fmax(worst, fabs(moved - reference_score((cascade_score)s, &m)));
        }
        worst_estimate = fmax(worst_estimate,
                              fabs(cascade_confusion_macro_f1_estimate(&counts) -
                                   cascade_confusion_score(&counts, CASCADE_SCORE_MACRO_F1)));
    }
    printf("after %d moves: largest difference from the reference %.3g, macro_f1 estimate "
           "%.3g\n", MOVES, worst, worst_estimate);
    CHECK(worst < 1e-12);
    CHECK(worst_estimate < 1e-9);
    cascade_confusion_free(&counts);
}

/* ---- sweeps against brute force ---- */

typedef struct ref_point {
    double score, cost;
} ref_point;

typedef struct ref_list {
    ref_point *p;
    size_t n, cap;
} ref_list;

static void push(ref_list *l, double score, double cost)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->p = realloc(l->p, l->cap * sizeof *l->p);
    }
    l->p[l->n++] = (ref_point){score, cost};
}

/* The chain applied sample by sample; the score from its full matrix. */
static ref_point evaluate_chain(const cascade_dataset *d, unsigned stages, const unsigned *models,
                                const double *thresholds)
{
    matrix m = {.classes = d->classes};
    double cost_sum = 0;
    for (size_t i = 0; i < d->samples; i++)
        for (unsigned s = 0; s < stages; s++) {
            const cascade_records *r = &d->models[models[s]].records;
            cost_sum += d->models[models[s]].cost;
            if (s + 1 == stages || r->confidence[i] >= thresholds[s]) {
                m.n[d->labels.label[i]][r->prediction[i]]++;
                break;
            }
        }
    return (ref_point){reference_score(d->score, &m), cost_sum / (double)d->samples};
}

static int by_score_descending(const void *pa, const void *pb)
{
    const ref_point *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->cost < b->cost ? -1 : a->cost > b->cost;
}

/* Best score first; a point stays when it is strictly cheaper than every
 * better one. Scores within 1e-12 count as equal (the reference rounds
 * differently), as do costs within 1e-12 relative. Then cost ascending. */
static void reduce(ref_list *l)
{
    qsort(l->p, l->n, sizeof *l->p, by_score_descending);
    size_t kept = 0;
    double cheapest = INFINITY, cheapest_score = INFINITY;
    for (size_t i = 0; i < l->n; i++) {
        if (kept && !(l->p[i].cost < cheapest - 1e-12 * fabs(cheapest)))
            continue;
        if (kept && l->p[i].score > cheapest_score - 1e-12)
            kept--; /* the same score, cheaper: it replaces the last one */
        cheapest = l->p[i].cost;
        cheapest_score = l->p[i].score;
        l->p[kept++] = l->p[i];
    }
    l->n = kept;
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

/* Singles, every pair at every distinct confidence of its first stage, and
 * with GRID > 0 every 3-stage chain over the grid the sweep uses. */
static void brute_force(const cascade_dataset *d, unsigned grid, ref_list *out)
{
    size_t M = d->model_count;
    for (unsigned m = 0; m < M; m++)
        push(out, evaluate_chain(d, 1, &m, NULL).score, d->models[m].cost);
    double *values = malloc(d->samples * sizeof *values);
    for (unsigned a = 0; a < M; a++) {
        memcpy(values, d->models[a].records.confidence, d->samples * sizeof *values);
        qsort(values, d->samples, sizeof *values, by_double_descending);
        for (unsigned b = 0; b < M; b++) {
            if (!(d->models[a].cost < d->models[b].cost))
                continue;
            unsigned models[2] = {a, b};
            for (size_t i = 0; i < d->samples; i++)
                if (i == 0 || values[i] != values[i - 1]) {
                    ref_point p = evaluate_chain(d, 2, models, &values[i]);
                    push(out, p.score, p.cost);
                }
        }
    }
    free(values);
    if (!grid)
        return;
    double (*thresholds)[256] = calloc(M, sizeof *thresholds);
    unsigned *count = calloc(M, sizeof *count);
    for (unsigned m = 0; m < M; m++)
        REQUIRE(cascade_grid_thresholds(&d->models[m].records, grid, thresholds[m], &count[m]) ==
                CASCADE_OK);
    for (unsigned a = 0; a < M; a++)
        for (unsigned b = 0; b < M; b++)
            for (unsigned c = 0; c < M; c++) {
                if (!(d->models[a].cost < d->models[b].cost &&
                      d->models[b].cost < d->models[c].cost))
                    continue;
                unsigned models[3] = {a, b, c};
                for (unsigned i = 0; i < count[a]; i++)
                    for (unsigned j = 0; j < count[b]; j++) {
                        double t[2] = {thresholds[a][i], thresholds[b][j]};
                        ref_point p = evaluate_chain(d, 3, models, t);
                        push(out, p.score, p.cost);
                    }
            }
    free(thresholds);
    free(count);
}

/* The library's front against the brute force; every library point is also
 * re-evaluated from its own thresholds. */
static void sweep_should_match(const cascade_dataset *d, unsigned stages, unsigned grid)
{
    cascade_front front;
    cascade_front_init(&front);
    /* the grid alone, as the brute force searches it: refinement adds points off it */
    cascade_sweep_options options = {.max_stages = stages, .grid = grid, .no_refine = 1};
    cascade_error error;
    REQUIRE(cascade_sweep(d, &options, &front, NULL, &error) == CASCADE_OK);
    ref_list ref = {0};
    brute_force(d, stages >= 3 ? grid : 0, &ref);
    size_t candidates = ref.n;
    reduce(&ref);
    CHECK_EQ_INT(front.count, ref.n);
    double worst_score = 0, worst_cost = 0, worst_again = 0;
    for (size_t i = 0; i < front.count && i < ref.n; i++) {
        const cascade_point *p = &front.points[i];
        worst_score = fmax(worst_score, fabs(p->accuracy - ref.p[i].score));
        worst_cost = fmax(worst_cost, fabs(p->cost - ref.p[i].cost));
        ref_point again = evaluate_chain(d, p->stages, p->model, p->threshold);
        worst_again = fmax(worst_again, fabs(again.score - p->accuracy));
        worst_again = fmax(worst_again, fabs(again.cost - p->cost));
    }
    printf("%s, %u stages: %zu front points of %zu candidates; largest difference: score "
           "%.3g, cost %.3g, re-evaluated %.3g\n", cascade_score_name(d->score), stages,
           front.count, candidates, worst_score, worst_cost, worst_again);
    CHECK(worst_score < 1e-12);
    CHECK(worst_cost < 1e-12);
    CHECK(worst_again < 1e-12);
    free(ref.p);
    cascade_front_free(&front);
}

/* A random dataset of CLASSES classes with predictions as well as
 * correctness: a model is right with a probability rising with its index,
 * confident when right more often than not. */
static cascade_dataset *random_classes(size_t models, size_t samples, size_t classes,
                                       uint64_t seed)
{
    cascade_dataset *d = test_dataset_new(models, samples);
    d->classes = classes;
    d->labels.count = samples;
    d->labels.label = calloc(samples, sizeof *d->labels.label);
    d->labels.max_label = (int32_t)classes - 1;
    for (size_t i = 0; i < samples; i++)
        d->labels.label[i] = (int32_t)(test_uniform(&seed) * (double)classes);
    for (size_t m = 0; m < models; m++) {
        cascade_records *r = &d->models[m].records;
        r->classes = classes;
        /* costs with no simple ratios, so that no two chains tie on cost by
         * chance (a tie within rounding would make the fronts' choice differ) */
        d->models[m].cost = 0.731 * pow((double)m + 1.0, 1.7) + 0.123 * sqrt((double)m);
        for (size_t i = 0; i < samples; i++) {
            int right = test_uniform(&seed) < 0.5 + 0.1 * (double)m;
            int32_t other = (int32_t)(test_uniform(&seed) * (double)classes);
            r->prediction[i] = right ? d->labels.label[i] : other;
            r->correct[i] = r->prediction[i] == d->labels.label[i];
            /* coarse confidences: many ties */
            r->confidence[i] = floor((0.3 * test_uniform(&seed) + (right ? 0.6 : 0.4)) * 64) / 64;
        }
    }
    test_dataset_finish(d);
    return d;
}

TEST_CASE(score_sweeps_should_match_brute_force_on_random_data)
{
    static const struct {
        size_t classes;
        cascade_score score;
    } runs[] = {{2, CASCADE_SCORE_MCC}, {2, CASCADE_SCORE_F1}, {2, CASCADE_SCORE_MACRO_F1},
                {4, CASCADE_SCORE_MCC}, {4, CASCADE_SCORE_MACRO_F1}};
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        cascade_dataset *d = random_classes(4, 400, runs[r].classes, 11 + r);
        d->score = runs[r].score;
        sweep_should_match(d, 2, 0);
        if (runs[r].classes == 2)
            sweep_should_match(d, 3, 12);
        cascade_dataset_free(d);
    }
}

static cascade_dataset *load_shared(const char *name, cascade_score score)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/manifest.json", shared_data_dir(), name);
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_dataset_options options = {.require_labels = 1, .score = score};
    REQUIRE(cascade_dataset_load(path, &options, &d, &error) == CASCADE_OK);
    return d;
}

TEST_CASE(pair_sweeps_should_match_brute_force_on_glue_cola)
{
    static const cascade_score scores[] = {CASCADE_SCORE_ACCURACY, CASCADE_SCORE_MCC,
                                           CASCADE_SCORE_F1, CASCADE_SCORE_MACRO_F1};
    for (size_t s = 0; s < sizeof scores / sizeof scores[0]; s++) {
        cascade_dataset *d = load_shared("glue-cola", scores[s]);
        sweep_should_match(d, 2, 0);
        cascade_dataset_free(d);
    }
}

TEST_CASE(three_stage_sweeps_should_match_brute_force_over_the_grid_on_glue_cola)
{
    static const cascade_score scores[] = {CASCADE_SCORE_ACCURACY, CASCADE_SCORE_MCC,
                                           CASCADE_SCORE_F1};
    for (size_t s = 0; s < sizeof scores / sizeof scores[0]; s++) {
        cascade_dataset *d = load_shared("glue-cola", scores[s]);
        sweep_should_match(d, 3, 20);
        cascade_dataset_free(d);
    }
}

TEST_CASE(pair_sweeps_should_match_brute_force_on_cifar10_by_macro_f1_and_mcc)
{
    static const cascade_score scores[] = {CASCADE_SCORE_MACRO_F1, CASCADE_SCORE_MCC};
    for (size_t s = 0; s < sizeof scores / sizeof scores[0]; s++) {
        cascade_dataset *d = load_shared("cifar10", scores[s]);
        sweep_should_match(d, 2, 0);
        cascade_dataset_free(d);
    }
}

TEST_CASE(three_stage_sweeps_should_refuse_more_than_two_classes_by_name)
{
    cascade_dataset *d = random_classes(3, 50, 3, 5);
    d->score = CASCADE_SCORE_MCC;
    cascade_front front;
    cascade_front_init(&front);
    cascade_sweep_options options = {.max_stages = 3};
    cascade_error error;
    CHECK(cascade_sweep(d, &options, &front, NULL, &error) == CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(error.message, "--score mcc over chains of 3 or more stages needs two "
                                      "classes");
    options.max_stages = 2;
    CHECK(cascade_sweep(d, &options, &front, NULL, &error) == CASCADE_OK);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

int main(int argc, char **argv)
{
    static const test_case cases[] = {
        CASE(mcc_should_equal_the_two_class_formula_on_hand_made_matrices),
        CASE(scores_should_be_zero_where_a_denominator_is_zero),
        CASE(macro_f1_should_leave_out_classes_absent_from_labels_and_predictions),
        CASE(confusion_moves_should_match_counts_made_from_scratch),
        CASE(score_sweeps_should_match_brute_force_on_random_data),
        CASE(pair_sweeps_should_match_brute_force_on_glue_cola),
        CASE(three_stage_sweeps_should_match_brute_force_over_the_grid_on_glue_cola),
        CASE(pair_sweeps_should_match_brute_force_on_cifar10_by_macro_f1_and_mcc),
        CASE(three_stage_sweeps_should_refuse_more_than_two_classes_by_name),
    };
    return run_test_cases(cases, sizeof cases / sizeof cases[0], argc, argv);
}
