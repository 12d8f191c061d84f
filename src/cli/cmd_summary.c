/* cascade summary: the paper's reduction in cost at equal accuracy, per
 * accuracy range, as JSON (cascade/summary.h has the definition). */
#include "cli/cli.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/costs.h"
#include "cascade/table_dataset.h"
#include "cascade/expect.h"
#include "cascade/figures.h"
#include "cascade/output.h"
#include "cascade/split.h"
#include "cascade/summary.h"
#include "cascade/sweep.h"

enum { MAX_RANGES = 32, MAX_EXPECT = 64 };
enum { OPT_EXPECT = 0x200, OPT_FORMAT };

typedef struct range {
    double lo, hi;
} range;

/* One bound of --range: a fraction, or a percentage with '%'. */
static int parse_bound(const char *text, size_t len, double *out)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, text, len);
    buf[len] = '\0';
    double scale = 1.0;
    if (buf[len - 1] == '%') {
        buf[--len] = '\0';
        scale = 100.0;
    }
    char *end = NULL;
    errno = 0;
    double v = strtod(buf, &end);
    /* down to -1 for mcc; other scores refuse a negative bound later */
    if (len == 0 || end == buf || *end != '\0' || errno == ERANGE || !(v >= -scale && v <= scale))
        return 0;
    *out = v / scale;
    return 1;
}

static int parse_range(const char *text, range *out)
{
    const char *colon = strchr(text, ':');
    if (!colon || !parse_bound(text, (size_t)(colon - text), &out->lo) ||
        !parse_bound(colon + 1, strlen(colon + 1), &out->hi) || out->lo > out->hi) {
        cli_error("--range takes LO:HI, scores as fractions (0.80:0.86) or percentages "
                  "(80%%:86%%) with LO <= HI, not \"%s\"", text);
        return 0;
    }
    return 1;
}

/* The score of the cheapest of the CANDIDATES (all models when NULL; the
 * first of the cheapest). */
static double cheapest_score(const cascade_dataset *d, const unsigned char *candidates)
{
    size_t cheapest = SIZE_MAX;
    for (size_t m = 0; m < d->model_count; m++)
        if ((!candidates || candidates[m]) &&
            (cheapest == SIZE_MAX || d->models[m].cost < d->models[cheapest].cost))
            cheapest = m;
    return cheapest == SIZE_MAX ? 0.0 : cascade_model_score(d, cheapest);
}

/* ---- JSON ---- */

/* POLICY: SIZE_MAX for an ordinary point; else the point is that per-class
 * policy (the id sweep --per-class gives it with the same options), whose
 * first model and busiest second model stand in models, and thresholds is
 * null. */
static cJSON *point_json(const cascade_dataset *d, const cascade_point *p, size_t policy)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *models = cJSON_AddArrayToObject(o, "models");
    cJSON *thresholds = policy == SIZE_MAX ? cJSON_AddArrayToObject(o, "thresholds")
                                           : cJSON_AddNullToObject(o, "thresholds");
    for (unsigned s = 0; s < p->stages; s++) {
        cJSON_AddItemToArray(models, cJSON_CreateString(d->models[p->model[s]].name));
        if (s + 1 < p->stages && policy == SIZE_MAX)
            cJSON_AddItemToArray(thresholds, cJSON_CreateNumber(p->threshold[s]));
    }
    if (policy != SIZE_MAX)
        cJSON_AddNumberToObject(o, "policy", (double)policy);
    cJSON_AddNumberToObject(o, cascade_score_name(d->score), p->accuracy);
    cJSON_AddNumberToObject(o, "cost", p->cost);
    return o;
}

/* A number, or null when it is NaN (no figure) or infinite. */
static void add_figure(cJSON *o, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, name, v);
    else
        cJSON_AddNullToObject(o, name);
}

/* The pairs a -> b whose APGR and CPT the summary reports. */
typedef struct pair_list {
    unsigned (*pair)[2];
    size_t count;
} pair_list;

/* Bootstrap intervals of one section's figures; NULL: none asked for. */
typedef struct section_intervals {
    const cascade_figure_interval *mean_reduction; /* [range_count] */
    const cascade_figure_interval *apgr;           /* [pairs->count] */
    cascade_figure_interval aiq;
} section_intervals;

