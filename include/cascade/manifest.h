/* cascade/manifest.h: the JSON manifest that lists a labelled set's models.
 *
 *   {"labels": "labels.npy",
 *    "models": [{"name": "lenet5", "probs": "lenet5.probs.npy", "gmacs": 0.00065},
 *               {"name": "vgg16", "logits": "vgg16.npy", "gmacs": 0.313}]}
 *
 * Paths resolve relative to the manifest's folder. Each model gives exactly
 * one of "logits", "probs", "predictions" (a CSV table of sample id,
 * predicted class and confidence, columns named by an optional "columns":
 * {"id": ..., "prediction": ..., "confidence": ...}, which may also name a
 * per-sample "cost" and a graded "quality"; see docs/inputs.md and
 * docs/llm-routing.md, also for "sample_costs" and "overhead"),
 * or "records" (a file written by cascade records,
 * whose manifest carries "format": "cascade-records", "version": 1 and the
 * "metric" of its confidences), or none of them and an "accuracy" (a
 * fraction): a table-only model, with path NULL. Every other member is
 * free-form, and numeric members (such as "gmacs") are read by name with
 * cascade_manifest_number().
 *
 * Ownership: cascade_manifest_load() returns a manifest the caller releases
 * with cascade_manifest_free() (NULL is fine). Every string inside it is
 * owned by the manifest and lives until that call.
 */
#ifndef CASCADE_MANIFEST_H
#define CASCADE_MANIFEST_H

#include <stddef.h>

#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cascade_score_kind {
    CASCADE_SCORES_LOGITS, /* raw logits z: confidence from softmax(z) */
    CASCADE_SCORES_PROBS,  /* probabilities p: used as logits log p */
    CASCADE_SCORES_RECORDS, /* saved records (cascade records): prediction,
                              confidence and correctness, no scores */
    CASCADE_SCORES_PREDICTIONS /* a prediction table keyed by sample id: the
                                  predicted class and a given confidence */
} cascade_score_kind;

typedef struct cascade_model_spec {
    const char *name;
    const char *path;        /* resolved path of the score file; NULL: table-only */
    cascade_score_kind kind;
    /* Prediction tables: the column names ("columns"); NULL for the
     * defaults "id", "prediction" and "confidence". */
    const char *id_column, *prediction_column, *confidence_column;
    /* Optional per-sample columns of a prediction table ("columns": {"cost":
     * ..., "quality": ...}); NULL when not named. A cost column replaces the
     * model's constant cost field; a quality column (in [0, 1]) replaces
     * prediction == label as the model's score of each sample. */
    const char *cost_column, *quality_column;
    /* "sample_costs": a score-file model's cost of each sample, a 1-D .npy
     * or one-column CSV in sample order (resolved); NULL for a constant
     * cost field. Only with "logits" or "probs". */
    const char *sample_costs_path;
    /* "published": the model's key in a published-accuracy table (such as
     * timm's "resnet50.tv_in1k"); NULL: its name is the key. */
    const char *published;
} cascade_model_spec;

typedef struct cascade_manifest {
    const char *path;        /* as given to cascade_manifest_load */
    const char *labels_path; /* resolved; NULL when the manifest has no labels */
    const char *records_metric; /* a records manifest's "metric"; NULL otherwise */
    /* A keyed labels table ("label_columns": {"id": ..., "label": ...}):
     * the samples are its rows, in its order. NULL names take the defaults
     * "id" and "label"; labels_keyed is 0 for a plain label array. */
    int labels_keyed;
    const char *labels_id_column, *labels_label_column;
    /* "label_ids": "sorted": a label list without ids (.npy, CSV, JSON)
     * follows the prediction tables' ids in sorted (byte-wise) order. */
    int labels_follow_sorted_ids;
    size_t model_count;      /* >= 1 */
    cascade_model_spec *models; /* [model_count], in manifest order */
    void *internal;
} cascade_manifest;

/* Reads and validates the manifest: well-formed JSON, a non-empty "models"
 * array, each with a unique non-empty "name" and exactly one of
 * "logits"/"probs". Files are not opened here. */
cascade_status cascade_manifest_load(const char *path, cascade_manifest **out,
                                     cascade_error *error);

void cascade_manifest_free(cascade_manifest *manifest);

/* Keeps only the models named in NAMES[0..COUNT), in manifest order, so
 * that a map step can load some models of a large manifest. A name that is
 * not in the manifest, or is named twice, is an error naming it (the
 * manifest is then unchanged). */
cascade_status cascade_manifest_keep(cascade_manifest *manifest, const char *const *names,
                                     size_t count, cascade_error *error);

/* The numeric member FIELD of model MODEL. CASCADE_ERR_NOT_FOUND when it is
 * absent, CASCADE_ERR_VALUE when it is not a finite number; either way the
 * message names the model and the field. */
cascade_status cascade_manifest_number(const cascade_manifest *manifest,
                                       size_t model, const char *field,
                                       double *out, cascade_error *error);

/* Every numeric member of model MODEL's entry, for copying it elsewhere:
 * calls VISIT(context, name, value) for each, in manifest order. */
void cascade_manifest_each_number(const cascade_manifest *manifest, size_t model,
                                  void (*visit)(void *context, const char *name, double value),
                                  void *context);

/* The folder part of PATH joined with RELATIVE (which is returned as is when
 * absolute). Caller frees the result with free(); NULL when out of memory. */
char *cascade_path_join_dir(const char *path, const char *relative);

#ifdef __cplusplus
}
#endif

#endif
