/* The command-line layer: one cmd_*.c file per subcommand, each a thin
 * function over the library. Each returns the process exit status:
 * 0 success, 1 data error, 2 usage error. */
#ifndef CASCADE_CLI_H
#define CASCADE_CLI_H

#include <stdio.h>

#include "cascade/output.h"
#include "cascade/status.h"

enum { EXIT_OK = 0, EXIT_DATA = 1, EXIT_USAGE = 2 };

/* The help text and the manual page are both rendered from these tables
 * (help.c), so they cannot drift apart. */
typedef struct cli_option_doc {
    const char *flags;       /* e.g. "-o, --output FILE" */
    const char *text;        /* one or two sentences */
} cli_option_doc;

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *summary;               /* one line for `cascade --help` */
    const char *synopsis;              /* e.g. "cascade sweep MANIFEST [options]" */
    const char *description;           /* paragraphs separated by blank lines */
    const cli_option_doc *options;     /* ends with {NULL, NULL} */
} cli_command;

/* The subcommand table (main.c) and help rendering (help.c). */
extern const cli_command cli_commands[];
extern const cli_option_doc cli_global_options[];
const cli_command *cli_find_command(const char *name);
void cli_print_help(FILE *file, const cli_command *command);
void cli_print_overview(FILE *file);
void cli_print_man(FILE *file);      /* the roff manual page, cascade.1 */

/* Loads a manifest's dataset, showing progress on a terminal unless QUIET
 * and warning about suspicious inputs; on failure prints the error and
 * returns its exit code (0 on success). A command that does not take
 * per-sample costs or a graded quality (docs/llm-routing.md) passes its
 * name as REFUSING_PER_SAMPLE ("cascade records"), which such a manifest
 * is then refused by; NULL takes them. */
#include "cascade/dataset.h"
#include "cascade/sweep.h"
int cli_load_dataset(const char *manifest, const cascade_dataset_options *options,
                     int quiet, const char *refusing_per_sample, cascade_dataset **out);

/* getopt_long's unknown-option and missing-argument cases, as usage errors
 * that name the option. */
int cli_bad_option(const char *command, int option, int argc, char **argv);

/* --models a,b,c: a [model_count] mask of the named models (caller frees);
 * prints a usage error naming an unknown model. */
int cli_select_models(const cascade_dataset *dataset, const char *list,
                      const char *command, unsigned char **mask);

/* Progress on stderr as one line updated in place, only on a terminal. */
typedef struct cli_progress {
    int on_terminal;
    int shown;
    const char *what;     /* the step shown, and when it started, for an ETA */
    double started;
} cli_progress;
void cli_progress_start(cli_progress *progress, int quiet);
void cli_progress_show(void *progress, size_t done, size_t total, const char *what);
void cli_progress_end(cli_progress *progress);

/* --metric NAME and --calibrate temperature|none into LOAD; a usage error
 * (returned) names the option (cli_metric.c). */
int cli_parse_metric(const char *command, const char *text, cascade_dataset_options *load);
int cli_parse_calibrate(const char *command, const char *text, cascade_dataset_options *load);
/* --score accuracy|mcc|f1|macro_f1 into LOAD (cli_metric.c). */
int cli_parse_score(const char *command, const char *text, cascade_dataset_options *load);

/* The sweep options that sweep, summary and compare share: --stages (s),
 * --grid (g), --threads (t), --models (m), --front-only (f), --no-skip (n),
 * --no-refine (CLI_OPT_NO_REFINE).
 * Returns 1 when OPTION is one of them, with *CODE EXIT_USAGE for a bad
 * value (already reported), else EXIT_OK; 0 otherwise. */
int cli_sweep_option(int option, const char *arg, cascade_sweep_options *sweep,
                     cascade_dataset_options *load, const char **model_list, int *code);
#define CLI_MAX_SECONDS_LONG_OPTION {"max-seconds", required_argument, NULL, 'X'}
/* Prints the sweep's estimate for a chain length on stderr (a
 * cascade_sweep_options estimate callback; the context is unused). */
void cli_print_estimate(void *context, unsigned length, size_t chains, double seconds);

