/* The synthetic dataset generator: plans (which models, their costs and
 * target accuracies), then labels, logits and the manifest. See
 * cascade/synth.h for the model of the data. */
#include "cascade/synth.h"

#include "cascade/npy_write.h"
#include "cascade/output.h"
#include "cascade/table.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the model of the data (see synth.h) ---- */
#define MARGIN_SLOPE 2.0     /* true-class margin per unit of skill - difficulty */
#define MODEL_NOISE_SD 0.3   /* per-model, per-sample noise on the margin */
#define LEAD_CAP 2.0         /* a correct class's lead saturates at this much noise */
#define ROW_SCALE_SD 0.4     /* log-sd of the per-sample, per-model logit scale */
#define GAP_LOW (-0.02)      /* mean confidence minus accuracy, per model */
#define GAP_HIGH 0.08
#define CALIBRATION_ELEMENTS ((size_t)1 << 21) /* rows x classes for the scale fit */
#define BLOCK_BYTES ((size_t)8 << 20)          /* logits written per append */

/* Random streams: every value comes from a stream named by (seed, tag,
 * model, row), so the output does not depend on threads or block sizes. */
enum {
    STREAM_PLAN = 1,   /* default plan: cost jitter */
    STREAM_LABELS,     /* label shuffle */
    STREAM_DIFFICULTY, /* shared per-sample difficulty */
    STREAM_GAP,        /* per-model confidence gap */
    STREAM_ROW_BASE,   /* per (model, row): noise that decides correctness */
    STREAM_ROW_REST    /* per (model, row): the other classes' noise */
};

typedef struct rng {
    uint64_t s[4];   /* xoshiro256** state */
} rng;

static uint64_t mix64(uint64_t x)
{
    /* splitmix64's finaliser */
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static void rng_init(rng *r, uint64_t seed, uint64_t tag, uint64_t a, uint64_t b)
{
    uint64_t x = mix64(mix64(mix64(seed ^ 0x5eed5eed5eed5eedull) ^ tag) + a);
    x = mix64(x ^ (b * 0x9e3779b97f4a7c15ull));
    for (int i = 0; i < 4; i++) {
        x += 0x9e3779b97f4a7c15ull; /* splitmix64 */
        r->s[i] = mix64(x);
    }
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform on the open interval (0, 1). */
static inline double rng_uniform(rng *r)
{
    return ((double)(rng_next(r) >> 11) + 0.5) * 0x1p-53;
}

/* Uniform integer in [0, n), n < 2^32 (bias below 2^-32). */
static inline uint32_t rng_below(rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static double rng_normal(rng *r)
{
    double u, v, s;
    do {
        u = 2.0 * rng_uniform(r) - 1.0;
        v = 2.0 * rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0);
    return u * sqrt(-2.0 * log(s) / s);
}

/* n standard normals below limit, into out: the bulk of the logits, so
 * float precision (all they are stored with) and whole polar pairs
 * (Marsaglia's method, one 64-bit draw per attempt) in a loop with no calls
 * between the draws but logf, so that successive pairs overlap. */
static void normals_below(rng *r, float *out, size_t n, float limit)
{
    size_t i = 0;
    while (i < n) {
        uint64_t x = rng_next(r);
        float u = (float)(x >> 40) * 0x1p-23f - 1.0f;
        float v = (float)((x >> 16) & 0xffffff) * 0x1p-23f - 1.0f;
        float s = u * u + v * v;
        if (s >= 1.0f || s == 0.0f)
            continue;
        float f = sqrtf(-2.0f * logf(s) / s);
        float a = u * f, b = v * f;
        if (a < limit)
            out[i++] = a;
        if (b < limit && i < n)
            out[i++] = b;
    }
}

/* ---- the standard normal distribution ---- */

/* Upper tail Q(x) = P(Z > x). */
static double normal_upper(double x)
{
    return 0.5 * erfc(x / sqrt(2.0));
}

/* x with Q(x) = p, for p in (0, 1): P. J. Acklam's rational approximation
 * (relative error 1e-9), then Newton steps on Q to full double precision. */
static double normal_upper_quantile(double p)
{
    static const double a[6] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                -2.759285104469687e+02, 1.383577518672690e+02,
                                -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[5] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                -1.556989798598866e+02, 6.680131188771972e+01,
                                -1.328068155288572e+01};
    static const double c[6] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                -2.400758277161838e+00, -2.549732539343734e+00,
                                4.374664141464968e+00, 2.938163982698783e+00};
    static const double d[4] = {7.784695709041462e-03, 3.224671290700398e-01,
                                2.445134137142996e+00, 3.754408661907416e+00};
    /* Acklam gives the lower quantile of q = p: x_lower(p) = -x_upper(p). */
    double q = p, x;
    if (q < 0.02425) {
        double t = sqrt(-2.0 * log(q));
        x = (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) /
            ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1.0);
    } else if (q > 1.0 - 0.02425) {
        double t = sqrt(-2.0 * log1p(-q));
        x = -(((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) /
            ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1.0);
    } else {
        double t = q - 0.5, r = t * t;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * t /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
    }
    x = -x; /* now Q(x) ~ p */
    for (int i = 0; i < 3; i++) {
        double density = exp(-0.5 * x * x) / 2.5066282746310002; /* sqrt(2 pi) */
        if (density <= 0)
            break;
        double step = (normal_upper(x) - p) / density;
        x += step;
        if (fabs(step) <= 1e-15 * (1.0 + fabs(x)))
            break;
    }
    return x;
}

/* ---- plans ---- */

static cascade_status plan_new(cascade_synth_plan **out, size_t n, cascade_error *err)
{
    cascade_synth_plan *plan = calloc(1, sizeof *plan);
    if (plan)
        plan->models = calloc(n ? n : 1, sizeof *plan->models);
    if (!plan || !plan->models) {
        free(plan);
        return cascade_error_set(err, CASCADE_ERR_NOMEM, NULL, -1, -1,
                                 "out of memory for a plan of %zu models", n);
    }
    plan->n_models = n;
    *out = plan;
    return CASCADE_OK;
}

void cascade_synth_plan_free(cascade_synth_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; i < plan->n_models; i++)
        free(plan->models[i].name);
    free(plan->models);
    free(plan);
}

