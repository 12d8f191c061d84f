/* Times the per-model pass's vectorised max-softmax kernel on one thread:
 * ROWS x CLASSES float32 logits (defaults: 16 x 1000, which stay in L2),
 * passed over until about 5 x 10^7 logits are done, three times with each
 * vector kernel this CPU can run; prints nanoseconds a logit. Not a test: run it
 * by hand.
 *   bench_softmax [ROWS [CLASSES]] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "records/softmax_kernel.h"

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? (size_t)atol(argv[1]) : 16;
    size_t classes = argc > 2 ? (size_t)atol(argv[2]) : 1000;
    if (rows == 0 || classes < 2) {
        fprintf(stderr, "usage: bench_softmax [ROWS [CLASSES >= 2]]\n");
        return 2;
    }
    float *logits = malloc(rows * classes * sizeof *logits);
    int32_t *prediction = malloc(rows * sizeof *prediction);
    double *confidence = malloc(rows * sizeof *confidence);
    if (!logits || !prediction || !confidence)
        return 1;
    uint64_t state = 1;
    for (size_t i = 0; i < rows * classes; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        logits[i] = (float)((double)(state >> 11) / 9007199254740992.0 * 20 - 10);
    }
    size_t passes = 50000000 / (rows * classes) + 1;
    static const char *names[] = {"scalar", "avx2", "avx512"};
    /* the scalar kernel (about 11 ns a logit) only where it is all there is */
    int best = (int)cascade_softmax_best_kernel();
    for (int kernel = best > CASCADE_KERNEL_AVX2 ? CASCADE_KERNEL_AVX2 : best; kernel <= best; kernel++)
        for (int round = 0; round < 3; round++) {
            double start = seconds();
            for (size_t p = 0; p < passes; p++)
                cascade_max_softmax_f32_using((cascade_softmax_kernel)kernel, logits, classes, 0,
                                              rows, prediction, confidence);
            double elapsed = seconds() - start;
            printf("%s, %zu x %zu: %.3f ns a logit\n", names[kernel], rows, classes,
                   elapsed * 1e9 / ((double)passes * (double)(rows * classes)));
        }
    free(logits);
    free(prediction);
    free(confidence);
    return 0;
}
