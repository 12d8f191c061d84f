/* libFuzzer target: a shard's partial front (what sweep --shard writes, what
 * merge reads) -> a merge of it with itself and alone. The input is the
 * part without its end line: the harness appends one with the right count
 * of point lines and checksum, so that mutations reach the parser instead
 * of stopping at the checksum. The reader takes paths, so each input goes
 * through one scratch file on a tmpfs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cascade/partial_front.h"
#include "common/text_hash.h"
#include "fuzz_scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *scratch_path(void)
{
    return fuzz_scratch_path("partial", "part");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    size_t points = 0;
    for (size_t i = 0; i + 6 <= size; i++)
        if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, "point ", 6) == 0)
            points++;
    FILE *file = fopen(scratch_path(), "wb");
    if (!file)
        return 0;
    fwrite(data, 1, size, file);
    fprintf(file, "end %zu %016llx\n", points, (unsigned long long)cascade_text_hash(text, size));
    fclose(file);
    const char *paths[2] = {scratch_path(), scratch_path()};
    for (size_t count = 1; count <= 2; count++) {
        cascade_merged_front *merged = NULL;
        cascade_error error;
        if (cascade_partial_merge(paths, count, &merged, &error) == CASCADE_OK) {
            FILE *sink = fopen("/dev/null", "w");
            if (sink) {
                cascade_write_merged_front(sink, merged);
                fclose(sink);
            }
        }
        cascade_merged_front_free(merged);
    }
    return 0;
}
