/* The per-model pass: prediction, max-softmax confidence and correctness. */
#include "cascade/records.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
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

/* The refusal of a row the exact path found bad, naming the row (I, of the
 * whole array) and the column. */
static cascade_status row_error(cascade_error *error, const char *path, const char *model,
                                cascade_score_kind kind, size_t i, row_result r,
                                const double *row, size_t classes)
{
    if (r.bad_sum)
        return cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, -1,
            "model \"%s\", row %zu: probabilities sum to %s (expected a distribution)",
            model, i, sum_text(row, classes));
    double value = row[r.bad_column];
    if (kind == CASCADE_SCORES_PROBS && isfinite(value))
        return cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, r.bad_column,
            "model \"%s\", row %zu, column %lld: negative probability %g (expected probabilities >= 0; give raw scores as \"logits\")",
            model, i, r.bad_column, value);
    return cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, r.bad_column,
        "model \"%s\", row %zu, column %lld: %s (expected finite %s)", model, i,
        r.bad_column, isnan(value) ? "NaN" : "Inf",
        kind == CASCADE_SCORES_PROBS ? "probabilities" : "logits");
}

enum {
    MAX_PASS_THREADS = 256,
    /* Rows read at a time: a block stays in L2 while the kernel runs over it. */
    BLOCK_BYTES = 1 << 20
};

/* Read buffers that outlive one pass, one per worker thread, so that a
 * dataset of many models touches fresh memory once, not once per model. */
struct cascade_read_buffers {
    unsigned char *slot[MAX_PASS_THREADS];
    size_t size[MAX_PASS_THREADS];
};

cascade_status cascade_read_buffers_create(cascade_read_buffers **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? CASCADE_OK : CASCADE_ERR_NOMEM;
}

void cascade_read_buffers_free(cascade_read_buffers *buffers)
{
    if (!buffers)
        return;
    for (unsigned t = 0; t < MAX_PASS_THREADS; t++)
        free(buffers->slot[t]);
    free(buffers);
}

static unsigned char *buffer_slot(cascade_read_buffers *buffers, unsigned t, size_t bytes)
{
    if (buffers->size[t] < bytes) {
        free(buffers->slot[t]);
        buffers->slot[t] = malloc(bytes);
        buffers->size[t] = buffers->slot[t] ? bytes : 0;
    }
    return buffers->slot[t];
}

/* What the threads of one pass share. Each thread has a range of rows,
 * taken a block at a time, and once its own is done it takes the blocks
 * left in the others': no thread waits long at the end of a model for
 * another's range, and the file is still read as one sequence per thread
 * (a cold page cache reads faster as two: 1.75 s against 2.0 s for set
 * (i) with every thread taking from one sequence). */
typedef struct pass_range {
    atomic_size_t next_block;  /* of the whole array's blocks */
    size_t end_block;
} pass_range;

typedef struct pass_shared {
    pass_range range[MAX_PASS_THREADS];
    unsigned threads;
} pass_shared;

/* One thread's part of the pass: the blocks it takes, one at a time. */
typedef struct pass_job {
    const cascade_array_reader *reader;
    cascade_score_kind kind;
    int fast;                  /* float32/float16 logits through the vectorised kernel */
    const char *model, *path;
    pass_shared *shared;
    unsigned own;              /* its range */
    int32_t *prediction;       /* [samples] of the whole array */
    double *confidence;
    unsigned char *buffer;     /* [block_rows][row bytes]; NULL when nothing is read */
    size_t block_rows;
    int distributions;         /* its rows of the first PROBABILITY_HINT_ROWS look like
                                  probabilities (the hint) */
    cascade_status status;
    size_t bad_row;            /* where ERROR is, when STATUS says so */
    cascade_error error;       /* of its first bad row */
} pass_job;

/* Rows [AT, AT + N) of JOB's array, ROW being scratch for one row: 0 and
 * JOB's error at the first bad row, 1 when all were good. */
