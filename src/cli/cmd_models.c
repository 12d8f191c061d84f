/* cascade models: one row per model. */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/expect.h"
#include "cascade/output.h"

enum { OPT_EXPECT_ACCURACY = 0x200, OPT_TOLERANCE, OPT_REQUIRE_ALL };

/* --expect-accuracy: the report, one line per model, and the exit code. */
static int expect_accuracy(const cascade_dataset *dataset, const char *table_path,
                           const cascade_expect_accuracy_options *options, int require_all,
                           int csv, const char *output_path)
{
    cascade_error error;
    cascade_error_clear(&error);
    cascade_table *table = NULL;
    cascade_accuracy_check *checks = calloc(dataset->model_count ? dataset->model_count : 1,
                                            sizeof *checks);
    if (!checks) {
        cli_error("out of memory");
        return EXIT_DATA;
    }
    cascade_status status = cascade_table_load(table_path, &table, &error);
    if (status == CASCADE_OK)
        status = cascade_expect_accuracy(dataset, table, options, checks, &error);
    if (status != CASCADE_OK) {
        free(checks);
        cascade_table_free(table);
        return cli_report(&error);
    }
    size_t ok = 0, outside = 0, missing = 0, width = 5;
    /* top-1 in percent, or another score in GLUE's points (100 times it) */
    int by_accuracy = dataset->score == CASCADE_SCORE_ACCURACY;
    const char *figure = by_accuracy ? "top-1" : cascade_score_name(dataset->score);
    const char *unit = by_accuracy ? "%" : "", *points = by_accuracy ? "pp" : "points";
    const char *cell = by_accuracy ? "%" : " ";
    for (size_t m = 0; m < dataset->model_count; m++) {
        size_t len = strlen(checks[m].model);
        width = len > width ? len : width;
    }
    cascade_output output;
    if (cascade_output_open(output_path, &output, &error) != CASCADE_OK) {
        free(checks);
        cascade_table_free(table);
        return cli_report(&error);
    }
    FILE *f = output.file;
    if (csv)
        fputs("model,measured,published,difference,verdict\n", f);
    else
        fprintf(f, "%-*s  %9s  %9s  %12s  %s\n", (int)width, "model", "measured", "published",
                "difference", "verdict");
    for (size_t m = 0; m < dataset->model_count; m++) {
        const cascade_accuracy_check *c = &checks[m];
        const char *verdict = c->verdict == CASCADE_ACCURACY_OK ? "ok"
                              : c->verdict == CASCADE_ACCURACY_OUTSIDE ? "FAILED"
                              : require_all ? "missing (FAILED)" : "missing";
        ok += c->verdict == CASCADE_ACCURACY_OK;
        outside += c->verdict == CASCADE_ACCURACY_OUTSIDE;
        missing += c->verdict == CASCADE_ACCURACY_MISSING;
        if (csv) {
            cascade_csv_field(f, c->model, 0);
            if (c->verdict == CASCADE_ACCURACY_MISSING)
                fprintf(f, "%.4f,,,%s\n", c->measured, verdict);
            else
                fprintf(f, "%.4f,%.4f,%.4f,%s\n", c->measured, c->published, c->difference,
                        verdict);
        } else if (c->verdict == CASCADE_ACCURACY_MISSING) {
            fprintf(f, "%-*s  %8.3f%s  %9s  %12s  %s\n", (int)width, c->model, c->measured, cell,
                    "-", "-", verdict);
        } else {
            /* Shown to 4 decimals; the verdict uses every digit. */
            fprintf(f, "%-*s  %8.3f%s  %8.3f%s  %+9.4f %s  %s\n", (int)width, c->model,
                    c->measured, cell, c->published, cell, c->difference, by_accuracy ? "pp" : "pt",
                    verdict);
        }
    }
    if (!csv)
        fprintf(f, "%zu models: %zu ok, %zu outside %g %s, %zu missing from %s\n",
                dataset->model_count, ok, outside, options->tolerance, points, missing,
                table_path);
    status = cli_output_finish(&output, ferror(f) ? CASCADE_ERR_IO : CASCADE_OK, output_path,
                               &error);
    int code = status == CASCADE_OK ? EXIT_OK : cli_report(&error);
    /* One error line per failing model, so that a CI log names it. */
    for (size_t m = 0; code == EXIT_OK && m < dataset->model_count; m++)
        if (checks[m].verdict == CASCADE_ACCURACY_OUTSIDE)
            cli_error("%s: model %s: measured %s %.3f%s is %.4f %s %s the published %.3f%s "
                      "(line %ld; tolerance %g %s)", table_path, checks[m].model, figure,
                      checks[m].measured, unit, fabs(checks[m].difference), points,
                      checks[m].difference < 0 ? "below" : "above", checks[m].published, unit,
                      checks[m].table_line, options->tolerance, points);
    if (code == EXIT_OK && require_all)
        for (size_t m = 0; m < dataset->model_count; m++)
            if (checks[m].verdict == CASCADE_ACCURACY_MISSING)
                cli_error("%s: model %s is not in the table (--require-all)%s", table_path,
                          checks[m].model,
                          options->strip_tag ? "" : "; --strip-tag compares names before the first '.'");
    if (code == EXIT_OK && ok + outside == 0 && dataset->model_count > 0)
        cli_error("%s: no model of the manifest is in the table, so nothing was checked "
                  "(names are compared %s)", table_path,
                  options->strip_tag ? "before their first '.'"
                                     : "exactly; --strip-tag compares them before the first '.'");
    if (code == EXIT_OK && (outside > 0 || (require_all && missing > 0) ||
                            (ok + outside == 0 && dataset->model_count > 0)))
        code = EXIT_DATA;
    free(checks);
    cascade_table_free(table);
    return code;
}

