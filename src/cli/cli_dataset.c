/* Loading a dataset from the command line: progress and warnings on stderr. */
#include "cli/cli.h"

#include <getopt.h>
#include <string.h>
#include <unistd.h>

typedef struct progress_state {
    int on_terminal;
} progress_state;

static void show_progress(void *context, size_t done, size_t total, const char *what)
{
    progress_state *state = context;
    if (!state->on_terminal)
        return;
    /* One line updated in place; cleared when loading ends. */
    fprintf(stderr, "\rcascade: read %zu/%zu models (%s)\033[K", done, total, what);
    fflush(stderr);
}

int cli_load_dataset(const char *manifest, const cascade_dataset_options *options,
                     int quiet, cascade_dataset **out)
{
    progress_state state = {.on_terminal = !quiet && isatty(STDERR_FILENO)};
    cascade_dataset_options with_progress = *options;
    with_progress.progress = show_progress;
    with_progress.progress_context = &state;
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status = cascade_dataset_load(manifest, &with_progress, out, &error);
    if (state.on_terminal)
        fputs("\r\033[K", stderr);
    if (status != CASCADE_OK)
        return cli_report(&error);
    if (!quiet)
        for (size_t m = 0; m < (*out)->model_count; m++)
            if ((*out)->models[m].records.looks_like_probabilities)
                cli_error("warning: model \"%s\": its \"logits\" look like probabilities "
                          "(non-negative rows summing to 1); if they are, list them as \"probs\"",
                          (*out)->models[m].name);
    return EXIT_OK;
}

int cli_bad_option(const char *command, int argc, char **argv)
{
    const char *option = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
    if (optopt && strchr(option, optopt) && option[0] == '-' && option[1] != '-') {
        char text[3] = {'-', (char)optopt, '\0'};
        return cli_usage_error(command, "option '%s' is unknown or needs a value", text);
    }
    return cli_usage_error(command, "option '%s' is unknown or needs a value", option);
}
