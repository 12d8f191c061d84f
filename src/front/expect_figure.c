/* Summary figures against KEY=VALUE[:TOL] expectations (cascade/expect.h). */
#include "cascade/expect.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- numbers and paths ---- */

/* A finite decimal: [+-]digits[.digits][(e|E)[+-]digits], at least one
 * digit before the exponent. strtod alone would also take "nan", "inf" and
 * hexadecimal. */
static int parse_decimal(const char *text, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, text, len);
    buf[len] = '\0';
    size_t i = 0, digits = 0;
    if (buf[i] == '+' || buf[i] == '-')
        i++;
    for (; isdigit((unsigned char)buf[i]); i++)
        digits++;
    if (buf[i] == '.')
        for (i++; isdigit((unsigned char)buf[i]); i++)
            digits++;
    if (digits == 0)
        return 0;
    if (buf[i] == 'e' || buf[i] == 'E') {
        i++;
        if (buf[i] == '+' || buf[i] == '-')
            i++;
        if (!isdigit((unsigned char)buf[i]))
            return 0;
        while (isdigit((unsigned char)buf[i]))
            i++;
    }
    if (buf[i] != '\0')
        return 0;
    errno = 0;
    double v = strtod(buf, NULL);
    if (errno == ERANGE || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* One step of a path: a member name, or an array index. */
typedef struct step {
    const char *name;    /* NULL for an index */
    size_t len;
    long index;
} step;

enum { MAX_STEPS = 32 };

/* Splits KEY into steps; 0 when it is not a path. */
static int split_path(const char *key, step *steps, size_t *count)
{
    size_t n = 0;
    const char *p = key;
    for (;;) {
        if (!(isalpha((unsigned char)*p) || *p == '_'))
            return 0;
        const char *start = p;
        while (isalnum((unsigned char)*p) || *p == '_')
            p++;
        if (n == MAX_STEPS)
            return 0;
        steps[n++] = (step){.name = start, .len = (size_t)(p - start)};
        while (*p == '[') {
            p++;
            if (!isdigit((unsigned char)*p))
                return 0;
            char *end;
            errno = 0;
            long index = strtol(p, &end, 10);
            if (errno == ERANGE || *end != ']' || n == MAX_STEPS)
                return 0;
            steps[n++] = (step){.name = NULL, .index = index};
            p = end + 1;
        }
        if (*p == '\0')
            break;
        if (*p != '.')
            return 0;
        p++;
    }
    *count = n;
    return 1;
}

cascade_status cascade_expectation_parse(const char *text, cascade_expectation *out,
                                         cascade_error *error)
{
    static const char expected[] =
        "expected KEY=VALUE or KEY=VALUE:TOL, such as mean_reduction=3.1:0.05, with KEY a "
        "path like fit.ranges[1].max_reduction and TOL a number >= 0, or a percentage of "
        "VALUE such as 1%";
    if (!text || !out)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "cascade_expectation_parse needs a text and an output");
    const char *equals = strchr(text, '=');
    step steps[MAX_STEPS];
    size_t count, key_len = equals ? (size_t)(equals - text) : 0;
    if (!equals || key_len == 0 || key_len >= CASCADE_EXPECT_KEY_MAX)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "\"%s\" is not an expectation (%s)", text, expected);
    memcpy(out->key, text, key_len);
    out->key[key_len] = '\0';
    if (!split_path(out->key, steps, &count))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "\"%s\": \"%s\" is not a path of names and [N] indices (%s)",
                                 text, out->key, expected);
    const char *value = equals + 1, *colon = strchr(value, ':');
    size_t value_len = colon ? (size_t)(colon - value) : strlen(value);
    if (!parse_decimal(value, value_len, &out->value))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "\"%s\": VALUE \"%.*s\" is not a finite decimal number (%s)",
                                 text, (int)value_len, value, expected);
    out->has_tolerance = colon != NULL;
    out->relative = 0;
    out->tolerance = 0.0;
    if (colon) {
        const char *tol = colon + 1;
        size_t tol_len = strlen(tol);
        if (tol_len && tol[tol_len - 1] == '%') {
            out->relative = 1;
            tol_len--;
        }
        if (!parse_decimal(tol, tol_len, &out->tolerance) || out->tolerance < 0)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                     "\"%s\": TOL \"%s\" is not a number >= 0 (%s)", text, tol,
                                     expected);
    }
    return CASCADE_OK;
}

double cascade_expectation_tolerance(const cascade_expectation *e)
{
    if (!e->has_tolerance)
        return CASCADE_EXPECT_DEFAULT_RELATIVE * fabs(e->value);
    return e->relative ? e->tolerance / 100.0 * fabs(e->value) : e->tolerance;
}

int cascade_expectation_met(const cascade_expectation *e, double got)
{
    return cascade_within_tolerance(got, e->value, cascade_expectation_tolerance(e));
}

/* ---- looking a figure up ---- */

/* The full path walked so far, for the report and the error. */
typedef struct walker {
    char path[512];
} walker;

static void append(walker *w, const char *format, const char *name, size_t len, long index)
{
    size_t used = strlen(w->path);
    if (used + 1 >= sizeof w->path)
        return;
    if (name)
        snprintf(w->path + used, sizeof w->path - used, format, (int)len, name);
    else
        snprintf(w->path + used, sizeof w->path - used, format, index);
}

