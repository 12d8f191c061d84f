/* The records cache: save a dataset's records, read one model's back. */
#define _XOPEN_SOURCE 700 /* realpath() */
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
#include "cascade/write.h"
#include "files/text_file.h"

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
        /* in range first, so that the cast is defined: an integer test
         * without floor(), a library call per sample */
        if (!(prediction >= 0 && prediction < (double)classes) ||
            prediction != (double)(int32_t)prediction)
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
    /* The saved cost already includes the overhead (cascade/dataset.h):
     * copying it too would charge it twice when the records are loaded. */
    if (strcmp(name, "overhead") != 0 && !cJSON_GetObjectItemCaseSensitive(entry, name))
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
    return cascade_records_save_shard(dataset, dir, 0, 0, 0, error);
}

void cascade_records_shard_range(size_t models, unsigned index, unsigned count, size_t *first,
                                 size_t *end)
{
    *first = models * index / count;
    *end = models * (index + 1) / count;
}

cascade_status cascade_records_save_shard(const cascade_dataset *dataset, const char *dir,
                                          unsigned index, unsigned count, size_t source_models,
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
    if (count > 0) {
        char shard[48];
        snprintf(shard, sizeof shard, "%u/%u", index + 1, count);
        cJSON_AddStringToObject(root, "shard", shard);
        cJSON_AddNumberToObject(root, "source_models", (double)source_models);
    }
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

/* ---- merging the records folders of a map step ---- */

typedef struct records_part {
    const char *dir;
    char *manifest_path;
    cJSON *root;
    const char *metric, *labels;
    unsigned shard, shard_count; /* shard from 1; count 0: not a shard */
    double source_models;
    char *real_dir;
} records_part;

static cascade_status read_records_part(const char *dir, records_part *part,
                                        cascade_error *error)
{
    memset(part, 0, sizeof *part);
    part->dir = dir;
    part->manifest_path = malloc(strlen(dir) + sizeof "/manifest.json");
    if (!part->manifest_path)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, dir, -1, -1, "out of memory");
    sprintf(part->manifest_path, "%s/manifest.json", dir);
    char *text = NULL;
    size_t len = 0;
    cascade_status status = cascade_read_text_file(part->manifest_path, &text, &len, error);
    if (status != CASCADE_OK)
        return status;
    long long line, column;
    part->root = cascade_json_parse_whole(text, len, &line, &column);
    free(text);
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(part->root, "format");
    const cJSON *metric = cJSON_GetObjectItemCaseSensitive(part->root, "metric");
    const cJSON *labels = cJSON_GetObjectItemCaseSensitive(part->root, "labels");
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(part->root, "models");
    if (!cJSON_IsString(format) || strcmp(format->valuestring, "cascade-records") != 0 ||
        !cJSON_IsString(metric) || !cJSON_IsString(labels) || !cJSON_IsArray(models))
        return cascade_error_set(error, CASCADE_ERR_FORMAT, part->manifest_path, -1, -1,
            "not a labelled records manifest (expected the manifest.json that cascade records "
            "writes)");
    part->metric = metric->valuestring;
    part->labels = labels->valuestring;
    const cJSON *shard = cJSON_GetObjectItemCaseSensitive(part->root, "shard");
    const cJSON *source = cJSON_GetObjectItemCaseSensitive(part->root, "source_models");
    if (shard && (!cJSON_IsString(shard) || !cJSON_IsNumber(source) ||
                  sscanf(shard->valuestring, "%u/%u", &part->shard, &part->shard_count) != 2 ||
                  part->shard < 1 || part->shard > part->shard_count))
        return cascade_error_set(error, CASCADE_ERR_FORMAT, part->manifest_path, -1, -1,
            "a malformed \"shard\" (expected \"I/N\" with 1 <= I <= N and \"source_models\")");
    part->source_models = shard ? source->valuedouble : 0;
    part->real_dir = realpath(dir, NULL);
    if (!part->real_dir)
        return cascade_error_set(error, CASCADE_ERR_IO, dir, -1, -1, "cannot resolve: %s",
                                 strerror(errno));
    return CASCADE_OK;
}

