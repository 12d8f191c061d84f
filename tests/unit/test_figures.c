/* APGR, CPT, AIQ and AURC against hand-made cases and brute force written
 * another way (every breakpoint evaluated from the definition). */
#include "check.h"
#include "test_data.h"

#include <math.h>

#include "cascade/figures.h"
#include "cascade/selective_risk.h"

/* Insertion sort: the breakpoint lists here are short. */
static void sort_ascending(double *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* Q(x) from the definition: the best quality of a step with fraction <= x. */
static double q_at(const double *x, const double *q, size_t n, double q_a, double q_b,
                   double at)
{
    double best = q_a;
    if (at >= 1)
        best = fmax(best, q_b);
    for (size_t i = 0; i < n; i++)
        if (x[i] <= at)
            best = fmax(best, q[i]);
    return best;
}

/* APGR as a sum over the pieces between consecutive distinct breakpoints,
 * Q evaluated afresh at each piece's left end; CPT the first breakpoint
 * where PGR reaches p. */
static void brute_pair(const double *x, const double *q, size_t n, double q_a, double q_b,
                       double *apgr, double *cpt)
{
    double *cuts = malloc((n + 2) * sizeof *cuts);
    size_t m = 0;
    cuts[m++] = 0;
    cuts[m++] = 1;
    for (size_t i = 0; i < n; i++)
        cuts[m++] = x[i];
    sort_ascending(cuts, m);
    *apgr = 0;
    for (int l = 0; l < CASCADE_CPT_COUNT; l++)
        cpt[l] = NAN;
    for (size_t i = 0; i < m; i++) {
        double pgr = (q_at(x, q, n, q_a, q_b, cuts[i]) - q_a) / (q_b - q_a);
        if (i + 1 < m)
            *apgr += pgr * (cuts[i + 1] - cuts[i]);
        for (int l = 0; l < CASCADE_CPT_COUNT; l++)
            if (isnan(cpt[l]) && pgr >= cascade_cpt_levels[l])
                cpt[l] = cuts[i];
    }
    free(cuts);
}

TEST_CASE(apgr_and_cpt_should_equal_a_hand_made_curve_with_tied_fractions)
{
    /* Q = 0.5 on [0, 0.2), 0.8 on [0.2, 0.5) (the better of two steps at 0.2),
     * 0.85 on [0.5, 1), 0.9 at 1: PGR 0, 0.75, 0.875, so
     * APGR = 0.75 * 0.3 + 0.875 * 0.5 = 0.6625; CPT(0.5) = 0.2, CPT(0.8) =
     * 0.5, CPT(0.9) = 1. */
    const double x[] = {0.5, 0.2, 0.2, 0.7}, q[] = {0.85, 0.7, 0.8, 0.6};
    cascade_pair_figures f;
    cascade_error error;
    REQUIRE(cascade_pair_figures_from_steps(x, q, 4, 0.5, 0.9, &f, &error) == CASCADE_OK);
    CHECK_NEAR(f.apgr, 0.6625, 1e-15);
    CHECK_NEAR(f.cpt[0], 0.2, 0);
    CHECK_NEAR(f.cpt[1], 0.5, 0);
    CHECK_NEAR(f.cpt[2], 1.0, 0);
}

TEST_CASE(pair_figures_should_be_null_when_q_b_is_not_above_q_a)
{
    const double x[] = {0.3}, q[] = {0.95};
    cascade_pair_figures f;
    cascade_error error;
    for (int equal = 0; equal < 2; equal++) {
        REQUIRE(cascade_pair_figures_from_steps(x, q, 1, 0.9, equal ? 0.9 : 0.8, &f, &error) ==
                CASCADE_OK);
        CHECK(isnan(f.apgr) && isnan(f.cpt[0]) && isnan(f.cpt[1]) && isnan(f.cpt[2]));
        CHECK_NEAR(f.q_a, 0.9, 0);
    }
}

TEST_CASE(apgr_and_cpt_should_match_brute_force_on_random_curves_with_ties)
{
    uint64_t state = 11;
    double worst = 0;
    for (int trial = 0; trial < 300; trial++) {
        size_t n = 1 + (size_t)(test_uniform(&state) * 30);
        double x[32], q[32];
        for (size_t i = 0; i < n; i++) {
            x[i] = (double)(int)(test_uniform(&state) * 10) / 10; /* ties */
            q[i] = 0.4 + (double)(int)(test_uniform(&state) * 20) / 40;
        }
        double q_a = 0.5, q_b = 0.6 + 0.3 * test_uniform(&state), apgr, cpt[3];
        cascade_pair_figures f;
        cascade_error error;
        REQUIRE(cascade_pair_figures_from_steps(x, q, n, q_a, q_b, &f, &error) == CASCADE_OK);
        brute_pair(x, q, n, q_a, q_b, &apgr, cpt);
        worst = fmax(worst, fabs(f.apgr - apgr));
        CHECK_NEAR(f.apgr, apgr, 1e-12);
        for (int l = 0; l < 3; l++)
            CHECK(f.cpt[l] == cpt[l] || (isnan(f.cpt[l]) && isnan(cpt[l])));
    }
    printf("largest APGR difference %.3g\n", worst);
}

/* The upper concave envelope at c: the best chord between a point at or
 * below c and one at or above it. */
static double envelope_at(const double *cost, const double *q, size_t n, double c)
{
    double best = -INFINITY;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (!(cost[i] <= c && c <= cost[j]))
                continue;
            best = fmax(best, cost[i] == cost[j]
                                  ? fmax(q[i], q[j])
                                  : q[i] + (q[j] - q[i]) * (c - cost[i]) / (cost[j] - cost[i]));
        }
    return best;
}

