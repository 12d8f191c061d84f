/* Datasets of table-only models, built from a results table and a
 * benchmark table (cascade/table_dataset.h): above both the cost tables and
 * the dataset, which it joins. */
#include "cascade/table_dataset.h"
#include "records/costs_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/table.h"

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
    const char *name = cascade_costs_name(options);
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
        cascade_costs_warn(options, "%zu of %zu models in %s have no row in %s%s: %s", report->unmatched,
             report->results_rows, results_path, options->table_path,
             options->strip_tag ? " (comparing names before the first '.')" : "", list);
    }
    if (report->no_cost) {
        join_names(list, sizeof list, report->no_cost_names, report->no_cost);
        cascade_costs_warn(options, "%zu models have no usable \"%s\" in %s and are left out: %s",
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
