/* Reading a front CSV back (libcsv, columns by name) and picking a point. */
#include "cascade/front_csv.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/write.h"

enum { COL_MODELS, COL_THRESHOLDS, COL_ACCURACY, COL_COST, COL_STAGES, COL_ANSWERED,
       COL_METRIC, COL_ON_FRONT, KNOWN_COLUMNS };
static const char *const known_names[KNOWN_COLUMNS] = {
    "models", "thresholds", "accuracy", "cost", "stages", "answered", "metric", "on_front"};
enum { REQUIRED_COLUMNS = COL_METRIC };

static const char default_metric[] = "max_softmax";

typedef struct row_storage {
    char *models_text;   /* the models cell, '>' replaced by '\0' */
    char *metric;        /* NULL when the file has no metric column */
    char **extra;        /* [extra_count] */
} row_storage;

typedef struct table_internal {
    char **header;              /* [header_count] */
    size_t header_count;
    long column[KNOWN_COLUMNS]; /* header index of each known column, or -1 */
    size_t *extra_column;       /* [extra_count] header index of each other column */
    row_storage *storage;       /* [rows capacity] */
    size_t capacity;
} table_internal;

typedef struct reader {
    const char *path;
    cascade_error *error;
    cascade_status status;
    long long line;             /* 1-based line of the row being read */
    int header_done;
    char **cells;               /* [cell_count] the current row */
    size_t cell_count, cell_capacity;
    cascade_front_table *table;
    table_internal *in;
} reader;

static cascade_status nomem(reader *r)
{
    return r->status = cascade_error_set(r->error, CASCADE_ERR_NOMEM, r->path, -1, -1,
                                         "out of memory reading the front");
}

static void on_field(void *field, size_t len, void *data)
{
    reader *r = data;
    if (r->status != CASCADE_OK)
        return;
    if (r->cell_count == r->cell_capacity) {
        size_t capacity = r->cell_capacity ? 2 * r->cell_capacity : 16;
        char **grown = realloc(r->cells, capacity * sizeof *grown);
        if (!grown) {
            nomem(r);
            return;
        }
        r->cells = grown;
        r->cell_capacity = capacity;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        nomem(r);
        return;
    }
    if (len)
        memcpy(copy, field, len);
    copy[len] = '\0';
    r->cells[r->cell_count++] = copy;
}

static void drop_cells(reader *r)
{
    for (size_t i = 0; i < r->cell_count; i++)
        free(r->cells[i]);
    r->cell_count = 0;
}

static cascade_status bad_cell(reader *r, cascade_status status, size_t column,
                               const char *text, const char *expected)
{
    return r->status = cascade_error_set(r->error, status, r->path, r->line, (long long)column,
        "line %lld, column \"%s\": \"%s\" is not valid (expected %s)", r->line,
        r->in->header[column], text, expected);
}

/* The whole of TEXT as one finite double. */
static int parse_double(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(value))
        return 0;
    *out = value;
    return 1;
}

/* Splits TEXT at SEPARATOR into exactly COUNT finite doubles within
 * [min, max]; an empty TEXT holds zero values. */
static int parse_list(char *text, char separator, unsigned count, double min, double max,
                      double *out)
{
    if (count == 0)
        return text[0] == '\0';
    char *start = text;
    for (unsigned i = 0; i < count; i++) {
        char *end = strchr(start, separator);
        if ((end != NULL) != (i + 1 < count))
            return 0;
        if (end)
            *end = '\0';
        int ok = parse_double(start, &out[i]) && out[i] >= min && out[i] <= max;
        if (end)
            *end = separator;  /* an error message shows the whole cell */
        if (!ok)
            return 0;
        if (end)
            start = end + 1;
    }
    return 1;
}

