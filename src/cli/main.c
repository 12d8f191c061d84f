/* cascade: the command-line front end. Dispatches to one cmd_*.c per
 * subcommand; all the cascade maths is in the library. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

/* Shared by sweep, summary and models. */
#define COST_TABLE_DOCS \
    {"--costs TABLE.csv", "Join a CSV cost table (such as timm's benchmark-*.csv) to the models by name; a model's own manifest field overrides it, with a warning when they differ by more than 1%. A model with an \"img_size\" field is matched at that image size."}, \
    {"--strip-tag", "Match names on the part before the first '.', so resnet50.a1_in1k finds resnet50."}, \
    {"--img-size N", "Use the table's rows at image size N (for tables listing a model at several sizes)."}
#define HELD_OUT_DOCS \
    {"--split FRACTION", "Choose thresholds and the front on a seeded random FRACTION of the samples (fit) and measure them again on the rest (eval)."}, \
    {"--seed S", "Seed for --split and --bootstrap (default 0): splitmix64 driving a Fisher-Yates shuffle."}, \
    {"--fit-index FILE", "Fit on the samples listed in FILE (0-based rows, one per line); eval on the rest, or on --eval-index."}, \
    {"--eval-index FILE", "Evaluate on the samples listed in FILE; fit on the rest, or on --fit-index."}

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
    COST_TABLE_DOCS,
    HELD_OUT_DOCS,
    {"--bootstrap B", "Add accuracy_lo, accuracy_hi, cost_lo and cost_hi: 95% percentile intervals from B resamples of the samples (of eval with a split)."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc models_options[] = {
    {"-o, --output FILE", "Write the table to FILE (atomically) instead of standard output."},
    {"--cost FIELD", "Per-sample cost: the numeric manifest field FIELD of each model (default gmacs)."},
    {"-q, --quiet", "Print nothing on standard error except errors."},
    COST_TABLE_DOCS,
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc front_options[] = {
    {"--accuracy RESULTS.csv", "The results table: a \"model\" column and \"top1\" (percent) or \"accuracy\" (fraction)."},
    {"--costs BENCHMARK.csv", "The cost table, joined by model name, and by image size when both tables have one."},
    {"--cost NAME", "gmacs (default: \"gmacs\" or \"infer_gmacs\"), time (milliseconds per sample, 1000 / infer_samples_per_sec) or any numeric column."},
    {"--strip-tag", "Match names on the part before the first '.', so resnet50.a1_in1k finds resnet50."},
    {"--img-size N", "Use the benchmark's rows at image size N."},
    {"-o, --output FILE", "Write the front to FILE (atomically) instead of standard output."},
    {"-q, --quiet", "Print nothing on standard error except errors (not the unmatched names)."},
    {"-v, --verbose", "Report how many models joined and how many are on the front."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc summary_options[] = {
    {"--range LO:HI", "An accuracy range, as fractions (0.80:0.86) or percentages (80%:86%); repeatable. Default: the paper's 0.80:0.86 and 0.86:1."},
    {"--accuracy RESULTS.csv", "Instead of a MANIFEST: single models from a results table joined with --costs (as 'cascade front')."},
    {"-o, --output FILE", "Write the JSON to FILE (atomically) instead of standard output."},
    {"--cost NAME", "Per-sample cost: a manifest field, or with --costs gmacs, time or a column (default gmacs)."},
    {"--stages N, --grid G, --models A,B, --front-only, --no-skip, --threads N", "As for 'cascade sweep'."},
    COST_TABLE_DOCS,
    HELD_OUT_DOCS,
    {"-q, --quiet", "Print nothing on standard error except errors."},
    {"-v, --verbose", "Report the sizes of the fit and eval parts."},
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
     "accuracy (fraction), cost, stages, answered (fraction answered per stage).\n"
     "With --split, thresholds are chosen on the fit part and eval_accuracy and\n"
     "eval_cost follow: the same points on the eval part. With --bootstrap,\n"
     "accuracy_lo, accuracy_hi, cost_lo and cost_hi follow: 95% percentile\n"
     "intervals (of the eval figures with a split).\n\n"
     "MANIFEST is JSON: {\"labels\": FILE, \"models\": [{\"name\": N, \"logits\": FILE,\n"
     "\"gmacs\": X}, ...]}, paths relative to it. Give raw scores as \"logits\" and\n"
     "softmax outputs as \"probs\". Files are .npy (float16/32/64) or .csv.",
     sweep_options},
    {"models", cmd_models, "print each model's accuracy, confidence and cost (CSV)",
     "cascade models MANIFEST [-o FILE] [--cost FIELD]",
     "Prints one CSV row per model: name, samples, classes, accuracy,\n"
     "mean_confidence and cost.",
     models_options},
    {"front", cmd_front, "the single-model front from a results table and a cost table (CSV)",
     "cascade front --accuracy RESULTS.csv --costs BENCHMARK.csv [--cost gmacs|time|COLUMN] [--strip-tag] [--img-size N]",
     "Joins a results table (timm's results-imagenet*.csv) with a benchmark table\n"
     "(benchmark-infer-*.csv) by model name, and by image size when both carry one,\n"
     "and writes the Pareto front of the single models in sweep's CSV columns:\n"
     "models as named in the results table, empty thresholds, accuracy as a\n"
     "fraction, cost, stages 1, answered 1. Results rows without a benchmark row\n"
     "are counted on standard error with the first few names.",
     front_options},
    {"summary", cmd_summary, "the reduction in cost at equal accuracy, per accuracy range (JSON)",
     "cascade summary MANIFEST [sweep options] [--range LO:HI ...] [--split F --seed S]",
     "Sweeps as 'cascade sweep' does and reports the paper's metric. For each range,\n"
     "with TOP = min(HI, the best single model's accuracy), 1001 accuracy levels a\n"
     "evenly spaced over [LO, TOP]; S(a) = the least cost of a single model with\n"
     "accuracy >= a, C(a) = the least cost of a front point (single or cascade)\n"
     "with accuracy >= a. It reports the mean, geometric mean and largest S/C over\n"
     "the levels where both exist, how many levels that is (0 when LO > TOP), and\n"
     "the point with the largest S/C. For each model on the single-model front it\n"
     "gives the cheapest point at least as accurate and the speed-up.\n\n"
     "With a split, \"fit\" has the figures on the samples the front was chosen on\n"
     "and \"eval\" the same points measured on the held-out samples.",
     summary_options},
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
