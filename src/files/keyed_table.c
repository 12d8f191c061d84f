/* Prediction tables and keyed label tables: a CSV table (table.c) whose
 * rows are indexed by a unique id, with one class column and, for
 * predictions, a confidence column. */
#include "files/keyed_table.h"
#include "files/table_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first row with a fault, and how many rows have it. */
typedef struct row_fault {
    size_t count;
    size_t row;
    char what[256];
} row_fault;

static void note_fault(row_fault *fault, size_t row, const char *format, const char *a,
                       const char *b)
{
    if (fault->count++ == 0) {
        fault->row = row;
        snprintf(fault->what, sizeof fault->what, format, a, b);
    }
}

static cascade_status report_fault(const cascade_keyed_rows *k, const row_fault *fault,
                                   const char *expected, cascade_error *error)
{
    const cascade_table *t = k->table;
    long line = cascade_table_line(t, fault->row);
    char more[64] = "";
    if (fault->count > 1)
        snprintf(more, sizeof more, ", and %zu more rows like it", fault->count - 1);
    return cascade_error_set(error, CASCADE_ERR_VALUE, cascade_table_path(t), line, -1,
        "line %ld, id \"%.200s\": %s%s (expected %s)", line,
        k->id[fault->row], fault->what, more,
        expected);
}

/* "a", "b", "c" for the message naming the columns a file has. */
static void column_list(const cascade_table *t, char *buf, size_t n)
{
    size_t used = 0, columns = cascade_table_columns(t), shown = columns < 8 ? columns : 8;
    buf[0] = '\0';
    for (size_t c = 0; c < shown && used < n; c++)
        used += (size_t)snprintf(buf + used, n - used, "%s\"%.60s\"", c ? ", " : "",
                                 cascade_table_column_name(t, c));
    if (shown < columns && used < n)
        snprintf(buf + used, n - used, " and %zu more", columns - shown);
}

static cascade_status find_column(const cascade_table *t, const char *name, const char *member,
                                  size_t *out, cascade_error *error)
{
    long c = cascade_table_column(t, name);
    if (c >= 0) {
        *out = (size_t)c;
        return CASCADE_OK;
    }
    char have[640];
    column_list(t, have, sizeof have);
    return cascade_error_set(error, CASCADE_ERR_FORMAT, cascade_table_path(t), 1, -1,
        "no column \"%.100s\" (expected a column of that name, or \"%s\" in the manifest "
        "naming the right one; the header has %s)", name, member, have);
}

/* Takes TABLE (freed with OUT, or here on failure) and indexes its ids. */
static cascade_status index_rows(cascade_table *table, size_t id_column, const char *member,
                                 cascade_keyed_rows *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    out->table = table;
    out->rows = cascade_table_rows(table);
    const char *path = cascade_table_path(table);
    if (out->rows == 0)
        return cascade_error_set(error, CASCADE_ERR_VALUE, path, -1, -1,
            "the table has a header but no rows (expected one row per sample)");
    out->id = malloc(out->rows * sizeof *out->id);
    out->index = cascade_id_index_new(out->rows);
    if (!out->id || !out->index)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    row_fault empty = {0}, repeated = {0};
    for (size_t r = 0; r < out->rows; r++) {
        const char *id = cascade_table_cell(table, r, id_column);
        out->id[r] = id;
        if (!id[0]) {
            note_fault(&empty, r, "the id is empty", "", "");
            continue;
        }
        size_t first = 0;
        int added = cascade_id_index_add(out->index, id, r, &first);
        if (added < 0)
            return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
        if (added == 0) {
            char line[32];
            snprintf(line, sizeof line, "%ld", cascade_table_line(table, first));
            note_fault(&repeated, r, "the id is also on line %s%s", line, "");
        }
    }
    char expected[160];
    snprintf(expected, sizeof expected, "a non-empty id in column \"%.60s\" (%s)",
             cascade_table_column_name(table, id_column), member);
    if (empty.count)
        return report_fault(out, &empty, expected, error);
    if (repeated.count)
        return report_fault(out, &repeated, "each id once", error);
    return CASCADE_OK;
}

static void keyed_rows_free(cascade_keyed_rows *k)
{
    cascade_table_free(k->table);
    free(k->id);
    cascade_id_index_free(k->index);
    memset(k, 0, sizeof *k);
}

/* The report of FAULT in COLUMN, if any row has it: "(expected WANTED in
 * column ...)". */
