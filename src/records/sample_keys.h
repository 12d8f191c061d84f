/* Private to src/records: the sample ids of a keyed manifest, and the join
 * of prediction tables to them.
 *
 * The samples are in the order of the keyed labels table; with a label list
 * that follows the ids in sorted order ("label_ids": "sorted"), in the sorted
 * order of the first prediction table's ids; without labels, in the first
 * prediction table's row order. Score files without ids follow that order.
 *
 * Ownership: cascade_sample_keys_load() fills a caller-provided struct,
 * released with cascade_sample_keys_free() (a zeroed struct is fine).
 */
#ifndef CASCADE_RECORDS_SAMPLE_KEYS_H
#define CASCADE_RECORDS_SAMPLE_KEYS_H

#include <stddef.h>

#include "cascade/manifest.h"
#include "cascade/records.h"
#include "files/keyed_table.h"

typedef struct cascade_sample_keys {
    size_t count;
    const char **id;              /* [count] sample i's id */
    cascade_id_index *index;      /* id -> sample */
    const cascade_table *source;  /* the table the order comes from */
    size_t *source_row;           /* [count] sample i's row there; NULL: row i */
    cascade_label_table labels;   /* the keyed labels table, when there is one */
    /* The first prediction table, read early when it sets the order; its
     * model (FIRST_MODEL) takes it instead of reading the file again. */
    cascade_prediction_table first;
    size_t first_model;           /* SIZE_MAX when FIRST is unused */
    size_t *sorted;               /* [count] owned by the sorted order */
    cascade_id_index *sorted_index;
} cascade_sample_keys;

/* Whether the manifest needs sample keys: a keyed labels table or a
 * prediction table. */
int cascade_manifest_is_keyed(const cascade_manifest *manifest);

/* Builds the order described above. With a keyed labels table, fills
 * LABELS (released with cascade_labels_free()) in that order. */
cascade_status cascade_sample_keys_load(const cascade_manifest *manifest,
                                        cascade_sample_keys *keys, cascade_labels *labels,
                                        cascade_error *error);
void cascade_sample_keys_free(cascade_sample_keys *keys);

/* The records of prediction table TABLE (of model MODEL, read from PATH), one
 * per sample in KEYS' order: the table must have a row for every id and no
 * other id. LABELS may be NULL; records->classes is left 0 for the caller
 * to settle. */
cascade_status cascade_records_from_predictions(const cascade_prediction_table *table,
                                                const cascade_sample_keys *keys,
                                                const cascade_labels *labels, const char *model,
                                                const char *path, cascade_records *out,
                                                cascade_error *error);

/* The column names model M of MANIFEST gives for its prediction table. */
cascade_key_columns cascade_prediction_columns(const cascade_manifest *manifest, size_t m);

#endif
