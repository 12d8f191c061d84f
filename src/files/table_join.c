/* Finding a model in a table and pairing results (accuracy) with benchmark
 * (cost) rows. Built on the public table API only. The tables hold a few
 * thousand rows, so a plain scan per lookup is fast enough and keeps the
 * matching rules in one place. */
#include "cascade/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How many rows an ambiguity message lists before "...". */
enum { LISTED = 8 };

/* The part of a name that is compared: all of it, or what comes before the
 * first '.' (timm's "arch.tag" names). */
static size_t key_length(const char *name, int strip_tag)
{
    return strip_tag ? strcspn(name, ".") : strlen(name);
}

static int same_model(const char *a, const char *b, int strip_tag)
{
    size_t na = key_length(a, strip_tag), nb = key_length(b, strip_tag);
    return na == nb && memcmp(a, b, na) == 0;
}

static cascade_status model_column(const cascade_table *t, long *col, cascade_error *err)
{
    *col = cascade_table_column(t, "model");
    if (*col < 0)
        return cascade_error_set(err, CASCADE_ERR_FORMAT, cascade_table_path(t), -1, -1,
                                 "no \"model\" column (expected the header to name one, as "
                                 "timm's results and benchmark files do)");
    return CASCADE_OK;
}

/* The column that gives a row's image size: benchmarks say "infer_img_size",
 * results "img_size". -1 when there is neither. */
static long size_column(const cascade_table *t)
{
    long c = cascade_table_column(t, "infer_img_size");
    return c >= 0 ? c : cascade_table_column(t, "img_size");
}

/* What a lookup asks for: a name, and an image size when by_size. */
typedef struct query {
    const char *name;
    int strip_tag;
    long size_col;   /* the table's image-size column, or -1 */
    int by_size;     /* only rows whose size_col equals size */
    double size;
} query;

/* Whether row r of t answers q. Sizes are parsed only for rows whose name
 * matches, so that a bad size elsewhere does not stop a lookup. */
static cascade_status row_matches(const cascade_table *t, long model_col, size_t r,
                                  const query *q, int *match, cascade_error *err)
{
    *match = 0;
    if (!same_model(cascade_table_cell(t, r, (size_t)model_col), q->name, q->strip_tag))
        return CASCADE_OK;
    if (q->by_size) {
        double size;
        cascade_status s = cascade_table_number(t, r, (size_t)q->size_col, &size, err);
        if (s != CASCADE_OK)
            return s;
        if (size != q->size)
            return CASCADE_OK;
    }
    *match = 1;
    return CASCADE_OK;
}

/* Count the rows of t that answer q; *first is the first of them. */
static cascade_status count_matches(const cascade_table *t, long model_col, const query *q,
                                    size_t *count, size_t *first, cascade_error *err)
{
    *count = 0;
    for (size_t r = 0; r < cascade_table_rows(t); r++) {
        int match;
        cascade_status s = row_matches(t, model_col, r, q, &match, err);
        if (s != CASCADE_OK)
            return s;
        if (match && (*count)++ == 0)
            *first = r;
    }
    return CASCADE_OK;
}

/* Append ", TEXT" (or "TEXT" at the start) to buf; "..." once past LISTED. */
static void list_item(char *buf, size_t n, size_t index, const char *text)
{
    size_t used = strlen(buf);
    if (index > LISTED || used + 1 >= n)
        return;
    snprintf(buf + used, n - used, "%s%s", index ? ", " : "",
             index == LISTED ? "..." : text);
}

/* The error for a query that matches several rows: list their image sizes
 * when a size could choose between them, else their lines. */
static cascade_status ambiguous(const cascade_table *t, long model_col, const query *q,
                                size_t count, cascade_error *err)
{
    char list[256] = "";
    size_t listed = 0;
    int by_sizes = q->size_col >= 0 && !q->by_size;
    for (size_t r = 0; r < cascade_table_rows(t); r++) {
        int match;
        if (row_matches(t, model_col, r, q, &match, NULL) != CASCADE_OK || !match)
            continue;
        char line[32];
        snprintf(line, sizeof line, "%ld", cascade_table_line(t, r));
        list_item(list, sizeof list, listed++,
                  by_sizes ? cascade_table_cell(t, r, (size_t)q->size_col) : line);
    }
    int n = (int)key_length(q->name, q->strip_tag);
    if (by_sizes)
        return cascade_error_set(err, CASCADE_ERR_VALUE, cascade_table_path(t), -1, -1,
                                 "model \"%.*s\" appears %zu times, at image sizes %s "
                                 "(expected one row; pass --img-size N to choose one)",
                                 n, q->name, count, list);
    if (q->by_size)
        return cascade_error_set(err, CASCADE_ERR_VALUE, cascade_table_path(t), -1, -1,
                                 "model \"%.*s\" appears %zu times at image size %g, on lines %s "
                                 "(expected one row per model and image size)",
                                 n, q->name, count, q->size, list);
    return cascade_error_set(err, CASCADE_ERR_VALUE, cascade_table_path(t), -1, -1,
                             "model \"%.*s\" appears %zu times, on lines %s "
                             "(expected one row per model)", n, q->name, count, list);
}

/* The check shared by find and join: img_size > 0 needs a size column. */
static cascade_status size_wanted(const cascade_table *t, long img_size, long *size_col,
                                  cascade_error *err)
{
    *size_col = size_column(t);
    if (img_size < 0)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, cascade_table_path(t), -1, -1,
                                 "image size %ld is negative (expected 0 for any size, or a "
                                 "size in pixels)", img_size);
    if (img_size > 0 && *size_col < 0)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, cascade_table_path(t), -1, -1,
                                 "image size %ld was asked for but the table has no "
                                 "\"infer_img_size\" or \"img_size\" column (expected one of "
                                 "them to choose rows by size)", img_size);
    return CASCADE_OK;
}