static void add_interval(cJSON *o, const char *name, const cascade_figure_interval *interval)
{
    char key[64];
    snprintf(key, sizeof key, "%s_lo", name);
    add_figure(o, key, interval->lo);
    snprintf(key, sizeof key, "%s_hi", name);
    add_figure(o, key, interval->hi);
}

/* AIQ and each pair's figures, measured on D. */
static int add_curve_figures(cJSON *section, const cascade_dataset *d,
                             const cascade_point *singles, size_t single_count,
                             const cascade_point *front, size_t front_count,
                             const pair_list *pairs, const section_intervals *intervals,
                             cascade_error *error)
{
    double aiq;
    if (cascade_aiq_of_points(singles, single_count, front, front_count, &aiq, error) !=
        CASCADE_OK)
        return 0;
    add_figure(section, "aiq", aiq);
    if (intervals)
        add_interval(section, "aiq", &intervals->aiq);
    cJSON *list = cJSON_AddArrayToObject(section, "pairs");
    for (size_t i = 0; i < pairs->count; i++) {
        cascade_pair_figures f;
        if (cascade_pair_figures_of(d, pairs->pair[i][0], pairs->pair[i][1], &f, error) !=
            CASCADE_OK)
            return 0;
        cJSON *o = cJSON_CreateObject();
        cJSON *models = cJSON_AddArrayToObject(o, "models");
        for (int s = 0; s < 2; s++)
            cJSON_AddItemToArray(models, cJSON_CreateString(d->models[pairs->pair[i][s]].name));
        cJSON_AddNumberToObject(o, "q_a", f.q_a);
        cJSON_AddNumberToObject(o, "q_b", f.q_b);
        add_figure(o, "apgr", f.apgr);
        if (intervals)
            add_interval(o, "apgr", &intervals->apgr[i]);
        static const char *const cpt[CASCADE_CPT_COUNT] = {"cpt_50", "cpt_80", "cpt_90"};
        for (int l = 0; l < CASCADE_CPT_COUNT; l++)
            add_figure(o, cpt[l], f.cpt[l]);
        cJSON_AddItemToArray(list, o);
    }
    return 1;
}

/* Ranges, single-model matches, AIQ and pairs for one set of figures (fit
 * or eval). */
static cJSON *section_json(const cascade_dataset *d, const cascade_point *singles,
                           size_t single_count, const cascade_point *front, size_t front_count,
                           const size_t *policy, const range *ranges, size_t range_count,
                           const pair_list *pairs, const section_intervals *intervals,
                           cascade_error *error)
{
    cJSON *section = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(section, "ranges");
    for (size_t r = 0; r < range_count; r++) {
        cascade_range_summary s;
        if (cascade_summary_range(singles, single_count, front, front_count, ranges[r].lo,
                                  ranges[r].hi, 0, &s, error) != CASCADE_OK) {
            cJSON_Delete(section);
            return NULL;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "lo", s.lo);
        cJSON_AddNumberToObject(o, "hi", s.hi);
        add_figure(o, "top", s.top);
        cJSON_AddNumberToObject(o, "levels", (double)s.levels);
        add_figure(o, "mean_reduction", s.mean_reduction);
        if (intervals)
            add_interval(o, "mean_reduction", &intervals->mean_reduction[r]);
        add_figure(o, "geomean_reduction", s.geomean_reduction);
        add_figure(o, "max_reduction", s.max_reduction);
        if (s.levels) {
            cJSON *best = cJSON_AddObjectToObject(o, "best");
            cJSON_AddNumberToObject(best, "level", s.best_level);
            add_figure(best, "reduction", s.max_reduction);
            cJSON_AddItemToObject(best, "point",
                                  point_json(d, &front[s.best_point],
                                             policy ? policy[s.best_point] : SIZE_MAX));
            cJSON_AddItemToObject(best, "single", point_json(d, &singles[s.best_single], SIZE_MAX));
        } else {
            cJSON_AddNullToObject(o, "best");
        }
        cJSON_AddItemToArray(list, o);
    }
    cascade_single_match *matches = NULL;
    size_t count = 0;
    if (cascade_summary_singles(singles, single_count, front, front_count, &matches, &count,
                                error) != CASCADE_OK) {
        cJSON_Delete(section);
        return NULL;
    }
    cJSON *single_list = cJSON_AddArrayToObject(section, "singles");
    for (size_t i = 0; i < count; i++) {
        const cascade_point *single = &singles[matches[i].single];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "model", d->models[single->model[0]].name);
        cJSON_AddNumberToObject(o, cascade_score_name(d->score), single->accuracy);
        cJSON_AddNumberToObject(o, "cost", single->cost);
        if (matches[i].point == SIZE_MAX)
            cJSON_AddNullToObject(o, "match");
        else
            cJSON_AddItemToObject(o, "match",
                                  point_json(d, &front[matches[i].point],
                                             policy ? policy[matches[i].point] : SIZE_MAX));
        add_figure(o, "speedup", matches[i].speedup);
        cJSON_AddItemToArray(single_list, o);
    }
    free(matches);
    if (!add_curve_figures(section, d, singles, single_count, front, front_count, pairs,
                           intervals, error)) {
        cJSON_Delete(section);
        return NULL;
    }
    return section;
}