int cmd_models(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"cost", required_argument, NULL, 'c'},
        {"format", required_argument, NULL, 'f'},
        {"metric", required_argument, NULL, 'M'},
        {"score", required_argument, NULL, CLI_OPT_SCORE},
        {"calibrate", required_argument, NULL, 'C'},
        {"quiet", no_argument, NULL, 'q'},
        CLI_COST_TABLE_LONG_OPTIONS,
        {"expect-accuracy", required_argument, NULL, OPT_EXPECT_ACCURACY},
        {"tolerance", required_argument, NULL, OPT_TOLERANCE},
        {"require-all", no_argument, NULL, OPT_REQUIRE_ALL},
        {"precise", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL;
    cascade_dataset_options load = {.cost_field = "gmacs", .require_labels = 0};
    int quiet = 0, json = 0, format_given = 0, require_all = 0, tolerance_given = 0, option, code;
    cli_eval_options eval = {0};
    const char *expect_table = NULL;
    cascade_expect_accuracy_options expect = {.tolerance = CASCADE_EXPECT_ACCURACY_TOLERANCE};
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o':
            if (!optarg[0])
                return cli_usage_error("models", "option '-o' needs a file name, not \"\"");
            output_path = optarg;
            break;
        case 'c': load.cost_field = optarg; break;
        case 'f':
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "json") != 0)
                return cli_usage_error("models", "--format takes csv or json, not \"%s\"", optarg);
            json = strcmp(optarg, "json") == 0;
            format_given = 1;
            break;
        case OPT_EXPECT_ACCURACY: expect_table = optarg; break;
        case CLI_OPT_SCORE:
            if (cli_parse_score("models", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case OPT_TOLERANCE:
            if (!cli_parse_double("--tolerance", optarg, 0.0, 100.0, &expect.tolerance))
                return EXIT_USAGE;
            tolerance_given = 1;
            break;
        case OPT_REQUIRE_ALL: require_all = 1; break;
        case 'M':
            if (cli_parse_metric("models", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 'C':
            if (cli_parse_calibrate("models", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 'P': load.precise = 1; break;
        case 'q': quiet = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("models"));
            return cli_finish_stdout();
        default:
            /* Only the cost-table options are in long_options. */
            if (!cli_eval_option(&eval, option, optarg, &code))
                return cli_bad_option("models", option, argc, argv);
            if (code != EXIT_OK)
                return code;
        }
    }
    /* --strip-tag also names how TABLE is matched, so it needs no --costs then. */
    cli_eval_options checked = eval;
    if (expect_table)
        checked.strip_tag = 0;
    if ((code = cli_eval_check(&checked, "models")) != EXIT_OK)
        return code;
    if (!expect_table && (tolerance_given || require_all))
        return cli_usage_error("models", "--tolerance and --require-all go with --expect-accuracy");
    if (expect_table && json)
        return cli_usage_error("models", "--expect-accuracy prints text or --format csv, not json");
    cli_eval_load_options(&eval, &load);
    if (optind != argc - 1)
        return cli_usage_error("models", optind >= argc ? "needs a MANIFEST"
                                                         : "takes one MANIFEST, got %d arguments",
                               argc - optind);
    cascade_dataset *dataset = NULL;
    /* --strip-tag names the table's matching rule for both tables. */
    expect.strip_tag = eval.strip_tag;
    if (expect_table)
        load.require_labels = 1;
    code = cli_load_dataset(argv[optind], &load, quiet, NULL, &dataset);
    if (code != EXIT_OK)
        return code;
    if (expect_table) {
        code = expect_accuracy(dataset, expect_table, &expect, require_all, format_given && !json,
                               output_path);
        cascade_dataset_free(dataset);
        return code;
    }
    cascade_error error;
    cascade_error_clear(&error);
    cascade_output output;
    cascade_status status = cascade_output_open(output_path, &output, &error);
    if (status == CASCADE_OK) {
        status = json ? cascade_write_models_json(output.file, dataset)
                      : cascade_write_models_csv(output.file, dataset);
        status = cli_output_finish(&output, status, output_path, &error);
    }
    code = status == CASCADE_OK ? EXIT_OK : cli_report(&error);
    cascade_dataset_free(dataset);
    return code;
}
