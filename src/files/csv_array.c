/* CSV numeric arrays: one row per sample, comma-separated, optional header.
 * Parsed with libcsv into an owned [rows][cols] float64 buffer. A first line
 * with any non-numeric cell is taken as a header; every later cell must be a
 * number, and every row must have as many cells as the first.
 *
 * Score files are streamed instead (cascade_csv_index_open): one pass checks
 * the shape and notes where every 64th row starts, without converting a
 * number; a block of rows is then parsed from the nearest such row into the
 * reader's buffer. A model's scores are never held whole, and threads parse
 * their own rows. */
#include "files/array_internal.h"

#include <csv.h>
#include <errno.h>
#include <unistd.h>
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
    size_t records;        /* rows ended, blank or not: a row's end is seen */
    /* The shape pass: data cells are counted, not converted. */
    int count_only;
    /* A streamed block: data rows [first, first + want) are converted into
     * INTO, the ones before passed over, and the parse ends after them. */
    double *into;
    size_t first, want;
    int done;
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

static int push_value(csv_reader *r, double value);

/* Data row R->rows, column COL: into a streamed block, or onto the array. */
static int store_value(csv_reader *r, size_t col, double value)
{
    if (!r->into)
        return push_value(r, value);
    if (r->rows >= r->first && r->rows < r->first + r->want)
        r->into[(r->rows - r->first) * r->cols + col] = value;
    return 1;
}

/* Cells of data rows that are only counted: the shape pass, and a streamed
 * block's rows before its first. */
