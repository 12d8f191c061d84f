/* Per-model costs: manifest fields, CSV cost tables joined by model name,
 * and datasets of table-only models built from a results and a benchmark
 * table. */
#include "cascade/costs.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/table.h"

static void warn(const cascade_costs_options *o, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void warn(const cascade_costs_options *o, const char *format, ...)
{
    if (!o->warning)
        return;
    char text[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    o->warning(o->warning_context, text);
}

static const char *cost_name(const cascade_costs_options *o)
{
    return o->cost && *o->cost ? o->cost : "gmacs";
}

/* The table row of manifest model M: by (name, size) when the model has an
 * "img_size" field and the table a size column, else at o->img_size. */
static cascade_status find_row(const cascade_manifest *manifest, size_t m,
                               const cascade_table *table, const cascade_costs_options *o,
                               size_t *row, cascade_error *error)
{
    cascade_table_find_options find = {.strip_tag = o->strip_tag, .img_size = o->img_size};
    double size;
    int table_has_size = cascade_table_column(table, "infer_img_size") >= 0 ||
                         cascade_table_column(table, "img_size") >= 0;
    if (table_has_size &&
        cascade_manifest_number(manifest, m, "img_size", &size, NULL) == CASCADE_OK) {
        if (!(size >= 1 && size <= 1e6) || size != floor(size))
            return cascade_error_set(error, CASCADE_ERR_VALUE, manifest->path, -1, -1,
                "model \"%s\": \"img_size\" is %g (expected a whole number of pixels)",
                manifest->models[m].name, size);
        find.img_size = (long)size;
    }
    return cascade_table_find_model(table, manifest->models[m].name, &find, row, error);
}

cascade_status cascade_manifest_costs(const cascade_manifest *manifest,
                                      const cascade_costs_options *options,
                                      double *costs, cascade_error *error)
{
    cascade_costs_options defaults = {0};
    const cascade_costs_options *o = options ? options : &defaults;
    const char *name = cost_name(o);
    cascade_table *table = NULL;
    cascade_status status = CASCADE_OK;
    if (o->table_path)
        status = cascade_table_load(o->table_path, &table, error);
    for (size_t m = 0; m < manifest->model_count && status == CASCADE_OK; m++) {
        const char *model = manifest->models[m].name;
        double given = 0.0, listed = 0.0;
        cascade_error field_error;
        cascade_error_clear(&field_error);
        cascade_status field = cascade_manifest_number(manifest, m, name, &given, &field_error);
        if (field != CASCADE_OK && (field != CASCADE_ERR_NOT_FOUND || !table)) {
            if (error)
                *error = field_error;
            status = field;
            break;
        }
        size_t row = 0;
        cascade_status from_table = CASCADE_ERR_NOT_FOUND;
        cascade_error table_error;
        cascade_error_clear(&table_error);
        if (table) {
            from_table = find_row(manifest, m, table, o, &row, &table_error);
            if (from_table == CASCADE_OK)
                from_table = cascade_table_cost(table, row, name, &listed, &table_error);
        }
        if (field == CASCADE_OK) {
            /* The manifest wins; the table only checks it. */
            double scale = fmax(fabs(given), fabs(listed));
            if (from_table == CASCADE_OK && fabs(given - listed) > CASCADE_COST_DISAGREEMENT * scale)
                warn(o, "model \"%s\": the manifest's \"%s\" %g overrides %g from %s line %ld "
                        "(they differ by %.1f%%)", model, name, given, listed, o->table_path,
                     cascade_table_line(table, row), 100.0 * fabs(given - listed) / scale);
            costs[m] = given;
        } else if (from_table != CASCADE_OK) {
            /* No manifest field: the table's message says what is missing. */
            if (error)
                *error = table_error;
            status = from_table;
        } else {
            costs[m] = listed;
        }
        if (status == CASCADE_OK && !(costs[m] >= 0))
            status = cascade_error_set(error, CASCADE_ERR_VALUE, manifest->path, -1, -1,
                "model \"%s\": \"%s\" is %g (expected a cost >= 0)", model, name, costs[m]);
    }
    cascade_table_free(table);
    return status;
}

/* ---- datasets of table-only models ---- */

static void note_name(char names[][128], size_t *count, const char *name)
{
    if (*count < CASCADE_TABLES_SHOWN)
        snprintf(names[*count], sizeof names[0], "%s", name);
    (*count)++;
}

/* "a, b, c" from the first min(count, CASCADE_TABLES_SHOWN) names. */
static void join_names(char *buf, size_t n, char names[][128], size_t count)
{
    buf[0] = '\0';
    size_t shown = count < CASCADE_TABLES_SHOWN ? count : CASCADE_TABLES_SHOWN;
    for (size_t i = 0; i < shown; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, n - used, "%s%s", i ? ", " : "", names[i]);
    }
    if (count > shown) {
        size_t used = strlen(buf);
        snprintf(buf + used, n - used, ", ...");
    }
}

cascade_status cascade_dataset_from_tables(const char *results_path,
                                           const cascade_costs_options *options,
                                           cascade_dataset **out,
                                           cascade_tables_report *report,
                                           cascade_error *error)
{
    *out = NULL;
    cascade_tables_report local;
    if (!report)
        report = &local;
    memset(report, 0, sizeof *report);
    if (!options || !options->table_path)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, results_path, -1, -1,
            "no cost table (expected a benchmark table to join the results with)");
    const char *name = cost_name(options);
    cascade_table *results = NULL, *bench = NULL;
    cascade_join *join = NULL;
    cascade_dataset *d = NULL;
    cascade_status status = cascade_table_load(results_path, &results, error);
    if (status == CASCADE_OK)
        status = cascade_table_load(options->table_path, &bench, error);
    cascade_join_options join_options = {.strip_tag = options->strip_tag,
                                         .img_size = options->img_size};
    if (status == CASCADE_OK)
        status = cascade_table_join(results, bench, &join_options, &join, error);
    if (status != CASCADE_OK)
        goto done;
    report->results_rows = cascade_table_rows(results);
    report->unmatched = join->unmatched_count;
    for (size_t i = 0; i < join->unmatched_count && i < CASCADE_TABLES_SHOWN &&
                       i < CASCADE_JOIN_UNMATCHED_SHOWN; i++)
        snprintf(report->unmatched_names[i], sizeof report->unmatched_names[0], "%s",
                 join->unmatched[i]);

    size_t names_size = 1;
    for (size_t j = 0; j < join->count; j++)
        names_size += strlen(join->entries[j].name) + 1;
    d = calloc(1, sizeof *d);
    char *names = malloc(names_size);
    if (d)
        d->owned = names;
    if (!d || !names || !(d->models = calloc(join->count ? join->count : 1, sizeof *d->models))) {
        if (!d)
            free(names);
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, results_path, -1, -1,
                                   "out of memory");
        goto done;
    }
    d->cost_field = name;
    for (size_t j = 0; j < join->count && status == CASCADE_OK; j++) {
        const cascade_join_entry *e = &join->entries[j];
        double accuracy, cost;
        status = cascade_table_accuracy(results, e->results_row, &accuracy, error);
        if (status != CASCADE_OK)
            break;
        cascade_error cost_error;
        if (cascade_table_cost(bench, e->bench_row, name, &cost, &cost_error) != CASCADE_OK) {
            /* One empty cell (pt240 has one) should not lose the other models. */
            note_name(report->no_cost_names, &report->no_cost, e->name);
            continue;
        }
        cascade_model *model = &d->models[d->model_count++];
        size_t len = strlen(e->name) + 1;
        memcpy(names, e->name, len);
        model->name = names;
        names += len;
        model->table_only = 1;
        model->accuracy = accuracy;
        model->cost = cost;
    }
    if (status != CASCADE_OK)
        goto done;
    report->models = d->model_count;
    char list[1024];
    if (report->unmatched) {
        join_names(list, sizeof list, report->unmatched_names, report->unmatched);
        warn(options, "%zu of %zu models in %s have no row in %s%s: %s", report->unmatched,
             report->results_rows, results_path, options->table_path,
             options->strip_tag ? " (comparing names before the first '.')" : "", list);
    }
    if (report->no_cost) {
        join_names(list, sizeof list, report->no_cost_names, report->no_cost);
        warn(options, "%zu models have no usable \"%s\" in %s and are left out: %s",
             report->no_cost, name, options->table_path, list);
    }
    if (d->model_count == 0)
        status = cascade_error_set(error, CASCADE_ERR_NOT_FOUND, results_path, -1, -1,
            "no model joins a row of %s (expected shared names in the \"model\" columns%s)",
            options->table_path, options->strip_tag ? "" : "; try --strip-tag");
done:
    if (status != CASCADE_OK) {
        cascade_dataset_free(d);
        d = NULL;
    }
    cascade_join_free(join);
    cascade_table_free(bench);
    cascade_table_free(results);
    *out = d;
    return status;
}
