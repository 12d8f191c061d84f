/* cascade/dataset.h: a labelled set loaded from a manifest, reduced to
 * per-model records and costs. This is the input of every sweep.
 *
 * Loading streams one model's scores at a time, a block of rows per thread
 * read into buffers kept from model to model (cascade/array.h), so peak memory
 * stays near the records of all models: the scores are never held whole.
 * Only a temperature fit and the metrics other than max softmax, which read
 * the scores several times, map the whole file.
 *
 * Ownership: cascade_dataset_load() returns a dataset the caller releases
 * with cascade_dataset_free() (NULL is fine); model names and records inside
 * it are owned by the dataset (a view from cascade_dataset_subset() owns its
 * records and borrows the names and manifest of the dataset it came from).
 */
#ifndef CASCADE_DATASET_H
#define CASCADE_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/calibration.h"
#include "cascade/manifest.h"
#include "cascade/metrics.h"
#include "cascade/records.h"
#include "cascade/score.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_model {
    const char *name;
    double cost;               /* mean per-sample cost, in the cost field's unit,
                                  including the overhead */
    cascade_records records;
    /* A model known only by its accuracy and cost (no per-sample scores): it
     * takes part as a single model, never in a chain; its records are empty. */
    int table_only;
    double accuracy;           /* table_only: the given accuracy, a fraction */
    /* "overhead": a per-call cost charged at every stage a sample reaches
     * (a verifier, the scoring of a confidence); 0 when not given. It is
     * already included in cost and in records.sample_cost. */
    double overhead;
    /* Fitted when loaded with a calibration. A temperature that was given
     * (options' temperature list, or saved records) sets only fitted = 1
     * and temperature; the NLL and ECE fields stay 0. */
    cascade_calibration calibration;
} cascade_model;

typedef struct cascade_dataset {
    size_t samples;
    size_t classes;
    size_t model_count;
    cascade_model *models;     /* [model_count], in manifest order */
    int has_labels;
    cascade_labels labels;     /* count == samples when has_labels */
    const char *cost_field;
    cascade_manifest *manifest; /* NULL for a dataset built from tables */
    cascade_metric metric;     /* what records.confidence holds */
    cascade_score score;       /* what a point's accuracy field holds (cascade/score.h):
                                  accuracy unless a score was asked for */
    int calibrated;            /* confidences are temperature-scaled (fitted
                                  or given) */
    /* Samples whose label list is empty are left out of every model. */
    size_t samples_left_out;
    size_t *sample_row;        /* [samples] each sample's row in the score files;
                                  NULL when sample i is row i */
    int is_view;               /* a subset of another dataset (cascade/split.h) */
    /* Confidences given by prediction tables rather than computed from
     * scores: 0 none, 1 some models', 2 every scored model's. The front's
     * metric column then says "given" (see cascade_metric_label()). */
    int confidence_given;
    void *sample_keys;         /* library-owned: the sample ids of a keyed
                                  manifest while it loads; NULL otherwise */
    void *owned;               /* library-owned storage, such as table model names */
} cascade_dataset;

typedef struct cascade_dataset_options {
    const char *cost_field;    /* numeric manifest field; "gmacs" when NULL */
    int require_labels;        /* refuse a manifest without "labels" */
    cascade_progress_fn progress;
    void *progress_context;
    /* Costs from a CSV table joined on model names (cascade/costs.h); NULL
     * for manifest fields only. A manifest value overrides the table. */
    const char *costs_path;
    int costs_strip_tag;       /* join on the part of names before the first '.' */
    long costs_img_size;       /* choose the table's rows at this image size; 0: any */
    cascade_warning_fn warning; /* may be NULL */
    void *warning_context;
    cascade_metric metric;     /* confidence metric; max_softmax when 0 */
    cascade_score score;       /* what points are scored by; accuracy when 0. Any
                                  other needs single labels (not multi-labels),
                                  no table-only model, and f1 two classes */
    cascade_calibration_method calibrate; /* fit each model's temperature on
                                             every labelled sample first */
    /* With CALIBRATE: fit on these CALIBRATION_ROW_COUNT rows of the score
     * files only (each < samples), such as the fit part of a split, so that
     * the eval part plays no part in T; NULL: every row. Confidences are
     * then computed for every row at the fitted T. */
    const size_t *calibration_rows;
    size_t calibration_row_count;
    /* Given temperatures instead of a fit (CALIBRATE must be NONE): model
     * TEMPERATURE_MODEL[j] takes confidences from z / TEMPERATURE[j], with
     * no labels needed; models not listed stay at T = 1. Every name must be
     * in the manifest, once (with one T). This is how a chosen cascade is
     * reproduced on new data (cascade/config.h). */
    size_t temperature_count;
    const char *const *temperature_model;  /* [temperature_count] */
    const double *temperature;             /* [temperature_count] finite, > 0 */
    unsigned threads;          /* for the per-model pass; 0 means one per online CPU.
                                  Models of at most 8 MB of scores (or records)
                                  load one per thread; larger ones one at a time,
                                  their rows split over the threads */
    int precise;               /* confidences of float16/32 logits in double precision
                                  (see cascade_records_options) */
    /* Load only these models of the manifest (cascade_manifest_keep()), in
     * manifest order; NULL: every model. For a map step over a cluster. */
    const char *const *only_models;   /* [only_model_count] */
    size_t only_model_count;
    /* The caller needs each sample's confidence and correctness only, as an
     * accuracy sweep does: a model's predictions are freed as soon as its
     * correctness is known, and its records.prediction is NULL (4 of the 13
     * bytes a sample and model hold). Models given as prediction tables keep
     * theirs: they settle the class count after every model is read. */
    int drop_predictions;
} cascade_dataset_options;