/* PATH (absolute, resolved) relative to the resolved folder FROM. */
static char *relative_path(const char *from, const char *path)
{
    size_t i = 0, common = 0;
    for (; from[i] && from[i] == path[i]; i++)
        if (from[i] == '/')
            common = i + 1;
    if (from[i] == '\0' && path[i] == '/')
        common = i + 1; /* FROM is a folder above PATH */
    size_t ups = 0;
    if (from[common] != '\0') {
        ups = 1;
        for (const char *c = from + common; *c; c++)
            ups += *c == '/';
    }
    char *out = malloc(3 * ups + strlen(path + common) + 1);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t u = 0; u < ups; u++)
        strcat(out, "../");
    strcat(out, path + common);
    return out;
}

/* DIR/NAME relative to OUT (resolved), or NULL when out of memory. */
static char *part_file(const records_part *part, const char *name, const char *out)
{
    char *absolute = malloc(strlen(part->real_dir) + strlen(name) + 2);
    if (!absolute)
        return NULL;
    sprintf(absolute, "%s/%s", part->real_dir, name);
    char *relative = relative_path(out, absolute);
    free(absolute);
    return relative;
}

static int same_file_contents(const char *a, const char *b)
{
    char *x = NULL, *y = NULL;
    size_t nx = 0, ny = 0;
    int same = cascade_read_text_file(a, &x, &nx, NULL) == CASCADE_OK &&
               cascade_read_text_file(b, &y, &ny, NULL) == CASCADE_OK && nx == ny &&
               memcmp(x, y, nx) == 0;
    free(x);
    free(y);
    return same;
}

static int by_shard(const void *pa, const void *pb)
{
    const records_part *a = pa, *b = pb;
    return a->shard < b->shard ? -1 : a->shard > b->shard;
}

static cascade_status check_records_parts(records_part *parts, size_t count,
                                          cascade_error *error)
{
    const records_part *first = &parts[0];
    size_t models = 0;
    for (size_t i = 0; i < count; i++) {
        const records_part *p = &parts[i];
        models += (size_t)cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(p->root, "models"));
        if (strcmp(p->metric, first->metric) != 0)
            return cascade_error_set(error, CASCADE_ERR_VALUE, p->manifest_path, -1, -1,
                "records in %s confidences but %s holds %s (expected one metric)", p->metric,
                first->manifest_path, first->metric);
        if ((p->shard_count == 0) != (first->shard_count == 0) ||
            p->shard_count != first->shard_count || p->source_models != first->source_models)
            return cascade_error_set(error, CASCADE_ERR_VALUE, p->manifest_path, -1, -1,
                "its shard does not match %s (expected shards of one manifest, each made with "
                "the same --shard I/N count)", first->manifest_path);
        for (size_t j = 0; j < i; j++)
            if (p->shard_count && parts[j].shard == p->shard)
                return cascade_error_set(error, CASCADE_ERR_VALUE, p->manifest_path, -1, -1,
                    "repeats shard %u/%u of %s (expected each shard once)", p->shard,
                    p->shard_count, parts[j].manifest_path);
        char *a = malloc(strlen(first->dir) + strlen(first->labels) + 2);
        char *b = malloc(strlen(p->dir) + strlen(p->labels) + 2);
        int same = a && b;
        if (same) {
            sprintf(a, "%s/%s", first->dir, first->labels);
            sprintf(b, "%s/%s", p->dir, p->labels);
            same = same_file_contents(a, b);
        }
        free(a);
        free(b);
        if (!same)
            return cascade_error_set(error, CASCADE_ERR_VALUE, p->manifest_path, -1, -1,
                "its labels differ from those of %s (expected records of one manifest)",
                first->manifest_path);
    }
    if (first->shard_count && (count < first->shard_count ||
                               (double)models != first->source_models)) {
        qsort(parts, count, sizeof *parts, by_shard);
        unsigned missing = 1;
        while (missing <= count && parts[missing - 1].shard == missing)
            missing++;
        return cascade_error_set(error, CASCADE_ERR_VALUE, parts[0].manifest_path, -1, -1,
            "shard %u/%u of the records is missing (expected all %u shards of the manifest's "
            "%.0f models)", missing, parts[0].shard_count, parts[0].shard_count,
            parts[0].source_models);
    }
    if (first->shard_count)
        qsort(parts, count, sizeof *parts, by_shard);
    return CASCADE_OK;
}

