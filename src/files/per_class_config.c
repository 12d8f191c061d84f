/* A chosen per-class policy as a JSON config (cascade/per_class.h). */
#include "cascade/per_class.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/config.h"
/* Writing a config from a front row (pick) needs the front table, as
 * config.c does: see cascade/config.h. */
#include "cascade/front_csv.h"
#include "files/text_file.h"
#include "common/json_text.h"

/* cJSON prints numbers to about 15 digits; put back the exact text (the
 * parse read every number exactly) in ITEM and below. */
static int exact_numbers(cJSON *item)
{
    for (cJSON *child = item->child; child; child = child->next) {
        if (cJSON_IsNumber(child)) {
            cJSON *exact = cascade_json_exact_number(child->valuedouble);
            int replaced = exact && (child->string ? cJSON_ReplaceItemInObjectCaseSensitive(
                                                         item, child->string, exact)
                                                   : cJSON_ReplaceItemViaPointer(item, child, exact));
            if (!replaced) {
                cJSON_Delete(exact);
                return 0;
            }
            child = exact;
        } else if (!exact_numbers(child)) {
            return 0;
        }
    }
    return 1;
}

char *cascade_per_class_config_json(const cascade_front_table *table, size_t index,
                                    const cascade_policy_set *set, size_t policy)
{
    /* The ordinary config of the row carries every column the same way;
     * its models and thresholds give way to the policy's rules. */
    char *plain = cascade_config_json(table, index);
    cJSON *row = plain ? cJSON_Parse(plain) : NULL;
    free(plain);
    cascade_class_rule *rules = malloc((set->classes ? set->classes : 1) * sizeof *rules);
    cJSON *root = cJSON_CreateObject();
    cJSON *thresholds = cJSON_CreateArray(), *models = cJSON_CreateArray();
    cJSON *pooled = cJSON_CreateArray();
    int ok = row && exact_numbers(row) && rules && root && thresholds && models && pooled;
    if (ok) {
        const cascade_class_policy *p = &set->policies[policy];
        cascade_policy_set_expand(set, policy, rules, NULL);
        for (size_t c = 0; ok && c < set->classes; c++) {
            int escalates = rules[c].second >= 0;
            ok = cJSON_AddItemToArray(thresholds, escalates
                                                      ? cascade_json_exact_number(rules[c].threshold)
                                                      : cJSON_CreateNull()) &&
                 cJSON_AddItemToArray(models, escalates
                                                  ? cJSON_CreateString(set->model_name[rules[c].second])
                                                  : cJSON_CreateNull());
            if (ok && set->pooled[(size_t)p->first * set->classes + c])
                ok = cJSON_AddItemToArray(pooled, cJSON_CreateNumber((double)c));
        }
        ok = ok && cJSON_AddStringToObject(root, "kind", "per-class") &&
             cJSON_AddStringToObject(root, "first", set->model_name[p->first]);
    }
    ok = ok && cJSON_AddItemToObject(root, "class_thresholds", thresholds);
    if (!ok)
        cJSON_Delete(thresholds);
    ok = ok && cJSON_AddItemToObject(root, "class_models", models);
    if (!ok)
        cJSON_Delete(models);
    ok = ok && cJSON_AddItemToObject(root, "pooled_classes", pooled);
    if (!ok)
        cJSON_Delete(pooled);
    while (ok && row->child) {
        cJSON *item = cJSON_DetachItemViaPointer(row, row->child);
        if (strcmp(item->string, "models") == 0 || strcmp(item->string, "thresholds") == 0)
            cJSON_Delete(item);
        else
            cJSON_AddItemToObject(root, item->string, item);
    }
    free(rules);
    cJSON_Delete(row);
    return cascade_json_text_line(root, ok);
}

static cJSON *parse_file(const char *path, cascade_error *error, cascade_status *status)
{
    char *text = NULL;
    size_t len = 0;
    *status = cascade_read_text_file(path, &text, &len, error);
    if (*status != CASCADE_OK)
        return NULL;
    long long line, column;
    cJSON *root = cascade_json_parse_whole(text, len, &line, &column);
    free(text);
    if (!root)
        *status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, line, column,
            "malformed JSON at line %lld, column %lld (expected a config as cascade pick prints)",
            line, column);
    return root;
}

static int is_per_class(const cJSON *root)
{
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
    return cJSON_IsString(kind) && strcmp(kind->valuestring, "per-class") == 0;
}

cascade_status cascade_config_is_per_class(const char *path, int *per_class,
                                           cascade_error *error)
{
    cascade_status status;
    cJSON *root = parse_file(path, error, &status);
    *per_class = root && is_per_class(root);
    cJSON_Delete(root);
    return status;
}

void cascade_per_class_config_free(cascade_per_class_config *config)
{
    if (!config)
        return;
    for (size_t c = 0; config->second && c < config->classes; c++)
        free(config->second[c]);
    free(config->second);
    free(config->threshold);
    free(config->first);
    free(config->metric);
    memset(config, 0, sizeof *config);
}

