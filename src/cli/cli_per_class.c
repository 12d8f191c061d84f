/* sweep --per-class: the per-class front, its eval figures and its policies
 * file, written together. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int cli_per_class_option(const char *command, int option, const char *arg, int argc,
                         char **argv, cascade_per_class_options *o, int *code)
{
    *code = EXIT_OK;
    if (option == CLI_OPT_MIN_CLASS_SAMPLES) {
        long n;
        if (!cli_parse_long("--min-class-samples", arg, 1, 1000000000L, &n))
            *code = EXIT_USAGE;
        o->min_class_samples = (size_t)n;
        return 1;
    }
    if (option != CLI_OPT_PER_CLASS)
        return 0;
    if (!arg && optind < argc && (strcmp(argv[optind], "route") == 0 ||
                                  strcmp(argv[optind], "thresholds") == 0))
        arg = argv[optind++];
    if (!arg || strcmp(arg, "thresholds") == 0)
        o->mode = CASCADE_PER_CLASS_THRESHOLDS;
    else if (strcmp(arg, "route") == 0)
        o->mode = CASCADE_PER_CLASS_ROUTE;
    else
        *code = cli_usage_error(command, "--per-class takes 'thresholds' (the default) or "
                                         "'route', not \"%s\"", arg);
    return 1;
}

int cli_per_class_check(const char *command, const cascade_per_class_options *o,
                        const cascade_sweep_options *sweep, const cascade_dataset_options *load,
                        const cli_eval_options *eval, int ensemble, int all_points)
{
    if (!o->mode)
        return o->min_class_samples ? cli_usage_error(command, "--min-class-samples needs "
                                                               "--per-class")
                                    : EXIT_OK;
    if (sweep->max_stages > 2)
        return cli_usage_error(command, "--per-class sweeps two-stage cascades; drop --stages %u",
                               sweep->max_stages);
    if (ensemble || all_points || eval->bootstrap || load->calibrate != CASCADE_CALIBRATE_NONE)
        return cli_usage_error(command, "--per-class is not available with %s",
                               ensemble ? "--ensemble" : all_points ? "--points all"
                               : eval->bootstrap ? "--bootstrap" : "--calibrate");
    return EXIT_OK;
}

char *cli_policies_path(const char *front_path)
{
    size_t len = strlen(front_path);
    if (len > 4 && strcmp(front_path + len - 4, ".csv") == 0)
        len -= 4;
    char *path = malloc(len + sizeof ".policies.json");
    if (path) {
        memcpy(path, front_path, len);
        strcpy(path + len, ".policies.json");
    }
    return path;
}

/* eval_accuracy and eval_cost of every row, on the eval part. */
static int eval_columns(const cascade_per_class_front *front, const cli_held_out *held_out,
                        cascade_extra_columns *extra, double **values)
{
    static const char *const names[] = {"eval_accuracy", "eval_cost"};
    memset(extra, 0, sizeof *extra);
    *values = NULL;
    if (!held_out->eval)
        return EXIT_OK;
    size_t n = front->front.count;
    cascade_point *evaluated = malloc((n ? n : 1) * sizeof *evaluated);
    double *v = malloc((n ? n : 1) * 2 * sizeof *v);
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status = evaluated && v ? cascade_per_class_evaluate_front(front, held_out->eval,
                                                                             evaluated, &error)
                                           : cascade_error_set(&error, CASCADE_ERR_NOMEM, NULL,
                                                               -1, -1, "out of memory");
    for (size_t i = 0; status == CASCADE_OK && i < n; i++) {
        v[2 * i] = evaluated[i].accuracy;
        v[2 * i + 1] = evaluated[i].cost;
    }
    free(evaluated);
    if (status != CASCADE_OK) {
        free(v);
        return cli_report(&error);
    }
    *extra = (cascade_extra_columns){2, names, v};
    *values = v;
    return EXIT_OK;
}

int cli_per_class_sweep(const cascade_per_class_options *o, const cli_held_out *held_out,
                        const char *output_path, int quiet, int verbose)
{
    cascade_error error;
    cascade_error_clear(&error);
    cascade_per_class_front front;
    cascade_status status = cascade_per_class_sweep(held_out->fit, o, &front, &error);
    if (status != CASCADE_OK)
        return cli_report(&error);
    cascade_extra_columns extra;
    double *values = NULL;
    int code = eval_columns(&front, held_out, &extra, &values);
    char *policies_path = cli_policies_path(output_path);
    if (code == EXIT_OK && !policies_path) {
        cli_error("out of memory");
        code = EXIT_DATA;
    }
    if (code == EXIT_OK) {
        if (verbose && !quiet) {
            double gap = 0;
            for (size_t i = 0; i < front.front.count; i++)
                gap = front.max_gap[i] > gap ? front.max_gap[i] : gap;
            cli_error("%zu front rows, %zu of them per-class policies; %zu pairs solved exactly, "
                      "%zu parts by hull merge; largest max_gap %g", front.front.count,
                      front.policies.count, front.dp_pairs, front.hull_parts, gap);
        }
        /* Both files are complete before either replaces anything; the
         * policies go first, and pick checks that a row's figures match its
         * policy's, so a front never points at another front's policies. */
        cascade_output csv, json;
        status = cascade_output_open(output_path, &csv, &error);
        if (status == CASCADE_OK) {
            status = cascade_output_open(policies_path, &json, &error);
            if (status != CASCADE_OK)
                cascade_output_abort(&csv);
        }
        if (status == CASCADE_OK) {
            cascade_status wrote_csv =
                cascade_write_per_class_front_csv(csv.file, held_out->fit, &front, &extra);
            cascade_status wrote_json = cascade_write_policies_json(json.file, &front.policies);
            if (wrote_csv != CASCADE_OK) {
                cascade_output_abort(&json);
                status = cli_output_finish(&csv, wrote_csv, output_path, &error);
            } else if (wrote_json != CASCADE_OK) {
                cascade_output_abort(&csv);
                status = cli_output_finish(&json, wrote_json, policies_path, &error);
            } else {
                status = cli_output_finish(&json, CASCADE_OK, policies_path, &error);
                if (status == CASCADE_OK)
                    status = cli_output_finish(&csv, CASCADE_OK, output_path, &error);
                else
                    cascade_output_abort(&csv);
            }
        }
        code = status == CASCADE_OK ? EXIT_OK : cli_report(&error);
    }
    free(policies_path);
    free(values);
    cascade_per_class_front_free(&front);
    return code;
}
