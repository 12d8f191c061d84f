/* The compare table, as CSV or JSON. */
#include "cascade/compare.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "cascade/output.h"
#include "common/json_text.h"

static const char *const COLUMNS[] = {
    "metric", "ensemble", "front_points", "area", "best_accuracy_at_reference_cost",
    "reference_model", "reference_cost", "reference_accuracy", "cost_at_reference_accuracy",
    "cost_low", "cost_high"};
enum { COLUMN_COUNT = sizeof COLUMNS / sizeof COLUMNS[0] };

/* Column C's name: "accuracy" in it becomes the dataset's score (mcc ...). */
static const char *column_name(const cascade_dataset *dataset, size_t c, char *buf)
{
    static const char *const by_score[] = {
        NULL, NULL, NULL, NULL, "best_%s_at_reference_cost", NULL, NULL, "reference_%s",
        "cost_at_reference_%s", NULL, NULL};
    if (dataset->score == CASCADE_SCORE_ACCURACY || !by_score[c])
        return COLUMNS[c];
    snprintf(buf, 64, by_score[c], cascade_score_name(dataset->score));
    return buf;
}

static int any_per_class(const cascade_compare_row *rows, size_t count)
{
    for (size_t r = 0; r < count; r++)
        if (rows[r].per_class)
            return 1;
    return 0;
}

static const char *per_class_text(const cascade_compare_row *row)
{
    static const char *const names[] = {"none", "thresholds", "route"};
    return names[row->per_class >= 0 && row->per_class <= 2 ? row->per_class : 0];
}

static void metric_text(const cascade_compare_row *row, char *buf)
{
    snprintf(buf, 64, "%s%s", cascade_metric_name(row->metric),
             row->calibrated ? "+temperature" : "");
}

/* The numeric columns after reference_model, in COLUMNS order. */
static void row_numbers(const cascade_compare_row *row, double *out)
{
    const cascade_front_summary *s = &row->summary;
    out[0] = s->reference_cost;
    out[1] = s->reference_accuracy;
    out[2] = s->cost_at_reference_accuracy;
    out[3] = s->cost_low;
    out[4] = s->cost_high;
}

cascade_status cascade_write_compare_csv(FILE *file, const cascade_dataset *dataset,
                                         const cascade_compare_row *rows, size_t count)
{
    char name[64];
    int per_class = any_per_class(rows, count);
    for (size_t c = 0; c < COLUMN_COUNT; c++) {
        cascade_csv_field(file, column_name(dataset, c, name), c + 1 == COLUMN_COUNT);
        if (c == 1 && per_class)
            cascade_csv_field(file, "per_class", 0);
    }
    for (size_t r = 0; r < count; r++) {
        const cascade_front_summary *s = &rows[r].summary;
        char text[64], number[32];
        metric_text(&rows[r], text);
        cascade_csv_field(file, text, 0);
        fprintf(file, "%d,", rows[r].ensemble != 0);
        if (per_class)
            cascade_csv_field(file, per_class_text(&rows[r]), 0);
        fprintf(file, "%zu,", s->points);
        cascade_format_double(s->area, number);
        cascade_csv_field(file, number, 0);
        cascade_format_double(s->best_accuracy_at_reference_cost, number);
        cascade_csv_field(file, number, 0);
        cascade_csv_field(file, dataset->models[s->reference_model].name, 0);
        double values[5];
        row_numbers(&rows[r], values);
        for (int v = 0; v < 5; v++) {
            cascade_format_double(values[v], number);
            cascade_csv_field(file, number, v == 4);
        }
    }
    return ferror(file) ? CASCADE_ERR_IO : CASCADE_OK;
}

cascade_status cascade_write_compare_json(FILE *file, const cascade_dataset *dataset,
                                          const cascade_compare_row *rows, size_t count)
{
    cJSON *array = cJSON_CreateArray();
    int ok = array != NULL, per_class = any_per_class(rows, count);
    for (size_t r = 0; ok && r < count; r++) {
        const cascade_front_summary *s = &rows[r].summary;
        cJSON *object = cJSON_CreateObject();
        ok = object && cJSON_AddItemToArray(array, object);
        if (!ok) {
            cJSON_Delete(object);
            break;
        }
        char text[64], name[64];
        metric_text(&rows[r], text);
        double values[5];
        row_numbers(&rows[r], values);
        ok = cJSON_AddStringToObject(object, COLUMNS[0], text) &&
             cJSON_AddBoolToObject(object, COLUMNS[1], rows[r].ensemble != 0) &&
             (!per_class || cJSON_AddStringToObject(object, "per_class", per_class_text(&rows[r]))) &&
             cJSON_AddNumberToObject(object, COLUMNS[2], (double)s->points) &&
             cJSON_AddItemToObject(object, COLUMNS[3], cascade_json_exact_number(s->area)) &&
             cJSON_AddItemToObject(object, column_name(dataset, 4, name),
                                   cascade_json_exact_number(s->best_accuracy_at_reference_cost)) &&
             cJSON_AddStringToObject(object, COLUMNS[5],
                                     dataset->models[s->reference_model].name);
        for (int v = 0; ok && v < 5; v++)
            ok = cJSON_AddItemToObject(object, column_name(dataset, 6 + (size_t)v, name),
                                       cascade_json_exact_number(values[v]));
    }
    return cascade_json_print(file, array, ok);
}
