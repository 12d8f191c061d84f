/* Manifest -> labels -> per-model records and costs. */
#include "cascade/dataset.h"
#include "cascade/records_file.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cascade/costs.h"
#include "cascade/write.h"
#include "records/sample_keys.h"

/* The first model with per-sample scores before M, or -1: the one the
 * others must agree with. */
static long first_scored(const cascade_dataset *d, size_t m)
{
    for (size_t j = 0; j < m; j++)
        if (!d->models[j].table_only)
            return (long)j;
    return -1;
}

/* The first model before M whose class count is known (a prediction
 * table's is settled after every model is loaded), or -1. */
static long first_with_classes(const cascade_dataset *d, size_t m)
{
    for (size_t j = 0; j < m; j++)
        if (!d->models[j].table_only &&
            d->manifest->models[j].kind != CASCADE_SCORES_PREDICTIONS)
            return (long)j;
    return -1;
}

/* The first sample whose label (any label of a multi-label list) is not a
 * class of a model with CLASSES columns. */
static size_t label_out_of_range(const cascade_labels *labels, size_t classes,
                                 int32_t *value)
{
    for (size_t i = 0; i < labels->count; i++) {
        size_t from = labels->offsets ? labels->offsets[i] : 0;
        size_t to = labels->offsets ? labels->offsets[i + 1] : 1;
        for (size_t j = from; j < to; j++) {
            int32_t label = labels->offsets ? labels->members[j] : labels->label[i];
            if ((size_t)label >= classes) {
                *value = label;
                return i;
            }
        }
    }
    return labels->count;
}

/* The temperature OPTIONS give model NAME into *T; 0 when none is given. */
static int given_temperature(const cascade_dataset_options *options, const char *name,
                             double *t)
{
    for (size_t j = 0; j < options->temperature_count; j++)
        if (strcmp(options->temperature_model[j], name) == 0) {
            *t = options->temperature[j];
            return 1;
        }
    return 0;
}

/* A model given as saved records: no scores to read, so the metric and
 * calibration must be the ones the records were made with. */
static cascade_status load_saved_records(cascade_dataset *d, size_t m,
                                         const cascade_dataset_options *options,
                                         cascade_error *error)
{
    const cascade_model_spec *spec = &d->manifest->models[m];
    cascade_model *model = &d->models[m];
    const char *saved = d->manifest->records_metric;
    const char *wanted = cascade_metric_name(options->metric);
    /* Given confidences (prediction tables) are what the default metric
     * takes; "max_softmax+given" is a mix of the two. */
    if (strncmp(saved, "given", 5) == 0)
        saved = strcmp(saved, "given") == 0 ? "max_softmax" : saved;
    size_t base = strcspn(saved, "+");
    int saved_calibrated = strstr(saved, "+temperature") != NULL;
    if (strlen(wanted) != base || strncmp(saved, wanted, base) != 0 ||
        saved_calibrated != d->calibrated)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, d->manifest->path, -1, -1,
            "records hold %s confidences but %s%s was asked for (expected the same "
            "--metric and --calibrate as when the records were saved)", saved, wanted,
            d->calibrated ? "+temperature" : "");
    double classes = 0;
    cascade_status status = cascade_manifest_number(d->manifest, m, "classes", &classes, error);
    if (status != CASCADE_OK)
        return status;
    if (!(classes >= 2 && classes <= 1e9) || classes != floor(classes))
        return cascade_error_set(error, CASCADE_ERR_VALUE, d->manifest->path, -1, -1,
            "model \"%s\": \"classes\" is %g (expected a whole number >= 2)", spec->name, classes);
    long first = first_scored(d, m), first_classes = first_with_classes(d, m);
    if (first_classes >= 0 && (size_t)classes != d->classes)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\" has %g classes but model \"%s\" has %zu (expected the same classes)",
            spec->name, classes, d->models[first_classes].name, d->classes);
    status = cascade_records_read(spec->path, (size_t)classes, spec->name,
                                  d->has_labels ? &d->labels : NULL, &model->records, error);
    if (status != CASCADE_OK)
        return status;
    if (first >= 0 && model->records.samples != d->samples)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\" has %zu records but model \"%s\" has %zu (expected the same samples)",
            spec->name, model->records.samples, d->models[first].name, d->samples);
    if (saved_calibrated) {
        double temperature = 1;
        if (cascade_manifest_number(d->manifest, m, "temperature", &temperature, NULL) == CASCADE_OK) {
            model->calibration.fitted = 1;
            model->calibration.temperature = temperature;
        }
    }
    /* Saved confidences cannot be rescaled: a given T must be the saved one,
     * bit for bit (both are written as round-trip decimals). */
    double given;
    if (given_temperature(options, spec->name, &given) &&
        (!model->calibration.fitted || model->calibration.temperature != given)) {
        char want[32], have[32] = "none";
        cascade_format_double(given, want);
        if (model->calibration.fitted)
            cascade_format_double(model->calibration.temperature, have);
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, d->manifest->path, -1, -1,
            "model \"%s\": records were saved at temperature %s but %s was asked for "
            "(expected records saved at the same temperature, or the model's scores)",
            spec->name, have, want);
    }
    /* The first scored model sets the shape; the others were checked
     * against it (and may be loading on other threads meanwhile). */
    if (first < 0)
        d->samples = model->records.samples;
    if (first_classes < 0)
        d->classes = model->records.classes;
    return CASCADE_OK;
}

