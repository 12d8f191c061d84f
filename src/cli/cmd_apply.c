/* cascade apply: a chosen cascade (JSON config) run over a manifest's
 * scores, one decision per sample, plus what it realised. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cascade/apply.h"
#include "cascade/config.h"
#include "cascade/output.h"

/* "cascade: applied a>b to N samples: accuracy A, cost C, answered x;y"
 * (the config's score in place of accuracy: "mcc M"),
 * every number the shortest text that reads back exactly. */
static void print_summary(const cascade_config *config, const cascade_dataset *dataset,
                          const cascade_point *summary)
{
    char chain[CASCADE_MAX_STAGES * 128] = "";
    size_t used = 0;
    for (unsigned s = 0; s < config->stages && used < sizeof chain; s++)
        used += (size_t)snprintf(chain + used, sizeof chain - used, "%s%s", s ? ">" : "",
                                 config->model[s]);
    char number[32], answered[CASCADE_MAX_STAGES * 33] = "";
    used = 0;
    for (unsigned s = 0; s < summary->stages; s++) {
        cascade_format_double(summary->answered[s], number);
        used += (size_t)snprintf(answered + used, sizeof answered - used, "%s%s", s ? ";" : "",
                                 number);
    }
    char cost[32];
    cascade_format_double(summary->cost, cost);
    if (dataset->has_labels) {
        cascade_format_double(summary->accuracy, number);
        cli_error("applied %s to %zu samples: %s %s, cost %s, answered %s", chain,
                  dataset->samples, cascade_score_name(dataset->score), number, cost, answered);
    } else {
        cli_error("applied %s to %zu samples (no labels): cost %s, answered %s", chain,
                  dataset->samples, cost, answered);
    }
}

/* The metric, temperatures and ensembling come from CONFIG, not from the
 * command line, so a library refusal of them (a records manifest saved
 * with another metric, an ensemble over saved records) is a data error. */
static int data_error(int code)
{
    return code == EXIT_USAGE ? EXIT_DATA : code;
}

int cmd_apply(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"cost", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL;
    cascade_dataset_options load = {.cost_field = "gmacs", .require_labels = 0};
    int quiet = 0, option;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o': output_path = optarg; break;
        case 'c': load.cost_field = optarg; break;
        case 'q': quiet = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("apply"));
            return cli_finish_stdout();
        default: return cli_bad_option("apply", option, argc, argv);
        }
    }
    if (argc - optind != 2)
        return cli_usage_error("apply", "needs a CONFIG and a MANIFEST, got %d arguments",
                               argc - optind);
    const char *config_path = argv[optind], *manifest = argv[optind + 1];
    cascade_error error;
    cascade_error_clear(&error);
    cascade_config config;
    cascade_status status = cascade_config_load(config_path, &config, &error);
    if (status != CASCADE_OK)
        return cli_report(&error);
    /* The confidences the config's stages use, at the config's temperatures. */
    cascade_config_dataset_options(&config, &load);
    cascade_dataset *dataset = NULL;
    int code = cli_load_dataset(manifest, &load, quiet, &dataset);
    if (code != EXIT_OK) {
        cascade_config_free(&config);
        return data_error(code);
    }
    unsigned models[CASCADE_MAX_STAGES];
    cascade_decisions decisions = {0};
    cascade_point summary;
    status = cascade_config_resolve(&config, dataset, config_path, models, &error);
    if (status == CASCADE_OK)
        status = (config.ensemble ? cascade_apply_ensemble : cascade_apply)(
            dataset, config.stages, models, config.threshold, &decisions, &summary, &error);
    if (status == CASCADE_OK) {
        cascade_output output;
        status = cascade_output_open(output_path, &output, &error);
        if (status == CASCADE_OK) {
            status = cascade_write_decisions_csv(output.file, dataset, models, &decisions);
            status = cli_output_finish(&output, status, output_path, &error);
        }
    }
    if (status == CASCADE_OK && !quiet)
        print_summary(&config, dataset, &summary);
    code = status == CASCADE_OK ? EXIT_OK : data_error(cli_report(&error));
    cascade_decisions_free(&decisions);
    cascade_dataset_free(dataset);
    cascade_config_free(&config);
    return code;
}
