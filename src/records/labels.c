/* Labels: a 1-D array of class indices. */
#include "records/labels_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

cascade_status cascade_labels_from_array(const char *path, const cascade_array *array,
                                         cascade_labels *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    if (array->ndim != 1 && array->cols != 1)
        return cascade_error_set(error, CASCADE_ERR_SHAPE, path, -1, -1,
            "labels have shape (%zu, %zu) (expected a 1-D array of class indices)",
            array->rows, array->cols);
    int is_float = array->dtype == CASCADE_DTYPE_F16 || array->dtype == CASCADE_DTYPE_F32 ||
                   array->dtype == CASCADE_DTYPE_F64;
    /* CSV arrays arrive as float64; .npy labels must be integers. */
    if (is_float && !array->from_text)
        return cascade_error_set(error, CASCADE_ERR_DTYPE, path, -1, -1,
            "labels are %s (expected an integer dtype such as int64)",
            cascade_dtype_name(array->dtype));
    out->label = malloc((array->rows ? array->rows : 1) * sizeof *out->label);
    if (!out->label)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    out->count = array->rows;
    out->max_label = -1;
    for (size_t i = 0; i < array->rows; i++) {
        double value = cascade_array_get(array, i, 0);
        if (!(value >= 0 && value <= INT32_MAX) || value != floor(value)) {
            cascade_labels_free(out);
            return cascade_error_set(error, CASCADE_ERR_VALUE, path, (long long)i, -1,
                "label %.17g at row %zu (expected a class index >= 0)", value, i);
        }
        out->label[i] = (int32_t)value;
        if (out->label[i] > out->max_label)
            out->max_label = out->label[i];
    }
    return CASCADE_OK;
}

cascade_status cascade_labels_load(const char *path, cascade_labels *out,
                                   cascade_error *error)
{
    memset(out, 0, sizeof *out);
    cascade_array array;
    cascade_status status = cascade_array_load(path, &array, error);
    if (status != CASCADE_OK)
        return status;
    status = cascade_labels_from_array(path, &array, out, error);
    cascade_array_free(&array);
    return status;
}

void cascade_labels_free(cascade_labels *labels)
{
    if (!labels)
        return;
    free(labels->label);
    free(labels->offsets);
    free(labels->members);
    memset(labels, 0, sizeof *labels);
}
