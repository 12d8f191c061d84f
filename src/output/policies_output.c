/* The policies of a per-class front as JSON, one policy per line, written
 * beside the front CSV (see cascade/per_class.h). */
#include "cascade/per_class.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "common/json_text.h"

static cJSON *change_json(const cascade_policy_set *set, const cascade_policy_change *change)
{
    cJSON *item = cJSON_CreateArray();
    cJSON *group = change->group == CASCADE_POOLED_GROUP ? cJSON_CreateString("pooled")
                                                         : cJSON_CreateNumber(change->group);
    int escalates = change->rule.second >= 0;
    cJSON *threshold = escalates ? cascade_json_exact_number(change->rule.threshold)
                                 : cJSON_CreateNull();
    cJSON *second = escalates ? cJSON_CreateString(set->model_name[change->rule.second])
                              : cJSON_CreateNull();
    if (!item || !cJSON_AddItemToArray(item, group) || !cJSON_AddItemToArray(item, threshold) ||
        !cJSON_AddItemToArray(item, second)) {
        cJSON_Delete(item);
        return NULL;
    }
    return item;
}

static cJSON *policy_json(const cascade_policy_set *set, size_t index)
{
    const cascade_class_policy *p = &set->policies[index];
    cJSON *root = cJSON_CreateObject();
    cJSON *changes = cJSON_CreateArray();
    int ok = root && changes && cJSON_AddNumberToObject(root, "id", (double)index) &&
             cJSON_AddStringToObject(root, "first", set->model_name[p->first]) &&
             cJSON_AddItemToObject(root, "base", p->base == SIZE_MAX
                                                     ? cJSON_CreateNull()
                                                     : cJSON_CreateNumber((double)p->base)) &&
             cJSON_AddItemToObject(root, "accuracy", cascade_json_exact_number(p->accuracy)) &&
             cJSON_AddItemToObject(root, "cost", cascade_json_exact_number(p->cost));
    for (size_t c = 0; ok && c < p->change_count; c++)
        ok = cJSON_AddItemToArray(changes, change_json(set, &set->changes[p->change_begin + c]));
    if (ok && cJSON_AddItemToObject(root, "set", changes))
        return root;
    if (!ok || !cJSON_GetObjectItem(root, "set"))
        cJSON_Delete(changes);
    cJSON_Delete(root);
    return NULL;
}

/* Prints VALUE without line breaks, then deletes it. */
static int print_compact(FILE *file, cJSON *value)
{
    char *text = value ? cJSON_PrintUnformatted(value) : NULL;
    cJSON_Delete(value);
    if (!text)
        return 0;
    fputs(text, file);
    cJSON_free(text);
    return 1;
}

cascade_status cascade_write_policies_json(FILE *file, const cascade_policy_set *set)
{
    int ok = 1;
    fprintf(file, "{\"format\": \"cascade-per-class-policies\", \"version\": 1, "
                  "\"classes\": %zu,\n\"models\": ", set->classes);
    ok = print_compact(file, cJSON_CreateStringArray(set->model_name, (int)set->model_count));
    /* Only the first models some policy starts from. */
    unsigned char *first = calloc(set->model_count ? set->model_count : 1, 1);
    if (!first)
        return CASCADE_ERR_NOMEM;
    for (size_t i = 0; i < set->count; i++)
        first[set->policies[i].first] = 1;
    cJSON *pooled = cJSON_CreateObject();
    for (size_t m = 0; ok && pooled && m < set->model_count; m++) {
        if (!first[m])
            continue;
        cJSON *classes = cJSON_CreateArray();
        for (size_t c = 0; classes && c < set->classes; c++)
            if (set->pooled[m * set->classes + c] &&
                !cJSON_AddItemToArray(classes, cJSON_CreateNumber((double)c))) {
                cJSON_Delete(classes);
                classes = NULL;
            }
        ok = classes && cJSON_AddItemToObject(pooled, set->model_name[m], classes);
        if (!ok)
            cJSON_Delete(classes);
    }
    free(first);
    fputs(",\n\"pooled\": ", file);
    if (ok && pooled)
        ok = print_compact(file, pooled);
    else
        cJSON_Delete(pooled);
    ok = ok && pooled;
    fputs(",\n\"policies\": [\n", file);
    for (size_t i = 0; ok && i < set->count; i++) {
        ok = print_compact(file, policy_json(set, i));
        fputs(i + 1 < set->count ? ",\n" : "\n", file);
    }
    fputs("]}\n", file);
    if (!ok)
        return CASCADE_ERR_NOMEM;
    return ferror(file) ? CASCADE_ERR_IO : CASCADE_OK;
}
