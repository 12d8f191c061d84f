/* cascade apply: a chosen cascade (JSON config) run over a manifest's
 * scores, one decision per sample, plus what it realised. */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/apply.h"
#include "cascade/config.h"
#include "cascade/cost_distribution.h"
#include "cascade/output.h"
#include "cascade/per_class.h"
#include "cascade/split.h"

/* "cascade: applied WHAT to N samples: accuracy A, cost C, answered x;y"
 * (the dataset's score in place of accuracy: "mcc M"; PART, when not NULL,
 * names the part of a split instead), every number the shortest text that
 * reads back exactly. */
static void print_summary(const char *what, const char *part, const cascade_dataset *dataset,
                          const cascade_point *summary)
{
    char number[32], answered[CASCADE_MAX_STAGES * 33] = "";
    size_t used = 0;
    for (unsigned s = 0; s < summary->stages; s++) {
        cascade_format_double(summary->answered[s], number);
        used += (size_t)snprintf(answered + used, sizeof answered - used, "%s%s", s ? ";" : "",
                                 number);
    }
    char cost[32];
    cascade_format_double(summary->cost, cost);
    if (part) {
        cascade_format_double(summary->accuracy, number);
        cli_error("%s part of %zu samples: %s %s, cost %s, answered %s", part,
                  dataset->samples, cascade_score_name(dataset->score), number, cost, answered);
    } else if (dataset->has_labels || dataset->score == CASCADE_SCORE_QUALITY) {
        cascade_format_double(summary->accuracy, number);
        cli_error("applied %s to %zu samples: %s %s, cost %s, answered %s", what,
                  dataset->samples, cascade_score_name(dataset->score), number, cost, answered);
    } else {
        cli_error("applied %s to %zu samples (no labels): cost %s, answered %s", what,
                  dataset->samples, cost, answered);
    }
}

static void chain_text(const cascade_config *config, char *chain, size_t size)
{
    size_t used = 0;
    chain[0] = '\0';
    for (unsigned s = 0; s < config->stages && used < size; s++)
        used += (size_t)snprintf(chain + used, size - used, "%s%s", s ? ">" : "",
                                 config->model[s]);
}

/* The metric, temperatures and ensembling come from CONFIG, not from the
 * command line, so a library refusal of them (a records manifest saved
 * with another metric, an ensemble over saved records) is a data error. */
static int data_error(int code)
{
    return code == EXIT_USAGE ? EXIT_DATA : code;
}

/* "cascade: cost per sample: p50 X, p95 Y, p99 Z[, over B: F]" */
static cascade_status print_cost_distribution(const cascade_dataset *dataset,
                                              const cascade_point *summary, double budget,
                                              cascade_error *error)
{
    size_t k = dataset->samples;
    double *cost = malloc((k ? k : 1) * sizeof *cost);
    if (!cost)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    cascade_cost_distribution d;
    cascade_status status = cascade_point_sample_costs(dataset, summary, cost, error);
    if (status == CASCADE_OK)
        status = cascade_cost_distribution_of(cost, k, budget, &d, error);
    free(cost);
    if (status != CASCADE_OK)
        return status;
    char p50[32], p95[32], p99[32], over[96] = "";
    cascade_format_double(d.p50, p50);
    cascade_format_double(d.p95, p95);
    cascade_format_double(d.p99, p99);
    if (!isnan(budget)) {
        char limit[32], share[32];
        cascade_format_double(budget, limit);
        cascade_format_double(d.over_budget, share);
        snprintf(over, sizeof over, ", over %s: %s", limit, share);
    }
    cli_error("cost per sample: p50 %s, p95 %s, p99 %s%s", p50, p95, p99, over);
    return CASCADE_OK;
}

static int held_out_given(const cli_eval_options *eval)
{
    return eval->split > 0 || eval->fit_index || eval->eval_index;
}

