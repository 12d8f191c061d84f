/* A chosen cascade as JSON (cJSON): written by pick, read by apply. */
#include "files/config_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/write.h"
#include "files/text_file.h"
#include "common/json_text.h"

/* What a metric string may hold after its base metric, in the order
 * cascade_metric_label() writes them. */
static const char given_suffix[] = "+given";
static const char temperature_suffix[] = "+temperature";
static const char ensemble_suffix[] = "+ensemble";

/* Splits NAME ("entropy+temperature+ensemble") into its parts; 0 when it is
 * not a base metric followed by the suffixes in that order. */
static int parse_metric(const char *name, cascade_config *out)
{
    /* Given confidences (prediction tables) are what the default metric
     * takes as they are, and nothing is ever added to them. */
    if (strcmp(name, "given") == 0) {
        out->confidence = CASCADE_METRIC_MAX_SOFTMAX;
        return 1;
    }
    size_t base = strcspn(name, "+");
    char head[32];
    if (base >= sizeof head)
        return 0;
    memcpy(head, name, base);
    head[base] = '\0';
    if (cascade_metric_parse(head, &out->confidence, NULL) != CASCADE_OK)
        return 0;
    const char *rest = name + base;
    if (strcmp(rest, given_suffix) == 0)
        return out->confidence == CASCADE_METRIC_MAX_SOFTMAX;
    out->calibrated = strncmp(rest, temperature_suffix, sizeof temperature_suffix - 1) == 0;
    if (out->calibrated)
        rest += sizeof temperature_suffix - 1;
    out->ensemble = strcmp(rest, ensemble_suffix) == 0;
    return out->ensemble || rest[0] == '\0';
}

/* "temperatures": required with +temperature, one finite T > 0 per stage;
 * refused without it (null counts as absent: pick writes it for an empty
 * cell). */
static cascade_status parse_temperatures(const cJSON *root, const char *path,
                                         cascade_config *out, cascade_error *error)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "temperatures");
    if (cJSON_IsNull(list))
        list = NULL;
    if (!out->calibrated) {
        if (list)
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "\"temperatures\" is given but the metric \"%s\" has no +temperature "
                "(expected both or neither)", out->metric);
        return CASCADE_OK;
    }
    int given = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : -1;
    if (given < 0)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "the metric \"%s\" needs \"temperatures\", which is %s (expected an array of "
            "%u numbers T > 0, one per stage, as pick copies from a front swept with "
            "--calibrate temperature)", out->metric, list ? "not an array" : "missing",
            out->stages);
    if ((unsigned)given != out->stages)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "\"temperatures\" has the wrong length: %d for %u models (expected one "
            "temperature T > 0 per stage, in stage order)", given, out->stages);
    const cJSON *item;
    unsigned s = 0;
    cJSON_ArrayForEach(item, list) {
        if (!cJSON_IsNumber(item) || !(item->valuedouble > 0) || !isfinite(item->valuedouble))
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "\"temperatures\"[%u] is not a temperature (expected a finite number > 0)", s);
        out->temperature[s++] = item->valuedouble;
    }
    return CASCADE_OK;
}

/* A member of "guarantee" that must be a number in [LO, HI] (open ends when
 * OPEN), or null or absent when NULLABLE; *OUT is NaN then. */
static cascade_status guarantee_number(const cJSON *object, const char *name, double lo,
                                       double hi, int open, int nullable, const char *expected,
                                       const char *path, double *out, cascade_error *error)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    if (nullable && (!item || cJSON_IsNull(item))) {
        *out = NAN;
        return CASCADE_OK;
    }
    double v = cJSON_IsNumber(item) ? item->valuedouble : NAN;
    int inside = open ? v > lo && v < hi : v >= lo && v <= hi;
    if (!inside)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "\"guarantee\".%s is %s (expected %s)", name,
            !item ? "missing" : cJSON_IsNumber(item) ? "out of range" : "not a number", expected);
    *out = v;
    return CASCADE_OK;
}

