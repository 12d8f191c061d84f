/* The JSON manifest (cJSON): model names, score files and numeric fields. */
#include "files/manifest_internal.h"
#include "files/text_file.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct manifest_internal {
    cJSON *root;
    cJSON **model_json; /* [model_count] */
    char **owned;       /* strings to free */
    size_t owned_count;
} manifest_internal;

char *cascade_path_join_dir(const char *path, const char *relative)
{
    if (relative[0] == '/' || !strchr(path, '/'))
        return strdup(relative);
    size_t dir_len = (size_t)(strrchr(path, '/') - path) + 1;
    size_t n = dir_len + strlen(relative) + 1;
    char *joined = malloc(n);
    if (!joined)
        return NULL;
    memcpy(joined, path, dir_len);
    memcpy(joined + dir_len, relative, n - dir_len);
    return joined;
}

static char *keep(manifest_internal *in, char *s)
{
    if (!s)
        return NULL;
    char **grown = realloc(in->owned, (in->owned_count + 1) * sizeof *grown);
    if (!grown) {
        free(s);
        return NULL;
    }
    in->owned = grown;
    in->owned[in->owned_count++] = s;
    return s;
}


static cascade_status resolve(manifest_internal *in, const char *manifest_path,
                              const char *relative, const char **out,
                              cascade_error *error)
{
    *out = keep(in, cascade_path_join_dir(manifest_path, relative));
    return *out ? CASCADE_OK
                : cascade_error_set(error, CASCADE_ERR_NOMEM, manifest_path, -1, -1,
                                    "out of memory");
}

/* An optional object of column names, such as "columns": {"id": "file_name"}:
 * each member one of NAMES, a non-empty string, stored in OUT[k]. OWNER
 * names the entry in messages. */
static cascade_status parse_columns(const cJSON *entry, const char *member,
                                    const char *const *names, size_t count, const char **out,
                                    const char *path, const char *owner, cascade_error *error)
{
    const cJSON *object = cJSON_GetObjectItemCaseSensitive(entry, member);
    if (!object)
        return CASCADE_OK;
    char expected[160] = "";
    for (size_t k = 0, used = 0; k < count; k++)
        used += (size_t)snprintf(expected + used, sizeof expected - used, "%s\"%s\"",
                                 k ? ", " : "", names[k]);
    if (!cJSON_IsObject(object))
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "%s: \"%s\" is not an object (expected column names for %s)", owner, member,
            expected);
    const cJSON *item;
    cJSON_ArrayForEach(item, object) {
        size_t k = 0;
        while (k < count && strcmp(item->string, names[k]) != 0)
            k++;
        if (k == count)
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "%s: \"%s\" has an unknown member \"%.100s\" (expected %s)", owner, member,
                item->string, expected);
        if (!cJSON_IsString(item) || !item->valuestring[0])
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "%s: \"%s\".%s is not a column name (expected a non-empty string)", owner,
                member, names[k]);
        out[k] = item->valuestring;
    }
    return CASCADE_OK;
}

