/* Private to src/files (and the fuzz harnesses): the manifest parser on text
 * already in memory, behind cascade_manifest_load(). */
#ifndef CASCADE_FILES_MANIFEST_INTERNAL_H
#define CASCADE_FILES_MANIFEST_INTERNAL_H

#include "cascade/manifest.h"

/* Parses LEN bytes of TEXT (no NUL needed) as cascade_manifest_load() parses
 * a file's contents; PATH names the manifest in messages and anchors its
 * relative paths. The result is freed with cascade_manifest_free(). */
cascade_status cascade_manifest_parse(const char *text, size_t len, const char *path,
                                      cascade_manifest **out, cascade_error *error);

#endif