/* "guarantee": optional; what a guaranteed pick promised (config.h). */
static cascade_status parse_guarantee(const cJSON *root, const char *path, cascade_config *out,
                                      cascade_error *error)
{
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(root, "guarantee");
    if (!g || cJSON_IsNull(g))
        return CASCADE_OK;
    if (!cJSON_IsObject(g))
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "\"guarantee\" is not an object (expected {\"method\": \"ltt\" or \"crc\", "
            "\"n\", \"eps\", \"delta\", \"fit_drop\", \"eval_drop\"}, as cascade pick --risk "
            "writes)");
    cascade_guarantee *r = &out->guarantee;
    const char *method = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "method"));
    if (method && strcmp(method, "ltt") == 0)
        r->method = CASCADE_GUARANTEE_LTT;
    else if (method && strcmp(method, "crc") == 0)
        r->method = CASCADE_GUARANTEE_CRC;
    else if (method && strcmp(method, "empirical") == 0)
        r->method = CASCADE_GUARANTEE_EMPIRICAL;
    else
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "\"guarantee\".method is %s (expected \"ltt\", \"crc\" or \"empirical\")",
            method ? "not a known method" : "missing or not a string");
    int ltt = r->method == CASCADE_GUARANTEE_LTT;
    double n = 0, chains = 1;
    cascade_status status = guarantee_number(g, "n", 1, 9007199254740992.0, 0, 0,
                                             "a whole number of calibration samples >= 1",
                                             path, &n, error);
    if (status == CASCADE_OK && n != floor(n))
        status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "\"guarantee\".n is not a whole number (expected the count of calibration samples)");
    if (status == CASCADE_OK && cJSON_GetObjectItemCaseSensitive(g, "chains")) {
        status = guarantee_number(g, "chains", 1, 1e9, 0, 0, "a whole number of chains >= 1",
                                  path, &chains, error);
        if (status == CASCADE_OK && chains != floor(chains))
            status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "\"guarantee\".chains is not a whole number (expected the count of chains tested)");
    }
    if (status == CASCADE_OK)
        status = guarantee_number(g, "eps", 0, 1, 1, 0, "a number between 0 and 1, both excluded",
                                  path, &r->eps, error);
    if (status == CASCADE_OK)
        status = guarantee_number(g, "delta", 0, 1, 1, !ltt,
                                  ltt ? "a number between 0 and 1, both excluded, for ltt"
                                      : "null for crc and empirical, which have no failure "
                                        "probability",
                                  path, &r->delta, error);
    if (status == CASCADE_OK && !ltt && !isnan(r->delta))
        status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "\"guarantee\".delta is a number for %s (expected null: only ltt has a failure "
            "probability)", method);
    if (status == CASCADE_OK)
        status = guarantee_number(g, "fit_drop", 0, 1, 0, 1, "a fraction in [0, 1] or null",
                                  path, &r->fit_drop, error);
    if (status == CASCADE_OK)
        status = guarantee_number(g, "eval_drop", 0, 1, 0, 1, "a fraction in [0, 1] or null",
                                  path, &r->eval_drop, error);
    if (status != CASCADE_OK)
        return status;
    r->n = (size_t)n;
    r->chains = (size_t)chains;
    out->has_guarantee = 1;
    return CASCADE_OK;
}

void cascade_config_free(cascade_config *config)
{
    if (!config)
        return;
    for (unsigned s = 0; s < CASCADE_MAX_STAGES; s++)
        free(config->model[s]);
    free(config->metric);
    memset(config, 0, sizeof *config);
}

