/* libFuzzer target: a keyed labels table (id, label) -> its rows, labels
 * and id index. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/keyed_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cascade_label_table t;
    cascade_error error;
    if (cascade_label_table_parse((const char *)data, size, "fuzz.csv", NULL, &t, &error) !=
        CASCADE_OK) {
        if (t.keyed.table || t.label || strchr(error.message, '\n'))
            abort(); /* nothing handed back on failure; a message is one line */
        return 0;
    }
    size_t rows = t.keyed.rows;
    if (rows == 0 || rows != cascade_table_rows(t.keyed.table))
        abort();
    int32_t max = -1;
    for (size_t r = 0; r < rows; r++) {
        if (!t.keyed.id[r][0] || cascade_id_index_find(t.keyed.index, t.keyed.id[r]) != r)
            abort();
        if (t.label[r] < 0)
            abort();
        if (t.label[r] > max)
            max = t.label[r];
    }
    if (max != t.max_label)
        abort();
    cascade_label_table_free(&t);
    return 0;
}
