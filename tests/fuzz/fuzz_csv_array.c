/* libFuzzer target: CSV text -> logits/labels array, records, labels. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/array_internal.h"
#include "fuzz_array.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cascade_array array;
    cascade_error error;
    if (cascade_csv_array_parse("fuzz.csv", data, size, &array, &error) == CASCADE_OK) {
        if (!array.from_text || array.rows == 0 || array.cols == 0)
            abort(); /* the parser promises at least one row of numbers */
        volatile double sink = fuzz_exercise_array("fuzz.csv", &array);
        (void)sink;
        cascade_array_free(&array);
    }
    return 0;
}
