/* cascade sweep: manifest -> records -> sweep -> front -> CSV. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cascade/front.h"
#include "cascade/output.h"
#include "cascade/sweep.h"

int cmd_sweep(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"cost", required_argument, NULL, 'c'},
        {"stages", required_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL;
    cascade_dataset_options load = {.cost_field = "gmacs", .require_labels = 1};
    cascade_sweep_options sweep = {.max_stages = 2};
    int quiet = 0, verbose = 0, option;
    long stages;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, "o:qvh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o': output_path = optarg; break;
        case 'c': load.cost_field = optarg; break;
        case 's':
            if (!cli_parse_long("--stages", optarg, 1, 2, &stages))
                return EXIT_USAGE;
            sweep.max_stages = (unsigned)stages;
            break;
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("sweep"));
            return cli_finish_stdout();
        default: return cli_bad_option("sweep", argc, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("sweep", optind >= argc ? "needs a MANIFEST"
                                                        : "takes one MANIFEST, got %d arguments",
                               argc - optind);
    cascade_dataset *dataset = NULL;
    int code = cli_load_dataset(argv[optind], &load, quiet, &dataset);
    if (code != EXIT_OK)
        return code;
    cascade_front front;
    cascade_front_init(&front);
    cascade_sweep_stats stats;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status = cascade_sweep(dataset, &sweep, &front, &stats, &error);
    if (status == CASCADE_OK) {
        if (verbose && !quiet)
            cli_error("swept %zu models, %zu chains, %zu candidate points; %zu on the front",
                      dataset->model_count, stats.chains_swept, stats.candidates, front.count);
        cascade_output output;
        status = cascade_output_open(output_path, &output, &error);
        if (status == CASCADE_OK) {
            status = cascade_write_front_csv(output.file, dataset, &front);
            if (status != CASCADE_OK) {
                cascade_error_set(&error, status, output_path ? output_path : "standard output",
                                  -1, -1, "write error");
                cascade_output_abort(&output);
            } else {
                status = cascade_output_commit(&output, &error);
            }
        }
    }
    code = status == CASCADE_OK ? EXIT_OK : cli_report(&error);
    cascade_front_free(&front);
    cascade_dataset_free(dataset);
    return code;
}