static int passed_over(const csv_reader *r)
{
    return r->count_only || (r->into && r->rows < r->first);
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

/* 1 when the current data row can take another cell; else R's error. */
static int row_has_room(csv_reader *r)
{
    if (r->row_cells < r->cols)
        return 1;
    r->status = cascade_error_set(r->error, CASCADE_ERR_SHAPE, r->path, (long long)r->line, -1,
        "line %zu has more than %zu cells (expected the same count on every row)", r->line,
        r->cols);
    return 0;
}

static void on_field(void *field, size_t len, void *data)
{
    csv_reader *r = data;
    if (r->status != CASCADE_OK || r->done)
        return;
    /* A NUL inside a cell would cut it short and let "1\0junk" read as 1. */
    if (len && memchr(field, '\0', len)) {
        r->status = cascade_error_set(r->error, CASCADE_ERR_FORMAT, r->path,
            (long long)r->line, (long long)r->row_cells,
            "line %zu, column %zu: a NUL byte inside a cell (expected text)",
            r->line, r->row_cells + 1);
        return;
    }
    if (r->header_checked && passed_over(r)) {
        r->row_cells += row_has_room(r);
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
    if (!numeric || !row_has_room(r))
        return;
    store_value(r, r->row_cells++, value);
}

static void on_row(int terminator, void *data)
{
    (void)terminator;
    csv_reader *r = data;
    if (r->status != CASCADE_OK || r->done)
        return;
    r->records++;
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
            for (size_t i = 0; i < r->first_row_count && !r->count_only; i++) {
                parse_number(r->first_row[i], values);
                if (!store_value(r, i, values[0]))
                    return;
            }
            r->rows++;
        }
        r->line++;
        r->done = r->into && r->rows >= r->first + r->want;
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
    r->done = r->into && r->rows >= r->first + r->want;
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
/* Releases the parser and the first row's text (not the values). */
static void job_release(csv_job *job)
{
    csv_free(&job->parser);
    for (size_t i = 0; i < job->r.first_row_count; i++)
        free(job->r.first_row[i]);
    free(job->r.first_row);
}

static cascade_status job_finish(csv_job *job, cascade_status status, cascade_array *out)
{
    csv_reader *r = &job->r;
    if (r->status == CASCADE_OK)
        r->status = status;
    if (r->status == CASCADE_OK)
        csv_fini(&job->parser, on_field, on_row, r);
    job_release(job);
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

/* Where a data row starts, so that a block's parse can begin there. */
typedef struct csv_checkpoint {
    size_t row;            /* the data row starting at OFFSET */
    size_t line;           /* its line, for messages */
    unsigned long long offset;
} csv_checkpoint;

struct cascade_csv_index {
    size_t rows, cols;
    int has_header;
    csv_checkpoint *at;    /* ascending; at[0] is the file's start */
    size_t count, capacity;
};

/* A checkpoint every this many rows: a block's parse passes over at most as
 * many rows before its own. */
enum { CHECKPOINT_ROWS = 64, READ_BYTES = 65536 };

static int add_checkpoint(cascade_csv_index *index, csv_checkpoint c)
{
    if (index->count == index->capacity) {
        size_t capacity = index->capacity ? 2 * index->capacity : 64;
        csv_checkpoint *grown = realloc(index->at, capacity * sizeof *grown);
        if (!grown)
            return 0;
        index->at = grown;
        index->capacity = capacity;
    }
    index->at[index->count++] = c;
    return 1;
}

/* pread() all of [AT, AT + N) that the file holds; -1 on an error. */
static ssize_t read_at(int fd, char *buf, size_t n, unsigned long long at)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, buf + got, n - got, (off_t)(at + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

void cascade_csv_index_free(cascade_csv_index *index)
{
    if (!index)
        return;
    free(index->at);
    free(index);
}

cascade_status cascade_csv_index_open(const char *path, int fd, cascade_csv_index **out,
                                      cascade_error *error)
{
    *out = NULL;
    cascade_csv_index *index = calloc(1, sizeof *index);
    if (!index || !add_checkpoint(index, (csv_checkpoint){0, 1, 0})) {
        cascade_csv_index_free(index);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    }
    csv_job job;
    cascade_status status = job_begin(&job, path, error);
    if (status != CASCADE_OK) {
        cascade_csv_index_free(index);
        return status;
    }
    csv_reader *r = &job.r;
    r->count_only = 1;
    char *buf = malloc(READ_BYTES);
    unsigned long long at = 0;
    ssize_t n = 0;
    while (buf && r->status == CASCADE_OK && (n = read_at(fd, buf, READ_BYTES, at)) > 0) {
        /* Each line's end is fed alone ("\n", or "\r\n"): when a row ends
         * there, the next one starts right after it. Within quotes no row
         * ends, and a lone "\r" ends one unseen: then no checkpoint. */
        size_t start = 0;
        while (start < (size_t)n && r->status == CASCADE_OK) {
            const char *newline = memchr(buf + start, '\n', (size_t)n - start);
            if (!newline) {
                job_feed(&job, buf + start, (size_t)n - start);
                break;
            }
            size_t end = (size_t)(newline - buf) + 1;
            size_t ending = end - 1 > start && buf[end - 2] == '\r' ? 2 : 1;
            job_feed(&job, buf + start, end - ending - start);
            size_t records = r->records;
            job_feed(&job, buf + end - ending, ending);
            if (r->records != records && r->header_checked &&
                r->rows >= index->at[index->count - 1].row + CHECKPOINT_ROWS &&
                !add_checkpoint(index, (csv_checkpoint){r->rows, r->line, at + end}))
                r->status = cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1,
                                              "out of memory");
            start = end;
        }
        at += (unsigned long long)n;
    }
    if (!buf)
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    else if (n < 0)
        status = cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1, "cannot read: %s",
                                   strerror(errno));
    free(buf);
    cascade_array shape;
    memset(&shape, 0, sizeof shape);
    status = job_finish(&job, status, &shape);
    if (status != CASCADE_OK) {
        cascade_csv_index_free(index);
        return status;
    }
    index->rows = shape.rows;
    index->cols = shape.cols;
    *out = index;
    return CASCADE_OK;
}

size_t cascade_csv_index_rows(const cascade_csv_index *index)
{
    return index->rows;
}

size_t cascade_csv_index_cols(const cascade_csv_index *index)
{
    return index->cols;
}

cascade_status cascade_csv_index_read(const cascade_csv_index *index, const char *path, int fd,
                                      size_t row, size_t count, double *into,
                                      cascade_error *error)
{
    /* the last checkpoint at or before ROW */
    size_t lo = 0, hi = index->count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (index->at[mid].row <= row)
            lo = mid;
        else
            hi = mid;
    }
    const csv_checkpoint *from = &index->at[lo];
    csv_job job;
    cascade_status status = job_begin(&job, path, error);
    if (status != CASCADE_OK)
        return status;
    csv_reader *r = &job.r;
    r->into = into;
    r->first = row;
    r->want = count;
    if (lo > 0) { /* past the first row: the header is known */
        r->header_checked = 1;
        r->cols = index->cols;
        r->rows = from->row;
        r->line = from->line;
    }
    char *buf = malloc(READ_BYTES);
    unsigned long long at = from->offset;
    ssize_t n = 0;
    while (buf && r->status == CASCADE_OK && !r->done &&
           (n = read_at(fd, buf, READ_BYTES, at)) > 0) {
        job_feed(&job, buf, (size_t)n);
        at += (unsigned long long)n;
    }
    if (!buf)
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    else if (n < 0)
        status = cascade_error_set(error, CASCADE_ERR_IO, path, (long long)row, -1,
                                   "cannot read rows %zu..%zu: %s", row, row + count,
                                   strerror(errno));
    free(buf);
    /* the last row may end at the end of the file, without a newline */
    if (status == CASCADE_OK && r->status == CASCADE_OK && !r->done)
        csv_fini(&job.parser, on_field, on_row, r);
    if (status == CASCADE_OK && r->status == CASCADE_OK && !r->done)
        status = cascade_error_set(error, CASCADE_ERR_IO, path, (long long)row, -1,
            "cannot read rows %zu..%zu: the file ended early (was it changed while read?)",
            row, row + count);
    if (r->status != CASCADE_OK)
        status = r->status;
    job_release(&job); /* the values went into INTO */
    return status;
}
