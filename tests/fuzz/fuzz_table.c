/* libFuzzer target: a cost/accuracy table (timm's CSV files) -> cells,
 * numbers, costs, accuracies, lookups and a join of the table with itself. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/table_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The join compares every row with every row; keep it to small tables so
 * that one input cannot take seconds. */
enum { JOIN_MAX_ROWS = 256 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cascade_table *t = NULL;
    cascade_error error;
    if (cascade_table_parse((const char *)data, size, "fuzz.csv", &t, &error) != CASCADE_OK) {
        if (t || strchr(error.message, '\n'))
            abort(); /* no table on failure; a message is one line */
        return 0;
    }
    size_t rows = cascade_table_rows(t), columns = cascade_table_columns(t);
    for (size_t c = 0; c < columns; c++) {
        const char *name = cascade_table_column_name(t, c);
        /* Duplicate names are refused, so a name finds its own column. */
        if (!name || cascade_table_column(t, name) != (long)c)
            abort();
    }
    if (cascade_table_column_name(t, columns) || cascade_table_cell(t, rows, 0))
        abort();
    for (size_t r = 0; r < rows; r++) {
        if (cascade_table_line(t, r) < 1)
            abort();
        for (size_t c = 0; c < columns; c++) {
            double value;
            if (!cascade_table_cell(t, r, c))
                abort();
            if (cascade_table_number(t, r, c, &value, &error) == CASCADE_OK && !isfinite(value))
                abort();
        }
        double cost, fraction;
        if (cascade_table_cost(t, r, "gmacs", &cost, &error) == CASCADE_OK &&
            !(cost >= 0 && isfinite(cost)))
            abort();
        if (cascade_table_cost(t, r, "time", &cost, &error) == CASCADE_OK &&
            !(cost >= 0 && isfinite(cost)))
            abort();
        if (cascade_table_accuracy(t, r, &fraction, &error) == CASCADE_OK &&
            !(fraction >= 0 && fraction <= 1))
            abort();
    }
    long model = cascade_table_column(t, "model");
    if (model >= 0 && rows > 0) {
        size_t row;
        cascade_table_find_options find = {.strip_tag = 1, .img_size = 224};
        const char *name = cascade_table_cell(t, 0, (size_t)model);
        if (cascade_table_find_model(t, name, NULL, &row, &error) == CASCADE_OK && row >= rows)
            abort();
        if (cascade_table_find_model(t, name, &find, &row, &error) == CASCADE_OK && row >= rows)
            abort();
    }
    if (rows <= JOIN_MAX_ROWS) {
        cascade_join *join = NULL;
        cascade_join_options options = {.strip_tag = 1};
        for (int pass = 0; pass < 2; pass++) {
            if (cascade_table_join(t, t, pass ? &options : NULL, &join, &error) != CASCADE_OK)
                continue;
            if (join->count + join->unmatched_count > rows)
                abort();
            for (size_t i = 0; i < join->count; i++)
                if (join->entries[i].results_row >= rows || join->entries[i].bench_row >= rows)
                    abort();
            cascade_join_free(join);
        }
    }
    cascade_table_free(t);
    return 0;
}