/* A score file's shape against the labels and the first scored model. */
static cascade_status check_scores_shape(const cascade_dataset *d, size_t m, size_t ndim,
                                         size_t rows, size_t cols, cascade_error *error)
{
    const cascade_model_spec *spec = &d->manifest->models[m];
    long first = first_scored(d, m);
    if (ndim != 2)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\": scores are 1-D with %zu values (expected 2-D (samples, classes) with at least 2 classes)",
            spec->name, rows);
    if (d->has_labels && rows != d->labels.count)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\" has %zu rows but %s has %zu labels (expected one row per label)",
            spec->name, rows, d->manifest->labels_path, d->labels.count);
    if (first >= 0 && rows != d->samples)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\" has %zu rows but model \"%s\" has %zu (expected the same samples)",
            spec->name, rows, d->models[first].name, d->samples);
    long first_classes = first_with_classes(d, m);
    if (first_classes >= 0 && cols != d->classes)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\" has %zu classes but model \"%s\" has %zu (expected the same classes)",
            spec->name, cols, d->models[first_classes].name, d->classes);
    /* With fewer than 2 classes, the records pass says so (and "expected
     * 0..cols - 1" would underflow). */
    if (d->has_labels && cols >= 2 && d->labels.max_label >= 0 &&
        (size_t)d->labels.max_label >= cols) {
        int32_t label = 0;
        size_t row = label_out_of_range(&d->labels, cols, &label);
        return cascade_error_set(error, CASCADE_ERR_VALUE, d->manifest->labels_path,
            (long long)row, -1,
            "label %d at row %zu is out of range (expected 0..%zu: model \"%s\" has %zu classes)",
            (int)label, row, cols - 1, spec->name, cols);
    }
    return CASCADE_OK;
}

/* A prediction table: its rows joined to the samples by id. It has no
 * scores, so nothing that would recompute its confidences can apply. */
static cascade_status load_prediction_table(cascade_dataset *d, size_t m,
                                            const cascade_dataset_options *options,
                                            cascade_error *error)
{
    const cascade_model_spec *spec = &d->manifest->models[m];
    cascade_model *model = &d->models[m];
    char metric[64];
    snprintf(metric, sizeof metric, "--metric %s", cascade_metric_name(options->metric));
    const char *refused = options->metric != CASCADE_METRIC_MAX_SOFTMAX ? metric
                        : options->calibrate != CASCADE_CALIBRATE_NONE ? "--calibrate"
                        : options->temperature_count ? "a temperature"
                        : options->precise ? "--precise" : NULL;
    if (refused)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, d->manifest->path, -1, -1,
            "model \"%s\" gives its confidences in a prediction table, so %s cannot apply "
            "(expected the default metric, which takes the given confidence as it is)",
            spec->name, refused);
    const cascade_sample_keys *keys = d->sample_keys;
    cascade_prediction_table own;
    memset(&own, 0, sizeof own);
    const cascade_prediction_table *table = &keys->first;
    cascade_status status = CASCADE_OK;
    if (keys->first_model != m) {
        cascade_key_columns columns = cascade_prediction_columns(d->manifest, m);
        status = cascade_prediction_table_load(spec->path, &columns, spec->name, &own, error);
        table = &own;
    }
    if (status == CASCADE_OK)
        status = cascade_records_from_predictions(table, keys,
                                                  d->has_labels ? &d->labels : NULL, spec->name,
                                                  spec->path, &model->records, error);
    cascade_prediction_table_free(&own);
    if (status == CASCADE_OK && first_scored(d, m) < 0)
        d->samples = model->records.samples;
    return status;
}

/* The model's "overhead", 0 when absent; a value that is not a finite
 * number >= 0 is refused naming the model. */
static cascade_status read_overhead(const cascade_manifest *manifest, size_t m, double *out,
                                    cascade_error *error)
{
    *out = 0.0;
    cascade_status status = cascade_manifest_number(manifest, m, "overhead", out, error);
    if (status == CASCADE_ERR_NOT_FOUND) {
        *out = 0.0;
        cascade_error_clear(error);
        return CASCADE_OK;
    }
    if (status == CASCADE_OK && !(*out >= 0))
        status = cascade_error_set(error, CASCADE_ERR_VALUE, manifest->path, -1, -1,
            "model \"%s\": \"overhead\" is %g (expected a per-call cost >= 0)",
            manifest->models[m].name, *out);
    return status;
}

/* A score-file model's "sample_costs": one finite cost >= 0 per row of its
 * scores, in records->sample_cost (the overhead and the mean come after). */
