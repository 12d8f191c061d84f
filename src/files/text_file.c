/* Reading a whole text file (JSON manifests, configs, label lists), and
 * parsing it as JSON. */
#include "files/text_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cascade_status cascade_read_text_file(const char *path, char **text, size_t *len,
                                      cascade_error *error)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                 "cannot open: %s", strerror(errno));
    size_t capacity = 4096, n = 0;
    char *buf = malloc(capacity);
    while (buf) {
        n += fread(buf + n, 1, capacity - n - 1, file);
        if (n < capacity - 1)
            break;
        capacity *= 2;
        char *grown = realloc(buf, capacity);
        if (!grown) {
            free(buf);
            buf = NULL;
        } else {
            buf = grown;
        }
    }
    int failed = ferror(file);
    fclose(file);
    if (!buf)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    if (failed) {
        free(buf);
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1,
                                 "cannot read (is it a directory?)");
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return CASCADE_OK;
}

cJSON *cascade_json_parse_whole(const char *text, size_t len, long long *line,
                                long long *column)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    while (root && end && end < text + len &&
           (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (root && end && end < text + len) {
        cJSON_Delete(root);
        root = NULL;
    }
    *line = 1;
    *column = 1;
    for (const char *c = text; !root && end && c < end && c < text + len; c++) {
        *column = *c == '\n' ? 1 : *column + 1;
        *line += *c == '\n';
    }
    return root;
}
