/* Guaranteed picks: the binomial tail and the Hoeffding-Bentkus p-value
 * against independent computations, the fixed-sequence picks against brute
 * force, and the guarantee itself over 200 random splits of CIFAR-10. */
#include "check.h"
#include "test_data.h"

#include <math.h>

#include "cascade/guarantee.h"
#include "cascade/split.h"

/* P(X <= K), X ~ Binomial(N, P), by adding one Bernoulli trial at a time:
 * no factorials, no logarithms, nothing shared with the library. */
static double binomial_cdf_by_trials(size_t k, size_t n, double p)
{
    double *mass = calloc(n + 1, sizeof *mass);
    mass[0] = 1.0;
    for (size_t trial = 1; trial <= n; trial++)
        for (size_t j = trial; j-- > 0;) {
            mass[j + 1] += p * mass[j];
            mass[j] *= 1 - p;
        }
    double cdf = 0.0;
    for (size_t j = 0; j <= k && j <= n; j++)
        cdf += mass[j];
    free(mass);
    return cdf;
}

/* The p-value written out from Angelopoulos et al. (2021), Prop. 3 and 5,
 * over the trial-by-trial binomial. */
static double hb_pvalue_by_definition(size_t n, size_t losses, double eps)
{
    double r = (double)losses / (double)n, a = r < eps ? r : eps;
    double h = (a > 0 ? a * log(a / eps) : 0) + (1 - a) * log((1 - a) / (1 - eps));
    double hoeffding = exp(-(double)n * h);
    double bentkus = exp(1.0) * binomial_cdf_by_trials(losses, n, eps);
    return fmin(hoeffding, bentkus);
}

TEST_CASE(binomial_cdf_should_match_adding_one_trial_at_a_time)
{
    static const size_t sizes[] = {1, 7, 50, 400};
    static const double probabilities[] = {0.001, 0.05, 0.3, 0.5, 0.93};
    double worst = 0;
    for (size_t s = 0; s < 4; s++)
        for (size_t q = 0; q < 5; q++)
            for (size_t k = 0; k <= sizes[s]; k += 1 + sizes[s] / 37) {
                double want = binomial_cdf_by_trials(k, sizes[s], probabilities[q]);
                double got = cascade_binomial_cdf(k, sizes[s], probabilities[q]);
                worst = fmax(worst, fabs(got - want) / fmax(want, 1e-300));
                CHECK(fabs(got - want) <= 1e-10 * want + 1e-300);
            }
    printf("largest relative difference %.3g\n", worst);
}

TEST_CASE(hb_pvalue_should_match_its_definition_on_either_side_of_eps)
{
    double worst = 0;
    static const size_t sizes[] = {20, 300, 1000};
    static const double limits[] = {0.01, 0.05, 0.2};
    for (size_t s = 0; s < 3; s++)
        for (size_t e = 0; e < 3; e++)
            for (size_t losses = 0; losses <= sizes[s] / 2; losses += 1 + sizes[s] / 50) {
                double want = hb_pvalue_by_definition(sizes[s], losses, limits[e]);
                double got = cascade_hb_pvalue(sizes[s], losses, limits[e]);
                worst = fmax(worst, fabs(got - want));
                CHECK_NEAR(got, want, 1e-9 * want + 1e-300);
            }
    printf("largest difference %.3g\n", worst);
    /* No loss at all: Bentkus' term is e (1 - eps)^n, Hoeffding's (1 - eps)^n. */
    CHECK_NEAR(cascade_hb_pvalue(100, 0, 0.05), pow(0.95, 100), 1e-15);
}

/* The pick by brute force: thresholds at each distinct confidence of A,
 * descending; drops counted sample by sample; stop at the first failure. */
static size_t brute_force_exits(const cascade_dataset *d, unsigned a, unsigned b,
                                cascade_guarantee_method method, double eps, double delta)
{
    const cascade_records *ra = &d->models[a].records, *rb = &d->models[b].records;
    size_t k = d->samples, exits = 0;
    double previous = INFINITY;
    for (;;) {
        double next = test_next_confidence_below(ra, previous);
        if (next == -INFINITY)
            return exits;
        size_t drops = 0, exiting = 0;
        for (size_t i = 0; i < k; i++)
            if (ra->confidence[i] >= next) {
                exiting++;
                drops += !ra->correct[i] && rb->correct[i];
            }
        int pass = method == CASCADE_GUARANTEE_LTT
                       ? hb_pvalue_by_definition(k, drops, eps) <= delta
                   : method == CASCADE_GUARANTEE_CRC
                       ? (double)(drops + 1) / (double)(k + 1) <= eps
                       : (double)drops <= eps * (double)k;
        if (!pass)
            return exits;
        exits = exiting;
        previous = next;
    }
}

