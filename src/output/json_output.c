/* JSON tables (cJSON), for scripts that would rather not parse CSV. */
#include "cascade/output.h"
#include "cascade/selective_risk.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_text.h"

cascade_status cascade_write_models_json(FILE *file, const cascade_dataset *dataset)
{
    cJSON *array = cJSON_CreateArray();
    int ok = array != NULL;
    for (size_t m = 0; ok && m < dataset->model_count; m++) {
        const cascade_model *model = &dataset->models[m];
        const cascade_records *r = &model->records;
        /* Summed in sample order, as the CSV writer does, so both agree. */
        double confidence_sum = 0.0;
        for (size_t i = 0; i < r->samples; i++)
            confidence_sum += r->confidence[i];
        cJSON *object = cJSON_CreateObject();
        ok = object && cJSON_AddItemToArray(array, object);
        if (!ok) {
            cJSON_Delete(object);
            break;
        }
        ok = cJSON_AddStringToObject(object, "name", model->name) &&
             cJSON_AddNumberToObject(object, "samples", (double)r->samples) &&
             cJSON_AddNumberToObject(object, "classes", (double)r->classes) &&
             (model->table_only
                  ? cJSON_AddItemToObject(object, "accuracy",
                                          cascade_json_exact_number(model->accuracy))
                  : dataset->has_labels
                  ? cJSON_AddItemToObject(object, "accuracy",
                        cascade_json_exact_number((double)r->correct_count / (double)r->samples))
                  : cJSON_AddNullToObject(object, "accuracy") != NULL) &&
             (dataset->score == CASCADE_SCORE_ACCURACY ||
              (dataset->has_labels || r->quality /* a graded quality needs no labels */
                   ? cJSON_AddItemToObject(object, cascade_score_name(dataset->score),
                                           cascade_json_exact_number(cascade_model_score(dataset, m)))
                   : cJSON_AddNullToObject(object, cascade_score_name(dataset->score)) != NULL)) &&
             (model->table_only /* no samples: no confidence */
                  ? cJSON_AddNullToObject(object, "mean_confidence") != NULL
                  : cJSON_AddItemToObject(
                        object, "mean_confidence",
                        cascade_json_exact_number(confidence_sum / (double)r->samples))) &&
             cJSON_AddItemToObject(object, "cost", cascade_json_exact_number(model->cost));
        cascade_selective_risk risk;
        int has_risk = cascade_model_selective_risk(dataset, model, &risk);
        ok = ok && cJSON_AddItemToObject(object, "aurc", has_risk
                                             ? cascade_json_exact_number(risk.aurc)
                                             : cJSON_CreateNull());
        ok = ok && cJSON_AddItemToObject(object, "e_aurc", has_risk
                                             ? cascade_json_exact_number(risk.e_aurc)
                                             : cJSON_CreateNull());
    }
    return cascade_json_print(file, array, ok);
}