static cascade_status load_sample_costs(const char *path, const char *model_name,
                                        cascade_model *model, cascade_error *error)
{
    cascade_array costs;
    cascade_status status = cascade_array_load(path, &costs, error);
    if (status != CASCADE_OK)
        return status;
    cascade_records *r = &model->records;
    if (costs.ndim != 1 && costs.cols != 1)
        status = cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "model \"%s\": sample costs have shape (%zu, %zu) (expected a 1-D array, one cost "
            "per sample)", model_name, costs.rows, costs.cols);
    else if (costs.rows != r->samples)
        status = cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "model \"%s\": %zu sample costs for %zu samples (expected one cost per sample)",
            model_name, costs.rows, r->samples);
    else if (!(r->sample_cost = malloc((r->samples ? r->samples : 1) * sizeof *r->sample_cost)))
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    for (size_t i = 0; status == CASCADE_OK && i < r->samples; i++) {
        double value = cascade_array_get(&costs, i, 0);
        if (!(value >= 0 && isfinite(value)))
            status = cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, -1,
                "model \"%s\": cost %.17g at row %zu (expected a finite number >= 0)",
                model_name, value, i);
        else
            r->sample_cost[i] = value;
    }
    cascade_array_free(&costs);
    return status;
}

/* A model with per-sample costs costs their mean, summed in sample order;
 * set again whenever its samples change. */
static void average_sample_costs(cascade_model *model)
{
    const cascade_records *r = &model->records;
    if (!r->sample_cost || !r->samples)
        return;
    model->cost = cascade_records_mean(r->sample_cost, r->samples);
}

/* Charges OVERHEAD at every call of the model: a sample that reaches a
 * stage pays the call and its overhead alike, so the overhead simply adds
 * to each sample's cost, and a constant-cost model keeps its constant-cost
 * path. */
static void charge_overhead(cascade_model *model, double overhead)
{
    cascade_records *r = &model->records;
    if (!r->sample_cost) {
        model->cost += overhead;
        return;
    }
    for (size_t i = 0; i < r->samples; i++)
        r->sample_cost[i] += overhead;
    average_sample_costs(model);
}

static cascade_status load_model_inputs(cascade_dataset *d, size_t m,
                                        const cascade_dataset_options *options,
                                        cascade_read_buffers *buffers, cascade_error *error)
{
    const cascade_model_spec *spec = &d->manifest->models[m];
    cascade_model *model = &d->models[m];
    cascade_status status;
    if (!spec->path) {
        model->table_only = 1;
        status = cascade_manifest_number(d->manifest, m, "accuracy", &model->accuracy, error);
        if (status == CASCADE_OK && !(model->accuracy >= 0 && model->accuracy <= 1))
            status = cascade_error_set(error, CASCADE_ERR_VALUE, d->manifest->path, -1, -1,
                "model \"%s\": \"accuracy\" is %g (expected a fraction from 0 to 1)",
                spec->name, model->accuracy);
        return status;
    }
    long first = first_scored(d, m);

    if (spec->kind == CASCADE_SCORES_RECORDS)
        return load_saved_records(d, m, options, error);
    if (spec->kind == CASCADE_SCORES_PREDICTIONS)
        return load_prediction_table(d, m, options, error);
    long first_classes = first_with_classes(d, m);
    cascade_array_reader scores;
    status = cascade_array_reader_open(spec->path, &scores, error);
    if (status != CASCADE_OK)
        return status;
    /* The messages below are built after the close, which zeroes scores. */
    size_t rows = scores.rows, cols = scores.cols;
    status = check_scores_shape(d, m, scores.ndim, rows, cols, error);
    if (status != CASCADE_OK) {
        cascade_array_reader_close(&scores);
        return status;
    }
    cascade_records_options pass = {.threads = options->threads, .precise = options->precise,
                                    .buffers = buffers};
    status = cascade_records_compute_stream(&scores, spec->kind,
                                            d->has_labels ? &d->labels : NULL, spec->name,
                                            spec->path, &pass, &model->records, error);
    int fitting = options->calibrate == CASCADE_CALIBRATE_TEMPERATURE;
    if (status == CASCADE_OK &&
        given_temperature(options, spec->name, &model->calibration.temperature))
        model->calibration.fitted = 1;
    /* The default max softmax at T = 1 comes from the pass above; a fit or
     * another metric reads the scores again, many times for a fit: those
     * passes take the whole array. */
    if (status == CASCADE_OK && (fitting || options->metric != CASCADE_METRIC_MAX_SOFTMAX ||
                                 (model->calibration.fitted &&
                                  model->calibration.temperature != 1.0))) {
        cascade_array whole;
        memset(&whole, 0, sizeof whole);
        const cascade_array *all = &scores.whole;
        if (scores.streams) {
            status = cascade_array_load(spec->path, &whole, error);
            all = &whole;
        }
        if (status == CASCADE_OK && fitting)
            status = cascade_temperature_fit(all, spec->kind, &d->labels,
                                             options->calibration_rows,
                                             options->calibration_row_count,
                                             spec->name, spec->path, &model->calibration, error);
        double temperature = model->calibration.fitted ? model->calibration.temperature : 1.0;
        if (status == CASCADE_OK && (options->metric != CASCADE_METRIC_MAX_SOFTMAX ||
                                     temperature != 1.0))
            status = cascade_records_rescore(all, spec->kind, options->metric, temperature,
                                             spec->name, spec->path, &model->records, error);
        cascade_array_free(&whole);
    }
    cascade_array_reader_close(&scores);
    if (status == CASCADE_OK && spec->sample_costs_path)
        status = load_sample_costs(spec->sample_costs_path, spec->name, model, error);
    if (status != CASCADE_OK)
        return status;
    if (first < 0)
        d->samples = model->records.samples;
    if (first_classes < 0)
        d->classes = model->records.classes;
    return CASCADE_OK;
}

