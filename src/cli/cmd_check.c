/* cascade check: a front against a pinned baseline front, for CI
 * (cascade/check.h has the definition of a regression). */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cascade/check.h"
#include "cascade/front_csv.h"
#include "cascade/output.h"

/* "0.93", or "none" for a front with no row that cheap. */
static const char *accuracy_text(double accuracy, char *buf)
{
    if (isnan(accuracy))
        return "none";
    cascade_format_double(accuracy, buf);
    return buf;
}

static void print_models(FILE *file, const cascade_front_row *row)
{
    for (unsigned s = 0; s < row->stages; s++)
        fprintf(file, "%s%s", s ? ">" : "", row->model[s]);
}

/* One report line for a step: where, both accuracies, and the row. */
static void print_step(FILE *file, const char *what, const cascade_check_step *step,
                       const char *row_file)
{
    char cost[32], baseline[32], now[32];
    cascade_format_double(step->cost, cost);
    fprintf(file, "%s: at cost %s, baseline %s, new %s (%+.6g; %s line %lld, ", what, cost,
            accuracy_text(step->baseline_accuracy, baseline),
            accuracy_text(step->new_accuracy, now), step->difference, row_file,
            step->row->line);
    print_models(file, step->row);
    fputs(")\n", file);
}

/* Replaces BASELINE with the bytes of FRONT, atomically. */
static int update_baseline(const char *front, const char *baseline)
{
    cascade_error error;
    cascade_error_clear(&error);
    FILE *in = fopen(front, "rb");
    if (!in) {
        cli_error("%s: cannot read it again to update the baseline (%s)", front, strerror(errno));
        return EXIT_DATA;
    }
    cascade_output output;
    if (cascade_output_open(baseline, &output, &error) != CASCADE_OK) {
        fclose(in);
        return cli_report(&error);
    }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, output.file) != n)
            break;
    int read_failed = ferror(in);
    fclose(in);
    if (read_failed || ferror(output.file)) {
        cascade_output_abort(&output);
        cli_error("%s: %s error while updating the baseline; it is unchanged",
                  read_failed ? front : baseline, read_failed ? "read" : "write");
        return EXIT_DATA;
    }
    if (cascade_output_commit(&output, &error) != CASCADE_OK)
        return cli_report(&error);
    return EXIT_OK;
}

static int missing_file(const char *path)
{
    struct stat st;
    return stat(path, &st) != 0 && errno == ENOENT;
}

int cmd_check(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"baseline", required_argument, NULL, 'b'},
        {"tol-accuracy", required_argument, NULL, 'a'},
        {"tol-cost", required_argument, NULL, 'c'},
        {"update", no_argument, NULL, 'u'},
        {"score", required_argument, NULL, 's'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *baseline_path = NULL;
    cascade_check_options options = {CASCADE_CHECK_TOL_ACCURACY, CASCADE_CHECK_TOL_COST};
    int update = 0, quiet = 0, option, score_given = 0;
    cascade_score score = CASCADE_SCORE_ACCURACY;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":qh", long_options, NULL)) != -1) {
        switch (option) {
        case 'b': baseline_path = optarg; break;
        case 'a':
            if (!cli_parse_double("--tol-accuracy", optarg, 0.0, 1.0, &options.tol_accuracy))
                return EXIT_USAGE;
            break;
        case 'c':
            if (!cli_parse_double("--tol-cost", optarg, 0.0, 1.0, &options.tol_cost))
                return EXIT_USAGE;
            break;
        case 'u': update = 1; break;
        case 's':
            if (cascade_score_parse(optarg, &score, NULL) != CASCADE_OK)
                return cli_usage_error("check", "--score takes accuracy, mcc, f1, macro_f1 or "
                                                "quality, not \"%s\"", optarg);
            score_given = 1;
            break;
        case 'q': quiet = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("check"));
            return cli_finish_stdout();
        default: return cli_bad_option("check", option, argc, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("check", optind >= argc ? "needs a FRONT (a CSV from cascade sweep)"
                                                        : "takes one FRONT, got %d arguments",
                               argc - optind);
    if (!baseline_path)
        return cli_usage_error("check", "needs --baseline BASELINE.csv");
    const char *front_path = argv[optind];
    cascade_error error;
    cascade_error_clear(&error);
    cascade_front_table *front = NULL, *baseline = NULL;
    if (cascade_front_table_load(front_path, &front, &error) != CASCADE_OK)
        return cli_report(&error);
    if (score_given && front->score != score) {
        cli_error("%s: the front is scored by %s (expected a \"%s\" column, as --score says)",
                  front_path, cascade_score_name(front->score), cascade_score_name(score));
        cascade_front_table_free(front);
        return EXIT_DATA;
    }
    const char *score_name = cascade_score_name(front->score);
    if (update && missing_file(baseline_path)) {
        /* The first run of a new pipeline: nothing to compare with yet. */
        size_t rows = front->count;
        cascade_front_table_free(front);
        int code = update_baseline(front_path, baseline_path);
        if (code == EXIT_OK && !quiet)
            printf("check: %s did not exist; wrote it from %s (%zu rows)\n", baseline_path,
                   front_path, rows);
        return code == EXIT_OK ? cli_finish_stdout() : code;
    }
    cascade_check_result result;
    if (cascade_front_table_load(baseline_path, &baseline, &error) != CASCADE_OK ||
        cascade_check_fronts(front, baseline, &options, &result, &error) != CASCADE_OK) {
        cascade_front_table_free(front);
        cascade_front_table_free(baseline);
        return cli_report(&error);
    }
    int failed = result.regressions > 0;
    if (!quiet || failed) {
        printf("check: %s (%zu steps) against %s (%zu steps); tolerances: %s %g, "
               "cost %g relative\n", front_path, result.new_steps, baseline_path,
               result.baseline_steps, score_name, options.tol_accuracy, options.tol_cost);
        if (result.drops)
            print_step(stdout, "worst regression", &result.worst, baseline_path);
        else
            puts("worst regression: none (the new front is nowhere below the baseline)");
        if (result.gains)
            print_step(stdout, "largest improvement", &result.best, front_path);
        else
            puts("largest improvement: none (the new front is nowhere above the baseline)");
        printf("below the baseline by more than %g: %zu of %zu baseline steps\n",
               options.tol_accuracy, result.regressions, result.baseline_steps);
        printf("above the baseline by more than %g: %zu of %zu new steps\n",
               options.tol_accuracy, result.improvements, result.new_steps);
        puts(!failed ? "ok" : update ? "FAILED, accepted by --update" : "FAILED");
    }
    int code = EXIT_OK;
    if (failed && !update) {
        char cost[32], baseline_acc[32], now[32];
        cascade_format_double(result.worst.cost, cost);
        cli_error("%s: at cost %s the best %s is %s, %.6g below the baseline's %s "
                  "(%s line %lld; tolerance %g)", front_path, cost, score_name,
                  accuracy_text(result.worst.new_accuracy, now), -result.worst.difference,
                  accuracy_text(result.worst.baseline_accuracy, baseline_acc), baseline_path,
                  result.worst.row->line, options.tol_accuracy);
        code = EXIT_DATA;
    }
    cascade_front_table_free(front);
    cascade_front_table_free(baseline);
    if (update) {
        code = update_baseline(front_path, baseline_path);
        if (code == EXIT_OK && !quiet)
            printf("check: updated %s from %s\n", baseline_path, front_path);
    }
    int finished = cli_finish_stdout();
    return code != EXIT_OK ? code : finished;
}
