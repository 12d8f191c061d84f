/* Reading the shards' partial fronts back and merging them into one. */
#include "cascade/partial_front.h"
#include "common/text_hash.h"
#include "files/text_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct partial_point {
    cascade_point point;
    const char *row;          /* unescaped, in the part's text */
    const char *path;         /* the part it came from */
} partial_point;

typedef struct partial_part {
    const char *path;
    char *text;               /* the file, cut into lines and unescaped in place */
    unsigned shard, shard_count; /* shard from 1 */
    const char *sweep, *columns;
    size_t chains, points;
    double work;
} partial_part;

typedef struct merged_internal {
    partial_part *parts;
    size_t part_count;
} merged_internal;

/* The next line of *AT (ending at END), NUL-terminated in place. NULL at the end. */
static char *next_line(char **at, char *end)
{
    if (*at >= end)
        return NULL;
    char *line = *at, *newline = memchr(line, '\n', (size_t)(end - line));
    if (!newline)
        return NULL; /* a last line without its newline is cut short */
    *newline = '\0';
    *at = newline + 1;
    return line;
}

/* Undoes the writer's escapes in place. */
static void unescape(char *text)
{
    char *out = text;
    for (char *c = text; *c; c++) {
        if (*c == '\\' && (c[1] == '\\' || c[1] == 'n' || c[1] == 'r')) {
            c++;
            *out++ = *c == 'n' ? '\n' : *c == 'r' ? '\r' : '\\';
        } else {
            *out++ = *c;
        }
    }
    *out = '\0';
}

static const char *after(const char *line, const char *keyword)
{
    size_t n = strlen(keyword);
    return strncmp(line, keyword, n) == 0 && line[n] == ' ' ? line + n + 1 : NULL;
}

/* "point S M1,..,MS T1;..;T(S-1) ACCURACY COST ROW" */
static int parse_point(char *text, partial_point *out)
{
    cascade_point *p = &out->point;
    memset(p, 0, sizeof *p);
    char *end;
    errno = 0;
    unsigned long stages = strtoul(text, &end, 10);
    if (end == text || *end != ' ' || stages < 1 || stages > CASCADE_MAX_STAGES)
        return 0;
    p->stages = (unsigned)stages;
    for (unsigned s = 0; s < p->stages; s++) {
        text = end + 1;
        unsigned long model = strtoul(text, &end, 10);
        if (end == text || *end != (s + 1 < p->stages ? ',' : ' ') || model > 65535)
            return 0;
        p->model[s] = (unsigned)model;
    }
    text = end + 1;
    if (p->stages == 1) {
        if (text[0] != '-' || text[1] != ' ')
            return 0;
        end = text + 1;
    }
    for (unsigned s = 0; s + 1 < p->stages; s++) {
        if (s > 0)
            text = end + 1;
        p->threshold[s] = strtod(text, &end);
        if (end == text || *end != (s + 2 < p->stages ? ';' : ' '))
            return 0;
    }
    text = end + 1;
    p->accuracy = strtod(text, &end);
    if (end == text || *end != ' ')
        return 0;
    text = end + 1;
    p->cost = strtod(text, &end);
    if (end == text || *end != ' ' || errno == ERANGE)
        return 0;
    unescape(end + 1);
    out->row = end + 1;
    return 1;
}