/* A per-class config (cascade/per_class.h): the policy over every sample,
 * then, with a split, over its fit and eval parts, as the sweep measured
 * them. */
static int apply_per_class(const char *config_path, const char *manifest,
                           cascade_dataset_options *load, const cli_eval_options *eval,
                           const char *output_path, int quiet)
{
    cascade_error error;
    cascade_error_clear(&error);
    cascade_per_class_config config;
    cascade_status status = cascade_per_class_config_load(config_path, &config, &error);
    if (status != CASCADE_OK)
        return cli_report(&error);
    load->metric = config.confidence;
    cascade_dataset *dataset = NULL;
    int code = cli_load_dataset(manifest, load, quiet, "cascade apply with a per-class config",
                                &dataset);
    if (code != EXIT_OK) {
        cascade_per_class_config_free(&config);
        return data_error(code);
    }
    size_t k = dataset->samples;
    cascade_class_rule *rules = malloc(config.classes * sizeof *rules);
    uint32_t *answered_by = malloc((k ? k : 1) * sizeof *answered_by);
    cascade_decisions decisions = {.samples = k,
                                   .stage = malloc(k ? k : 1),
                                   .prediction = malloc((k ? k : 1) * sizeof(int32_t)),
                                   .confidence = malloc((k ? k : 1) * sizeof(double)),
                                   .correct = malloc(k ? k : 1)};
    unsigned first = 0;
    cascade_point summary;
    if (!rules || !answered_by || !decisions.stage || !decisions.prediction ||
        !decisions.confidence || !decisions.correct)
        status = cascade_error_set(&error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    if (status == CASCADE_OK)
        status = cascade_per_class_config_resolve(&config, dataset, config_path, &first, rules,
                                                  &error);
    if (status == CASCADE_OK)
        status = cascade_per_class_apply(dataset, first, rules, config.classes, &summary,
                                         decisions.stage, answered_by, &error);
    if (status == CASCADE_OK) {
        for (size_t i = 0; i < k; i++) {
            const cascade_records *r = &dataset->models[answered_by[i]].records;
            decisions.prediction[i] = r->prediction[i];
            decisions.confidence[i] = r->confidence[i];
            decisions.correct[i] = r->correct[i];
        }
        cascade_output output;
        status = cascade_output_open(output_path, &output, &error);
        if (status == CASCADE_OK) {
            status = cascade_write_answered_by_csv(output.file, dataset, answered_by, &decisions);
            status = cli_output_finish(&output, status, output_path, &error);
        }
    }
    if (status == CASCADE_OK && !quiet) {
        char what[256];
        snprintf(what, sizeof what, "the per-class policy of %s", config.first);
        print_summary(what, NULL, dataset, &summary);
    }
    code = status == CASCADE_OK ? EXIT_OK : data_error(cli_report(&error));
    if (code == EXIT_OK && held_out_given(eval)) {
        cli_held_out held_out;
        code = data_error(cli_held_out_start(eval, dataset, quiet, 0, &held_out));
        cascade_point part[2];
        for (int p = 0; p < 2 && code == EXIT_OK && status == CASCADE_OK; p++)
            status = cascade_per_class_apply(p ? held_out.eval : held_out.fit, first, rules,
                                             config.classes, &part[p], NULL, NULL, &error);
        for (int p = 0; p < 2 && code == EXIT_OK && status == CASCADE_OK && !quiet; p++)
            print_summary(NULL, p ? "eval" : "fit", p ? held_out.eval : held_out.fit, &part[p]);
        if (code == EXIT_OK && status != CASCADE_OK)
            code = data_error(cli_report(&error));
        if (code == EXIT_OK || held_out.fit)
            cli_held_out_end(&held_out);
    }
    cascade_decisions_free(&decisions);
    free(answered_by);
    free(rules);
    cascade_dataset_free(dataset);
    cascade_per_class_config_free(&config);
    return code;
}

int cmd_apply(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"cost", required_argument, NULL, 'c'},
        {"quiet", no_argument, NULL, 'q'},
        {"budget", required_argument, NULL, CLI_OPT_BUDGET},
        CLI_HELD_OUT_LONG_OPTIONS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL;
    cascade_dataset_options load = {.cost_field = "gmacs", .require_labels = 0};
    int quiet = 0, option, code;
    double budget = NAN;
    cli_eval_options eval = {0};
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o': output_path = optarg; break;
        case 'c': load.cost_field = optarg; break;
        case 'q': quiet = 1; break;
        case CLI_OPT_BUDGET:
            if (!cli_parse_double("--budget", optarg, 0, INFINITY, &budget))
                return EXIT_USAGE;
            break;
        case 'h':
            cli_print_help(stdout, cli_find_command("apply"));
            return cli_finish_stdout();
        default:
            if (option == CLI_OPT_SPLIT || option == CLI_OPT_SEED || option == CLI_OPT_FIT_INDEX ||
                option == CLI_OPT_EVAL_INDEX) {
                cli_eval_option(&eval, option, optarg, &code);
                if (code != EXIT_OK)
                    return code;
                break;
            }
            return cli_bad_option("apply", option, argc, argv);
        }
    }
    if ((code = cli_eval_check(&eval, "apply")) != EXIT_OK)
        return code;
    if (argc - optind != 2)
        return cli_usage_error("apply", "needs a CONFIG and a MANIFEST, got %d arguments",
                               argc - optind);
    const char *config_path = argv[optind], *manifest = argv[optind + 1];
    cascade_error error;
    cascade_error_clear(&error);
    int per_class = 0;
    cascade_status status = cascade_config_is_per_class(config_path, &per_class, &error);
    if (status != CASCADE_OK)
        return cli_report(&error);
    if (per_class)
        return apply_per_class(config_path, manifest, &load, &eval, output_path, quiet);
    cascade_config config;
    status = cascade_config_load(config_path, &config, &error);
    if (status != CASCADE_OK)
        return cli_report(&error);
    if (config.ensemble && held_out_given(&eval)) {
        cascade_config_free(&config);
        return cli_usage_error("apply", "--split, --fit-index and --eval-index are not "
                                        "available with an ensembled config");
    }
    /* The confidences the config's stages use, at the config's temperatures. */
    cascade_config_dataset_options(&config, &load);
    cascade_dataset *dataset = NULL;
    code = cli_load_dataset(manifest, &load, quiet, NULL, &dataset);
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
    if (status == CASCADE_OK && !quiet) {
        char chain[CASCADE_MAX_STAGES * 128];
        chain_text(&config, chain, sizeof chain);
        print_summary(chain, NULL, dataset, &summary);
        if (cli_reports_cost_distribution(dataset, budget))
            status = print_cost_distribution(dataset, &summary, budget, &error);
    }
    if (status == CASCADE_OK && held_out_given(&eval)) {
        cli_held_out held_out;
        code = cli_held_out_start(&eval, dataset, quiet, 0, &held_out);
        if (code != EXIT_OK) {
            cascade_decisions_free(&decisions);
            cascade_dataset_free(dataset);
            cascade_config_free(&config);
            return data_error(code);
        }
        cascade_point part[2];
        for (int p = 0; p < 2 && status == CASCADE_OK; p++)
            status = cascade_apply(p ? held_out.eval : held_out.fit, config.stages, models,
                                   config.threshold, NULL, &part[p], &error);
        for (int p = 0; p < 2 && status == CASCADE_OK && !quiet; p++)
            print_summary(NULL, p ? "eval" : "fit", p ? held_out.eval : held_out.fit, &part[p]);
        cli_held_out_end(&held_out);
    }
    code = status == CASCADE_OK ? EXIT_OK : data_error(cli_report(&error));
    cascade_decisions_free(&decisions);
    cascade_dataset_free(dataset);
    cascade_config_free(&config);
    return code;
}
