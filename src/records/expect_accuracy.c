/* Measured top-1 against a published accuracy table (cascade/expect.h). */
#include "cascade/expect.h"

#include <math.h>

/* A published score in points (100 times it), as GLUE's tables give MCC
 * and F1: the fraction into *OUT. */
static cascade_status published_score(const cascade_table *table, size_t row, size_t column,
                                      cascade_score score, double *out, cascade_error *error)
{
    double points;
    cascade_status s = cascade_table_number(table, row, column, &points, error);
    if (s != CASCADE_OK)
        return s;
    double lowest = 100.0 * cascade_score_lowest(score);
    if (!(points >= lowest && points <= 100.0)) {
        long line = cascade_table_line(table, row);
        return cascade_error_set(error, CASCADE_ERR_VALUE, cascade_table_path(table), line,
                                 (long long)column + 1,
                                 "line %ld, column \"%s\": %g is not a %s in points (expected a "
                                 "number from %g to 100)", line, cascade_score_name(score), points,
                                 cascade_score_name(score), lowest);
    }
    *out = points / 100.0;
    return CASCADE_OK;
}

cascade_status cascade_expect_accuracy(const cascade_dataset *dataset, const cascade_table *table,
                                       const cascade_expect_accuracy_options *options,
                                       cascade_accuracy_check *out, cascade_error *error)
{
    if (!dataset || !table || (!out && dataset->model_count))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "cascade_expect_accuracy needs a dataset, a table and an output");
    cascade_expect_accuracy_options defaults = {.tolerance = CASCADE_EXPECT_ACCURACY_TOLERANCE};
    const cascade_expect_accuracy_options *o = options ? options : &defaults;
    if (!(o->tolerance >= 0) || !isfinite(o->tolerance))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "tolerance %g is not a number of percentage points >= 0",
                                 o->tolerance);
    if (!dataset->has_labels)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                 "measuring top-1 accuracy needs labels, and the manifest "
                                 "has none (expected a \"labels\" file)");
    /* Check the columns once, up front, so that a table without them fails
     * even when no model of the dataset is in it. */
    const char *path = cascade_table_path(table);
    int by_accuracy = dataset->score == CASCADE_SCORE_ACCURACY;
    const char *score_name = cascade_score_name(dataset->score);
    long score_column = by_accuracy ? -1 : cascade_table_column(table, score_name);
    if (cascade_table_column(table, "model") < 0)
        return cascade_error_set(error, CASCADE_ERR_FORMAT, path, -1, -1,
                                 "no \"model\" column (expected a table keyed by model name, "
                                 "like timm's results-imagenet.csv)");
    if (!by_accuracy && score_column < 0)
        return cascade_error_set(error, CASCADE_ERR_NOT_FOUND, path, -1, -1,
                                 "no \"%s\" column (expected the published %s in points, "
                                 "100 times the score, as GLUE reports it)", score_name, score_name);
    if (by_accuracy && cascade_table_column(table, "top1") < 0 &&
        cascade_table_column(table, "accuracy") < 0)
        return cascade_error_set(error, CASCADE_ERR_NOT_FOUND, path, -1, -1,
                                 "no \"top1\" or \"accuracy\" column (expected top-1 in percent "
                                 "as \"top1\", or as a fraction as \"accuracy\")");
    cascade_table_find_options find = {.strip_tag = o->strip_tag};
    for (size_t m = 0; m < dataset->model_count; m++) {
        const cascade_model *model = &dataset->models[m];
        const cascade_records *r = &model->records;
        cascade_accuracy_check *c = &out[m];
        c->model = model->name;
        /* correct_count and samples are exact integers: one rounding here. */
        c->measured = model->table_only ? 100.0 * model->accuracy
                      : !r->samples    ? NAN
                      : by_accuracy    ? 100.0 * (double)r->correct_count / (double)r->samples
                                       : 100.0 * cascade_model_score(dataset, m);
        c->published = NAN;
        c->difference = NAN;
        c->table_line = -1;
        c->verdict = CASCADE_ACCURACY_MISSING;
        size_t row;
        cascade_error find_error;
        cascade_error_clear(&find_error);
        /* A manifest's "published" names the model's row where its own name
         * differs from the table's (ResNet50 is timm's resnet50.tv_in1k). */
        const char *key = model->name;
        if (dataset->manifest && m < dataset->manifest->model_count &&
            dataset->manifest->models[m].published)
            key = dataset->manifest->models[m].published;
        cascade_status s = cascade_table_find_model(table, key, &find, &row, &find_error);
        if (s == CASCADE_ERR_NOT_FOUND)
            continue;
        if (s != CASCADE_OK) {
            if (error)
                *error = find_error;
            return s;
        }
        double fraction;
        if (by_accuracy && (s = cascade_table_accuracy(table, row, &fraction, error)) != CASCADE_OK)
            return s;
        if (!by_accuracy &&
            (s = published_score(table, row, (size_t)score_column, dataset->score, &fraction,
                                 error)) != CASCADE_OK)
            return s;
        c->published = 100.0 * fraction;
        c->difference = c->measured - c->published;
        c->table_line = cascade_table_line(table, row);
        c->verdict = cascade_within_tolerance(c->measured, c->published, o->tolerance)
                         ? CASCADE_ACCURACY_OK
                         : CASCADE_ACCURACY_OUTSIDE;
    }
    return CASCADE_OK;
}