/* Round to n significant digits, so that manifests read like real tables. */
static double round_significant(double x, int n)
{
    if (x == 0)
        return 0;
    double scale = pow(10.0, n - 1 - (int)floor(log10(fabs(x))));
    return round(x * scale) / scale;
}

cascade_status cascade_synth_plan_default(cascade_synth_plan **out, size_t n_models,
                                          size_t n_classes, uint64_t seed,
                                          cascade_error *err)
{
    if (!out)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1, "no plan pointer");
    *out = NULL;
    if (n_models < 1 || n_models > 1000 || n_classes < 2)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "a plan needs 1 to 1000 models and at least 2 classes "
                                 "(got %zu models, %zu classes)", n_models, n_classes);
    /* Accuracy ranges like those of real model zoos: CIFAR-10 models reach
     * 0.70..0.95, ImageNet ones 0.55..0.88; in between, by log(classes). */
    double where = (log10((double)n_classes) - 1.0) / 2.0;
    where = where < 0 ? 0 : where > 1 ? 1 : where;
    double acc_low = 0.70 - 0.15 * where, acc_high = 0.95 - 0.07 * where;

    cascade_synth_plan *plan = NULL;
    cascade_status status = plan_new(&plan, n_models, err);
    if (status != CASCADE_OK)
        return status;
    rng r;
    rng_init(&r, seed, STREAM_PLAN, 0, 0);
    double *position = malloc(n_models * sizeof *position); /* [models], in (0, 1) */
    if (!position) {
        cascade_synth_plan_free(plan);
        return cascade_error_set(err, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    }
    /* Evenly spaced positions on log10(cost) in [-2, 1], each moved by at
     * most 0.3 of the spacing: costs stay strictly increasing. */
    for (size_t m = 0; m < n_models; m++)
        position[m] = ((double)m + 0.5 + 0.6 * (rng_uniform(&r) - 0.5)) / (double)n_models;
    for (size_t m = 0; m < n_models; m++) {
        cascade_synth_model *model = &plan->models[m];
        char name[32];
        snprintf(name, sizeof name, "m%02zu", m);
        model->name = strdup(name);
        if (!model->name) {
            free(position);
            cascade_synth_plan_free(plan);
            return cascade_error_set(err, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        }
        model->gmacs = round_significant(pow(10.0, -2.0 + 3.0 * position[m]), 4);
        /* Diminishing returns: accuracy concave in log(cost). */
        double rank = n_models == 1 ? 0.5
                      : (position[m] - position[0]) / (position[n_models - 1] - position[0]);
        model->target_accuracy =
            round((acc_low + (acc_high - acc_low) * pow(rank, 0.8)) * 1e4) / 1e4;
    }
    free(position);
    *out = plan;
    return CASCADE_OK;
}

/* ---- plans from timm's tables ---- */

typedef struct candidate {
    const char *name;  /* points into the results table */
    size_t results_row;
    double accuracy;   /* fraction */
    double gmacs;
    double log_cost;
} candidate;

static int compare_names(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return (x->results_row > y->results_row) - (x->results_row < y->results_row);
}

static int compare_costs(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->gmacs != y->gmacs)
        return x->gmacs < y->gmacs ? -1 : 1;
    if (x->accuracy != y->accuracy)
        return x->accuracy > y->accuracy ? -1 : 1; /* most accurate first */
    return strcmp(x->name, y->name);
}

