/* cascade/per_class.h: two-stage cascades whose threshold, and optionally
 * whose second model, depend on the class the first model predicts
 * (FrugalML's label-conditioned policy, Chen, Zaharia and Zou 2020).
 *
 * A policy has a first model a and, for every class c, a rule: a sample
 * that a predicts as c answers at a when its confidence is >= threshold[c],
 * and otherwise goes to second[c] (a model costlier than a); second[c] < 0
 * means class c never escalates. Classes with fewer than min_class_samples
 * samples that a predicts as them (on the data swept) share one pooled rule.
 * Only records are used (prediction, confidence, correct), never scores.
 *
 * The samples a predicts as one class (or the pooled classes) form a group;
 * every option of a group (a second model and how many of its least
 * confident samples escalate, at distinct confidences only) adds a cost and
 * a number of correct answers, and a policy's figures are sums over the
 * groups: a multiple-choice knapsack. Two methods find its front:
 *  - Dynamic programming over the total number of escalations, exact, used
 *    for a pair (a, b) (mode THRESHOLDS) while its table stays under
 *    dp_cells cells: the extra cost of escalating n samples to b is
 *    n cost_b / k, so the best accuracy for each total is the whole front.
 *  - Otherwise (mode ROUTE, several second models; or a table too large) the
 *    groups' upper concave hulls merged by slope: every step is a real
 *    policy and every vertex of the merged hull is exactly on the front of
 *    that first model's policies. Between vertices, the options of the group
 *    a step changes are tried too, and each row reports max_gap: how far the
 *    exact front could lie above it before the next row's cost (from the
 *    concave hulls, an upper bound of every policy's accuracy).
 * In mode ROUTE the exact fronts of the pairs (by dynamic programming when
 * affordable) are candidates too, so routing never does worse than per-class
 * thresholds alone. A pair too large for dynamic programming adds its exact
 * single-threshold points, written as ordinary rows (a single threshold is a
 * policy with the same rule everywhere). The front also holds the single
 * models.
 *
 * Ownership: cascade_per_class_sweep() fills a caller-owned
 * cascade_per_class_front that cascade_per_class_front_free() releases; the
 * policy set inside it borrows the dataset's model names, so free the front
 * before the dataset. A policy set read from a file (cascade_policy_set_load)
 * owns its names and is released with cascade_policy_set_free(). NULL and
 * zeroed structs are fine for both frees.
 */
#ifndef CASCADE_PER_CLASS_H
#define CASCADE_PER_CLASS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cascade/dataset.h"
#include "cascade/front.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cascade_per_class_mode {
    CASCADE_PER_CLASS_THRESHOLDS = 1, /* per-class thresholds, one second model per policy */
    CASCADE_PER_CLASS_ROUTE = 2       /* per-class thresholds and second models */
} cascade_per_class_mode;

/* Why 50: a class's own rule is fitted to the samples the first model
 * predicts as it, and with fewer it follows noise (one sample moves the
 * class's accuracy by 2 points at 50). Measured on a synthetic 1,000-class
 * set without class structure, 5 to 15 lost 1.6 points of held-out
 * accuracy, 30 lost 0.2 and 50 nothing (docs/per-class.md). */
#define CASCADE_DEFAULT_MIN_CLASS_SAMPLES 50
#define CASCADE_POOLED_GROUP UINT32_MAX

typedef struct cascade_per_class_options {
    cascade_per_class_mode mode;
    size_t min_class_samples;  /* 0 means CASCADE_DEFAULT_MIN_CLASS_SAMPLES */
    const unsigned char *candidates; /* [model_count]: nonzero = may take part; NULL = all */
    double dp_cells;           /* largest dynamic-programming table per pair, in
                                  (totals x options) cells; 0 means 2^31, < 0 never */
    unsigned threads;          /* for the single-threshold sweep inside; 0: one per CPU */
} cascade_per_class_options;

/* One class's rule. second < 0: the class always answers at the first
 * model, and threshold is unused (NaN). */