/* Loads the manifest, the labels and every model's records. With
 * CALIBRATE, fits each model's temperature (which needs labels) while its
 * scores are mapped, then computes its confidences from z / T; with given
 * temperatures, uses those; METRIC chooses the confidence
 * (cascade/metrics.h). A model given as saved records must have been saved
 * with the same metric and calibration, and at exactly a given T. Checks that all
 * models and the labels agree on the sample count, that all models agree on
 * the class count, that labels are in range, and that every cost is a finite
 * number >= 0. OPTIONS may be NULL for the defaults.
 *
 * Labels in a ".json" file are multi-labels (cascade_labels_load_json):
 * samples with an empty list are left out of the dataset, and counted in
 * samples_left_out. A model with "accuracy" and no score file is table_only.
 *
 * Keyed inputs (docs/inputs.md): a labels table with "label_columns" and
 * models with "predictions" tables are joined by sample id. A prediction
 * table gives its confidences, so a METRIC other than max_softmax,
 * CALIBRATE, given temperatures and PRECISE are refused for it
 * (CASCADE_ERR_ARGUMENT, naming the model). Its class count is the score
 * models' when the manifest has any, else 1 + the largest class among the
 * labels and every table's predictions (at least 2).
 *
 * Per-sample inputs (docs/llm-routing.md): a model's cost column or
 * "sample_costs" fill records.sample_cost (its cost is then their mean), a
 * "quality" column records.quality and sets the score to
 * CASCADE_SCORE_QUALITY (another score asked for is refused). When every
 * model has a quality column, labels are not required (REQUIRE_LABELS is
 * then met) and a table needs no prediction column. */
cascade_status cascade_dataset_load(const char *manifest_path,
                                    const cascade_dataset_options *options,
                                    cascade_dataset **out,
                                    cascade_error *error);

void cascade_dataset_free(cascade_dataset *dataset);

/* Model M's own score in DATASET's score (its accuracy for accuracy, the
 * given accuracy of a table-only model); NaN without labels or memory. */
double cascade_model_score(const cascade_dataset *dataset, size_t m);

/* A 64-bit hash of everything a sweep reads from DATASET: the sample
 * count, the metric, and per model its name, cost, temperature and records
 * (predictions, confidences, correctness, and per-sample costs and graded
 * qualities where a model has them). Two datasets with the same
 * fingerprint give the same sweep; it tells shards of different inputs
 * apart, it is no defence against a crafted collision. */
uint64_t cascade_dataset_fingerprint(const cascade_dataset *dataset);

/* The metric column's text: "max_softmax", "margin" or "entropy", then
 * "+temperature" when DATASET's confidences are temperature-scaled, then
 * "+ensemble" when ENSEMBLE (stage i answers from the mean probabilities of
 * stages 1..i); e.g. "entropy+temperature+ensemble". When every scored
 * model gives its confidences in a prediction table the text is "given";
 * when some do, "+given" follows the metric ("max_softmax+given"). BUF holds
 * 64 bytes. */
void cascade_metric_label(const cascade_dataset *dataset, int ensemble, char *buf);

/* Whether any model of DATASET has per-sample costs or a graded quality
 * (records' sample_cost or quality): the sweeps and evaluations then take
 * their per-sample paths (docs/llm-routing.md). */
int cascade_dataset_per_sample(const cascade_dataset *dataset);

/* CASCADE_ERR_ARGUMENT naming the first model of DATASET with per-sample
 * costs or graded quality (records' sample_cost or quality), for WHAT (such
 * as "cascade sweep") whose paths assume a constant cost per model and 0/1
 * correctness: every sweep and summary so far. CASCADE_OK when none has. */
cascade_status cascade_dataset_refuse_per_sample(const cascade_dataset *dataset,
                                                 const char *what, cascade_error *error);

/* Index of the model named NAME, or -1. */
long cascade_dataset_find(const cascade_dataset *dataset, const char *name);

#ifdef __cplusplus
}
#endif

#endif
