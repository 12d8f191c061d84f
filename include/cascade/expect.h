/* cascade/expect.h: checking measured figures against known ones, for CI.
 *
 * Two kinds of expectation:
 *  - each model's measured top-1 accuracy against a published table keyed
 *    by model name (timm's results-imagenet.csv: "top1" in percent; or an
 *    "accuracy" column as a fraction);
 *  - a named figure of the summary JSON (`cascade summary`) against a value
 *    written as KEY=VALUE[:TOL].
 *
 * The edge. A difference exactly equal to the tolerance is inside it (a
 * pass). Because inputs are decimals and the arithmetic is binary, "exactly"
 * means within a slack of 1e-12 times the larger operand:
 *   |a - b| <= tol + 1e-12 * max(|a|, |b|).
 * So 91.09 against 91.19 with tolerance 0.1 passes, 91.09 against 91.1901
 * fails; the slack is far below any tolerance a user would write.
 *
 * Ownership: results are plain values in caller-owned structs and arrays;
 * model names in a cascade_accuracy_check point into the dataset and live as
 * long as it does. Nothing here allocates memory the caller must free.
 */
#ifndef CASCADE_EXPECT_H
#define CASCADE_EXPECT_H

#include <stddef.h>

#include "cascade/dataset.h"
#include "cascade/status.h"
#include "cascade/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The rule above: 1 when |A - B| <= TOL plus the rounding slack. NaN
 * operands are never within. */
int cascade_within_tolerance(double a, double b, double tol);

/* ---- published accuracies ---- */

#define CASCADE_EXPECT_ACCURACY_TOLERANCE 0.1 /* percentage points */

typedef enum cascade_accuracy_verdict {
    CASCADE_ACCURACY_OK,       /* within the tolerance */
    CASCADE_ACCURACY_OUTSIDE,  /* further from the published figure */
    CASCADE_ACCURACY_MISSING   /* the model is not in the table */
} cascade_accuracy_verdict;

typedef struct cascade_accuracy_check {
    const char *model;         /* the dataset's name for it */
    double measured;           /* top-1 in percent */
    double published;          /* top-1 in percent; NaN when missing */
    double difference;         /* measured - published, in percentage points; NaN when missing */
    long table_line;           /* the 1-based line of the published figure; -1 when missing */
    cascade_accuracy_verdict verdict;
} cascade_accuracy_check;

typedef struct cascade_expect_accuracy_options {
    double tolerance;          /* percentage points, >= 0 */
    int strip_tag;             /* compare names before the first '.' (cascade/table.h) */
} cascade_expect_accuracy_options;

/* Fills OUT[m] for every model m of DATASET (OUT has dataset->model_count
 * entries). Measured top-1 is correct / samples (a table-only model's given
 * accuracy); published is TABLE's "top1" (percent), else "accuracy" (a
 * fraction, shown in percent), on the row whose "model" matches the
 * model's manifest "published" key, else its name.
 *
 * For a DATASET scored by another score (cascade/score.h), measured is that
 * score times 100 and published is TABLE's column named after the score
 * ("mcc", "f1", "macro_f1"), in points as GLUE reports them (CoLA's MCC
 * 51.3 for 0.513); the fields named top-1 and percent below then hold it. OPTIONS
 * NULL means the default tolerance and exact names.
 *
 * A dataset without labels or a negative tolerance is CASCADE_ERR_ARGUMENT;
 * a table with no "model" column, or neither "top1" nor "accuracy", is
 * CASCADE_ERR_FORMAT / _NOT_FOUND; a model on several rows or a bad number
 * is CASCADE_ERR_VALUE. Models not in the table are not errors. */
cascade_status cascade_expect_accuracy(const cascade_dataset *dataset, const cascade_table *table,
                                       const cascade_expect_accuracy_options *options,
                                       cascade_accuracy_check *out, cascade_error *error);

/* ---- summary figures: KEY=VALUE[:TOL] ---- */

enum { CASCADE_EXPECT_KEY_MAX = 128 };

/* Without TOL, VALUE must be met to this fraction of |VALUE|: enough for a
 * value copied from the JSON, whose numbers read back exactly. */
#define CASCADE_EXPECT_DEFAULT_RELATIVE 1e-9

typedef struct cascade_expectation {
    char key[CASCADE_EXPECT_KEY_MAX];
    double value;
    double tolerance;          /* as written: absolute, or percent of |value| when relative */
    int relative;              /* TOL was written with '%' */
    int has_tolerance;         /* TOL was given */
} cascade_expectation;

/* Parses "KEY=VALUE", "KEY=VALUE:TOL" or "KEY=VALUE:TOL%". KEY is a path:
 * names ([A-Za-z_][A-Za-z0-9_]*) joined by '.', each optionally followed by
 * [N] indices (N from 0). VALUE and TOL are finite decimals, TOL >= 0.
 * Anything else is CASCADE_ERR_ARGUMENT with a message saying what was
 * expected. */
cascade_status cascade_expectation_parse(const char *text, cascade_expectation *out,
                                         cascade_error *error);

/* The absolute tolerance of E: TOL, TOL% of |VALUE|, or the default. */
double cascade_expectation_tolerance(const cascade_expectation *e);

/* Whether GOT meets E (by cascade_within_tolerance). */
int cascade_expectation_met(const cascade_expectation *e, double got);

/* The number at KEY in the summary JSON text JSON. KEY is first read as a
 * path from the top ("front_points", "fit.ranges[1].mean_reduction",
 * "eval.singles[0].speedup"). Shortcuts:
 *  - a path whose first name is not a top-level member starts in "fit";
 *  - inside "fit" or "eval", "range[N]" means "ranges[N]" and "pair[N]"
 *    "pairs[N]"; a pair's figure (apgr, apgr_lo, apgr_hi, cpt_50, cpt_80,
 *    cpt_90, q_a, q_b) that is not a member of the section is looked up in
 *    its first pair, and any other such name in its first range.
 * So "mean_reduction" is fit.ranges[0].mean_reduction, "range[1].best.level"
 * is fit.ranges[1].best.level and "eval.mean_reduction" is
 * eval.ranges[0].mean_reduction; "apgr" is fit.pairs[0].apgr and "aiq"
 * fit.aiq. RESOLVED (RESOLVED_SIZE bytes; may be
 * NULL) receives the full path used. A JSON null gives NaN and CASCADE_OK
 * (the figure does not exist, e.g. a range no level reaches). A path that
 * leads nowhere is CASCADE_ERR_NOT_FOUND, one that ends at a string, array
 * or object CASCADE_ERR_VALUE; malformed JSON is CASCADE_ERR_FORMAT. */
cascade_status cascade_summary_figure(const char *json, const char *key, double *out,
                                      char *resolved, size_t resolved_size,
                                      cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
