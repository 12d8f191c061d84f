/* CSV numeric arrays: one row per sample, comma-separated, optional header.
 * Parsed with libcsv into an owned [rows][cols] float64 buffer. A first line
 * with any non-numeric cell is taken as a header; every later cell must be a
 * number, and every row must have as many cells as the first. */
#include "files/array_internal.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct csv_reader {
    const char *path;
    double *values;        /* [rows][cols], grows */
    size_t count, capacity;
    size_t cols;           /* cells in the first data row */
    size_t row_cells;      /* cells seen in the current row */
    size_t rows;
    size_t line;           /* 1-based line of the current row */
    int header_checked;
    int has_header;
    /* the first row is held as text until we know whether it is a header */
    char **first_row;
    size_t first_row_count;
    cascade_status status;
    cascade_error *error;
} csv_reader;

static int parse_number(const char *text, double *out)
{
    while (*text == ' ' || *text == '\t')
        text++;
    if (!*text)
        return 0;
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    while (*end == ' ' || *end == '\t' || *end == '\r')
        end++;
    if (end == text || *end != '\0' || errno == ERANGE)
        return 0;
    *out = value;
    return 1;
}

static int push_value(csv_reader *r, double value)
{
    if (r->count == r->capacity) {
        size_t capacity = r->capacity ? 2 * r->capacity : 1024;
        double *grown = realloc(r->values, capacity * sizeof *grown);
        if (!grown) {
            r->status = cascade_error_set(r->error, CASCADE_ERR_NOMEM, r->path,
                                          -1, -1, "out of memory reading CSV");
            return 0;
        }
        r->values = grown;
        r->capacity = capacity;
    }
    r->values[r->count++] = value;
    return 1;
}

static void on_field(void *field, size_t len, void *data)
{
    csv_reader *r = data;
    if (r->status != CASCADE_OK)
        return;
    char buf[128];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, field ? field : "", len);
    buf[len] = '\0';
    if (!r->header_checked) {
        char **grown = realloc(r->first_row, (r->first_row_count + 1) * sizeof *grown);
        char *copy = strdup(buf);
        if (!grown || !copy) {
            free(copy);
            if (grown)
                r->first_row = grown;
            r->status = cascade_error_set(r->error, CASCADE_ERR_NOMEM, r->path,
                                          -1, -1, "out of memory reading CSV");
            return;
        }
        r->first_row = grown;
        r->first_row[r->first_row_count++] = copy;
        r->row_cells++;
        return;
    }
    double value;
    if (!parse_number(buf, &value)) {
        r->status = cascade_error_set(r->error, CASCADE_ERR_FORMAT, r->path,
            (long long)r->line, (long long)r->row_cells,
            "line %zu, column %zu: \"%s\" is not a number (expected a number in every cell after the header)",
            r->line, r->row_cells + 1, buf);
        return;
    }
    if (r->row_cells >= r->cols) {
        r->status = cascade_error_set(r->error, CASCADE_ERR_SHAPE, r->path,
            (long long)r->line, -1,
            "line %zu has more than %zu cells (expected the same count on every row)",
            r->line, r->cols);
        return;
    }
    r->row_cells++;
    push_value(r, value);
}

static void on_row(int terminator, void *data)
{
    (void)terminator;
    csv_reader *r = data;
    if (r->status != CASCADE_OK)
        return;
    size_t cells = r->row_cells;
    r->row_cells = 0;
    if (!r->header_checked) {
        if (r->first_row_count == 0) {
            r->line++;
            return;
        }
        r->header_checked = 1;
        r->cols = r->first_row_count;
        int numeric = 1;
        double values[1];
        for (size_t i = 0; i < r->first_row_count && numeric; i++)
            numeric = parse_number(r->first_row[i], values);
        r->has_header = !numeric;
        if (numeric) {
            for (size_t i = 0; i < r->first_row_count; i++) {
                parse_number(r->first_row[i], values);
                if (!push_value(r, values[0]))
                    return;
            }
            r->rows++;
        }
        r->line++;
        return;
    }
    if (cells == 0) {
        r->line++;
        return;
    }
    if (cells != r->cols) {
        r->status = cascade_error_set(r->error, CASCADE_ERR_SHAPE, r->path,
            (long long)r->line, -1,
            "line %zu has %zu cells (expected %zu, as on the first row)",
            r->line, cells, r->cols);
        return;
    }
    r->rows++;
    r->line++;
}

cascade_status cascade_csv_array_load(const char *path, cascade_array *out,
                                      cascade_error *error)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                 "cannot open: %s", strerror(errno));
    struct csv_parser parser;
    if (csv_init(&parser, CSV_APPEND_NULL) != 0) {
        fclose(file);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1,
                                 "cannot initialise the CSV parser");
    }
    csv_reader r = {.path = path, .line = 1, .status = CASCADE_OK, .error = error};
    char buf[65536];
    size_t n;
    while (r.status == CASCADE_OK && (n = fread(buf, 1, sizeof buf, file)) > 0) {
        if (csv_parse(&parser, buf, n, on_field, on_row, &r) != n && r.status == CASCADE_OK)
            r.status = cascade_error_set(error, CASCADE_ERR_FORMAT, path,
                (long long)r.line, -1, "line %zu: %s (expected comma-separated numbers)",
                r.line, csv_strerror(csv_error(&parser)));
    }
    if (r.status == CASCADE_OK && ferror(file))
        r.status = cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                     "read error: %s", strerror(errno));
    if (r.status == CASCADE_OK)
        csv_fini(&parser, on_field, on_row, &r);
    csv_free(&parser);
    fclose(file);
    for (size_t i = 0; i < r.first_row_count; i++)
        free(r.first_row[i]);
    free(r.first_row);
    if (r.status == CASCADE_OK && r.rows == 0)
        r.status = cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
                                     "no data rows (expected at least one sample)");
    if (r.status != CASCADE_OK) {
        free(r.values);
        return r.status;
    }
    out->dtype = CASCADE_DTYPE_F64;
    out->from_text = 1;
    out->ndim = r.cols == 1 ? 1 : 2;
    out->rows = r.rows;
    out->cols = r.cols;
    out->owned = r.values;
    out->data = r.values;
    return CASCADE_OK;
}
