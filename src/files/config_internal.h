/* Private to src/files (and the fuzz harnesses): the config parser on text
 * already in memory, behind cascade_config_load(). */
#ifndef CASCADE_FILES_CONFIG_INTERNAL_H
#define CASCADE_FILES_CONFIG_INTERNAL_H

#include "cascade/config.h"

/* Parses LEN bytes of TEXT (no NUL needed) as cascade_config_load() parses a
 * file's contents; PATH names the config in messages. */
cascade_status cascade_config_parse(const char *text, size_t len, const char *path,
                                    cascade_config *out, cascade_error *error);

#endif
