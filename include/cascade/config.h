/* cascade/config.h: a chosen cascade as JSON, the hand-over from `cascade
 * pick` to `cascade apply`:
 *
 *   {"models": ["lenet5", "vgg16"], "thresholds": [0.857508999],
 *    "metric": "max_softmax", "accuracy": 0.93, "cost": 0.1, "answered": [0.7, 0.3]}
 *
 * Only models, thresholds and metric decide anything; the other members
 * record what the front promised. Numbers are written as the shortest
 * decimal that reads back as the same double, so a threshold survives the
 * trip exactly.
 *
 * Ownership: cascade_config_load() fills a caller-owned cascade_config whose
 * strings the library allocates; cascade_config_free() releases them (a
 * zeroed or NULL config is fine). cascade_config_json() returns text the
 * caller releases with free().
 */
#ifndef CASCADE_CONFIG_H
#define CASCADE_CONFIG_H

#include "cascade/dataset.h"
#include "cascade/front_csv.h"
#include "cascade/points.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_config {
    unsigned stages;                           /* 1..CASCADE_MAX_STAGES */
    char *model[CASCADE_MAX_STAGES];           /* [stages] model names */
    double threshold[CASCADE_MAX_STAGES - 1];  /* [stages - 1] */
    char *metric;                              /* "max_softmax" when absent */
} cascade_config;

/* Reads a config: a JSON object with "models" (1 to CASCADE_MAX_STAGES
 * names), "thresholds" (one number per stage but the last) and an optional
 * "metric" that must be one this version computes (only "max_softmax"). */
cascade_status cascade_config_load(const char *path, cascade_config *out,
                                   cascade_error *error);

void cascade_config_free(cascade_config *config);

/* The dataset index of each stage's model, into MODELS[stages]. A name the
 * dataset lacks is CASCADE_ERR_NOT_FOUND, naming it and the models that
 * exist; PATH names the config in the message. */
cascade_status cascade_config_resolve(const cascade_config *config,
                                      const cascade_dataset *dataset,
                                      const char *path, unsigned *models,
                                      cascade_error *error);

/* Row INDEX of TABLE as a config (pretty-printed JSON, ending in a newline):
 * models, thresholds, metric, accuracy, cost, answered, then every extra
 * column (eval_accuracy, ...) but on_front: a number as a number, a list
 * joined by ';' as an array, an empty cell as null, other text as a
 * string. NULL when out of memory. */
char *cascade_config_json(const cascade_front_table *table, size_t index);

#ifdef __cplusplus
}
#endif

#endif
