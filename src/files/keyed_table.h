/* Private to the library (and the fuzz harnesses): CSV tables keyed by a
 * sample id, as real per-sample outputs come (one row per sample, in any
 * order). Two kinds are read here:
 *
 *   prediction tables  id, predicted class, its confidence (one per model)
 *   keyed label tables id, label
 *
 * Every refusal is one message naming the file, the line and the id of the
 * first offending row, and how many more rows have the same fault.
 *
 * Ownership: the loaders fill a caller-provided struct whose storage the
 * library allocates; release it with the matching _free() (zeroed structs
 * are fine). Ids point into the struct's table and live until that call.
 */
#ifndef CASCADE_FILES_KEYED_TABLE_H
#define CASCADE_FILES_KEYED_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/status.h"
#include "cascade/table.h"
#include "common/id_index.h"

/* The rows of a table with a unique, non-empty id in column ID_COLUMN. */
typedef struct cascade_keyed_rows {
    cascade_table *table;
    size_t rows;
    const char **id;          /* [rows] */
    cascade_id_index *index;  /* id -> row */
} cascade_keyed_rows;

/* Column names; NULL members take the defaults "id", "prediction",
 * "confidence" (prediction tables) and "id", "label" (label tables). */
typedef struct cascade_key_columns {
    const char *id;
    const char *value;       /* the prediction or the label */
    const char *confidence;  /* prediction tables only */
    /* Prediction tables only, no default: read only when named. */
    const char *cost;        /* a per-sample cost, finite and >= 0 */
    const char *quality;     /* a graded quality, in [0, 1] */
} cascade_key_columns;

typedef struct cascade_prediction_table {
    cascade_keyed_rows keyed;
    int32_t *prediction;     /* [rows] class indices >= 0 */
    double *confidence;      /* [rows] finite */
    double *cost;            /* [rows] >= 0; NULL without a cost column */
    double *quality;         /* [rows] in [0, 1]; NULL without a quality column */
    int32_t max_prediction;  /* -1 for an empty table */
} cascade_prediction_table;

typedef struct cascade_label_table {
    cascade_keyed_rows keyed;
    int32_t *label;          /* [rows] class indices >= 0 */
    int32_t max_label;
} cascade_label_table;

/* MODEL names the model in messages. Refuses a missing column (naming the
 * columns the file has), an empty or duplicated id, a class that is not a
 * whole number >= 0, a confidence that is not a finite number, a cost that
 * is missing, negative or not finite, a quality outside [0, 1], and a table
 * without rows. */
cascade_status cascade_prediction_table_load(const char *path, const cascade_key_columns *columns,
                                             const char *model, cascade_prediction_table *out,
                                             cascade_error *error);
/* The same on LEN bytes of TEXT already in memory; PATH names it. */
cascade_status cascade_prediction_table_parse(const char *text, size_t len, const char *path,
                                              const cascade_key_columns *columns,
                                              const char *model, cascade_prediction_table *out,
                                              cascade_error *error);
void cascade_prediction_table_free(cascade_prediction_table *table);

cascade_status cascade_label_table_load(const char *path, const cascade_key_columns *columns,
                                        cascade_label_table *out, cascade_error *error);
cascade_status cascade_label_table_parse(const char *text, size_t len, const char *path,
                                         const cascade_key_columns *columns,
                                         cascade_label_table *out, cascade_error *error);
void cascade_label_table_free(cascade_label_table *table);

#endif