static cascade_status load_model(cascade_dataset *d, size_t m, double cost,
                                 const cascade_dataset_options *options,
                                 cascade_read_buffers *buffers, cascade_error *error)
{
    cascade_model *model = &d->models[m];
    model->name = d->manifest->models[m].name;
    model->cost = cost;
    cascade_status status = read_overhead(d->manifest, m, &model->overhead, error);
    if (status == CASCADE_OK)
        status = load_model_inputs(d, m, options, buffers, error);
    if (status == CASCADE_OK)
        charge_overhead(model, model->overhead);
    if (status == CASCADE_OK && options->drop_predictions &&
        d->manifest->models[m].kind != CASCADE_SCORES_PREDICTIONS) {
        free(model->records.prediction);
        model->records.prediction = NULL;
    }
    return status;
}

/* Models after the first scored one, on several threads at once: when each
 * model is small, one model per thread beats splitting every model's rows
 * (a thread start and join per model, and rows of 10 classes are too short
 * to split well). Each model is checked only against the first, so the
 * outcome is the serial one: models are handed out in manifest order, none
 * after a failed one is started, and the failure reported is the first in
 * manifest order. */
typedef struct load_job {
    cascade_dataset *d;
    const double *costs;
    cascade_dataset_options options; /* one thread per model's pass */
    pthread_mutex_t lock;
    size_t next, failed, done;       /* under lock; failed = count when none */
    cascade_status status;
    cascade_error error;             /* of the model at FAILED */
} load_job;

static void *load_main(void *arg)
{
    load_job *job = arg;
    size_t count = job->d->manifest->model_count;
    /* Without buffers each pass makes its own, as the last resort. */
    cascade_read_buffers *buffers = NULL;
    cascade_read_buffers_create(&buffers);
    for (;;) {
        pthread_mutex_lock(&job->lock);
        size_t m = job->next < job->failed ? job->next++ : count;
        pthread_mutex_unlock(&job->lock);
        if (m == count)
            break;
        cascade_error error;
        memset(&error, 0, sizeof error);
        cascade_status status = load_model(job->d, m, job->costs[m], &job->options, buffers,
                                           &error);
        pthread_mutex_lock(&job->lock);
        if (status != CASCADE_OK && m < job->failed) {
            job->failed = m;
            job->status = status;
            job->error = error;
        } else if (status == CASCADE_OK) {
            job->done++;
            if (job->options.progress)
                job->options.progress(job->options.progress_context, job->done, count,
                                      "models read");
        }
        pthread_mutex_unlock(&job->lock);
    }
    cascade_read_buffers_free(buffers);
    return NULL;
}

/* Largest model, in bytes of scores, that is loaded one per thread. A few
 * such models held at once stay far below one large model's logits. */
enum { PARALLEL_MODEL_BYTES = 8 << 20 };

static cascade_status load_models_in_parallel(cascade_dataset *d, size_t from,
                                              const double *costs,
                                              const cascade_dataset_options *options,
                                              unsigned threads, cascade_error *error)
{
    enum { MAX_THREADS = 64 };
    size_t count = d->manifest->model_count;
    load_job *job = calloc(1, sizeof *job);
    if (!job)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, d->manifest->path, -1, -1,
                                 "out of memory");
    job->d = d;
    job->costs = costs;
    job->options = *options;
    job->options.threads = 1;
    job->next = from;
    job->failed = count;
    job->done = from;
    job->status = CASCADE_OK;
    pthread_mutex_init(&job->lock, NULL);
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    pthread_t helpers[MAX_THREADS];
    unsigned started = 0;
    while (started + 1 < threads &&
           pthread_create(&helpers[started], NULL, load_main, job) == 0)
        started++;
    load_main(job);
    for (unsigned t = 0; t < started; t++)
        pthread_join(helpers[t], NULL);
    pthread_mutex_destroy(&job->lock);
    cascade_status status = job->status;
    if (status != CASCADE_OK && error)
        *error = job->error;
    free(job);
    return status;
}

static unsigned online_threads(unsigned asked)
{
    if (asked)
        return asked;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (unsigned)online : 1;
}

