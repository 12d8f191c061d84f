/* cascade sweep: manifest -> records -> sweep -> front -> CSV. */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/cost_distribution.h"
#include "cascade/ensemble.h"
#include "cascade/front.h"
#include "cascade/output.h"
#include "cascade/partial_front.h"
#include "cascade/split.h"
#include "cascade/sweep.h"

/* Loads MANIFEST. With --calibrate and a split, temperatures are fitted on
 * the fit part alone: a first load without calibration finds the samples
 * and the split (the same one cli_held_out_start() makes later, as it is
 * seeded or read from the same files), then the models are loaded again
 * with the fit part's rows given to the fit. */
static int load_for_sweep(const char *manifest, const cascade_dataset_options *load,
                          const cli_eval_options *eval, int quiet, int verbose,
                          cascade_dataset **out)
{
    if (load->calibrate == CASCADE_CALIBRATE_NONE ||
        !(eval->split > 0 || eval->fit_index || eval->eval_index))
        return cli_load_dataset(manifest, load, quiet, NULL, out);
    cascade_dataset_options plain = *load;
    plain.calibrate = CASCADE_CALIBRATE_NONE;
    cascade_dataset *first = NULL;
    int code = cli_load_dataset(manifest, &plain, quiet, NULL, &first);
    if (code != EXIT_OK)
        return code;
    cascade_split split;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status =
        eval->split > 0 ? cascade_split_random(first->samples, eval->split, eval->seed, &split, &error)
                        : cascade_split_load(first, eval->fit_index, eval->eval_index, &split, &error);
    cascade_dataset_free(first);
    if (status != CASCADE_OK)
        return cli_report(&error);
    if (verbose && !quiet)
        cli_error("fitting temperatures on the fit part's %zu samples", split.fit_count);
    cascade_dataset_options fitted = *load;
    fitted.calibration_rows = split.fit;
    fitted.calibration_row_count = split.fit_count;
    code = cli_load_dataset(manifest, &fitted, quiet, NULL, out);
    cascade_split_free(&split);
    return code;
}

static int by_point(const void *a, const void *b)
{
    return cascade_point_compare(a, b);
}

/* --points all's cost_p50, cost_p95, cost_p99 and, with a BUDGET, over_budget
 * columns: each point's per-sample costs (cascade/cost_distribution.h), in
 * the order the writer sorts POINTS to. *VALUES is the caller's to free. */
