/* CSV tables: loading with libcsv, cell access, numbers, costs and
 * accuracies. The joins between tables are in table_join.c. */
#include "files/table_internal.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cascade_table {
    char *path;
    /* Every cell's text, each NUL-terminated; offset 0 holds "" so that
     * missing cells can point there. Cells are offsets, not pointers,
     * because the buffer moves while it grows. */
    char *text;
    size_t text_len, text_cap;
    size_t columns;
    size_t *names;  /* [columns] offsets into text */
    size_t rows;
    size_t *cells;  /* [rows][columns] offsets into text */
    long *lines;    /* [rows] 1-based line on which each row starts */
    size_t cells_cap, lines_cap; /* in elements */
};

/* Room for need elements of size elem in buf, whose capacity is *cap: the
 * buffer, perhaps moved, or NULL (buf untouched) when memory runs out. */
static void *grow(void *buf, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return buf;
    size_t n = *cap ? *cap : 16;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return NULL;
        n *= 2;
    }
    if (n > SIZE_MAX / elem)
        return NULL;
    void *p = realloc(buf, n * elem);
    if (p)
        *cap = n;
    return p;
}

/* ---- loading ---- */

typedef struct load_state {
    cascade_table *table;
    cascade_error *err;
    cascade_status status;
    size_t *pending;        /* [pending_len] the row being read, offsets into text */
    size_t pending_len, pending_cap;
    long line;              /* the line now being fed to libcsv */
    long row_line;          /* the line on which the pending row started */
    int awaiting_row;       /* no cell of the next row has been seen yet */
    int have_header;
} load_state;

static cascade_status load_fail(load_state *st, cascade_status status, long long line,
                                const char *what)
{
    if (status == CASCADE_ERR_NOMEM)
        return st->status = cascade_error_set(st->err, status, st->table->path, line, -1,
                                              "out of memory while reading the table");
    return st->status = cascade_error_set(st->err, status, st->table->path, line, -1,
                                          "%s", what);
}

static void on_cell(void *data, size_t len, void *state)
{
    load_state *st = state;
    cascade_table *t = st->table;
    if (st->status != CASCADE_OK)
        return;
    if (st->awaiting_row) {
        st->row_line = st->line;
        st->awaiting_row = 0;
    }
    char *text = len > SIZE_MAX - t->text_len - 1
                     ? NULL : grow(t->text, &t->text_cap, t->text_len + len + 1, 1);
    if (text)
        t->text = text;
    size_t *pending = grow(st->pending, &st->pending_cap, st->pending_len + 1, sizeof *pending);
    if (pending)
        st->pending = pending;
    if (!text || !pending) {
        load_fail(st, CASCADE_ERR_NOMEM, st->line, NULL);
        return;
    }
    if (len)
        memcpy(t->text + t->text_len, data, len);
    t->text[t->text_len + len] = '\0';
    st->pending[st->pending_len++] = t->text_len;
    t->text_len += len + 1;
}

static void take_header(load_state *st)
{
    cascade_table *t = st->table;
    for (size_t i = 0; i < st->pending_len; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(t->text + st->pending[i], t->text + st->pending[j]) == 0) {
                char what[512];
                snprintf(what, sizeof what,
                         "line %ld: columns %zu and %zu are both named \"%.200s\" "
                         "(expected each column name once)",
                         st->row_line, j + 1, i + 1, t->text + st->pending[i]);
                load_fail(st, CASCADE_ERR_FORMAT, st->row_line, what);
                return;
            }
    t->names = malloc(st->pending_len * sizeof *t->names);
    if (!t->names) {
        load_fail(st, CASCADE_ERR_NOMEM, st->row_line, NULL);
        return;
    }
    memcpy(t->names, st->pending, st->pending_len * sizeof *t->names);
    t->columns = st->pending_len;
    st->have_header = 1;
}

static void take_row(load_state *st)
{
    cascade_table *t = st->table;
    if (st->pending_len > t->columns) {
        char what[256];
        snprintf(what, sizeof what,
                 "line %ld has %zu cells but the header names %zu columns "
                 "(expected at most %zu cells)",
                 st->row_line, st->pending_len, t->columns, t->columns);
        load_fail(st, CASCADE_ERR_FORMAT, st->row_line, what);
        return;
    }
    size_t *cells = t->rows + 1 > SIZE_MAX / t->columns
                        ? NULL
                        : grow(t->cells, &t->cells_cap, (t->rows + 1) * t->columns, sizeof *cells);
    if (cells)
        t->cells = cells;
    long *lines = grow(t->lines, &t->lines_cap, t->rows + 1, sizeof *lines);
    if (lines)
        t->lines = lines;
    if (!cells || !lines) {
        load_fail(st, CASCADE_ERR_NOMEM, st->row_line, NULL);
        return;
    }
    size_t *row = t->cells + t->rows * t->columns;
    for (size_t c = 0; c < t->columns; c++)
        row[c] = c < st->pending_len ? st->pending[c] : 0; /* missing: "" */
    t->lines[t->rows++] = st->row_line;
}