/* The first of the two named columns that the table has, or -1. */
static long first_column(const cascade_table *t, const char *a, const char *b)
{
    long column = cascade_table_column(t, a);
    return column >= 0 ? column : cascade_table_column(t, b);
}

/* Each joined model with both numbers, into cands[0..*n-1]: rows with an
 * empty accuracy or cost are skipped (a model not measured), other
 * unreadable cells are errors. */
static cascade_status read_candidates(const cascade_table *results, const cascade_table *bench,
                                      const cascade_join *join, candidate *cands, size_t *n,
                                      cascade_error *err)
{
    long acc_col = first_column(results, "top1", "accuracy");
    long cost_col = first_column(bench, "gmacs", "infer_gmacs");
    if (acc_col < 0 || cost_col < 0)
        return cascade_error_set(err, CASCADE_ERR_NOT_FOUND,
                                 cascade_table_path(acc_col < 0 ? results : bench), -1, -1,
                                 "no %s column (expected the header to name one)",
                                 acc_col < 0 ? "\"top1\" or \"accuracy\""
                                             : "\"gmacs\" or \"infer_gmacs\"");
    *n = 0;
    for (size_t i = 0; i < join->count; i++) {
        const cascade_join_entry *e = &join->entries[i];
        if (!*cascade_table_cell(results, e->results_row, (size_t)acc_col) ||
            !*cascade_table_cell(bench, e->bench_row, (size_t)cost_col))
            continue;
        candidate c = {e->name, e->results_row, 0, 0, 0};
        cascade_status status = cascade_table_accuracy(results, e->results_row, &c.accuracy, err);
        if (status == CASCADE_OK)
            status = cascade_table_cost(bench, e->bench_row, "gmacs", &c.gmacs, err);
        if (status != CASCADE_OK)
            return status;
        if (c.gmacs > 0) { /* a cost of 0 has no place on a log scale */
            c.log_cost = log(c.gmacs);
            cands[(*n)++] = c;
        }
    }
    return CASCADE_OK;
}

