/* cascade/output.h: the CSV tables cascade writes, the last stage of the
 * flow. Atomic output files and exact number printing, which every stage
 * uses, are in cascade/write.h (included here, so their names and meanings
 * are unchanged for code that includes this header).
 *
 * Ownership: the writers only borrow their FILE * and inputs.
 */
#ifndef CASCADE_OUTPUT_H
#define CASCADE_OUTPUT_H

#include <stdio.h>

#include "cascade/apply.h"
#include "cascade/dataset.h"
#include "cascade/front.h"
#include "cascade/status.h"
#include "cascade/write.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The front as CSV: a header row, then one row per point, cost ascending.
 * Columns: models (stage names joined by '>'), thresholds (joined by ';'),
 * the score (a column named after the dataset's score: accuracy, mcc, f1 or
 * macro_f1), cost, stages, answered (fraction answered by each stage, joined
 * by ';'), metric (see cascade_metric_label); for a temperature-calibrated
 * dataset, a last column temperatures: each stage's T joined by ';' (empty
 * for a table-only model), which cascade pick copies into the config so
 * that cascade apply can reproduce the row. Returns CASCADE_ERR_IO when a
 * write fails. */
cascade_status cascade_write_front_csv(FILE *file, const cascade_dataset *dataset,
                                       const cascade_front *front);

/* The same for the front of an ensembled sweep (cascade/ensemble.h). */
cascade_status cascade_write_ensemble_front_csv(FILE *file, const cascade_dataset *dataset,
                                                const cascade_front *front);

/* Every candidate point in POINTS (cost ascending), with the front columns
 * plus on_front (1 when the point is on FRONT, 0 otherwise): for plotting
 * the cloud. Sorts POINTS. */
cascade_status cascade_write_points_csv(FILE *file, const cascade_dataset *dataset,
                                        cascade_front *points,
                                        const cascade_front *front);

/* Numeric columns appended after a table's own, such as held-out figures
 * and bootstrap intervals. */
typedef struct cascade_extra_columns {
    size_t count;               /* columns */
    const char *const *names;   /* [count] header names */
    const double *values;       /* [rows][count]; NaN writes an empty cell */
} cascade_extra_columns;

/* cascade_write_front_csv() with EXTRA's columns after the standard ones
 * and before temperatures (EXTRA NULL or with count 0: the same table). Row
 * i of EXTRA belongs to front->points[i]. */
cascade_status cascade_write_front_csv_extra(FILE *file, const cascade_dataset *dataset,
                                             const cascade_front *front,
                                             const cascade_extra_columns *extra);

/* The same with EXTRA's columns after on_front's, before temperatures. Row
 * i of EXTRA belongs to points->points[i] once sorted: sort POINTS with
 * cascade_point_compare() before filling EXTRA (this sorts them too, which
 * leaves a sorted array as it is). */
cascade_status cascade_write_points_csv_extra(FILE *file, const cascade_dataset *dataset,
                                              cascade_front *points, const cascade_front *front,
                                              const cascade_extra_columns *extra);

/* The front of a per-class sweep (cascade/per_class.h), as
 * cascade_write_front_csv_extra() with two more columns after the metric:
 * policy (the row's policy id in the policies file, empty for an ordinary
 * row) and max_gap. A policy row's models cell is the first model, '>',
 * and the second models its classes use joined by '|'; its thresholds cell
 * is empty (they are in the policies file). */
struct cascade_per_class_front;
cascade_status cascade_write_per_class_front_csv(FILE *file, const cascade_dataset *dataset,
                                                const struct cascade_per_class_front *front,
                                                const cascade_extra_columns *extra);

/* One row per model: name, samples, classes, accuracy, the dataset's score
 * when it is not accuracy (a column named after it: mcc, f1, macro_f1),
 * mean_confidence (in the dataset's metric), cost, aurc, e_aurc
 * (cascade/selective_risk.h; empty without labels); then, for a
 * temperature-calibrated dataset,
 * temperature, nll_before, nll_after, ece_before, ece_after. A table-only
 * model has 0 samples and classes, its given accuracy, and an empty
 * mean_confidence, aurc and e_aurc. */
cascade_status cascade_write_models_csv(FILE *file, const cascade_dataset *dataset);

/* The same table as a JSON array of objects with the same fields and
 * numbers (accuracy, aurc and e_aurc are null without labels). */
cascade_status cascade_write_models_json(FILE *file, const cascade_dataset *dataset);

/* One row per sample: index (0-based), stage (1-based), model, prediction,
 * confidence, and correct (1/0) when the dataset has labels. MODELS are the
 * chain's dataset indices, as given to cascade_apply(). */
cascade_status cascade_write_decisions_csv(FILE *file, const cascade_dataset *dataset,
                                           const unsigned *models,
                                           const cascade_decisions *decisions);

/* The same where the answering model varies by sample, as with per-class
 * routing (cascade/per_class.h): ANSWERED_BY[i] is sample i's model. */
cascade_status cascade_write_answered_by_csv(FILE *file, const cascade_dataset *dataset,
                                             const uint32_t *answered_by,
                                             const cascade_decisions *decisions);

#ifdef __cplusplus
}
#endif

#endif