/* Bytes of one model's scores or records, from the first scored model. */
static size_t model_bytes(const cascade_dataset *d, long first)
{
    if (d->manifest->models[first].kind == CASCADE_SCORES_RECORDS)
        return d->samples * 3 * sizeof(double);
    return d->samples * d->classes * sizeof(float);
}

static int has_json_extension(const char *path)
{
    size_t n = strlen(path);
    return n >= 5 && strcmp(path + n - 5, ".json") == 0;
}

/* Multi-labels with empty lists: keep only the other samples, in every
 * model and in the labels, remembering each kept sample's row. */
static cascade_status leave_out_empty_labels(cascade_dataset *d, cascade_error *error)
{
    size_t empty = cascade_labels_empty_count(&d->labels);
    if (empty == 0)
        return CASCADE_OK;
    const char *path = d->manifest->labels_path;
    if (empty == d->labels.count)
        return cascade_error_set(error, CASCADE_ERR_VALUE, path, -1, -1,
            "every one of the %zu label lists is empty (expected some labelled samples)", empty);
    size_t kept = d->labels.count - empty;
    size_t *rows = malloc(kept * sizeof *rows);
    if (!rows)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    for (size_t i = 0, j = 0; i < d->labels.count; i++)
        if (d->labels.offsets[i + 1] > d->labels.offsets[i])
            rows[j++] = i;
    cascade_labels labels;
    cascade_status status = cascade_labels_subset(&d->labels, rows, kept, &labels);
    for (size_t m = 0; m < d->model_count && status == CASCADE_OK; m++) {
        cascade_records *r = &d->models[m].records;
        if (d->models[m].table_only)
            continue;
        cascade_records subset;
        status = cascade_records_subset(r, rows, kept, &subset);
        if (status == CASCADE_OK) {
            cascade_records_free(r);
            *r = subset;
            average_sample_costs(&d->models[m]);
        }
    }
    if (status != CASCADE_OK) {
        cascade_labels_free(&labels);
        free(rows);
        return cascade_error_set(error, status, path, -1, -1, "out of memory");
    }
    cascade_labels_free(&d->labels);
    d->labels = labels;
    d->sample_row = rows;
    d->samples_left_out = empty;
    if (first_scored(d, d->model_count) >= 0)
        d->samples = kept;
    return CASCADE_OK;
}

/* The class count of prediction tables, which give no score columns: the
 * score models' when there are any, else 1 + the largest class among the
 * labels and every table's predictions (at least 2). */
static cascade_status settle_given_classes(cascade_dataset *d, cascade_error *error)
{
    const cascade_sample_keys *keys = d->sample_keys;
    size_t given = 0, scored = 0;
    int32_t largest = d->has_labels ? d->labels.max_label : -1;
    for (size_t m = 0; m < d->model_count; m++) {
        if (d->models[m].table_only)
            continue;
        scored++;
        if (d->manifest->models[m].kind != CASCADE_SCORES_PREDICTIONS)
            continue;
        given++;
        const cascade_records *r = &d->models[m].records;
        for (size_t i = 0; i < r->samples; i++)
            if (r->prediction[i] > largest)
                largest = r->prediction[i];
    }
    if (!given)
        return CASCADE_OK;
    d->confidence_given = given == scored ? 2 : 1;
    long first = first_with_classes(d, d->model_count);
    size_t classes = first >= 0 ? d->classes : largest < 1 ? 2 : (size_t)largest + 1;
    for (size_t m = 0; m < d->model_count; m++) {
        if (d->models[m].table_only || d->manifest->models[m].kind != CASCADE_SCORES_PREDICTIONS)
            continue;
        cascade_records *r = &d->models[m].records;
        for (size_t i = 0; i < r->samples; i++)
            if ((size_t)r->prediction[i] >= classes)
                return cascade_error_set(error, CASCADE_ERR_VALUE,
                    d->manifest->models[m].path, -1, -1,
                    "model \"%s\" predicts class %d for id \"%.200s\" (expected 0..%zu: model "
                    "\"%s\" has %zu classes)", d->models[m].name, (int)r->prediction[i],
                    keys->id[i], classes - 1, d->models[first].name, classes);
        r->classes = classes;
    }
    d->classes = classes;
    return CASCADE_OK;
}

static void free_sample_keys(cascade_dataset *d)
{
    cascade_sample_keys_free(d->sample_keys);
    free(d->sample_keys);
    d->sample_keys = NULL;
}

/* Given temperatures: not with a fit, each T finite and > 0, and a model
 * listed twice only with the same T. */