cascade_status cascade_synth_plan_from_tables(cascade_synth_plan **out,
                                              const char *accuracy_csv,
                                              const char *costs_csv, size_t n_models,
                                              cascade_error *err)
{
    if (!out || !accuracy_csv || !costs_csv)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "no plan pointer or table path");
    *out = NULL;
    if (n_models < 1 || n_models > 1000)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "a plan needs 1 to 1000 models (got %zu)", n_models);
    cascade_table *results = NULL, *bench = NULL;
    cascade_join *join = NULL;
    candidate *cands = NULL;
    char *taken = NULL;
    cascade_synth_plan *plan = NULL;
    size_t n_cands = 0;
    cascade_status status = cascade_table_load(accuracy_csv, &results, err);
    if (status == CASCADE_OK)
        status = cascade_table_load(costs_csv, &bench, err);
    /* On the model name, and on the image size when both tables give one. */
    if (status == CASCADE_OK)
        status = cascade_table_join(results, bench, NULL, &join, err);
    if (status == CASCADE_OK &&
        !(cands = malloc((join->count ? join->count : 1) * sizeof *cands)))
        status = cascade_error_set(err, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    if (status == CASCADE_OK)
        status = read_candidates(results, bench, join, cands, &n_cands, err);
    if (status == CASCADE_OK) {
        /* A model listed twice in the results: its first row wins. */
        qsort(cands, n_cands, sizeof *cands, compare_names);
        size_t kept = 0;
        for (size_t k = 0; k < n_cands; k++)
            if (kept == 0 || strcmp(cands[k].name, cands[kept - 1].name) != 0)
                cands[kept++] = cands[k];
        /* One model per cost, the most accurate, so that costs strictly rise. */
        qsort(cands, kept, sizeof *cands, compare_costs);
        n_cands = 0;
        for (size_t k = 0; k < kept; k++)
            if (n_cands == 0 || cands[k].gmacs != cands[n_cands - 1].gmacs)
                cands[n_cands++] = cands[k];
        if (n_models > n_cands)
            status = cascade_error_set(err, CASCADE_ERR_NOT_FOUND, costs_csv, -1, -1,
                                       "only %zu models with distinct costs are in both "
                                       "this table and %s; expected at most %zu models, "
                                       "got %zu", n_cands, accuracy_csv, n_cands, n_models);
    }
    if (status == CASCADE_OK && !(taken = calloc(n_cands, 1)))
        status = cascade_error_set(err, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    if (status == CASCADE_OK)
        status = plan_new(&plan, n_models, err);
    if (status == CASCADE_OK) {
        /* Spread over log(cost): for targets evenly spaced from the cheapest
         * to the dearest, take the nearest model not yet taken. */
        double low = cands[0].log_cost, high = cands[n_cands - 1].log_cost;
        for (size_t m = 0; m < n_models; m++) {
            double target = n_models == 1 ? 0.5 * (low + high)
                            : low + (high - low) * (double)m / (double)(n_models - 1);
            size_t best = n_cands;
            for (size_t k = 0; k < n_cands; k++)
                if (!taken[k] && (best == n_cands || fabs(cands[k].log_cost - target) <
                                                         fabs(cands[best].log_cost - target)))
                    best = k;
            taken[best] = 1;
        }
        size_t m = 0;
        for (size_t k = 0; status == CASCADE_OK && k < n_cands; k++) {
            if (!taken[k])
                continue;
            cascade_synth_model *model = &plan->models[m++];
            model->name = strdup(cands[k].name);
            model->gmacs = cands[k].gmacs;
            model->target_accuracy = cands[k].accuracy;
            if (!model->name)
                status = cascade_error_set(err, CASCADE_ERR_NOMEM, NULL, -1, -1,
                                           "out of memory");
        }
    }
    free(taken);
    free(cands);
    cascade_join_free(join);
    cascade_table_free(bench);
    cascade_table_free(results);
    if (status != CASCADE_OK) {
        cascade_synth_plan_free(plan);
        return status;
    }
    *out = plan;
    return CASCADE_OK;
}

/* ---- generation ---- */

/* What decides a row's correctness for one model; drawn again, identically,
 * when the row is written. */
typedef struct row_base {
    double truth;      /* the true class's noise */
    double top;        /* the largest noise among the other classes */
    uint32_t top_slot; /* which other class has it, 0..classes-2 */
    double model_noise;
    double scale;      /* per-sample, per-model logit scale */
} row_base;

static void draw_row_base(row_base *b, uint64_t seed, size_t model, size_t row,
                          size_t classes)
{
    rng r;
    rng_init(&r, seed, STREAM_ROW_BASE, model, row);
    b->truth = rng_normal(&r);
    /* The maximum of n standard normals is Q^-1(1 - U^(1/n)). */
    double n = (double)(classes - 1);
    b->top = normal_upper_quantile(-expm1(log(rng_uniform(&r)) / n));
    b->top_slot = rng_below(&r, (uint32_t)(classes - 1));
    b->model_noise = MODEL_NOISE_SD * rng_normal(&r);
    b->scale = exp(ROW_SCALE_SD * rng_normal(&r));
}

/* Correct exactly when skill > threshold. */
static double correctness_threshold(const row_base *b, double difficulty)
{
    return (b->top - b->truth) / MARGIN_SLOPE + difficulty - b->model_noise;
}

typedef struct shared_data {
    const char *dir;
    const cascade_synth_options *options;
    cascade_synth_plan *plan;
    const int64_t *labels;      /* [samples] */
    const double *difficulty;   /* [samples] */
    cascade_npy_writer **writers; /* [models] */
    pthread_mutex_t lock;
    size_t next_model;
    int failed;
    cascade_error error;
} shared_data;

/* One row [classes]: factor times each class's value: the true class's
 * raised value, the runner-up's top, and below it normal noise. */
static void fill_row(float *row, size_t classes, int64_t label, const row_base *b,
                     double skill, double difficulty, double factor, rng *rest)
{
    double below_mass = 1.0 - normal_upper(b->top);
    if (below_mass >= 0.25) {
        /* rejection, which then accepts often */
        normals_below(rest, row, classes, (float)b->top);
    } else {
        /* inversion, for the rare rows whose top is far below the mean */
        for (size_t c = 0; c < classes; c++)
            row[c] = (float)-normal_upper_quantile(rng_uniform(rest) * below_mass);
    }
    float scale = (float)factor;
    for (size_t c = 0; c < classes; c++)
        row[c] *= scale;
    size_t top_class = b->top_slot < label ? b->top_slot : (size_t)b->top_slot + 1;
    row[top_class] = (float)(factor * b->top);
    double truth = b->truth + MARGIN_SLOPE * (skill - difficulty + b->model_noise);
    /* Saturate the lead over the runner-up, as real logits do: keeps easy
     * rows' logits in a plausible range and never changes correctness. */
    double lead = truth - b->top;
    if (lead > 0)
        truth = b->top + LEAD_CAP * tanh(lead / LEAD_CAP);
    row[label] = (float)(factor * truth);
}

/* Mean max-softmax of rows [n][classes] scaled by beta, and its derivative
 * in beta. */
static double mean_confidence(const float *rows, size_t n, size_t classes,
                              const float *row_max, double beta, double *slope)
{
    double sum = 0, sum_slope = 0;
    for (size_t i = 0; i < n; i++) {
        const float *z = rows + i * classes;
        double s0 = 0, s1 = 0; /* sum of e^(beta (z - max)), and times (max - z) */
        for (size_t c = 0; c < classes; c++) {
            float gap = row_max[i] - z[c];
            double e = expf((float)(-beta * gap)); /* float: terms only need 1e-7 */
            s0 += e;
            s1 += e * gap;
        }
        sum += 1.0 / s0;
        sum_slope += s1 / (s0 * s0);
    }
    *slope = sum_slope / (double)n;
    return sum / (double)n;
}

/* The logit scale that gives mean confidence target on the rows:
 * safeguarded Newton on a bracket (the mean confidence rises with beta). */
static double fit_scale(const float *rows, size_t n, size_t classes, const float *row_max,
                        double target, double *achieved)
{
    double slope;
    double low = 0, high = 1;
    double f = mean_confidence(rows, n, classes, row_max, high, &slope);
    for (int i = 0; i < 60 && f < target; i++) {
        low = high;
        high *= 2;
        f = mean_confidence(rows, n, classes, row_max, high, &slope);
    }
    double beta = high;
    for (int i = 0; i < 100; i++) {
        double error = f - target;
        if (fabs(error) < 1e-6 || high - low < 1e-9 * high)
            break;
        if (error > 0)
            high = beta;
        else
            low = beta;
        double next = slope > 0 ? beta - error / slope : -1;
        beta = next > low && next < high ? next : 0.5 * (low + high);
        f = mean_confidence(rows, n, classes, row_max, beta, &slope);
    }
    *achieved = f;
    return beta;
}

/* k-th smallest of a[0..n-1] (0-based); leaves smaller values before it. */
static double select_kth(double *a, size_t n, size_t k)
{
    ptrdiff_t lo = 0, hi = (ptrdiff_t)n - 1, want = (ptrdiff_t)k;
    while (lo < hi) {
        ptrdiff_t mid = lo + (hi - lo) / 2;
        double t;
#define SWAP(x, y) (t = a[x], a[x] = a[y], a[y] = t)
        if (a[mid] < a[lo])
            SWAP(mid, lo);
        if (a[hi] < a[lo])
            SWAP(hi, lo);
        if (a[hi] < a[mid])
            SWAP(hi, mid);
        double pivot = a[mid];
        ptrdiff_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                SWAP(i, j);
                i++;
                j--;
            }
        }
#undef SWAP
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            return a[want];
    }
    return a[want];
}

