/* AURC and E-AURC of one model's records (cascade/selective_risk.h). */
#include "cascade/selective_risk.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/sort_keys.h"

cascade_status cascade_selective_risk_compute(const cascade_records *records,
                                              cascade_selective_risk *out,
                                              cascade_error *error)
{
    size_t k = records->samples;
    out->aurc = out->e_aurc = NAN;
    if (k == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "AURC needs at least one sample");
    uint32_t *order = malloc(k * sizeof *order);
    if (!order || !cascade_order_descending(records->confidence, k, order)) {
        free(order);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    }
    const double *c = records->confidence;
    double area = 0;
    size_t errors = 0, start = 0;
    for (size_t i = 0; i < k; i++) {
        errors += !records->correct[order[i]];
        /* a group of equal confidence ends here (-0 and +0 are equal) */
        if (i + 1 < k && c[order[i + 1]] == c[order[i]])
            continue;
        size_t covered = i + 1;
        area += (double)errors / (double)covered * (double)(covered - start);
        start = covered;
    }
    free(order);
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
