/* Direct evaluation of one chain: the decision rule applied sample by sample. */
#include "cascade/points.h"
#include "points/per_sample.h"
#include "points/sweep_internal.h"

#include <string.h>

double cascade_chain_cost(const cascade_dataset *dataset, unsigned stages,
                          const unsigned *models, const size_t *reached)
{
    double samples = (double)dataset->samples;
    double cost = 0.0;
    for (unsigned s = 0; s < stages; s++)
        cost += dataset->models[models[s]].cost * ((double)reached[s] / samples);
    return cost;
}

/* With per-sample costs or a graded quality: a single model's mean cost and
 * score as the sweep gives them; a pair's sums term by term as the sweep
 * adds them (per_sample_pair_sums, over the first stage's order), so that
 * every front row comes back bit for bit; longer chains sample by sample. */
static cascade_status evaluate_per_sample(const cascade_dataset *d, unsigned stages,
                                          const unsigned *models, const double *thresholds,
                                          cascade_point *out, cascade_error *error)
{
    size_t k = d->samples;
    size_t answered[CASCADE_MAX_STAGES] = {0};
    if (stages == 1) {
        out->accuracy = cascade_model_score(d, models[0]);
        out->cost = d->models[models[0]].cost;
        answered[0] = k;
    } else if (stages == 2) {
        const cascade_model *a = &d->models[models[0]], *b = &d->models[models[1]];
        model_prep prep;
        memset(&prep, 0, sizeof prep);
        if (sweep_prepare_model(&a->records, 0, &prep, NULL) != CASCADE_OK) {
            sweep_free_prep(&prep);
            return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        }
        for (size_t i = 0; i < k; i++)
            answered[0] += a->records.confidence[i] >= thresholds[0];
        answered[1] = k - answered[0];
        double cost, quality;
        per_sample_pair_sums(a, b, prep.order, k, answered[0], &cost, &quality);
        sweep_free_prep(&prep);
        out->cost = cost / (double)k;
        out->accuracy = quality / (double)k;
    } else {
        double cost = 0.0, quality = 0.0;
        for (size_t i = 0; i < k; i++)
            for (unsigned s = 0; s < stages; s++) {
                const cascade_model *m = &d->models[models[s]];
                cost += per_sample_cost(m, i);
                if (s + 1 == stages || m->records.confidence[i] >= thresholds[s]) {
                    answered[s]++;
                    quality += per_sample_quality(m, i);
                    break;
                }
            }
        out->cost = cost / (double)k;
        out->accuracy = quality / (double)k;
    }
    for (unsigned s = 0; s < stages; s++)
        out->answered[s] = (double)answered[s] / (double)k;
    return CASCADE_OK;
}

cascade_status cascade_evaluate(const cascade_dataset *dataset, unsigned stages,
                                const unsigned *models, const double *thresholds,
                                cascade_point *out, cascade_error *error)
{
    if (stages < 1 || stages > CASCADE_MAX_STAGES)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "a cascade has %u stages (expected 1 to %d)", stages, CASCADE_MAX_STAGES);
    for (unsigned s = 0; s < stages; s++)
        if (models[s] >= dataset->model_count)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "model index %u is out of range (expected < %zu)", models[s],
                dataset->model_count);
    for (unsigned s = 0; s < stages; s++)
        if (dataset->models[models[s]].table_only && stages > 1)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "model \"%s\" has no per-sample scores (expected table-only models to stand alone)",
                dataset->models[models[s]].name);
    memset(out, 0, sizeof *out);
    out->stages = stages;
    if (dataset->models[models[0]].table_only) { /* accuracy only (cascade_dataset_load) */
        out->model[0] = models[0];
        out->accuracy = dataset->models[models[0]].accuracy;
        out->cost = dataset->models[models[0]].cost;
        out->answered[0] = 1.0;
        return CASCADE_OK;
    }
    if (cascade_dataset_per_sample(dataset)) {
        if (!dataset->has_labels && dataset->score != CASCADE_SCORE_QUALITY)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                     "no labels (expected labels to score)");
        if (dataset->score != CASCADE_SCORE_ACCURACY && dataset->score != CASCADE_SCORE_QUALITY)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "--score %s with per-sample costs is not evaluated (expected --score accuracy)",
                cascade_score_name(dataset->score));
        for (unsigned s = 0; s < stages; s++) {
            out->model[s] = models[s];
            if (s + 1 < stages)
                out->threshold[s] = thresholds[s];
        }
        return evaluate_per_sample(dataset, stages, models, thresholds, out, error);
    }
    size_t reached[CASCADE_MAX_STAGES] = {0};
    size_t answered[CASCADE_MAX_STAGES] = {0};
    size_t correct = 0;
    /* Other scores need the whole confusion matrix of the final answers. */
    int by_accuracy = dataset->score == CASCADE_SCORE_ACCURACY;
    cascade_confusion counts = {0};
    if (!by_accuracy && (!dataset->has_labels ||
                         cascade_confusion_init(&counts, dataset->classes) != CASCADE_OK))
        return cascade_error_set(error, dataset->has_labels ? CASCADE_ERR_NOMEM
                                                            : CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "%s", dataset->has_labels ? "out of memory" : "no labels (expected labels to score)");
    for (unsigned s = 0; s < stages; s++) {
        out->model[s] = models[s];
        if (s + 1 < stages)
            out->threshold[s] = thresholds[s];
    }
    for (size_t i = 0; i < dataset->samples; i++) {
        for (unsigned s = 0; s < stages; s++) {
            const cascade_records *r = &dataset->models[models[s]].records;
            reached[s]++;
            if (s + 1 == stages || r->confidence[i] >= thresholds[s]) {
                answered[s]++;
                correct += r->correct[i];
                if (!by_accuracy)
                    cascade_confusion_add(&counts, dataset->labels.label[i], r->prediction[i]);
                break;
            }
        }
    }
    double samples = (double)dataset->samples;
    out->accuracy = by_accuracy ? (double)correct / samples
                                : cascade_confusion_score(&counts, dataset->score);
    cascade_confusion_free(&counts);
    out->cost = cascade_chain_cost(dataset, stages, models, reached);
    for (unsigned s = 0; s < stages; s++)
        out->answered[s] = (double)answered[s] / samples;
    return CASCADE_OK;
}
