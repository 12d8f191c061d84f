/* Loading a dataset from the command line: progress and warnings on stderr. */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cli_progress_start(cli_progress *progress, int quiet)
{
    progress->on_terminal = !quiet && isatty(STDERR_FILENO);
    progress->shown = 0;
    progress->what = NULL;
    progress->started = 0;
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

void cli_print_estimate(void *context, unsigned length, size_t chains, double seconds)
{
    (void)context;
    /* one significant digit below a second, tenths below ten */
    cli_error("%zu chains of %u stages: about %.*f s, timed on a sample of them", chains, length,
              seconds >= 10 ? 0 : seconds >= 0.1 ? 1 : seconds > 0 ? -(int)floor(log10(seconds)) : 1,
              seconds);
}

void cli_progress_show(void *context, size_t done, size_t total, const char *what)
{
    cli_progress *progress = context;
    if (!progress->on_terminal)
        return;
    double now = seconds_now();
    if (progress->what != what || done == 0) {
        progress->what = what;
        progress->started = now;
    }
    /* One line updated in place; cleared when the step ends. The ETA comes
     * from the rate so far, once there is one to go by. */
    char eta[32] = "";
    double elapsed = now - progress->started;
    if (done > 0 && done < total && elapsed >= 1)
        snprintf(eta, sizeof eta, ", about %.0f s left",
                 elapsed * (double)(total - done) / (double)done);
    fprintf(stderr, "\rcascade: %zu/%zu %s (%.0f%%%s)\033[K", done, total, what,
            total ? 100.0 * (double)done / (double)total : 100.0, eta);
    fflush(stderr);
    progress->shown = 1;
}

void cli_progress_end(cli_progress *progress)
{
    if (progress->shown)
        fputs("\r\033[K", stderr);
    progress->shown = 0;
}

int cli_select_models(const cascade_dataset *dataset, const char *list,
                      const char *command, unsigned char **mask)
{
    *mask = calloc(dataset->model_count, 1);
    char *copy = strdup(list);
    if (!*mask || !copy) {
        free(*mask);
        free(copy);
        *mask = NULL;
        cli_error("out of memory");
        return EXIT_DATA;
    }
    for (char *save = NULL, *name = strtok_r(copy, ",", &save); name;
         name = strtok_r(NULL, ",", &save)) {
        long m = cascade_dataset_find(dataset, name);
        if (m < 0) {
            int code = cli_usage_error(command, "--models names \"%s\", which is not in %s",
                                       name, dataset->manifest->path);
            free(copy);
            free(*mask);
            *mask = NULL;
            return code;
        }
        (*mask)[m] = 1;
    }
    free(copy);
    return EXIT_OK;
}

int cli_load_dataset(const char *manifest, const cascade_dataset_options *options,
                     int quiet, const char *refusing_per_sample, cascade_dataset **out)
{
    cli_progress progress;
    cli_progress_start(&progress, quiet);
    cascade_dataset_options with_progress = *options;
    with_progress.progress = cli_progress_show;
    with_progress.progress_context = &progress;
    if (!with_progress.warning && !quiet)
        with_progress.warning = cli_print_warning;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status = cascade_dataset_load(manifest, &with_progress, out, &error);
    cli_progress_end(&progress);
    if (status == CASCADE_OK && refusing_per_sample)
        status = cascade_dataset_refuse_per_sample(*out, refusing_per_sample, &error);
    if (status != CASCADE_OK) {
        cascade_dataset_free(*out);
        *out = NULL;
        return cli_report(&error);
    }
    if (!quiet && (*out)->samples_left_out)
        cli_error("%zu samples with an empty label list left out; %zu remain",
                  (*out)->samples_left_out, (*out)->samples);
    if (!quiet)
        for (size_t m = 0; m < (*out)->model_count; m++)
            if ((*out)->models[m].records.looks_like_probabilities)
                cli_error("warning: model \"%s\": its \"logits\" look like probabilities "
                          "(non-negative rows summing to 1); if they are, list them as \"probs\"",
                          (*out)->models[m].name);
    return EXIT_OK;
}

/* For what getopt_long returns for a bad option: ':' (every command's
 * optstring starts with ':') when the option that ends the line lacks its
 * value, else '?'. glibc leaves optopt 0 for an unknown long option and
 * sets it to the option's value for a known one, so a known long option
 * here was given a value it does not take. */
int cli_bad_option(const char *command, int returned, int argc, char **argv)
{
    const char *option = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    if (returned == ':') {
        const char *equals = strchr(option, '=');
        int len = equals ? (int)(equals - option) : (int)strlen(option);
        return cli_usage_error(command, "option '%.*s' needs a value", len, option);
    }
    if (option[0] == '-' && option[1] == '-') {
        const char *equals = strchr(option, '=');
        int len = equals ? (int)(equals - option) : (int)strlen(option);
        if (optopt && equals)
            return cli_usage_error(command, "option '%.*s' takes no value", len, option);
        if (optopt)
            return cli_usage_error(command, "option '%.*s' needs a value", len, option);
        return cli_usage_error(command, "unknown option '%.*s'", len, option);
    }
    char text[3] = {'-', optopt > 0 && optopt < 128 ? (char)optopt : '?', '\0'};
    return cli_usage_error(command, "unknown option '%s'", text);
}

int cli_sweep_option(int option, const char *arg, cascade_sweep_options *sweep,
                     cascade_dataset_options *load, const char **model_list, int *code)
{
    long number;
    *code = EXIT_OK;
    switch (option) {
    case 's':
        if (!cli_parse_long("--stages", arg, 1, CASCADE_MAX_STAGES, &number))
            *code = EXIT_USAGE;
        else
            sweep->max_stages = (unsigned)number;
        return 1;
    case 'g':
        if (!cli_parse_long("--grid", arg, 1, 65534, &number))
            *code = EXIT_USAGE;
        else
            sweep->grid = (unsigned)number;
        return 1;
    case 't':
        if (!cli_parse_long("--threads", arg, 1, 1024, &number))
            *code = EXIT_USAGE;
        else
            sweep->threads = load->threads = (unsigned)number;
        return 1;
    case 'X':
        if (!cli_parse_double("--max-seconds", arg, 1e-3, 1e9, &sweep->max_seconds))
            *code = EXIT_USAGE;
        return 1;
    case 'm': *model_list = arg; return 1;
    case 'f': sweep->front_only = 1; return 1;
    case 'n': sweep->no_skip = 1; return 1;
    case CLI_OPT_NO_REFINE: sweep->no_refine = 1; return 1;
    default: return 0;
    }
}
