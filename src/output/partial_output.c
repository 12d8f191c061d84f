/* Writing a shard's partial front, and the merged front. */
#include "cascade/partial_front.h"
#include "common/text_hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Where the CSV row that starts at TEXT ends: the first line break outside
 * quotes (a quoted model name may hold one). */
static const char *row_end(const char *text, const char *end)
{
    int quoted = 0;
    for (const char *c = text; c < end; c++) {
        if (*c == '"')
            quoted = !quoted;
        else if (*c == '\n' && !quoted)
            return c;
    }
    return end;
}

static void escaped(FILE *file, const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\\')
            fputs("\\\\", file);
        else if (c == '\n')
            fputs("\\n", file);
        else if (c == '\r')
            fputs("\\r", file);
        else
            fputc(c, file);
    }
}

/* The lines before "end" into BODY (an open_memstream). */
static cascade_status write_body(FILE *body, const char *csv, size_t csv_len,
                                 const cascade_front *front, const cascade_partial_info *info)
{
    const char *end = csv + csv_len, *header_end = row_end(csv, end);
    fprintf(body, "cascade-partial-front 1\nshard %u/%u\nsweep %s\nchains %zu\nwork %.17g\n",
            info->shard_index + 1, info->shard_count, info->sweep, info->chains, info->work);
    fputs("columns ", body);
    fwrite(csv, 1, (size_t)(header_end - csv), body);
    fputc('\n', body);
    const char *row = header_end < end ? header_end + 1 : end;
    for (size_t i = 0; i < front->count; i++) {
        if (row >= end)
            return CASCADE_ERR_FORMAT; /* fewer rows than points: cannot happen */
        const cascade_point *p = &front->points[i];
        fprintf(body, "point %u ", p->stages);
        for (unsigned s = 0; s < p->stages; s++)
            fprintf(body, "%s%u", s ? "," : "", p->model[s]);
        fputc(' ', body);
        if (p->stages == 1)
            fputc('-', body);
        for (unsigned s = 0; s + 1 < p->stages; s++)
            fprintf(body, "%s%a", s ? ";" : "", p->threshold[s]);
        fprintf(body, " %a %a ", p->accuracy, p->cost);
        const char *next = row_end(row, end);
        escaped(body, row, (size_t)(next - row));
        fputc('\n', body);
        row = next < end ? next + 1 : end;
    }
    return row == end ? CASCADE_OK : CASCADE_ERR_FORMAT;
}

cascade_status cascade_write_partial_front(FILE *file, const cascade_dataset *dataset,
                                           const cascade_front *front,
                                           const cascade_extra_columns *extra,
                                           const cascade_partial_info *info,
                                           cascade_error *error)
{
    char *csv = NULL, *body = NULL;
    size_t csv_len = 0, body_len = 0;
    FILE *csv_file = open_memstream(&csv, &csv_len);
    if (!csv_file)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    /* The rows exactly as the unsharded sweep writes them. */
    cascade_status status = cascade_write_front_csv_extra(csv_file, dataset, front, extra);
    if (fclose(csv_file) != 0 && status == CASCADE_OK)
        status = CASCADE_ERR_NOMEM;
    FILE *body_file = status == CASCADE_OK ? open_memstream(&body, &body_len) : NULL;
    if (status == CASCADE_OK && !body_file)
        status = CASCADE_ERR_NOMEM;
    if (body_file) {
        status = write_body(body_file, csv, csv_len, front, info);
        if (fclose(body_file) != 0 && status == CASCADE_OK)
            status = CASCADE_ERR_NOMEM;
    }
    free(csv);
    if (status != CASCADE_OK) {
        free(body);
        return cascade_error_set(error, status, NULL, -1, -1,
                                 status == CASCADE_ERR_NOMEM ? "out of memory"
                                 : "the front's rows do not match its points");
    }
    errno = 0;
    fwrite(body, 1, body_len, file);
    fprintf(file, "end %zu %016llx\n", front->count,
            (unsigned long long)cascade_text_hash(body, body_len));
    free(body);
    return ferror(file) ? CASCADE_ERR_IO : CASCADE_OK;
}

cascade_status cascade_write_merged_front(FILE *file, const cascade_merged_front *merged)
{
    fputs(merged->columns, file);
    fputc('\n', file);
    for (size_t i = 0; i < merged->count; i++) {
        fputs(merged->rows[i], file);
        fputc('\n', file);
    }
    return ferror(file) ? CASCADE_ERR_IO : CASCADE_OK;
}
