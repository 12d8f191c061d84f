/* cascade/costs.h: per-model costs from the manifest and from CSV cost
 * tables (timm's benchmark files). Single-model datasets built from a
 * results table and a benchmark table are in cascade/table_dataset.h.
 *
 * Cost names: "gmacs" (the default) reads a manifest field "gmacs", or the
 * table's "gmacs" column, else "infer_gmacs"; "time" is milliseconds per
 * sample, a manifest field "time" or 1000 / "infer_samples_per_sec"; any
 * other name reads the manifest field or table column of that name.
 *
 * Ownership: cascade_manifest_costs() fills a caller-owned array. Nothing
 * keeps a reference to the options.
 */
#ifndef CASCADE_COSTS_H
#define CASCADE_COSTS_H

#include <stddef.h>

#include "cascade/manifest.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_costs_options {
    const char *cost;          /* "gmacs" (NULL means it), "time", or a column / field */
    const char *table_path;    /* CSV cost table, or NULL for manifest fields only */
    int strip_tag;             /* compare names before the first '.' ("resnet50.a1_in1k") */
    long img_size;             /* use the table's rows at this image size; 0: any */
    cascade_warning_fn warning; /* may be NULL */
    void *warning_context;
} cascade_costs_options;

/* Costs differing by more than this fraction of the larger one are reported. */
#define CASCADE_COST_DISAGREEMENT 0.01

/* COSTS[m] for every model of MANIFEST ([model_count]). A model's own
 * manifest field wins; without one, its table row gives the cost. The row is
 * found by name (see strip_tag), and by image size too when the model has a
 * numeric "img_size" field and the table an image-size column, else at
 * options->img_size. When both give a cost and they differ by more than
 * CASCADE_COST_DISAGREEMENT, options->warning is called. A model with
 * neither, or with a negative cost, is an error naming it. A model whose
 * prediction table has a cost column, or with "sample_costs", gets 0 here: its costs are per sample
 * (cascade/records.h), and the dataset's model cost is their mean. */
cascade_status cascade_manifest_costs(const cascade_manifest *manifest,
                                      const cascade_costs_options *options,
                                      double *costs, cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