static void header_row(reader *r)
{
    table_internal *in = r->in;
    in->header = r->cells;
    in->header_count = r->cell_count;
    r->cells = NULL;
    r->cell_count = r->cell_capacity = 0;
    for (int k = 0; k < KNOWN_COLUMNS; k++)
        in->column[k] = -1;
    size_t extra = 0;
    for (size_t c = 0; c < in->header_count; c++) {
        for (size_t d = 0; d < c; d++)
            if (strcmp(in->header[c], in->header[d]) == 0) {
                r->status = cascade_error_set(r->error, CASCADE_ERR_FORMAT, r->path, r->line,
                    (long long)c, "line %lld: the column \"%s\" appears twice (expected unique column names)",
                    r->line, in->header[c]);
                return;
            }
        int known = 0;
        for (int k = 0; k < KNOWN_COLUMNS; k++)
            if (k != COL_ACCURACY && strcmp(in->header[c], known_names[k]) == 0) {
                in->column[k] = (long)c;
                known = 1;
            }
        /* The score column is named after its score: accuracy, mcc, ... */
        cascade_score score;
        if (cascade_score_parse(in->header[c], &score, NULL) == CASCADE_OK) {
            if (in->column[COL_ACCURACY] >= 0) {
                r->status = cascade_error_set(r->error, CASCADE_ERR_FORMAT, r->path, r->line,
                    (long long)c, "line %lld: two score columns, \"%s\" and \"%s\" (expected "
                    "one of accuracy, mcc, f1 or macro_f1)", r->line,
                    in->header[in->column[COL_ACCURACY]], in->header[c]);
                return;
            }
            in->column[COL_ACCURACY] = (long)c;
            r->table->score = score;
            known = 1;
        }
        extra += !known;
    }
    if (in->column[COL_ACCURACY] < 0) {
        r->status = cascade_error_set(r->error, CASCADE_ERR_FORMAT, r->path, r->line, -1,
            "line %lld: no score column (expected a front from cascade sweep, with the columns "
            "models,thresholds,cost,stages,answered and one of accuracy, mcc, f1 or macro_f1)",
            r->line);
        return;
    }
    for (int k = 0; k < REQUIRED_COLUMNS; k++)
        if (in->column[k] < 0) {
            r->status = cascade_error_set(r->error, CASCADE_ERR_FORMAT, r->path, r->line, -1,
                "line %lld: no \"%s\" column (expected a front from cascade sweep, with the "
                "columns models,thresholds,accuracy,cost,stages,answered)", r->line, known_names[k]);
            return;
        }
    in->extra_column = malloc((extra ? extra : 1) * sizeof *in->extra_column);
    char const **names = malloc((extra ? extra : 1) * sizeof *names);
    if (!in->extra_column || !names) {
        free(names);
        nomem(r);
        return;
    }
    size_t e = 0;
    for (size_t c = 0; c < in->header_count; c++) {
        int known = 0;
        for (int k = 0; k < KNOWN_COLUMNS; k++)
            known |= in->column[k] == (long)c;
        if (!known) {
            in->extra_column[e] = c;
            names[e++] = in->header[c];
        }
    }
    r->table->extra_count = extra;
    r->table->extra_name = names;
    r->table->has_on_front = in->column[COL_ON_FRONT] >= 0;
    r->header_done = 1;
}

static void free_storage(row_storage *own, size_t extra_count)
{
    free(own->models_text);
    free(own->metric);
    if (own->extra)
        for (size_t e = 0; e < extra_count; e++)
            free(own->extra[e]);
    free(own->extra);
}

