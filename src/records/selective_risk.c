/* AURC and E-AURC of one model's records (cascade/selective_risk.h). */
#include "cascade/selective_risk.h"

#include <math.h>
#include <stdlib.h>

static int by_confidence_descending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

cascade_status cascade_selective_risk_compute(const cascade_records *records,
                                              cascade_selective_risk *out,
                                              cascade_error *error)
{
    size_t k = records->samples;
    out->aurc = out->e_aurc = NAN;
    if (k == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "AURC needs at least one sample");
    /* [k][2]: confidence, then 1 for an error; sorted by the confidence. */
    double *sorted = malloc(2 * k * sizeof *sorted);
    if (!sorted)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    for (size_t i = 0; i < k; i++) {
        sorted[2 * i] = records->confidence[i];
        sorted[2 * i + 1] = records->correct[i] ? 0.0 : 1.0;
    }
    qsort(sorted, k, 2 * sizeof *sorted, by_confidence_descending);
    double area = 0;
    size_t errors = 0, start = 0;
    for (size_t i = 0; i < k; i++) {
        errors += sorted[2 * i + 1] != 0;
        if (i + 1 < k && sorted[2 * (i + 1)] == sorted[2 * i])
            continue;
        size_t covered = i + 1;
        area += (double)errors / (double)covered * (double)(covered - start);
        start = covered;
    }
    free(sorted);
    size_t correct = k - errors;
    double optimal = 0;
    for (size_t i = correct + 1; i <= k; i++)
        optimal += (double)(i - correct) / (double)i;
    out->aurc = area / (double)k;
    out->e_aurc = out->aurc - optimal / (double)k;
    return CASCADE_OK;
}

int cascade_model_selective_risk(const cascade_dataset *dataset, const cascade_model *model,
                                 cascade_selective_risk *out)
{
    cascade_error ignored;
    return dataset->has_labels && !model->table_only && model->records.samples > 0 &&
           cascade_selective_risk_compute(&model->records, out, &ignored) == CASCADE_OK;
}
