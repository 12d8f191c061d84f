/* JSON values printed with the same exact numbers as the CSV writers, for
 * every stage that writes JSON (configs, policies, summaries, tables). */
#include "common/json_text.h"

#include <stdlib.h>
#include <string.h>

#include "cascade/write.h"

cJSON *cascade_json_exact_number(double value)
{
    if (value != value)
        return cJSON_CreateNull();
    char buf[32];
    cascade_format_double(value, buf);
    return cJSON_CreateRaw(buf);
}

cascade_status cascade_json_print(FILE *file, cJSON *value, int ok_so_far)
{
    char *text = ok_so_far ? cJSON_Print(value) : NULL;
    cJSON_Delete(value);
    if (!text)
        return CASCADE_ERR_NOMEM;
    fputs(text, file);
    fputc('\n', file);
    cJSON_free(text);
    return ferror(file) ? CASCADE_ERR_IO : CASCADE_OK;
}

char *cascade_json_text_line(cJSON *value, int ok_so_far)
{
    char *text = ok_so_far ? cJSON_Print(value) : NULL;
    cJSON_Delete(value);
    if (!text)
        return NULL;
    /* cJSON allocates with malloc unless hooks say otherwise; add the newline. */
    size_t len = strlen(text);
    char *line = malloc(len + 2);
    if (line) {
        memcpy(line, text, len);
        memcpy(line + len, "\n", 2);
    }
    cJSON_free(text);
    return line;
}
