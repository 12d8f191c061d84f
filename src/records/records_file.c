/* The records cache: save a dataset's records, read one model's back. */
#include "records/records_file_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cascade/npy_write.h"
#include "cascade/output.h"

cascade_status cascade_records_read(const char *path, size_t classes, const char *model,
                                    const cascade_labels *labels, cascade_records *out,
                                    cascade_error *error)
{
    memset(out, 0, sizeof *out);
    cascade_array array;
    cascade_status status = cascade_array_load(path, &array, error);
    if (status != CASCADE_OK)
        return status;
    status = cascade_records_from_array(path, &array, classes, model, labels, out, error);
    cascade_array_free(&array);
    return status;
}

cascade_status cascade_records_from_array(const char *path, const cascade_array *array,
                                          size_t classes, const char *model,
                                          const cascade_labels *labels, cascade_records *out,
                                          cascade_error *error)
{
    memset(out, 0, sizeof *out);
    cascade_status status = CASCADE_OK;
    /* Predictions are stored as int32. */
    if (classes < 2 || classes > INT32_MAX)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, path, -1, -1,
            "model \"%s\": %zu classes (expected 2 to %d)", model, classes, (int)INT32_MAX);
    if (array->ndim != 2 || array->cols != 3 ||
        (array->dtype != CASCADE_DTYPE_F64 && array->dtype != CASCADE_DTYPE_F32)) {
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "model \"%s\": records are %s %zu x %zu (expected float64 [samples][3] of prediction, confidence, correct)",
            model, cascade_dtype_name(array->dtype), array->rows, array->cols);
    }
    size_t k = array->rows;
    if (k == 0 || (labels && labels->count != k)) {
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "model \"%s\" has %zu records but there are %zu labels (expected one record per label)",
            model, k, labels ? labels->count : 0);
    }
    out->samples = k;
    out->classes = classes;
    out->prediction = malloc(k * sizeof *out->prediction);
    out->confidence = malloc(k * sizeof *out->confidence);
    out->correct = malloc(k * sizeof *out->correct);
    if (!out->prediction || !out->confidence || !out->correct) {
        cascade_records_free(out);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    /* The usual float64 file is read in place; the getter's switch per
     * element was most of the time of reading 200 models' records. */
    const double *f64 = array->dtype == CASCADE_DTYPE_F64 ? array->data : NULL;
    for (size_t i = 0; i < k && status == CASCADE_OK; i++) {
        double prediction = f64 ? f64[3 * i] : cascade_array_get(array, i, 0);
        double confidence = f64 ? f64[3 * i + 1] : cascade_array_get(array, i, 1);
        double correct = f64 ? f64[3 * i + 2] : cascade_array_get(array, i, 2);
        if (!(prediction >= 0 && prediction < (double)classes) || prediction != floor(prediction))
            status = cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, 0,
                "model \"%s\", row %zu: prediction %.17g (expected a class index 0..%zu)",
                model, i, prediction, classes - 1);
        else if (!isfinite(confidence))
            status = cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, 1,
                "model \"%s\", row %zu: confidence %g (expected a finite number)", model, i, confidence);
        else if (correct != 0 && correct != 1)
            status = cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, 2,
                "model \"%s\", row %zu: correct is %g (expected 0 or 1)", model, i, correct);
        else if (labels && labels->label && (correct == 1) != (prediction == labels->label[i]))
            status = cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, 2,
                "model \"%s\", row %zu: correct is %g but the prediction %.0f %s label %d (expected records made with these labels)",
                model, i, correct, prediction, correct == 1 ? "differs from" : "equals",
                (int)labels->label[i]);
        else {
            out->prediction[i] = (int32_t)prediction;
            out->confidence[i] = confidence;
            out->correct[i] = (uint8_t)correct;
            out->correct_count += out->correct[i];
        }
    }
    if (status != CASCADE_OK)
        cascade_records_free(out);
    return status;
}

/* A file name from a model name: index first (names may repeat once
 * cleaned), then the name with anything unusual replaced by '_'. */
