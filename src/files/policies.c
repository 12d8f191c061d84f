/* Reading back the policies file of a per-class front (cascade/per_class.h). */
#include "cascade/per_class.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "files/text_file.h"

static cascade_status bad(cascade_error *error, const char *path, const char *what)
{
    return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1, "%s", what);
}

static int whole(const cJSON *item, double limit, size_t *out)
{
    if (!cJSON_IsNumber(item) || !(item->valuedouble >= 0) || item->valuedouble >= limit ||
        item->valuedouble != floor(item->valuedouble))
        return 0;
    *out = (size_t)item->valuedouble;
    return 1;
}

static long model_index(const cascade_policy_set *set, const cJSON *item)
{
    if (!cJSON_IsString(item))
        return -1;
    for (size_t m = 0; m < set->model_count; m++)
        if (strcmp(set->model_name[m], item->valuestring) == 0)
            return (long)m;
    return -1;
}

/* The model names, copied into one block the set owns. */
static cascade_status read_models(const cJSON *models, const char *path, cascade_policy_set *out,
                                  cascade_error *error)
{
    int count = cJSON_IsArray(models) ? cJSON_GetArraySize(models) : 0;
    if (count < 1)
        return bad(error, path, "\"models\" is missing or empty (expected the model names, as "
                                "cascade sweep --per-class writes them)");
    size_t bytes = (size_t)count * sizeof(char *);
    const cJSON *item;
    cJSON_ArrayForEach(item, models) {
        if (!cJSON_IsString(item))
            return bad(error, path, "\"models\" holds something other than a name (expected "
                                    "strings)");
        bytes += strlen(item->valuestring) + 1;
    }
    char **names = malloc(bytes);
    if (!names)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    char *text = (char *)(names + count);
    size_t m = 0;
    cJSON_ArrayForEach(item, models) {
        names[m++] = text;
        strcpy(text, item->valuestring);
        text += strlen(text) + 1;
    }
    out->owned = names;
    out->model_name = (const char *const *)names;
    out->model_count = (size_t)count;
    return CASCADE_OK;
}

static cascade_status read_change(const cJSON *entry, const char *path, size_t id,
                                  unsigned first, cascade_policy_set *out, cascade_error *error)
{
    const cJSON *group = cJSON_GetArrayItem(entry, 0);
    const cJSON *threshold = cJSON_GetArrayItem(entry, 1);
    const cJSON *second = cJSON_GetArrayItem(entry, 2);
    cascade_policy_change change;
    size_t cls;
    if (!cJSON_IsArray(entry) || cJSON_GetArraySize(entry) != 3)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "policy %zu: a \"set\" entry is not [class, threshold, second model]", id);
    if (cJSON_IsString(group) && strcmp(group->valuestring, "pooled") == 0)
        change.group = CASCADE_POOLED_GROUP;
    else if (whole(group, (double)out->classes, &cls))
        change.group = (uint32_t)cls;
    else
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "policy %zu: a \"set\" entry names no class (expected a class from 0 to %zu or "
            "\"pooled\")", id, out->classes - 1);
    if (cJSON_IsNull(threshold) && cJSON_IsNull(second)) {
        change.rule = (cascade_class_rule){NAN, -1};
    } else {
        long m = model_index(out, second);
        if (!cJSON_IsNumber(threshold) || !isfinite(threshold->valuedouble) || m < 0 ||
            (unsigned)m == first)
            return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                "policy %zu: a \"set\" entry has a bad rule (expected a finite threshold and "
                "a listed second model other than the first, or null and null)", id);
        change.rule = (cascade_class_rule){threshold->valuedouble, (int32_t)m};
    }
    if (out->change_count == out->change_capacity) {
        size_t capacity = out->change_capacity ? 2 * out->change_capacity : 64;
        cascade_policy_change *grown = realloc(out->changes, capacity * sizeof *grown);
        if (!grown)
            return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
        out->changes = grown;
        out->change_capacity = capacity;
    }
    out->changes[out->change_count++] = change;
    return CASCADE_OK;
}