static cascade_status check_given_temperatures(const cascade_dataset_options *options,
                                               const char *path, cascade_error *error)
{
    if (options->temperature_count == 0)
        return CASCADE_OK;
    if (options->calibrate != CASCADE_CALIBRATE_NONE)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, path, -1, -1,
            "temperatures are both given and to be fitted (expected one or the other)");
    if (!options->temperature_model || !options->temperature)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, path, -1, -1,
            "%zu temperatures without their models or values (expected both arrays)",
            options->temperature_count);
    for (size_t j = 0; j < options->temperature_count; j++) {
        const char *name = options->temperature_model[j];
        double t = options->temperature[j];
        if (!(t > 0) || !isfinite(t))
            return cascade_error_set(error, CASCADE_ERR_VALUE, path, -1, -1,
                "model \"%s\": temperature %g (expected a finite T > 0)", name, t);
        for (size_t k = 0; k < j; k++)
            if (strcmp(options->temperature_model[k], name) == 0 && options->temperature[k] != t)
                return cascade_error_set(error, CASCADE_ERR_VALUE, path, -1, -1,
                    "model \"%s\" is given two temperatures, %.17g and %.17g (expected one)",
                    name, options->temperature[k], t);
    }
    return CASCADE_OK;
}

/* A score other than accuracy needs a confusion matrix: one label per
 * sample, and a prediction from every model. */
static cascade_status check_score(cascade_dataset *d, const char *manifest_path,
                                  cascade_error *error)
{
    /* A graded quality replaces prediction == label as the score: it sets
     * the score rather than being chosen, and no other score is defined
     * over it. */
    for (size_t m = 0; m < d->model_count; m++) {
        if (!d->models[m].records.quality)
            continue;
        if (d->score != CASCADE_SCORE_ACCURACY && d->score != CASCADE_SCORE_QUALITY)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, manifest_path, -1, -1,
                "model \"%s\" gives a graded quality, which replaces the score, so no %s "
                "(expected --score accuracy, which then means the mean quality)",
                d->models[m].name, cascade_score_name(d->score));
        d->score = CASCADE_SCORE_QUALITY;
    }
    if (d->score == CASCADE_SCORE_QUALITY) {
        for (size_t m = 0; m < d->model_count; m++)
            if (!d->models[m].table_only && !d->models[m].records.quality && !d->has_labels)
                return cascade_error_set(error, CASCADE_ERR_ARGUMENT, manifest_path, -1, -1,
                    "model \"%s\" has no \"quality\" column and there are no labels to "
                    "grade it by (expected a quality column in every prediction table, or "
                    "\"labels\")", d->models[m].name);
        return CASCADE_OK;
    }
    if (d->score == CASCADE_SCORE_ACCURACY)
        return CASCADE_OK;
    if ((unsigned)d->score >= CASCADE_SCORE_COUNT)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, manifest_path, -1, -1,
            "unknown score %d (expected a cascade_score value)", (int)d->score);
    if (!d->has_labels)
        return CASCADE_OK; /* nothing to score; commands that score need labels anyway */
    cascade_error why;
    cascade_status status = cascade_score_check(d->score, d->classes, d->labels.offsets != NULL,
                                                &why);
    if (status != CASCADE_OK)
        return cascade_error_set(error, status, manifest_path, -1, -1, "%s", why.message);
    for (size_t m = 0; m < d->model_count; m++)
        if (d->models[m].table_only)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, manifest_path, -1, -1,
                "model \"%s\" has only an accuracy, no per-sample scores, so no %s (expected "
                "--score accuracy, or its scores)", d->models[m].name, cascade_score_name(d->score));
    return CASCADE_OK;
}

/* Whether every model names a "quality" column, which replaces labels. */
static int every_model_graded(const cascade_manifest *manifest)
{
    for (size_t m = 0; m < manifest->model_count; m++)
        if (!manifest->models[m].quality_column)
            return 0;
    return manifest->model_count > 0;
}

double cascade_model_score(const cascade_dataset *dataset, size_t m)
{
    const cascade_model *model = &dataset->models[m];
    if (model->table_only)
        return model->accuracy;
    if (model->records.quality) /* summed in sample order, as the sweeps' singles */
        return cascade_records_mean(model->records.quality, model->records.samples);
    if (!dataset->has_labels)
        return NAN;
    if (dataset->score == CASCADE_SCORE_ACCURACY || dataset->score == CASCADE_SCORE_QUALITY)
        return (double)model->records.correct_count / (double)dataset->samples;
    cascade_confusion counts;
    if (cascade_confusion_init(&counts, dataset->classes) != CASCADE_OK)
        return NAN;
    for (size_t i = 0; i < dataset->samples; i++)
        cascade_confusion_add(&counts, dataset->labels.label[i], model->records.prediction[i]);
    double score = cascade_confusion_score(&counts, dataset->score);
    cascade_confusion_free(&counts);
    return score;
}

