/* Manifest -> labels -> per-model records and costs. */
#include "cascade/dataset.h"
#include "cascade/records_file.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
    size_t base = strcspn(saved, "+");
    int saved_calibrated = strstr(saved, "+temperature") != NULL;
    if (strlen(wanted) != base || strncmp(saved, wanted, base) != 0 ||
        saved_calibrated != (options->calibrate == CASCADE_CALIBRATE_TEMPERATURE))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, d->manifest->path, -1, -1,
            "records hold %s confidences but %s%s was asked for (expected the same "
            "--metric and --calibrate as when the records were saved)", saved, wanted,
            options->calibrate == CASCADE_CALIBRATE_TEMPERATURE ? "+temperature" : "");
    double classes = 0;
    cascade_status status = cascade_manifest_number(d->manifest, m, "classes", &classes, error);
    if (status != CASCADE_OK)
        return status;
    if (!(classes >= 2 && classes <= 1e9) || classes != floor(classes))
        return cascade_error_set(error, CASCADE_ERR_VALUE, d->manifest->path, -1, -1,
            "model \"%s\": \"classes\" is %g (expected a whole number >= 2)", spec->name, classes);
    if (m > 0 && (size_t)classes != d->classes)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\" has %g classes but model \"%s\" has %zu (expected the same classes)",
            spec->name, classes, d->models[0].name, d->classes);
    status = cascade_records_read(spec->path, (size_t)classes, spec->name,
                                  d->has_labels ? &d->labels : NULL, &model->records, error);
    if (status != CASCADE_OK)
        return status;
    if (m > 0 && model->records.samples != d->samples)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\" has %zu records but model \"%s\" has %zu (expected the same samples)",
            spec->name, model->records.samples, d->models[0].name, d->samples);
    if (saved_calibrated) {
        double temperature = 1;
        if (cascade_manifest_number(d->manifest, m, "temperature", &temperature, NULL) == CASCADE_OK) {
            model->calibration.fitted = 1;
            model->calibration.temperature = temperature;
        }
    }
    d->samples = model->records.samples;
    d->classes = model->records.classes;
    return CASCADE_OK;
}

