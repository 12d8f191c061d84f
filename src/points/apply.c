/* Applying a chosen cascade: per-sample decisions plus the summary. */
#include "cascade/apply.h"
#include "cascade/ensemble.h"
#include "points/per_sample.h"

#include <stdlib.h>
#include <string.h>

void cascade_decisions_free(cascade_decisions *decisions)
{
    if (!decisions)
        return;
    free(decisions->stage);
    free(decisions->prediction);
    free(decisions->confidence);
    free(decisions->correct);
    free(decisions->cost);
    free(decisions->quality);
    memset(decisions, 0, sizeof *decisions);
}

static cascade_status check_chain(const cascade_dataset *dataset, unsigned stages,
                                  const unsigned *models, cascade_error *error)
{
    if (stages < 1 || stages > CASCADE_MAX_STAGES)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "a cascade has %u stages (expected 1 to %d)", stages, CASCADE_MAX_STAGES);
    for (unsigned s = 0; s < stages; s++)
        if (models[s] >= dataset->model_count)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "model index %u is out of range (expected < %zu)", models[s],
                dataset->model_count);
        else if (dataset->models[models[s]].table_only)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "model \"%s\" is table-only (expected per-sample scores to apply)",
                dataset->models[models[s]].name);
    return CASCADE_OK;
}

/* The decision rule over RECORDS[stages], the records each stage answers
 * from (a model's own, or an ensemble's); MODELS only give the costs. */
static cascade_status apply_records(const cascade_dataset *dataset, unsigned stages,
                                    const unsigned *models,
                                    const cascade_records *const *records,
                                    const double *thresholds, cascade_decisions *decisions,
                                    cascade_point *summary, cascade_error *error)
{
    size_t n = dataset->samples;
    cascade_decisions d = {.samples = n};
    if (decisions) {
        d.stage = malloc(n ? n : 1);
        d.prediction = malloc((n ? n : 1) * sizeof *d.prediction);
        d.confidence = malloc((n ? n : 1) * sizeof *d.confidence);
        d.correct = malloc(n ? n : 1);
        if (cascade_dataset_per_sample(dataset)) {
            d.cost = malloc((n ? n : 1) * sizeof *d.cost);
            d.quality = malloc((n ? n : 1) * sizeof *d.quality);
        }
        if (!d.stage || !d.prediction || !d.confidence || !d.correct ||
            (cascade_dataset_per_sample(dataset) && (!d.cost || !d.quality))) {
            cascade_decisions_free(&d);
            return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1,
                "out of memory for %zu decisions", n);
        }
    }
    /* Another score than accuracy, as cascade_evaluate() computes it. */
    cascade_confusion counts = {0};
    if (summary && dataset->score != CASCADE_SCORE_ACCURACY &&
        dataset->score != CASCADE_SCORE_QUALITY && dataset->has_labels &&
        cascade_confusion_init(&counts, dataset->classes) != CASCADE_OK) {
        cascade_decisions_free(&d);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    }
    size_t reached[CASCADE_MAX_STAGES] = {0};
    size_t answered[CASCADE_MAX_STAGES] = {0};
    size_t correct = 0;
    double paid_total = 0.0;
    int per_sample = cascade_dataset_per_sample(dataset);
    for (size_t i = 0; i < n; i++) {
        double paid = 0.0;
        for (unsigned s = 0; s < stages; s++) {
            const cascade_records *r = records[s];
            reached[s]++;
            if (per_sample)
                paid += per_sample_cost(&dataset->models[models[s]], i);
            /* The same test as cascade_evaluate(): ties exit. */
            if (s + 1 == stages || r->confidence[i] >= thresholds[s]) {
                answered[s]++;
                correct += r->correct[i];
                if (counts.truth)
                    cascade_confusion_add(&counts, dataset->labels.label[i], r->prediction[i]);
                if (decisions) {
                    d.stage[i] = (uint8_t)s;
                    d.prediction[i] = r->prediction[i];
                    d.confidence[i] = r->confidence[i];
                    d.correct[i] = r->correct[i];
                    if (d.cost) {
                        d.cost[i] = paid;
                        d.quality[i] = per_sample_quality(&dataset->models[models[s]], i);
                    }
                }
                break;
            }
        }
        paid_total += paid;
    }
    if (summary) {
        memset(summary, 0, sizeof *summary);
        summary->stages = stages;
        for (unsigned s = 0; s < stages; s++) {
            summary->model[s] = models[s];
            if (s + 1 < stages)
                summary->threshold[s] = thresholds[s];
            summary->answered[s] = (double)answered[s] / (double)n;
        }
        summary->accuracy = counts.truth ? cascade_confusion_score(&counts, dataset->score)
                                         : (double)correct / (double)n;
        /* per-sample: cascade_apply() replaces both from cascade_evaluate()
         * where it can score; without labels this mean cost stands */
        summary->cost = per_sample ? paid_total / (double)n
                                   : cascade_chain_cost(dataset, stages, models, reached);
    }
    cascade_confusion_free(&counts);
    if (decisions)
        *decisions = d;
    return CASCADE_OK;
}

cascade_status cascade_apply(const cascade_dataset *dataset, unsigned stages,
                             const unsigned *models, const double *thresholds,
                             cascade_decisions *decisions, cascade_point *summary,
                             cascade_error *error)
{
    cascade_status status = check_chain(dataset, stages, models, error);
    if (status != CASCADE_OK)
        return status;
    const cascade_records *records[CASCADE_MAX_STAGES] = {NULL};
    for (unsigned s = 0; s < stages; s++)
        records[s] = &dataset->models[models[s]].records;
    status = apply_records(dataset, stages, models, records, thresholds, decisions, summary,
                           error);
    if (status == CASCADE_OK && summary && cascade_dataset_per_sample(dataset) &&
        (dataset->has_labels || dataset->score == CASCADE_SCORE_QUALITY)) {
        status = cascade_evaluate(dataset, stages, models, thresholds, summary, error);
        if (status != CASCADE_OK && decisions)
            cascade_decisions_free(decisions);
    }
    return status;
}

cascade_status cascade_apply_ensemble(const cascade_dataset *dataset, unsigned stages,
                                      const unsigned *models, const double *thresholds,
                                      cascade_decisions *decisions, cascade_point *summary,
                                      cascade_error *error)
{
    cascade_status status = check_chain(dataset, stages, models, error);
    if (status != CASCADE_OK)
        return status;
    if (cascade_dataset_per_sample(dataset))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "an ensembled cascade over per-sample costs or a graded quality is not applied "
            "(expected a config without \"+ensemble\")");
    cascade_records stage[CASCADE_MAX_STAGES]; /* [stages] */
    status = cascade_ensemble_records(dataset, models, stages, stage, error);
    if (status != CASCADE_OK)
        return status;
    const cascade_records *records[CASCADE_MAX_STAGES] = {NULL};
    for (unsigned s = 0; s < stages; s++)
        records[s] = &stage[s];
    status = apply_records(dataset, stages, models, records, thresholds, decisions, summary,
                           error);
    for (unsigned s = 0; s < stages; s++)
        cascade_records_free(&stage[s]);
    return status;
}