cascade_status cascade_table_find_model(const cascade_table *table, const char *model,
                                        const cascade_table_find_options *opt,
                                        size_t *row, cascade_error *err)
{
    if (!table || !model || !row)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, cascade_table_path(table), -1, -1,
                                 "cascade_table_find_model needs a table, a model and an output");
    long model_col, size_col;
    long img_size = opt ? opt->img_size : 0;
    cascade_status s = model_column(table, &model_col, err);
    if (s == CASCADE_OK)
        s = size_wanted(table, img_size, &size_col, err);
    if (s != CASCADE_OK)
        return s;
    query q = { .name = model, .strip_tag = opt ? opt->strip_tag : 0, .size_col = size_col,
                .by_size = img_size > 0, .size = (double)img_size };
    size_t count, first = 0;
    if ((s = count_matches(table, model_col, &q, &count, &first, err)) != CASCADE_OK)
        return s;
    if (count == 1) {
        *row = first;
        return CASCADE_OK;
    }
    if (count > 1)
        return ambiguous(table, model_col, &q, count, err);

    int n = (int)key_length(model, q.strip_tag);
    const char *how = q.strip_tag ? " (comparing names before the first '.')" : "";
    if (q.by_size) {
        /* Say which sizes the model does have, if any: the likeliest mistake. */
        query any = q;
        any.by_size = 0;
        size_t others;
        if (count_matches(table, model_col, &any, &others, &first, NULL) == CASCADE_OK &&
            others > 0)
            return cascade_error_set(err, CASCADE_ERR_NOT_FOUND, cascade_table_path(table),
                                     -1, -1, "model \"%.*s\" is not in the table at image size "
                                     "%ld%s (expected one of the sizes it has, such as %s)",
                                     n, model, img_size, how,
                                     cascade_table_cell(table, first, (size_t)size_col));
    }
    return cascade_error_set(err, CASCADE_ERR_NOT_FOUND, cascade_table_path(table), -1, -1,
                             "model \"%.*s\" is not in the table's \"model\" column%s%s",
                             n, model, how,
                             q.by_size ? " at any image size" : "");
}

void cascade_join_free(cascade_join *join)
{
    if (!join)
        return;
    free(join->entries);
    free(join);
}

cascade_status cascade_table_join(const cascade_table *results, const cascade_table *bench,
                                  const cascade_join_options *opt, cascade_join **out,
                                  cascade_error *err)
{
    if (!out)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "cascade_table_join needs somewhere to put the join");
    *out = NULL;
    if (!results || !bench)
        return cascade_error_set(err, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "cascade_table_join needs a results table and a benchmark table");
    int strip_tag = opt ? opt->strip_tag : 0;
    long img_size = opt ? opt->img_size : 0;
    long results_model, bench_model, bench_size;
    cascade_status s = model_column(results, &results_model, err);
    if (s == CASCADE_OK)
        s = model_column(bench, &bench_model, err);
    if (s == CASCADE_OK)
        s = size_wanted(bench, img_size, &bench_size, err);
    if (s != CASCADE_OK)
        return s;
    /* Results evaluated at 288 pixels are not the model benchmarked at 224. */
    long results_size = cascade_table_column(results, "img_size");
    long bench_infer_size = cascade_table_column(bench, "infer_img_size");
    int by_size = !(opt && opt->ignore_img_size) && results_size >= 0 && bench_infer_size >= 0;
    if (by_size)
        bench_size = bench_infer_size;

    cascade_join *join = calloc(1, sizeof *join);
    size_t rows = cascade_table_rows(results);
    if (!join || (rows && !(join->entries = malloc(rows * sizeof *join->entries)))) {
        cascade_join_free(join);
        return cascade_error_set(err, CASCADE_ERR_NOMEM, cascade_table_path(results), -1, -1,
                                 "out of memory while joining tables");
    }
    for (size_t r = 0; r < rows && s == CASCADE_OK; r++) {
        const char *name = cascade_table_cell(results, r, (size_t)results_model);
        if (!*name) {
            long line = cascade_table_line(results, r);
            s = cascade_error_set(err, CASCADE_ERR_VALUE, cascade_table_path(results), line,
                                  results_model + 1, "line %ld, column \"model\": the cell is "
                                  "empty (expected a model name)", line);
            break;
        }
        query q = { .name = name, .strip_tag = strip_tag, .size_col = bench_size,
                    .by_size = img_size > 0, .size = (double)img_size };
        int comparable = 1;
        if (by_size) {
            double size;
            s = cascade_table_number(results, r, (size_t)results_size, &size, err);
            if (s != CASCADE_OK)
                break;
            comparable = !q.by_size || size == q.size;
            q.by_size = 1;
            q.size = size;
        }
        size_t count = 0, first = 0;
        if (comparable && (s = count_matches(bench, bench_model, &q, &count, &first, err))
                              != CASCADE_OK)
            break;
        if (count == 1) {
            join->entries[join->count++] =
                (cascade_join_entry){ .name = name, .results_row = r, .bench_row = first };
        } else if (count == 0) {
            if (join->unmatched_count < CASCADE_JOIN_UNMATCHED_SHOWN)
                join->unmatched[join->unmatched_count] = name;
            join->unmatched_count++;
        } else {
            s = ambiguous(bench, bench_model, &q, count, err);
        }
    }
    if (s != CASCADE_OK) {
        cascade_join_free(join);
        return s;
    }
    *out = join;
    return CASCADE_OK;
}
