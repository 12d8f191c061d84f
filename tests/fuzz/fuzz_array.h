/* Shared by the array harnesses: after a parse succeeds, read every element
 * and run the two consumers of arrays (per-model records and labels) over
 * it, so that the sanitizers see any read past the data the parser vouched
 * for. */
#ifndef CASCADE_FUZZ_ARRAY_H
#define CASCADE_FUZZ_ARRAY_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cascade/array.h"
#include "cascade/records.h"
#include "records/labels_internal.h"
#include "records/records_file_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Never fails; returns a value so the reads cannot be optimised away. */
static inline double fuzz_exercise_array(const char *path, const cascade_array *array)
{
    double sum = 0.0;
    /* rows * cols <= the data bytes, which the parser checked against the
     * input size, so this loop is bounded by the input. */
    size_t count = array->rows * array->cols;
    for (size_t i = 0; i < count; i++)
        sum += cascade_array_get(array, i / array->cols, i % array->cols);
    cascade_error error;
    cascade_labels labels;
    if (cascade_labels_from_array(path, array, &labels, &error) == CASCADE_OK) {
        for (size_t i = 0; i < labels.count; i++)
            if (labels.label[i] < 0 || labels.label[i] > labels.max_label)
                abort(); /* the contract of cascade_labels */
        cascade_labels_free(&labels);
    }
    cascade_records records;
    /* As a records cache file ([samples][3]: prediction, confidence, correct). */
    if (cascade_records_from_array(path, array, 10, "fuzz", NULL, &records, &error) ==
        CASCADE_OK) {
        for (size_t i = 0; i < records.samples; i++)
            if (records.prediction[i] < 0 || records.prediction[i] >= 10 ||
                records.correct[i] > 1 || !isfinite(records.confidence[i]))
                abort();
        cascade_records_free(&records);
    }
    for (int kind = CASCADE_SCORES_LOGITS; kind <= CASCADE_SCORES_PROBS; kind++) {
        if (cascade_records_compute(array, (cascade_score_kind)kind, NULL, "fuzz", path,
                                    &records, &error) != CASCADE_OK)
            continue;
        for (size_t i = 0; i < records.samples; i++) {
            double c = records.confidence[i];
            /* Confidence is a max softmax: in (0, 1] for any accepted row. */
            if (!(c > 0.0 && c <= 1.0) ||
                records.prediction[i] < 0 || (size_t)records.prediction[i] >= records.classes)
                abort();
            sum += c;
        }
        cascade_records_free(&records);
    }
    return sum;
}

#endif
