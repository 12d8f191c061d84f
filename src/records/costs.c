/* Per-model costs: manifest fields, and CSV cost tables joined by model
 * name. */
#include "cascade/costs.h"
#include "records/costs_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/table.h"

void cascade_costs_warn(const cascade_costs_options *o, const char *format, ...)
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

const char *cascade_costs_name(const cascade_costs_options *o)
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
    const char *name = cascade_costs_name(o);
    cascade_table *table = NULL;
    cascade_status status = CASCADE_OK;
    if (o->table_path)
        status = cascade_table_load(o->table_path, &table, error);
    for (size_t m = 0; m < manifest->model_count && status == CASCADE_OK; m++) {
        const char *model = manifest->models[m].name;
        if (manifest->models[m].cost_column || manifest->models[m].sample_costs_path) {
            /* Its costs are per sample; the dataset sets the mean once they are read. */
            costs[m] = 0.0;
            continue;
        }
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
                cascade_costs_warn(o, "model \"%s\": the manifest's \"%s\" %g overrides %g from %s line %ld "
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
