/* Private to the library: numbers and whole values written as JSON. */
#ifndef CASCADE_COMMON_JSON_TEXT_H
#define CASCADE_COMMON_JSON_TEXT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "cascade/status.h"

/* The shortest text that reads back as VALUE, the same digits the CSV
 * writers print (cJSON's own printing may round to 15 digits); NaN, which
 * JSON has no number for, as null. NULL when out of memory. */
cJSON *cascade_json_exact_number(double value);

/* Prints VALUE and a newline to FILE, then deletes VALUE. OK_SO_FAR 0 (a
 * member failed to build) reports out of memory without printing. */
cascade_status cascade_json_print(FILE *file, cJSON *value, int ok_so_far);

/* VALUE pretty-printed with a newline, as text the caller frees with
 * free(); deletes VALUE. NULL when out of memory or OK_SO_FAR is 0. */
char *cascade_json_text_line(cJSON *value, int ok_so_far);

#endif
