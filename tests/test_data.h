/* Building small datasets for tests: in memory, or as files in a temp dir. */
#ifndef CASCADE_TEST_DATA_H
#define CASCADE_TEST_DATA_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cascade/dataset.h"

/* A dataset of MODELS models over SAMPLES samples with everything zeroed:
 * fill records.confidence / records.correct / cost, then call
 * test_dataset_finish(). Release with cascade_dataset_free(). */
static inline cascade_dataset *test_dataset_new(size_t models, size_t samples)
{
    cascade_dataset *d = calloc(1, sizeof *d);
    d->samples = samples;
    d->classes = 2;
    d->model_count = models;
    d->has_labels = 1;
    d->models = calloc(models, sizeof *d->models);
    static const char *names[] = {"m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7",
                                  "m8", "m9", "m10", "m11", "m12", "m13", "m14", "m15"};
    for (size_t m = 0; m < models; m++) {
        cascade_records *r = &d->models[m].records;
        d->models[m].name = names[m % 16];
        r->samples = samples;
        r->classes = 2;
        r->prediction = calloc(samples, sizeof *r->prediction);
        r->confidence = calloc(samples, sizeof *r->confidence);
        r->correct = calloc(samples, sizeof *r->correct);
    }
    return d;
}

static inline void test_dataset_finish(cascade_dataset *d)
{
    for (size_t m = 0; m < d->model_count; m++) {
        cascade_records *r = &d->models[m].records;
        r->correct_count = 0;
        for (size_t i = 0; i < r->samples; i++)
            r->correct_count += r->correct[i];
    }
}

/* Deterministic pseudo-random numbers (splitmix64). */
static const double *test_order_values;

static inline int test_by_value_then_index(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    double x = test_order_values[a], y = test_order_values[b];
    if (x != y)
        return x > y ? -1 : 1;
    return (a > b) - (a < b);
}

/* ORDER[0..n) = the indices of VALUES, largest value first, ties (-0 and
 * +0 among them) by index: qsort's order, the reference the library's
 * linear-time sorts are held to. */
static inline void test_order_descending(const double *values, size_t n, uint32_t *order)
{
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    test_order_values = values;
    qsort(order, n, sizeof *order, test_by_value_then_index);
}

static inline double test_uniform(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

/* A random dataset where confidence tracks correctness and errors share a
 * per-sample difficulty; costs rise with the model index. */
static inline cascade_dataset *test_dataset_random(size_t models, size_t samples, uint64_t seed)
{
    cascade_dataset *d = test_dataset_new(models, samples);
    uint64_t state = seed;
    double *difficulty = malloc(samples * sizeof *difficulty);
    for (size_t i = 0; i < samples; i++)
        difficulty[i] = test_uniform(&state);
    for (size_t m = 0; m < models; m++) {
        double skill = 0.3 + 0.6 * (double)(m + 1) / (double)models;
        cascade_records *r = &d->models[m].records;
        d->models[m].cost = 0.01 * (double)(1u << m) * (1.0 + 0.1 * test_uniform(&state));
        for (size_t i = 0; i < samples; i++) {
            double noise = test_uniform(&state);
            r->correct[i] = difficulty[i] * 0.7 + noise * 0.3 < skill;
            /* confidences on a coarse grid, so that ties happen */
            double c = 0.5 + 0.5 * (r->correct[i] ? 0.3 + 0.7 * test_uniform(&state)
                                                  : 0.8 * test_uniform(&state));
            r->confidence[i] = (double)(int)(c * 200) / 200.0;
        }
    }
    free(difficulty);
    test_dataset_finish(d);
    return d;
}

/* Writes a float64 or int64 .npy v1 file. */
static inline void test_write_npy(const char *path, const char *descr, size_t rows,
                                  size_t cols, const void *data, size_t item)
{
    char dict[128];
    if (cols)
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu, %zu), }",
                 descr, rows, cols);
    else
        snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (%zu,), }",
                 descr, rows);
    size_t len = strlen(dict), total = 10 + len + 1;
    size_t padded = (total + 63) / 64 * 64;
    FILE *f = fopen(path, "wb");
    fwrite("\x93NUMPY\x01\x00", 1, 8, f);
    uint16_t header = (uint16_t)(padded - 10);
    fputc(header & 0xff, f);
    fputc(header >> 8, f);
    fputs(dict, f);
    for (size_t i = total; i < padded; i++)
        fputc(' ', f);
    fputc('\n', f);
    fwrite(data, item, rows * (cols ? cols : 1), f);
    fclose(f);
}

/* A fresh temporary folder; caller removes it with test_remove_dir(). */
static inline char *test_temp_dir(void)
{
    char *dir = strdup("/tmp/cascade-test-XXXXXX");
    return mkdtemp(dir);
}

static inline void test_remove_dir(const char *dir)
{
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", dir);
    if (system(command) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* The largest confidence of R below ABOVE, -INFINITY when none: walking
 * every distinct threshold from the top, by brute force. */
static inline double test_next_confidence_below(const cascade_records *r, double above)
{
    double next = -INFINITY;
    for (size_t i = 0; i < r->samples; i++)
        if (r->confidence[i] < above && r->confidence[i] > next)
            next = r->confidence[i];
    return next;
}

#ifdef CASCADE_SHARED_DATA /* tests, not benchmarks */
#include "check.h"

/* The labelled CIFAR-10 manifest of ../shared/data (skips when absent). */
static inline cascade_dataset *test_load_cifar10(void)
{
    char manifest[4096];
    snprintf(manifest, sizeof manifest, "%s/cifar10/manifest.json", shared_data_dir());
    cascade_dataset_options o = {.cost_field = "gmacs", .require_labels = 1};
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    REQUIRE(cascade_dataset_load(manifest, &o, &d, &error) == CASCADE_OK);
    return d;
}
#endif

#endif