static int cost_distribution_columns(const cascade_dataset *dataset, cascade_front *points,
                                     double budget, cascade_extra_columns *extra,
                                     double **values)
{
    static const char *const names[] = {"cost_p50", "cost_p95", "cost_p99", "over_budget"};
    size_t width = isnan(budget) ? 3 : 4, k = dataset->samples;
    qsort(points->points, points->count, sizeof *points->points, by_point);
    double *v = malloc((points->count ? points->count : 1) * width * sizeof *v);
    double *cost = malloc((k ? k : 1) * sizeof *cost);
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status = v && cost ? CASCADE_OK
        : cascade_error_set(&error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    for (size_t i = 0; i < points->count && status == CASCADE_OK; i++) {
        cascade_cost_distribution d;
        status = cascade_point_sample_costs(dataset, &points->points[i], cost, &error);
        if (status == CASCADE_OK)
            status = cascade_cost_distribution_of(cost, k, budget, &d, &error);
        double row[4] = {d.p50, d.p95, d.p99, d.over_budget};
        if (status == CASCADE_OK)
            memcpy(v + i * width, row, width * sizeof *row);
    }
    free(cost);
    if (status != CASCADE_OK) {
        free(v);
        return cli_report(&error);
    }
    *extra = (cascade_extra_columns){width, names, v};
    *values = v;
    return EXIT_OK;
}

int cmd_sweep(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"cost", required_argument, NULL, 'c'},
        {"stages", required_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"grid", required_argument, NULL, 'g'},
        {"models", required_argument, NULL, 'm'},
        {"front-only", no_argument, NULL, 'f'},
        CLI_MAX_SECONDS_LONG_OPTION,
        {"no-skip", no_argument, NULL, 'n'},
        CLI_NO_REFINE_LONG_OPTION,
        {"threads", required_argument, NULL, 't'},
        {"points", required_argument, NULL, 'p'},
        CLI_COST_TABLE_LONG_OPTIONS,
        CLI_HELD_OUT_LONG_OPTIONS,
        {"bootstrap", required_argument, NULL, CLI_OPT_BOOTSTRAP},
        {"metric", required_argument, NULL, 'M'},
        {"calibrate", required_argument, NULL, 'C'},
        {"ensemble", no_argument, NULL, 'e'},
        {"score", required_argument, NULL, CLI_OPT_SCORE},
        {"precise", no_argument, NULL, 'P'},
        CLI_PER_CLASS_LONG_OPTIONS,
        {"shard", required_argument, NULL, CLI_OPT_SHARD},
        {"seed-front", required_argument, NULL, CLI_OPT_SEED_FRONT},
        {"budget", required_argument, NULL, CLI_OPT_BUDGET},
        {"merge", no_argument, NULL, CLI_OPT_MERGE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL;
    cascade_dataset_options load = {.cost_field = "gmacs", .require_labels = 1};
    cascade_sweep_options sweep = {.max_stages = 2};
    int quiet = 0, verbose = 0, all_points = 0, ensemble = 0, option;
    const char *model_list = NULL, *seed_path = NULL;
    int sharded = 0, merge = 0;
    double budget = NAN;
    cli_eval_options eval = {0};
    cascade_per_class_options per_class = {0};
    int code;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qvh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o':
            if (!optarg[0])
                return cli_usage_error("sweep", "option '-o' needs a file name, not \"\"");
            output_path = optarg;
            break;
        case 'c': load.cost_field = optarg; break;
        case 'p':
            if (strcmp(optarg, "all") == 0)
                all_points = 1;
            else if (strcmp(optarg, "front") == 0)
                all_points = 0;
            else
                return cli_usage_error("sweep", "--points takes 'front' or 'all', not \"%s\"", optarg);
            break;
        case 'M':
            if (cli_parse_metric("sweep", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 'C':
            if (cli_parse_calibrate("sweep", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 'e': ensemble = 1; break;
        case CLI_OPT_SCORE:
            if (cli_parse_score("sweep", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 'P': load.precise = 1; break;
        case CLI_OPT_SHARD:
            if (cli_parse_shard("sweep", optarg, &sweep.shard_index, &sweep.shard_count) != EXIT_OK)
                return EXIT_USAGE;
            sharded = 1;
            break;
        case CLI_OPT_SEED_FRONT: seed_path = optarg; break;
        case CLI_OPT_BUDGET:
            if (!cli_parse_double("--budget", optarg, 0, INFINITY, &budget))
                return EXIT_USAGE;
            break;
        case CLI_OPT_MERGE: merge = 1; break;
        case 'q': quiet = 1; break;
        case 'v': verbose = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("sweep"));
            return cli_finish_stdout();
        default:
            if (cli_per_class_option("sweep", option, optarg, argc, argv, &per_class, &code)) {
                if (code != EXIT_OK)
                    return code;
                break;
            }
            code = cli_sweep_or_eval_option("sweep", option, optarg, &sweep, &load, &model_list,
                                            &eval, argc, argv);
            if (code != EXIT_OK)
                return code;
        }
    }
    if ((code = cli_eval_check(&eval, "sweep")) != EXIT_OK)
        return code;
    if ((code = cli_per_class_check("sweep", &per_class, &sweep, &load, &eval, ensemble,
                                    all_points)) != EXIT_OK)
        return code;
    if (per_class.mode && (!output_path || strcmp(output_path, "-") == 0))
        return cli_usage_error("sweep", "--per-class writes its policies beside the front: give "
                                        "-o FILE.csv (they go to FILE.policies.json)");
    if (!isnan(budget) && !all_points)
        return cli_usage_error("sweep", "--budget goes with --points all (the share of samples "
                                        "over it is a column of every candidate point)");
    if (all_points && (eval.split > 0 || eval.fit_index || eval.eval_index || eval.bootstrap))
        return cli_usage_error("sweep", "--points all writes fit figures only; drop it to get "
                                        "held-out or bootstrap columns");
    cli_eval_load_options(&eval, &load);
    if (merge && optind + 2 > argc)
        return cli_usage_error("sweep", "--merge needs the MANIFEST, then the partial fronts of "
                                        "every shard");
    if (!merge && optind != argc - 1)
        return cli_usage_error("sweep", optind >= argc ? "needs a MANIFEST"
                                                        : "takes one MANIFEST, got %d arguments",
                               argc - optind);
    if (merge && (sharded || seed_path || all_points || ensemble || per_class.mode))
        return cli_usage_error("sweep", "--merge is not available with %s",
                               sharded ? "--shard" : seed_path ? "--seed-front"
                               : all_points ? "--points all" : ensemble ? "--ensemble"
                               : "--per-class");
    if (load.score != CASCADE_SCORE_ACCURACY && (ensemble || eval.bootstrap))
        return cli_usage_error("sweep", "--score %s is not available with %s (expected --score "
                               "accuracy)", cascade_score_name(load.score),
                               ensemble ? "--ensemble" : "--bootstrap");
    if ((sharded || seed_path) && (all_points || ensemble))
        return cli_usage_error("sweep", "%s is not available with %s",
                               sharded ? "--shard" : "--seed-front",
                               all_points ? "--points all" : "--ensemble");
    if (sharded && per_class.mode)
        return cli_usage_error("sweep", "--shard is not available with --per-class");
    if (ensemble && all_points)
        return cli_usage_error("sweep", "--points all is not available with --ensemble");
    if (ensemble && (eval.split > 0 || eval.fit_index || eval.eval_index || eval.bootstrap))
        return cli_usage_error("sweep", "--split, --fit-index, --eval-index and --bootstrap are "
                                        "not available with --ensemble");
    /* An accuracy sweep reads confidences and correctness only; a shard
     * and a merge keep predictions, as they are part of the data's
     * fingerprint that the merge compares with the parts'. */
    load.drop_predictions = load.score == CASCADE_SCORE_ACCURACY && !per_class.mode &&
                            !ensemble && !sharded && !merge;
    cascade_dataset *dataset = NULL;
    code = load_for_sweep(argv[optind], &load, &eval, quiet, verbose, &dataset);
    if (code != EXIT_OK)
        return code;
    cli_held_out held_out;
    code = cli_held_out_start(&eval, dataset, quiet, verbose, &held_out);
    if (code != EXIT_OK) {
        cascade_dataset_free(dataset);
        return code;
    }
    unsigned char *candidates = NULL;
    if (model_list) {
        code = cli_select_models(dataset, model_list, "sweep", &candidates);
        if (code != EXIT_OK) {
            cli_held_out_end(&held_out);
            cascade_dataset_free(dataset);
            return code;
        }
        sweep.candidates = candidates;
    }
    if (per_class.mode) {
        per_class.candidates = candidates;
        per_class.threads = sweep.threads;
        code = cli_per_class_sweep(&per_class, &held_out, output_path, quiet, verbose);
        cli_held_out_end(&held_out);
        free(candidates);
        cascade_dataset_free(dataset);
        return code;
    }
    cascade_front front, points, seed;
    cascade_front_init(&front);
    cascade_front_init(&points);
    cascade_front_init(&seed);
    if (seed_path) {
        code = cli_load_seed_front(seed_path, dataset, &seed);
        if (code != EXIT_OK) {
            cli_held_out_end(&held_out);
            free(candidates);
            cascade_front_free(&seed);
            cascade_dataset_free(dataset);
            return code;
        }
        sweep.seed = &seed;
    }
    if (all_points)
        sweep.all_points = &points;
    cli_progress progress;
    cli_progress_start(&progress, quiet);
    sweep.progress = cli_progress_show;
    sweep.progress_context = &progress;
    if (!quiet)
        sweep.estimate = cli_print_estimate;
    cascade_sweep_stats stats;
    cascade_error error;
    cascade_error_clear(&error);
    char *own_identity = merge ? cli_sweep_identity(dataset, &held_out, &sweep, &load, &eval)
                               : NULL;
    memset(&stats, 0, sizeof stats);
    cascade_status status =
        merge && !own_identity
            ? cascade_error_set(&error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory")
        : merge ? cli_merge_and_refine((const char *const *)argv + optind + 1,
                                       (size_t)(argc - optind - 1), own_identity, held_out.fit,
                                       &sweep, &front, &stats, &error)
        : ensemble ? cascade_sweep_ensemble(dataset, &sweep, &front, &stats, &error)
                   : cascade_sweep(held_out.fit, &sweep, &front, &stats, &error);
    free(own_identity);
    cli_progress_end(&progress);
    cascade_extra_columns extra = {0};
    double *extra_values = NULL;
    int extras_code = EXIT_OK;
    if (status == CASCADE_OK && all_points && cli_reports_cost_distribution(dataset, budget))
        extras_code = cost_distribution_columns(dataset, &points, budget, &extra, &extra_values);
    else if (status == CASCADE_OK)
        extras_code = cli_front_extras(&eval, &held_out, &front, sweep.threads, &extra,
                                       &extra_values);
    if (status == CASCADE_OK && extras_code == EXIT_OK) {
        if (verbose && !quiet)
            cli_error("swept %zu chains, skipped %zu whose bound could not reach the front; "
                      "%zu candidate points, %zu on the front",
                      stats.chains_swept, stats.chains_skipped, stats.candidates, front.count);
        if (verbose && !quiet && stats.refine_rounds)
            cli_error("refined the chains of 3+ stages on the front in %zu rounds: %zu "
                      "evaluations, %zu candidate points, %zu new points on the front",
                      stats.refine_rounds, stats.refine_evaluations, stats.refine_candidates,
                      stats.refine_added);
        if (verbose && !quiet && !ensemble && !merge)
            cli_error("shard %u/%u: %zu of %zu chains, estimated work %.4g of %.4g core-seconds",
                      sharded ? sweep.shard_index + 1 : 1, sharded ? sweep.shard_count : 1,
                      stats.chains_assigned, stats.chains_total, 1e-9 * stats.work_assigned,
                      1e-9 * stats.work_total);
        if (seed_path && !quiet)
            cli_error("%s: %zu pair points seeded the sweep, %zu other points were left out "
                      "(a seed holds pairs the sweep searches)", seed_path, stats.seed_used,
                      stats.seed_ignored);
        char *identity = sharded ? cli_sweep_identity(dataset, &held_out, &sweep, &load, &eval)
                                 : NULL;
        cascade_partial_info part = {sweep.shard_index, sweep.shard_count, identity,
                                     stats.chains_assigned, stats.work_assigned};
        cascade_output output;
        status = sharded && !identity
                     ? cascade_error_set(&error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory")
                     : cascade_output_open(output_path, &output, &error);
        if (status == CASCADE_OK) {
            status = all_points ? cascade_write_points_csv_extra(output.file, dataset, &points,
                                                                 &front, &extra)
                     : ensemble ? cascade_write_ensemble_front_csv(output.file, dataset, &front)
                     : sharded  ? cascade_write_partial_front(output.file, dataset, &front,
                                                              &extra, &part, &error)
                                : cascade_write_front_csv_extra(output.file, dataset, &front, &extra);
            status = cli_output_finish(&output, status, output_path, &error);
        }
        free(identity);
    }
    code = status != CASCADE_OK ? cli_report(&error) : extras_code;
    free(extra_values);
    cli_held_out_end(&held_out);
    free(candidates);
    cascade_front_free(&points);
    cascade_front_free(&seed);
    cascade_front_free(&front);
    cascade_dataset_free(dataset);
    return code;
}
