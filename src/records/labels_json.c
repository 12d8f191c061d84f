/* Multi-labels from JSON (ImageNet ReaL): one list of class indices per
 * sample. Kept apart from labels.c, which reads label arrays. */
#include "records/labels_internal.h"
#include "files/text_file.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A class index: a whole number from 0 to INT32_MAX. */
static int class_index(const cJSON *item, int32_t *out)
{
    if (!cJSON_IsNumber(item))
        return 0;
    double v = item->valuedouble;
    if (!(v >= 0 && v <= INT32_MAX) || v != floor(v))
        return 0;
    *out = (int32_t)v;
    return 1;
}

static cascade_status bad_entry(cascade_labels *out, const char *path, size_t entry,
                                const char *what, cascade_error *error)
{
    cascade_labels_free(out);
    return cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)entry, -1,
        "entry %zu: %s (expected a list of class indices >= 0, such as [970, 795])",
        entry, what);
}

cascade_status cascade_labels_load_json(const char *path, cascade_labels *out,
                                        cascade_error *error)
{
    memset(out, 0, sizeof *out);
    char *text = NULL;
    size_t len = 0;
    cascade_status status = cascade_read_text_file(path, &text, &len, error);
    if (status != CASCADE_OK)
        return status;
    status = cascade_labels_parse_json(text, len, path, out, error);
    free(text);
    return status;
}

cascade_status cascade_labels_parse_json(const char *text, size_t len, const char *path,
                                         cascade_labels *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    long long line, column; /* not reported: a label list is one long line */
    cJSON *root = cascade_json_parse_whole(text, len, &line, &column);
    if (!cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "%s (expected a JSON array of label lists, one per sample)",
            root ? "not a JSON array" : "malformed JSON");
    }
    size_t count = (size_t)cJSON_GetArraySize(root), members = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, root)
        members += cJSON_IsArray(entry) ? (size_t)cJSON_GetArraySize(entry) : 1;
    out->label = malloc((count ? count : 1) * sizeof *out->label);
    out->offsets = malloc((count + 1) * sizeof *out->offsets);
    out->members = malloc((members ? members : 1) * sizeof *out->members);
    if (!out->label || !out->offsets || !out->members) {
        cascade_labels_free(out);
        cJSON_Delete(root);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    out->count = count;
    out->max_label = -1;
    size_t i = 0, used = 0;
    cJSON_ArrayForEach(entry, root) {
        out->offsets[i] = used;
        int32_t value;
        if (cJSON_IsArray(entry)) {
            size_t item_index = 0;
            const cJSON *item;
            cJSON_ArrayForEach(item, entry) {
                if (!class_index(item, &value)) {
                    char what[64];
                    snprintf(what, sizeof what, "item %zu is not a class index", item_index);
                    cJSON_Delete(root);
                    return bad_entry(out, path, i, what, error);
                }
                out->members[used++] = value;
                item_index++;
            }
        } else if (class_index(entry, &value)) {
            out->members[used++] = value;
        } else {
            cJSON_Delete(root);
            return bad_entry(out, path, i, "not a list or a class index", error);
        }
        out->label[i] = used > out->offsets[i] ? out->members[out->offsets[i]] : 0;
        for (size_t j = out->offsets[i]; j < used; j++)
            if (out->members[j] > out->max_label)
                out->max_label = out->members[j];
        i++;
    }
    out->offsets[count] = used;
    cJSON_Delete(root);
    return CASCADE_OK;
}

size_t cascade_labels_empty_count(const cascade_labels *labels)
{
    size_t empty = 0;
    if (labels->offsets)
        for (size_t i = 0; i < labels->count; i++)
            empty += labels->offsets[i + 1] == labels->offsets[i];
    return empty;
}
