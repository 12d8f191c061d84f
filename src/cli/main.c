/* cascade: the command-line front end. Dispatches to one cmd_*.c per
 * subcommand; all the cascade maths is in the library. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

static const cli_option_doc sweep_options[] = {
    {"-o, --output FILE", "Write the front to FILE (atomically) instead of standard output."},
    {"--cost FIELD", "Per-sample cost: the numeric manifest field FIELD of each model (default gmacs)."},
    {"--stages N", "Search cascades of up to N stages (1 to 8; default 2). Pairs are exact; longer chains use a threshold grid."},
    {"--grid G", "Thresholds per stage for chains of 3 or more stages, at quantiles of the stage's confidences (default 100)."},
    {"--models A,B,C", "Use only the named models."},
    {"--front-only", "Chains of 3 or more stages use only the models on the single-model front (pairs still use all)."},
    {"--no-skip", "Sweep every chain, even one whose oracle bound cannot reach the front (for checking)."},
    {"--threads N", "Worker threads (default: one per online CPU)."},
    {"--points all", "Write every candidate point, not only the front, with an on_front column (for plotting the cloud)."},
    {"-q, --quiet", "Print nothing on standard error except errors (no progress)."},
    {"-v, --verbose", "Report how many chains were swept and skipped, and how many candidate points."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc models_options[] = {
    {"-o, --output FILE", "Write the table to FILE (atomically) instead of standard output."},
    {"--cost FIELD", "Per-sample cost: the numeric manifest field FIELD of each model (default gmacs)."},
    {"-q, --quiet", "Print nothing on standard error except errors."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

const cli_command cli_commands[] = {
    {"sweep", cmd_sweep, "sweep thresholds and print the accuracy-cost Pareto front (CSV)",
     "cascade sweep MANIFEST [-o FILE] [--cost FIELD] [--stages N] [--grid G] [options]",
     "Evaluates every single model and every cascade of models in increasing cost\n"
     "at every threshold that changes the outcome, and writes the Pareto front of\n"
     "accuracy versus mean per-sample cost as CSV, cost ascending. A sample stops at\n"
     "the first stage whose confidence (max softmax) is >= that stage's threshold;\n"
     "the last stage always answers.\n\n"
     "Columns: models (stage names joined by '>'), thresholds (joined by ';'),\n"
     "accuracy (fraction), cost, stages, answered (fraction answered per stage).\n\n"
     "MANIFEST is JSON: {\"labels\": FILE, \"models\": [{\"name\": N, \"logits\": FILE,\n"
     "\"gmacs\": X}, ...]}, paths relative to it. Give raw scores as \"logits\" and\n"
     "softmax outputs as \"probs\". Files are .npy (float16/32/64) or .csv.",
     sweep_options},
    {"models", cmd_models, "print each model's accuracy, confidence and cost (CSV)",
     "cascade models MANIFEST [-o FILE] [--cost FIELD]",
     "Prints one CSV row per model: name, samples, classes, accuracy,\n"
     "mean_confidence and cost.",
     models_options},
    {NULL, NULL, NULL, NULL, NULL, NULL}};

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_print_overview(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        cli_print_overview(stdout);
        return cli_finish_stdout();
    }
    if (strcmp(name, "--version") == 0) {
        puts("cascade " CASCADE_VERSION);
        return cli_finish_stdout();
    }
    if (strcmp(name, "help") == 0) {
        if (argc < 3) {
            cli_print_overview(stdout);
            return cli_finish_stdout();
        }
        const cli_command *command = cli_find_command(argv[2]);
        if (!command) {
            cli_error("no command named '%s' (see 'cascade --help')", argv[2]);
            return EXIT_USAGE;
        }
        cli_print_help(stdout, command);
        return cli_finish_stdout();
    }
    const cli_command *command = cli_find_command(name);
    if (!command) {
        cli_error("unknown command '%s' (see 'cascade --help')", name);
        return EXIT_USAGE;
    }
    return command->run(argc - 1, argv + 1);
}
