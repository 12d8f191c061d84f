/* Bootstrap intervals (cascade/bootstrap.h): against a direct resampling
 * that follows the documented procedure sample by sample, and their
 * expected behaviour: they hold the point estimate and narrow as k grows. */
#include "check.h"
#include "test_data.h"

#include "cascade/bootstrap.h"
#include "cascade/sweep.h"

static int by_value(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

/* Linear interpolation between order statistics, written out again. */
static double quantile(double *v, size_t n, double q)
{
    qsort(v, n, sizeof *v, by_value);
    double h = q * (double)(n - 1);
    size_t i = (size_t)h;
    return i + 1 < n ? v[i] + (h - (double)i) * (v[i + 1] - v[i]) : v[n - 1];
}

static uint64_t next64(uint64_t *x)
{
    *x += 0x9e3779b97f4a7c15ull;
    uint64_t z = *x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static cascade_front swept(const cascade_dataset *d, unsigned stages)
{
    cascade_front front;
    cascade_front_init(&front);
    cascade_sweep_options options = {.max_stages = stages, .grid = 8};
    REQUIRE(cascade_sweep(d, &options, &front, NULL, NULL) == CASCADE_OK);
    return front;
}

TEST_CASE(bootstrap_should_equal_a_direct_resampling_of_the_samples)
{
    size_t k = 300, B = 200;
    uint64_t seed = 9;
    cascade_dataset *d = test_dataset_random(3, k, 4);
    cascade_front front = swept(d, 3);
    size_t n = front.count;
    cascade_interval *got = malloc(n * sizeof *got);
    cascade_bootstrap_options options = {.resamples = (unsigned)B, .seed = seed, .threads = 2};
    REQUIRE(cascade_bootstrap(d, front.points, n, &options, got, NULL) == CASCADE_OK);

    double *acc = malloc(n * B * sizeof *acc), *cost = malloc(n * B * sizeof *cost);
    size_t *drawn = malloc(k * sizeof *drawn);
    for (size_t b = 0; b < B; b++) {
        /* Resample b: k draws from its own stream, two 32-bit halves per
         * output, each mapped by multiply-shift with rejection. */
        uint64_t x = seed ^ (0xd1b54a32d192ed03ull * (b + 1));
        uint32_t halves[2];
        int left = 0;
        for (size_t i = 0; i < k; i++) {
            uint64_t product;
            do {
                if (!left) {
                    uint64_t r = next64(&x);
                    halves[0] = (uint32_t)(r >> 32); /* taken second */
                    halves[1] = (uint32_t)r;         /* taken first */
                    left = 2;
                }
                product = (uint64_t)halves[--left] * k;
            } while ((uint32_t)product < (uint32_t)(4294967296ull % k));
            drawn[i] = (size_t)(product >> 32);
        }
        for (size_t p = 0; p < n; p++) {
            const cascade_point *q = &front.points[p];
            size_t correct = 0, reached[CASCADE_MAX_STAGES] = {0};
            for (size_t i = 0; i < k; i++)
                for (unsigned s = 0; s < q->stages; s++) {
                    const cascade_records *rec = &d->models[q->model[s]].records;
                    reached[s]++;
                    if (s + 1 == q->stages || rec->confidence[drawn[i]] >= q->threshold[s]) {
                        correct += rec->correct[drawn[i]];
                        break;
                    }
                }
            double c = 0;
            for (unsigned s = 0; s < q->stages; s++)
                c += d->models[q->model[s]].cost * ((double)reached[s] / (double)k);
            acc[p * B + b] = (double)correct / (double)k;
            cost[p * B + b] = c;
        }
    }
    double worst = 0;
    for (size_t p = 0; p < n; p++) {
        double want[4] = {quantile(acc + p * B, B, 0.025), quantile(acc + p * B, B, 0.975),
                          quantile(cost + p * B, B, 0.025), quantile(cost + p * B, B, 0.975)};
        double have[4] = {got[p].accuracy_lo, got[p].accuracy_hi, got[p].cost_lo, got[p].cost_hi};
        for (int j = 0; j < 4; j++)
            worst = fmax(worst, fabs(want[j] - have[j]));
    }
    printf("%zu points, %zu resamples: largest difference %g\n", n, B, worst);
    CHECK(n > 10);
    /* The library's q is (1 - 0.95) / 2, a hair above 0.025 in binary. */
    CHECK_NEAR(worst, 0, 1e-15);
    free(drawn);
    free(acc);
    free(cost);
    free(got);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

TEST_CASE(bootstrap_intervals_should_contain_every_point_estimate)
{
    cascade_dataset *d = test_dataset_random(5, 20000, 12);
    cascade_front front = swept(d, 3);
    cascade_interval *iv = malloc(front.count * sizeof *iv);
    cascade_bootstrap_options options = {.resamples = 1000, .seed = 3};
    REQUIRE(cascade_bootstrap(d, front.points, front.count, &options, iv, NULL) == CASCADE_OK);
    size_t outside = 0;
    for (size_t p = 0; p < front.count; p++) {
        const cascade_point *q = &front.points[p];
        outside += !(iv[p].accuracy_lo <= q->accuracy && q->accuracy <= iv[p].accuracy_hi);
        outside += !(iv[p].cost_lo <= q->cost && q->cost <= iv[p].cost_hi);
        CHECK(iv[p].accuracy_lo < iv[p].accuracy_hi);
    }
    printf("%zu points, %zu estimates outside their interval\n", front.count, outside);
    CHECK_EQ_INT(outside, 0);
    free(iv);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

TEST_CASE(bootstrap_intervals_should_narrow_as_the_samples_grow)
{
    /* The same point (m0 then m3 at t = 0.8) on 1,000, 10,000 and 100,000
     * samples: widths should fall by about sqrt(10) each time. */
    size_t sizes[3] = {1000, 10000, 100000};
    double acc_width[3], cost_width[3];
    for (int s = 0; s < 3; s++) {
        cascade_dataset *d = test_dataset_random(4, sizes[s], 21);
        cascade_point p;
        double t = 0.8;
        REQUIRE(cascade_evaluate(d, 2, (unsigned[]){0, 3}, &t, &p, NULL) == CASCADE_OK);
        cascade_interval iv;
        cascade_bootstrap_options options = {.resamples = 1000, .seed = 5};
        REQUIRE(cascade_bootstrap(d, &p, 1, &options, &iv, NULL) == CASCADE_OK);
        acc_width[s] = iv.accuracy_hi - iv.accuracy_lo;
        cost_width[s] = iv.cost_hi - iv.cost_lo;
        printf("k = %zu: accuracy %.5f in [%.5f, %.5f], cost %.5f in [%.5f, %.5f]\n", sizes[s],
               p.accuracy, iv.accuracy_lo, iv.accuracy_hi, p.cost, iv.cost_lo, iv.cost_hi);
        cascade_dataset_free(d);
    }
    for (int s = 0; s < 2; s++) {
        double a = acc_width[s] / acc_width[s + 1], c = cost_width[s] / cost_width[s + 1];
        printf("width ratios %zu -> %zu: accuracy %.2f, cost %.2f (sqrt(10) = 3.16)\n",
               sizes[s], sizes[s + 1], a, c);
        CHECK(a > 2.2 && a < 4.5);
        CHECK(c > 2.2 && c < 4.5);
    }
}

TEST_CASE(bootstrap_should_not_depend_on_the_thread_count)
{
    cascade_dataset *d = test_dataset_random(3, 5000, 8);
    cascade_front front = swept(d, 2);
    cascade_interval *one = malloc(front.count * sizeof *one);
    cascade_interval *three = malloc(front.count * sizeof *three);
    cascade_bootstrap_options options = {.resamples = 300, .seed = 77, .threads = 1};
    REQUIRE(cascade_bootstrap(d, front.points, front.count, &options, one, NULL) == CASCADE_OK);
    options.threads = 3;
    REQUIRE(cascade_bootstrap(d, front.points, front.count, &options, three, NULL) == CASCADE_OK);
    CHECK(memcmp(one, three, front.count * sizeof *one) == 0);
    free(one);
    free(three);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

TEST_CASE(bootstrap_should_give_constant_figures_a_zero_width_interval)
{
    /* One model is right on every sample; a single model always costs its
     * cost: whatever the resample, those figures cannot move. */
    cascade_dataset *d = test_dataset_random(2, 1000, 2);
    memset(d->models[1].records.correct, 1, 1000);
    test_dataset_finish(d);
    cascade_point p;
    REQUIRE(cascade_evaluate(d, 1, (unsigned[]){1}, NULL, &p, NULL) == CASCADE_OK);
    cascade_interval iv;
    cascade_bootstrap_options options = {.resamples = 100, .seed = 1};
    REQUIRE(cascade_bootstrap(d, &p, 1, &options, &iv, NULL) == CASCADE_OK);
    CHECK(iv.accuracy_lo == 1 && iv.accuracy_hi == 1);
    CHECK(iv.cost_lo == d->models[1].cost && iv.cost_hi == d->models[1].cost);
    /* A table-only model has no samples to resample. */
    d->models[0].table_only = 1;
    d->models[0].accuracy = 0.5;
    REQUIRE(cascade_evaluate(d, 1, (unsigned[]){0}, NULL, &p, NULL) == CASCADE_OK);
    REQUIRE(cascade_bootstrap(d, &p, 1, &options, &iv, NULL) == CASCADE_OK);
    CHECK(isnan(iv.accuracy_lo) && isnan(iv.cost_hi));
    cascade_dataset_free(d);
}

TEST_CASE(quantile_should_interpolate_between_order_statistics)
{
    double v[4] = {1, 2, 3, 4};
    CHECK_NEAR(cascade_quantile_sorted(v, 4, 0.5), 2.5, 0);
    CHECK_NEAR(cascade_quantile_sorted(v, 4, 0.025), 1.075, 1e-15); /* h = 0.075 */
    CHECK_NEAR(cascade_quantile_sorted(v, 4, 0.975), 3.925, 1e-15); /* h = 2.925 */
    CHECK_NEAR(cascade_quantile_sorted(v, 4, 1), 4, 0);
    CHECK_NEAR(cascade_quantile_sorted(v, 1, 0.3), 1, 0);
}

RUN_TESTS(CASE(bootstrap_should_equal_a_direct_resampling_of_the_samples),
          CASE(bootstrap_intervals_should_contain_every_point_estimate),
          CASE(bootstrap_intervals_should_narrow_as_the_samples_grow),
          CASE(bootstrap_should_not_depend_on_the_thread_count),
          CASE(bootstrap_should_give_constant_figures_a_zero_width_interval),
          CASE(quantile_should_interpolate_between_order_statistics))