static cascade_status column_fault(const cascade_keyed_rows *k, const row_fault *fault,
                                   size_t column, const char *wanted, cascade_error *error)
{
    if (!fault->count)
        return CASCADE_OK;
    char expected[160];
    snprintf(expected, sizeof expected, "%s in column \"%.80s\"", wanted,
             cascade_table_column_name(k->table, column));
    return report_fault(k, fault, expected, error);
}

/* A whole number from 0 to INT32_MAX, as a table number ("3", "3.0", "1,000"). */
static int class_cell(const cascade_table *t, size_t row, size_t column, int32_t *out)
{
    double v;
    if (cascade_table_number(t, row, column, &v, NULL) != CASCADE_OK)
        return 0;
    if (!(v >= 0 && v <= INT32_MAX) || v != floor(v))
        return 0;
    *out = (int32_t)v;
    return 1;
}

/* Reads the class column into CLASSES[rows]; *MAX is the largest. WHAT
 * names it in messages ("predicted class", "label"). */
static cascade_status read_classes(const cascade_keyed_rows *k, size_t column, const char *what,
                                   int32_t *classes, int32_t *max, cascade_error *error)
{
    row_fault fault = {0};
    *max = -1;
    for (size_t r = 0; r < k->rows; r++) {
        if (!class_cell(k->table, r, column, &classes[r])) {
            note_fault(&fault, r, "%s \"%.80s\" is not a class index", what,
                       cascade_table_cell(k->table, r, column));
            continue;
        }
        if (classes[r] > *max)
            *max = classes[r];
    }
    return column_fault(k, &fault, column, "a whole number >= 0", error);
}

static cascade_status read_confidences(const cascade_keyed_rows *k, size_t column,
                                       double *confidence, cascade_error *error)
{
    row_fault fault = {0};
    for (size_t r = 0; r < k->rows; r++)
        if (cascade_table_number(k->table, r, column, &confidence[r], NULL) != CASCADE_OK)
            note_fault(&fault, r, "confidence \"%.80s\" is not a finite number%s",
                       cascade_table_cell(k->table, r, column), "");
    return column_fault(k, &fault, column, "a finite number", error);
}

/* A per-sample amount in column COLUMN: WHAT names it ("cost", "quality");
 * every cell must be a finite number from LOW to HIGH (HIGH may be
 * INFINITY, for costs, which have no upper bound). */
static cascade_status read_amounts(const cascade_keyed_rows *k, size_t column, const char *what,
                                   double low, double high, const char *wanted, double *out,
                                   cascade_error *error)
{
    row_fault fault = {0};
    for (size_t r = 0; r < k->rows; r++) {
        const char *cell = cascade_table_cell(k->table, r, column);
        if (!cell[0])
            note_fault(&fault, r, "%s is missing%s", what, "");
        else if (cascade_table_number(k->table, r, column, &out[r], NULL) != CASCADE_OK)
            note_fault(&fault, r, "%s \"%.80s\" is not a finite number", what, cell);
        else if (!(out[r] >= low && out[r] <= high))
            note_fault(&fault, r, "%s %.80s is out of range", what, cell);
    }
    return column_fault(k, &fault, column, wanted, error);
}

static const char *or_default(const char *name, const char *fallback)
{
    return name && name[0] ? name : fallback;
}