/* Every candidate model alone, measured on DATASET. */
static cascade_status single_points(const cascade_dataset *dataset,
                                    const unsigned char *candidates, cascade_point *out,
                                    size_t *count, cascade_error *error)
{
    *count = 0;
    for (size_t m = 0; m < dataset->model_count; m++) {
        if (candidates && !candidates[m])
            continue;
        unsigned model = (unsigned)m;
        cascade_status status = cascade_evaluate(dataset, 1, &model, NULL, &out[*count], error);
        if (status != CASCADE_OK)
            return status;
        (*count)++;
    }
    return CASCADE_OK;
}

typedef struct summary_inputs {
    const char *source, *costs, *cost;
    const cascade_dataset *dataset;
    const cli_held_out *held_out;
    const unsigned char *candidates;
    const cascade_front *front;
    const cascade_per_class_front *per_class; /* NULL, or the front FRONT belongs to */
    const range *ranges;
    size_t range_count;
    int csv;                             /* --format csv */
    const cascade_expectation *expect;   /* [expect_count] */
    size_t expect_count;
    unsigned bootstrap;                  /* --bootstrap B; 0: none */
    uint64_t seed;
} summary_inputs;

/* The pairs on the front, in front order; with --models naming exactly two
 * models with scores, also that pair (the cheaper first) when the front has
 * it not. The caller frees OUT->pair. */
static int summary_pairs(const summary_inputs *in, pair_list *out)
{
    const cascade_dataset *d = in->dataset;
    size_t n = in->front->count;
    out->count = 0;
    out->pair = malloc((n + 1) * sizeof *out->pair);
    if (!out->pair)
        return 0;
    unsigned named[2], named_count = 0;
    for (size_t m = 0; in->candidates && m < d->model_count; m++)
        if (in->candidates[m] && named_count++ < 2)
            named[named_count - 1] = (unsigned)m;
    for (size_t i = 0; i <= n; i++) {
        unsigned a, b;
        if (i < n) {
            const cascade_point *p = &in->front->points[i];
            if (p->stages != 2)
                continue;
            a = p->model[0];
            b = p->model[1];
        } else {
            if (named_count != 2 || d->models[named[0]].table_only ||
                d->models[named[1]].table_only)
                continue;
            int swap = d->models[named[1]].cost < d->models[named[0]].cost;
            a = named[swap];
            b = named[!swap];
        }
        size_t j = 0;
        while (j < out->count && !(out->pair[j][0] == a && out->pair[j][1] == b))
            j++;
        if (j == out->count) {
            out->pair[j][0] = a;
            out->pair[j][1] = b;
            out->count++;
        }
    }
    return 1;
}

/* With --bootstrap: the intervals of SECTION's figures on D, whose singles
 * and front points are SINGLES and FRONT. Returns an exit code. */