static cascade_status read_policy(const cJSON *item, const char *path, size_t id,
                                  cascade_policy_set *out, cascade_error *error)
{
    size_t given, base = SIZE_MAX;
    const cJSON *base_item = cJSON_GetObjectItemCaseSensitive(item, "base");
    const cJSON *accuracy = cJSON_GetObjectItemCaseSensitive(item, "accuracy");
    const cJSON *cost = cJSON_GetObjectItemCaseSensitive(item, "cost");
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(item, "set");
    long first = model_index(out, cJSON_GetObjectItemCaseSensitive(item, "first"));
    if (!cJSON_IsObject(item) || !whole(cJSON_GetObjectItemCaseSensitive(item, "id"), 1e18, &given) ||
        given != id)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "policy %zu has no matching \"id\" (expected ids 0, 1, ... in order)", id);
    if (first < 0)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "policy %zu: \"first\" is not one of the listed models", id);
    if (!cJSON_IsNull(base_item) &&
        (!whole(base_item, (double)id, &base) || out->policies[base].first != (unsigned)first))
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "policy %zu: \"base\" is not an earlier policy with the same first model "
            "(expected null or such an id)", id);
    if (!cJSON_IsNumber(accuracy) || !cJSON_IsNumber(cost) || !cJSON_IsArray(changes) ||
        !(accuracy->valuedouble >= 0 && accuracy->valuedouble <= 1) ||
        !(cost->valuedouble >= 0 && isfinite(cost->valuedouble)))
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "policy %zu lacks an \"accuracy\" in [0, 1], a finite \"cost\" >= 0 or the "
            "\"set\" array", id);
    cascade_class_policy *p = &out->policies[id];
    *p = (cascade_class_policy){.first = (unsigned)first, .base = base,
                                .change_begin = out->change_count,
                                .accuracy = accuracy->valuedouble, .cost = cost->valuedouble};
    const cJSON *entry;
    cJSON_ArrayForEach(entry, changes) {
        cascade_status status = read_change(entry, path, id, (unsigned)first, out, error);
        if (status != CASCADE_OK)
            return status;
    }
    p->change_count = out->change_count - p->change_begin;
    return CASCADE_OK;
}

static cascade_status parse_set(const cJSON *root, const char *path, cascade_policy_set *out,
                                cascade_error *error)
{
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(root, "format");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsString(format) || strcmp(format->valuestring, "cascade-per-class-policies") != 0)
        return bad(error, path, "not a policies file (expected \"format\": "
                                "\"cascade-per-class-policies\", as cascade sweep --per-class "
                                "writes beside its front)");
    if (!cJSON_IsNumber(version) || version->valuedouble != 1)
        return bad(error, path, "unsupported \"version\" (expected 1)");
    size_t classes;
    if (!whole(cJSON_GetObjectItemCaseSensitive(root, "classes"), 1e6 + 1, &classes) ||
        classes < 2)
        return bad(error, path, "\"classes\" is not a class count (expected a whole number from "
                                "2 to 1000000)");
    out->classes = classes;
    cascade_status status =
        read_models(cJSON_GetObjectItemCaseSensitive(root, "models"), path, out, error);
    if (status != CASCADE_OK)
        return status;
    if (!(out->pooled = calloc(out->model_count * classes, 1)))
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    const cJSON *pooled = cJSON_GetObjectItemCaseSensitive(root, "pooled");
    if (!cJSON_IsObject(pooled))
        return bad(error, path, "\"pooled\" is missing (expected an object of class lists)");
    const cJSON *list;
    cJSON_ArrayForEach(list, pooled) {
        long m = -1;
        for (size_t i = 0; i < out->model_count; i++)
            if (strcmp(out->model_name[i], list->string) == 0)
                m = (long)i;
        const cJSON *item;
        if (m < 0 || !cJSON_IsArray(list))
            return bad(error, path, "\"pooled\" names an unlisted model or holds no list");
        cJSON_ArrayForEach(item, list) {
            size_t c;
            if (!whole(item, (double)classes, &c))
                return bad(error, path, "\"pooled\" holds something other than a class");
            out->pooled[(size_t)m * classes + c] = 1;
        }
    }
    const cJSON *policies = cJSON_GetObjectItemCaseSensitive(root, "policies");
    int count = cJSON_IsArray(policies) ? cJSON_GetArraySize(policies) : -1;
    if (count < 0)
        return bad(error, path, "\"policies\" is missing (expected an array)");
    if (!(out->policies = malloc((count ? (size_t)count : 1) * sizeof *out->policies)))
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    out->capacity = (size_t)count;
    const cJSON *item;
    cJSON_ArrayForEach(item, policies) {
        status = read_policy(item, path, out->count, out, error);
        if (status != CASCADE_OK)
            return status;
        out->count++;
    }
    return CASCADE_OK;
}

cascade_status cascade_policy_set_parse(const char *text, size_t len, const char *path,
                                        cascade_policy_set *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    long long line, column;
    cJSON *root = cascade_json_parse_whole(text, len, &line, &column);
    if (!root)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, line, column,
            "malformed JSON at line %lld, column %lld (expected a policies file as cascade "
            "sweep --per-class writes)", line, column);
    cascade_status status = cJSON_IsObject(root)
                                ? parse_set(root, path, out, error)
                                : bad(error, path, "not a JSON object (expected a policies file)");
    cJSON_Delete(root);
    if (status != CASCADE_OK)
        cascade_policy_set_free(out);
    return status;
}

cascade_status cascade_policy_set_load(const char *path, cascade_policy_set *out,
                                       cascade_error *error)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t len = 0;
    cascade_status status = cascade_read_text_file(path, &text, &len, error);
    if (status != CASCADE_OK)
        return status;
    status = cascade_policy_set_parse(text, len, path, out, error);
    free(text);
    return status;
}
