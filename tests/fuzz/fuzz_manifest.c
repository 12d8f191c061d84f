/* libFuzzer target: JSON manifest text -> validated model list. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "files/manifest_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cascade_manifest *manifest = NULL;
    cascade_error error;
    if (cascade_manifest_parse((const char *)data, size, "dir/manifest.json", &manifest,
                               &error) != CASCADE_OK) {
        if (manifest || strchr(error.message, '\n'))
            abort(); /* no manifest on failure; a message is one line */
        return 0;
    }
    if (manifest->model_count == 0)
        abort();
    size_t total = 0;
    for (size_t m = 0; m < manifest->model_count; m++) {
        const cascade_model_spec *spec = &manifest->models[m];
        /* A table-only model (known by its accuracy alone) has no score file. */
        if (!spec->name[0] || (spec->path && !spec->path[0]))
            abort();
        for (size_t j = 0; j < m; j++)
            if (strcmp(manifest->models[j].name, spec->name) == 0)
                abort(); /* names are unique */
        if (spec->path)
            total += strlen(spec->path);
        /* Column names and published keys, when given, are non-empty. */
        const char *named[] = {spec->id_column, spec->prediction_column,
                               spec->confidence_column, spec->published};
        for (size_t k = 0; k < sizeof named / sizeof named[0]; k++)
            if (named[k] && !named[k][0])
                abort();
        double cost;
        if (cascade_manifest_number(manifest, m, "gmacs", &cost, &error) == CASCADE_OK &&
            !isfinite(cost))
            abort(); /* a number it hands back is finite */
    }
    if (manifest->labels_path)
        total += strlen(manifest->labels_path);
    /* Keyed labels and sorted ids describe a labels file, and exclude each other. */
    if ((manifest->labels_keyed || manifest->labels_follow_sorted_ids) &&
        (!manifest->labels_path || (manifest->labels_keyed && manifest->labels_follow_sorted_ids)))
        abort();
    volatile size_t sink = total;
    (void)sink;
    cascade_manifest_free(manifest);
    return 0;
}