static int bootstrap_intervals(const summary_inputs *in, const cascade_dataset *d,
                               const cascade_point *singles, size_t single_count,
                               const pair_list *pairs, section_intervals *out,
                               cascade_figure_interval *storage)
{
    unsigned *models = malloc((single_count ? single_count : 1) * sizeof *models);
    double *bounds = malloc((in->range_count ? in->range_count : 1) * 2 * sizeof *bounds);
    if (!models || !bounds) {
        free(models);
        free(bounds);
        cli_error("out of memory");
        return EXIT_DATA;
    }
    for (size_t i = 0; i < single_count; i++)
        models[i] = singles[i].model[0];
    for (size_t r = 0; r < in->range_count; r++) {
        bounds[r] = in->ranges[r].lo;
        bounds[in->range_count + r] = in->ranges[r].hi;
    }
    cascade_summary_figures_request request = {
        .singles = models, .single_count = single_count, .front = in->front->points,
        .front_count = in->front->count, .range_lo = bounds,
        .range_hi = bounds + in->range_count, .range_count = in->range_count,
        .pairs = (const unsigned (*)[2])pairs->pair, .pair_count = pairs->count};
    cascade_bootstrap_options options = {.resamples = in->bootstrap, .seed = in->seed};
    cascade_error error;
    cascade_error_clear(&error);
    out->mean_reduction = storage;
    out->apgr = storage + in->range_count;
    cascade_status status = cascade_summary_bootstrap(d, &request, &options, storage,
                                                      storage + in->range_count, &out->aiq,
                                                      &error);
    free(models);
    free(bounds);
    return status == CASCADE_OK ? EXIT_OK : cli_report(&error);
}

/* ---- --format csv: one row per range, read back from the JSON ---- */

static void csv_number(FILE *file, const cJSON *item, int last)
{
    char buf[32] = "";
    if (cJSON_IsNumber(item))
        cascade_format_double(item->valuedouble, buf);
    fputs(buf, file);
    fputc(last ? '\n' : ',', file);
}

/* A point's models joined by '>' and thresholds by ';', as in a front CSV. */
static void csv_joined(FILE *file, const cJSON *array, const char *separator, int strings)
{
    char text[4096] = "", buf[32];
    size_t used = 0;
    int first = 1;
    const cJSON *item;
    cJSON_ArrayForEach(item, array) {
        const char *piece = strings ? cJSON_GetStringValue(item) : NULL;
        if (!strings) {
            cascade_format_double(item->valuedouble, buf);
            piece = buf;
        }
        used += (size_t)snprintf(text + used, used < sizeof text ? sizeof text - used : 0,
                                 "%s%s", first ? "" : separator, piece ? piece : "");
        first = 0;
    }
    cascade_csv_field(file, text, 0);
}

static void write_csv(const cJSON *root, FILE *file)
{
    const char *score = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "score"));
    fprintf(file, "section,range,lo,hi,top,levels,mean_reduction,geomean_reduction,max_reduction,"
                  "best_level,best_models,best_thresholds,best_%s,best_cost,best_single,"
                  "best_single_cost\n", score);
    static const char *const sections[] = {"fit", "eval"};
    for (int s = 0; s < 2; s++) {
        const cJSON *ranges = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(root, sections[s]), "ranges");
        const cJSON *r;
        int index = 0;
        cJSON_ArrayForEach(r, ranges) {
            fprintf(file, "%s,%d,", sections[s], index++);
            static const char *const figures[] = {"lo", "hi", "top", "levels", "mean_reduction",
                                                  "geomean_reduction", "max_reduction"};
            for (size_t f = 0; f < sizeof figures / sizeof figures[0]; f++)
                csv_number(file, cJSON_GetObjectItemCaseSensitive(r, figures[f]), 0);
            const cJSON *best = cJSON_GetObjectItemCaseSensitive(r, "best");
            const cJSON *point = cJSON_GetObjectItemCaseSensitive(best, "point");
            const cJSON *single = cJSON_GetObjectItemCaseSensitive(best, "single");
            csv_number(file, cJSON_GetObjectItemCaseSensitive(best, "level"), 0);
            csv_joined(file, cJSON_GetObjectItemCaseSensitive(point, "models"), ">", 1);
            csv_joined(file, cJSON_GetObjectItemCaseSensitive(point, "thresholds"), ";", 0);
            csv_number(file, cJSON_GetObjectItemCaseSensitive(point, score), 0);
            csv_number(file, cJSON_GetObjectItemCaseSensitive(point, "cost"), 0);
            csv_joined(file, cJSON_GetObjectItemCaseSensitive(single, "models"), ">", 1);
            csv_number(file, cJSON_GetObjectItemCaseSensitive(single, "cost"), 1);
        }
    }
}

