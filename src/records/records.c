/* The per-model pass: prediction, max-softmax confidence and correctness. */
#include "cascade/records.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "records/softmax_kernel.h"

/* Rows checked for the "probabilities passed as logits" hint. */
enum { PROBABILITY_HINT_ROWS = 64 };

typedef struct row_result {
    int32_t prediction;
    double confidence;
    long long bad_column; /* >= 0: the column of a NaN, Inf or negative probability */
    int bad_sum;      /* probabilities summing to 0, or to Inf (huge finite values) */
} row_result;

/* Softmax of logits, stably: subtract the row maximum (taken from the first
 * element on), sum exp in double because 1000 float terms lose ~1e-5. */
static row_result logits_row_f64(const double *z, size_t classes)
{
    row_result r = {0, 0.0, -1, 0};
    double max = z[0];
    for (size_t j = 0; j < classes; j++) {
        if (!isfinite(z[j])) {
            r.bad_column = (long long)j;
            return r;
        }
        if (z[j] > max) {
            max = z[j];
            r.prediction = (int32_t)j;
        }
    }
    double sum = 0.0;
    for (size_t j = 0; j < classes; j++)
        sum += exp(z[j] - max);
    r.confidence = 1.0 / sum;
    return r;
}

/* Probabilities used as logits log p: softmax(log p) = p / sum p. */
static row_result probs_row_f64(const double *p, size_t classes)
{
    row_result r = {0, 0.0, -1, 0};
    double max = p[0], sum = 0.0;
    for (size_t j = 0; j < classes; j++) {
        if (!isfinite(p[j]) || p[j] < 0) {
            r.bad_column = (long long)j;
            return r;
        }
        if (p[j] > max) {
            max = p[j];
            r.prediction = (int32_t)j;
        }
        sum += p[j];
    }
    if (!(sum > 0) || !isfinite(sum)) {
        r.bad_sum = 1;
        return r;
    }
    r.confidence = max / sum;
    return r;
}

/* "0" or "Inf": what a refused probability row sums to, for the message. */
static const char *sum_text(const double *p, size_t classes)
{
    double sum = 0.0;
    for (size_t j = 0; j < classes; j++)
        sum += p[j];
    return sum > 0 ? "Inf" : "0";
}

static int row_is_distribution(const double *z, size_t classes)
{
    double sum = 0.0;
    for (size_t j = 0; j < classes; j++) {
        if (z[j] < 0 || z[j] > 1)
            return 0;
        sum += z[j];
    }
    return fabs(sum - 1.0) < 1e-3;
}

typedef struct fast_job {
    const cascade_array *scores;
    size_t begin, end;
    int32_t *prediction;
    double *confidence;
    long long bad_row;
} fast_job;

static void *fast_rows(void *arg)
{
    fast_job *job = arg;
    size_t classes = job->scores->cols;
    job->bad_row = job->scores->dtype == CASCADE_DTYPE_F32
        ? cascade_max_softmax_f32(job->scores->data, classes, job->begin, job->end,
                                  job->prediction, job->confidence)
        : cascade_max_softmax_f16(job->scores->data, classes, job->begin, job->end,
                                  job->prediction, job->confidence);
    return NULL;
}

/* float32/float16 logits: the vectorised kernel over row blocks, one per
 * thread. Returns 1 when every row was finite; 0 sends the caller to the
 * exact path, which names the bad row and column. */
