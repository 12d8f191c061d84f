/* cascade/front_csv.h: reading back the front CSV that `cascade sweep`
 * writes, and picking one operating point from it.
 *
 * Columns are found by name in the header row, in any order. Required:
 * models (stage names joined by '>'), thresholds (joined by ';'), one score
 * column named after its score (accuracy, mcc, f1 or macro_f1; its values
 * go to the rows' accuracy field, and its name to the table's score), cost, stages, answered (joined by ';'). Optional: metric (the confidence
 * metric; "max_softmax" when absent) and on_front (1/0, written with every
 * candidate point). Any other column (eval_accuracy, accuracy_lo, ...,
 * temperatures) is kept as text, by name, so a pick can carry it along.
 * A row with a non-empty "policy" cell (a per-class front, cascade/per_class.h)
 * may leave thresholds empty: its rules are in the policies file.
 *
 * Ownership: cascade_front_table_load() returns a table the caller releases
 * with cascade_front_table_free() (NULL is fine). Every string and array
 * inside the table belongs to it and lives until that call.
 */
#ifndef CASCADE_FRONT_CSV_H
#define CASCADE_FRONT_CSV_H

#include <stddef.h>

#include "cascade/points.h"
#include "cascade/score.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_front_row {
    unsigned stages;                           /* 1..CASCADE_MAX_STAGES */
    const char *model[CASCADE_MAX_STAGES];     /* [stages] stage names */
    double threshold[CASCADE_MAX_STAGES - 1];  /* [stages - 1] */
    double accuracy;                           /* the score column's value */
    double cost;
    double answered[CASCADE_MAX_STAGES];       /* [stages] */
    const char *metric;                        /* never NULL */
    int on_front;                              /* 1 when the column is absent */
    long long line;                            /* 1-based line in the file */
    const char *const *extra;                  /* [table extra_count] cell text */
} cascade_front_row;

typedef struct cascade_front_table {
    size_t count;
    cascade_front_row *rows;                   /* [count], in file order */
    size_t extra_count;
    const char *const *extra_name;             /* [extra_count] column names */
    int has_on_front;                          /* the file has an on_front column */
    cascade_score score;                       /* what the rows' accuracy field holds */
    void *internal;
} cascade_front_table;

/* Reads PATH. A malformed file fails with CASCADE_ERR_FORMAT (or _VALUE for
 * an out-of-range number) and a message naming the line, the column and
 * what was expected. A file with a header but no rows is an error too. */
cascade_status cascade_front_table_load(const char *path, cascade_front_table **out,
                                        cascade_error *error);

void cascade_front_table_free(cascade_front_table *table);

typedef enum cascade_pick_rule {
    CASCADE_PICK_MIN_ACCURACY, /* the cheapest row with accuracy >= limit */
    CASCADE_PICK_MAX_COST      /* the most accurate row with cost <= limit */
} cascade_pick_rule;

/* The row chosen by RULE. Ties go to the more accurate (for MIN_ACCURACY)
 * or cheaper (for MAX_COST) row, then to the earlier row. Selection uses the
 * accuracy and cost columns only, never eval_* ones. When no row meets the
 * limit, returns CASCADE_ERR_NOT_FOUND with a message naming the best
 * reachable value; PATH only names the file in that message. */
cascade_status cascade_front_table_pick(const cascade_front_table *table,
                                        cascade_pick_rule rule, double limit,
                                        const char *path, size_t *index,
                                        cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
