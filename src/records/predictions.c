/* Keyed inputs: the order of the samples (sample_keys.h) and the records of
 * a prediction table, joined to that order by id. */
#include "records/sample_keys.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cascade_manifest_is_keyed(const cascade_manifest *manifest)
{
    if (manifest->labels_keyed || manifest->labels_follow_sorted_ids)
        return 1;
    for (size_t m = 0; m < manifest->model_count; m++)
        if (manifest->models[m].kind == CASCADE_SCORES_PREDICTIONS && manifest->models[m].path)
            return 1;
    return 0;
}

cascade_key_columns cascade_prediction_columns(const cascade_manifest *manifest, size_t m)
{
    const cascade_model_spec *spec = &manifest->models[m];
    cascade_key_columns columns = {.id = spec->id_column, .value = spec->prediction_column,
                                   .confidence = spec->confidence_column,
                                   .cost = spec->cost_column, .quality = spec->quality_column};
    return columns;
}

static cascade_status from_label_table(const cascade_manifest *manifest,
                                       cascade_sample_keys *keys, cascade_labels *labels,
                                       cascade_error *error)
{
    cascade_key_columns columns = {.id = manifest->labels_id_column,
                                   .value = manifest->labels_label_column};
    cascade_status status = cascade_label_table_load(manifest->labels_path, &columns,
                                                     &keys->labels, error);
    if (status != CASCADE_OK)
        return status;
    const cascade_label_table *t = &keys->labels;
    memset(labels, 0, sizeof *labels);
    if (!(labels->label = malloc(t->keyed.rows * sizeof *labels->label)))
        return cascade_error_set(error, CASCADE_ERR_NOMEM, manifest->labels_path, -1, -1,
                                 "out of memory");
    memcpy(labels->label, t->label, t->keyed.rows * sizeof *labels->label);
    labels->count = t->keyed.rows;
    labels->max_label = t->max_label;
    keys->count = t->keyed.rows;
    keys->id = t->keyed.id;
    keys->index = t->keyed.index;
    keys->source = t->keyed.table;
    return CASCADE_OK;
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* KEYS in the sorted order of the first table's ids: sample i is row
 * sorted[i] of that table. */
static cascade_status sort_keys(cascade_sample_keys *keys, const char *path,
                                cascade_error *error)
{
    const cascade_keyed_rows *rows = &keys->first.keyed;
    keys->sorted = malloc(rows->rows * sizeof *keys->sorted);
    const char **ids = malloc(rows->rows * sizeof *ids);
    keys->sorted_index = cascade_id_index_new(rows->rows);
    if (!keys->sorted || !ids || !keys->sorted_index) {
        free(ids);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    memcpy(ids, rows->id, rows->rows * sizeof *ids);
    qsort(ids, rows->rows, sizeof *ids, compare_ids);
    for (size_t i = 0; i < rows->rows; i++) {
        keys->sorted[i] = cascade_id_index_find(rows->index, ids[i]);
        if (cascade_id_index_add(keys->sorted_index, ids[i], i, NULL) < 0) {
            free(ids);
            return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
        }
    }
    keys->id = ids;
    keys->index = keys->sorted_index;
    keys->source_row = keys->sorted;
    return CASCADE_OK;
}

cascade_status cascade_sample_keys_load(const cascade_manifest *manifest,
                                        cascade_sample_keys *keys, cascade_labels *labels,
                                        cascade_error *error)
{
    memset(keys, 0, sizeof *keys);
    keys->first_model = SIZE_MAX;
    if (manifest->labels_keyed)
        return from_label_table(manifest, keys, labels, error);
    size_t m = 0;
    while (m < manifest->model_count &&
           !(manifest->models[m].kind == CASCADE_SCORES_PREDICTIONS && manifest->models[m].path))
        m++;
    if (m == manifest->model_count)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, manifest->path, -1, -1,
            "\"label_ids\" is \"sorted\" but no model gives a prediction table (expected "
            "ids to sort: a model with \"predictions\")");
    const cascade_model_spec *spec = &manifest->models[m];
    if (manifest->labels_path && !manifest->labels_follow_sorted_ids)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, manifest->path, -1, -1,
            "model \"%s\" gives a prediction table but the labels have no ids (expected "
            "\"label_columns\" for a keyed labels table, or \"label_ids\": \"sorted\" for a "
            "label list in the sorted order of the ids)", spec->name);
    cascade_key_columns columns = cascade_prediction_columns(manifest, m);
    cascade_status status = cascade_prediction_table_load(spec->path, &columns, spec->name,
                                                          &keys->first, error);
    if (status != CASCADE_OK)
        return status;
    keys->first_model = m;
    keys->count = keys->first.keyed.rows;
    keys->source = keys->first.keyed.table;
    if (manifest->labels_follow_sorted_ids)
        return sort_keys(keys, spec->path, error);
    keys->id = keys->first.keyed.id;
    keys->index = keys->first.keyed.index;
    return CASCADE_OK;
}