static int pass_block(pass_job *job, double *row, size_t at, size_t n)
{
    size_t classes = job->reader->cols;
    cascade_array chunk;
    job->status = cascade_array_reader_read(job->reader, at, n, job->buffer, &chunk, &job->error);
    if (job->status != CASCADE_OK) {
        job->bad_row = at;
        return 0;
    }
    for (size_t i = 0; i < n && at + i < PROBABILITY_HINT_ROWS; i++) {
        cascade_array_row(&chunk, i, row);
        job->distributions = job->distributions && row_is_distribution(row, classes);
    }
    long long exact_from = 0;
    if (job->fast)
        exact_from = chunk.dtype == CASCADE_DTYPE_F32
            ? cascade_max_softmax_f32(chunk.data, classes, 0, n, job->prediction + at,
                                      job->confidence + at)
            : cascade_max_softmax_f16(chunk.data, classes, 0, n, job->prediction + at,
                                      job->confidence + at);
    /* The kernel stops at a NaN or Inf; the exact path names it. */
    for (size_t i = exact_from < 0 ? n : (size_t)exact_from; i < n; i++) {
        cascade_array_row(&chunk, i, row);
        row_result r = job->kind == CASCADE_SCORES_PROBS ? probs_row_f64(row, classes)
                                                         : logits_row_f64(row, classes);
        if (r.bad_column >= 0 || r.bad_sum) {
            job->status = row_error(&job->error, job->path, job->model, job->kind, at + i, r,
                                    row, classes);
            job->bad_row = at + i;
            return 0;
        }
        job->prediction[at + i] = r.prediction;
        job->confidence[at + i] = r.confidence;
    }
    return 1;
}

/* One thread: the blocks of its own range, then those left in the others'.
 * It stops at its first bad row. */
static void *pass_rows(void *arg)
{
    pass_job *job = arg;
    double *row = malloc(job->reader->cols * sizeof *row);
    if (!row) {
        job->status = cascade_error_set(&job->error, CASCADE_ERR_NOMEM, job->path, -1, -1,
                                        "out of memory");
        job->bad_row = 0;
        return NULL;
    }
    size_t rows = job->reader->rows;
    unsigned threads = job->shared->threads;
    for (unsigned r = 0; r < threads; r++) {
        pass_range *range = &job->shared->range[(job->own + r) % threads];
        for (;;) {
            size_t block = atomic_fetch_add(&range->next_block, 1);
            if (block >= range->end_block)
                break;
            size_t at = block * job->block_rows;
            size_t n = rows - at < job->block_rows ? rows - at : job->block_rows;
            if (!pass_block(job, row, at, n)) {
                free(row);
                return NULL;
            }
        }
    }
    free(row);
    return NULL;
}

/* Predictions and confidences of every row of READER, a block of rows at a
 * time over the threads (small inputs are not worth a thread). On failure,
 * the error of the first bad row in row order. A thread stops at its first;
 * a block no thread took lies after a bad row in its range (its owner takes
 * its own range's blocks first, in order, and stopped before it), so the
 * array's first bad row is some thread's first. */