int cmd_sweep(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_front(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_records(int argc, char **argv);
int cmd_pick(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Printing helpers shared by the subcommands (cli_util.c). */
void cli_error(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
int cli_report(const cascade_error *error);         /* prints it, returns exit code */
int cli_usage_error(const char *command, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int cli_parse_double(const char *option, const char *text, double min, double max, double *out);

/* Whether a run reports per-sample cost percentiles (docs/llm-routing.md):
 * when DATASET has per-sample costs or qualities, or a --budget was given
 * (BUDGET not NaN). */
int cli_reports_cost_distribution(const cascade_dataset *dataset, double budget);
int cli_parse_long(const char *option, const char *text, long min, long max, long *out);
int cli_finish_stdout(void);                        /* checks stdout for write errors */
/* After writing OUTPUT (opened for PATH, NULL: standard output): commits it
 * when WRITTEN is CASCADE_OK, else removes it and sets ERROR to a write
 * error naming PATH and errno's reason. Returns the final status. */
cascade_status cli_output_finish(cascade_output *output, cascade_status written,
                                 const char *path, cascade_error *error);

/* ---- cost tables, held-out evaluation and the bootstrap (cli_eval.c) ---- */
#include <stdint.h>

#include "cascade/front.h"
#include "cascade/output.h"

/* getopt_long values of the shared options, above every short option. */
enum {
    CLI_OPT_COSTS = 0x100, CLI_OPT_STRIP_TAG, CLI_OPT_IMG_SIZE, CLI_OPT_SPLIT, CLI_OPT_SEED,
    CLI_OPT_FIT_INDEX, CLI_OPT_EVAL_INDEX, CLI_OPT_BOOTSTRAP, CLI_OPT_ACCURACY, CLI_OPT_RANGE,
    CLI_OPT_SCORE, CLI_OPT_PER_CLASS, CLI_OPT_MIN_CLASS_SAMPLES, CLI_OPT_SHARD, CLI_OPT_SEED_FRONT,
    CLI_OPT_BUDGET, CLI_OPT_NO_REFINE, CLI_OPT_MERGE
};
#define CLI_NO_REFINE_LONG_OPTION {"no-refine", no_argument, NULL, CLI_OPT_NO_REFINE}
#define CLI_COST_TABLE_LONG_OPTIONS \
    {"costs", required_argument, NULL, CLI_OPT_COSTS}, \
    {"strip-tag", no_argument, NULL, CLI_OPT_STRIP_TAG}, \
    {"img-size", required_argument, NULL, CLI_OPT_IMG_SIZE}
#define CLI_HELD_OUT_LONG_OPTIONS \
    {"split", required_argument, NULL, CLI_OPT_SPLIT}, \
    {"seed", required_argument, NULL, CLI_OPT_SEED}, \
    {"fit-index", required_argument, NULL, CLI_OPT_FIT_INDEX}, \
    {"eval-index", required_argument, NULL, CLI_OPT_EVAL_INDEX}

typedef struct cli_eval_options {
    const char *costs;         /* --costs TABLE.csv */
    int strip_tag;
    long img_size;
    double split;              /* --split FRACTION; 0 when not given */
    uint64_t seed;             /* --seed S, for the split and the bootstrap */
    const char *fit_index, *eval_index;
    unsigned bootstrap;        /* --bootstrap B; 0 when not given */
} cli_eval_options;

/* When OPTION is one of the shared options: parses ARG into O and returns 1,
 * setting *CODE to EXIT_USAGE (after printing why) on a bad value. Else 0. */
int cli_eval_option(cli_eval_options *o, int option, const char *arg, int *code);
/* Usage checks once every option is parsed; returns an exit code. */
int cli_eval_check(const cli_eval_options *o, const char *command);
/* sweep's and summary's shared options: OPTION as a sweep option, else as
 * an evaluation option, else a usage error naming it for COMMAND. Returns
 * EXIT_OK when it was one and its value is good, else the exit code. */
int cli_sweep_or_eval_option(const char *command, int option, const char *arg,
                             cascade_sweep_options *sweep, cascade_dataset_options *load,
                             const char **model_list, cli_eval_options *eval, int argc,
                             char **argv);
/* Copies the cost-table options into LOAD. */
void cli_eval_load_options(const cli_eval_options *o, cascade_dataset_options *load);
/* Prints a library warning on stderr (a cascade_warning_fn). */
void cli_print_warning(void *context, const char *message);

/* The samples a sweep fits on and the ones it is measured on. */
typedef struct cli_held_out {
    cascade_dataset *fit;      /* the fit view, or the whole dataset without a split */
    cascade_dataset *eval;     /* the eval view; NULL without a split */
    cascade_dataset *views[2]; /* owned */
} cli_held_out;
int cli_held_out_start(const cli_eval_options *o, cascade_dataset *dataset, int quiet,
                       int verbose, cli_held_out *held_out);
void cli_held_out_end(cli_held_out *held_out);

/* The columns FRONT gets from O: eval_accuracy and eval_cost with a split;
 * accuracy_lo, accuracy_hi, cost_lo and cost_hi with --bootstrap (on the
 * eval part with a split). EXTRA->count is 0 when there are none. The
 * caller frees *VALUES. Returns an exit code. */
int cli_front_extras(const cli_eval_options *o, const cli_held_out *held_out,
                     const cascade_front *front, unsigned threads,
                     cascade_extra_columns *extra, double **values);

/* ---- per-class policies (cli_per_class.c) ---- */
#include "cascade/per_class.h"

#define CLI_PER_CLASS_LONG_OPTIONS \
    {"per-class", optional_argument, NULL, CLI_OPT_PER_CLASS}, \
    {"min-class-samples", required_argument, NULL, CLI_OPT_MIN_CLASS_SAMPLES}

/* --per-class[=MODE] (also "--per-class MODE" when the next argument is
 * exactly thresholds or route, which it then consumes) and
 * --min-class-samples N into O. Returns 1 when OPTION is one of them, with
 * *CODE EXIT_USAGE for a bad value (already reported); 0 otherwise. */
int cli_per_class_option(const char *command, int option, const char *arg, int argc,
                         char **argv, cascade_per_class_options *o, int *code);
/* Usage checks: --min-class-samples needs --per-class, and a per-class
 * sweep has two stages, no ensembles, no temperatures, no bootstrap. */
int cli_per_class_check(const char *command, const cascade_per_class_options *o,
                        const cascade_sweep_options *sweep, const cascade_dataset_options *load,
                        const cli_eval_options *eval, int ensemble, int all_points);
/* The policies file beside a front CSV: FRONT.csv -> FRONT.policies.json
 * (FRONT -> FRONT.policies.json without .csv). The caller frees it. */
char *cli_policies_path(const char *front_path);
/* sweep --per-class: the per-class front of HELD_OUT's fit part, with eval
 * columns on its eval part, written to OUTPUT_PATH and its policies beside
 * it, both or neither. Returns the exit code. */
int cli_per_class_sweep(const cascade_per_class_options *o, const cli_held_out *held_out,
                        const char *output_path, int quiet, int verbose);

/* ---- sharded sweeps (cli_shard.c) ---- */
/* --shard I/N (I from 1) into a 0-based *INDEX and *COUNT; a usage error
 * (returned) names COMMAND. */
int cli_parse_shard(const char *command, const char *text, unsigned *index, unsigned *count);
/* The sweep line of a partial front (cascade/partial_front.h): the
 * fingerprints of the data and of the fit and eval samples, and every
 * option that shapes the front. The caller frees it; NULL when out of
 * memory. */
char *cli_sweep_identity(const cascade_dataset *dataset, const cli_held_out *held_out,
                         const cascade_sweep_options *sweep, const cascade_dataset_options *load,
                         const cli_eval_options *eval);
/* --seed-front FILE: the front's points with DATASET's model indices, into
 * SEED (initialised by the caller). Prints the error and returns its exit
 * code. */
int cli_load_seed_front(const char *path, const cascade_dataset *dataset, cascade_front *seed);
/* sweep --merge: the front of the parts PATHS[0..COUNT) of a sharded sweep
 * whose sweep line is IDENTITY (this run's own), each point evaluated again
 * on FIT, then refined as the unsharded sweep refines (when IDENTITY says
 * so), into FRONT (initialised by the caller). Fills ERROR and returns its
 * status. */
cascade_status cli_merge_and_refine(const char *const *paths, size_t count, const char *identity,
                                    const cascade_dataset *fit,
                                    const cascade_sweep_options *sweep, cascade_front *front,
                                    cascade_sweep_stats *stats, cascade_error *error);
/* True when a sweep line says its merged front is still to be refined. */
int cli_identity_refines(const char *identity);

int cmd_merge(int argc, char **argv);
int cmd_merge_records(int argc, char **argv);

#endif
