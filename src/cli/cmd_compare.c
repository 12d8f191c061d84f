/* cascade compare: the sweep once per metric, with and without ensembling,
 * one summary row per variant. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/compare.h"
#include "cascade/ensemble.h"
#include "cascade/front.h"
#include "cascade/output.h"
#include "cascade/sweep.h"

enum { VARIANTS = 3 * CASCADE_METRIC_COUNT };

/* Sweeps DATASET one way and summarises its front into ROW. */
static int run_variant(const cascade_dataset *dataset, const cascade_sweep_options *sweep,
                       int ensemble, int quiet, cascade_compare_row *row)
{
    cascade_front front;
    cascade_front_init(&front);
    cli_progress progress;
    cli_progress_start(&progress, quiet);
    cascade_sweep_options options = *sweep;
    options.progress = cli_progress_show;
    options.progress_context = &progress;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status = ensemble
                                ? cascade_sweep_ensemble(dataset, &options, &front, NULL, &error)
                                : cascade_sweep(dataset, &options, &front, NULL, &error);
    cli_progress_end(&progress);
    if (status == CASCADE_OK)
        status = cascade_front_summarise(dataset, sweep->candidates, &front, &row->summary,
                                         &error);
    row->metric = dataset->metric;
    row->calibrated = dataset->calibrated;
    row->ensemble = ensemble;
    row->per_class = 0;
    cascade_front_free(&front);
    return status == CASCADE_OK ? EXIT_OK : cli_report(&error);
}

/* The per-class front of DATASET summarised into ROW. */
static int run_per_class(const cascade_dataset *dataset, const cascade_per_class_options *o,
                         const unsigned char *candidates, cascade_compare_row *row)
{
    cascade_error error;
    cascade_error_clear(&error);
    cascade_per_class_front front;
    cascade_per_class_options options = *o;
    options.candidates = candidates;
    cascade_status status = cascade_per_class_sweep(dataset, &options, &front, &error);
    if (status == CASCADE_OK)
        status = cascade_front_summarise(dataset, candidates, &front.front, &row->summary, &error);
    row->metric = dataset->metric;
    row->calibrated = dataset->calibrated;
    row->ensemble = 0;
    row->per_class = (int)o->mode;
    cascade_per_class_front_free(&front);
    return status == CASCADE_OK ? EXIT_OK : cli_report(&error);
}

int cmd_compare(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"cost", required_argument, NULL, 'c'},
        {"stages", required_argument, NULL, 's'},
        {"grid", required_argument, NULL, 'g'},
        {"models", required_argument, NULL, 'm'},
        {"front-only", no_argument, NULL, 'f'},
        CLI_NO_REFINE_LONG_OPTION,
        {"threads", required_argument, NULL, 't'},
        {"calibrate", required_argument, NULL, 'C'},
        {"score", required_argument, NULL, CLI_OPT_SCORE},
        {"format", required_argument, NULL, 'F'},
        {"quiet", no_argument, NULL, 'q'},
        CLI_PER_CLASS_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL, *model_list = NULL;
    cascade_dataset_options load = {.cost_field = "gmacs", .require_labels = 1};
    cascade_sweep_options sweep = {.max_stages = 2};
    int quiet = 0, json = 0, option, code;
    cascade_per_class_options per_class = {0};
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o': output_path = optarg; break;
        case 'c': load.cost_field = optarg; break;
        case 'C':
            if (cli_parse_calibrate("compare", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case CLI_OPT_SCORE:
            if (cli_parse_score("compare", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 'F':
            if (strcmp(optarg, "json") == 0)
                json = 1;
            else if (strcmp(optarg, "csv") == 0)
                json = 0;
            else
                return cli_usage_error("compare", "--format takes 'csv' or 'json', not \"%s\"",
                                       optarg);
            break;
        case 'q': quiet = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("compare"));
            return cli_finish_stdout();
        default:
            if (cli_per_class_option("compare", option, optarg, argc, argv, &per_class, &code)) {
                if (code != EXIT_OK)
                    return code;
                break;
            }
            if (!cli_sweep_option(option, optarg, &sweep, &load, &model_list, &code))
                return cli_bad_option("compare", option, argc, argv);
            if (code != EXIT_OK)
                return code;
        }
    }
    cli_eval_options no_eval = {0};
    if ((code = cli_per_class_check("compare", &per_class, &sweep, &load, &no_eval, 0, 0)) !=
        EXIT_OK)
        return code;
    if (optind != argc - 1)
        return cli_usage_error("compare", optind >= argc ? "needs a MANIFEST"
                                                          : "takes one MANIFEST, got %d arguments",
                               argc - optind);
    cascade_compare_row rows[VARIANTS];
    size_t row_count = 0;
    int ensembles = load.score == CASCADE_SCORE_ACCURACY;
    cascade_dataset *first = NULL; /* names the reference model in the output */
    unsigned char *candidates = NULL;
    code = EXIT_OK;
    for (unsigned m = 0; m < CASCADE_METRIC_COUNT && code == EXIT_OK; m++) {
        load.metric = (cascade_metric)m;
        cascade_dataset *dataset = NULL;
        code = cli_load_dataset(argv[optind], &load, quiet || m > 0, "cascade compare",
                                &dataset);
        if (code != EXIT_OK)
            break;
        if (!first)
            first = dataset;
        if (model_list && !candidates) {
            code = cli_select_models(dataset, model_list, "compare", &candidates);
            sweep.candidates = candidates;
        }
        /* Per metric: plain, ensembled (ensembles are scored by accuracy
         * only: other scores leave them out), then per-class next to them. */
        for (int ensemble = 0; ensemble <= ensembles && code == EXIT_OK; ensemble++)
            code = run_variant(dataset, &sweep, ensemble, quiet, &rows[row_count++]);
        if (per_class.mode && code == EXIT_OK)
            code = run_per_class(dataset, &per_class, candidates, &rows[row_count++]);
        if (dataset != first)
            cascade_dataset_free(dataset);
    }
    if (code == EXIT_OK) {
        cascade_error error;
        cascade_error_clear(&error);
        cascade_output output;
        cascade_status status = cascade_output_open(output_path, &output, &error);
        if (status == CASCADE_OK) {
            status = json ? cascade_write_compare_json(output.file, first, rows, row_count)
                          : cascade_write_compare_csv(output.file, first, rows, row_count);
            status = cli_output_finish(&output, status, output_path, &error);
        }
        code = status == CASCADE_OK ? EXIT_OK : cli_report(&error);
    }
    free(candidates);
    cascade_dataset_free(first);
    return code;
}