static void on_row(int terminator, void *state)
{
    load_state *st = state;
    (void)terminator;
    if (st->status != CASCADE_OK)
        return;
    if (!st->have_header)
        take_header(st);
    else
        take_row(st);
    st->pending_len = 0;
    st->awaiting_row = 1;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

static cascade_status read_file(const char *path, char **out, size_t *len, cascade_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return cascade_error_set(err, CASCADE_ERR_IO, path, -1, -1,
                                 "cannot open the file: %s (expected a readable CSV file)",
                                 strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        char *more = grow(buf, &cap, n + 65536, 1);
        if (!more) {
            free(buf);
            fclose(f);
            return cascade_error_set(err, CASCADE_ERR_NOMEM, path, -1, -1,
                                     "out of memory while reading the file");
        }
        buf = more;
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        return cascade_error_set(err, CASCADE_ERR_IO, path, -1, -1,
                                 "cannot read the file: %s (expected a readable CSV file)",
                                 strerror(e));
    }
    fclose(f);
    *out = buf;
    *len = n;
    return CASCADE_OK;
}

/* Feed libcsv one physical line at a time, so that every row and every
 * parse error can be given the line it is on. */
static void parse_text(load_state *st, struct csv_parser *p, const char *text, size_t len)
{
    size_t start = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        start = 3; /* a UTF-8 byte-order mark is not part of the first name */
    while (start < len && st->status == CASCADE_OK) {
        size_t end = start;
        while (end < len && text[end] != '\n' && text[end] != '\r')
            end++;
        if (end < len)
            end += (text[end] == '\r' && end + 1 < len && text[end + 1] == '\n') ? 2 : 1;
        if (st->awaiting_row && !is_blank(text + start, end - start)) {
            st->row_line = st->line;
            st->awaiting_row = 0;
        }
        size_t used = csv_parse(p, text + start, end - start, on_cell, on_row, st);
        if (st->status != CASCADE_OK)
            return;
        if (used != end - start) {
            int e = csv_error(p);
            char what[256];
            if (e == CSV_EPARSE)
                snprintf(what, sizeof what,
                         "line %ld: misplaced quote (expected quotes only around a whole "
                         "cell, and doubled inside one)", st->line);
            else
                snprintf(what, sizeof what, "line %ld: %s", st->line, csv_strerror(e));
            load_fail(st, e == CSV_ENOMEM ? CASCADE_ERR_NOMEM : CASCADE_ERR_FORMAT,
                      st->line, what);
            return;
        }
        st->line++;
        start = end;
    }
    if (st->status == CASCADE_OK && csv_fini(p, on_cell, on_row, st) != 0 &&
        st->status == CASCADE_OK) {
        char what[256];
        snprintf(what, sizeof what,
                 "line %ld: a quoted cell is still open at the end of the file "
                 "(expected a closing quote)", st->row_line);
        load_fail(st, CASCADE_ERR_FORMAT, st->row_line, what);
    }
}

cascade_status cascade_table_load(const char *path, cascade_table **out, cascade_error *err)
{
    if (!out)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, path, -1, -1,
                                 "cascade_table_load needs somewhere to put the table");
    *out = NULL;
    if (!path)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "cascade_table_load needs a file path");
    char *text = NULL;
    size_t len = 0;
    cascade_status status = read_file(path, &text, &len, err);
    if (status != CASCADE_OK)
        return status;
    status = cascade_table_parse(text, len, path, out, err);
    free(text);
    return status;
}

cascade_status cascade_table_parse(const char *text, size_t len, const char *path,
                                   cascade_table **out, cascade_error *err)
{
    *out = NULL;
    cascade_table *t = calloc(1, sizeof *t);
    if (!t || !(t->path = strdup(path)) || !(t->text = grow(NULL, &t->text_cap, 1, 1))) {
        cascade_table_free(t);
        return cascade_error_set(err, CASCADE_ERR_NOMEM, path, -1, -1,
                                 "out of memory while reading the table");
    }
    t->text[0] = '\0';
    t->text_len = 1;

    load_state st = { .table = t, .err = err, .status = CASCADE_OK,
                      .line = 1, .row_line = 1, .awaiting_row = 1 };
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0) {
        cascade_table_free(t);
        return cascade_error_set(err, CASCADE_ERR_NOMEM, path, -1, -1,
                                 "out of memory while starting the CSV parser");
    }
    parse_text(&st, &p, text, len);
    csv_free(&p);
    free(st.pending);
    if (st.status == CASCADE_OK && !st.have_header)
        load_fail(&st, CASCADE_ERR_FORMAT, -1,
                  "the file is empty (expected a header row naming the columns, "
                  "such as model,top1)");
    if (st.status != CASCADE_OK) {
        cascade_table_free(t);
        return st.status;
    }
    *out = t;
    return CASCADE_OK;
}