static cascade_status parse_config(const cJSON *root, const char *path, cascade_config *out,
                                   cascade_error *error)
{
    if (!cJSON_IsObject(root))
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "not a JSON object (expected {\"models\": [...], \"thresholds\": [...]}, as cascade pick prints)");
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(root, "models");
    int count = cJSON_IsArray(models) ? cJSON_GetArraySize(models) : -1;
    if (count < 1 || count > CASCADE_MAX_STAGES)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "\"models\" is %s (expected an array of 1 to %d model names)",
            count < 0 ? "missing or not an array" : count == 0 ? "empty" : "too long",
            CASCADE_MAX_STAGES);
    out->stages = (unsigned)count;
    const cJSON *item;
    unsigned s = 0;
    cJSON_ArrayForEach(item, models) {
        if (!cJSON_IsString(item) || !item->valuestring[0])
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "\"models\"[%u] is not a model name (expected a non-empty string)", s);
        if (!(out->model[s] = strdup(item->valuestring)))
            return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
        s++;
    }
    const cJSON *thresholds = cJSON_GetObjectItemCaseSensitive(root, "thresholds");
    int given = cJSON_IsArray(thresholds) ? cJSON_GetArraySize(thresholds) : -1;
    if (given != count - 1)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "\"thresholds\" %s (expected an array of %d numbers, one per stage but the last)",
            given < 0 ? "is missing or not an array" : "has the wrong length", count - 1);
    s = 0;
    cJSON_ArrayForEach(item, thresholds) {
        if (!cJSON_IsNumber(item) || !isfinite(item->valuedouble))
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "\"thresholds\"[%u] is not a number (expected a finite number)", s);
        out->threshold[s++] = item->valuedouble;
    }
    const cJSON *metric = cJSON_GetObjectItemCaseSensitive(root, "metric");
    const char *name = "max_softmax";
    if (metric) {
        if (!cJSON_IsString(metric))
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "\"metric\" is not a string (expected a name such as \"max_softmax\")");
        name = metric->valuestring;
    }
    if (!parse_metric(name, out))
        return cascade_error_set(error, CASCADE_ERR_VALUE, path, -1, -1,
            "the metric \"%s\" is not supported by this version (expected max_softmax, "
            "margin or entropy, then optionally +temperature, then optionally +ensemble)",
            name);
    if (!(out->metric = strdup(name)))
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    /* The score the front promised: its member is named after it. */
    out->score = CASCADE_SCORE_ACCURACY;
    for (int k = CASCADE_SCORE_COUNT; k-- > 1;)
        if (cJSON_GetObjectItemCaseSensitive(root, cascade_score_name((cascade_score)k)))
            out->score = (cascade_score)k;
    cascade_status status = parse_temperatures(root, path, out, error);
    return status == CASCADE_OK ? parse_guarantee(root, path, out, error) : status;
}

cascade_status cascade_config_load(const char *path, cascade_config *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t len = 0;
    cascade_status status = cascade_read_text_file(path, &text, &len, error);
    if (status != CASCADE_OK)
        return status;
    status = cascade_config_parse(text, len, path, out, error);
    free(text);
    return status;
}

cascade_status cascade_config_parse(const char *text, size_t len, const char *path,
                                    cascade_config *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    long long line, column;
    cJSON *root = cascade_json_parse_whole(text, len, &line, &column);
    if (!root) {
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, line, column,
            "malformed JSON at line %lld, column %lld (expected a config as cascade pick prints)",
            line, column);
    }
    cascade_status status = parse_config(root, path, out, error);
    cJSON_Delete(root);
    if (status != CASCADE_OK)
        cascade_config_free(out);
    return status;
}

void cascade_config_dataset_options(const cascade_config *config,
                                    cascade_dataset_options *options)
{
    options->metric = config->confidence;
    options->score = config->score;
    options->calibrate = CASCADE_CALIBRATE_NONE;
    options->temperature_count = config->calibrated ? config->stages : 0;
    options->temperature_model = config->calibrated ? (const char *const *)config->model : NULL;
    options->temperature = config->calibrated ? config->temperature : NULL;
}

cascade_status cascade_config_resolve(const cascade_config *config,
                                      const cascade_dataset *dataset, const char *path,
                                      unsigned *models, cascade_error *error)
{
    for (unsigned s = 0; s < config->stages; s++) {
        long m = cascade_dataset_find(dataset, config->model[s]);
        if (m < 0) {
            char names[512] = "";
            size_t used = 0;
            for (size_t k = 0; k < dataset->model_count && used < sizeof names; k++)
                used += (size_t)snprintf(names + used, sizeof names - used, "%s%s",
                                         k ? ", " : "", dataset->models[k].name);
            return cascade_error_set(error, CASCADE_ERR_NOT_FOUND, path, -1, -1,
                "the model \"%s\" is not in %s (expected one of: %s)", config->model[s],
                dataset->manifest ? dataset->manifest->path : "the manifest", names);
        }
        models[s] = (unsigned)m;
    }
    return CASCADE_OK;
}

