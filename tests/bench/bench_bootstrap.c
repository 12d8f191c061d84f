/* Times cascade_bootstrap: B resamples of a front of P points on a random
 * in-memory dataset of K samples (defaults: 1000, 100 two-stage points,
 * 50,000 samples). Not a test: run it by hand.
 *   bench_bootstrap [B [P [K [THREADS]]]] */
#include "test_data.h"

#include <time.h>

#include "cascade/bootstrap.h"

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    unsigned resamples = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
    size_t points = argc > 2 ? (size_t)atol(argv[2]) : 100;
    size_t samples = argc > 3 ? (size_t)atol(argv[3]) : 50000;
    unsigned threads = argc > 4 ? (unsigned)atoi(argv[4]) : 0;
    cascade_dataset *d = test_dataset_random(8, samples, 7);
    cascade_point *front = calloc(points, sizeof *front);
    uint64_t state = 11;
    for (size_t p = 0; p < points; p++) {
        unsigned a = (unsigned)(p % 7);
        double t = 0.5 + 0.5 * test_uniform(&state);
        cascade_evaluate(d, 2, (unsigned[]){a, a + 1}, &t, &front[p], NULL);
    }
    cascade_interval *out = calloc(points, sizeof *out);
    cascade_bootstrap_options options = {.resamples = resamples, .seed = 1, .threads = threads};
    double start = seconds(), cpu = cpu_seconds();
    cascade_error error;
    cascade_status status = cascade_bootstrap(d, front, points, &options, out, &error);
    double wall = seconds() - start;
    cpu = cpu_seconds() - cpu;
    if (status != CASCADE_OK) {
        fprintf(stderr, "bench_bootstrap: %s\n", error.message);
        return 1;
    }
    printf("B=%u points=%zu samples=%zu: %.3f s wall, %.3f s CPU\n", resamples, points,
           samples, wall, cpu);
    printf("point 0: accuracy %.5f in [%.5f, %.5f], cost %.5f in [%.5f, %.5f]\n",
           front[0].accuracy, out[0].accuracy_lo, out[0].accuracy_hi, front[0].cost,
           out[0].cost_lo, out[0].cost_hi);
    free(out);
    free(front);
    cascade_dataset_free(d);
    return 0;
}
