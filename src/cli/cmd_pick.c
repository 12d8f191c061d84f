/* cascade pick: front CSV -> one operating point, as a JSON config; or,
 * with --risk, a manifest and a split -> the cheapest point whose drop is
 * guaranteed (cascade/guarantee.h). */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/config.h"
#include "cascade/front_csv.h"
#include "cascade/guarantee.h"
#include "cascade/output.h"
#include "cascade/per_class.h"
#include "cascade/split.h"
#include "cascade/sweep.h"

enum { OPT_RISK = 0x200, OPT_DELTA, OPT_EMPIRICAL };

/* Writes the config JSON to PATH (NULL: standard output), atomically. */
/* TEXT as a number strictly between 0 and 1, as --risk and --delta take.
 * A guarantee asked outside that range cannot be given: like a guarantee
 * that no point meets, it fails the pick (exit 1, as the issue of these
 * picks asks), where other bad option values are usage errors (exit 2). */
static int open_fraction(const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || *end || errno || !(value > 0 && value < 1))
        return 0;
    *out = value;
    return 1;
}

static cascade_status write_config(const char *json, const char *output_path,
                                   cascade_error *error)
{
    cascade_output output;
    cascade_status status = cascade_output_open(output_path, &output, error);
    if (status == CASCADE_OK) {
        int failed = fputs(json, output.file) == EOF || ferror(output.file);
        status = cli_output_finish(&output, failed ? CASCADE_ERR_IO : CASCADE_OK, output_path,
                                   error);
    }
    return status;
}

/* The chains to test: --models a,b in that order, or every pair on the
 * front of the fit part. *CHAINS is caller-freed. Returns an exit code. */
static int guarantee_chains(const cascade_dataset *dataset, const cascade_dataset *fit,
                            const char *model_list, unsigned (**chains)[2], size_t *count)
{
    *count = 0;
    if (model_list) {
        unsigned char *mask = NULL;
        int code = cli_select_models(dataset, model_list, "pick", &mask);
        free(mask);
        if (code != EXIT_OK)
            return code;
        const char *comma = strchr(model_list, ',');
        char first[256];
        size_t len = comma ? (size_t)(comma - model_list) : 0;
        if (!comma || strchr(comma + 1, ',') || len >= sizeof first)
            return cli_usage_error("pick", "--risk takes --models A,B: one pair, the cheaper "
                                           "model first, not \"%s\"", model_list);
        memcpy(first, model_list, len);
        first[len] = '\0';
        long a = cascade_dataset_find(dataset, first), b = cascade_dataset_find(dataset, comma + 1);
        if (a == b)
            return cli_usage_error("pick", "--models names \"%s\" twice (expected two "
                                           "different models)", first);
        if (!(*chains = malloc(sizeof **chains)))
            return cli_error("out of memory"), EXIT_DATA;
        (*chains)[0][0] = (unsigned)a;
        (*chains)[0][1] = (unsigned)b;
        *count = 1;
        return EXIT_OK;
    }
    cascade_sweep_options sweep = {.max_stages = 2};
    cascade_front front;
    cascade_front_init(&front);
    cascade_error error;
    cascade_error_clear(&error);
    if (cascade_sweep(fit, &sweep, &front, NULL, &error) != CASCADE_OK)
        return cli_report(&error);
    *chains = malloc((front.count ? front.count : 1) * sizeof **chains);
    if (!*chains) {
        cascade_front_free(&front);
        cli_error("out of memory");
        return EXIT_DATA;
    }
    for (size_t i = 0; i < front.count; i++) {
        const cascade_point *p = &front.points[i];
        size_t c = 0;
        while (c < *count && !((*chains)[c][0] == p->model[0] && (*chains)[c][1] == p->model[1]))
            c++;
        if (p->stages == 2 && c == *count) {
            (*chains)[c][0] = p->model[0];
            (*chains)[c][1] = p->model[1];
            (*count)++;
        }
    }
    cascade_front_free(&front);
    if (*count == 0)
        return cli_error("%s: the front of the fit part has no cascade, only single models "
                         "(expected --models A,B to name a pair)",
                         dataset->manifest ? dataset->manifest->path : "manifest"),
               EXIT_DATA;
    return EXIT_OK;
}

/* The picked point as a config: a one-row front table with the eval
 * figures as extra columns, and the guarantee. */
static char *guaranteed_json(const cascade_dataset *dataset, const cascade_point *fit_point,
                             const cascade_point *eval_point, const cascade_guarantee *g)
{
    char metric[64], eval_accuracy[32] = "", eval_cost[32] = "";
    cascade_metric_label(dataset, 0, metric);
    if (eval_point) {
        cascade_format_double(eval_point->accuracy, eval_accuracy);
        cascade_format_double(eval_point->cost, eval_cost);
    }
    const char *cells[] = {eval_accuracy, eval_cost};
    static const char *const names[] = {"eval_accuracy", "eval_cost"};
    cascade_front_row row = {.stages = fit_point->stages, .accuracy = fit_point->accuracy,
                             .cost = fit_point->cost, .metric = metric, .on_front = 1,
                             .extra = cells};
    for (unsigned s = 0; s < row.stages; s++) {
        row.model[s] = dataset->models[fit_point->model[s]].name;
        row.answered[s] = fit_point->answered[s];
        if (s + 1 < row.stages)
            row.threshold[s] = fit_point->threshold[s];
    }
    cascade_front_table table = {.count = 1, .rows = &row, .extra_count = eval_point ? 2 : 0,
                                 .extra_name = names};
    return cascade_config_json_guaranteed(&table, 0, g);
}