static cascade_status parse_rules(const cJSON *root, const char *path,
                                  cascade_per_class_config *out, cascade_error *error)
{
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(root, "first");
    const cJSON *thresholds = cJSON_GetObjectItemCaseSensitive(root, "class_thresholds");
    const cJSON *models = cJSON_GetObjectItemCaseSensitive(root, "class_models");
    if (!cJSON_IsString(first) || !first->valuestring[0])
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "\"first\" is missing or not a model name (expected the first model of a per-class "
            "config, as cascade pick prints)");
    int count = cJSON_IsArray(thresholds) ? cJSON_GetArraySize(thresholds) : -1;
    if (count < 2 || !cJSON_IsArray(models) || cJSON_GetArraySize(models) != count)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "\"class_thresholds\" and \"class_models\" are not two arrays of one entry per class "
            "(expected at least 2 classes)");
    out->classes = (size_t)count;
    out->threshold = malloc((size_t)count * sizeof *out->threshold);
    out->second = calloc((size_t)count, sizeof *out->second);
    if (!(out->first = strdup(first->valuestring)) || !out->threshold || !out->second)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    for (int c = 0; c < count; c++) {
        const cJSON *t = cJSON_GetArrayItem(thresholds, c), *m = cJSON_GetArrayItem(models, c);
        if (cJSON_IsNull(t) && cJSON_IsNull(m)) {
            out->threshold[c] = NAN;
            continue;
        }
        if (!cJSON_IsNumber(t) || !isfinite(t->valuedouble) || !cJSON_IsString(m) ||
            !m->valuestring[0])
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "class %d has a bad rule (expected a finite threshold and a model name, or null "
                "and null for a class that never escalates)", c);
        out->threshold[c] = t->valuedouble;
        if (!(out->second[c] = strdup(m->valuestring)))
            return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    const cJSON *metric = cJSON_GetObjectItemCaseSensitive(root, "metric");
    const char *name = cJSON_IsString(metric) ? metric->valuestring : "max_softmax";
    if ((metric && !cJSON_IsString(metric)) ||
        cascade_metric_parse(name, &out->confidence, NULL) != CASCADE_OK)
        return cascade_error_set(error, CASCADE_ERR_VALUE, path, -1, -1,
            "the metric of a per-class config is not supported (expected max_softmax, margin or "
            "entropy: per-class sweeps take no temperatures or ensembles)");
    if (!(out->metric = strdup(name)))
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    return CASCADE_OK;
}

cascade_status cascade_per_class_config_parse(const char *text, size_t len, const char *path,
                                              cascade_per_class_config *out,
                                              cascade_error *error)
{
    memset(out, 0, sizeof *out);
    long long line, column;
    cJSON *root = cascade_json_parse_whole(text, len, &line, &column);
    if (!root)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, line, column,
            "malformed JSON at line %lld, column %lld (expected a config as cascade pick prints)",
            line, column);
    cascade_status status =
        is_per_class(root) ? parse_rules(root, path, out, error)
                           : cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                                 "not a per-class config (expected \"kind\": \"per-class\")");
    cJSON_Delete(root);
    if (status != CASCADE_OK)
        cascade_per_class_config_free(out);
    return status;
}

cascade_status cascade_per_class_config_load(const char *path, cascade_per_class_config *out,
                                             cascade_error *error)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t len = 0;
    cascade_status status = cascade_read_text_file(path, &text, &len, error);
    if (status != CASCADE_OK)
        return status;
    status = cascade_per_class_config_parse(text, len, path, out, error);
    free(text);
    return status;
}

static cascade_status missing_model(const cascade_dataset *dataset, const char *path,
                                    const char *name, cascade_error *error)
{
    return cascade_error_set(error, CASCADE_ERR_NOT_FOUND, path, -1, -1,
        "the model \"%s\" is not in %s (expected the models the policy was swept on)", name,
        dataset->manifest ? dataset->manifest->path : "the manifest");
}

cascade_status cascade_per_class_config_resolve(const cascade_per_class_config *config,
                                                const cascade_dataset *dataset, const char *path,
                                                unsigned *first, cascade_class_rule *rules,
                                                cascade_error *error)
{
    long a = cascade_dataset_find(dataset, config->first);
    if (a < 0)
        return missing_model(dataset, path, config->first, error);
    *first = (unsigned)a;
    for (size_t c = 0; c < config->classes; c++) {
        rules[c] = (cascade_class_rule){config->threshold[c], -1};
        if (!config->second[c])
            continue;
        long b = cascade_dataset_find(dataset, config->second[c]);
        if (b < 0)
            return missing_model(dataset, path, config->second[c], error);
        rules[c].second = (int32_t)b;
    }
    return CASCADE_OK;
}