static cascade_status parse_model(cascade_manifest *m, manifest_internal *in,
                                  size_t index, cJSON *entry, cascade_error *error)
{
    const char *path = m->path;
    if (!cJSON_IsObject(entry))
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "models[%zu] is not an object (expected {\"name\": ..., \"logits\": ...})", index);
    cJSON *name = cJSON_GetObjectItemCaseSensitive(entry, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "models[%zu] has no \"name\" (expected a non-empty string)", index);
    for (size_t j = 0; j < index; j++)
        if (strcmp(m->models[j].name, name->valuestring) == 0)
            return cascade_error_set(error, CASCADE_ERR_VALUE, path, -1, -1,
                "duplicate model name \"%s\" in models[%zu] and models[%zu] (expected unique names)",
                name->valuestring, j, index);
    static const char *const kinds[] = {"logits", "probs", "records", "predictions"};
    cJSON *file = NULL;
    size_t kind = 0, given = 0;
    cJSON *published = cJSON_GetObjectItemCaseSensitive(entry, "published");
    if (published && (!cJSON_IsString(published) || !published->valuestring[0]))
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "model \"%s\": \"published\" is not a name (expected the model's key in a "
            "published-accuracy table, such as \"resnet50.tv_in1k\")", name->valuestring);
    m->models[index].published = published ? published->valuestring : NULL;
    for (size_t k = 0; k < 4; k++) {
        cJSON *item = cJSON_GetObjectItemCaseSensitive(entry, kinds[k]);
        if (item) {
            file = item;
            kind = k;
            given++;
        }
    }
    if (given == 0 && cJSON_GetObjectItemCaseSensitive(entry, "accuracy")) {
        /* A table-only model: known by its accuracy and cost alone. */
        m->models[index].name = name->valuestring;
        in->model_json[index] = entry;
        return CASCADE_OK;
    }
    if (given != 1)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "model \"%s\" gives %s (expected exactly one of \"logits\", \"probs\" or \"records\", \"predictions\" for a prediction table, or \"accuracy\" for a table-only model)",
            name->valuestring, given ? "more than one of them" : "neither \"logits\" nor \"probs\"");
    if (kind == 2 && !m->records_metric)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "model \"%s\" gives \"records\" outside a records manifest (expected "
            "\"format\": \"cascade-records\" as written by cascade records)", name->valuestring);
    if (!cJSON_IsString(file) || !file->valuestring[0])
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "model \"%s\": \"%s\" is not a file name (expected a string)",
            name->valuestring, kinds[kind]);
    cascade_model_spec *spec = &m->models[index];
    spec->name = name->valuestring;
    spec->kind = kind == 0 ? CASCADE_SCORES_LOGITS
               : kind == 1 ? CASCADE_SCORES_PROBS
               : kind == 2 ? CASCADE_SCORES_RECORDS : CASCADE_SCORES_PREDICTIONS;
    in->model_json[index] = entry;
    if (spec->kind == CASCADE_SCORES_PREDICTIONS) {
        static const char *const columns[] = {"id", "prediction", "confidence", "cost",
                                              "quality"};
        const char *named[5] = {NULL, NULL, NULL, NULL, NULL};
        char owner[160];
        snprintf(owner, sizeof owner, "model \"%.100s\"", spec->name);
        cascade_status status = parse_columns(entry, "columns", columns, 5, named, path, owner,
                                              error);
        if (status != CASCADE_OK)
            return status;
        spec->id_column = named[0];
        spec->prediction_column = named[1];
        spec->confidence_column = named[2];
        spec->cost_column = named[3];
        spec->quality_column = named[4];
    }
    cJSON *sample_costs = cJSON_GetObjectItemCaseSensitive(entry, "sample_costs");
    if (sample_costs) {
        if (spec->kind != CASCADE_SCORES_LOGITS && spec->kind != CASCADE_SCORES_PROBS)
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "model \"%s\": \"sample_costs\" goes with \"logits\" or \"probs\" (expected "
                "a \"cost\" column in \"columns\" for a prediction table)", spec->name);
        if (!cJSON_IsString(sample_costs) || !sample_costs->valuestring[0])
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "model \"%s\": \"sample_costs\" is not a file name (expected a .npy or CSV "
                "file with one cost per sample)", spec->name);
        cascade_status status = resolve(in, path, sample_costs->valuestring,
                                        &spec->sample_costs_path, error);
        if (status != CASCADE_OK)
            return status;
    }
    return resolve(in, path, file->valuestring, &spec->path, error);
}

/* "label_columns" (a keyed labels table) or "label_ids": "sorted" (a label
 * list that follows the sorted ids of the prediction tables). */