static int fast_max_softmax(const cascade_array *scores, unsigned threads,
                            int32_t *prediction, double *confidence)
{
    enum { MAX_THREADS = 256 };
    if (threads == 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        threads = online > 0 ? (unsigned)online : 1;
    }
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    /* Small inputs are not worth a thread. */
    if ((size_t)threads > scores->rows * scores->cols / 65536 + 1)
        threads = (unsigned)(scores->rows * scores->cols / 65536 + 1);
    fast_job jobs[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    for (unsigned t = 0; t < threads; t++)
        jobs[t] = (fast_job){scores, scores->rows * t / threads, scores->rows * (t + 1) / threads,
                             prediction, confidence, -1};
    unsigned created = 0; /* jobs 1..created run on their own threads */
    while (created + 1 < threads &&
           pthread_create(&ids[created + 1], NULL, fast_rows, &jobs[created + 1]) == 0)
        created++;
    fast_rows(&jobs[0]);
    for (unsigned t = created + 1; t < threads; t++)
        fast_rows(&jobs[t]);
    for (unsigned t = 1; t <= created; t++)
        pthread_join(ids[t], NULL);
    int ok = 1;
    for (unsigned t = 0; t < threads; t++)
        if (jobs[t].bad_row != -1)
            ok = 0;
    return ok;
}

cascade_status cascade_records_compute(const cascade_array *scores,
                                       cascade_score_kind kind,
                                       const cascade_labels *labels,
                                       const char *model, const char *path,
                                       cascade_records *out,
                                       cascade_error *error)
{
    return cascade_records_compute_with(scores, kind, labels, model, path, NULL, out, error);
}

cascade_status cascade_records_compute_with(const cascade_array *scores,
                                            cascade_score_kind kind,
                                            const cascade_labels *labels,
                                            const char *model, const char *path,
                                            const cascade_records_options *options,
                                            cascade_records *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    if (scores->ndim != 2)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "model \"%s\": scores are 1-D (expected 2-D (samples, classes))", model);
    if (scores->dtype != CASCADE_DTYPE_F16 && scores->dtype != CASCADE_DTYPE_F32 &&
        scores->dtype != CASCADE_DTYPE_F64)
        return cascade_error_set(error, CASCADE_ERR_DTYPE, path, -1, -1,
            "model \"%s\": scores are %s (expected float16, float32 or float64)",
            model, cascade_dtype_name(scores->dtype));
    size_t samples = scores->rows, classes = scores->cols;
    if (samples == 0)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "model \"%s\": zero samples (expected at least one row)", model);
    if (classes < 2)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "model \"%s\": %zu class (expected at least 2 columns)", model, classes);
    if (labels && labels->count != samples)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "model \"%s\" has %zu samples but there are %zu labels (expected equal counts)",
            model, samples, labels->count);
    out->samples = samples;
    out->classes = classes;
    out->prediction = malloc(samples * sizeof *out->prediction);
    out->confidence = malloc(samples * sizeof *out->confidence);
    out->correct = calloc(samples, sizeof *out->correct);
    double *row = malloc(classes * sizeof *row);
    if (!out->prediction || !out->confidence || !out->correct || !row) {
        free(row);
        cascade_records_free(out);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    int distributions = 1;
    for (size_t i = 0; i < samples && i < PROBABILITY_HINT_ROWS && kind == CASCADE_SCORES_LOGITS; i++) {
        cascade_array_row(scores, i, row);
        distributions = distributions && row_is_distribution(row, classes);
    }
    cascade_records_options defaults = {0};
    if (!options)
        options = &defaults;
    int fast = kind == CASCADE_SCORES_LOGITS && !options->precise &&
               (scores->dtype == CASCADE_DTYPE_F32 || scores->dtype == CASCADE_DTYPE_F16) &&
               fast_max_softmax(scores, options->threads, out->prediction, out->confidence);
    for (size_t i = 0; i < samples && !fast; i++) {
        cascade_array_row(scores, i, row);
        row_result r = kind == CASCADE_SCORES_PROBS ? probs_row_f64(row, classes)
                                                    : logits_row_f64(row, classes);
        if (r.bad_column >= 0 || r.bad_sum) {
            double value = r.bad_sum ? 0.0 : row[r.bad_column];
            const char *sum = r.bad_sum ? sum_text(row, classes) : "";
            free(row);
            cascade_records_free(out);
            if (r.bad_sum)
                return cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, -1,
                    "model \"%s\", row %zu: probabilities sum to %s (expected a distribution)",
                    model, i, sum);
            if (kind == CASCADE_SCORES_PROBS && isfinite(value))
                return cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, r.bad_column,
                    "model \"%s\", row %zu, column %lld: negative probability %g (expected probabilities >= 0; give raw scores as \"logits\")",
                    model, i, r.bad_column, value);
            return cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, r.bad_column,
                "model \"%s\", row %zu, column %lld: %s (expected finite %s)", model, i,
                r.bad_column, isnan(value) ? "NaN" : "Inf",
                kind == CASCADE_SCORES_PROBS ? "probabilities" : "logits");
        }
        out->prediction[i] = r.prediction;
        out->confidence[i] = r.confidence;
    }
    for (size_t i = 0; labels && i < samples; i++) {
        int32_t label = labels->label[i];
        if ((size_t)label >= classes) {
            free(row);
            cascade_records_free(out);
            return cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, -1,
                "label %d at row %zu is out of range for model \"%s\" (expected 0..%zu)",
                (int)label, i, model, classes - 1);
        }
        out->correct[i] = (uint8_t)cascade_labels_match(labels, i, out->prediction[i]);
        out->correct_count += out->correct[i];
    }
    free(row);
    out->looks_like_probabilities = kind == CASCADE_SCORES_LOGITS && distributions;
    return CASCADE_OK;
}

void cascade_records_free(cascade_records *records)
{
    if (!records)
        return;
    free(records->prediction);
    free(records->confidence);
    free(records->correct);
    memset(records, 0, sizeof *records);
}
