/* Private to the library: a whole file read into memory, and a whole text
 * parsed as one JSON value. */
#ifndef CASCADE_FILES_TEXT_FILE_H
#define CASCADE_FILES_TEXT_FILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "cascade/status.h"

/* Reads PATH into *TEXT (NUL-terminated; the caller frees it) of *LEN bytes.
 * CASCADE_ERR_IO names the file when it cannot be opened or read. */
cascade_status cascade_read_text_file(const char *path, char **text, size_t *len,
                                      cascade_error *error);

/* TEXT[0..LEN) as one JSON value followed by white space only: cJSON stops
 * after the first value, and anything more (a second value, a NUL byte, a
 * cut-and-paste leftover) makes the text malformed too. The caller deletes
 * the value. NULL when malformed, with *LINE and *COLUMN (from 1) where
 * parsing stopped. */
cJSON *cascade_json_parse_whole(const char *text, size_t len, long long *line,
                                long long *column);

#endif