/* ---- --expect ---- */

/* Checks every expectation against the JSON TEXT, one line each on stderr;
 * returns EXIT_DATA when one fails. */
static int check_expectations(const summary_inputs *in, const char *text)
{
    int code = EXIT_OK;
    for (size_t i = 0; i < in->expect_count; i++) {
        const cascade_expectation *e = &in->expect[i];
        char resolved[512], value[32], got_text[32], tol[40];
        double got;
        cascade_error error;
        cascade_error_clear(&error);
        cascade_format_double(e->value, value);
        tol[0] = '\0';
        if (e->has_tolerance) {
            char number[32];
            cascade_format_double(e->tolerance, number);
            snprintf(tol, sizeof tol, ":%s%s", number, e->relative ? "%" : "");
        }
        if (cascade_summary_figure(text, e->key, &got, resolved, sizeof resolved, &error) !=
            CASCADE_OK) {
            char message[2200];
            cascade_error_format(&error, message, sizeof message);
            fprintf(stderr, "expect %s=%s%s: %s: FAILED\n", e->key, value, tol, message);
            code = EXIT_DATA;
            continue;
        }
        int met = cascade_expectation_met(e, got);
        if (isnan(got))
            snprintf(got_text, sizeof got_text, "null");
        else
            cascade_format_double(got, got_text);
        fprintf(stderr, "expect %s=%s%s: got %s (%s, difference %.6g, tolerance %.6g): %s\n",
                e->key, value, tol, got_text, resolved, got - e->value,
                cascade_expectation_tolerance(e), met ? "ok" : "FAILED");
        if (!met)
            code = EXIT_DATA;
    }
    return code;
}

/* Writes the summary to FILE; *EXPECTED gets the expectations' verdict
 * (EXIT_OK or EXIT_DATA), so that the summary is written either way. */
