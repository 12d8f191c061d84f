/* Fit / eval splits of a dataset's samples, and views holding their records. */
#include "cascade/split.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t cascade_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, bound): reject the lowest 2^64 mod bound values, which
 * would otherwise make small results likelier. */
static uint64_t uniform_below(uint64_t *state, uint64_t bound)
{
    uint64_t reject_below = (0 - bound) % bound;
    uint64_t r;
    do
        r = cascade_splitmix64(state);
    while (r < reject_below);
    return r % bound;
}

static int ascending(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    return a < b ? -1 : a > b;
}

void cascade_split_free(cascade_split *split)
{
    if (!split)
        return;
    free(split->fit);
    free(split->eval);
    memset(split, 0, sizeof *split);
}

cascade_status cascade_split_random(size_t samples, double fraction, uint64_t seed,
                                    cascade_split *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    if (!(fraction > 0 && fraction < 1))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "a split fraction of %g (expected a number between 0 and 1)", fraction);
    double wanted = floor(fraction * (double)samples + 0.5);
    if (wanted < 1 || wanted > (double)samples - 1)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "a split fraction of %g puts %.0f of %zu samples in the fit part "
            "(expected at least one sample in each part)", fraction, wanted, samples);
    size_t fit = (size_t)wanted;
    size_t *order = malloc(samples * sizeof *order);
    if (!order)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    for (size_t i = 0; i < samples; i++)
        order[i] = i;
    uint64_t state = seed;
    /* The first FIT steps of a forward Fisher-Yates shuffle fix positions
     * 0..FIT-1, exactly as the full shuffle would. */
    for (size_t i = 0; i < fit; i++) {
        size_t j = i + (size_t)uniform_below(&state, (uint64_t)(samples - i));
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    out->fit = malloc(fit * sizeof *out->fit);
    out->eval = malloc((samples - fit) * sizeof *out->eval);
    if (!out->fit || !out->eval) {
        free(order);
        cascade_split_free(out);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    }
    memcpy(out->fit, order, fit * sizeof *order);
    memcpy(out->eval, order + fit, (samples - fit) * sizeof *order);
    free(order);
    out->fit_count = fit;
    out->eval_count = samples - fit;
    qsort(out->fit, out->fit_count, sizeof *out->fit, ascending);
    qsort(out->eval, out->eval_count, sizeof *out->eval, ascending);
    return CASCADE_OK;
}

/* ---- index files ---- */

/* Reads PATH's rows into LINE_OF (0 = not listed, else the 1-based line),
 * refusing rows >= ROWS, repeats and rows OTHER already lists. */
static cascade_status read_index_file(const char *path, size_t rows, long *line_of,
                                      const long *other, const char *other_path,
                                      size_t *listed, cascade_error *error)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1, "cannot open: %s",
                                 strerror(errno));
    char *text = NULL;
    size_t capacity = 0;
    ssize_t got;
    long line = 0;
    cascade_status status = CASCADE_OK;
    *listed = 0;
    while (status == CASCADE_OK && (got = getline(&text, &capacity, file)) >= 0) {
        line++;
        size_t len = strlen(text);
        /* A NUL byte would end the line early and let "12\0junk" read as 12. */
        if (len != (size_t)got) {
            status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, line, -1,
                "line %ld holds a NUL byte (expected one sample index per line)", line);
            break;
        }
        while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
                           text[len - 1] == ' ' || text[len - 1] == '\t'))
            text[--len] = '\0';
        const char *start = text;
        while (*start == ' ' || *start == '\t')
            start++;
        char *end = NULL;
        errno = 0;
        unsigned long long value = strtoull(start, &end, 10);
        if (*start < '0' || *start > '9' || *end != '\0' || errno == ERANGE) {
            status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, line, -1,
                "line %ld: \"%.40s\" is not a sample index (expected a whole number from 0 to %zu)",
                line, start, rows - 1);
        } else if (value >= rows) {
            status = cascade_error_set(error, CASCADE_ERR_VALUE, path, line, -1,
                "line %ld: index %llu is out of range (expected 0 to %zu: there are %zu samples)",
                line, value, rows - 1, rows);
        } else if (line_of[value]) {
            status = cascade_error_set(error, CASCADE_ERR_VALUE, path, line, -1,
                "line %ld: index %llu repeats line %ld (expected each sample once)",
                line, value, line_of[value]);
        } else if (other && other[value]) {
            status = cascade_error_set(error, CASCADE_ERR_VALUE, path, line, -1,
                "line %ld: index %llu is also on line %ld of %s (expected the fit and eval "
                "parts to be disjoint)", line, value, other[value], other_path);
        } else {
            line_of[value] = line;
            (*listed)++;
        }
    }
    if (status == CASCADE_OK && ferror(file))
        status = cascade_error_set(error, CASCADE_ERR_IO, path, -1, -1, "read error");
    free(text);
    fclose(file);
    return status;
}