/* The refusal when no threshold passes, worded for the method. */
static int no_point_certified(const cascade_dataset *dataset, const cascade_guarantee_options *o,
                              const unsigned (*chains)[2], size_t count, size_t n)
{
    char what[600];
    if (count == 1)
        snprintf(what, sizeof what, "%s>%s", dataset->models[chains[0][0]].name,
                 dataset->models[chains[0][1]].name);
    else
        snprintf(what, sizeof what, "any of the %zu chains of the front", count);
    const char *path = dataset->manifest ? dataset->manifest->path : "manifest";
    if (o->method == CASCADE_GUARANTEE_EMPIRICAL)
        cli_error("%s: no point of %s keeps the drop on the %zu fit samples at most %g "
                  "(expected a larger --risk)", path, what, n, o->eps);
    else if (o->method == CASCADE_GUARANTEE_LTT)
        cli_error("%s: no point of %s is certified: even its most conservative threshold "
                  "fails to keep the drop at most %g with probability %g on %zu calibration "
                  "samples (expected a larger --risk or --delta, or a larger fit part)",
                  path, what, o->eps, 1 - o->delta, n);
    else
        cli_error("%s: no point of %s is certified: even its most conservative threshold "
                  "fails to keep the expected drop at most %g on %zu calibration samples "
                  "(expected a larger --risk, or a larger fit part: crc needs at least "
                  "1/risk - 1 of them)", path, what, o->eps, n);
    return EXIT_DATA;
}

static int pick_guaranteed(const char *manifest, const cascade_guarantee_options *o,
                           const char *model_list, const cli_eval_options *eval,
                           cascade_dataset_options *load, const char *output_path, int quiet)
{
    if (!(eval->split > 0) && !eval->fit_index && !eval->eval_index) {
        cli_error("pick: --risk needs a calibration set: --split FRACTION --seed S, or "
                  "--fit-index/--eval-index FILE (see 'cascade help pick')");
        return EXIT_DATA;
    }
    load->require_labels = 1;
    cascade_dataset *dataset = NULL;
    int code = cli_load_dataset(manifest, load, quiet, "cascade pick --risk", &dataset);
    if (code != EXIT_OK)
        return code;
    cli_held_out held_out;
    if ((code = cli_held_out_start(eval, dataset, quiet, 0, &held_out)) != EXIT_OK) {
        cascade_dataset_free(dataset);
        return code;
    }
    unsigned (*chains)[2] = NULL;
    size_t chain_count = 0;
    code = guarantee_chains(dataset, held_out.fit, model_list, &chains, &chain_count);
    cascade_error error;
    cascade_error_clear(&error);
    cascade_point point, eval_point;
    cascade_guarantee guarantee;
    int certified = 0;
    if (code == EXIT_OK &&
        cascade_guarantee_pick(held_out.fit, (const unsigned (*)[2])chains, chain_count, o,
                               &point, &guarantee, &certified, &error) != CASCADE_OK)
        code = cli_report(&error);
    if (code == EXIT_OK && !certified)
        code = no_point_certified(dataset, o, (const unsigned (*)[2])chains, chain_count,
                                  held_out.fit->samples);
    if (code == EXIT_OK && held_out.eval) {
        if (cascade_evaluate_points(held_out.eval, &point, 1, &eval_point, &error) != CASCADE_OK)
            code = cli_report(&error);
        else
            guarantee.eval_drop = cascade_point_drop(held_out.eval, &point);
    }
    if (code == EXIT_OK) {
        char *json = guaranteed_json(dataset, &point, held_out.eval ? &eval_point : NULL,
                                     &guarantee);
        cascade_status status = json ? write_config(json, output_path, &error)
                                     : cascade_error_set(&error, CASCADE_ERR_NOMEM, manifest,
                                                         -1, -1, "out of memory");
        free(json);
        if (status != CASCADE_OK)
            code = cli_report(&error);
    }
    free(chains);
    cli_held_out_end(&held_out);
    cascade_dataset_free(dataset);
    return code;
}

/* The policy id of row INDEX of a per-class front, NULL for an ordinary row. */
static const char *row_policy(const cascade_front_table *table, size_t index)
{
    for (size_t e = 0; e < table->extra_count; e++)
        if (strcmp(table->extra_name[e], "policy") == 0 && table->rows[index].extra[e][0])
            return table->rows[index].extra[e];
    return NULL;
}

/* Row INDEX's policy, from the policies file beside PATH, as a config. The
 * policy must carry the row's own fit figures: a policies file left over
 * from another sweep is refused. */