static cJSON *number_array(const double *values, unsigned count)
{
    cJSON *array = cJSON_CreateArray();
    for (unsigned i = 0; array && i < count; i++)
        if (!cJSON_AddItemToArray(array, cascade_json_exact_number(values[i]))) {
            cJSON_Delete(array);
            return NULL;
        }
    return array;
}

static int whole_double(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    *out = strtod(text, &end);
    return end != text && *end == '\0' && errno != ERANGE && isfinite(*out);
}

/* An extra column's cell: number, ';'-joined numbers, null or string. A
 * LIST column (one value per stage) is an array even with one value. */
static cJSON *extra_value(const char *text, int list)
{
    double value;
    if (!text[0])
        return cJSON_CreateNull();
    if (!list && whole_double(text, &value))
        return cascade_json_exact_number(value);
    char copy[CASCADE_MAX_STAGES * 40];
    if ((list || strchr(text, ';')) && strlen(text) < sizeof copy) {
        double values[CASCADE_MAX_STAGES];
        unsigned count = 0;
        strcpy(copy, text);
        for (char *part = copy;;) {
            char *next = strchr(part, ';');
            if (next)
                *next = '\0';
            if (count == CASCADE_MAX_STAGES || !whole_double(part, &values[count]))
                break;
            count++;
            if (!next)
                return number_array(values, count);
            part = next + 1;
        }
    }
    return cJSON_CreateString(text);
}

/* A number, or null for NaN. */
static cJSON *number_or_null(double value)
{
    return isnan(value) ? cJSON_CreateNull() : cascade_json_exact_number(value);
}

static cJSON *guarantee_json(const cascade_guarantee *g)
{
    cJSON *o = cJSON_CreateObject();
    int ok = o && cJSON_AddStringToObject(o, "method", cascade_guarantee_method_name(g->method));
    ok = ok && cJSON_AddItemToObject(o, "n", cascade_json_exact_number((double)g->n));
    ok = ok && cJSON_AddItemToObject(o, "eps", cascade_json_exact_number(g->eps));
    ok = ok && cJSON_AddItemToObject(o, "delta", number_or_null(g->delta));
    ok = ok && cJSON_AddItemToObject(o, "chains", cascade_json_exact_number((double)g->chains));
    ok = ok && cJSON_AddItemToObject(o, "fit_drop", number_or_null(g->fit_drop));
    ok = ok && cJSON_AddItemToObject(o, "eval_drop", number_or_null(g->eval_drop));
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

char *cascade_config_json(const cascade_front_table *table, size_t index)
{
    return cascade_config_json_guaranteed(table, index, NULL);
}

char *cascade_config_json_guaranteed(const cascade_front_table *table, size_t index,
                                     const cascade_guarantee *guarantee)
{
    const cascade_front_row *row = &table->rows[index];
    cJSON *root = cJSON_CreateObject();
    cJSON *models = cJSON_CreateStringArray(row->model, (int)row->stages);
    int ok = root && models && cJSON_AddItemToObject(root, "models", models);
    if (!ok)
        cJSON_Delete(models);
    ok = ok && cJSON_AddItemToObject(root, "thresholds",
                                     number_array(row->threshold, row->stages - 1));
    ok = ok && cJSON_AddStringToObject(root, "metric", row->metric);
    ok = ok && cJSON_AddItemToObject(root, cascade_score_name(table->score),
                                     cascade_json_exact_number(row->accuracy));
    ok = ok && cJSON_AddItemToObject(root, "cost", cascade_json_exact_number(row->cost));
    ok = ok && cJSON_AddItemToObject(root, "answered", number_array(row->answered, row->stages));
    for (size_t e = 0; ok && e < table->extra_count; e++)
        ok = cJSON_AddItemToObject(root, table->extra_name[e],
                                   extra_value(row->extra[e],
                                               strcmp(table->extra_name[e], "temperatures") == 0));
    if (ok && guarantee) {
        cJSON *object = guarantee_json(guarantee);
        ok = object && cJSON_AddItemToObject(root, "guarantee", object);
        if (!ok)
            cJSON_Delete(object);
    }
    return cascade_json_text_line(root, ok);
}
