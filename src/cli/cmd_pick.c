/* cascade pick: front CSV -> one operating point, as a JSON config. */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/config.h"
#include "cascade/front_csv.h"
#include "cascade/output.h"

int cmd_pick(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"min-accuracy", required_argument, NULL, 'a'},
        {"min-score", required_argument, NULL, 's'},
        {"max-cost", required_argument, NULL, 'c'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL;
    int rules = 0, option;
    cascade_pick_rule rule = CASCADE_PICK_MIN_ACCURACY;
    double limit = 0.0;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:h", long_options, NULL)) != -1) {
        switch (option) {
        case 'a':
            if (!cli_parse_double("--min-accuracy", optarg, 0.0, 1.0, &limit))
                return EXIT_USAGE;
            rule = CASCADE_PICK_MIN_ACCURACY;
            rules++;
            break;
        case 's':
            /* the front's own score column, whatever it is (mcc down to -1) */
            if (!cli_parse_double("--min-score", optarg, -1.0, 1.0, &limit))
                return EXIT_USAGE;
            rule = CASCADE_PICK_MIN_ACCURACY;
            rules++;
            break;
        case 'c':
            if (!cli_parse_double("--max-cost", optarg, 0.0, HUGE_VAL, &limit))
                return EXIT_USAGE;
            rule = CASCADE_PICK_MAX_COST;
            rules++;
            break;
        case 'o': output_path = optarg; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("pick"));
            return cli_finish_stdout();
        default: return cli_bad_option("pick", option, argc, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("pick", optind >= argc ? "needs a FRONT (a CSV from cascade sweep)"
                                                       : "takes one FRONT, got %d arguments",
                               argc - optind);
    if (rules != 1)
        return cli_usage_error("pick", "needs exactly one of --min-accuracy, --min-score or "
                                       "--max-cost");
    const char *path = argv[optind];
    cascade_error error;
    cascade_error_clear(&error);
    cascade_front_table *table = NULL;
    cascade_status status = cascade_front_table_load(path, &table, &error);
    size_t index = 0;
    if (status == CASCADE_OK)
        status = cascade_front_table_pick(table, rule, limit, path, &index, &error);
    char *json = NULL;
    if (status == CASCADE_OK && !(json = cascade_config_json(table, index)))
        status = cascade_error_set(&error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    if (status == CASCADE_OK) {
        cascade_output output;
        status = cascade_output_open(output_path, &output, &error);
        if (status == CASCADE_OK) {
            int failed = fputs(json, output.file) == EOF || ferror(output.file);
            status = cli_output_finish(&output, failed ? CASCADE_ERR_IO : CASCADE_OK,
                                       output_path, &error);
        }
    }
    free(json);
    cascade_front_table_free(table);
    return status == CASCADE_OK ? EXIT_OK : cli_report(&error);
}