static void data_row(reader *r)
{
    cascade_front_table *t = r->table;
    table_internal *in = r->in;
    if (r->cell_count != in->header_count) {
        r->status = cascade_error_set(r->error, CASCADE_ERR_FORMAT, r->path, r->line, -1,
            "line %lld has %zu cells (expected %zu, as in the header)", r->line,
            r->cell_count, in->header_count);
        return;
    }
    if (t->count == in->capacity) {
        size_t capacity = in->capacity ? 2 * in->capacity : 64;
        cascade_front_row *rows = realloc(t->rows, capacity * sizeof *rows);
        if (rows)
            t->rows = rows;
        row_storage *storage = realloc(in->storage, capacity * sizeof *storage);
        if (storage)
            in->storage = storage;
        if (!rows || !storage) {
            nomem(r);
            return;
        }
        in->capacity = capacity;
    }
    cascade_front_row *row = &t->rows[t->count];
    row_storage *own = &in->storage[t->count];
    memset(row, 0, sizeof *row);
    memset(own, 0, sizeof *own);
    row->line = r->line;
    char **cell = r->cells;
    const long *col = in->column;

    const char *text = cell[col[COL_STAGES]];
    char *end = NULL;
    errno = 0;
    long stages = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || stages < 1 || stages > CASCADE_MAX_STAGES) {
        char expected[64];
        snprintf(expected, sizeof expected, "a whole number from 1 to %d", CASCADE_MAX_STAGES);
        bad_cell(r, CASCADE_ERR_VALUE, (size_t)col[COL_STAGES], text, expected);
        return;
    }
    row->stages = (unsigned)stages;

    /* Take the models cell over and cut it into names in place. */
    size_t models_col = (size_t)col[COL_MODELS];
    char *names = cell[models_col];
    unsigned found = 1;
    for (const char *c = names; *c; c++)
        found += *c == '>';
    size_t len = strlen(names);
    int empty_name = len == 0 || names[0] == '>' || names[len - 1] == '>' || strstr(names, ">>");
    if (found != row->stages || empty_name) {
        char expected[96];
        snprintf(expected, sizeof expected,
                 "%u non-empty model names joined by '>', as the stages column says", row->stages);
        bad_cell(r, CASCADE_ERR_FORMAT, models_col, names, expected);
        return;
    }
    char *name = names;
    for (unsigned s = 0; s < row->stages; s++) {
        row->model[s] = name;
        char *cut = strchr(name, '>');
        if (cut) {
            *cut = '\0';
            name = cut + 1;
        }
    }
    own->models_text = names;
    cell[models_col] = NULL;

    char expected[96];
    snprintf(expected, sizeof expected, "%u numbers joined by ';', one per stage but the last",
             row->stages - 1);
    /* A per-class row keeps its thresholds in the policies file. */
    const char *policy = "";
    for (size_t e = 0; e < t->extra_count; e++)
        if (strcmp(t->extra_name[e], "policy") == 0)
            policy = cell[in->extra_column[e]];
    int per_class = policy[0] && !cell[col[COL_THRESHOLDS]][0];
    if (!per_class && !parse_list(cell[col[COL_THRESHOLDS]], ';', row->stages - 1, -INFINITY,
                                  INFINITY, row->threshold)) {
        bad_cell(r, CASCADE_ERR_FORMAT, (size_t)col[COL_THRESHOLDS], cell[col[COL_THRESHOLDS]],
                 expected);
        goto fail;
    }
    snprintf(expected, sizeof expected, "%u fractions between 0 and 1 joined by ';', one per stage",
             row->stages);
    if (!parse_list(cell[col[COL_ANSWERED]], ';', row->stages, 0.0, 1.0, row->answered)) {
        bad_cell(r, CASCADE_ERR_FORMAT, (size_t)col[COL_ANSWERED], cell[col[COL_ANSWERED]],
                 expected);
        goto fail;
    }
    double lowest = cascade_score_lowest(t->score);
    if (!parse_double(cell[col[COL_ACCURACY]], &row->accuracy) || row->accuracy < lowest ||
        row->accuracy > 1.0) {
        bad_cell(r, CASCADE_ERR_VALUE, (size_t)col[COL_ACCURACY], cell[col[COL_ACCURACY]],
                 lowest < 0 ? "a number between -1 and 1" : "a fraction between 0 and 1");
        goto fail;
    }
    if (!parse_double(cell[col[COL_COST]], &row->cost) || row->cost < 0.0) {
        bad_cell(r, CASCADE_ERR_VALUE, (size_t)col[COL_COST], cell[col[COL_COST]],
                 "a finite number >= 0");
        goto fail;
    }
    row->on_front = 1;
    if (col[COL_ON_FRONT] >= 0) {
        const char *flag = cell[col[COL_ON_FRONT]];
        if (strcmp(flag, "0") != 0 && strcmp(flag, "1") != 0) {
            bad_cell(r, CASCADE_ERR_FORMAT, (size_t)col[COL_ON_FRONT], flag, "1 or 0");
            goto fail;
        }
        row->on_front = flag[0] == '1';
    }
    row->metric = default_metric;
    if (col[COL_METRIC] >= 0) {
        if (!cell[col[COL_METRIC]][0]) {
            bad_cell(r, CASCADE_ERR_FORMAT, (size_t)col[COL_METRIC], "", "a metric name");
            goto fail;
        }
        own->metric = cell[col[COL_METRIC]];
        cell[col[COL_METRIC]] = NULL;
        row->metric = own->metric;
    }
    own->extra = malloc((t->extra_count ? t->extra_count : 1) * sizeof *own->extra);
    if (!own->extra) {
        nomem(r);
        goto fail;
    }
    for (size_t e = 0; e < t->extra_count; e++) {
        /* Temperatures belong to calibrated rows only: a config carrying
         * them for another metric would be refused by apply later. */
        const char *temperatures = cell[in->extra_column[e]];
        if (strcmp(t->extra_name[e], "temperatures") == 0 && temperatures[0] &&
            !strstr(row->metric, "+temperature")) {
            bad_cell(r, CASCADE_ERR_FORMAT, (size_t)in->extra_column[e], temperatures,
                     "an empty cell: the row's metric has no +temperature");
            free(own->extra);
            own->extra = NULL;
            goto fail;
        }
    }
    for (size_t e = 0; e < t->extra_count; e++) {
        own->extra[e] = cell[in->extra_column[e]];
        cell[in->extra_column[e]] = NULL;
    }
    row->extra = (const char *const *)own->extra;
    t->count++;
    return;
fail:
    /* Only finished rows are the table's to free. */
    free_storage(own, 0);
    memset(own, 0, sizeof *own);
}

static void on_row(int terminator, void *data)
{
    (void)terminator;
    reader *r = data;
    if (r->status == CASCADE_OK && r->cell_count > 0) {
        if (!r->header_done)
            header_row(r);
        else
            data_row(r);
    }
    drop_cells(r);
    r->line++;
}

