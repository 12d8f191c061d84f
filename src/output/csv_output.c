/* CSV tables: the front and the per-model summary. */
#include "cascade/output.h"
#include "cascade/selective_risk.h"

#include <csv.h>
#include <stdint.h>

#include "cascade/per_class.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void number_field(FILE *file, double value, int last)
{
    char buf[32];
    cascade_format_double(value, buf);
    cascade_csv_field(file, buf, last);
}

/* Joins up to CASCADE_MAX_STAGES values with ';'. */
static void joined_numbers(FILE *file, const double *values, unsigned count, int last)
{
    char text[CASCADE_MAX_STAGES * 33] = "";
    size_t used = 0;
    for (unsigned i = 0; i < count; i++) {
        if (i)
            text[used++] = ';';
        cascade_format_double(values[i], text + used); /* at most 31 characters and a NUL */
        used += strlen(text + used);
    }
    cascade_csv_field(file, text, last);
}

static int by_point(const void *a, const void *b)
{
    return cascade_point_compare(a, b);
}

static int on_front(const cascade_front *front, const cascade_point *p)
{
    size_t lo = 0, hi = front->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cascade_point_compare(&front->points[mid], p);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}


/* The temperatures cell of P: each stage's T joined by ';', or empty when a
 * stage has none (a table-only model). */
static void temperatures_field(FILE *file, const cascade_dataset *dataset,
                               const cascade_point *p)
{
    double t[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < p->stages; s++) {
        const cascade_calibration *c = &dataset->models[p->model[s]].calibration;
        if (!c->fitted) {
            cascade_csv_field(file, "", 1);
            return;
        }
        t[s] = c->temperature;
    }
    joined_numbers(file, t, p->stages, 1);
}

/* A per-class row's models cell: the first model, '>', and every second
 * model some class escalates to, joined by '|'. */
static char *policy_models(const cascade_dataset *dataset, const cascade_per_class_front *pc,
                           size_t row, cascade_policy_walk *walk)
{
    const cascade_policy_set *set = &pc->policies;
    size_t index = pc->policy[row];
    const cascade_class_rule *rules = cascade_policy_walk_step(walk, index);
    size_t len = strlen(dataset->models[set->policies[index].first].name) + 2;
    unsigned char *used = calloc(dataset->model_count ? dataset->model_count : 1, 1);
    if (!used)
        return NULL;
    for (size_t c = 0; c < set->classes; c++)
        if (rules[c].second >= 0 && !used[rules[c].second]) {
            used[rules[c].second] = 1;
            len += strlen(dataset->models[rules[c].second].name) + 1;
        }
    char *names = malloc(len);
    if (names) {
        strcpy(names, dataset->models[set->policies[index].first].name);
        strcat(names, ">");
        int first = 1;
        for (size_t m = 0; m < dataset->model_count; m++)
            if (used[m]) {
                if (!first)
                    strcat(names, "|");
                strcat(names, dataset->models[m].name);
                first = 0;
            }
    }
    free(used);
    return names;
}

/* FRONT_MARKS: NULL for a plain front, else the front to mark points on.
 * PER_CLASS: NULL, or the per-class front POINTS belongs to: its rows get
 * policy and max_gap columns after the metric. EXTRA: NULL, or columns to
 * append after those. A calibrated dataset adds temperatures last, so that
 * every other column keeps its place. */
static cascade_status write_points(FILE *file, const cascade_dataset *dataset,
                                   const cascade_front *points,
                                   const cascade_front *front_marks, int ensemble,
                                   const cascade_per_class_front *per_class,
                                   const cascade_extra_columns *extra)
{
    cascade_policy_walk walk = {0};
    if (per_class && cascade_policy_walk_init(&walk, &per_class->policies) != CASCADE_OK)
        return CASCADE_ERR_NOMEM;
    char metric[64];
    cascade_metric_label(dataset, ensemble, metric);
    size_t extras = extra ? extra->count : 0;
    int temperatures = dataset->calibrated;
    /* The score column is named after the score: a front by mcc cannot be
     * read as one by accuracy. */
    fprintf(file, "models,thresholds,%s,cost,stages,answered,%smetric",
            cascade_score_name(dataset->score), front_marks ? "on_front," : "");
    if (per_class)
        fputs(",policy,max_gap", file);
    fputc(extras || temperatures ? ',' : '\n', file);
    for (size_t c = 0; c < extras; c++)
        cascade_csv_field(file, extra->names[c], c + 1 == extras && !temperatures);
    if (temperatures)
        cascade_csv_field(file, "temperatures", 1);
    for (size_t i = 0; i < points->count; i++) {
        const cascade_point *p = &points->points[i];
        int policy = per_class && per_class->policy[i] != SIZE_MAX;
        char *names = policy ? policy_models(dataset, per_class, i, &walk) : NULL;
        if (!policy) {
            size_t len = 1;
            for (unsigned s = 0; s < p->stages; s++)
                len += strlen(dataset->models[p->model[s]].name) + 1;
            if ((names = malloc(len))) {
                names[0] = '\0';
                for (unsigned s = 0; s < p->stages; s++) {
                    if (s)
                        strcat(names, ">");
                    strcat(names, dataset->models[p->model[s]].name);
                }
            }
        }
        if (!names) {
            cascade_policy_walk_free(&walk);
            return CASCADE_ERR_NOMEM;
        }
        cascade_csv_field(file, names, 0);
        free(names);
        if (policy)
            cascade_csv_field(file, "", 0);
        else
            joined_numbers(file, p->threshold, p->stages - 1, 0);
        number_field(file, p->accuracy, 0);
        number_field(file, p->cost, 0);
        fprintf(file, "%u,", p->stages);
        joined_numbers(file, p->answered, p->stages, 0);
        if (front_marks)
            fprintf(file, "%d,", on_front(front_marks, p));
        cascade_csv_field(file, metric, !extras && !temperatures && !per_class);
        if (per_class) {
            if (policy)
                fprintf(file, "%zu,", per_class->policy[i]);
            else
                fputc(',', file);
            number_field(file, per_class->max_gap[i], !extras && !temperatures);
        }
        for (size_t c = 0; c < extras; c++) {
            double v = extra->values[i * extras + c];
            int last = c + 1 == extras && !temperatures;
            if (isnan(v))
                cascade_csv_field(file, "", last);
            else
                number_field(file, v, last);
        }
        if (temperatures)
            temperatures_field(file, dataset, p);
    }
    cascade_policy_walk_free(&walk);
    return ferror(file) ? CASCADE_ERR_IO : CASCADE_OK;
}

