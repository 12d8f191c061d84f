/* cascade records: manifest -> records -> a records folder for later sweeps. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>

#include "cascade/records_file.h"

int cmd_records(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"cost", required_argument, NULL, 'c'},
        {"metric", required_argument, NULL, 'M'},
        {"calibrate", required_argument, NULL, 'C'},
        {"threads", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},
        {"precise", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_dir = NULL;
    cascade_dataset_options load = {.cost_field = "gmacs"};
    int quiet = 0, option;
    long number;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o': output_dir = optarg; break;
        case 'c': load.cost_field = optarg; break;
        case 'M':
            if (cli_parse_metric("records", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 'C':
            if (cli_parse_calibrate("records", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 't':
            if (!cli_parse_long("--threads", optarg, 1, 1024, &number))
                return EXIT_USAGE;
            load.threads = (unsigned)number;
            break;
        case 'P': load.precise = 1; break;
        case 'q': quiet = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("records"));
            return cli_finish_stdout();
        default: return cli_bad_option("records", option, argc, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("records", optind >= argc ? "needs a MANIFEST"
                                                          : "takes one MANIFEST, got %d arguments",
                               argc - optind);
    if (!output_dir)
        return cli_usage_error("records", "needs -o DIR, the folder to write");
    cascade_dataset *dataset = NULL;
    int code = cli_load_dataset(argv[optind], &load, quiet, &dataset);
    if (code != EXIT_OK)
        return code;
    cascade_error error;
    cascade_error_clear(&error);
    code = cascade_records_save(dataset, output_dir, &error) == CASCADE_OK ? EXIT_OK
                                                                          : cli_report(&error);
    if (code == EXIT_OK && !quiet)
        cli_error("saved the records of %zu models on %zu samples in %s/manifest.json",
                  dataset->model_count, dataset->samples, output_dir);
    cascade_dataset_free(dataset);
    return code;
}
