/* Summaries of a front: the area over log cost and the reference model. */
#include "cascade/compare.h"

#include <math.h>
#include <string.h>

double cascade_front_area(const cascade_front *front, double cost_low, double cost_high)
{
    if (!(cost_low > 0) || !(cost_high >= cost_low))
        return NAN;
    if (cost_high == cost_low) {
        double a = cascade_front_best_accuracy(front, cost_low);
        return a < 0 ? 0.0 : a;
    }
    double x_low = log10(cost_low), x_high = log10(cost_high);
    double integral = 0.0;
    /* Point i holds from its own cost to the next point's (cost ascending). */
    for (size_t i = 0; i < front->count; i++) {
        const cascade_point *p = &front->points[i];
        if (p->cost >= cost_high)
            break;
        double start = p->cost > cost_low ? log10(p->cost) : x_low;
        double end = i + 1 < front->count && front->points[i + 1].cost < cost_high
                         ? log10(front->points[i + 1].cost)
                         : x_high;
        if (end > start)
            integral += p->accuracy * (end - start);
    }
    return integral / (x_high - x_low);
}

cascade_status cascade_front_summarise(const cascade_dataset *dataset,
                                       const unsigned char *candidates,
                                       const cascade_front *front,
                                       cascade_front_summary *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    if (!dataset->has_labels && dataset->score != CASCADE_SCORE_QUALITY)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "no labels (expected labels to summarise a front)");
    long reference = -1;
    size_t best_correct = 0;
    /* Another score than accuracy ranks the models by that score. */
    int by_accuracy = dataset->score == CASCADE_SCORE_ACCURACY;
    double best_score = -INFINITY;
    out->cost_low = INFINITY;
    out->cost_high = -INFINITY;
    for (size_t m = 0; m < dataset->model_count; m++) {
        if (candidates && !candidates[m])
            continue;
        const cascade_model *model = &dataset->models[m];
        if (!(model->cost > 0))
            return cascade_error_set(error, CASCADE_ERR_VALUE, NULL, -1, -1,
                "model \"%s\" costs %g (expected costs > 0 for an area over log cost)",
                model->name, model->cost);
        out->cost_low = fmin(out->cost_low, model->cost);
        out->cost_high = fmax(out->cost_high, model->cost);
        size_t correct = model->records.correct_count;
        double score = by_accuracy ? 0.0 : cascade_model_score(dataset, m);
        int better = by_accuracy ? correct > best_correct : score > best_score;
        int equal = by_accuracy ? correct == best_correct : score == best_score;
        if (reference < 0 || better ||
            (equal && model->cost < dataset->models[reference].cost)) {
            reference = (long)m;
            best_correct = correct;
            best_score = score;
        }
    }
    if (reference < 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "no candidate models (expected at least one)");
    out->points = front->count;
    out->area = cascade_front_area(front, out->cost_low, out->cost_high);
    out->reference_model = (unsigned)reference;
    out->reference_cost = dataset->models[reference].cost;
    /* The same division the sweep uses for a single model's point. */
    out->reference_accuracy = by_accuracy ? (double)best_correct / (double)dataset->samples
                                          : best_score;
    out->best_accuracy_at_reference_cost =
        cascade_front_best_accuracy(front, out->reference_cost);
    out->cost_at_reference_accuracy = NAN;
    for (size_t i = 0; i < front->count; i++)
        if (front->points[i].accuracy >= out->reference_accuracy) {
            out->cost_at_reference_accuracy = front->points[i].cost;
            break;
        }
    return CASCADE_OK;
}