typedef struct cascade_class_rule {
    double threshold;
    int32_t second;            /* index into the set's model names */
} cascade_class_rule;

/* A rule change: GROUP is a class, or CASCADE_POOLED_GROUP for the pooled rule. */
typedef struct cascade_policy_change {
    uint32_t group;
    cascade_class_rule rule;
} cascade_policy_change;

/* A policy is the policy BASE (an earlier one with the same first model),
 * or "no class escalates" when BASE is SIZE_MAX, with CHANGES applied. */
typedef struct cascade_class_policy {
    unsigned first;            /* index into the set's model names */
    size_t base;
    size_t change_begin, change_count; /* into the set's changes */
    double accuracy, cost;     /* on the data it was chosen on */
} cascade_class_policy;

typedef struct cascade_policy_set {
    size_t classes;
    size_t model_count;
    const char *const *model_name;   /* [model_count] */
    unsigned char *pooled;     /* [model_count][classes]: 1 when class c of first
                                  model m follows the pooled rule */
    size_t count;
    cascade_class_policy *policies;  /* [count] */
    size_t change_count;
    cascade_policy_change *changes;  /* [change_count] */
    size_t capacity, change_capacity;
    void *owned;               /* names read from a file */
} cascade_policy_set;

typedef struct cascade_per_class_front {
    cascade_front front;       /* reduced, cost ascending */
    size_t *policy;            /* [front.count]: index into policies, SIZE_MAX for
                                  an ordinary point (single model or single threshold) */
    double *max_gap;           /* [front.count]: see above; 0 where exact */
    cascade_policy_set policies; /* only the policies of front rows, in row order */
    int exact;                 /* every part was solved exactly: every max_gap is 0 */
    size_t dp_pairs, hull_parts; /* parts solved each way */
} cascade_per_class_front;

/* Sweeps DATASET (labels needed) as described above. */
cascade_status cascade_per_class_sweep(const cascade_dataset *dataset,
                                       const cascade_per_class_options *options,
                                       cascade_per_class_front *out, cascade_error *error);

void cascade_per_class_front_free(cascade_per_class_front *front);

/* Policy INDEX of SET in full: RULES[classes] gets every class's rule, the
 * pooled classes' from the pooled rule; *POOLED (may be NULL) gets the
 * pooled rule itself. */
void cascade_policy_set_expand(const cascade_policy_set *set, size_t index,
                               cascade_class_rule *rules, cascade_class_rule *pooled);

/* Policies in index order, each in full, without expanding each from its
 * chain's start: one state per chain (a first policy and those built on
 * it). Free with cascade_policy_walk_free(). */
typedef struct cascade_policy_walk {
    const cascade_policy_set *set;
    size_t *chain_of;          /* [set count] */
    cascade_class_rule *rules; /* [chains][classes + 1]: every class, then the pooled rule */
    size_t *last;              /* [chains] the policy each chain is at */
    size_t chains;
} cascade_policy_walk;

cascade_status cascade_policy_walk_init(cascade_policy_walk *walk, const cascade_policy_set *set);
/* Policy INDEX in full ([classes] rules, then the pooled rule), valid until
 * the chain steps again. Cheap when INDEX's base is the last step of its
 * chain (as in the sets the sweep writes); otherwise it starts from the base. */
const cascade_class_rule *cascade_policy_walk_step(cascade_policy_walk *walk, size_t index);
void cascade_policy_walk_free(cascade_policy_walk *walk);

/* Runs a policy over DATASET: FIRST and SECOND are dataset model indices
 * here (rules[c].second < 0: never escalates). OUT gets the accuracy, the
 * cost (the first model's for every sample, plus each second model's for
 * the samples it reached, summed over models in index order) and answered
 * (first model; second models together); OUT->model[1] is the second model
 * that answered most. STAGE (may be NULL) gets [samples] 0 or 1, and
 * ANSWERED_BY [samples] the answering model's index. The sweep computes its
 * rows with the same sums, so a row re-applied matches bit for bit. */
