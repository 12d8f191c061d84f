/* Options shared by sweep, summary and models: cost tables, held-out
 * evaluation and bootstrap intervals. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cascade/bootstrap.h"
#include "cascade/split.h"

static int parse_seed(const char *text, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || text[0] == '-') {
        cli_error("--seed takes an integer between 0 and 18446744073709551615, not \"%s\"", text);
        return 0;
    }
    *out = (uint64_t)value;
    return 1;
}

int cli_eval_option(cli_eval_options *o, int option, const char *arg, int *code)
{
    long number;
    *code = EXIT_OK;
    switch (option) {
    case CLI_OPT_COSTS: o->costs = arg; return 1;
    case CLI_OPT_STRIP_TAG: o->strip_tag = 1; return 1;
    case CLI_OPT_IMG_SIZE:
        if (!cli_parse_long("--img-size", arg, 1, 100000, &number))
            *code = EXIT_USAGE;
        o->img_size = number;
        return 1;
    case CLI_OPT_SPLIT: {
        char *end = NULL;
        errno = 0;
        double fraction = strtod(arg, &end);
        if (end == arg || *end != '\0' || errno == ERANGE || !(fraction > 0 && fraction < 1)) {
            cli_error("--split takes the fraction of samples to fit on, a number between 0 and "
                      "1 (exclusive), not \"%s\"", arg);
            *code = EXIT_USAGE;
        }
        o->split = fraction;
        return 1;
    }
    case CLI_OPT_SEED:
        if (!parse_seed(arg, &o->seed))
            *code = EXIT_USAGE;
        return 1;
    case CLI_OPT_FIT_INDEX: o->fit_index = arg; return 1;
    case CLI_OPT_EVAL_INDEX: o->eval_index = arg; return 1;
    case CLI_OPT_BOOTSTRAP:
        if (!cli_parse_long("--bootstrap", arg, 2, 1000000, &number))
            *code = EXIT_USAGE;
        o->bootstrap = (unsigned)number;
        return 1;
    default:
        return 0;
    }
}

int cli_eval_check(const cli_eval_options *o, const char *command)
{
    if (o->split > 0 && (o->fit_index || o->eval_index))
        return cli_usage_error(command, "--split and --fit-index/--eval-index both choose the "
                                        "parts; give one or the other");
    if ((o->strip_tag || o->img_size) && !o->costs)
        return cli_usage_error(command, "%s needs --costs TABLE.csv",
                               o->strip_tag ? "--strip-tag" : "--img-size");
    return EXIT_OK;
}

void cli_eval_load_options(const cli_eval_options *o, cascade_dataset_options *load)
{
    load->costs_path = o->costs;
    load->costs_strip_tag = o->strip_tag;
    load->costs_img_size = o->img_size;
}

void cli_print_warning(void *context, const char *message)
{
    (void)context;
    cli_error("warning: %s", message);
}

int cli_held_out_start(const cli_eval_options *o, cascade_dataset *dataset, int quiet,
                       int verbose, cli_held_out *h)
{
    memset(h, 0, sizeof *h);
    h->fit = dataset;
    if (!(o->split > 0) && !o->fit_index && !o->eval_index)
        return EXIT_OK;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_split split;
    cascade_status status =
        o->split > 0 ? cascade_split_random(dataset->samples, o->split, o->seed, &split, &error)
                     : cascade_split_load(dataset, o->fit_index, o->eval_index, &split, &error);
    if (status == CASCADE_OK)
        status = cascade_dataset_subset(dataset, split.fit, split.fit_count, &h->views[0], &error);
    if (status == CASCADE_OK)
        status = cascade_dataset_subset(dataset, split.eval, split.eval_count, &h->views[1], &error);
    if (status == CASCADE_OK && !quiet && split.left_out)
        cli_error("%zu listed rows were left out of the dataset (empty label lists) and are "
                  "in neither part", split.left_out);
    if (status == CASCADE_OK && verbose && !quiet)
        cli_error("fitting on %zu samples, evaluating on %zu", split.fit_count, split.eval_count);
    cascade_split_free(&split);
    if (status != CASCADE_OK) {
        cli_held_out_end(h);
        return cli_report(&error);
    }
    h->fit = h->views[0];
    h->eval = h->views[1];
    return EXIT_OK;
}

void cli_held_out_end(cli_held_out *h)
{
    cascade_dataset_free(h->views[0]);
    cascade_dataset_free(h->views[1]);
    memset(h, 0, sizeof *h);
}

int cli_front_extras(const cli_eval_options *o, const cli_held_out *h,
                     const cascade_front *front, unsigned threads,
                     cascade_extra_columns *extra, double **values)
{
    /* eval_ and the score's name: eval_mcc for a sweep by mcc. The
     * bootstrap's intervals are for accuracy only (refused for the others). */
