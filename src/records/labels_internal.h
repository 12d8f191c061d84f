/* Private to src/records (and the fuzz harnesses): labels from an array
 * already in memory, as cascade_labels_load() reads them from a file. */
#ifndef CASCADE_RECORDS_LABELS_INTERNAL_H
#define CASCADE_RECORDS_LABELS_INTERNAL_H

#include "cascade/records.h"

/* ARRAY stays the caller's; PATH only names it in messages. */
cascade_status cascade_labels_from_array(const char *path, const cascade_array *array,
                                         cascade_labels *out, cascade_error *error);

#endif
