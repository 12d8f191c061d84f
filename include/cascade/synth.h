/* cascade/synth.h: a generator of realistic synthetic cascade datasets.
 *
 * A dataset is a folder with labels.npy (int64, [samples]), one logits file
 * per model ([samples][classes], float32 or float16) and manifest.json listing
 * the models in increasing cost. The generator's model of the data:
 *  - each sample has a difficulty shared by all models, so that their errors
 *    correlate; labels are balanced over the classes;
 *  - each model has a skill, set so that its realised top-1 accuracy is its
 *    target accuracy (to within 1/samples, and a few samples more for float16);
 *  - a sample's logits are standard normal noise with the true class raised
 *    by 2 * (skill - difficulty + per-model noise), its lead over the
 *    runner-up saturating at 2; each row is scaled by a random factor per
 *    sample and model (so that confidence tracks correctness without ranking
 *    it perfectly) and by a per-model scale set so that the mean max-softmax
 *    confidence is the accuracy plus a per-model gap drawn from
 *    [-0.02, 0.08] (most models slightly over-confident).
 * Everything is a function of the seed; the number of threads does not change
 * a single byte.
 *
 * Ownership: cascade_synth_plan_default and cascade_synth_plan_from_tables
 * create a plan that the caller frees with cascade_synth_plan_free (which
 * accepts NULL). cascade_synth_generate fills the plan's realised fields.
 */
#ifndef CASCADE_SYNTH_H
#define CASCADE_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_synth_model {
    char *name;              /* also names the file NAME.logits.npy */
    double gmacs;            /* cost; strictly increasing along the plan */
    double target_accuracy;  /* in [0, 1] */
    /* Filled by cascade_synth_generate: */
    double accuracy;         /* realised top-1 accuracy of the written logits */
    double mean_confidence;  /* mean max-softmax on the calibration rows */
} cascade_synth_model;

typedef struct cascade_synth_plan {
    size_t n_models;
    cascade_synth_model *models; /* [n_models], in increasing cost */
} cascade_synth_plan;

/* n_models models named m00, m01, ... with costs log-spaced (with jitter) over
 * 0.01..10 GMACs and target accuracies rising with cost, over a range that
 * suits n_classes (0.70..0.95 for 10 classes, 0.55..0.88 for 1000). */
cascade_status cascade_synth_plan_default(cascade_synth_plan **out, size_t n_models,
                                          size_t n_classes, uint64_t seed,
                                          cascade_error *err);

/* n_models real models from timm's tables (cascade/table.h): accuracy_csv
 * has columns model and top1 (percent; or accuracy, a fraction), costs_csv
 * has model and infer_gmacs (or gmacs). Models are joined on the model
 * column (and on the image size when both tables give one; the first results
 * row wins when a name repeats); rows with an empty accuracy or cost, or a
 * cost of 0, are skipped. Among the models with distinct costs (the most
 * accurate one at each cost), n_models are chosen spread evenly over the
 * logarithm of the cost. */
cascade_status cascade_synth_plan_from_tables(cascade_synth_plan **out,
                                              const char *accuracy_csv,
                                              const char *costs_csv, size_t n_models,
                                              cascade_error *err);

void cascade_synth_plan_free(cascade_synth_plan *plan);

typedef enum cascade_synth_dtype {
    CASCADE_SYNTH_F32 = 0,
    CASCADE_SYNTH_F16 = 1
} cascade_synth_dtype;

typedef struct cascade_synth_options {
    size_t samples;            /* rows, at least 1 */
    size_t classes;            /* at least 2 */
    uint64_t seed;
    cascade_synth_dtype dtype;
    unsigned threads;          /* 0: one per online processor */
} cascade_synth_options;

/* Write the dataset into folder dir (created if missing; its parent must
 * exist). Files are written to temporary names and renamed only once all of
 * them are complete, manifest.json last: a failure while generating leaves
 * an earlier dataset in dir as it was. */
cascade_status cascade_synth_generate(const char *dir, cascade_synth_plan *plan,
                                      const cascade_synth_options *options,
                                      cascade_error *err);

#ifdef __cplusplus
}
#endif

#endif