static int write_summary(const summary_inputs *in, FILE *file, int *expected)
{
    const cascade_dataset *fit = in->held_out->fit, *eval = in->held_out->eval;
    size_t models = in->dataset->model_count, n = in->front->count;
    cascade_point *singles = malloc((models ? models : 1) * sizeof *singles);
    cascade_point *eval_singles = malloc((models ? models : 1) * sizeof *eval_singles);
    cascade_point *eval_front = malloc((n ? n : 1) * sizeof *eval_front);
    cJSON *root = cJSON_CreateObject();
    cascade_error error;
    cascade_error_clear(&error);
    int code = EXIT_OK;
    pair_list pairs = {NULL, 0};
    section_intervals intervals;
    cascade_figure_interval *storage = NULL;
    if (!singles || !eval_singles || !eval_front || !root) {
        cli_error("out of memory");
        code = EXIT_DATA;
        goto done;
    }
    cJSON_AddStringToObject(root, "source", in->source);
    if (in->costs)
        cJSON_AddStringToObject(root, "costs", in->costs);
    else
        cJSON_AddNullToObject(root, "costs");
    cJSON_AddStringToObject(root, "cost", in->cost);
    cJSON_AddStringToObject(root, "score", cascade_score_name(in->dataset->score));
    cJSON_AddNumberToObject(root, "samples", (double)in->dataset->samples);
    cJSON_AddNumberToObject(root, "samples_left_out", (double)in->dataset->samples_left_out);
    if (eval) {
        cJSON_AddNumberToObject(root, "fit_samples", (double)fit->samples);
        cJSON_AddNumberToObject(root, "eval_samples", (double)eval->samples);
    }
    cJSON_AddNumberToObject(root, "levels_per_range", CASCADE_SUMMARY_LEVELS);
    cJSON_AddNumberToObject(root, "front_points", (double)n);
    if (!summary_pairs(in, &pairs) ||
        !(storage = malloc((in->range_count + pairs.count + 1) * sizeof *storage))) {
        cli_error("out of memory");
        code = EXIT_DATA;
        goto done;
    }
    if (in->bootstrap) {
        cJSON *b = cJSON_AddObjectToObject(root, "bootstrap");
        cJSON_AddNumberToObject(b, "resamples", (double)in->bootstrap);
        cJSON_AddNumberToObject(b, "seed", (double)in->seed);
        cJSON_AddNumberToObject(b, "level", 0.95);
        cJSON_AddStringToObject(b, "part", eval ? "eval" : "fit");
    }
    size_t single_count;
    if (single_points(fit, in->candidates, singles, &single_count, &error) != CASCADE_OK) {
        code = cli_report(&error);
        goto done;
    }
    if (in->bootstrap && !eval &&
        (code = bootstrap_intervals(in, fit, singles, single_count, &pairs, &intervals,
                                    storage)) != EXIT_OK)
        goto done;
    const size_t *policy = in->per_class ? in->per_class->policy : NULL;
    if (in->per_class)
        cJSON_AddNumberToObject(root, "per_class_policies", (double)in->per_class->policies.count);
    cJSON *section = section_json(fit, singles, single_count, in->front->points, n, policy,
                                  in->ranges, in->range_count, &pairs,
                                  in->bootstrap && !eval ? &intervals : NULL, &error);
    if (!section) {
        code = cli_report(&error);
        goto done;
    }
    cJSON_AddItemToObject(root, "fit", section);
    if (eval) {
        /* The points chosen on fit, measured on eval: their figures, not a
         * front chosen again. */
        size_t eval_count;
        if (single_points(eval, in->candidates, eval_singles, &eval_count, &error) != CASCADE_OK ||
            (in->per_class
                 ? cascade_per_class_evaluate_front(in->per_class, eval, eval_front, &error)
                 : cascade_evaluate_points(eval, in->front->points, n, eval_front, &error)) !=
                CASCADE_OK) {
            code = cli_report(&error);
            goto done;
        }
        if (in->bootstrap &&
            (code = bootstrap_intervals(in, eval, eval_singles, eval_count, &pairs, &intervals,
                                        storage)) != EXIT_OK)
            goto done;
        section = section_json(eval, eval_singles, eval_count, eval_front, n, policy, in->ranges,
                               in->range_count, &pairs, in->bootstrap ? &intervals : NULL,
                               &error);
        if (!section) {
            code = cli_report(&error);
            goto done;
        }
        cJSON_AddItemToObject(root, "eval", section);
    }
    char *text = cJSON_Print(root);
    if (!text) {
        cli_error("out of memory");
        code = EXIT_DATA;
        goto done;
    }
    if (in->csv)
        write_csv(root, file);
    else {
        fputs(text, file);
        fputc('\n', file);
    }
    *expected = check_expectations(in, text);
    free(text);
done:
    cJSON_Delete(root);
    free(singles);
    free(eval_singles);
    free(eval_front);
    free(pairs.pair);
    free(storage);
    return code;
}