void cascade_table_free(cascade_table *table)
{
    if (!table)
        return;
    free(table->path);
    free(table->text);
    free(table->names);
    free(table->cells);
    free(table->lines);
    free(table);
}

/* ---- access ---- */

size_t cascade_table_rows(const cascade_table *table)
{
    return table ? table->rows : 0;
}

size_t cascade_table_columns(const cascade_table *table)
{
    return table ? table->columns : 0;
}

const char *cascade_table_path(const cascade_table *table)
{
    return table ? table->path : NULL;
}

const char *cascade_table_column_name(const cascade_table *table, size_t column)
{
    if (!table || column >= table->columns)
        return NULL;
    return table->text + table->names[column];
}

long cascade_table_column(const cascade_table *table, const char *name)
{
    if (!table || !name)
        return -1;
    for (size_t c = 0; c < table->columns; c++)
        if (strcmp(table->text + table->names[c], name) == 0)
            return (long)c;
    return -1;
}

const char *cascade_table_cell(const cascade_table *table, size_t row, size_t column)
{
    if (!table || row >= table->rows || column >= table->columns)
        return NULL;
    return table->text + table->cells[row * table->columns + column];
}

long cascade_table_line(const cascade_table *table, size_t row)
{
    if (!table || row >= table->rows)
        return -1;
    return table->lines[row];
}

/* ---- numbers ---- */

/* Copy s into buf without thousands separators, or return -1 when s is not
 * a plain decimal number: sign, digits (commas only between groups of three
 * in the integer part), optional fraction, optional exponent. Refusing
 * everything else up front keeps strtod from accepting "nan", "inf" and
 * hexadecimal. */
static int clean_number(const char *s, char *buf, size_t n)
{
    size_t i = 0, o = 0, digits = 0;
#define PUT(ch) do { if (o + 1 >= n) return -1; buf[o++] = (ch); } while (0)
    if (s[i] == '+' || s[i] == '-')
        PUT(s[i++]);
    size_t group = 0;  /* digits since the last comma */
    int commas = 0;
    while (isdigit((unsigned char)s[i]) || s[i] == ',') {
        if (s[i] == ',') {
            /* A comma needs 1-3 digits before the first one, exactly 3 after each. */
            if (group == 0 || group > 3 || (commas && group != 3))
                return -1;
            commas = 1;
            group = 0;
            i++;
            continue;
        }
        PUT(s[i++]);
        group++;
        digits++;
    }
    if (commas && group != 3)
        return -1;
    if (s[i] == '.') {
        PUT(s[i++]);
        while (isdigit((unsigned char)s[i])) {
            PUT(s[i++]);
            digits++;
        }
    }
    if (digits == 0)
        return -1;
    if (s[i] == 'e' || s[i] == 'E') {
        PUT(s[i++]);
        if (s[i] == '+' || s[i] == '-')
            PUT(s[i++]);
        if (!isdigit((unsigned char)s[i]))
            return -1;
        while (isdigit((unsigned char)s[i]))
            PUT(s[i++]);
    }
#undef PUT
    if (s[i] != '\0')
        return -1;
    buf[o] = '\0';
    return 0;
}

static int is_nonfinite_word(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    static const char *const words[] = { "nan", "inf", "infinity" };
    for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
        size_t k = 0;
        while (words[w][k] && tolower((unsigned char)s[k]) == words[w][k])
            k++;
        if (!words[w][k] && s[k] == '\0')
            return 1;
    }
    return 0;
}