#define EXTRA_NAMES(score) {score, "eval_cost", "accuracy_lo", "accuracy_hi", "cost_lo", "cost_hi"}
    static const char *const by_score[CASCADE_SCORE_COUNT][6] = {
        EXTRA_NAMES("eval_accuracy"), EXTRA_NAMES("eval_mcc"), EXTRA_NAMES("eval_f1"),
        EXTRA_NAMES("eval_macro_f1"), EXTRA_NAMES("eval_quality")};
#undef EXTRA_NAMES
    const char *const *names = by_score[h->fit->score];
    memset(extra, 0, sizeof *extra);
    *values = NULL;
    size_t first = h->eval ? 0 : 2;
    size_t last = o->bootstrap ? 6 : 2;
    if (first >= last)
        return EXIT_OK;
    size_t width = last - first, n = front->count;
    double *v = malloc((n ? n : 1) * width * sizeof *v);
    cascade_point *evaluated = malloc((n ? n : 1) * sizeof *evaluated);
    cascade_interval *intervals = malloc((n ? n : 1) * sizeof *intervals);
    if (!v || !evaluated || !intervals) {
        free(v);
        free(evaluated);
        free(intervals);
        cli_error("out of memory");
        return EXIT_DATA;
    }
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status = CASCADE_OK;
    for (size_t i = 0; i < n; i++)
        intervals[i] = (cascade_interval){NAN, NAN, NAN, NAN};
    if (h->eval)
        status = cascade_evaluate_points(h->eval, front->points, n, evaluated, &error);
    if (status == CASCADE_OK && o->bootstrap) {
        cascade_bootstrap_options options = {.resamples = o->bootstrap, .seed = o->seed,
                                             .threads = threads};
        status = cascade_bootstrap(h->eval ? h->eval : h->fit, front->points, n, &options,
                                   intervals, &error);
    }
    for (size_t i = 0; i < n && status == CASCADE_OK; i++) {
        double row[6] = {h->eval ? evaluated[i].accuracy : NAN, h->eval ? evaluated[i].cost : NAN,
                         intervals[i].accuracy_lo, intervals[i].accuracy_hi,
                         intervals[i].cost_lo, intervals[i].cost_hi};
        memcpy(v + i * width, row + first, width * sizeof *v);
    }
    free(evaluated);
    free(intervals);
    if (status != CASCADE_OK) {
        free(v);
        return cli_report(&error);
    }
    extra->count = width;
    extra->names = names + first;
    extra->values = v;
    *values = v;
    return EXIT_OK;
}

int cli_sweep_or_eval_option(const char *command, int option, const char *arg,
                             cascade_sweep_options *sweep, cascade_dataset_options *load,
                             const char **model_list, cli_eval_options *eval, int argc,
                             char **argv)
{
    int code = EXIT_OK;
    if (cli_sweep_option(option, arg, sweep, load, model_list, &code))
        return code;
    if (!cli_eval_option(eval, option, arg, &code))
        return cli_bad_option(command, option, argc, argv);
    return code;
}