int cmd_summary(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"range", required_argument, NULL, CLI_OPT_RANGE},
        {"expect", required_argument, NULL, OPT_EXPECT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"accuracy", required_argument, NULL, CLI_OPT_ACCURACY},
        {"cost", required_argument, NULL, 'c'},
        {"stages", required_argument, NULL, 's'},
        {"grid", required_argument, NULL, 'g'},
        {"models", required_argument, NULL, 'm'},
        {"front-only", no_argument, NULL, 'f'},
        CLI_MAX_SECONDS_LONG_OPTION,
        {"no-skip", no_argument, NULL, 'n'},
        CLI_NO_REFINE_LONG_OPTION,
        {"threads", required_argument, NULL, 't'},
        {"score", required_argument, NULL, CLI_OPT_SCORE},
        CLI_COST_TABLE_LONG_OPTIONS,
        CLI_HELD_OUT_LONG_OPTIONS,
        {"bootstrap", required_argument, NULL, CLI_OPT_BOOTSTRAP},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        CLI_PER_CLASS_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL, *results = NULL, *model_list = NULL;
    cascade_per_class_options per_class = {0};
    cascade_dataset_options load = {.cost_field = "gmacs", .require_labels = 0};
    cascade_sweep_options sweep = {.max_stages = 2};
    cli_eval_options eval = {0};
    range ranges[MAX_RANGES];
    size_t range_count = 0;
    cascade_expectation expect[MAX_EXPECT];
    size_t expect_count = 0;
    int quiet = 0, verbose = 0, csv = 0, option, code;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qvh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o': output_path = optarg; break;
        case 'c': load.cost_field = optarg; break;
        case CLI_OPT_ACCURACY: results = optarg; break;
        case CLI_OPT_SCORE:
            if (cli_parse_score("summary", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case CLI_OPT_RANGE:
            if (range_count == MAX_RANGES)
                return cli_usage_error("summary", "takes at most %d --range options", MAX_RANGES);
            if (!parse_range(optarg, &ranges[range_count]))
                return EXIT_USAGE;
            range_count++;
            break;
        case OPT_EXPECT: {
            if (expect_count == MAX_EXPECT)
                return cli_usage_error("summary", "takes at most %d --expect options", MAX_EXPECT);
            cascade_error error;
            cascade_error_clear(&error);
            if (cascade_expectation_parse(optarg, &expect[expect_count], &error) != CASCADE_OK)
                return cli_usage_error("summary", "--expect: %s", error.message);
            expect_count++;
            break;
        }
        case OPT_FORMAT:
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "json") != 0)
                return cli_usage_error("summary", "--format takes json or csv, not \"%s\"", optarg);
            csv = strcmp(optarg, "csv") == 0;
            break;
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("summary"));
            return cli_finish_stdout();
        default:
            if (cli_per_class_option("summary", option, optarg, argc, argv, &per_class, &code)) {
                if (code != EXIT_OK)
                    return code;
                break;
            }
            code = cli_sweep_or_eval_option("summary", option, optarg, &sweep, &load, &model_list,
                                            &eval, argc, argv);
            if (code != EXIT_OK)
                return code;
        }
    }
    if ((code = cli_eval_check(&eval, "summary")) != EXIT_OK)
        return code;
    if ((code = cli_per_class_check("summary", &per_class, &sweep, &load, &eval, 0, 0)) != EXIT_OK)
        return code;
    if (results && per_class.mode)
        return cli_usage_error("summary", "--per-class needs a MANIFEST (tables have no samples)");
    if (results) {
        if (optind != argc)
            return cli_usage_error("summary", "takes --accuracy or a MANIFEST, not both");
        if (!eval.costs)
            return cli_usage_error("summary", "--accuracy needs --costs BENCHMARK.csv");
        if (eval.split > 0 || eval.fit_index || eval.eval_index)
            return cli_usage_error("summary", "tables have no samples to split");
        if (model_list)
            return cli_usage_error("summary", "--models needs a MANIFEST");
        if (load.score != CASCADE_SCORE_ACCURACY)
            return cli_usage_error("summary", "--score %s needs a MANIFEST (a results table has "
                                   "accuracies only)", cascade_score_name(load.score));
        if (eval.bootstrap)
            return cli_usage_error("summary", "tables have no samples to resample for "
                                              "--bootstrap (it needs a MANIFEST)");
    } else if (optind != argc - 1) {
        return cli_usage_error("summary", optind >= argc ? "needs a MANIFEST (or --accuracy)"
                                                          : "takes one MANIFEST, got %d arguments",
                               argc - optind);
    }
    for (size_t r = 0; r < range_count; r++)
        if (ranges[r].lo < cascade_score_lowest(load.score))
            return cli_usage_error("summary", "--range %g:%g goes below the least %s, %g "
                                   "(expected LO >= %g)", ranges[r].lo, ranges[r].hi,
                                   cascade_score_name(load.score),
                                   cascade_score_lowest(load.score),
                                   cascade_score_lowest(load.score));
    int default_range = range_count == 0;
    cli_eval_load_options(&eval, &load);
    /* By accuracy, every figure reads confidences and correctness only. */
    load.drop_predictions = load.score == CASCADE_SCORE_ACCURACY && !per_class.mode;
    cascade_dataset *dataset = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    if (results) {
        cascade_costs_options options = {.cost = load.cost_field, .table_path = eval.costs,
                                         .strip_tag = eval.strip_tag, .img_size = eval.img_size,
                                         .warning = quiet ? NULL : cli_print_warning};
        if (cascade_dataset_from_tables(results, &options, &dataset, NULL, &error) != CASCADE_OK)
            return cli_report(&error);
    } else if ((code = cli_load_dataset(argv[optind], &load, quiet, NULL, &dataset)) != EXIT_OK) {
        return code;
    }
    cli_held_out held_out;
    if ((code = cli_held_out_start(&eval, dataset, quiet, verbose, &held_out)) != EXIT_OK) {
        cascade_dataset_free(dataset);
        return code;
    }
    unsigned char *candidates = NULL;
    if (model_list && (code = cli_select_models(dataset, model_list, "summary", &candidates)) != EXIT_OK) {
        cli_held_out_end(&held_out);
        cascade_dataset_free(dataset);
        return code;
    }
    sweep.candidates = candidates;
    /* The data's score: a quality column sets it (cascade/score.h). */
    if (default_range && dataset->score == CASCADE_SCORE_ACCURACY) {
        /* The paper's two ranges. */
        ranges[0] = (range){0.80, 0.86};
        ranges[1] = (range){0.86, 1.0};
        range_count = 2;
    } else if (default_range) {
        /* The paper's ranges are accuracies; for another score, one range
         * from the cheapest candidate's score up: below it no cascade can save. */
        ranges[0] = (range){cheapest_score(held_out.fit, candidates), 1.0};
        range_count = 1;
    }
    cascade_front front;
    cascade_front_init(&front);
    cli_progress progress;
    cli_progress_start(&progress, quiet);
    sweep.progress = cli_progress_show;
    sweep.progress_context = &progress;
    if (!quiet)
        sweep.estimate = cli_print_estimate;
    cascade_per_class_front per_class_front = {0};
    per_class.candidates = candidates;
    per_class.threads = sweep.threads;
    cascade_status status = per_class.mode
        ? cascade_per_class_sweep(held_out.fit, &per_class, &per_class_front, &error)
        : cascade_sweep(held_out.fit, &sweep, &front, NULL, &error);
    cli_progress_end(&progress);
    if (status != CASCADE_OK) {
        code = cli_report(&error);
    } else {
        summary_inputs in = {.source = results ? results : argv[optind], .costs = eval.costs,
                             .cost = load.cost_field, .dataset = dataset, .held_out = &held_out,
                             .candidates = candidates,
                             .front = per_class.mode ? &per_class_front.front : &front,
                             .per_class = per_class.mode ? &per_class_front : NULL,
                             .ranges = ranges,
                             .range_count = range_count, .csv = csv, .expect = expect,
                             .expect_count = expect_count, .bootstrap = eval.bootstrap,
                             .seed = eval.seed};
        cascade_output output;
        int expected = EXIT_OK;
        status = cascade_output_open(output_path, &output, &error);
        if (status != CASCADE_OK) {
            code = cli_report(&error);
        } else if ((code = write_summary(&in, output.file, &expected)) != EXIT_OK) {
            cascade_output_abort(&output);
        } else if (ferror(output.file)) {
            cascade_output_abort(&output);
            cli_error("%s: write error", output_path ? output_path : "standard output");
            code = EXIT_DATA;
        } else if (cascade_output_commit(&output, &error) != CASCADE_OK) {
            code = cli_report(&error);
        } else {
            code = expected;
        }
    }
    cascade_front_free(&front);
    cascade_per_class_front_free(&per_class_front);
    free(candidates);
    cli_held_out_end(&held_out);
    cascade_dataset_free(dataset);
    return code;
}
