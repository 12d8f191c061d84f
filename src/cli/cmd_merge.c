/* cascade merge: the partial fronts of a sharded sweep -> its front. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "cascade/partial_front.h"

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int cmd_merge(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL;
    int quiet = 0, verbose = 0, option;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qvh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o':
            if (!optarg[0])
                return cli_usage_error("merge", "option '-o' needs a file name, not \"\"");
            output_path = optarg;
            break;
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("merge"));
            return cli_finish_stdout();
        default: return cli_bad_option("merge", option, argc, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("merge", "needs the partial fronts of every shard");
    double start = seconds_now();
    cascade_merged_front *merged = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status = cascade_partial_merge((const char *const *)argv + optind,
                                                  (size_t)(argc - optind), &merged, &error);
    /* Refinement searches around the whole front's points, on the data:
     * the parts hold neither. */
    if (status == CASCADE_OK && cli_identity_refines(merged->sweep))
        status = cascade_error_set(&error, CASCADE_ERR_VALUE, argv[optind], -1, -1,
            "a part of a sweep whose merged front is still to be refined, which needs the data "
            "(expected 'cascade sweep MANIFEST [the shards' options] --merge PARTS...', or "
            "shards swept with --no-refine)");
    if (status == CASCADE_OK) {
        cascade_output output;
        status = cascade_output_open(output_path, &output, &error);
        if (status == CASCADE_OK)
            status = cli_output_finish(&output, cascade_write_merged_front(output.file, merged),
                                       output_path, &error);
    }
    if (status == CASCADE_OK && verbose && !quiet)
        cli_error("merged %u parts (%zu chains) into %zu front points in %.3f s; estimated "
                  "work per part: max/mean %.4f", merged->shard_count, merged->chains,
                  merged->count, seconds_now() - start,
                  merged->work_mean > 0 ? merged->work_max / merged->work_mean : 1.0);
    cascade_merged_front_free(merged);
    return status == CASCADE_OK ? EXIT_OK : cli_report(&error);
}