/* Numbers as exact text (see add_exact_number()), in a copy of ENTRY. */
static cJSON *exact_copy(const cJSON *entry)
{
    cJSON *copy = cJSON_CreateObject();
    const cJSON *item;
    cJSON_ArrayForEach(item, entry) {
        if (cJSON_IsNumber(item))
            add_exact_number(copy, item->string, item->valuedouble);
        else
            cJSON_AddItemToObject(copy, item->string, cJSON_Duplicate(item, 1));
    }
    return copy;
}

cascade_status cascade_records_merge(const char *const *dirs, size_t count, const char *out_dir,
                                     cascade_error *error)
{
    if (count == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, out_dir, -1, -1,
                                 "no records folders (expected the folders to merge)");
    records_part *parts = calloc(count, sizeof *parts);
    if (!parts)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, out_dir, -1, -1, "out of memory");
    cascade_status status = CASCADE_OK;
    for (size_t i = 0; i < count && status == CASCADE_OK; i++)
        status = read_records_part(dirs[i], &parts[i], error);
    if (status == CASCADE_OK)
        status = check_records_parts(parts, count, error);
    if (status == CASCADE_OK && mkdir(out_dir, 0777) != 0 && errno != EEXIST)
        status = cascade_error_set(error, CASCADE_ERR_IO, out_dir, -1, -1,
                                   "cannot create the folder: %s", strerror(errno));
    char *out = status == CASCADE_OK ? realpath(out_dir, NULL) : NULL;
    if (status == CASCADE_OK && !out)
        status = cascade_error_set(error, CASCADE_ERR_IO, out_dir, -1, -1, "cannot resolve: %s",
                                   strerror(errno));
    cJSON *root = cJSON_CreateObject(), *models = cJSON_CreateArray();
    if (status == CASCADE_OK) {
        char *labels = part_file(&parts[0], parts[0].labels, out);
        cJSON_AddStringToObject(root, "name", "records");
        cJSON_AddStringToObject(root, "format", "cascade-records");
        cJSON_AddNumberToObject(root, "version", 1);
        cJSON_AddStringToObject(root, "metric", parts[0].metric);
        cJSON_AddStringToObject(root, "labels", labels ? labels : "");
        free(labels);
    }
    cJSON_AddItemToObject(root, "models", models);
    for (size_t i = 0; i < count && status == CASCADE_OK; i++) {
        const cJSON *entry;
        cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(parts[i].root, "models")) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(entry, "name");
            const cJSON *file = cJSON_GetObjectItemCaseSensitive(entry, "records");
            if (!cJSON_IsString(name) || !cJSON_IsString(file)) {
                status = cascade_error_set(error, CASCADE_ERR_FORMAT, parts[i].manifest_path,
                    -1, -1, "a model without \"name\" or \"records\" (expected the entries "
                    "cascade records writes)");
                break;
            }
            const cJSON *seen;
            cJSON_ArrayForEach(seen, models) {
                if (strcmp(cJSON_GetObjectItemCaseSensitive(seen, "name")->valuestring,
                           name->valuestring) == 0) {
                    status = cascade_error_set(error, CASCADE_ERR_VALUE, parts[i].manifest_path,
                        -1, -1, "model \"%s\" is in another part too (expected each model in "
                        "one part)", name->valuestring);
                    break;
                }
            }
            if (status != CASCADE_OK)
                break;
            cJSON *copy = exact_copy(entry);
            char *relative = part_file(&parts[i], file->valuestring, out);
            if (!copy || !relative) {
                cJSON_Delete(copy);
                free(relative);
                status = cascade_error_set(error, CASCADE_ERR_NOMEM, out_dir, -1, -1,
                                           "out of memory");
                break;
            }
            cJSON_ReplaceItemInObjectCaseSensitive(copy, "records", cJSON_CreateString(relative));
            free(relative);
            cJSON_AddItemToArray(models, copy);
        }
    }
    if (status == CASCADE_OK) {
        char *text = cJSON_Print(root);
        char *path = malloc(strlen(out_dir) + sizeof "/manifest.json");
        if (text && path) {
            sprintf(path, "%s/manifest.json", out_dir);
            status = write_text(path, text, error);
        } else {
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, out_dir, -1, -1, "out of memory");
        }
        free(text);
        free(path);
    }
    cJSON_Delete(root);
    free(out);
    for (size_t i = 0; i < count; i++) {
        free(parts[i].manifest_path);
        free(parts[i].real_dir);
        cJSON_Delete(parts[i].root);
    }
    free(parts);
    return status;
}
