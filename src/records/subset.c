/* Copies of chosen samples of records and labels: held-out views and
 * samples left out. Records are a few bytes per sample, so copying is cheap
 * and lets every consumer keep treating samples as 0..k-1. */
#include "cascade/records.h"

#include <stdlib.h>
#include <string.h>

cascade_status cascade_records_subset(const cascade_records *in, const size_t *index,
                                      size_t count, cascade_records *out)
{
    memset(out, 0, sizeof *out);
    size_t n = count ? count : 1;
    if (in->prediction) /* NULL when dropped at load (cascade/dataset.h) */
        out->prediction = malloc(n * sizeof *out->prediction);
    out->confidence = malloc(n * sizeof *out->confidence);
    out->correct = malloc(n * sizeof *out->correct);
    if (in->sample_cost)
        out->sample_cost = malloc(n * sizeof *out->sample_cost);
    if (in->quality)
        out->quality = malloc(n * sizeof *out->quality);
    if ((in->prediction && !out->prediction) || !out->confidence || !out->correct ||
        (in->sample_cost && !out->sample_cost) || (in->quality && !out->quality)) {
        cascade_records_free(out);
        return CASCADE_ERR_NOMEM;
    }
    out->samples = count;
    out->classes = in->classes;
    out->looks_like_probabilities = in->looks_like_probabilities;
    for (size_t j = 0; j < count; j++) {
        size_t i = index[j];
        if (in->prediction)
            out->prediction[j] = in->prediction[i];
        out->confidence[j] = in->confidence[i];
        out->correct[j] = in->correct[i];
        out->correct_count += in->correct[i];
        if (in->sample_cost)
            out->sample_cost[j] = in->sample_cost[i];
        if (in->quality)
            out->quality[j] = in->quality[i];
    }
    return CASCADE_OK;
}

cascade_status cascade_labels_subset(const cascade_labels *in, const size_t *index,
                                     size_t count, cascade_labels *out)
{
    memset(out, 0, sizeof *out);
    size_t n = count ? count : 1;
    out->label = malloc(n * sizeof *out->label);
    if (!out->label)
        return CASCADE_ERR_NOMEM;
    out->count = count;
    out->max_label = -1;
    size_t members = 0;
    if (in->offsets) {
        for (size_t j = 0; j < count; j++)
            members += in->offsets[index[j] + 1] - in->offsets[index[j]];
        out->offsets = malloc((count + 1) * sizeof *out->offsets);
        out->members = malloc((members ? members : 1) * sizeof *out->members);
        if (!out->offsets || !out->members) {
            cascade_labels_free(out);
            return CASCADE_ERR_NOMEM;
        }
    }
    size_t used = 0;
    for (size_t j = 0; j < count; j++) {
        size_t i = index[j];
        out->label[j] = in->label[i];
        if (!in->offsets) {
            if (out->label[j] > out->max_label)
                out->max_label = out->label[j];
            continue;
        }
        out->offsets[j] = used;
        for (size_t m = in->offsets[i]; m < in->offsets[i + 1]; m++) {
            out->members[used++] = in->members[m];
            if (in->members[m] > out->max_label)
                out->max_label = in->members[m];
        }
    }
    if (out->offsets)
        out->offsets[count] = used;
    return CASCADE_OK;
}