static cascade_status load_model(cascade_dataset *d, size_t m,
                                 const cascade_dataset_options *options,
                                 cascade_error *error)
{
    const cascade_model_spec *spec = &d->manifest->models[m];
    cascade_model *model = &d->models[m];
    model->name = spec->name;
    double cost = 0.0;
    cascade_status status =
        cascade_manifest_number(d->manifest, m, d->cost_field, &cost, error);
    if (status != CASCADE_OK)
        return status;
    if (cost < 0)
        return cascade_error_set(error, CASCADE_ERR_VALUE, d->manifest->path, -1, -1,
            "model \"%s\": \"%s\" is %g (expected a cost >= 0)", spec->name,
            d->cost_field, cost);
    model->cost = cost;

    if (spec->kind == CASCADE_SCORES_RECORDS)
        return load_saved_records(d, m, options, error);
    cascade_array scores;
    status = cascade_array_load(spec->path, &scores, error);
    if (status != CASCADE_OK)
        return status;
    if (scores.ndim != 2) {
        cascade_array_free(&scores);
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\": scores are 1-D with %zu values (expected 2-D (samples, classes))",
            spec->name, scores.rows);
    }
    if (d->has_labels && scores.rows != d->labels.count) {
        cascade_array_free(&scores);
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\" has %zu rows but %s has %zu labels (expected one row per label)",
            spec->name, scores.rows, d->manifest->labels_path, d->labels.count);
    }
    if (m > 0 && scores.rows != d->samples) {
        cascade_array_free(&scores);
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\" has %zu rows but model \"%s\" has %zu (expected the same samples)",
            spec->name, scores.rows, d->models[0].name, d->samples);
    }
    if (m > 0 && scores.cols != d->classes) {
        cascade_array_free(&scores);
        return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
            "model \"%s\" has %zu classes but model \"%s\" has %zu (expected the same classes)",
            spec->name, scores.cols, d->models[0].name, d->classes);
    }
    if (d->has_labels && d->labels.max_label >= 0 &&
        (size_t)d->labels.max_label >= scores.cols) {
        size_t row = 0;
        while (row < d->labels.count && (size_t)d->labels.label[row] < scores.cols)
            row++;
        cascade_array_free(&scores);
        return cascade_error_set(error, CASCADE_ERR_VALUE, d->manifest->labels_path,
            (long long)row, -1,
            "label %d at row %zu is out of range (expected 0..%zu: model \"%s\" has %zu classes)",
            (int)d->labels.label[row], row, scores.cols - 1, spec->name, scores.cols);
    }
    status = cascade_records_compute_threads(&scores, spec->kind,
                                             d->has_labels ? &d->labels : NULL, spec->name,
                                             spec->path, options->threads, &model->records,
                                             error);
    /* The default max softmax at T = 1 comes from the pass above; a fit or
     * another metric needs the scores again while they are still mapped. */
    if (status == CASCADE_OK && options->calibrate == CASCADE_CALIBRATE_TEMPERATURE)
        status = cascade_temperature_fit(&scores, spec->kind, &d->labels, NULL, 0,
                                         spec->name, spec->path, &model->calibration, error);
    double temperature = model->calibration.fitted ? model->calibration.temperature : 1.0;
    if (status == CASCADE_OK && (options->metric != CASCADE_METRIC_MAX_SOFTMAX ||
                                 temperature != 1.0))
        status = cascade_records_rescore(&scores, spec->kind, options->metric, temperature,
                                         spec->name, spec->path, &model->records, error);
    cascade_array_free(&scores);
    if (status != CASCADE_OK)
        return status;
    d->samples = model->records.samples;
    d->classes = model->records.classes;
    return CASCADE_OK;
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
    cascade_dataset *d = calloc(1, sizeof *d);
    if (!d)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, manifest_path, -1, -1,
                                 "out of memory");
    d->cost_field = options->cost_field ? options->cost_field : "gmacs";
    d->metric = options->metric;
    d->calibrated = options->calibrate == CASCADE_CALIBRATE_TEMPERATURE;
    if ((unsigned)options->metric >= CASCADE_METRIC_COUNT ||
        (unsigned)options->calibrate > CASCADE_CALIBRATE_TEMPERATURE) {
        free(d);
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, manifest_path, -1, -1,
            "unknown metric %d or calibration %d (expected the cascade_metric and "
            "cascade_calibration_method values)", (int)options->metric, (int)options->calibrate);
    }
    cascade_status status = cascade_manifest_load(manifest_path, &d->manifest, error);
    if (status != CASCADE_OK)
        goto fail;
    if (d->manifest->labels_path) {
        status = cascade_labels_load(d->manifest->labels_path, &d->labels, error);
        if (status != CASCADE_OK)
            goto fail;
        if (d->labels.count == 0) {
            status = cascade_error_set(error, CASCADE_ERR_SHAPE, d->manifest->labels_path,
                -1, -1, "zero labels (expected at least one sample)");
            goto fail;
        }
        d->has_labels = 1;
    } else if (options->require_labels || d->calibrated) {
        status = cascade_error_set(error, CASCADE_ERR_FORMAT, manifest_path, -1, -1,
            "no \"labels\" (expected \"labels\": \"FILE\" to %s)",
            d->calibrated ? "fit temperatures" : "measure accuracy");
        goto fail;
    }
    d->models = calloc(d->manifest->model_count, sizeof *d->models);
    if (!d->models) {
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, manifest_path, -1, -1,
                                   "out of memory");
        goto fail;
    }
    for (size_t m = 0; m < d->manifest->model_count; m++) {
        status = load_model(d, m, options, error);
        d->model_count = m + 1;
        if (status != CASCADE_OK)
            goto fail;
        if (options->progress)
            options->progress(options->progress_context, m + 1,
                              d->manifest->model_count, "models read");
    }
    *out = d;
    return CASCADE_OK;
fail:
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
    cascade_manifest_free(dataset->manifest);
    free(dataset);
}

long cascade_dataset_find(const cascade_dataset *dataset, const char *name)
{
    for (size_t m = 0; m < dataset->model_count; m++)
        if (strcmp(dataset->models[m].name, name) == 0)
            return (long)m;
    return -1;
}
