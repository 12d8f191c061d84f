/* libFuzzer target: a prediction table (id, predicted class, confidence)
 * -> its rows and id index, then its join to the samples of its own ids,
 * which must hand every row back in place. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/keyed_table.h"
#include "records/sample_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cascade_prediction_table t;
    cascade_error error;
    if (cascade_prediction_table_parse((const char *)data, size, "fuzz.csv", NULL, "fuzz", &t,
                                       &error) != CASCADE_OK) {
        if (t.keyed.table || t.prediction || strchr(error.message, '\n'))
            abort(); /* nothing handed back on failure; a message is one line */
        return 0;
    }
    size_t rows = t.keyed.rows;
    if (rows == 0 || rows != cascade_table_rows(t.keyed.table))
        abort();
    for (size_t r = 0; r < rows; r++) {
        /* Ids are unique and non-empty, so each finds its own row. */
        if (!t.keyed.id[r][0] || cascade_id_index_find(t.keyed.index, t.keyed.id[r]) != r)
            abort();
        if (t.prediction[r] < 0 || t.prediction[r] > t.max_prediction ||
            !isfinite(t.confidence[r]))
            abort();
    }
    cascade_sample_keys keys;
    memset(&keys, 0, sizeof keys);
    keys.count = rows;
    keys.id = t.keyed.id;
    keys.index = t.keyed.index;
    keys.source = t.keyed.table;
    cascade_records records;
    if (cascade_records_from_predictions(&t, &keys, NULL, "fuzz", "fuzz.csv", &records,
                                         &error) != CASCADE_OK)
        abort();
    for (size_t r = 0; r < rows; r++)
        if (records.prediction[r] != t.prediction[r] || records.confidence[r] != t.confidence[r] ||
            records.correct[r])
            abort();
    cascade_records_free(&records);
    cascade_prediction_table_free(&t);
    return 0;
}
