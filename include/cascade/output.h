/* cascade/output.h: atomic output files and the CSV tables cascade writes.
 *
 * An output opened with cascade_output_open() goes to a temporary file in
 * the target's folder and replaces the target only in
 * cascade_output_commit(), after every write, the flush and the close have
 * succeeded; cascade_output_abort() removes the temporary file. A failed run
 * therefore leaves no new file and never truncates an existing one.
 *
 * Ownership: the caller owns the cascade_output struct; commit and abort
 * release everything inside it (abort accepts a NULL or already-closed one).
 * The writers only borrow their FILE * and inputs.
 */
#ifndef CASCADE_OUTPUT_H
#define CASCADE_OUTPUT_H

#include <stdio.h>

#include "cascade/apply.h"
#include "cascade/dataset.h"
#include "cascade/front.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_output {
    FILE *file;          /* write here */
    char *path;          /* NULL for standard output */
    char *temp_path;
} cascade_output;

/* PATH NULL or "-" means standard output (committed by flushing it). */
cascade_status cascade_output_open(const char *path, cascade_output *out,
                                   cascade_error *error);
cascade_status cascade_output_commit(cascade_output *out, cascade_error *error);
void cascade_output_abort(cascade_output *out);

/* The shortest decimal that reads back as exactly VALUE (at most 17
 * significant digits); BUF must hold 32 bytes. */
void cascade_format_double(double value, char *buf);

/* One CSV field, quoted by libcsv only when it holds a comma, quote or
 * line break. */
void cascade_csv_field(FILE *file, const char *text, int last);

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

/* The metric column's text: "max_softmax", "margin" or "entropy", then
 * "+temperature" when DATASET's confidences are temperature-scaled, then
 * "+ensemble" when ENSEMBLE (stage i answers from the mean probabilities of
 * stages 1..i); e.g. "entropy+temperature+ensemble". When every scored
 * model gives its confidences in a prediction table the text is "given";
 * when some do, "+given" follows the metric ("max_softmax+given"). BUF holds
 * 64 bytes. */
void cascade_metric_label(const cascade_dataset *dataset, int ensemble, char *buf);

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
