/* cascade/compare.h: one-line summaries of a front, to compare confidence
 * metrics, calibration and ensembling on the same models.
 *
 * Area. Over x = log10(cost), the front is a step function A(x): the best
 * accuracy among front points costing at most 10^x (0 where none does).
 * The area is the mean of A over [log10 c_low, log10 c_high], c_low and
 * c_high the costs of the cheapest and the costliest candidate single model:
 *   area = (1 / (log10 c_high - log10 c_low)) * integral A(x) dx,
 * so it is an accuracy in [0, 1], and a front that is higher everywhere
 * has a larger area. Points costing more than c_high do not count. When
 * c_low == c_high the area is A(log10 c_low). Costs must be > 0.
 *
 * Reference. Among the candidate single models with the highest accuracy,
 * the cheapest (the lower index on equal costs) is the reference; the
 * summary gives the best front accuracy at the reference's cost, and the
 * cheapest front cost that reaches the reference's accuracy.
 *
 * For a dataset scored by another score (cascade/score.h), "accuracy"
 * above reads as that score: the area is a mean score, the reference is
 * the model with the best score, and the writers name the reference
 * columns after it (best_mcc_at_reference_cost, reference_mcc,
 * cost_at_reference_mcc).
 *
 * Ownership: summaries and rows are plain values; the writers only borrow
 * their FILE * and inputs.
 */
#ifndef CASCADE_COMPARE_H
#define CASCADE_COMPARE_H

#include <stdio.h>

#include "cascade/dataset.h"
#include "cascade/front.h"
#include "cascade/metrics.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_front_summary {
    size_t points;                   /* points on the front */
    double area;                     /* mean accuracy over log10 cost, as above */
    double cost_low, cost_high;      /* cheapest and costliest candidate single model */
    unsigned reference_model;        /* dataset index of the reference model */
    double reference_cost;
    double reference_accuracy;
    double best_accuracy_at_reference_cost;
    double cost_at_reference_accuracy; /* cheapest front point as accurate as the reference */
} cascade_front_summary;

/* The area of a reduced FRONT between COST_LOW and COST_HIGH (0 < low <= high). */
double cascade_front_area(const cascade_front *front, double cost_low, double cost_high);

/* Summarises a reduced FRONT swept from DATASET over the single models in
 * CANDIDATES ([model_count], nonzero = taken part; NULL = all). Needs labels
 * and candidate costs > 0. */
cascade_status cascade_front_summarise(const cascade_dataset *dataset,
                                       const unsigned char *candidates,
                                       const cascade_front *front,
                                       cascade_front_summary *out, cascade_error *error);

typedef struct cascade_compare_row {
    cascade_metric metric;
    int calibrated;                  /* confidences were temperature-scaled */
    int ensemble;                    /* stage i answered from the mean of stages 1..i */
    cascade_front_summary summary;
    int per_class;                   /* 0, or the cascade_per_class_mode of a per-class front */
} cascade_compare_row;

/* The rows as CSV, columns: metric (with "+temperature" when calibrated),
 * ensemble (1/0), then per_class (none, thresholds or route) only when
 * some row has a per-class front, front_points, area, best_accuracy_at_reference_cost,
 * reference_model, reference_cost, reference_accuracy,
 * cost_at_reference_accuracy, cost_low, cost_high. DATASET names the
 * reference model. CASCADE_ERR_IO when a write fails. */
cascade_status cascade_write_compare_csv(FILE *file, const cascade_dataset *dataset,
                                         const cascade_compare_row *rows, size_t count);

/* The same as a JSON array of objects with those keys (ensemble a boolean). */
cascade_status cascade_write_compare_json(FILE *file, const cascade_dataset *dataset,
                                          const cascade_compare_row *rows, size_t count);

#ifdef __cplusplus
}
#endif

#endif
