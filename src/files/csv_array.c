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

/* One cell as a C string: in BUF when it fits, else in a heap copy that the
 * caller frees. NULL when out of memory. */
static char *cell_text(const void *field, size_t len, char *buf, size_t size)
{
    char *text = len < size ? buf : malloc(len + 1);
    if (!text)
        return NULL;
    if (len)
        memcpy(text, field, len);
    text[len] = '\0';
    return text;
}

static void on_field(void *field, size_t len, void *data)
{
    csv_reader *r = data;
    if (r->status != CASCADE_OK)
        return;
    /* A NUL inside a cell would cut it short and let "1\0junk" read as 1. */
    if (len && memchr(field, '\0', len)) {
        r->status = cascade_error_set(r->error, CASCADE_ERR_FORMAT, r->path,
            (long long)r->line, (long long)r->row_cells,
            "line %zu, column %zu: a NUL byte inside a cell (expected text)",
            r->line, r->row_cells + 1);
        return;
    }
    char buf[128];
    char *text = cell_text(field, len, buf, sizeof buf);
    if (!text) {
        r->status = cascade_error_set(r->error, CASCADE_ERR_NOMEM, r->path,
                                      -1, -1, "out of memory reading CSV");
        return;
    }
    if (!r->header_checked) {
        char **grown = realloc(r->first_row, (r->first_row_count + 1) * sizeof *grown);
        char *copy = strdup(text);
        if (text != buf)
            free(text);
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
    int numeric = parse_number(text, &value);
    if (!numeric)
        r->status = cascade_error_set(r->error, CASCADE_ERR_FORMAT, r->path,
            (long long)r->line, (long long)r->row_cells,
            "line %zu, column %zu: \"%.40s\" is not a number (expected a number in every cell after the header)",
            r->line, r->row_cells + 1, text);
    if (text != buf)
        free(text);
    if (!numeric)
        return;
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

/* A parse in progress: libcsv's state plus ours, fed in chunks so that the
 * file loader streams while cascade_csv_array_parse() takes one buffer. */
typedef struct csv_job {
    struct csv_parser parser;
    csv_reader r;
} csv_job;

static cascade_status job_begin(csv_job *job, const char *path, cascade_error *error)
{
    memset(job, 0, sizeof *job);
    job->r = (csv_reader){.path = path, .line = 1, .status = CASCADE_OK, .error = error};
    if (csv_init(&job->parser, CSV_APPEND_NULL) != 0)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1,
                                 "cannot initialise the CSV parser");
    return CASCADE_OK;
}

static void job_feed(csv_job *job, const char *bytes, size_t n)
{
    csv_reader *r = &job->r;
    if (r->status == CASCADE_OK &&
        csv_parse(&job->parser, bytes, n, on_field, on_row, r) != n && r->status == CASCADE_OK)
        r->status = cascade_error_set(r->error, CASCADE_ERR_FORMAT, r->path,
            (long long)r->line, -1, "line %zu: %s (expected comma-separated numbers)",
            r->line, csv_strerror(csv_error(&job->parser)));
}

/* Ends the parse (STATUS is the caller's verdict so far) and releases the
 * job; on success OUT owns the values. */
static cascade_status job_finish(csv_job *job, cascade_status status, cascade_array *out)
{
    csv_reader *r = &job->r;
    if (r->status == CASCADE_OK)
        r->status = status;
    if (r->status == CASCADE_OK)
        csv_fini(&job->parser, on_field, on_row, r);
    csv_free(&job->parser);
    for (size_t i = 0; i < r->first_row_count; i++)
        free(r->first_row[i]);
    free(r->first_row);
    if (r->status == CASCADE_OK && r->rows == 0)
        r->status = cascade_error_set(r->error, CASCADE_ERR_SHAPE, r->path, -1, -1,
                                      "no data rows (expected at least one sample)");
    if (r->status != CASCADE_OK) {
        free(r->values);
        return r->status;
    }
    out->dtype = CASCADE_DTYPE_F64;
    out->from_text = 1;
    out->ndim = r->cols == 1 ? 1 : 2;
    out->rows = r->rows;
    out->cols = r->cols;
    out->owned = r->values;
    out->data = r->values;
    return CASCADE_OK;
}

cascade_status cascade_csv_array_parse(const char *path, const void *bytes, size_t size,
                                       cascade_array *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    csv_job job;
    cascade_status status = job_begin(&job, path, error);
    if (status != CASCADE_OK)
        return status;
    job_feed(&job, bytes, size);
    return job_finish(&job, CASCADE_OK, out);
}

cascade_status cascade_csv_array_load(const char *path, cascade_array *out,
                                      cascade_error *error)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                 "cannot open: %s", strerror(errno));
    csv_job job;
    cascade_status status = job_begin(&job, path, error);
    if (status != CASCADE_OK) {
        fclose(file);
        return status;
    }
    char buf[65536];
    size_t n;
    while (job.r.status == CASCADE_OK && (n = fread(buf, 1, sizeof buf, file)) > 0)
        job_feed(&job, buf, n);
    if (job.r.status == CASCADE_OK && ferror(file))
        status = cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                   "cannot read: %s", strerror(errno));
    fclose(file);
    return job_finish(&job, status, out);
}