void cascade_front_table_free(cascade_front_table *table)
{
    if (!table)
        return;
    table_internal *in = table->internal;
    if (in) {
        for (size_t i = 0; i < table->count; i++)
            free_storage(&in->storage[i], table->extra_count);
        for (size_t c = 0; c < in->header_count; c++)
            free(in->header[c]);
        free(in->header);
        free(in->extra_column);
        free(in->storage);
        free(in);
    }
    free((void *)table->extra_name);
    free(table->rows);
    free(table);
}

cascade_status cascade_front_table_load(const char *path, cascade_front_table **out,
                                        cascade_error *error)
{
    *out = NULL;
    FILE *file = fopen(path, "rb");
    if (!file)
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1, "cannot open: %s",
                                 strerror(errno));
    cascade_front_table *table = calloc(1, sizeof *table);
    table_internal *in = calloc(1, sizeof *in);
    struct csv_parser parser;
    int parser_ok = csv_init(&parser, CSV_APPEND_NULL) == 0;
    if (!table || !in || !parser_ok) {
        if (parser_ok)
            csv_free(&parser);
        free(table);
        free(in);
        fclose(file);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1,
                                 "out of memory reading the front");
    }
    table->internal = in;
    reader r = {.path = path, .error = error, .status = CASCADE_OK, .line = 1,
                .table = table, .in = in};
    char buf[65536];
    size_t n;
    while (r.status == CASCADE_OK && (n = fread(buf, 1, sizeof buf, file)) > 0)
        if (csv_parse(&parser, buf, n, on_field, on_row, &r) != n && r.status == CASCADE_OK)
            r.status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, r.line, -1,
                "line %lld: %s (expected comma-separated cells)", r.line,
                csv_strerror(csv_error(&parser)));
    if (r.status == CASCADE_OK && ferror(file))
        r.status = cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                     "cannot read (is it a directory?)");
    if (r.status == CASCADE_OK)
        csv_fini(&parser, on_field, on_row, &r);
    csv_free(&parser);
    fclose(file);
    drop_cells(&r);
    free(r.cells);
    if (r.status == CASCADE_OK && !r.header_done)
        r.status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "the file is empty (expected a front from cascade sweep)");
    if (r.status == CASCADE_OK && table->count == 0)
        r.status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "no rows after the header (expected at least one point)");
    if (r.status != CASCADE_OK) {
        cascade_front_table_free(table);
        return r.status;
    }
    *out = table;
    return CASCADE_OK;
}

/* Is row A better than row B under RULE (B may be NULL)? */
static int better(const cascade_front_row *a, const cascade_front_row *b, cascade_pick_rule rule)
{
    if (!b)
        return 1;
    double a1 = rule == CASCADE_PICK_MIN_ACCURACY ? -a->cost : a->accuracy;
    double b1 = rule == CASCADE_PICK_MIN_ACCURACY ? -b->cost : b->accuracy;
    double a2 = rule == CASCADE_PICK_MIN_ACCURACY ? a->accuracy : -a->cost;
    double b2 = rule == CASCADE_PICK_MIN_ACCURACY ? b->accuracy : -b->cost;
    if (a1 != b1)
        return a1 > b1;
    if (a2 != b2)
        return a2 > b2;
    /* A candidate that lost only a tie on the front gives way to the front's. */
    return a->on_front > b->on_front;
}

cascade_status cascade_front_table_pick(const cascade_front_table *table,
                                        cascade_pick_rule rule, double limit,
                                        const char *path, size_t *index,
                                        cascade_error *error)
{
    const cascade_front_row *best = NULL, *nearest = NULL;
    for (size_t i = 0; i < table->count; i++) {
        const cascade_front_row *row = &table->rows[i];
        int meets = rule == CASCADE_PICK_MIN_ACCURACY ? row->accuracy >= limit
                                                      : row->cost <= limit;
        if (meets && better(row, best, rule)) {
            best = row;
            *index = i;
        }
        /* The nearest miss: the most accurate, or the cheapest, row. */
        if (better(row, nearest, rule == CASCADE_PICK_MIN_ACCURACY ? CASCADE_PICK_MAX_COST
                                                                    : CASCADE_PICK_MIN_ACCURACY))
            nearest = row;
    }
    if (best)
        return CASCADE_OK;
    char limit_text[32], accuracy[32], cost[32];
    cascade_format_double(limit, limit_text);
    cascade_format_double(nearest->accuracy, accuracy);
    cascade_format_double(nearest->cost, cost);
    if (rule == CASCADE_PICK_MIN_ACCURACY)
        return cascade_error_set(error, CASCADE_ERR_NOT_FOUND, path, -1, -1,
            "no point reaches %s %s (the best is %s at cost %s)", cascade_score_name(table->score),
            limit_text, accuracy, cost);
    return cascade_error_set(error, CASCADE_ERR_NOT_FOUND, path, -1, -1,
        "no point costs at most %s (the cheapest costs %s, at %s %s)", limit_text, cost,
        cascade_score_name(table->score), accuracy);
}
