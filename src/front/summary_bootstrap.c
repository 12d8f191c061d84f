/* Percentile intervals of the summary's figures over resamples of the
 * samples (cascade/summary.h). Each resample is a view holding the drawn
 * samples, so every figure is computed by the same code as on the data
 * itself. */
#include "cascade/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/figures.h"
#include "cascade/split.h"

/* Every figure of REQUEST on VIEW into ROW: [range_count] mean reductions,
 * [pair_count] APGRs, then AIQ. */
static cascade_status figures_on(const cascade_dataset *view,
                                 const cascade_summary_figures_request *r,
                                 cascade_point *singles, cascade_point *front, double *row,
                                 cascade_error *error)
{
    cascade_status status = CASCADE_OK;
    for (size_t i = 0; status == CASCADE_OK && i < r->single_count; i++)
        status = cascade_evaluate(view, 1, &r->singles[i], NULL, &singles[i], error);
    if (status == CASCADE_OK)
        status = cascade_evaluate_points_by_pair(view, r->front, r->front_count, front, error);
    for (size_t i = 0; status == CASCADE_OK && i < r->range_count; i++) {
        cascade_range_summary s;
        status = cascade_summary_range(singles, r->single_count, front, r->front_count,
                                       r->range_lo[i], r->range_hi[i], 0, &s, error);
        row[i] = s.mean_reduction;
    }
    for (size_t i = 0; status == CASCADE_OK && i < r->pair_count; i++) {
        cascade_pair_figures f;
        status = cascade_pair_figures_of(view, r->pairs[i][0], r->pairs[i][1], &f, error);
        row[r->range_count + i] = f.apgr;
    }
    if (status == CASCADE_OK)
        status = cascade_aiq_of_points(singles, r->single_count, front, r->front_count,
                                       &row[r->range_count + r->pair_count], error);
    return status;
}

static int ascending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

cascade_status cascade_summary_bootstrap(const cascade_dataset *dataset,
                                         const cascade_summary_figures_request *request,
                                         const cascade_bootstrap_options *options,
                                         cascade_figure_interval *mean_reduction,
                                         cascade_figure_interval *apgr,
                                         cascade_figure_interval *aiq, cascade_error *error)
{
    size_t k = dataset->samples, resamples = options->resamples ? options->resamples : 1000;
    double level = options->level > 0 ? options->level : 0.95;
    if (!dataset->has_labels || k == 0 || k >= ((size_t)1 << 32) || !(level < 1) ||
        request->single_count == 0 || request->front_count == 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "the summary bootstrap needs labelled samples (fewer than "
                                 "2^32), single models, front points and a level below 1");
    size_t width = request->range_count + request->pair_count + 1;
    double *values = malloc(width * resamples * sizeof *values); /* [width][resamples] */
    double *row = malloc(width * sizeof *row);
    size_t *index = malloc(k * sizeof *index);
    cascade_point *singles = malloc(request->single_count * sizeof *singles);
    cascade_point *front = malloc(request->front_count * sizeof *front);
    cascade_status status = values && row && index && singles && front
                                ? CASCADE_OK
                                : cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1,
                                                    "out of memory");
    for (size_t b = 0; status == CASCADE_OK && b < resamples; b++) {
        cascade_bootstrap_resample(options->seed, b, k, index);
        cascade_dataset *view = NULL;
        status = cascade_dataset_subset(dataset, index, k, &view, error);
        if (status == CASCADE_OK)
            status = figures_on(view, request, singles, front, row, error);
        cascade_dataset_free(view);
        for (size_t f = 0; f < width; f++)
            values[f * resamples + b] = row[f];
    }
    double lo_q = (1 - level) / 2, hi_q = 1 - lo_q;
    for (size_t f = 0; status == CASCADE_OK && f < width; f++) {
        double *column = values + f * resamples;
        int defined = 1;
        for (size_t b = 0; b < resamples; b++)
            defined &= isfinite(column[b]);
        cascade_figure_interval interval = {NAN, NAN};
        if (defined) {
            qsort(column, resamples, sizeof *column, ascending);
            interval = (cascade_figure_interval){cascade_quantile_sorted(column, resamples, lo_q),
                                                 cascade_quantile_sorted(column, resamples, hi_q)};
        }
        if (f < request->range_count)
            mean_reduction[f] = interval;
        else if (f < request->range_count + request->pair_count)
            apgr[f - request->range_count] = interval;
        else
            *aiq = interval;
    }
    free(values);
    free(row);
    free(index);
    free(singles);
    free(front);
    return status;
}