static int job_failed(shared_data *sh)
{
    pthread_mutex_lock(&sh->lock);
    int failed = sh->failed;
    pthread_mutex_unlock(&sh->lock);
    return failed;
}

static void job_fail(shared_data *sh, const cascade_error *err)
{
    pthread_mutex_lock(&sh->lock);
    if (!sh->failed) {
        sh->failed = 1;
        sh->error = *err;
    }
    pthread_mutex_unlock(&sh->lock);
}

/* Order-preserving integer key of a float16 bit pattern (-0 == +0). */
static inline int half_key(uint16_t h)
{
    return (h & 0x8000) ? 0x8000 - (h & 0x7fff) : 0x8000 + h;
}

static cascade_status generate_model(shared_data *sh, size_t m, cascade_error *err)
{
    const cascade_synth_options *opt = sh->options;
    cascade_synth_model *model = &sh->plan->models[m];
    const size_t k = opt->samples, classes = opt->classes;
    const uint64_t seed = opt->seed;
    cascade_status status = CASCADE_OK;
    double *threshold = malloc(k * sizeof *threshold);   /* [samples] */
    size_t cal_rows = CALIBRATION_ELEMENTS / classes;
    cal_rows = cal_rows < 1 ? 1 : cal_rows > k ? k : cal_rows;
    float *cal = malloc(cal_rows * classes * sizeof *cal); /* [cal_rows][classes] */
    float *cal_max = malloc(cal_rows * sizeof *cal_max);   /* [cal_rows] */
    size_t block_rows = BLOCK_BYTES / (classes * sizeof(float));
    block_rows = block_rows < 1 ? 1 : block_rows > k ? k : block_rows;
    float *block = malloc(block_rows * classes * sizeof *block); /* [block_rows][classes] */
    uint16_t *halves = opt->dtype == CASCADE_SYNTH_F16
                       ? malloc(block_rows * classes * sizeof *halves) : NULL;
    char *path = malloc(strlen(sh->dir) + strlen(model->name) + 16);
    if (!threshold || !cal || !cal_max || !block || !path ||
        (opt->dtype == CASCADE_SYNTH_F16 && !halves)) {
        status = cascade_error_set(err, CASCADE_ERR_NOMEM, NULL, -1, -1,
                                   "out of memory generating model %s", model->name);
        goto done;
    }

    /* Skill: exactly round(target * k) rows have threshold < skill. */
    row_base b;
    for (size_t i = 0; i < k; i++) {
        draw_row_base(&b, seed, m, i, classes);
        threshold[i] = correctness_threshold(&b, sh->difficulty[i]);
    }
    double want = round(model->target_accuracy * (double)k);
    size_t n_correct = want <= 0 ? 0 : want >= (double)k ? k : (size_t)want;
    double skill;
    if (n_correct == 0) {
        skill = threshold[0];
        for (size_t i = 1; i < k; i++)
            skill = fmin(skill, threshold[i]);
        skill -= 1.0;
    } else if (n_correct == k) {
        skill = threshold[0];
        for (size_t i = 1; i < k; i++)
            skill = fmax(skill, threshold[i]);
        skill += 1.0;
    } else {
        double above = select_kth(threshold, k, n_correct);
        double below = threshold[0];
        for (size_t i = 1; i < n_correct; i++)
            below = fmax(below, threshold[i]);
        skill = 0.5 * (below + above);
    }

    /* Logit scale: mean confidence on the first rows = accuracy + gap. */
    rng gap_rng;
    rng_init(&gap_rng, seed, STREAM_GAP, m, 0);
    double gap = GAP_LOW + (GAP_HIGH - GAP_LOW) * rng_uniform(&gap_rng);
    double target_conf = (double)n_correct / (double)k + gap;
    double floor_conf = 1.0 / (double)classes + 0.01;
    target_conf = target_conf < floor_conf ? floor_conf : target_conf > 0.995 ? 0.995
                                                                              : target_conf;
    for (size_t i = 0; i < cal_rows; i++) {
        rng rest;
        draw_row_base(&b, seed, m, i, classes);
        rng_init(&rest, seed, STREAM_ROW_REST, m, i);
        float *row = cal + i * classes;
        fill_row(row, classes, sh->labels[i], &b, skill, sh->difficulty[i], b.scale, &rest);
        cal_max[i] = row[0];
        for (size_t c = 1; c < classes; c++)
            cal_max[i] = fmaxf(cal_max[i], row[c]);
    }
    double beta = fit_scale(cal, cal_rows, classes, cal_max, target_conf,
                            &model->mean_confidence);

    /* The logits, block by block. */
    sprintf(path, "%s/%s.logits.npy", sh->dir, model->name);
    size_t shape[2] = {k, classes};
    status = cascade_npy_writer_open(&sh->writers[m], path,
                                     opt->dtype == CASCADE_SYNTH_F16 ? "<f2" : "<f4", 2,
                                     shape, err);
    size_t correct = 0;
    for (size_t start = 0; status == CASCADE_OK && start < k; start += block_rows) {
        if (job_failed(sh)) {
            status = CASCADE_ERR_IO; /* another model failed; its error is reported */
            break;
        }
        size_t rows = k - start < block_rows ? k - start : block_rows;
        for (size_t r = 0; r < rows; r++) {
            size_t i = start + r;
            rng rest;
            draw_row_base(&b, seed, m, i, classes);
            rng_init(&rest, seed, STREAM_ROW_REST, m, i);
            float *row = block + r * classes;
            fill_row(row, classes, sh->labels[i], &b, skill, sh->difficulty[i],
                     beta * b.scale, &rest);
            /* Realised accuracy of what is written: first maximum wins, as
             * in numpy's argmax. */
            size_t best = 0;
            if (halves) {
                uint16_t *h = halves + r * classes;
                cascade_float_to_half_array(row, h, classes);
                int best_key = half_key(h[0]);
                for (size_t c = 1; c < classes; c++)
                    if (half_key(h[c]) > best_key) {
                        best_key = half_key(h[c]);
                        best = c;
                    }
            } else {
                for (size_t c = 1; c < classes; c++)
                    if (row[c] > row[best])
                        best = c;
            }
            correct += (int64_t)best == sh->labels[i];
        }
        status = cascade_npy_writer_append(sh->writers[m], halves ? (void *)halves
                                                                  : (void *)block, rows, err);
    }
    if (status == CASCADE_OK)
        status = cascade_npy_writer_finish(sh->writers[m], err);
    model->accuracy = (double)correct / (double)k;
done:
    free(threshold);
    free(cal);
    free(cal_max);
    free(block);
    free(halves);
    free(path);
    return status;
}