/* H(c) from the definition: the envelope made non-decreasing (its best
 * value at c or at any point's cost below c; flat past the last point). */
static double hull_at(const double *cost, const double *q, size_t n, double c)
{
    double best = envelope_at(cost, q, n, c);
    for (size_t p = 0; p < n; p++)
        if (cost[p] <= c)
            best = fmax(best, envelope_at(cost, q, n, cost[p]));
    return best;
}

/* The integral by the trapezoid rule over every breakpoint: exact, since H
 * is linear between the points' costs. */
static double brute_aiq(const double *cost, const double *q, size_t n, double lo, double hi)
{
    double cuts[64];
    size_t m = 0;
    cuts[m++] = lo;
    cuts[m++] = hi;
    for (size_t i = 0; i < n; i++)
        if (cost[i] > lo && cost[i] < hi)
            cuts[m++] = cost[i];
    sort_ascending(cuts, m);
    if (hi == lo)
        return hull_at(cost, q, n, lo);
    double area = 0;
    for (size_t i = 0; i + 1 < m; i++)
        area += (hull_at(cost, q, n, cuts[i]) + hull_at(cost, q, n, cuts[i + 1])) / 2 *
                (cuts[i + 1] - cuts[i]);
    return area / (hi - lo);
}

TEST_CASE(aiq_should_equal_a_hand_made_hull_extended_flat)
{
    /* Hull (1, 0.5) -> (3, 0.9), (2, 0.6) below it, (4, 0.8) past the top:
     * area 0.7 * 2 + 0.9 * 2 = 3.2 over [1, 5]. */
    const double cost[] = {2, 4, 1, 3}, q[] = {0.6, 0.8, 0.5, 0.9};
    double aiq;
    cascade_error error;
    REQUIRE(cascade_aiq(cost, q, 4, 1, 5, &aiq, &error) == CASCADE_OK);
    CHECK_NEAR(aiq, 0.8, 1e-15);
}

TEST_CASE(aiq_of_a_single_model_front_should_be_that_models_quality)
{
    /* One model beats the others at the least cost: H is flat. */
    const double cost[] = {1}, q[] = {0.7};
    double aiq;
    cascade_error error;
    REQUIRE(cascade_aiq(cost, q, 1, 1, 9, &aiq, &error) == CASCADE_OK);
    CHECK_NEAR(aiq, 0.7, 0);
    /* One model only: c_min = c_max, AIQ = H(c_min). */
    REQUIRE(cascade_aiq(cost, q, 1, 1, 1, &aiq, &error) == CASCADE_OK);
    CHECK_NEAR(aiq, 0.7, 0);
    /* A front that starts above c_min is refused. */
    CHECK(cascade_aiq(cost, q, 1, 0.5, 1, &aiq, &error) == CASCADE_ERR_ARGUMENT);
}

TEST_CASE(aiq_should_match_brute_force_on_random_points_with_ties)
{
    uint64_t state = 5;
    double worst = 0;
    for (int trial = 0; trial < 300; trial++) {
        size_t n = 1 + (size_t)(test_uniform(&state) * 12);
        double cost[16], q[16];
        for (size_t i = 0; i < n; i++) {
            cost[i] = 1 + (double)(int)(test_uniform(&state) * 8);
            q[i] = (double)(int)(test_uniform(&state) * 10) / 10;
        }
        double lo = INFINITY, hi = 1 + 9 * test_uniform(&state);
        for (size_t i = 0; i < n; i++)
            lo = fmin(lo, cost[i]);
        hi = fmax(hi, lo);
        double aiq, want = brute_aiq(cost, q, n, lo, hi);
        cascade_error error;
        REQUIRE(cascade_aiq(cost, q, n, lo, hi, &aiq, &error) == CASCADE_OK);
        worst = fmax(worst, fabs(aiq - want));
        CHECK_NEAR(aiq, want, 1e-12);
    }
    printf("largest AIQ difference %.3g\n", worst);
}

/* AURC from the definition, sample by sample: each sample counts the risk
 * of everything at least as confident (its whole group), weight 1/k. */
static double brute_aurc(const cascade_records *r)
{
    double sum = 0;
    for (size_t j = 0; j < r->samples; j++) {
        size_t covered = 0, errors = 0;
        for (size_t i = 0; i < r->samples; i++)
            if (r->confidence[i] >= r->confidence[j]) {
                covered++;
                errors += !r->correct[i];
            }
        sum += (double)errors / (double)covered;
    }
    return sum / (double)r->samples;
}