static cJSON *member(const cJSON *object, const char *name, size_t len)
{
    if (!cJSON_IsObject(object))
        return NULL;
    for (cJSON *item = object->child; item; item = item->next)
        if (item->string && strlen(item->string) == len && memcmp(item->string, name, len) == 0)
            return item;
    return NULL;
}

static int is_name(const step *s, const char *name)
{
    return s->name && s->len == strlen(name) && memcmp(s->name, name, s->len) == 0;
}

/* A figure each pair of the summary has (apgr, cpt_50, ...), and its
 * bootstrap bounds. */
static int is_pair_figure(const step *s)
{
    static const char *const names[] = {"apgr", "apgr_lo", "apgr_hi", "cpt_50", "cpt_80",
                                        "cpt_90", "q_a", "q_b"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (is_name(s, names[i]))
            return 1;
    return 0;
}

static const char *kind(const cJSON *item)
{
    return cJSON_IsString(item) ? "a string"
           : cJSON_IsArray(item) ? "an array"
           : cJSON_IsObject(item) ? "an object"
           : cJSON_IsBool(item) ? "a boolean" : "not a number";
}

cascade_status cascade_summary_figure(const char *json, const char *key, double *out,
                                      char *resolved, size_t resolved_size,
                                      cascade_error *error)
{
    static const char examples[] =
        "expected a path such as mean_reduction, range[1].max_reduction, eval.mean_reduction, "
        "apgr, pair[1].cpt_80, aiq, fit.ranges[0].best.point.cost or front_points";
    if (!json || !key || !out)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "cascade_summary_figure needs a JSON text, a key and an output");
    walker w = {{0}};
    if (resolved && resolved_size)
        resolved[0] = '\0';
    step steps[MAX_STEPS];
    size_t count;
    if (!split_path(key, steps, &count))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "\"%s\" is not a path of names and [N] indices (%s)", key,
                                 examples);
    cJSON *root = cJSON_Parse(json);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return cascade_error_set(error, CASCADE_ERR_FORMAT, NULL, -1, -1,
                                 "the summary is not a JSON object");
    }
    cascade_status status = CASCADE_OK;
    size_t i = 0;
    const cJSON *node = member(root, steps[0].name, steps[0].len);
    if (!node && (is_name(&steps[0], "eval") || is_name(&steps[0], "fit"))) {
        cJSON_Delete(root);
        return cascade_error_set(error, CASCADE_ERR_NOT_FOUND, NULL, -1, -1,
                                 "the summary has no \"%.*s\" part for \"%s\" (expected "
                                 "\"eval\" only with --split, --fit-index or --eval-index)",
                                 (int)steps[0].len, steps[0].name, key);
    }
    const cJSON *section = NULL;
    if (node) {
        append(&w, "%.*s", steps[0].name, steps[0].len, 0);
        i = 1;
        if (is_name(&steps[0], "fit") || is_name(&steps[0], "eval"))
            section = node;
    } else {
        /* Not a top-level name: a figure of the fit part. */
        node = section = member(root, "fit", 3);
        append(&w, "%.*s", "fit", 3, 0);
    }
    if (section && i < count && steps[i].name) {
        const step *s = &steps[i];
        if (is_name(s, "range")) {
            node = member(section, "ranges", 6);
            append(&w, ".%.*s", "ranges", 6, 0);
            i++;
        } else if (is_name(s, "pair")) {
            node = member(section, "pairs", 5);
            append(&w, ".%.*s", "pairs", 5, 0);
            i++;
        } else if (!member(section, s->name, s->len) && is_pair_figure(s)) {
            /* A figure of the first pair. */
            node = cJSON_GetArrayItem(member(section, "pairs", 5), 0);
            append(&w, ".%.*s", "pairs", 5, 0);
            append(&w, "[%ld]", NULL, 0, 0);
        } else if (!member(section, s->name, s->len)) {
            /* A figure of the first range. */
            node = cJSON_GetArrayItem(member(section, "ranges", 6), 0);
            append(&w, ".%.*s", "ranges", 6, 0);
            append(&w, "[%ld]", NULL, 0, 0);
        }
    }
    for (; node && i < count; i++) {
        const step *s = &steps[i];
        if (s->name) {
            append(&w, ".%.*s", s->name, s->len, 0);
            node = member(node, s->name, s->len);
        } else {
            append(&w, "[%ld]", NULL, 0, s->index);
            node = cJSON_IsArray(node) && s->index < cJSON_GetArraySize(node)
                       ? cJSON_GetArrayItem(node, (int)s->index)
                       : NULL;
        }
    }
    if (resolved && resolved_size)
        snprintf(resolved, resolved_size, "%s", w.path);
    if (!node) {
        status = cascade_error_set(error, CASCADE_ERR_NOT_FOUND, NULL, -1, -1,
                                   "the summary has no figure \"%s\" (looked for %s; %s)", key,
                                   w.path, examples);
    } else if (cJSON_IsNull(node)) {
        *out = NAN;
    } else if (cJSON_IsNumber(node)) {
        *out = node->valuedouble;
    } else {
        status = cascade_error_set(error, CASCADE_ERR_VALUE, NULL, -1, -1,
                                   "summary figure \"%s\" (%s) is %s, not a number (%s)",
                                   key, w.path, kind(node), examples);
    }
    cJSON_Delete(root);
    return status;
}