static void *worker(void *arg)
{
    shared_data *sh = arg;
    for (;;) {
        pthread_mutex_lock(&sh->lock);
        size_t m = sh->next_model++;
        int stop = sh->failed || m >= sh->plan->n_models;
        pthread_mutex_unlock(&sh->lock);
        if (stop)
            break;
        cascade_error err;
        cascade_error_clear(&err);
        if (generate_model(sh, m, &err) != CASCADE_OK && err.status != CASCADE_OK)
            job_fail(sh, &err);
    }
    return NULL;
}

static int valid_file_name(const char *name)
{
    if (!name || !*name || name[0] == '.' || strlen(name) > 200)
        return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9') || *c == '_' || *c == '-' || *c == '.' || *c == '+'))
            return 0;
    return 1;
}

static cascade_status check_inputs(const char *dir, const cascade_synth_plan *plan,
                                   const cascade_synth_options *opt, cascade_error *err)
{
    if (!dir || !*dir || !plan || !opt || !plan->models || plan->n_models == 0)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "no output folder, plan or options, or an empty plan");
    if (opt->samples < 1 || opt->classes < 2 || opt->classes > ((size_t)1 << 31) ||
        opt->samples > UINT32_MAX || opt->samples > SIZE_MAX / sizeof(double) ||
        opt->classes > SIZE_MAX / sizeof(float) / opt->samples)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "%zu samples x %zu classes: expected 1 to 2^32 - 1 samples "
                                 "and 2 to 2^31 classes, in an array that fits in memory",
                                 opt->samples, opt->classes);
    if (opt->dtype != CASCADE_SYNTH_F32 && opt->dtype != CASCADE_SYNTH_F16)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "unknown logits type %d; expected float32 or float16",
                                 (int)opt->dtype);
    for (size_t m = 0; m < plan->n_models; m++) {
        const cascade_synth_model *model = &plan->models[m];
        if (!valid_file_name(model->name))
            return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                     "model name '%s' cannot name a file; expected letters, "
                                     "digits, '_', '-', '.' or '+', not starting with '.'",
                                     model->name ? model->name : "(null)");
        if (!isfinite(model->gmacs) || model->gmacs < 0 ||
            (m > 0 && !(model->gmacs > plan->models[m - 1].gmacs)))
            return cascade_error_set(err, CASCADE_ERR_VALUE, NULL, -1, -1,
                                     "model %s costs %g GMACs; expected costs that are "
                                     "non-negative and strictly increasing along the plan",
                                     model->name, model->gmacs);
        if (!(model->target_accuracy >= 0 && model->target_accuracy <= 1))
            return cascade_error_set(err, CASCADE_ERR_VALUE, NULL, -1, -1,
                                     "model %s has target accuracy %g; expected a value in "
                                     "[0, 1]", model->name, model->target_accuracy);
        for (size_t j = 0; j < m; j++)
            if (strcmp(plan->models[j].name, model->name) == 0)
                return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                         "model name '%s' appears twice; expected unique "
                                         "names", model->name);
    }
    return CASCADE_OK;
}