cascade_status cascade_dataset_load(const char *manifest_path,
                                    const cascade_dataset_options *options,
                                    cascade_dataset **out,
                                    cascade_error *error)
{
    cascade_dataset_options defaults = {0};
    if (!options)
        options = &defaults;
    *out = NULL;
    double *costs = NULL; /* [model_count] */
    cascade_read_buffers *buffers = NULL; /* kept from one model to the next */
    cascade_prefetcher *prefetcher = NULL;
    const char **paths = NULL; /* the prefetcher's: the models' score files */
    cascade_dataset *d = calloc(1, sizeof *d);
    if (!d)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, manifest_path, -1, -1,
                                 "out of memory");
    d->cost_field = options->cost_field ? options->cost_field : "gmacs";
    d->metric = options->metric;
    d->score = options->score;
    int fitting = options->calibrate == CASCADE_CALIBRATE_TEMPERATURE;
    d->calibrated = fitting || options->temperature_count > 0;
    if ((unsigned)options->metric >= CASCADE_METRIC_COUNT ||
        (unsigned)options->calibrate > CASCADE_CALIBRATE_TEMPERATURE) {
        free(d);
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, manifest_path, -1, -1,
            "unknown metric %d or calibration %d (expected the cascade_metric and "
            "cascade_calibration_method values)", (int)options->metric, (int)options->calibrate);
    }
    cascade_status status = check_given_temperatures(options, manifest_path, error);
    if (status != CASCADE_OK) {
        free(d);
        return status;
    }
    status = cascade_manifest_load(manifest_path, &d->manifest, error);
    if (status == CASCADE_OK && options->only_models)
        status = cascade_manifest_keep(d->manifest, options->only_models,
                                       options->only_model_count, error);
    if (status != CASCADE_OK)
        goto fail;
    for (size_t j = 0; j < options->temperature_count; j++) {
        size_t m = 0;
        while (m < d->manifest->model_count &&
               strcmp(d->manifest->models[m].name, options->temperature_model[j]) != 0)
            m++;
        if (m == d->manifest->model_count) {
            status = cascade_error_set(error, CASCADE_ERR_NOT_FOUND, manifest_path, -1, -1,
                "a temperature is given for the model \"%s\", which is not in the manifest "
                "(expected temperatures of its models only)", options->temperature_model[j]);
            goto fail;
        }
    }
    if (d->manifest->records_metric)
        d->confidence_given = strncmp(d->manifest->records_metric, "given", 5) == 0 ? 2
                            : strstr(d->manifest->records_metric, "+given") != NULL;
    cascade_sample_keys *keys = NULL;
    if (cascade_manifest_is_keyed(d->manifest)) {
        d->sample_keys = keys = calloc(1, sizeof *keys);
        status = keys ? cascade_sample_keys_load(d->manifest, keys, &d->labels, error)
                      : cascade_error_set(error, CASCADE_ERR_NOMEM, manifest_path, -1, -1,
                                          "out of memory");
        if (status != CASCADE_OK)
            goto fail;
    }
    if (d->manifest->labels_path) {
        if (!d->manifest->labels_keyed)
            status = has_json_extension(d->manifest->labels_path)
                         ? cascade_labels_load_json(d->manifest->labels_path, &d->labels, error)
                         : cascade_labels_load(d->manifest->labels_path, &d->labels, error);
        if (status != CASCADE_OK)
            goto fail;
        if (keys && !d->manifest->labels_keyed && d->labels.count != keys->count) {
            status = cascade_error_set(error, CASCADE_ERR_SHAPE, d->manifest->labels_path, -1, -1,
                "%zu labels but %zu ids in %s (expected one label per id, in the sorted order "
                "of the ids)", d->labels.count, keys->count, cascade_table_path(keys->source));
            goto fail;
        }
        if (d->labels.count == 0) {
            status = cascade_error_set(error, CASCADE_ERR_SHAPE, d->manifest->labels_path,
                -1, -1, "zero labels (expected at least one sample)");
            goto fail;
        }
        d->has_labels = 1;
        if (d->labels.offsets && fitting) {
            /* The fit's likelihood needs the one true class of each sample. */
            status = cascade_error_set(error, CASCADE_ERR_ARGUMENT, d->manifest->labels_path,
                -1, -1, "multi-labels cannot fit temperatures (expected one label per sample "
                "to calibrate)");
            goto fail;
        }
        for (size_t i = 0; options->calibration_rows && i < options->calibration_row_count; i++)
            if (options->calibration_rows[i] >= d->labels.count) {
                status = cascade_error_set(error, CASCADE_ERR_ARGUMENT, manifest_path, -1, -1,
                    "calibration row %zu is out of range (expected rows 0..%zu of the labels)",
                    options->calibration_rows[i], d->labels.count - 1);
                goto fail;
            }
        if (options->calibration_rows && options->calibration_row_count == 0) {
            status = cascade_error_set(error, CASCADE_ERR_ARGUMENT, manifest_path, -1, -1,
                "no calibration rows (expected at least one row to fit temperatures on)");
            goto fail;
        }
    } else if ((options->require_labels && !every_model_graded(d->manifest)) || fitting) {
        status = cascade_error_set(error, CASCADE_ERR_FORMAT, manifest_path, -1, -1,
            "no \"labels\" (expected \"labels\": \"FILE\" to %s)",
            fitting ? "fit temperatures" : "measure accuracy");
        goto fail;
    }
    d->models = calloc(d->manifest->model_count, sizeof *d->models);
    if (!d->models) {
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, manifest_path, -1, -1,
                                   "out of memory");
        goto fail;
    }
    costs = malloc(d->manifest->model_count * sizeof *costs);
    if (!costs) {
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, manifest_path, -1, -1,
                                   "out of memory");
        goto fail;
    }
    cascade_costs_options cost_options = {
        .cost = d->cost_field, .table_path = options->costs_path,
        .strip_tag = options->costs_strip_tag, .img_size = options->costs_img_size,
        .warning = options->warning, .warning_context = options->warning_context};
    status = cascade_manifest_costs(d->manifest, &cost_options, costs, error);
    if (status != CASCADE_OK)
        goto fail;
    unsigned threads = online_threads(options->threads);
    /* Without buffers each pass makes its own, as the last resort. */
    cascade_read_buffers_create(&buffers);
    /* Without the paths or the thread, no file is read ahead: a hint. */
    paths = malloc(d->manifest->model_count * sizeof *paths);
    for (size_t m = 0; paths && m < d->manifest->model_count; m++)
        paths[m] = d->manifest->models[m].path;
    if (paths)
        cascade_prefetcher_start(paths, d->manifest->model_count, &prefetcher);
    for (size_t m = 0; m < d->manifest->model_count; m++) {
        long first = first_scored(d, m);
        /* Prediction tables settle their class count after every model is
         * loaded, so the first model with classes may come late: serial. */
        if (first >= 0 && !keys && threads > 1 && d->manifest->model_count - m >= 2 &&
            model_bytes(d, first) <= PARALLEL_MODEL_BYTES) {
            d->model_count = d->manifest->model_count; /* the free releases them all */
            status = load_models_in_parallel(d, m, costs, options, threads, error);
            if (status != CASCADE_OK)
                goto fail;
            break;
        }
        cascade_prefetcher_reached(prefetcher, m);
        status = load_model(d, m, costs[m], options, buffers, error);
        d->model_count = m + 1;
        if (status != CASCADE_OK)
            goto fail;
        if (options->progress)
            options->progress(options->progress_context, m + 1,
                              d->manifest->model_count, "models read");
    }
    cascade_prefetcher_stop(prefetcher);
    prefetcher = NULL;
    if (keys) {
        status = settle_given_classes(d, error);
        free_sample_keys(d);
        if (status != CASCADE_OK)
            goto fail;
    }
    if (d->has_labels && d->labels.offsets) {
        status = leave_out_empty_labels(d, error);
        if (status != CASCADE_OK)
            goto fail;
    }
    status = check_score(d, manifest_path, error);
    if (status != CASCADE_OK)
        goto fail;
    free(costs);
    free(paths);
    cascade_read_buffers_free(buffers);
    *out = d;
    return CASCADE_OK;