void cascade_sample_keys_free(cascade_sample_keys *keys)
{
    if (!keys)
        return;
    if (keys->sorted)
        free((void *)keys->id);
    free(keys->sorted);
    cascade_id_index_free(keys->sorted_index);
    cascade_label_table_free(&keys->labels);
    cascade_prediction_table_free(&keys->first);
    memset(keys, 0, sizeof *keys);
}

static long source_line(const cascade_sample_keys *keys, size_t sample)
{
    return cascade_table_line(keys->source,
                              keys->source_row ? keys->source_row[sample] : sample);
}

cascade_status cascade_records_from_predictions(const cascade_prediction_table *table,
                                                const cascade_sample_keys *keys,
                                                const cascade_labels *labels, const char *model,
                                                const char *path, cascade_records *out,
                                                cascade_error *error)
{
    memset(out, 0, sizeof *out);
    size_t k = keys->count, rows = table->keyed.rows;
    const char *source = cascade_table_path(keys->source);
    out->prediction = malloc(k * sizeof *out->prediction);
    out->confidence = malloc(k * sizeof *out->confidence);
    out->correct = calloc(k, 1);
    if (table->cost)
        out->sample_cost = malloc(k * sizeof *out->sample_cost);
    if (table->quality)
        out->quality = malloc(k * sizeof *out->quality);
    size_t *row_of = malloc(k * sizeof *row_of); /* [k] SIZE_MAX: no row yet */
    if (!out->prediction || !out->confidence || !out->correct || !row_of ||
        (table->cost && !out->sample_cost) || (table->quality && !out->quality)) {
        free(row_of);
        cascade_records_free(out);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    out->samples = k;
    for (size_t i = 0; i < k; i++)
        row_of[i] = SIZE_MAX;
    size_t unknown = 0, first_unknown = 0;
    for (size_t r = 0; r < rows; r++) {
        size_t i = cascade_id_index_find(keys->index, table->keyed.id[r]);
        if (i == SIZE_MAX) {
            if (unknown++ == 0)
                first_unknown = r;
            continue;
        }
        row_of[i] = r;
    }
    cascade_status status = CASCADE_OK;
    if (unknown) {
        long line = cascade_table_line(table->keyed.table, first_unknown);
        char more[64] = "";
        if (unknown > 1)
            snprintf(more, sizeof more, ", and %zu more rows like it", unknown - 1);
        status = cascade_error_set(error, CASCADE_ERR_VALUE, path, line, -1,
            "line %ld, id \"%.200s\": model \"%s\" has a row for an id that %s does not "
            "have%s (expected the same ids as %s)", line, table->keyed.id[first_unknown], model,
            source, more, source);
    }
    size_t missing = 0, first_missing = 0;
    for (size_t i = 0; i < k && status == CASCADE_OK; i++)
        if (row_of[i] == SIZE_MAX && missing++ == 0)
            first_missing = i;
    if (status == CASCADE_OK && missing) {
        char more[64] = "";
        if (missing > 1)
            snprintf(more, sizeof more, ", and %zu more ids like it", missing - 1);
        status = cascade_error_set(error, CASCADE_ERR_VALUE, path, -1, -1,
            "model \"%s\" has no row for id \"%.200s\" (line %ld of %s)%s (expected a row for "
            "every id of %s)", model, keys->id[first_missing],
            source_line(keys, first_missing), source, more, source);
    }
    for (size_t i = 0; i < k && status == CASCADE_OK; i++) {
        size_t r = row_of[i];
        out->prediction[i] = table->prediction[r];
        out->confidence[i] = table->confidence[r];
        if (out->sample_cost)
            out->sample_cost[i] = table->cost[r];
        if (out->quality)
            out->quality[i] = table->quality[r];
        if (labels) {
            out->correct[i] = (uint8_t)cascade_labels_match(labels, i, table->prediction[r]);
            out->correct_count += out->correct[i];
        }
    }
    free(row_of);
    if (status != CASCADE_OK)
        cascade_records_free(out);
    return status;
}