/* Reads PATH into PART, appending its points to *POINTS. */
static cascade_status read_part(const char *path, partial_part *part, partial_point **points,
                                size_t *count, size_t *capacity, cascade_error *error)
{
    size_t len;
    memset(part, 0, sizeof *part);
    part->path = path;
    cascade_status status = cascade_read_text_file(path, &part->text, &len, error);
    if (status != CASCADE_OK)
        return status;
    char *at = part->text, *end = part->text + len, *line;
    /* The checksum first: a cut or damaged part says so before anything
     * it holds is believed. */
    char *last = len >= 2 ? end - 2 : part->text;
    while (last > part->text && last[-1] != '\n')
        last--;
    unsigned long long points_said = 0, hash_said = 0;
    int ended = len > 0 && end[-1] == '\n' &&
                sscanf(last, "end %llu %16llx\n", &points_said, &hash_said) == 2;
    int intact = cascade_text_hash(part->text, (size_t)(last - part->text)) == hash_said;
    line = next_line(&at, end);
    if (!line || strcmp(line, "cascade-partial-front 1") != 0)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, 1, -1,
            "not a partial front (expected the first line \"cascade-partial-front 1\" that "
            "cascade sweep --shard writes)");
    if (!ended)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "truncated: the end line is missing (expected a complete part; rerun its shard)");
    if (!intact)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "damaged: the checksum on its end line does not match its contents (expected the "
            "file as its shard wrote it; rerun that shard)");
    end = last;
    const char *value;
    long long number = 1;
    int header = 0;
    while ((line = next_line(&at, end)) != NULL) {
        number++;
        if ((value = after(line, "shard"))) {
            header |= 1;
            if (sscanf(value, "%u/%u", &part->shard, &part->shard_count) != 2 ||
                part->shard < 1 || part->shard > part->shard_count)
                break;
        } else if ((value = after(line, "sweep"))) {
            header |= 2;
            part->sweep = value;
        } else if ((value = after(line, "chains"))) {
            header |= 4;
            part->chains = strtoull(value, NULL, 10);
        } else if ((value = after(line, "work"))) {
            header |= 8;
            part->work = strtod(value, NULL);
        } else if ((value = after(line, "columns"))) {
            header |= 16;
            part->columns = value;
        } else if ((value = after(line, "point")) && header == 31) {
            if (*count == *capacity) {
                size_t grown_capacity = *capacity ? 2 * *capacity : 1024;
                partial_point *grown = realloc(*points, grown_capacity * sizeof *grown);
                if (!grown)
                    return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1,
                                             "out of memory");
                *points = grown;
                *capacity = grown_capacity;
            }
            partial_point *p = &(*points)[*count];
            if (!parse_point((char *)value, p))
                break;
            p->path = path;
            (*count)++;
            part->points++;
        } else {
            break;
        }
    }
    if (line)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, number, -1,
            "line %lld is malformed (expected the lines a partial front holds, in order)",
            number);
    if (header != 31)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "the shard, sweep, chains, work or columns line is missing (expected a complete "
            "partial front)");
    if (part->points != points_said)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
            "holds %zu points but its end line says %llu (expected a complete part)",
            part->points, points_said);
    return CASCADE_OK;
}

/* The first ';'-separated field where A and B differ, for the message. */
static void first_difference(const char *a, const char *b, char *out, size_t n)
{
    const char *start = a;
    while (*a && *a == *b) {
        if (*a == ';')
            start = a + 1;
        a++;
        b++;
    }
    const char *stop = strchr(start, ';');
    size_t len = stop ? (size_t)(stop - start) : strlen(start);
    snprintf(out, n, "%.*s", (int)(len < 200 ? len : 200), start);
}

static cascade_status check_parts(const partial_part *parts, size_t count, cascade_error *error)
{
    const partial_part *first = &parts[0];
    for (size_t i = 1; i < count; i++) {
        const partial_part *p = &parts[i];
        if (strcmp(p->sweep, first->sweep) != 0) {
            char field[256];
            first_difference(first->sweep, p->sweep, field, sizeof field);
            return cascade_error_set(error, CASCADE_ERR_VALUE, p->path, -1, -1,
                "a part of another sweep than %s (expected the same inputs and options; "
                "%s has %s)", first->path, first->path, field);
        }
        if (p->shard_count != first->shard_count || strcmp(p->columns, first->columns) != 0)
            return cascade_error_set(error, CASCADE_ERR_VALUE, p->path, -1, -1,
                "shard %u/%u does not match %s, shard %u/%u (expected the parts of one "
                "sweep into %u shards)", p->shard, p->shard_count, first->path, first->shard,
                first->shard_count, first->shard_count);
        for (size_t j = 0; j < i; j++)
            if (parts[j].shard == p->shard)
                return cascade_error_set(error, CASCADE_ERR_VALUE, p->path, -1, -1,
                    "repeats shard %u/%u of %s (expected each shard once)", p->shard,
                    p->shard_count, parts[j].path);
    }
    if (count < first->shard_count) {
        unsigned missing = 1;
        for (int found = 1; found; missing += found) {
            found = 0;
            for (size_t i = 0; i < count && !found; i++)
                found = parts[i].shard == missing;
        }
        return cascade_error_set(error, CASCADE_ERR_VALUE, first->path, -1, -1,
            "shard %u/%u of its sweep is missing (expected all %u parts; %zu given)", missing,
            first->shard_count, first->shard_count, count);
    }
    return CASCADE_OK;
}