TEST_CASE(guaranteed_picks_should_stop_before_the_first_failing_threshold_like_brute_force)
{
    static const cascade_guarantee_method methods[] = {
        CASCADE_GUARANTEE_LTT, CASCADE_GUARANTEE_CRC, CASCADE_GUARANTEE_EMPIRICAL};
    static const double limits[] = {0.005, 0.02, 0.05, 0.1, 0.3};
    size_t checked = 0, refused = 0;
    for (uint64_t seed = 1; seed <= 6; seed++) {
        /* Confidences on a coarse grid: many ties. */
        cascade_dataset *d = test_dataset_random(2, 150 + 40 * seed, seed);
        const unsigned chain[1][2] = {{0, 1}};
        for (size_t m = 0; m < 3; m++)
            for (size_t e = 0; e < 5; e++) {
                cascade_guarantee_options o = {methods[m], limits[e], 0.1};
                cascade_point p;
                cascade_guarantee g;
                int certified = -1;
                cascade_error error;
                cascade_error_clear(&error);
                REQUIRE(cascade_guarantee_pick(d, chain, 1, &o, &p, &g, &certified, &error) ==
                        CASCADE_OK);
                size_t want = brute_force_exits(d, 0, 1, methods[m], limits[e], 0.1);
                CHECK_EQ_INT(certified, want > 0);
                if (!certified) {
                    refused++;
                    continue;
                }
                CHECK_EQ_INT((size_t)llround(p.answered[0] * (double)d->samples), want);
                CHECK_EQ_INT(g.n, d->samples);
                CHECK_NEAR(g.fit_drop, cascade_point_drop(d, &p), 0);
                CHECK(g.fit_drop <= limits[e]);
                checked++;
            }
        cascade_dataset_free(d);
    }
    printf("%zu picks equal to brute force, %zu refusals\n", checked, refused);
    CHECK(checked > 20 && refused > 0);
}

TEST_CASE(guaranteed_pick_should_refuse_eps_or_delta_outside_zero_one_and_no_chain)
{
    cascade_dataset *d = test_dataset_random(2, 50, 3);
    const unsigned chain[1][2] = {{0, 1}};
    static const double bad[] = {0, 1, -0.5, 2, NAN};
    cascade_point p;
    cascade_guarantee g;
    int certified;
    cascade_error error;
    for (size_t i = 0; i < 5; i++) {
        cascade_guarantee_options eps = {CASCADE_GUARANTEE_CRC, bad[i], 0};
        cascade_guarantee_options delta = {CASCADE_GUARANTEE_LTT, 0.1, bad[i]};
        CHECK(cascade_guarantee_pick(d, chain, 1, &eps, &p, &g, &certified, &error) ==
              CASCADE_ERR_ARGUMENT);
        CHECK(cascade_guarantee_pick(d, chain, 1, &delta, &p, &g, &certified, &error) ==
              CASCADE_ERR_ARGUMENT);
    }
    cascade_guarantee_options good = {CASCADE_GUARANTEE_CRC, 0.1, 0};
    CHECK(cascade_guarantee_pick(d, chain, 0, &good, &p, &g, &certified, &error) ==
          CASCADE_ERR_ARGUMENT);
    cascade_dataset_free(d);
}

TEST_CASE(drop_should_count_wrong_answers_where_the_last_model_is_right)
{
    /* Sample: conf_a, correct_a, correct_b. Exits at t = 0.5: samples 0-2. */
    static const double conf[] = {0.9, 0.7, 0.5, 0.4};
    static const uint8_t right_a[] = {0, 0, 1, 0}, right_b[] = {1, 0, 1, 1};
    cascade_dataset *d = test_dataset_new(2, 4);
    for (size_t i = 0; i < 4; i++) {
        d->models[0].records.confidence[i] = conf[i];
        d->models[0].records.correct[i] = right_a[i];
        d->models[1].records.correct[i] = right_b[i];
    }
    test_dataset_finish(d);
    cascade_point p = {.stages = 2, .model = {0, 1}, .threshold = {0.5}};
    /* Only sample 0: stopped at a, wrong, b right. Sample 1 both wrong,
     * sample 3 goes on to b. */
    CHECK_NEAR(cascade_point_drop(d, &p), 0.25, 0);
    cascade_dataset_free(d);
}

/* The least C with P(Binomial(N, P) > C) <= ALPHA. */
static size_t binomial_upper_limit(size_t n, double p, double alpha)
{
    size_t c = 0;
    while (1 - binomial_cdf_by_trials(c, n, p) > alpha)
        c++;
    return c;
}

