/* cascade/table.h: CSV tables with a header row (timm's results and
 * benchmark files), their numbers, and the joins between them.
 *
 * Ownership: the caller frees what cascade_table_load returns with
 * cascade_table_free, and what cascade_table_join returns with
 * cascade_join_free; both accept NULL. Strings returned by the accessors,
 * and the names inside a cascade_join, point into a table and stay valid
 * until that table is freed.
 *
 * Rows and columns are 0-based indices into the data (the header is not a
 * row). Errors name the file, the 1-based line and the column by name; they
 * carry the line in cascade_error.row and the 1-based column number in
 * cascade_error.column.
 */
#ifndef CASCADE_TABLE_H
#define CASCADE_TABLE_H

#include <stddef.h>

#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_table cascade_table;

/* Read a whole CSV file whose first row names the columns. Rows with fewer
 * cells than the header are padded with empty cells; a row with more cells,
 * duplicate column names, an empty file or malformed quoting is an error
 * (CASCADE_ERR_FORMAT); a missing or unreadable file is CASCADE_ERR_IO. */
cascade_status cascade_table_load(const char *path, cascade_table **out,
                                  cascade_error *err);
void cascade_table_free(cascade_table *table);

size_t cascade_table_rows(const cascade_table *table);
size_t cascade_table_columns(const cascade_table *table);
/* The path given to cascade_table_load. */
const char *cascade_table_path(const cascade_table *table);
/* The name of a column, or NULL when column is out of range. */
const char *cascade_table_column_name(const cascade_table *table, size_t column);
/* The index of the column with this name, or -1 when there is none. */
long cascade_table_column(const cascade_table *table, const char *name);
/* A cell's text ("" for an empty or missing cell), or NULL when row or
 * column is out of range. */
const char *cascade_table_cell(const cascade_table *table, size_t row, size_t column);
/* The 1-based line of the file on which a data row starts, or -1 when row is
 * out of range. */
long cascade_table_line(const cascade_table *table, size_t row);

/* A cell as a finite number. Accepts a sign, decimals, exponents and commas
 * between groups of three digits ("1,014.45", "1024.0", "+0.5", "-3e-2").
 * Refuses empty cells, NaN, infinities, hexadecimal and any other text with
 * CASCADE_ERR_VALUE; an out-of-range row or column is CASCADE_ERR_ARGUMENT. */
cascade_status cascade_table_number(const cascade_table *table, size_t row,
                                    size_t column, double *out, cascade_error *err);

/* Which name the join and the lookup compare, and at what image size. */
typedef struct cascade_table_find_options {
    /* Compare only the part of each name before its first '.', so that
     * results' "resnet50.a1_in1k" finds benchmarks' "resnet50". */
    int strip_tag;
    /* When > 0, only rows whose image-size column ("infer_img_size", else
     * "img_size") equals it can match; a table without either column is then
     * CASCADE_ERR_ARGUMENT. 0 means any size. */
    long img_size;
} cascade_table_find_options;

/* The row of a model, by its "model" column. opt may be NULL (exact names,
 * any size). Exactly one matching row: CASCADE_OK and *row. None:
 * CASCADE_ERR_NOT_FOUND. Several (the same model benchmarked at several
 * image sizes): CASCADE_ERR_VALUE, naming the model and the sizes found. */
cascade_status cascade_table_find_model(const cascade_table *table, const char *model,
                                        const cascade_table_find_options *opt,
                                        size_t *row, cascade_error *err);

typedef struct cascade_join_options {
    /* As in cascade_table_find_options: compare names before the first '.'. */
    int strip_tag;
    /* When > 0, only benchmark rows at this image size are used. This is how
     * to choose among a model's several sizes when the results table has no
     * img_size column (or ignore_img_size is set). */
    long img_size;
    /* Join on the name alone even when both tables carry an image size. */
    int ignore_img_size;
} cascade_join_options;

typedef struct cascade_join_entry {
    const char *name;   /* the model as named in the results table */
    size_t results_row;
    size_t bench_row;
} cascade_join_entry;

enum { CASCADE_JOIN_UNMATCHED_SHOWN = 5 };

typedef struct cascade_join {
    cascade_join_entry *entries; /* [count], in the results table's row order */
    size_t count;
    size_t unmatched_count;      /* results rows with no benchmark row */
    /* The first min(unmatched_count, CASCADE_JOIN_UNMATCHED_SHOWN) of them. */
    const char *unmatched[CASCADE_JOIN_UNMATCHED_SHOWN];
} cascade_join;

/* Pair each results row (accuracy) with its benchmark row (cost), by the
 * "model" column, and by image size too when the results have "img_size" and
 * the benchmark has "infer_img_size" (unless opt->ignore_img_size). Several
 * results rows may share one benchmark row. A results row whose key matches
 * several benchmark rows is CASCADE_ERR_VALUE naming the model, unless
 * opt->img_size picks one. Results rows with no match are counted, not
 * errors. opt may be NULL (exact names, sizes when both tables have them). */
cascade_status cascade_table_join(const cascade_table *results, const cascade_table *bench,
                                  const cascade_join_options *opt, cascade_join **out,
                                  cascade_error *err);
void cascade_join_free(cascade_join *join);

/* A benchmark row's cost, never negative. cost_name "gmacs" reads column
 * "gmacs", else "infer_gmacs"; "time" is milliseconds per sample,
 * 1000 / "infer_samples_per_sec" (which must be > 0); any other name reads
 * that column. A missing column is CASCADE_ERR_NOT_FOUND. */
cascade_status cascade_table_cost(const cascade_table *bench, size_t row,
                                  const char *cost_name, double *out, cascade_error *err);

/* A results row's accuracy as a fraction in [0, 1]: column "top1" (in
 * percent), else "accuracy" (already a fraction). */
cascade_status cascade_table_accuracy(const cascade_table *results, size_t row,
                                      double *fraction, cascade_error *err);

#ifdef __cplusplus
}
#endif

#endif
