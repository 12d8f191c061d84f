/* Private to src/records (and the fuzz harnesses): a records array already
 * in memory, checked as cascade_records_read() checks a file's. */
#ifndef CASCADE_RECORDS_RECORDS_FILE_INTERNAL_H
#define CASCADE_RECORDS_RECORDS_FILE_INTERNAL_H

#include "cascade/records_file.h"

/* ARRAY stays the caller's; PATH only names it in messages. */
cascade_status cascade_records_from_array(const char *path, const cascade_array *array,
                                          size_t classes, const char *model,
                                          const cascade_labels *labels, cascade_records *out,
                                          cascade_error *error);

#endif