cascade_status cascade_split_load(const cascade_dataset *dataset, const char *fit_path,
                                  const char *eval_path, cascade_split *out,
                                  cascade_error *error)
{
    memset(out, 0, sizeof *out);
    if (!fit_path && !eval_path)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "no index file (expected a fit or an eval index file)");
    size_t samples = dataset->samples;
    size_t rows = samples + (dataset->sample_row ? dataset->samples_left_out : 0);
    long *fit_line = calloc(rows ? rows : 1, sizeof *fit_line);
    long *eval_line = calloc(rows ? rows : 1, sizeof *eval_line);
    out->fit = malloc((samples ? samples : 1) * sizeof *out->fit);
    out->eval = malloc((samples ? samples : 1) * sizeof *out->eval);
    cascade_status status = CASCADE_OK;
    if (!fit_line || !eval_line || !out->fit || !out->eval)
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    size_t listed;
    if (status == CASCADE_OK && fit_path)
        status = read_index_file(fit_path, rows, fit_line, NULL, NULL, &listed, error);
    if (status == CASCADE_OK && eval_path)
        status = read_index_file(eval_path, rows, eval_line, fit_path ? fit_line : NULL,
                                 fit_path, &listed, error);
    if (status == CASCADE_OK) {
        /* Walk the dataset's samples by their rows, so that rows it left out
         * drop out and each part comes out ascending. */
        size_t in_parts = 0;
        for (size_t i = 0; i < samples; i++) {
            size_t row = dataset->sample_row ? dataset->sample_row[i] : i;
            int in_fit = fit_path ? fit_line[row] != 0 : eval_line[row] == 0;
            int in_eval = eval_path ? eval_line[row] != 0 : fit_line[row] == 0;
            if (in_fit)
                out->fit[out->fit_count++] = i;
            if (in_eval)
                out->eval[out->eval_count++] = i;
            in_parts += (size_t)(fit_line[row] != 0) + (size_t)(eval_line[row] != 0);
        }
        size_t all_listed = 0;
        for (size_t r = 0; r < rows; r++)
            all_listed += (size_t)(fit_line[r] != 0) + (size_t)(eval_line[r] != 0);
        out->left_out = all_listed - in_parts;
        if (out->fit_count == 0 || out->eval_count == 0)
            status = cascade_error_set(error, CASCADE_ERR_VALUE,
                out->fit_count == 0 ? (fit_path ? fit_path : eval_path)
                                    : (eval_path ? eval_path : fit_path), -1, -1,
                "the %s part has no samples (expected at least one sample in each part)",
                out->fit_count == 0 ? "fit" : "eval");
    }
    free(fit_line);
    free(eval_line);
    if (status != CASCADE_OK)
        cascade_split_free(out);
    return status;
}

/* ---- views ---- */

cascade_status cascade_dataset_subset(const cascade_dataset *dataset, const size_t *index,
                                      size_t count, cascade_dataset **out,
                                      cascade_error *error)
{
    *out = NULL;
    for (size_t j = 0; j < count; j++)
        if (index[j] >= dataset->samples)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "sample index %zu is out of range (expected < %zu)", index[j],
                dataset->samples);
    cascade_dataset *view = calloc(1, sizeof *view);
    if (!view)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    view->is_view = 1;
    view->manifest = dataset->manifest;
    view->owned = dataset->owned;
    view->cost_field = dataset->cost_field;
    view->samples = count;
    view->classes = dataset->classes;
    view->has_labels = dataset->has_labels;
    view->samples_left_out = dataset->samples_left_out;
    view->metric = dataset->metric;
    view->score = dataset->score;
    view->calibrated = dataset->calibrated;
    view->confidence_given = dataset->confidence_given;
    view->models = calloc(dataset->model_count ? dataset->model_count : 1, sizeof *view->models);
    view->sample_row = malloc((count ? count : 1) * sizeof *view->sample_row);
    cascade_status status = view->models && view->sample_row ? CASCADE_OK : CASCADE_ERR_NOMEM;
    for (size_t j = 0; j < count && status == CASCADE_OK; j++)
        view->sample_row[j] = dataset->sample_row ? dataset->sample_row[index[j]] : index[j];
    /* Records already hold correctness; labels are copied when present. */
    if (status == CASCADE_OK && dataset->labels.label && dataset->labels.count == dataset->samples)
        status = cascade_labels_subset(&dataset->labels, index, count, &view->labels);
    for (size_t m = 0; m < dataset->model_count && status == CASCADE_OK; m++) {
        const cascade_model *from = &dataset->models[m];
        cascade_model *to = &view->models[m];
        to->name = from->name;
        to->cost = from->cost;
        to->table_only = from->table_only;
        to->accuracy = from->accuracy;
        to->calibration = from->calibration;
        view->model_count = m + 1;
        to->overhead = from->overhead;
        if (!from->table_only)
            status = cascade_records_subset(&from->records, index, count, &to->records);
        /* A view's mean cost is over its own samples when they differ. */
        if (status == CASCADE_OK && to->records.sample_cost)
            to->cost = cascade_records_mean(to->records.sample_cost, count);
    }
    if (status != CASCADE_OK) {
        cascade_dataset_free(view);
        return cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    }
    *out = view;
    return CASCADE_OK;
}
