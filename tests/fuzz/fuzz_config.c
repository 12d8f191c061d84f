/* libFuzzer target: a cascade config (the JSON that pick writes and apply
 * reads). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/config_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cascade_config config;
    cascade_error error;
    if (cascade_config_parse((const char *)data, size, "fuzz.json", &config, &error) !=
        CASCADE_OK) {
        if (config.stages != 0 || config.model[0] || strchr(error.message, '\n'))
            abort(); /* a failed parse leaves a zeroed config and one line */
        return 0;
    }
    if (config.stages < 1 || config.stages > CASCADE_MAX_STAGES || !config.metric)
        abort();
    size_t total = strlen(config.metric);
    for (unsigned s = 0; s < config.stages; s++)
        total += strlen(config.model[s]);
    for (unsigned s = 0; s + 1 < config.stages; s++)
        if (!isfinite(config.threshold[s]))
            abort();
    volatile size_t sink = total;
    (void)sink;
    cascade_config_free(&config);
    return 0;
}