TEST_CASE(aurc_should_match_counting_each_samples_covered_set_with_ties)
{
    double worst = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        cascade_dataset *d = test_dataset_random(1, 50 + 17 * seed, seed);
        const cascade_records *r = &d->models[0].records;
        cascade_selective_risk s;
        cascade_error error;
        REQUIRE(cascade_selective_risk_compute(r, &s, &error) == CASCADE_OK);
        double want = brute_aurc(r);
        worst = fmax(worst, fabs(s.aurc - want));
        CHECK_NEAR(s.aurc, want, 1e-12);
        /* AURC*: errors among the i most confident are max(0, i - C) at best. */
        double optimal = 0;
        for (size_t i = 1; i <= r->samples; i++)
            optimal += fmax(0, (double)i - (double)r->correct_count) / (double)i;
        CHECK_NEAR(s.e_aurc, want - optimal / (double)r->samples, 1e-12);
        CHECK(s.e_aurc >= -1e-15);
        cascade_dataset_free(d);
    }
    printf("largest AURC difference %.3g\n", worst);
}

TEST_CASE(e_aurc_should_be_zero_for_a_perfect_ranking_and_aurc_the_error_for_one_tie)
{
    cascade_dataset *d = test_dataset_new(1, 6);
    cascade_records *r = &d->models[0].records;
    static const uint8_t right[] = {1, 0, 1, 1, 0, 1};
    for (size_t i = 0; i < 6; i++) {
        r->correct[i] = right[i];
        r->confidence[i] = right[i] ? 0.9 - 0.01 * (double)i : 0.3 - 0.01 * (double)i;
    }
    test_dataset_finish(d);
    cascade_selective_risk s;
    cascade_error error;
    REQUIRE(cascade_selective_risk_compute(r, &s, &error) == CASCADE_OK);
    CHECK_NEAR(s.e_aurc, 0, 1e-15);
    /* All confidences equal: one group, AURC = the error rate. */
    for (size_t i = 0; i < 6; i++)
        r->confidence[i] = 0.5;
    REQUIRE(cascade_selective_risk_compute(r, &s, &error) == CASCADE_OK);
    CHECK_NEAR(s.aurc, 2.0 / 6, 1e-15);
    cascade_dataset_free(d);
}

TEST_CASE(pair_figures_should_match_brute_force_over_every_threshold_on_cifar10)
{
    cascade_dataset *d = test_load_cifar10();
    unsigned a = (unsigned)cascade_dataset_find(d, "lenet5");
    unsigned b = (unsigned)cascade_dataset_find(d, "vgg16");
    const cascade_records *ra = &d->models[a].records, *rb = &d->models[b].records;
    size_t k = d->samples;
    /* Every distinct confidence of a as a threshold, accuracy counted directly. */
    double *x = malloc(k * sizeof *x), *q = malloc(k * sizeof *q);
    size_t n = 0;
    double previous = INFINITY;
    for (;;) {
        double next = test_next_confidence_below(ra, previous);
        if (next == -INFINITY)
            break;
        size_t reach = 0, correct = 0;
        for (size_t i = 0; i < k; i++) {
            int exits = ra->confidence[i] >= next;
            reach += !exits;
            correct += exits ? ra->correct[i] : rb->correct[i];
        }
        x[n] = (double)reach / (double)k;
        q[n++] = (double)correct / (double)k;
        previous = next;
    }
    double q_a = (double)ra->correct_count / (double)k, q_b = (double)rb->correct_count / (double)k;
    double apgr, cpt[3];
    brute_pair(x, q, n, q_a, q_b, &apgr, cpt);
    cascade_pair_figures f;
    cascade_error error;
    REQUIRE(cascade_pair_figures_of(d, a, b, &f, &error) == CASCADE_OK);
    printf("%zu thresholds: APGR %.6f (brute force %.6f), CPT %g %g %g\n", n, f.apgr, apgr,
           f.cpt[0], f.cpt[1], f.cpt[2]);
    CHECK_NEAR(f.apgr, apgr, 1e-12);
    for (int l = 0; l < 3; l++)
        CHECK_NEAR(f.cpt[l], cpt[l], 0);
    free(x);
    free(q);
    cascade_dataset_free(d);
}

RUN_TESTS(CASE(apgr_and_cpt_should_equal_a_hand_made_curve_with_tied_fractions),
          CASE(pair_figures_should_be_null_when_q_b_is_not_above_q_a),
          CASE(apgr_and_cpt_should_match_brute_force_on_random_curves_with_ties),
          CASE(aiq_should_equal_a_hand_made_hull_extended_flat),
          CASE(aiq_of_a_single_model_front_should_be_that_models_quality),
          CASE(aiq_should_match_brute_force_on_random_points_with_ties),
          CASE(aurc_should_match_counting_each_samples_covered_set_with_ties),
          CASE(e_aurc_should_be_zero_for_a_perfect_ranking_and_aurc_the_error_for_one_tie),
          CASE(pair_figures_should_match_brute_force_over_every_threshold_on_cifar10))
