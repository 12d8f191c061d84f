/* cascade/table_dataset.h: single-model datasets built from a results table
 * (such as timm's results-imagenet.csv) and a cost table (its benchmark
 * files), for fronts of published models that have no per-sample scores.
 * (Until this header, these were declared in cascade/costs.h.)
 *
 * Ownership: cascade_dataset_from_tables() returns a dataset the caller
 * releases with cascade_dataset_free(). Nothing keeps a reference to the
 * options.
 */
#ifndef CASCADE_TABLE_DATASET_H
#define CASCADE_TABLE_DATASET_H

#include <stddef.h>

#include "cascade/costs.h"
#include "cascade/dataset.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CASCADE_TABLES_SHOWN = 5 };

/* What building a dataset from tables left out, for the caller to report. */
typedef struct cascade_tables_report {
    size_t results_rows;       /* rows of the results table */
    size_t models;             /* rows that became models */
    size_t unmatched;          /* results rows with no benchmark row */
    size_t no_cost;            /* matched rows whose cost cell is empty or unusable */
    char unmatched_names[CASCADE_TABLES_SHOWN][128]; /* the first few unmatched */
    char no_cost_names[CASCADE_TABLES_SHOWN][128];   /* the first few without a cost */
} cascade_tables_report;

/* A dataset of table_only models, one per row of RESULTS_PATH (a results
 * table with "model" and "top1" in percent, or "accuracy" as a fraction)
 * that joins a row of OPTIONS->table_path (cascade_table_join: by name, and
 * by image size when both tables carry one). Models are named as in the
 * results table, in its row order. Unmatched rows and rows whose cost is
 * missing are left out and counted in REPORT (may be NULL); options->warning
 * hears about them too. No model at all is CASCADE_ERR_NOT_FOUND. */
cascade_status cascade_dataset_from_tables(const char *results_path,
                                           const cascade_costs_options *options,
                                           cascade_dataset **out,
                                           cascade_tables_report *report,
                                           cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
