/* libFuzzer target: a prediction table (id, predicted class, confidence,
 * and a per-sample cost and quality when its first line mentions them)
 * -> its rows and id index, then its join to the samples of its own ids,
 * which must hand every row back in place. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/keyed_table.h"
#include "records/sample_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether the first line of DATA contains WORD: such inputs name the
 * optional column, so that the corpus reaches its reader. */
static int header_mentions(const uint8_t *data, size_t size, const char *word)
{
    const uint8_t *end = memchr(data, '\n', size);
    size_t line = end ? (size_t)(end - data) : size, n = strlen(word);
    for (size_t i = 0; i + n <= line; i++)
        if (memcmp(data + i, word, n) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cascade_prediction_table t;
    cascade_error error;
    cascade_key_columns columns = {
        .cost = header_mentions(data, size, "cost") ? "cost" : NULL,
        .quality = header_mentions(data, size, "quality") ? "quality" : NULL};
    if (cascade_prediction_table_parse((const char *)data, size, "fuzz.csv", &columns, "fuzz", &t,
                                       &error) != CASCADE_OK) {
        if (t.keyed.table || t.prediction || t.cost || t.quality || strchr(error.message, '\n'))
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
        if ((t.cost && !(t.cost[r] >= 0 && isfinite(t.cost[r]))) ||
            (t.quality && !(t.quality[r] >= 0 && t.quality[r] <= 1)))
            abort();
    }
    if (!t.cost != !columns.cost || !t.quality != !columns.quality)
        abort();
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
            records.correct[r] || (t.cost && records.sample_cost[r] != t.cost[r]) ||
            (t.quality && records.quality[r] != t.quality[r]))
            abort();
    cascade_records_free(&records);
    cascade_prediction_table_free(&t);
    return 0;
}