cascade_status cascade_write_front_csv(FILE *file, const cascade_dataset *dataset,
                                       const cascade_front *front)
{
    return write_points(file, dataset, front, NULL, 0, NULL, NULL);
}

cascade_status cascade_write_front_csv_extra(FILE *file, const cascade_dataset *dataset,
                                             const cascade_front *front,
                                             const cascade_extra_columns *extra)
{
    return write_points(file, dataset, front, NULL, 0, NULL, extra);
}

cascade_status cascade_write_ensemble_front_csv(FILE *file, const cascade_dataset *dataset,
                                                const cascade_front *front)
{
    return write_points(file, dataset, front, NULL, 1, NULL, NULL);
}

cascade_status cascade_write_points_csv(FILE *file, const cascade_dataset *dataset,
                                        cascade_front *points,
                                        const cascade_front *front)
{
    return cascade_write_points_csv_extra(file, dataset, points, front, NULL);
}

cascade_status cascade_write_points_csv_extra(FILE *file, const cascade_dataset *dataset,
                                              cascade_front *points, const cascade_front *front,
                                              const cascade_extra_columns *extra)
{
    qsort(points->points, points->count, sizeof *points->points, by_point);
    return write_points(file, dataset, points, front, 0, NULL, extra);
}

cascade_status cascade_write_per_class_front_csv(FILE *file, const cascade_dataset *dataset,
                                                const cascade_per_class_front *front,
                                                const cascade_extra_columns *extra)
{
    return write_points(file, dataset, &front->front, NULL, 0, front, extra);
}

cascade_status cascade_write_models_csv(FILE *file, const cascade_dataset *dataset)
{
    int scored = dataset->score != CASCADE_SCORE_ACCURACY;
    fprintf(file, "name,samples,classes,accuracy,%s%smean_confidence,cost,aurc,e_aurc%s\n",
            scored ? cascade_score_name(dataset->score) : "", scored ? "," : "",
            dataset->calibrated ? ",temperature,nll_before,nll_after,ece_before,ece_after" : "");
    for (size_t m = 0; m < dataset->model_count; m++) {
        const cascade_model *model = &dataset->models[m];
        const cascade_records *r = &model->records;
        double confidence_sum = 0.0;
        for (size_t i = 0; i < r->samples; i++)
            confidence_sum += r->confidence[i];
        cascade_csv_field(file, model->name, 0);
        fprintf(file, "%zu,%zu,", r->samples, r->classes);
        if (model->table_only) {
            number_field(file, model->accuracy, 0);
            if (scored)
                cascade_csv_field(file, "", 0);
            cascade_csv_field(file, "", 0);
            number_field(file, model->cost, 0);
            cascade_csv_field(file, "", 0);
            cascade_csv_field(file, "", !dataset->calibrated);
            for (int c = 0; dataset->calibrated && c < 5; c++)
                cascade_csv_field(file, "", c == 4);
            continue;
        }
        if (dataset->has_labels)
            number_field(file, (double)r->correct_count / (double)r->samples, 0);
        else
            cascade_csv_field(file, "", 0);
        /* a graded quality needs no labels */
        if (scored && (dataset->has_labels || r->quality))
            number_field(file, cascade_model_score(dataset, m), 0);
        else if (scored)
            cascade_csv_field(file, "", 0);
        number_field(file, confidence_sum / (double)r->samples, 0);
        number_field(file, model->cost, 0);
        cascade_selective_risk risk;
        if (cascade_model_selective_risk(dataset, model, &risk)) {
            number_field(file, risk.aurc, 0);
            number_field(file, risk.e_aurc, !dataset->calibrated);
        } else {
            cascade_csv_field(file, "", 0);
            cascade_csv_field(file, "", !dataset->calibrated);
        }
        if (dataset->calibrated) {
            const cascade_calibration *c = &model->calibration;
            number_field(file, c->temperature, 0);
            number_field(file, c->nll_before, 0);
            number_field(file, c->nll_after, 0);
            number_field(file, c->ece_before, 0);
            number_field(file, c->ece_after, 1);
        }
    }
    return ferror(file) ? CASCADE_ERR_IO : CASCADE_OK;
}