static cascade_status parse_label_keys(cascade_manifest *m, const cJSON *root,
                                       cascade_error *error)
{
    static const char *const columns[] = {"id", "label"};
    const char *named[2] = {NULL, NULL};
    const cJSON *keyed = cJSON_GetObjectItemCaseSensitive(root, "label_columns");
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(root, "label_ids");
    if ((keyed || ids) && !m->labels_path)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, m->path, -1, -1,
            "\"%s\" without \"labels\" (expected a labels file for it to describe)",
            keyed ? "label_columns" : "label_ids");
    if (keyed && ids)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, m->path, -1, -1,
            "both \"label_columns\" and \"label_ids\" (expected one: a keyed labels table "
            "carries its own ids)");
    if (ids && (!cJSON_IsString(ids) || strcmp(ids->valuestring, "sorted") != 0))
        return cascade_error_set(error, CASCADE_ERR_FORMAT, m->path, -1, -1,
            "\"label_ids\" is not \"sorted\" (expected \"sorted\": the labels follow the "
            "prediction tables' ids in sorted order)");
    m->labels_follow_sorted_ids = ids != NULL;
    cascade_status status = parse_columns(root, "label_columns", columns, 2, named, m->path,
                                          "the labels", error);
    if (status != CASCADE_OK)
        return status;
    m->labels_keyed = keyed != NULL;
    m->labels_id_column = named[0];
    m->labels_label_column = named[1];
    return CASCADE_OK;
}

cascade_status cascade_manifest_load(const char *path, cascade_manifest **out,
                                     cascade_error *error)
{
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    cascade_status status = cascade_read_text_file(path, &text, &len, error);
    if (status != CASCADE_OK)
        return status;
    status = cascade_manifest_parse(text, len, path, out, error);
    free(text);
    return status;
}

cascade_status cascade_manifest_parse(const char *text, size_t len, const char *path,
                                      cascade_manifest **out, cascade_error *error)
{
    *out = NULL;
    long long line, column;
    cJSON *root = cascade_json_parse_whole(text, len, &line, &column);
    if (!root) {
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, line, column,
            "malformed JSON at line %lld, column %lld (expected a JSON manifest object)",
            line, column);
    }
    cascade_status status;
    cascade_manifest *m = calloc(1, sizeof *m);
    manifest_internal *in = calloc(1, sizeof *in);
    if (!m || !in) {
        free(m);
        free(in);
        cJSON_Delete(root);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    m->internal = in;
    in->root = root;
    m->path = keep(in, strdup(path));
    if (!m->path) {
        cascade_manifest_free(m);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    if (!cJSON_IsObject(root)) {
        cascade_manifest_free(m);
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "the manifest is not a JSON object (expected {\"labels\": ..., \"models\": [...]})");
    }
    cJSON *format = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (format) {
        cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
        cJSON *metric = cJSON_GetObjectItemCaseSensitive(root, "metric");
        if (!cJSON_IsString(format) || strcmp(format->valuestring, "cascade-records") != 0) {
            cascade_manifest_free(m);
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "unknown \"format\" (expected \"cascade-records\", or no format for a manifest of scores)");
        }
        if (!cJSON_IsNumber(version) || version->valuedouble != 1) {
            cascade_manifest_free(m);
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "records manifest version is not 1 (expected \"version\": 1; rewrite it with this cascade's records command)");
        }
        if (!cJSON_IsString(metric)) {
            cascade_manifest_free(m);
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "records manifest without \"metric\" (expected the metric its confidences are in)");
        }
        m->records_metric = metric->valuestring;
    }
    cJSON *labels = cJSON_GetObjectItemCaseSensitive(root, "labels");
    if (labels && !cJSON_IsNull(labels)) {
        if (!cJSON_IsString(labels) || !labels->valuestring[0]) {
            cascade_manifest_free(m);
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "\"labels\" is not a file name (expected a string)");
        }
        status = resolve(in, path, labels->valuestring, &m->labels_path, error);
        if (status != CASCADE_OK) {
            cascade_manifest_free(m);
            return status;
        }
    }
    status = parse_label_keys(m, root, error);
    if (status != CASCADE_OK) {
        cascade_manifest_free(m);
        return status;
    }
    cJSON *models = cJSON_GetObjectItemCaseSensitive(root, "models");
    if (!cJSON_IsArray(models)) {
        cascade_manifest_free(m);
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "no \"models\" array (expected \"models\": [{\"name\": ..., \"logits\": ...}, ...])");
    }
    int count = cJSON_GetArraySize(models);
    if (count <= 0) {
        cascade_manifest_free(m);
        return cascade_error_set(error, CASCADE_ERR_VALUE, path, -1, -1,
            "the model list is empty (expected at least one model)");
    }
    m->models = calloc((size_t)count, sizeof *m->models);
    in->model_json = calloc((size_t)count, sizeof *in->model_json);
    if (!m->models || !in->model_json) {
        cascade_manifest_free(m);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    size_t index = 0;
    cJSON *entry;
    cJSON_ArrayForEach(entry, models) {
        status = parse_model(m, in, index, entry, error);
        if (status != CASCADE_OK) {
            cascade_manifest_free(m);
            return status;
        }
        index++;
        m->model_count = index;
    }
    *out = m;
    return CASCADE_OK;
}

