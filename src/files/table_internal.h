/* Private to src/files (and the fuzz harnesses): the table parser on text
 * already in memory, behind cascade_table_load(). */
#ifndef CASCADE_FILES_TABLE_INTERNAL_H
#define CASCADE_FILES_TABLE_INTERNAL_H

#include "cascade/table.h"

/* Parses LEN bytes of TEXT (no NUL needed) as cascade_table_load() parses a
 * file's contents; PATH names the table in messages. */
cascade_status cascade_table_parse(const char *text, size_t len, const char *path,
                                   cascade_table **out, cascade_error *err);

#endif
