/* Points chosen on one part of the samples, measured on another. */
#include "cascade/split.h"

cascade_status cascade_evaluate_points(const cascade_dataset *dataset,
                                       const cascade_point *points, size_t count,
                                       cascade_point *out, cascade_error *error)
{
    for (size_t i = 0; i < count; i++) {
        cascade_status status = cascade_evaluate(dataset, points[i].stages, points[i].model,
                                                 points[i].threshold, &out[i], error);
        if (status != CASCADE_OK)
            return status;
    }
    return CASCADE_OK;
}
