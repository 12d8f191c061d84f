/* cascade merge-records: the records folders of a map step -> one manifest. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>

#include "cascade/records_file.h"

int cmd_merge_records(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_dir = NULL;
    int quiet = 0, option;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o':
            if (!optarg[0])
                return cli_usage_error("merge-records",
                                       "option '-o' needs a folder name, not \"\"");
            output_dir = optarg;
            break;
        case 'q': quiet = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("merge-records"));
            return cli_finish_stdout();
        default: return cli_bad_option("merge-records", option, argc, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("merge-records", "needs the records folders to merge");
    if (!output_dir)
        return cli_usage_error("merge-records", "needs -o DIR, the folder to write");
    cascade_error error;
    cascade_error_clear(&error);
    if (cascade_records_merge((const char *const *)argv + optind, (size_t)(argc - optind),
                              output_dir, &error) != CASCADE_OK)
        return cli_report(&error);
    if (!quiet)
        cli_error("merged %d records folders into %s/manifest.json", argc - optind, output_dir);
    return EXIT_OK;
}