static cascade_status make_folder(const char *dir, cascade_error *err)
{
    if (mkdir(dir, 0777) == 0)
        return CASCADE_OK;
    int code = errno;
    struct stat st;
    if (code == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return CASCADE_OK;
    return cascade_error_set(err, CASCADE_ERR_IO, dir, -1, -1,
                             "cannot create the output folder: %s",
                             code == EEXIST ? "a file of that name exists" : strerror(code));
}

/* The manifest; names are plain file names (checked), so they need no JSON
 * escapes. Numbers are the shortest decimals that read back exactly. */
static void write_manifest(FILE *file, const cascade_synth_plan *plan, uint64_t seed)
{
    fprintf(file, "{\n  \"name\": \"synth-seed%llu\",\n  \"labels\": \"labels.npy\",\n"
                  "  \"models\": [\n", (unsigned long long)seed);
    for (size_t m = 0; m < plan->n_models; m++) {
        const cascade_synth_model *model = &plan->models[m];
        char cost[32], acc[32];
        cascade_format_double(model->gmacs, cost);
        cascade_format_double(model->target_accuracy, acc);
        fprintf(file, "    {\"name\": \"%s\", \"logits\": \"%s.logits.npy\", "
                      "\"gmacs\": %s, \"target_accuracy\": %s}%s\n",
                model->name, model->name, cost, acc, m + 1 < plan->n_models ? "," : "");
    }
    fputs("  ]\n}\n", file);
}

cascade_status cascade_synth_generate(const char *dir, cascade_synth_plan *plan,
                                      const cascade_synth_options *options,
                                      cascade_error *err)
{
    cascade_status status = check_inputs(dir, plan, options, err);
    if (status != CASCADE_OK)
        return status;
    status = make_folder(dir, err);
    if (status != CASCADE_OK)
        return status;
    const size_t k = options->samples, classes = options->classes, n = plan->n_models;
    int64_t *labels = malloc(k * sizeof *labels);          /* [samples] */
    double *difficulty = malloc(k * sizeof *difficulty);   /* [samples] */
    cascade_npy_writer **writers = calloc(n, sizeof *writers);
    size_t path_cap = strlen(dir) + 32;
    char *path = malloc(path_cap);
    cascade_npy_writer *label_writer = NULL;
    pthread_t *threads = NULL;
    shared_data sh;
    memset(&sh, 0, sizeof sh);
    int lock_made = 0;
    if (!labels || !difficulty || !writers || !path) {
        status = cascade_error_set(err, CASCADE_ERR_NOMEM, NULL, -1, -1,
                                   "out of memory for %zu samples", k);
        goto done;
    }

    /* Balanced labels (as in ImageNet's validation set), shuffled. */
    rng r;
    rng_init(&r, options->seed, STREAM_LABELS, 0, 0);
    for (size_t i = 0; i < k; i++)
        labels[i] = (int64_t)(i % classes);
    for (size_t i = k; i > 1; i--) {
        size_t j = rng_below(&r, (uint32_t)i);
        int64_t t = labels[i - 1];
        labels[i - 1] = labels[j];
        labels[j] = t;
    }
    rng_init(&r, options->seed, STREAM_DIFFICULTY, 0, 0);
    for (size_t i = 0; i < k; i++)
        difficulty[i] = rng_normal(&r);

    snprintf(path, path_cap, "%s/labels.npy", dir);
    size_t shape[1] = {k};
    status = cascade_npy_writer_open(&label_writer, path, "<i8", 1, shape, err);
    if (status == CASCADE_OK)
        status = cascade_npy_writer_append(label_writer, labels, k, err);
    if (status == CASCADE_OK)
        status = cascade_npy_writer_finish(label_writer, err);
    if (status != CASCADE_OK)
        goto done;

    sh.dir = dir;
    sh.options = options;
    sh.plan = plan;
    sh.labels = labels;
    sh.difficulty = difficulty;
    sh.writers = writers;
    cascade_error_clear(&sh.error);
    if (pthread_mutex_init(&sh.lock, NULL) != 0) {
        status = cascade_error_set(err, CASCADE_ERR_NOMEM, NULL, -1, -1,
                                   "cannot create a mutex");
        goto done;
    }
    lock_made = 1;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    size_t n_threads = options->threads ? options->threads : online > 0 ? (size_t)online : 1;
    if (n_threads > n)
        n_threads = n;
    threads = calloc(n_threads, sizeof *threads);
    size_t started = 0;
    if (threads)
        for (; started + 1 < n_threads; started++)
            if (pthread_create(&threads[started], NULL, worker, &sh) != 0)
                break;
    worker(&sh); /* this thread works too; with no extra threads it does it all */
    for (size_t t = 0; t < started; t++)
        pthread_join(threads[t], NULL);
    if (sh.failed) {
        if (err)
            *err = sh.error;
        status = sh.error.status;
        goto done;
    }

    /* Every file is complete: only now replace the old dataset, manifest
     * out of the way first and back last, so that no manifest ever lists a
     * mixture of old and new files. */
    snprintf(path, path_cap, "%s/manifest.json", dir);
    if (unlink(path) != 0 && errno != ENOENT) {
        status = cascade_error_set(err, CASCADE_ERR_IO, path, -1, -1,
                                   "cannot remove the old manifest: %s", strerror(errno));
        goto done;
    }
    status = cascade_npy_writer_close(label_writer, err);
    label_writer = NULL;
    for (size_t m = 0; m < n && status == CASCADE_OK; m++) {
        status = cascade_npy_writer_close(writers[m], err);
        writers[m] = NULL;
    }
    if (status == CASCADE_OK) {
        cascade_output out;
        status = cascade_output_open(path, &out, err);
        if (status == CASCADE_OK) {
            write_manifest(out.file, plan, options->seed);
            status = cascade_output_commit(&out, err); /* checks the writes */
        }
    }

done:
    if (lock_made)
        pthread_mutex_destroy(&sh.lock);
    cascade_npy_writer_discard(label_writer);
    if (writers)
        for (size_t m = 0; m < n; m++)
            cascade_npy_writer_discard(writers[m]);
    free(writers);
    free(threads);
    free(labels);
    free(difficulty);
    free(path);
    return status;
}