cascade_status cascade_table_number(const cascade_table *table, size_t row, size_t column,
                                    double *out, cascade_error *err)
{
    const char *s = cascade_table_cell(table, row, column);
    if (!out)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, cascade_table_path(table), -1, -1,
                                 "cascade_table_number needs somewhere to put the number");
    if (!s)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, cascade_table_path(table), -1, -1,
                                 "row %zu, column %zu is outside the table (%zu rows, %zu columns)",
                                 row, column, cascade_table_rows(table),
                                 cascade_table_columns(table));
    long line = table->lines[row];
    const char *name = cascade_table_column_name(table, column);
    const char *expected = "(expected a number such as 1,014.45)";
    if (*s == '\0')
        return cascade_error_set(err, CASCADE_ERR_VALUE, table->path, line, (long long)column + 1,
                                 "line %ld, column \"%.200s\": the cell is empty %s",
                                 line, name, expected);
    char buf[128];
    if (clean_number(s, buf, sizeof buf) != 0)
        return cascade_error_set(err, CASCADE_ERR_VALUE, table->path, line, (long long)column + 1,
                                 "line %ld, column \"%.200s\": \"%.80s\" is not %s %s",
                                 line, name, s,
                                 is_nonfinite_word(s) ? "a finite number" : "a number",
                                 expected);
    errno = 0;
    char *end = NULL;
    double v = strtod(buf, &end);
    if (end == buf || *end != '\0' || (errno == ERANGE && fabs(v) == HUGE_VAL) || !isfinite(v))
        return cascade_error_set(err, CASCADE_ERR_VALUE, table->path, line, (long long)column + 1,
                                 "line %ld, column \"%.200s\": \"%.80s\" is out of range %s",
                                 line, name, s, expected);
    *out = v; /* an underflow to a tiny or zero value is still the number meant */
    return CASCADE_OK;
}

/* ---- costs and accuracies ---- */

static cascade_status missing_column(const cascade_table *t, const char *which,
                                     cascade_error *err)
{
    return cascade_error_set(err, CASCADE_ERR_NOT_FOUND, t->path, -1, -1,
                             "no %s column (expected the header to name one)", which);
}

cascade_status cascade_table_cost(const cascade_table *bench, size_t row, const char *cost_name,
                                  double *out, cascade_error *err)
{
    if (!bench || !out || !cost_name || !*cost_name)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, cascade_table_path(bench), -1, -1,
                                 "cascade_table_cost needs a table, a cost name and an output");
    long col;
    if (strcmp(cost_name, "time") == 0) {
        col = cascade_table_column(bench, "infer_samples_per_sec");
        if (col < 0)
            return missing_column(bench, "\"infer_samples_per_sec\" (needed for the time cost)",
                                  err);
        double rate;
        cascade_status s = cascade_table_number(bench, row, (size_t)col, &rate, err);
        if (s != CASCADE_OK)
            return s;
        if (rate <= 0) {
            long line = bench->lines[row];
            return cascade_error_set(err, CASCADE_ERR_VALUE, bench->path, line, col + 1,
                                     "line %ld, column \"infer_samples_per_sec\": %g samples per "
                                     "second gives no time per sample (expected a number > 0)",
                                     line, rate);
        }
        *out = 1000.0 / rate; /* milliseconds per sample */
        return CASCADE_OK;
    }
    if (strcmp(cost_name, "gmacs") == 0) {
        col = cascade_table_column(bench, "gmacs");
        if (col < 0)
            col = cascade_table_column(bench, "infer_gmacs");
        if (col < 0)
            return missing_column(bench, "\"gmacs\" or \"infer_gmacs\"", err);
    } else {
        col = cascade_table_column(bench, cost_name);
        if (col < 0) {
            char which[256];
            snprintf(which, sizeof which, "\"%.200s\"", cost_name);
            return missing_column(bench, which, err);
        }
    }
    double v;
    cascade_status s = cascade_table_number(bench, row, (size_t)col, &v, err);
    if (s != CASCADE_OK)
        return s;
    if (v < 0) {
        long line = bench->lines[row];
        return cascade_error_set(err, CASCADE_ERR_VALUE, bench->path, line, col + 1,
                                 "line %ld, column \"%.200s\": the cost %g is negative "
                                 "(expected a cost >= 0)",
                                 line, cascade_table_column_name(bench, (size_t)col), v);
    }
    *out = v;
    return CASCADE_OK;
}

cascade_status cascade_table_accuracy(const cascade_table *results, size_t row,
                                      double *fraction, cascade_error *err)
{
    if (!results || !fraction)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, cascade_table_path(results), -1, -1,
                                 "cascade_table_accuracy needs a table and an output");
    double scale = 100.0; /* timm's top1 is in percent */
    long col = cascade_table_column(results, "top1");
    if (col < 0) {
        scale = 1.0;
        col = cascade_table_column(results, "accuracy");
    }
    if (col < 0)
        return missing_column(results, "\"top1\" or \"accuracy\"", err);
    double v;
    cascade_status s = cascade_table_number(results, row, (size_t)col, &v, err);
    if (s != CASCADE_OK)
        return s;
    if (v < 0 || v > scale) {
        long line = results->lines[row];
        return cascade_error_set(err, CASCADE_ERR_VALUE, results->path, line, col + 1,
                                 "line %ld, column \"%s\": %g is not an accuracy "
                                 "(expected a number from 0 to %g)",
                                 line, scale == 100.0 ? "top1" : "accuracy", v, scale);
    }
    *fraction = v / scale;
    return CASCADE_OK;
}
