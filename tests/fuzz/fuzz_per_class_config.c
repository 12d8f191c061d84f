/* libFuzzer target: a per-class config (the JSON that pick writes for a row
 * of a per-class front and apply reads). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/per_class.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cascade_per_class_config config;
    cascade_error error;
    if (cascade_per_class_config_parse((const char *)data, size, "fuzz.json", &config, &error) !=
        CASCADE_OK) {
        if (config.classes != 0 || config.first || strchr(error.message, '\n'))
            abort(); /* a failed parse leaves a zeroed config and one line */
        return 0;
    }
    if (config.classes < 2 || !config.first || !config.metric)
        abort();
    size_t total = strlen(config.first);
    for (size_t c = 0; c < config.classes; c++) {
        if (config.second[c] && !isfinite(config.threshold[c]))
            abort(); /* an escalating class has a finite threshold */
        if (!config.second[c] && !isnan(config.threshold[c]))
            abort(); /* and one that never escalates none */
        total += config.second[c] ? strlen(config.second[c]) : 0;
    }
    volatile size_t sink = total;
    (void)sink;
    cascade_per_class_config_free(&config);
    return 0;
}
