/* cascade front: the single-model front straight from a results table and
 * a benchmark table (timm's files), as sweep's CSV. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>

#include "cascade/costs.h"
#include "cascade/table_dataset.h"
#include "cascade/output.h"
#include "cascade/sweep.h"

int cmd_front(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"accuracy", required_argument, NULL, CLI_OPT_ACCURACY},
        {"cost", required_argument, NULL, 'c'},
        CLI_COST_TABLE_LONG_OPTIONS,
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL, *results = NULL, *cost = "gmacs";
    cli_eval_options eval = {0};
    int quiet = 0, verbose = 0, option, code;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qvh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o': output_path = optarg; break;
        case 'c': cost = optarg; break;
        case CLI_OPT_ACCURACY: results = optarg; break;
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("front"));
            return cli_finish_stdout();
        default:
            if (!cli_eval_option(&eval, option, optarg, &code))
                return cli_bad_option("front", option, argc, argv);
            if (code != EXIT_OK)
                return code;
        }
    }
    if (optind != argc)
        return cli_usage_error("front", "takes no MANIFEST, got \"%s\" (give --accuracy and --costs)",
                               argv[optind]);
    if (!results || !eval.costs)
        return cli_usage_error("front", "needs --accuracy RESULTS.csv and --costs BENCHMARK.csv");
    cascade_costs_options options = {.cost = cost, .table_path = eval.costs,
                                     .strip_tag = eval.strip_tag, .img_size = eval.img_size,
                                     .warning = quiet ? NULL : cli_print_warning};
    cascade_dataset *dataset = NULL;
    cascade_tables_report report;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status = cascade_dataset_from_tables(results, &options, &dataset, &report, &error);
    if (status != CASCADE_OK)
        return cli_report(&error);
    cascade_front front;
    cascade_front_init(&front);
    cascade_sweep_options sweep = {.max_stages = 1};
    status = cascade_sweep(dataset, &sweep, &front, NULL, &error);
    if (status == CASCADE_OK && verbose && !quiet)
        cli_error("%zu of %zu models joined; %zu on the single-model front", report.models,
                  report.results_rows, front.count);
    if (status == CASCADE_OK) {
        cascade_output output;
        status = cascade_output_open(output_path, &output, &error);
        if (status == CASCADE_OK) {
            status = cascade_write_front_csv(output.file, dataset, &front);
            status = cli_output_finish(&output, status, output_path, &error);
        }
    }
    code = status == CASCADE_OK ? EXIT_OK : cli_report(&error);
    cascade_front_free(&front);
    cascade_dataset_free(dataset);
    return code;
}