static int by_point(const void *a, const void *b)
{
    return cascade_point_compare(&((const partial_point *)a)->point,
                                 &((const partial_point *)b)->point);
}

/* The row of the point equal to P in SORTED[0..n). */
static const partial_point *find_point(const partial_point *sorted, size_t n,
                                       const cascade_point *p)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cascade_point_compare(&sorted[mid].point, p);
        if (c == 0)
            return &sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void cascade_merged_front_free(cascade_merged_front *merged)
{
    if (!merged)
        return;
    merged_internal *in = merged->internal;
    if (in) {
        for (size_t i = 0; i < in->part_count; i++)
            free(in->parts[i].text);
        free(in->parts);
        free(in);
    }
    free(merged->rows);
    free(merged->points);
    free(merged);
}

cascade_status cascade_partial_merge(const char *const *paths, size_t count,
                                     cascade_merged_front **out, cascade_error *error)
{
    *out = NULL;
    if (count == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "no parts (expected every shard's partial front)");
    cascade_merged_front *m = calloc(1, sizeof *m);
    merged_internal *in = calloc(1, sizeof *in);
    partial_part *parts = calloc(count, sizeof *parts);
    partial_point *points = NULL;
    size_t n = 0, capacity = 0;
    cascade_front front;
    cascade_front_init(&front);
    if (!m || !in || !parts) {
        free(m);
        free(in);
        free(parts);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    }
    m->internal = in;
    in->parts = parts;
    in->part_count = count;
    cascade_status status = CASCADE_OK;
    for (size_t i = 0; i < count && status == CASCADE_OK; i++)
        status = read_part(paths[i], &parts[i], &points, &n, &capacity, error);
    if (status == CASCADE_OK)
        status = check_parts(parts, count, error);
    /* The front of all points, and each kept point's row. Equal points of
     * two parts (every part has the single models) must agree on it. */
    if (status == CASCADE_OK && n > 0)
        qsort(points, n, sizeof *points, by_point);
    for (size_t i = 1; i < n && status == CASCADE_OK; i++)
        if (by_point(&points[i - 1], &points[i]) == 0 &&
            strcmp(points[i - 1].row, points[i].row) != 0)
            status = cascade_error_set(error, CASCADE_ERR_VALUE, points[i].path, -1, -1,
                "writes the row \"%.200s\" as \"%.200s\" in %s (expected parts of one sweep "
                "to agree on every point)", points[i].row, points[i - 1].row,
                points[i - 1].path);
    for (size_t i = 0; i < n && status == CASCADE_OK; i++)
        if (cascade_front_add(&front, &points[i].point) != CASCADE_OK)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    if (status == CASCADE_OK) {
        cascade_front_reduce(&front);
        m->rows = malloc((front.count ? front.count : 1) * sizeof *m->rows);
        m->points = malloc((front.count ? front.count : 1) * sizeof *m->points);
        if (!m->rows || !m->points)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    }
    for (size_t i = 0; i < front.count && status == CASCADE_OK; i++) {
        m->points[m->count] = front.points[i];
        m->rows[m->count++] = (char *)find_point(points, n, &front.points[i])->row;
    }
    if (status == CASCADE_OK) {
        m->columns = (char *)parts[0].columns;
        m->sweep = parts[0].sweep;
        m->shard_count = parts[0].shard_count;
        for (size_t i = 0; i < count; i++) {
            m->chains += parts[i].chains;
            m->work_mean += parts[i].work / (double)count;
            if (parts[i].work > m->work_max)
                m->work_max = parts[i].work;
        }
    }
    free(points);
    cascade_front_free(&front);
    if (status != CASCADE_OK) {
        cascade_merged_front_free(m);
        return status;
    }
    *out = m;
    return CASCADE_OK;
}
