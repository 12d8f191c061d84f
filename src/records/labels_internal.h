/* Private to src/records (and the fuzz harnesses): labels from an array or
 * from JSON text already in memory, as the loaders read them from files. */
#ifndef CASCADE_RECORDS_LABELS_INTERNAL_H
#define CASCADE_RECORDS_LABELS_INTERNAL_H

#include "cascade/records.h"

/* ARRAY stays the caller's; PATH only names it in messages. */
cascade_status cascade_labels_from_array(const char *path, const cascade_array *array,
                                         cascade_labels *out, cascade_error *error);

/* Multi-labels from LEN bytes of JSON TEXT (no NUL needed), as
 * cascade_labels_load_json() reads them from a file. */
cascade_status cascade_labels_parse_json(const char *text, size_t len, const char *path,
                                         cascade_labels *out, cascade_error *error);

#endif
