/* cascade models: one row per model. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cascade/output.h"

int cmd_models(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"cost", required_argument, NULL, 'c'},
        {"format", required_argument, NULL, 'f'},
        {"metric", required_argument, NULL, 'M'},
        {"calibrate", required_argument, NULL, 'C'},
        {"quiet", no_argument, NULL, 'q'},
        CLI_COST_TABLE_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL;
    cascade_dataset_options load = {.cost_field = "gmacs", .require_labels = 0};
    int quiet = 0, json = 0, option, code;
    cli_eval_options eval = {0};
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, "o:qh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o': output_path = optarg; break;
        case 'c': load.cost_field = optarg; break;
        case 'f':
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "json") != 0)
                return cli_usage_error("models", "--format takes csv or json, not \"%s\"", optarg);
            json = strcmp(optarg, "json") == 0;
            break;
        case 'M':
            if (cli_parse_metric("models", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 'C':
            if (cli_parse_calibrate("models", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 'q': quiet = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("models"));
            return cli_finish_stdout();
        default:
            /* Only the cost-table options are in long_options. */
            if (!cli_eval_option(&eval, option, optarg, &code))
                return cli_bad_option("models", argc, argv);
            if (code != EXIT_OK)
                return code;
        }
    }
    if ((code = cli_eval_check(&eval, "models")) != EXIT_OK)
        return code;
    cli_eval_load_options(&eval, &load);
    if (optind != argc - 1)
        return cli_usage_error("models", optind >= argc ? "needs a MANIFEST"
                                                         : "takes one MANIFEST, got %d arguments",
                               argc - optind);
    cascade_dataset *dataset = NULL;
    code = cli_load_dataset(argv[optind], &load, quiet, &dataset);
    if (code != EXIT_OK)
        return code;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_output output;
    cascade_status status = cascade_output_open(output_path, &output, &error);
    if (status == CASCADE_OK) {
        status = json ? cascade_write_models_json(output.file, dataset)
                      : cascade_write_models_csv(output.file, dataset);
        if (status != CASCADE_OK) {
            cascade_error_set(&error, status, output_path ? output_path : "standard output",
                              -1, -1, "write error");
            cascade_output_abort(&output);
        } else {
            status = cascade_output_commit(&output, &error);
        }
    }
    code = status == CASCADE_OK ? EXIT_OK : cli_report(&error);
    cascade_dataset_free(dataset);
    return code;
}