static cascade_status per_class_config(const cascade_front_table *table, size_t index,
                                       const char *path, const char *policy, char **json,
                                       cascade_error *error)
{
    char *policies_path = cli_policies_path(path);
    if (!policies_path)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    cascade_policy_set set;
    cascade_status status = cascade_policy_set_load(policies_path, &set, error);
    const cascade_front_row *row = &table->rows[index];
    char *end = NULL;
    unsigned long long id = strtoull(policy, &end, 10);
    if (status == CASCADE_OK && (end == policy || *end || id >= set.count))
        status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, row->line, -1,
            "line %lld: policy \"%s\" is not in %s (expected an id below %zu)", row->line,
            policy, policies_path, set.count);
    else if (status == CASCADE_OK && (set.policies[id].accuracy != row->accuracy ||
                                      set.policies[id].cost != row->cost))
        status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, row->line, -1,
            "line %lld: policy %llu in %s has other figures than the row (expected the "
            "policies file written with this front)", row->line, id, policies_path);
    if (status == CASCADE_OK &&
        !(*json = cascade_per_class_config_json(table, index, &set, (size_t)id)))
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    cascade_policy_set_free(&set);
    free(policies_path);
    return status;
}

int cmd_pick(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"min-accuracy", required_argument, NULL, 'a'},
        {"min-score", required_argument, NULL, 's'},
        {"max-cost", required_argument, NULL, 'c'},
        {"risk", required_argument, NULL, OPT_RISK},
        {"delta", required_argument, NULL, OPT_DELTA},
        {"empirical", no_argument, NULL, OPT_EMPIRICAL},
        {"models", required_argument, NULL, 'm'},
        {"cost", required_argument, NULL, 'C'},
        {"metric", required_argument, NULL, 'M'},
        CLI_HELD_OUT_LONG_OPTIONS,
        {"quiet", no_argument, NULL, 'q'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL, *model_list = NULL;
    int rules = 0, option, quiet = 0, has_risk = 0, has_delta = 0, has_empirical = 0, code;
    cascade_pick_rule rule = CASCADE_PICK_MIN_ACCURACY;
    double limit = 0.0;
    cascade_guarantee_options guarantee = {.method = CASCADE_GUARANTEE_CRC};
    cascade_dataset_options load = {.cost_field = "gmacs"};
    cli_eval_options eval = {0};
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        if (cli_eval_option(&eval, option, optarg, &code)) {
            if (code != EXIT_OK)
                return code;
            continue;
        }
        switch (option) {
        case OPT_RISK:
            if (!open_fraction(optarg, &guarantee.eps)) {
                cli_error("pick: --risk takes the largest drop allowed, a number between 0 and 1 "
                          "(exclusive), not \"%s\"", optarg);
                return EXIT_DATA;
            }
            has_risk = 1;
            break;
        case OPT_DELTA:
            if (!open_fraction(optarg, &guarantee.delta)) {
                cli_error("pick: --delta takes the probability that the guarantee fails, a number "
                          "between 0 and 1 (exclusive), not \"%s\"", optarg);
                return EXIT_DATA;
            }
            guarantee.method = CASCADE_GUARANTEE_LTT;
            has_delta = 1;
            break;
        case OPT_EMPIRICAL: has_empirical = 1; break;
        case 'm': model_list = optarg; break;
        case 'C': load.cost_field = optarg; break;
        case 'M':
            if ((code = cli_parse_metric("pick", optarg, &load)) != EXIT_OK)
                return code;
            break;
        case 'q': quiet = 1; break;
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
    if ((code = cli_eval_check(&eval, "pick")) != EXIT_OK)
        return code;
    if (has_risk) {
        if (rules)
            return cli_usage_error("pick", "--risk picks by a guarantee on the drop; it takes "
                                           "neither --min-accuracy nor --max-cost");
        if (has_empirical && has_delta)
            return cli_usage_error("pick", "--empirical picks without a guarantee; it takes no "
                                           "--delta");
        if (has_empirical)
            guarantee.method = CASCADE_GUARANTEE_EMPIRICAL;
        if (optind != argc - 1)
            return cli_usage_error("pick", optind >= argc ? "--risk needs a MANIFEST"
                                                           : "takes one MANIFEST, got %d arguments",
                                   argc - optind);
        return pick_guaranteed(argv[optind], &guarantee, model_list, &eval, &load, output_path,
                               quiet);
    }
    if (has_delta || has_empirical || model_list || eval.split > 0 || eval.fit_index || eval.eval_index ||
        load.metric || strcmp(load.cost_field, "gmacs") != 0)
        return cli_usage_error("pick", "--delta, --empirical, --models, --cost, --metric and the split "
                                       "options go with --risk (a FRONT is already chosen)");
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
    const char *policy = status == CASCADE_OK ? row_policy(table, index) : NULL;
    if (policy)
        status = per_class_config(table, index, path, policy, &json, &error);
    else if (status == CASCADE_OK && !(json = cascade_config_json(table, index)))
        status = cascade_error_set(&error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    if (status == CASCADE_OK)
        status = write_config(json, output_path, &error);
    free(json);
    cascade_front_table_free(table);
    return status == CASCADE_OK ? EXIT_OK : cli_report(&error);
}
