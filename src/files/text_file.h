/* Private to the library: a whole file read into memory. */
#ifndef CASCADE_FILES_TEXT_FILE_H
#define CASCADE_FILES_TEXT_FILE_H

#include <stddef.h>

#include "cascade/status.h"

/* Reads PATH into *TEXT (NUL-terminated; the caller frees it) of *LEN bytes.
 * CASCADE_ERR_IO names the file when it cannot be opened or read. */
cascade_status cascade_read_text_file(const char *path, char **text, size_t *len,
                                      cascade_error *error);

#endif
