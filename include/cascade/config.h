/* cascade/config.h: a chosen cascade as JSON, the hand-over from `cascade
 * pick` to `cascade apply`:
 *
 *   {"models": ["lenet5", "vgg16"], "thresholds": [0.857508999],
 *    "metric": "margin+temperature+ensemble", "accuracy": 0.93, "cost": 0.1,
 *    "answered": [0.7, 0.3], "temperatures": [1.396778987169297, 1.686309009780255]}
 *
 * What decides: models, thresholds, metric and temperatures. The metric is
 * the front's metric column: max_softmax, margin or entropy
 * (cascade/metrics.h), then "+temperature" when each stage's confidence is
 * taken from z / T with T from "temperatures" (one per stage, in stage
 * order, as the sweep fitted them: applying never refits, so unlabelled
 * data works), then "+ensemble" when stage i answers from the mean of the
 * probabilities of stages 1..i (cascade/ensemble.h). "temperatures" must be
 * present exactly when the metric says +temperature. "given" (every stage's
 * confidence comes from a prediction table) and "max_softmax+given" (some
 * do) are applied with the default metric. The other members record what
 * the front promised; the score member is named after the front's score
 * column ("accuracy", or "mcc", "f1", "macro_f1"), and apply reports that
 * score. Numbers are written as the shortest
 * decimal that reads back as the same double, so a threshold or a
 * temperature survives the trip exactly.
 *
 * A guaranteed pick (`cascade pick --risk`, cascade/guarantee.h) adds
 *   "guarantee": {"method": "ltt", "n": 5000, "eps": 0.02, "delta": 0.1,
 *                 "chains": 1, "fit_drop": 0.011, "eval_drop": 0.013}
 * (delta null for crc and for empirical, a pick without a guarantee;
 * eval_drop null when nothing was held out). It records
 * what was promised; applying the config ignores it.
 *
 * Ownership: cascade_config_load() fills a caller-owned cascade_config whose
 * strings the library allocates; cascade_config_free() releases them (a
 * zeroed or NULL config is fine). cascade_config_json() returns text the
 * caller releases with free().
 */
#ifndef CASCADE_CONFIG_H
#define CASCADE_CONFIG_H

/* The one place where files/ (this reader) includes later stages: a config
 * is a front row written out by pick (cascade/front_csv.h), carries a pick's
 * guarantee (cascade/guarantee.h), and is resolved against a loaded dataset
 * before apply; it is read at the start of the flow and written at its
 * end, so its declarations need both. */
#include "cascade/dataset.h"
#include "cascade/front_csv.h"
#include "cascade/guarantee.h"
#include "cascade/points.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_config {
    unsigned stages;                           /* 1..CASCADE_MAX_STAGES */
    char *model[CASCADE_MAX_STAGES];           /* [stages] model names */
    double threshold[CASCADE_MAX_STAGES - 1];  /* [stages - 1] */
    char *metric;                              /* as written; "max_softmax" when absent */
    cascade_metric confidence;                 /* METRIC's base metric */
    int calibrated;                            /* METRIC has +temperature */
    int ensemble;                              /* METRIC ends in +ensemble */
    double temperature[CASCADE_MAX_STAGES];    /* [stages] when calibrated */
    cascade_score score;                       /* the score the front promised: the one whose
                                                  member ("mcc", "f1", "macro_f1") is present;
                                                  accuracy otherwise */
    int has_guarantee;                         /* the config has a "guarantee" */
    cascade_guarantee guarantee;               /* when has_guarantee */
} cascade_config;

/* Reads a config: a JSON object with "models" (1 to CASCADE_MAX_STAGES
 * names), "thresholds" (one number per stage but the last), an optional
 * "metric" (see above), and "temperatures" (one finite T > 0 per stage)
 * when the metric has +temperature, and an optional "guarantee" (above:
 * method ltt, crc or empirical, n >= 1 a whole number, eps in (0, 1), delta in (0, 1)
 * for ltt and null otherwise, chains >= 1 when given, drops in [0, 1] or
 * null). Anything else is refused with a one-line message naming the member
 * and what was expected. */
cascade_status cascade_config_load(const char *path, cascade_config *out,
                                   cascade_error *error);

void cascade_config_free(cascade_config *config);

/* Sets OPTIONS' metric, score, calibration and given temperatures (by model name)
 * so that a dataset loaded with them holds the confidences CONFIG's stages
 * use; the other options are left alone. OPTIONS borrows CONFIG's names and
 * temperatures: keep CONFIG until the load is done. */
void cascade_config_dataset_options(const cascade_config *config,
                                    cascade_dataset_options *options);

/* The dataset index of each stage's model, into MODELS[stages]. A name the
 * dataset lacks is CASCADE_ERR_NOT_FOUND, naming it and the models that
 * exist; PATH names the config in the message. */
cascade_status cascade_config_resolve(const cascade_config *config,
                                      const cascade_dataset *dataset,
                                      const char *path, unsigned *models,
                                      cascade_error *error);

/* Row INDEX of TABLE as a config (pretty-printed JSON, ending in a newline):
 * models, thresholds, metric, accuracy, cost, answered, then every extra
 * column (eval_accuracy, ..., temperatures) but on_front: a number as a
 * number, a list joined by ';' as an array (temperatures always as an
 * array, even for one stage), an empty cell as null, other text as a
 * string. NULL when out of memory. */
char *cascade_config_json(const cascade_front_table *table, size_t index);

/* The same with a "guarantee" object after the other members. */
char *cascade_config_json_guaranteed(const cascade_front_table *table, size_t index,
                                     const cascade_guarantee *guarantee);

#ifdef __cplusplus
}
#endif

#endif