cascade_status cascade_per_class_apply(const cascade_dataset *dataset, unsigned first,
                                       const cascade_class_rule *rules, size_t classes,
                                       cascade_point *out, uint8_t *stage,
                                       uint32_t *answered_by, cascade_error *error);

/* Every row of FRONT (swept on another view of the same samples' dataset)
 * measured again on DATASET: OUT[i] for front row i. Ordinary rows go
 * through cascade_evaluate(). */
cascade_status cascade_per_class_evaluate_front(const cascade_per_class_front *front,
                                                const cascade_dataset *dataset,
                                                cascade_point *out, cascade_error *error);

/* The policies as JSON (format "cascade-per-class-policies", version 1):
 * {"format", "version", "classes", "models": [names], "pooled": {first
 * model: [classes]}, "policies": [{"id", "first", "base", "accuracy",
 * "cost", "set": [[class or "pooled", threshold or null, second or null],
 * ...]}, ...]}, one policy per line, numbers exact. */
cascade_status cascade_write_policies_json(FILE *file, const cascade_policy_set *set);

/* Reads what cascade_write_policies_json() wrote; errors name PATH and the
 * policy. */
cascade_status cascade_policy_set_load(const char *path, cascade_policy_set *out,
                                       cascade_error *error);
cascade_status cascade_policy_set_parse(const char *text, size_t len, const char *path,
                                        cascade_policy_set *out, cascade_error *error);
void cascade_policy_set_free(cascade_policy_set *set);

/* ---- a chosen per-class policy as a config: pick writes it, apply reads it ----
 *
 *   {"kind": "per-class", "first": "lenet5",
 *    "class_thresholds": [0.93, null, ...], "class_models": ["vgg16", null, ...],
 *    "pooled_classes": [7], "metric": "max_softmax", "accuracy": ..., "cost": ...,
 *    "answered": [...], "policy": 12, "max_gap": 0, "eval_accuracy": ..., ...}
 *
 * One threshold and one second model per class (null and null: the class
 * never escalates); pooled classes carry the pooled rule. What decides:
 * first, class_thresholds, class_models and metric (a base metric only:
 * per-class sweeps take no calibration or ensembling). The rest records
 * what the front promised. The config's strings and arrays belong to it
 * until cascade_per_class_config_free(). */
typedef struct cascade_per_class_config {
    char *first;
    size_t classes;
    double *threshold;         /* [classes], NaN when the class never escalates */
    char **second;             /* [classes], NULL when the class never escalates */
    char *metric;
    cascade_metric confidence;
} cascade_per_class_config;

struct cascade_front_table;

/* Row INDEX of TABLE, whose policy is POLICY of SET, as the config above
 * (pretty-printed JSON ending in a newline); NULL when out of memory. */
char *cascade_per_class_config_json(const struct cascade_front_table *table, size_t index,
                                    const cascade_policy_set *set, size_t policy);

/* Whether the JSON config at PATH is a per-class one ("kind": "per-class"). */
cascade_status cascade_config_is_per_class(const char *path, int *per_class,
                                           cascade_error *error);

cascade_status cascade_per_class_config_load(const char *path, cascade_per_class_config *out,
                                             cascade_error *error);
/* The same from TEXT[LEN]; PATH only names it in messages. */
cascade_status cascade_per_class_config_parse(const char *text, size_t len, const char *path,
                                              cascade_per_class_config *out,
                                              cascade_error *error);
void cascade_per_class_config_free(cascade_per_class_config *config);

/* The dataset index of the first model into *FIRST and every class's rule
 * into RULES[config->classes] (second models as dataset indices). A model
 * the dataset lacks is CASCADE_ERR_NOT_FOUND naming it; PATH names the config. */
cascade_status cascade_per_class_config_resolve(const cascade_per_class_config *config,
                                                const cascade_dataset *dataset, const char *path,
                                                unsigned *first, cascade_class_rule *rules,
                                                cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
