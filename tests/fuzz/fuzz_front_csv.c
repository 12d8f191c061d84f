/* libFuzzer target: a front CSV (what sweep writes, what pick reads) ->
 * rows, a pick, and each row's config JSON read back by the config parser.
 * The front reader takes only a path (src/front is not ours to change), so
 * each input goes through one scratch file on a tmpfs. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade/config.h"
#include "cascade/front_csv.h"
#include "files/config_internal.h"
#include "fuzz_scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *scratch_path(void)
{
    return fuzz_scratch_path("front", "csv");
}

/* Whether the front has a "temperatures" column. */
static int has_temperatures(const cascade_front_table *table)
{
    for (size_t e = 0; e < table->extra_count; e++)
        if (strcmp(table->extra_name[e], "temperatures") == 0)
            return 1;
    return 0;
}

/* A row that says max_softmax must survive row -> config JSON -> config.
 * Known exception, found by this target (corpus/front_csv/crash-2ed769b5...):
 * the front reader does not check the temperatures column against the metric,
 * so pick prints a config that apply refuses ('"temperatures" is given but
 * the metric "max_softmax" has no +temperature'). Until the reader refuses
 * such a row, that refusal, and only it, is let through here. */
static void check_config_round_trip(const cascade_front_table *table, size_t i)
{
    const cascade_front_row *row = &table->rows[i];
    char *json = cascade_config_json(table, i);
    if (!json)
        abort();
    cascade_config config;
    cascade_error error;
    cascade_status status = cascade_config_parse(json, strlen(json), "row.json", &config, &error);
    if (status != CASCADE_OK && has_temperatures(table) && strstr(error.message, "temperatures")) {
        free(json);
        return;
    }
    if (strcmp(row->metric, "max_softmax") == 0) {
        if (status != CASCADE_OK || config.stages != row->stages)
            abort();
        for (unsigned s = 0; s < row->stages; s++)
            if (strcmp(config.model[s], row->model[s]) != 0)
                abort();
        for (unsigned s = 0; s + 1 < row->stages; s++)
            if (config.threshold[s] != row->threshold[s])
                abort(); /* thresholds travel exactly */
    }
    if (status == CASCADE_OK)
        cascade_config_free(&config);
    free(json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = scratch_path();
    FILE *file = fopen(path, "wb");
    if (!file || fwrite(data, 1, size, file) != size || fclose(file) != 0)
        abort(); /* the harness itself failed */
    cascade_front_table *table = NULL;
    cascade_error error;
    if (cascade_front_table_load(path, &table, &error) != CASCADE_OK) {
        if (table || strchr(error.message, '\n'))
            abort();
        return 0;
    }
    for (size_t i = 0; i < table->count; i++) {
        const cascade_front_row *row = &table->rows[i];
        if (row->stages < 1 || row->stages > CASCADE_MAX_STAGES || !row->metric ||
            !isfinite(row->accuracy) || !isfinite(row->cost))
            abort();
        for (unsigned s = 0; s < row->stages; s++)
            if (!row->model[s])
                abort();
        for (size_t e = 0; e < table->extra_count; e++)
            if (!row->extra[e] || !table->extra_name[e])
                abort();
        check_config_round_trip(table, i);
    }
    size_t index;
    if (cascade_front_table_pick(table, CASCADE_PICK_MIN_ACCURACY, 0.5, path, &index,
                                 &error) == CASCADE_OK && index >= table->count)
        abort();
    if (cascade_front_table_pick(table, CASCADE_PICK_MAX_COST, 1.0, path, &index,
                                 &error) == CASCADE_OK && index >= table->count)
        abort();
    cascade_front_table_free(table);
    return 0;
}
