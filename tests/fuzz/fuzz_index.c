/* libFuzzer target: fit/eval index files (--fit-index, --eval-index), one
 * sample index per line, against a dataset of 64 samples. The reader takes
 * paths, so each input goes through a scratch file on a tmpfs; it is read
 * as a fit file, as an eval file, and as both at once (all overlapping). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade/dataset.h"
#include "cascade/split.h"
#include "fuzz_scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { SAMPLES = 64 };

static const char *scratch_path(void)
{
    return fuzz_scratch_path("index", "txt");
}

static void check_split(const cascade_dataset *dataset, const char *fit, const char *eval)
{
    cascade_split split;
    cascade_error error;
    if (cascade_split_load(dataset, fit, eval, &split, &error) != CASCADE_OK) {
        if (split.fit || split.eval || strchr(error.message, '\n'))
            abort();
        return;
    }
    if (split.fit_count == 0 || split.eval_count == 0 ||
        split.fit_count + split.eval_count > SAMPLES)
        abort();
    /* Both parts ascending, in range, and disjoint. */
    size_t f = 0, e = 0;
    for (size_t i = 0; i < split.fit_count; i++)
        if (split.fit[i] >= SAMPLES || (i && split.fit[i] <= split.fit[i - 1]))
            abort();
    for (size_t i = 0; i < split.eval_count; i++)
        if (split.eval[i] >= SAMPLES || (i && split.eval[i] <= split.eval[i - 1]))
            abort();
    while (f < split.fit_count && e < split.eval_count) {
        if (split.fit[f] == split.eval[e])
            abort();
        if (split.fit[f] < split.eval[e])
            f++;
        else
            e++;
    }
    cascade_split_free(&split);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = scratch_path();
    FILE *file = fopen(path, "wb");
    if (!file || fwrite(data, 1, size, file) != size || fclose(file) != 0)
        abort(); /* the harness itself failed */
    cascade_dataset dataset;
    memset(&dataset, 0, sizeof dataset);
    dataset.samples = SAMPLES;
    check_split(&dataset, path, NULL);
    check_split(&dataset, NULL, path);
    check_split(&dataset, path, path);
    return 0;
}