static cascade_status predictions_from_table(cascade_table *table,
                                             const cascade_key_columns *columns,
                                             const char *model, cascade_prediction_table *out,
                                             cascade_error *error)
{
    (void)model;
    memset(out, 0, sizeof *out);
    cascade_key_columns none = {0};
    if (!columns)
        columns = &none;
    size_t id = 0, value = 0, confidence = 0, cost = 0, quality = 0;
    cascade_status status = find_column(table, or_default(columns->id, "id"), "columns", &id, error);
    /* A graded quality replaces prediction == label, so a table with one
     * needs no prediction column unless it names one; its predictions are
     * then all class 0. */
    int predicted = !columns->quality || (columns->value && columns->value[0]) ||
                    cascade_table_column(table, "prediction") >= 0;
    if (status == CASCADE_OK && predicted)
        status = find_column(table, or_default(columns->value, "prediction"), "columns", &value,
                             error);
    if (status == CASCADE_OK)
        status = find_column(table, or_default(columns->confidence, "confidence"), "columns",
                             &confidence, error);
    if (status == CASCADE_OK && columns->cost)
        status = find_column(table, columns->cost, "columns", &cost, error);
    if (status == CASCADE_OK && columns->quality)
        status = find_column(table, columns->quality, "columns", &quality, error);
    if (status != CASCADE_OK) {
        cascade_table_free(table);
        return status;
    }
    status = index_rows(table, id, "columns", &out->keyed, error);
    size_t rows = out->keyed.rows;
    if (status == CASCADE_OK) {
        out->prediction = malloc(rows * sizeof *out->prediction);
        out->confidence = malloc(rows * sizeof *out->confidence);
        if (columns->cost)
            out->cost = malloc(rows * sizeof *out->cost);
        if (columns->quality)
            out->quality = malloc(rows * sizeof *out->quality);
        if (!out->prediction || !out->confidence || (columns->cost && !out->cost) ||
            (columns->quality && !out->quality))
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, cascade_table_path(table), -1,
                                       -1, "out of memory");
    }
    if (status == CASCADE_OK && predicted)
        status = read_classes(&out->keyed, value, "predicted class", out->prediction,
                              &out->max_prediction, error);
    else if (status == CASCADE_OK)
        memset(out->prediction, 0, rows * sizeof *out->prediction);
    if (status == CASCADE_OK)
        status = read_confidences(&out->keyed, confidence, out->confidence, error);
    if (status == CASCADE_OK && out->cost)
        status = read_amounts(&out->keyed, cost, "cost", 0.0, INFINITY,
                              "a finite number >= 0", out->cost, error);
    if (status == CASCADE_OK && out->quality)
        status = read_amounts(&out->keyed, quality, "quality", 0.0, 1.0,
                              "a number from 0 to 1", out->quality, error);
    if (status != CASCADE_OK)
        cascade_prediction_table_free(out);
    return status;
}

cascade_status cascade_prediction_table_load(const char *path, const cascade_key_columns *columns,
                                             const char *model, cascade_prediction_table *out,
                                             cascade_error *error)
{
    memset(out, 0, sizeof *out);
    cascade_table *table = NULL;
    cascade_status status = cascade_table_load(path, &table, error);
    return status == CASCADE_OK ? predictions_from_table(table, columns, model, out, error)
                                : status;
}

cascade_status cascade_prediction_table_parse(const char *text, size_t len, const char *path,
                                              const cascade_key_columns *columns,
                                              const char *model, cascade_prediction_table *out,
                                              cascade_error *error)
{
    memset(out, 0, sizeof *out);
    cascade_table *table = NULL;
    cascade_status status = cascade_table_parse(text, len, path, &table, error);
    return status == CASCADE_OK ? predictions_from_table(table, columns, model, out, error)
                                : status;
}

void cascade_prediction_table_free(cascade_prediction_table *table)
{
    if (!table)
        return;
    keyed_rows_free(&table->keyed);
    free(table->prediction);
    free(table->confidence);
    free(table->cost);
    free(table->quality);
    memset(table, 0, sizeof *table);
}

static cascade_status labels_from_table(cascade_table *table, const cascade_key_columns *columns,
                                        cascade_label_table *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    cascade_key_columns none = {0};
    if (!columns)
        columns = &none;
    size_t id = 0, value = 0;
    cascade_status status = find_column(table, or_default(columns->id, "id"), "label_columns",
                                        &id, error);
    if (status == CASCADE_OK)
        status = find_column(table, or_default(columns->value, "label"), "label_columns", &value,
                             error);
    if (status != CASCADE_OK) {
        cascade_table_free(table);
        return status;
    }
    status = index_rows(table, id, "label_columns", &out->keyed, error);
    if (status == CASCADE_OK && !(out->label = malloc(out->keyed.rows * sizeof *out->label)))
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, cascade_table_path(table), -1, -1,
                                   "out of memory");
    if (status == CASCADE_OK)
        status = read_classes(&out->keyed, value, "label", out->label, &out->max_label, error);
    if (status != CASCADE_OK)
        cascade_label_table_free(out);
    return status;
}

cascade_status cascade_label_table_load(const char *path, const cascade_key_columns *columns,
                                        cascade_label_table *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    cascade_table *table = NULL;
    cascade_status status = cascade_table_load(path, &table, error);
    return status == CASCADE_OK ? labels_from_table(table, columns, out, error) : status;
}

cascade_status cascade_label_table_parse(const char *text, size_t len, const char *path,
                                         const cascade_key_columns *columns,
                                         cascade_label_table *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    cascade_table *table = NULL;
    cascade_status status = cascade_table_parse(text, len, path, &table, error);
    return status == CASCADE_OK ? labels_from_table(table, columns, out, error) : status;
}

void cascade_label_table_free(cascade_label_table *table)
{
    if (!table)
        return;
    keyed_rows_free(&table->keyed);
    free(table->label);
    memset(table, 0, sizeof *table);
}