static cascade_status pass_over(const cascade_array_reader *reader, cascade_score_kind kind,
                                const char *model, const char *path,
                                const cascade_records_options *options, int32_t *prediction,
                                double *confidence, int *distributions, cascade_error *error)
{
    unsigned threads = options->threads;
    if (threads == 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        threads = online > 0 ? (unsigned)online : 1;
    }
    if (threads > MAX_PASS_THREADS)
        threads = MAX_PASS_THREADS;
    size_t rows = reader->rows, classes = reader->cols;
    if ((size_t)threads > rows * classes / 65536 + 1)
        threads = (unsigned)(rows * classes / 65536 + 1);
    size_t row_bytes = cascade_array_reader_row_bytes(reader);
    size_t block_rows = BLOCK_BYTES / row_bytes ? BLOCK_BYTES / row_bytes : 1;
    cascade_read_buffers *own = NULL, *buffers = options->buffers;
    if (!buffers && reader->streams && cascade_read_buffers_create(&own) != CASCADE_OK)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    if (!buffers)
        buffers = own;
    int fast = kind == CASCADE_SCORES_LOGITS && !options->precise &&
               (reader->dtype == CASCADE_DTYPE_F32 || reader->dtype == CASCADE_DTYPE_F16);
    pass_job *jobs = calloc(threads, sizeof *jobs);
    pthread_t *ids = calloc(threads, sizeof *ids);
    cascade_status status = jobs && ids ? CASCADE_OK : CASCADE_ERR_NOMEM;
    /* THREADS ranges of whole blocks (the last block may be short) */
    pass_shared *shared = malloc(sizeof *shared);
    size_t blocks = (rows + block_rows - 1) / block_rows;
    if (!shared)
        status = CASCADE_ERR_NOMEM;
    for (unsigned t = 0; t < threads && status == CASCADE_OK; t++) {
        atomic_init(&shared->range[t].next_block, blocks * t / threads);
        shared->range[t].end_block = blocks * (t + 1) / threads;
    }
    if (shared)
        shared->threads = threads;
    for (unsigned t = 0; t < threads && status == CASCADE_OK; t++) {
        jobs[t] = (pass_job){reader, kind, fast, model, path, shared, t, prediction, confidence,
                             NULL, block_rows, 1, CASCADE_OK, 0, {0}};
        if (reader->streams && !(jobs[t].buffer = buffer_slot(buffers, t, block_rows * row_bytes)))
            status = CASCADE_ERR_NOMEM;
    }
    if (status != CASCADE_OK) {
        free(jobs);
        free(shared);
        free(ids);
        cascade_read_buffers_free(own);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    unsigned created = 0; /* jobs 1..created run on their own threads */
    while (created + 1 < threads &&
           pthread_create(&ids[created + 1], NULL, pass_rows, &jobs[created + 1]) == 0)
        created++;
    pass_rows(&jobs[0]);
    for (unsigned t = created + 1; t < threads; t++)
        pass_rows(&jobs[t]);
    for (unsigned t = 1; t <= created; t++)
        pthread_join(ids[t], NULL);
    const pass_job *first_bad = NULL;
    *distributions = 1;
    for (unsigned t = 0; t < threads; t++) {
        if (jobs[t].status != CASCADE_OK && (!first_bad || jobs[t].bad_row < first_bad->bad_row))
            first_bad = &jobs[t];
        *distributions = *distributions && jobs[t].distributions;
    }
    if (first_bad) {
        status = first_bad->status;
        if (error)
            *error = first_bad->error;
    }
    free(jobs);
    free(shared);
    free(ids);
    cascade_read_buffers_free(own);
    return status;
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
    /* An array in memory is read as a reader whose blocks are views of it. */
    cascade_array_reader whole;
    memset(&whole, 0, sizeof whole);
    whole.dtype = scores->dtype;
    whole.ndim = scores->ndim;
    whole.rows = scores->rows;
    whole.cols = scores->cols;
    whole.path = path;
    whole.whole = *scores;
    return cascade_records_compute_stream(&whole, kind, labels, model, path, options, out,
                                          error);
}

cascade_status cascade_records_compute_stream(const cascade_array_reader *scores,
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
    if (!out->prediction || !out->confidence || !out->correct) {
        cascade_records_free(out);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    cascade_records_options defaults = {0};
    if (!options)
        options = &defaults;
    int distributions = 0;
    cascade_status status = pass_over(scores, kind, model, path, options, out->prediction,
                                      out->confidence, &distributions, error);
    if (status != CASCADE_OK) {
        cascade_records_free(out);
        return status;
    }
    /* Single labels in a loop the compiler vectorises: the range check
     * as a flag, the first bad row found again only when there is one. */
    int out_of_range = 0;
    if (labels && !labels->offsets) {
        size_t count = 0;
        for (size_t i = 0; i < samples; i++) {
            int32_t label = labels->label[i];
            out_of_range |= (uint32_t)label >= classes;
            uint8_t right = label == out->prediction[i];
            out->correct[i] = right;
            count += right;
        }
        out->correct_count = count;
    }
    for (size_t i = 0; labels && (labels->offsets || out_of_range) && i < samples; i++) {
        int32_t label = labels->label[i];
        if ((size_t)label >= classes) {
            cascade_records_free(out);
            return cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, -1,
                "label %d at row %zu is out of range for model \"%s\" (expected 0..%zu)",
                (int)label, i, model, classes - 1);
        }
        out->correct[i] = (uint8_t)cascade_labels_match(labels, i, out->prediction[i]);
        out->correct_count += out->correct[i];
    }
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
    free(records->sample_cost);
    free(records->quality);
    memset(records, 0, sizeof *records);
}

double cascade_records_mean(const double *values, size_t count)
{
    double total = 0.0;
    for (size_t i = 0; i < count; i++)
        total += values[i];
    return count ? total / (double)count : 0.0;
}