static void records_file_name(size_t index, const char *model, char *buf, size_t n)
{
    int used = snprintf(buf, n, "%03zu-", index);
    size_t at = used > 0 ? (size_t)used : 0;
    for (const char *c = model; *c && at + 16 < n; c++) {
        int plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                    (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.';
        buf[at++] = plain ? *c : '_';
    }
    snprintf(buf + at, n - at, ".records.npy");
}

/* cJSON may print a number with 15 significant digits; costs must read
 * back exactly, so numbers go in as their shortest exact text. */
static void add_exact_number(cJSON *object, const char *name, double value)
{
    char text[32];
    cascade_format_double(value, text);
    cJSON_AddRawToObject(object, name, text);
}

static void copy_number(void *context, const char *name, double value)
{
    cJSON *entry = context;
    if (!cJSON_GetObjectItemCaseSensitive(entry, name))
        add_exact_number(entry, name, value);
}

static cascade_status write_text(const char *path, const char *text, cascade_error *error)
{
    cascade_output output;
    cascade_status status = cascade_output_open(path, &output, error);
    if (status != CASCADE_OK)
        return status;
    if (fputs(text, output.file) == EOF || fputc('\n', output.file) == EOF) {
        cascade_output_abort(&output);
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1, "write error: %s",
                                 strerror(errno));
    }
    return cascade_output_commit(&output, error);
}

cascade_status cascade_records_save(const cascade_dataset *dataset, const char *dir,
                                    cascade_error *error)
{
    /* Saved records are per sample; multi-labels and views would need more
     * than labels.npy to be read back the same. */
    for (size_t m = 0; m < dataset->model_count; m++)
        if (dataset->models[m].table_only)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, dir, -1, -1,
                "model \"%s\" is table-only (expected per-sample scores to save records)",
                dataset->models[m].name);
    if (dataset->labels.offsets || dataset->sample_row)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, dir, -1, -1,
            "multi-labels cannot be saved as records yet (expected one label per sample)");
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return cascade_error_set(error, CASCADE_ERR_IO, dir, -1, -1,
                                 "cannot create the folder: %s", strerror(errno));
    size_t k = dataset->samples;
    double *rows = malloc(k * 3 * sizeof *rows); /* [k][3] */
    cJSON *root = cJSON_CreateObject(), *models = cJSON_CreateArray();
    char *path = malloc(strlen(dir) + 600);
    if (!rows || !root || !models || !path) {
        free(rows);
        free(path);
        cJSON_Delete(root);
        cJSON_Delete(models);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, dir, -1, -1, "out of memory");
    }
    char metric[64];
    cascade_metric_label(dataset, 0, metric);
    cJSON_AddStringToObject(root, "name", "records");
    cJSON_AddStringToObject(root, "format", "cascade-records");
    cJSON_AddNumberToObject(root, "version", 1);
    cJSON_AddStringToObject(root, "metric", metric);
    cascade_status status = CASCADE_OK;
    if (dataset->has_labels && dataset->labels.label) {
        int64_t *labels = malloc(k * sizeof *labels);
        if (!labels)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, dir, -1, -1, "out of memory");
        for (size_t i = 0; labels && i < k; i++)
            labels[i] = dataset->labels.label[i];
        sprintf(path, "%s/labels.npy", dir);
        size_t shape[1] = {k};
        if (status == CASCADE_OK)
            status = cascade_npy_write(path, "<i8", 1, shape, labels, error);
        free(labels);
        cJSON_AddStringToObject(root, "labels", "labels.npy");
    }
    cJSON_AddItemToObject(root, "models", models);
    for (size_t m = 0; m < dataset->model_count && status == CASCADE_OK; m++) {
        const cascade_model *model = &dataset->models[m];
        const cascade_records *r = &model->records;
        for (size_t i = 0; i < k; i++) {
            rows[3 * i] = r->prediction[i];
            rows[3 * i + 1] = r->confidence[i];
            rows[3 * i + 2] = r->correct[i];
        }
        char name[512];
        records_file_name(m, model->name, name, sizeof name);
        sprintf(path, "%s/%s", dir, name);
        size_t shape[2] = {k, 3};
        status = cascade_npy_write(path, "<f8", 2, shape, rows, error);
        cJSON *entry = cJSON_CreateObject();
        cJSON_AddStringToObject(entry, "name", model->name);
        cJSON_AddStringToObject(entry, "records", name);
        cJSON_AddNumberToObject(entry, "classes", (double)r->classes);
        if (model->calibration.fitted)
            add_exact_number(entry, "temperature", model->calibration.temperature);
        /* The cost it was loaded with, under its field, then every other
         * numeric field of the original entry. */
        add_exact_number(entry, dataset->cost_field, model->cost);
        if (dataset->manifest && m < dataset->manifest->model_count)
            cascade_manifest_each_number(dataset->manifest, m, copy_number, entry);
        cJSON_AddItemToArray(models, entry);
    }
    free(rows);
    if (status == CASCADE_OK) {
        char *text = cJSON_Print(root);
        sprintf(path, "%s/manifest.json", dir);
        status = text ? write_text(path, text, error)
                      : cascade_error_set(error, CASCADE_ERR_NOMEM, dir, -1, -1, "out of memory");
        free(text);
    }
    free(path);
    cJSON_Delete(root);
    return status;
}
