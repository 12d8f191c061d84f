/* libFuzzer target: .npy bytes -> header checks, conversion, records. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/array_internal.h"
#include "fuzz_array.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cascade_array array;
    memset(&array, 0, sizeof array);
    cascade_error error;
    if (cascade_npy_parse("fuzz.npy", data, size, &array, &error) == CASCADE_OK) {
        volatile double sink = fuzz_exercise_array("fuzz.npy", &array);
        (void)sink;
        free(array.owned);
    } else if (array.owned) {
        abort(); /* a failed parse must not hand back a buffer */
    }
    return 0;
}
