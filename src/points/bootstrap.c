/* Percentile bootstrap intervals for operating points (cascade/bootstrap.h).
 *
 * A point's figures on a resample are counts: correct answers, and samples
 * reaching each stage after the first. With W the [resamples][k] matrix of
 * multiplicities (how often each sample was drawn) and O the [k][columns]
 * matrix of per-sample 0/1 indicators (per point: correct, reached stage 2,
 * ..., reached stage n), R = W O holds every count for every point and
 * resample. One SGEMM per block of resamples does it; single precision is
 * exact here because every partial sum is a whole number <= k < 2^24. */
#include "cascade/bootstrap.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


enum {
    DEFAULT_RESAMPLES = 1000,
    RESAMPLE_BLOCK = 64,                /* rows of W per SGEMM */
    OUTCOME_BUDGET = 1 << 23            /* floats of O per block of points (32 MiB) */
};

/* The next 32 random bits: each splitmix64 output gives two, low half
 * first. */
typedef struct bits32 {
    uint64_t state;
    uint64_t held;
    int have;
} bits32;

static inline uint32_t next32(bits32 *g)
{
    if (g->have) {
        g->have = 0;
        return (uint32_t)(g->held >> 32);
    }
    /* cascade_splitmix64(), inlined: it runs once per two draws. */
    uint64_t z = (g->state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    g->held = z ^ (z >> 31);
    g->have = 1;
    return (uint32_t)g->held;
}

/* Uniform in [0, k) for k < 2^32, without bias: Lemire's multiply-shift,
 * rejecting the low products below 2^32 mod k. No division on the common
 * path, which matters at k draws per resample. */
static inline uint32_t draw_below(bits32 *g, uint32_t k)
{
    uint64_t m = (uint64_t)next32(g) * k;
    if ((uint32_t)m < k) {
        uint32_t reject_below = (0u - k) % k;
        while ((uint32_t)m < reject_below)
            m = (uint64_t)next32(g) * k;
    }
    return (uint32_t)(m >> 32);
}

/* Resample B's own stream, so that the result does not depend on which
 * thread draws it. */
static bits32 resample_stream(uint64_t seed, size_t b)
{
    return (bits32){seed ^ (0xd1b54a32d192ed03ull * ((uint64_t)b + 1)), 0, 0};
}

/* One resample's multiplicities. */
static void draw_resample(uint64_t seed, size_t b, size_t k, float *row)
{
    memset(row, 0, k * sizeof *row);
    bits32 g = resample_stream(seed, b);
    for (size_t i = 0; i < k; i++)
        row[draw_below(&g, (uint32_t)k)] += 1.0f;
}

void cascade_bootstrap_resample(uint64_t seed, size_t b, size_t k, size_t *index)
{
    bits32 g = resample_stream(seed, b);
    for (size_t i = 0; i < k; i++)
        index[i] = draw_below(&g, (uint32_t)k);
}

typedef struct draw_job {
    uint64_t seed;
    size_t first, count, k;
    unsigned thread, threads;
    float *w;                           /* [count][k] */
} draw_job;

static void *draw_rows(void *arg)
{
    draw_job *job = arg;
    for (size_t r = job->thread; r < job->count; r += job->threads)
        draw_resample(job->seed, job->first + r, job->k, job->w + r * job->k);
    return NULL;
}

/* Resamples FIRST..FIRST+COUNT-1 into W ([count][k]), on up to THREADS threads. */
static void draw_block(uint64_t seed, size_t first, size_t count, size_t k, float *w,
                       unsigned threads)
{
    enum { MAX_THREADS = 64 };
    unsigned n = threads < count ? threads : (unsigned)count;
    if (n > MAX_THREADS)
        n = MAX_THREADS;
    if (n == 0)
        n = 1;
    draw_job jobs[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    int started[MAX_THREADS] = {0};
    for (unsigned t = 0; t < n; t++)
        jobs[t] = (draw_job){seed, first, count, k, t, n, w};
    for (unsigned t = 1; t < n; t++)
        started[t] = pthread_create(&ids[t], NULL, draw_rows, &jobs[t]) == 0;
    draw_rows(&jobs[0]);
    for (unsigned t = 1; t < n; t++) {
        if (started[t])
            pthread_join(ids[t], NULL);
        else
            draw_rows(&jobs[t]); /* no thread: draw here */
    }
}

/* The stage (0-based) that answers sample I. */
static unsigned answering_stage(const cascade_dataset *d, const cascade_point *p, size_t i)
{
    for (unsigned s = 0; s + 1 < p->stages; s++)
        if (d->models[p->model[s]].records.confidence[i] >= p->threshold[s])
            return s;
    return p->stages - 1;
}

double cascade_quantile_sorted(const double *sorted, size_t n, double q)
{
    if (n == 0)
        return NAN;
    double h = q * (double)(n - 1);
    size_t below = (size_t)floor(h);
    if (below >= n - 1)
        return sorted[n - 1];
    return sorted[below] + (h - (double)below) * (sorted[below + 1] - sorted[below]);
}

static int ascending(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

static unsigned thread_count(const cascade_bootstrap_options *o)
{
    if (o->threads)
        return o->threads;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (unsigned)online : 1;
}

cascade_status cascade_bootstrap(const cascade_dataset *dataset, const cascade_point *points,
                                 size_t count, const cascade_bootstrap_options *options,
                                 cascade_interval *out, cascade_error *error)
{
    cascade_bootstrap_options defaults = {0};
    const cascade_bootstrap_options *o = options ? options : &defaults;
    size_t resamples = o->resamples ? o->resamples : DEFAULT_RESAMPLES;
    double level = o->level > 0 ? o->level : 0.95;
    size_t k = dataset->samples;
    if (!(level < 1))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "an interval level of %g (expected a number between 0 and 1)", level);
    if (dataset->score != CASCADE_SCORE_ACCURACY)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "bootstrap intervals of %s (expected accuracy: the resampling counts right answers)",
            cascade_score_name(dataset->score));
    if (cascade_dataset_per_sample(dataset)) /* it resamples counts at constant costs */
        return cascade_dataset_refuse_per_sample(dataset, "the bootstrap (--bootstrap)", error);
    for (size_t p = 0; p < count; p++)
        out[p] = (cascade_interval){NAN, NAN, NAN, NAN};
    size_t scored = 0;
    for (size_t p = 0; p < count; p++) {
        if (points[p].stages < 1 || points[p].stages > CASCADE_MAX_STAGES)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "point %zu has %u stages (expected 1 to %d)", p, points[p].stages,
                CASCADE_MAX_STAGES);
        for (unsigned s = 0; s < points[p].stages; s++)
            if (points[p].model[s] >= dataset->model_count)
                return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                    "point %zu names model %u (expected < %zu)", p, points[p].model[s],
                    dataset->model_count);
        if (!dataset->models[points[p].model[0]].table_only)
            scored++;
        else if (points[p].stages > 1)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "point %zu chains a table-only model (expected it to stand alone)", p);
    }
    if (scored == 0)
        return CASCADE_OK;
    if (!dataset->has_labels || k == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "no labelled samples (expected labels to resample)");
    if (k >= (1u << 24))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "%zu samples (expected fewer than 2^24 for exact single-precision counts)", k);
    unsigned threads = thread_count(o);

    /* Points go in blocks whose indicator columns fit the budget (at least
     * one point each); each block's indicators are built once. The
     * resamples are drawn again for every block of points: drawing 64
     * resamples costs a few percent of their product with the block. */
    size_t budget_columns = OUTCOME_BUDGET / k;
    if (budget_columns < CASCADE_MAX_STAGES)
        budget_columns = CASCADE_MAX_STAGES;
    size_t block_rows = resamples < RESAMPLE_BLOCK ? resamples : RESAMPLE_BLOCK;
    size_t *column = malloc((count + 1) * sizeof *column);  /* [count] first column in its block */
    float *w = malloc(block_rows * k * sizeof *w);                   /* [block_rows][k] */
    float *outcome = malloc(budget_columns * k * sizeof *outcome);  /* [k][columns] */
    float *counts = malloc(block_rows * budget_columns * sizeof *counts); /* [block_rows][columns] */
    double *acc = malloc(count * resamples * sizeof *acc);          /* [count][resamples] */
    double *cost = malloc(count * resamples * sizeof *cost);        /* [count][resamples] */
    cascade_status status = column && w && outcome && counts && acc && cost
                                ? CASCADE_OK : CASCADE_ERR_NOMEM;
    size_t from = 0;
    while (status == CASCADE_OK && from < count) {
        /* The next block: points FROM..TO-1, COLUMNS indicator columns. */
        size_t to = from, columns = 0;
        for (; to < count; to++) {
            const cascade_point *p = &points[to];
            if (dataset->models[p->model[0]].table_only)
                continue;
            if (columns + p->stages > budget_columns)
                break;
            column[to] = columns;
            columns += p->stages;
        }
        /* Per sample, for each point: correct, reached stage 2..n. */
        for (size_t i = 0; i < k; i++) {
            float *row = outcome + i * columns;
            for (size_t p = from; p < to; p++) {
                if (dataset->models[points[p].model[0]].table_only)
                    continue;
                unsigned s = answering_stage(dataset, &points[p], i);
                float *c = row + column[p];
                c[0] = dataset->models[points[p].model[s]].records.correct[i];
                for (unsigned t = 1; t < points[p].stages; t++)
                    c[t] = t <= s ? 1.0f : 0.0f;
            }
        }
        for (size_t first = 0; columns > 0 && first < resamples; first += block_rows) {
            size_t rows = resamples - first < block_rows ? resamples - first : block_rows;
            draw_block(o->seed, first, rows, k, w, threads);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)columns,
                        (int)k, 1.0f, w, (int)k, outcome, (int)columns, 0.0f, counts,
                        (int)columns);
            for (size_t p = from; p < to; p++) {
                if (dataset->models[points[p].model[0]].table_only)
                    continue;
                for (size_t r = 0; r < rows; r++) {
                    const float *c = counts + r * columns + column[p];
                    size_t reached[CASCADE_MAX_STAGES];
                    reached[0] = k;
                    for (unsigned t = 1; t < points[p].stages; t++)
                        reached[t] = (size_t)c[t];
                    acc[p * resamples + first + r] = (double)(size_t)c[0] / (double)k;
                    cost[p * resamples + first + r] =
                        cascade_chain_cost(dataset, points[p].stages, points[p].model, reached);
                }
            }
        }
        from = to;
    }
    double lo_q = (1 - level) / 2, hi_q = 1 - lo_q;
    for (size_t p = 0; p < count && status == CASCADE_OK; p++) {
        if (dataset->models[points[p].model[0]].table_only)
            continue;
        double *a = acc + p * resamples, *c = cost + p * resamples;
        qsort(a, resamples, sizeof *a, ascending);
        qsort(c, resamples, sizeof *c, ascending);
        out[p].accuracy_lo = cascade_quantile_sorted(a, resamples, lo_q);
        out[p].accuracy_hi = cascade_quantile_sorted(a, resamples, hi_q);
        out[p].cost_lo = cascade_quantile_sorted(c, resamples, lo_q);
        out[p].cost_hi = cascade_quantile_sorted(c, resamples, hi_q);
    }
    free(column);
    free(w);
    free(outcome);
    free(counts);
    free(acc);
    free(cost);
    if (status != CASCADE_OK)
        return cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    return CASCADE_OK;
}