void cascade_manifest_free(cascade_manifest *manifest)
{
    if (!manifest)
        return;
    manifest_internal *in = manifest->internal;
    if (in) {
        cJSON_Delete(in->root);
        for (size_t i = 0; i < in->owned_count; i++)
            free(in->owned[i]);
        free(in->owned);
        free(in->model_json);
        free(in);
    }
    free(manifest->models);
    free(manifest);
}

cascade_status cascade_manifest_keep(cascade_manifest *manifest, const char *const *names,
                                     size_t count, cascade_error *error)
{
    manifest_internal *in = manifest->internal;
    if (count == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, manifest->path, -1, -1,
                                 "no models named (expected at least one model to keep)");
    unsigned char *keep = calloc(manifest->model_count, 1);
    if (!keep)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, manifest->path, -1, -1,
                                 "out of memory");
    for (size_t j = 0; j < count; j++) {
        size_t m = 0;
        while (m < manifest->model_count && strcmp(manifest->models[m].name, names[j]) != 0)
            m++;
        if (m == manifest->model_count || keep[m]) {
            free(keep);
            return cascade_error_set(error, m == manifest->model_count
                                                ? CASCADE_ERR_NOT_FOUND : CASCADE_ERR_ARGUMENT,
                manifest->path, -1, -1, "model \"%s\" is %s (expected each model of the "
                "manifest at most once)", names[j],
                m == manifest->model_count ? "not in the manifest" : "named twice");
        }
        keep[m] = 1;
    }
    size_t kept = 0;
    for (size_t m = 0; m < manifest->model_count; m++)
        if (keep[m]) {
            manifest->models[kept] = manifest->models[m];
            in->model_json[kept] = in->model_json[m];
            kept++;
        }
    manifest->model_count = kept;
    free(keep);
    return CASCADE_OK;
}

cascade_status cascade_manifest_number(const cascade_manifest *manifest,
                                       size_t model, const char *field,
                                       double *out, cascade_error *error)
{
    const manifest_internal *in = manifest->internal;
    const char *name = manifest->models[model].name;
    cJSON *item = cJSON_GetObjectItemCaseSensitive(in->model_json[model], field);
    if (!item)
        return cascade_error_set(error, CASCADE_ERR_NOT_FOUND, manifest->path, -1, -1,
            "model \"%s\" has no \"%s\" (expected a number; choose another field with --cost)",
            name, field);
    if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
        return cascade_error_set(error, CASCADE_ERR_VALUE, manifest->path, -1, -1,
            "model \"%s\": \"%s\" is not a number (expected a finite number)", name, field);
    *out = item->valuedouble;
    return CASCADE_OK;
}

void cascade_manifest_each_number(const cascade_manifest *manifest, size_t model,
                                  void (*visit)(void *context, const char *name, double value),
                                  void *context)
{
    const manifest_internal *in = manifest->internal;
    cJSON *item;
    cJSON_ArrayForEach(item, in->model_json[model]) {
        if (cJSON_IsNumber(item) && item->string)
            visit(context, item->string, item->valuedouble);
    }
}
