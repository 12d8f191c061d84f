/* libFuzzer target: multi-labels from JSON (ImageNet ReaL's real.json):
 * one list of class indices, or one index, per sample. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "records/labels_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cascade_labels labels;
    cascade_error error;
    if (cascade_labels_parse_json((const char *)data, size, "fuzz.json", &labels, &error) !=
        CASCADE_OK) {
        if (labels.label || labels.offsets || labels.members || strchr(error.message, '\n'))
            abort(); /* nothing handed back on failure; a message is one line */
        return 0;
    }
    if (!labels.offsets || labels.offsets[0] != 0)
        abort();
    size_t empty = 0;
    for (size_t i = 0; i < labels.count; i++) {
        size_t begin = labels.offsets[i], end = labels.offsets[i + 1];
        if (end < begin)
            abort();
        empty += begin == end;
        /* label[i] is the first member, 0 for an empty list, which nothing
         * matches (not even a prediction of 0). */
        if (begin == end ? labels.label[i] != 0 || cascade_labels_match(&labels, i, 0)
                         : labels.label[i] != labels.members[begin] ||
                               !cascade_labels_match(&labels, i, labels.label[i]))
            abort();
        for (size_t j = begin; j < end; j++)
            if (labels.members[j] < 0 || labels.members[j] > labels.max_label)
                abort();
    }
    if (cascade_labels_empty_count(&labels) != empty)
        abort();
    cascade_labels_free(&labels);
    return 0;
}