/* The test: over 200 random half splits, LTT's eval drop exceeds
 * EPS in at most DELTA of them plus binomial slack (the count a
 * Binomial(200, DELTA) exceeds with probability 0.001), and CRC's mean eval
 * drop stays within EPS plus three standard errors. */
/* Over 200 random halvings of D, the pair A -> B picked on the fit half:
 * Learn-then-Test's eval drop exceeds EPS in at most DELTA of the splits
 * plus binomial slack, and conformal risk control's mean eval drop stays
 * within EPS plus three standard errors. */
static void check_200_splits(cascade_dataset *d, const char *a, const char *b)
{
    long first = cascade_dataset_find(d, a), second = cascade_dataset_find(d, b);
    REQUIRE(first >= 0 && second >= 0);
    const unsigned chain[1][2] = {{(unsigned)first, (unsigned)second}};
    enum { SPLITS = 200 };
    const double eps = 0.02, delta = 0.1;
    size_t exceeded = 0, refused = 0;
    double crc_sum = 0, crc_squares = 0;
    for (uint64_t seed = 1; seed <= SPLITS; seed++) {
        cascade_split s;
        cascade_dataset *fit = NULL, *eval = NULL;
        cascade_error error;
        cascade_error_clear(&error);
        REQUIRE(cascade_split_random(d->samples, 0.5, seed, &s, &error) == CASCADE_OK);
        REQUIRE(cascade_dataset_subset(d, s.fit, s.fit_count, &fit, &error) == CASCADE_OK);
        REQUIRE(cascade_dataset_subset(d, s.eval, s.eval_count, &eval, &error) == CASCADE_OK);
        cascade_guarantee_options ltt = {CASCADE_GUARANTEE_LTT, eps, delta};
        cascade_guarantee_options crc = {CASCADE_GUARANTEE_CRC, eps, 0};
        cascade_point p;
        cascade_guarantee g;
        int certified;
        REQUIRE(cascade_guarantee_pick(fit, chain, 1, &ltt, &p, &g, &certified, &error) ==
                CASCADE_OK);
        if (certified)
            exceeded += cascade_point_drop(eval, &p) > eps;
        else
            refused++;
        REQUIRE(cascade_guarantee_pick(fit, chain, 1, &crc, &p, &g, &certified, &error) ==
                CASCADE_OK);
        REQUIRE(certified);
        double drop = cascade_point_drop(eval, &p);
        crc_sum += drop;
        crc_squares += drop * drop;
        cascade_dataset_free(fit);
        cascade_dataset_free(eval);
        cascade_split_free(&s);
    }
    size_t allowed = binomial_upper_limit(SPLITS, delta, 0.001);
    double mean = crc_sum / SPLITS;
    double sd = sqrt(fmax(0, crc_squares / SPLITS - mean * mean));
    double slack = 3 * sd / sqrt((double)SPLITS);
    printf("%s -> %s: ltt: eval drop > %g in %zu of %d splits (allowed %zu), %zu refused; "
           "crc: mean eval drop %.5f (limit %g + slack %.5f)\n",
           a, b, eps, exceeded, SPLITS, allowed, refused, mean, eps, slack);
    CHECK(exceeded <= allowed);
    CHECK(refused == 0);
    CHECK(mean <= eps + slack);
}

TEST_CASE(eval_drop_should_exceed_eps_in_at_most_delta_of_200_cifar10_splits)
{
    cascade_dataset *d = test_load_cifar10();
    check_200_splits(d, "lenet5", "vgg16");
    cascade_dataset_free(d);
}

TEST_CASE(eval_drop_should_exceed_eps_in_at_most_delta_of_200_imagenet_x_splits)
{
    shared_data_dir(); /* skips without ../shared */
    cascade_dataset *d = NULL;
    cascade_dataset_options options = {.require_labels = 1};
    REQUIRE(cascade_dataset_load(CASCADE_SOURCE_DIR "/tests/baselines/imagenet-x/manifest.json",
                                 &options, &d, NULL) == CASCADE_OK);
    check_200_splits(d, "ResNet50", "ViT");
    cascade_dataset_free(d);
}

RUN_TESTS(CASE(binomial_cdf_should_match_adding_one_trial_at_a_time),
          CASE(hb_pvalue_should_match_its_definition_on_either_side_of_eps),
          CASE(guaranteed_picks_should_stop_before_the_first_failing_threshold_like_brute_force),
          CASE(guaranteed_pick_should_refuse_eps_or_delta_outside_zero_one_and_no_chain),
          CASE(drop_should_count_wrong_answers_where_the_last_model_is_right),
          CASE(eval_drop_should_exceed_eps_in_at_most_delta_of_200_cifar10_splits),
          CASE(eval_drop_should_exceed_eps_in_at_most_delta_of_200_imagenet_x_splits))