fail:
    cascade_prefetcher_stop(prefetcher);
    free(paths);
    free(costs);
    cascade_read_buffers_free(buffers);
    cascade_dataset_free(d);
    return status;
}

void cascade_dataset_free(cascade_dataset *dataset)
{
    if (!dataset)
        return;
    for (size_t m = 0; m < dataset->model_count; m++)
        cascade_records_free(&dataset->models[m].records);
    free(dataset->models);
    cascade_labels_free(&dataset->labels);
    free(dataset->sample_row);
    free_sample_keys(dataset);
    if (!dataset->is_view) {
        cascade_manifest_free(dataset->manifest);
        free(dataset->owned);
    }
    free(dataset);
}

long cascade_dataset_find(const cascade_dataset *dataset, const char *name)
{
    for (size_t m = 0; m < dataset->model_count; m++)
        if (strcmp(dataset->models[m].name, name) == 0)
            return (long)m;
    return -1;
}

void cascade_metric_label(const cascade_dataset *dataset, int ensemble, char *buf)
{
    /* Prediction tables refuse every other metric, calibration and
     * ensembling, so "given" never carries a suffix. */
    if (dataset->confidence_given == 2) {
        snprintf(buf, 64, "given");
        return;
    }
    snprintf(buf, 64, "%s%s%s%s", cascade_metric_name(dataset->metric),
             dataset->confidence_given ? "+given" : "",
             dataset->calibrated ? "+temperature" : "", ensemble ? "+ensemble" : "");
}

int cascade_dataset_per_sample(const cascade_dataset *dataset)
{
    for (size_t m = 0; m < dataset->model_count; m++)
        if (dataset->models[m].records.sample_cost || dataset->models[m].records.quality)
            return 1;
    return 0;
}

cascade_status cascade_dataset_refuse_per_sample(const cascade_dataset *dataset,
                                                 const char *what, cascade_error *error)
{
    for (size_t m = 0; m < dataset->model_count; m++) {
        const cascade_records *r = &dataset->models[m].records;
        if (!r->sample_cost && !r->quality)
            continue;
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT,
            dataset->manifest ? dataset->manifest->path : NULL, -1, -1,
            "model \"%s\" gives per-sample %s, which %s does not take yet (expected a "
            "constant cost field, without \"sample_costs\" or \"cost\" and \"quality\" "
            "columns)", dataset->models[m].name,
            r->sample_cost && r->quality ? "costs and a graded quality"
            : r->sample_cost ? "costs" : "graded quality", what);
    }
    return CASCADE_OK;
}
