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

#define SCORE_DOCS \
    {"--score NAME", "What the front is scored by: accuracy (default), mcc (Matthews correlation; its R_K form for more than two classes, as scikit-learn computes it), f1 (F1 of class 1; two classes only) or macro_f1 (mean F1 over the classes that are a label or a prediction). The score column is named after it. Not with multi-labels, table-only models, --ensemble or --bootstrap; chains of 3+ stages need two classes. See docs/scores.md."}
/* Shared by sweep, summary and compare. */
#define PER_CLASS_DOCS \
    {"--per-class [thresholds|route]", "Two-stage policies whose threshold depends on the class the first model predicts (thresholds, the default), and with route also the second model (FrugalML's policy). Writes the policies to FILE.policies.json beside -o FILE.csv (both or neither), with columns policy (the row's policy id there) and max_gap (how far the exact front may lie above the row before the next row's cost; 0 where solved exactly). Not with --stages 3+, --ensemble, --calibrate, --bootstrap or --points all. See docs/per-class.md."}, \
    {"--min-class-samples N", "With --per-class: classes that the first model predicts for fewer than N samples (of the fit part) share one pooled rule (default 50)."}

static const cli_option_doc sweep_options[] = {
    {"-o, --output FILE", "Write the front to FILE (atomically) instead of standard output."},
    {"--cost FIELD", "Per-sample cost: the numeric manifest field FIELD of each model (default gmacs)."},
    {"--stages N", "Search cascades of up to N stages (1 to 8; default 2). Pairs are exact; longer chains use a threshold grid, refined around the front's points (unless --no-refine)."},
    {"--grid G", "Thresholds per stage for chains of 3 or more stages, at quantiles of the stage's confidences (default 100)."},
    {"--models A,B,C", "Use only the named models."},
    {"--front-only", "Chains of 3 or more stages use only the models on the single-model front (pairs still use all)."},
    {"--no-skip", "Sweep every chain, even one whose oracle bound cannot reach the front (for checking)."},
    {"--no-refine", "Keep the grid's points of chains of 3 or more stages as they are: without it, finer thresholds are searched around each of them until the front stops moving (see docs/how-the-sweep-works.md)."},
    {"--max-seconds S", "Before the chains of each length of 3 or more stages, a few are timed and the estimate is printed (unless --quiet); stop with exit 1 and no output when it exceeds S seconds."},
    {"--threads N", "Worker threads (default: one per online CPU)."},
    {"--points all", "Write every candidate point, not only the front, with an on_front column (for plotting the cloud); with per-sample costs or qualities (or --budget), also cost_p50, cost_p95 and cost_p99, the nearest-rank percentiles of each point's per-sample cost."},
    {"--budget X", "With --points all: also an over_budget column, the fraction of samples whose cost under the point exceeds X (docs/llm-routing.md)."},
    {"--metric NAME", "Confidence compared with the thresholds: max_softmax (default), margin (p_top1 - p_top2) or entropy (sum p log p, the negative entropy: thresholds <= 0)."},
    {"--calibrate temperature", "Fit one temperature T per model (minimum NLL on the labelled samples, on the fit part alone with a split) and take confidences from softmax(z / T)."},
    {"--ensemble", "Stage i answers from the mean of the probabilities of stages 1..i (same cost); the metric column ends in +ensemble. Every chain is swept (no skipping); not with --points all."},
    SCORE_DOCS,
    {"-q, --quiet", "Print nothing on standard error except errors (no progress)."},
    {"-v, --verbose", "Report how many chains were swept and skipped, and how many candidate points."},
    COST_TABLE_DOCS,
    HELD_OUT_DOCS,
    {"--bootstrap B", "Add accuracy_lo, accuracy_hi, cost_lo and cost_hi: 95% percentile intervals from B resamples of the samples (of eval with a split)."},
    {"--precise", "Compute confidences of float16/float32 logits in double precision with libm's exp (slower; the default vectorised exp is within about 3e-7 relative, which can reorder samples whose confidences differ by less)."},
    PER_CLASS_DOCS,
    {"--shard I/N", "Sweep only shard I (1 to N) of N: a deterministic share of the chains, balanced by estimated work, written as a partial front for cascade merge. Not with --points all or --ensemble. A shard does not refine: with 3 or more stages, merge its parts with --merge (unless --no-refine)."},
    {"--merge PART...", "Instead of sweeping, merge the partial fronts PART... that 'sweep --shard' wrote with the same MANIFEST and options, and refine the merged front as the unsharded sweep does: the front written is the unsharded one, byte for byte. Parts of another sweep or other data are refused."},
    {"--seed-front FILE", "Start skipping chains from the points of FILE, a front CSV (such as the front of a first pass with --stages 2): its pairs are re-evaluated on this data and used to skip chains; the front written is the same as without it."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc merge_options[] = {
    {"-o, --output FILE", "Write the front to FILE (atomically) instead of standard output."},
    {"-q, --quiet", "Print nothing on standard error except errors."},
    {"-v, --verbose", "Report the parts, the chains they covered, the merge time and the balance of their estimated work (max/mean)."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc models_options[] = {
    {"-o, --output FILE", "Write the table to FILE (atomically) instead of standard output."},
    {"--cost FIELD", "Per-sample cost: the numeric manifest field FIELD of each model (default gmacs)."},
    {"--format FORMAT", "csv (default) or json: a JSON array of objects with the same fields."},
    {"--metric NAME", "mean_confidence in this metric: max_softmax (default), margin or entropy."},
    {"--calibrate temperature", "Fit each model's temperature and add the columns temperature, nll_before, nll_after, ece_before and ece_after (needs labels)."},
    {"--score NAME", "Add a column named after the score (mcc, f1 or macro_f1) after accuracy, with each model's score; with --expect-accuracy, compare that score instead of top-1, against TABLE's column of that name in points (100 times the score, as GLUE reports it: CoLA's MCC 51.3)."},
    {"-q, --quiet", "Print nothing on standard error except errors."},
    COST_TABLE_DOCS,
    {"--expect-accuracy TABLE.csv", "Instead of the table, compare each model's measured top-1 with the published one in TABLE (\"model\" and \"top1\" in percent, or \"accuracy\" as a fraction; --strip-tag applies) and exit 1 when one is outside the tolerance."},
    {"--tolerance PP", "With --expect-accuracy: the largest difference that passes, in percentage points (points of the score with --score; default 0.1; a difference exactly PP passes)."},
    {"--require-all", "With --expect-accuracy: a model missing from TABLE fails the check too."},
    {"--precise", "Compute confidences of float16/float32 logits in double precision with libm's exp (slower; the default vectorised exp is within about 3e-7 relative, which can reorder samples whose confidences differ by less)."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc check_options[] = {
    {"--baseline BASELINE.csv", "The pinned front to compare with (required)."},
    {"--tol-accuracy A", "Fail when, at some cost, the new front's best accuracy is more than A below the baseline's (a fraction; default 0.001; a drop of exactly A passes)."},
    {"--tol-cost R", "Relative cost tolerance: the new front may reach a baseline step costing c at up to c * (1 + R) (default 1e-6)."},
    {"--update", "After reporting, replace BASELINE with FRONT (atomically) and exit 0; creates BASELINE when it does not exist."},
    {"--score NAME", "Fail (exit 1) unless FRONT is scored by NAME (its score column is accuracy, mcc, f1, macro_f1 or quality). Without it any score is compared, but FRONT and BASELINE must have the same score column; --tol-accuracy is then in that score's units."},
    {"-q, --quiet", "Print the report only when the check fails."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc pick_options[] = {
    {"--min-accuracy A", "Pick the cheapest point whose accuracy is at least A (a fraction); on a front of another score, A applies to its score column."},
    {"--min-score S", "Pick the cheapest point whose score (the front's score column: accuracy, mcc, f1, macro_f1 or quality) is at least S, from -1 to 1."},
    {"--max-cost C", "Pick the most accurate point whose cost is at most C."},
    {"--risk EPS", "Instead of a FRONT, read a MANIFEST and pick the cheapest point whose drop (wrong where the chain's last model alone is right) stays at most EPS, 0 < EPS < 1, with thresholds tested on the fit part of a split."},
    {"--delta DELTA", "With --risk: Learn-then-Test, the drop stays at most EPS with probability at least 1 - DELTA (0 < DELTA < 1). Without it, conformal risk control: the expected drop is at most EPS."},
    {"--empirical", "With --risk: no guarantee, the cheapest point whose drop on the fit part is at most EPS (to compare against the guaranteed picks)."},
    {"--models A,B", "With --risk: test only the pair A -> B (A answers first). Default: every pair on the front of the fit part, each at DELTA/m (or EPS/m) for m pairs."},
    {"--cost FIELD, --metric NAME", "With --risk: as for 'cascade sweep'."},
    HELD_OUT_DOCS,
    {"-q, --quiet", "Print nothing on standard error except errors."},
    {"-o, --output FILE", "Write the config to FILE (atomically) instead of standard output."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc apply_options[] = {
    {"-o, --output FILE", "Write the decisions to FILE (atomically) instead of standard output."},
    {"--split FRACTION, --seed S, --fit-index FILE, --eval-index FILE", "The split the front was swept with: also print the realised figures on its fit part and on its eval part (the front's accuracy, cost and eval_* columns)."},
    {"--cost FIELD", "Per-sample cost: the numeric manifest field FIELD of each model (default gmacs); use the field the front was swept with."},
    {"--budget X", "Also print the fraction of samples whose cost exceeds X, after the nearest-rank p50, p95 and p99 of the per-sample cost (printed without it too when the manifest has per-sample costs or qualities; docs/llm-routing.md)."},
    {"-q, --quiet", "Do not print the summary line, nor anything else but errors."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

/* The options of `cascade` itself; --man is left out on purpose: it only
 * serves the build, which renders this manual with it. */
const cli_option_doc cli_global_options[] = {
    {"-h, --help", "Show the list of commands."},
    {"--version", "Show the version."},
    {NULL, NULL}};

static const cli_option_doc synth_options[] = {
    {"-o, --output DIR", "Folder to write (created if missing). Files in it are replaced only once all the new files are complete, manifest.json last."},
    {"--models M", "Number of models (1 to 1000)."},
    {"--samples K", "Number of samples (1 to 100000000)."},
    {"--classes C", "Number of classes (2 to 1000000)."},
    {"--seed S", "Seed (0 to 9223372036854775807). The same options and seed give the same bytes, whatever the number of threads."},
    {"--dtype f32|f16", "Element type of the logits (default f32)."},
    {"--accuracy FILE", "With --costs: timm's results table (columns model, top1). Takes M real models found in both tables, spread over the cost range, with their names, costs and top-1 accuracies."},
    {"--costs FILE", "With --accuracy: timm's benchmark table (columns model, infer_gmacs)."},
    {"--threads N", "Worker threads (default: one per online CPU)."},
    {"-q, --quiet", "Print nothing on standard error except errors (no summary)."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc compare_options[] = {
    {"-o, --output FILE", "Write the table to FILE (atomically) instead of standard output."},
    {"--format csv|json", "Output format (default csv)."},
    {"--cost FIELD", "Per-sample cost: the numeric manifest field FIELD of each model (default gmacs); costs must be > 0."},
    {"--stages N", "Search cascades of up to N stages (1 to 8; default 2)."},
    {"--grid G", "Thresholds per stage for chains of 3 or more stages (default 100)."},
    {"--models A,B,C", "Use only the named models."},
    {"--front-only", "Chains of 3 or more stages use only the models on the single-model front."},
    {"--no-refine", "Keep the grid's points of chains of 3 or more stages as they are: without it, finer thresholds are searched around each of them until the front stops moving (see docs/how-the-sweep-works.md)."},
    {"--calibrate temperature", "Temperature-scale every model first, in every variant."},
    {"--score NAME", "Score the fronts by mcc, f1 or macro_f1 instead of accuracy: the reference columns are named after it (best_mcc_at_reference_cost, ...) and the ensemble variants are left out (ensembles are scored by accuracy only)."},
    {"--threads N", "Worker threads (default: one per online CPU)."},
    {"-q, --quiet", "Print nothing on standard error except errors (no progress)."},
    {"--per-class [thresholds|route]", "Add, per metric, a row for the per-class front (as 'cascade sweep --per-class' finds it) next to the single-threshold rows, and a per_class column (none, thresholds or route)."},
    {"--min-class-samples N", "With --per-class: the smallest class with its own rule (default 50)."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc records_options[] = {
    {"-o, --output DIR", "Folder to write (created if missing): one NAME.records.npy per model, labels.npy and manifest.json."},
    {"--cost FIELD", "Per-sample cost: the numeric manifest field FIELD of each model (default gmacs); every numeric field is copied too."},
    {"--metric NAME", "Confidence metric of the saved records: max_softmax (default), margin or entropy."},
    {"--calibrate temperature", "Temperature-scale every model before computing confidences."},
    {"--threads N", "Worker threads for the per-model pass (default: one per online CPU)."},
    {"-q, --quiet", "Print nothing on standard error except errors."},
    {"--precise", "Compute confidences of float16/float32 logits in double precision with libm's exp (slower; the default vectorised exp is within about 3e-7 relative, which can reorder samples whose confidences differ by less)."},
    {"--models A,B,C", "Compute the records of the named models only (a map step; see cascade merge-records)."},
    {"--shard I/N", "Compute the records of shard I (1 to N) of N only: a contiguous block of the manifest's models, recorded as such so that cascade merge-records can tell when one is missing."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

static const cli_option_doc merge_records_options[] = {
    {"-o, --output DIR", "Folder to write manifest.json into (created if missing); the records files stay where they are."},
    {"-q, --quiet", "Print nothing on standard error except errors."},
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
    {"--format json|csv", "json (default), or csv: one row per range (section, range, lo, hi, top, levels, the reductions and the best point)."},
    {"--expect KEY=VALUE[:TOL]", "Exit 1 when the figure KEY is further than TOL from VALUE (TOL absolute, or TOL% of VALUE; default 1e-9 of VALUE); repeatable. KEY is a path in the JSON (fit.ranges[1].mean_reduction, front_points); shortcuts: mean_reduction is the first range's, range[1].mean_reduction the second's, eval.mean_reduction the first eval range's."},
    {"--cost NAME", "Per-sample cost: a manifest field, or with --costs gmacs, time or a column (default gmacs)."},
    {"--stages N, --grid G, --models A,B, --front-only, --no-skip, --no-refine, --max-seconds S, --threads N", "As for 'cascade sweep'."},
    {"--score NAME", "The reduction at equal score: as for 'cascade sweep'. The levels, ranges and point figures are then in that score (mcc ranges may start at -1); without --range, one range from the cheapest model's score to 1."},
    COST_TABLE_DOCS,
    HELD_OUT_DOCS,
    {"--bootstrap B", "Add 95% percentile intervals (NAME_lo, NAME_hi) of each range's mean_reduction, each pair's apgr and the aiq, all from the same B resamples of the samples (of the eval part with a split); --seed seeds them."},
    {"-q, --quiet", "Print nothing on standard error except errors."},
    {"-v, --verbose", "Report the sizes of the fit and eval parts."},
    {"--per-class [thresholds|route]", "Summarise the per-class front instead (as 'cascade sweep --per-class' finds it, on the fit part with a split); its points carry the policy id that sweep gives them and null thresholds."},
    {"--min-class-samples N", "With --per-class: the smallest class with its own rule (default 50)."},
    {"-h, --help", "Show this help."},
    {NULL, NULL}};

const cli_command cli_commands[] = {
    {"sweep", cmd_sweep, "sweep thresholds and print the accuracy-cost Pareto front (CSV)",
     "cascade sweep MANIFEST [-o FILE] [--cost FIELD] [--stages N] [--grid G] [options]",
     "Evaluates every single model and every cascade of models in increasing cost\n"
     "at every threshold that changes the outcome, and writes the Pareto front of\n"
     "accuracy versus mean per-sample cost as CSV, cost ascending. A sample stops at\n"
     "the first stage whose confidence (max softmax unless --metric) is >= that\n"
     "stage's threshold; the last stage always answers.\n\n"
     "Columns: models (stage names joined by '>'), thresholds (joined by ';'),\n"
     "accuracy (fraction; with --score S a column S holding that score), cost,\n"
     "stages, answered (fraction answered per stage),\n"
     "metric (max_softmax, margin or entropy, then +temperature when calibrated\n"
     "and +ensemble when ensembled; given for prediction tables). Thresholds are\n"
     "in the metric's own units.\n"
     "With --split, thresholds are chosen on the fit part and eval_accuracy and\n"
     "eval_cost follow: the same points on the eval part. With --bootstrap,\n"
     "accuracy_lo, accuracy_hi, cost_lo and cost_hi follow: 95% percentile\n"
     "intervals (of the eval figures with a split).\n\n"
     "With --per-class, the front of two-stage policies that give each class the\n"
     "first model predicts its own threshold (and with route its own second model),\n"
     "plus the single models: each policy row has an empty thresholds cell, a\n"
     "policy id into FILE.policies.json and max_gap; pick turns a row into a config\n"
     "that apply reproduces.\n\n"
     "MANIFEST is JSON: {\"labels\": FILE, \"models\": [{\"name\": N, \"logits\": FILE,\n"
     "\"gmacs\": X}, ...]}, paths relative to it. Give raw scores as \"logits\" and\n"
     "softmax outputs as \"probs\". Files are .npy (float16/32/64) or .csv.\n"
     "A model may instead give \"predictions\": a CSV table of sample id,\n"
     "predicted class and confidence, joined by id to a keyed labels table\n"
     "(\"label_columns\") or to a label list in sorted id order (\"label_ids\":\n"
     "\"sorted\"); see docs/inputs.md.",
     sweep_options},
    {"merge-records", cmd_merge_records, "merge the records folders of a map step into one manifest",
     "cascade merge-records DIR... -o DIR",
     "Reads the records folders that 'cascade records --shard I/N' or\n"
     "'cascade records --models A,B' wrote for parts of one manifest, checks that\n"
     "they agree on the labels and the metric, that no model is in two parts and,\n"
     "for shards, that every shard is there once, and writes one records manifest\n"
     "that lists every model (shards in order, so in the source manifest's order)\n"
     "and refers to the parts' files by relative paths. Sweep it as any manifest.",
     merge_records_options},
    {"merge", cmd_merge, "merge the partial fronts of a sharded sweep into its front (CSV)",
     "cascade merge PARTIAL... [-o FILE]",
     "Reads the partial fronts that 'cascade sweep --shard I/N -o PARTIAL' wrote,\n"
     "one per shard, checks that they belong to one sweep (the same data, samples\n"
     "and options, recorded in each part) and that every shard is there exactly\n"
     "once, and writes the front the unsharded sweep writes, byte for byte.\n\n"
     "A missing, repeated, truncated or damaged part, or a part of another sweep,\n"
     "is refused with a one-line error naming the file and status 1; nothing is\n"
     "written then. The parts of a sweep of 3 or more stages that refines (the\n"
     "default) are refused too: refining the merged front needs the data, so\n"
     "merge them with 'cascade sweep MANIFEST [the shards' options] --merge PARTIAL...'.\n"
     "See docs/cluster.md for Slurm and GNU parallel recipes.",
     merge_options},
    {"models", cmd_models, "print each model's accuracy, confidence and cost (CSV or JSON)",
     "cascade models MANIFEST [-o FILE] [--cost FIELD] [--format csv|json] [--metric NAME] [--calibrate temperature] [--expect-accuracy TABLE.csv [--tolerance PP] [--require-all]]",
     "Prints one CSV row per model: name, samples, classes, accuracy,\n"
     "mean_confidence, cost, aurc and e_aurc (the area under the risk-coverage\n"
     "curve, samples by confidence descending, ties sharing their group's risk,\n"
     "and its excess over a perfect ranking); with --calibrate temperature also\n"
     "temperature,\n"
     "nll_before, nll_after (mean negative log-likelihood at T = 1 and at T),\n"
     "ece_before and ece_after (expected calibration error, 15 equal-width bins\n"
     "(i/15, (i+1)/15] of max softmax, weighted |accuracy - confidence|).\n"
     "With --format json, a JSON array of objects with the name, samples,\n"
     "classes, accuracy, mean_confidence, cost, aurc and e_aurc fields; accuracy,\n"
     "aurc and e_aurc are null when the manifest has no labels.\n\n"
     "With --expect-accuracy TABLE.csv it prints instead one line per model: name,\n"
     "measured top-1, published top-1 and the difference in percentage points,\n"
     "then ok, FAILED (further than --tolerance) or missing (not in TABLE), and a\n"
     "count (--format csv: model,measured,published,difference,verdict). It exits\n"
     "1 when a model is outside the tolerance, when --require-all is given and a\n"
     "model is missing, or when no model is in TABLE at all.",
     models_options},
    {"check", cmd_check, "compare a front with a pinned baseline front; exit 1 on a regression",
     "cascade check FRONT.csv --baseline BASELINE.csv [--tol-accuracy A] [--tol-cost R] [--update]",
     "Reads both fronts (CSVs as cascade sweep or cascade front write them) as step\n"
     "functions: F(c) = the best accuracy among the rows costing at most c. At\n"
     "each step of the baseline, cost c and accuracy B(c), the new front fails the\n"
     "check when B(c) - N(c * (1 + R)) > A, a front with no row that cheap counting\n"
     "as accuracy 0. Between steps B is flat and N never falls, so this covers\n"
     "every cost.\n\n"
     "Prints the worst regression (cost, baseline accuracy, new accuracy and the\n"
     "baseline row), the largest improvement (the same with the fronts swapped,\n"
     "so that a baseline can be refreshed deliberately), how many steps are beyond\n"
     "A either way, and ok or FAILED. Exit status: 0 when no step is more than A\n"
     "below, 1 on a regression (with a one-line error naming the cost) or bad\n"
     "input, 2 on a usage error. With --update the baseline is replaced by FRONT\n"
     "after the report, and the status is 0.",
     check_options},
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
     "Each part also has \"aiq\", the mean of the front's upper concave,\n"
     "non-decreasing hull over the costs of the cheapest to the costliest single\n"
     "model (RouterBench), and \"pairs\": for each pair a -> b on the front (and\n"
     "the pair --models A,B names), q_a and q_b, apgr (the area under\n"
     "PGR(x) = (Q(x) - q_a) / (q_b - q_a) over x in [0, 1], x the fraction reaching\n"
     "b and Q(x) the best accuracy with at most that fraction, exact on the\n"
     "steps) and cpt_50, cpt_80, cpt_90 (the least x with PGR(x) >= 0.5, 0.8,\n"
     "0.9), all null when q_b <= q_a (RouteLLM). --expect takes apgr, cpt_80,\n"
     "pair[1].apgr and aiq as shortcuts.\n\n"
     "With a split, \"fit\" has the figures on the samples the front was chosen on\n"
     "and \"eval\" the same points measured on the held-out samples.\n\n"
     "Each --expect prints a line on standard error, 'expect KEY=VALUE[:TOL]: got X\n"
     "(PATH, difference D, tolerance T): ok' or ': FAILED'; the summary is still\n"
     "written, and the status is 1 when any expectation fails.",
     summary_options},
    {"pick", cmd_pick, "choose one point of a front and print it as a JSON config",
     "cascade pick (FRONT (--min-accuracy A | --max-cost C) | --risk EPS [--delta DELTA] MANIFEST (--split F --seed S | --fit-index F)) [-o FILE] [options]",
     "Reads FRONT, a CSV written by cascade sweep, and prints the chosen point as\n"
     "JSON: the cheapest point whose accuracy is at least A, or the most accurate\n"
     "point whose cost is at most C. Ties go to the more accurate (or cheaper)\n"
     "point, then to the earlier row.\n\n"
     "A row of a per-class front (one with a policy id) becomes a per-class\n"
     "config: its policy, read from FRONT.policies.json beside FRONT, as one\n"
     "threshold and one second model per class (see cascade help apply).\n\n"
     "The config holds models (stage names), thresholds, metric, accuracy, cost\n"
     "and answered (fraction answered by each stage), plus every other column of\n"
     "the front such as eval_accuracy and eval_cost. A front swept with\n"
     "--calibrate temperature has a temperatures column (each stage's fitted T,\n"
     "joined by ';'), which becomes the array \"temperatures\". Numbers are printed\n"
     "so that they read back exactly. cascade apply takes this config.\n\n"
     "When no point meets the constraint, it names the best reachable value and\n"
     "exits with status 1.\n\n"
     "With --risk, the drop of a pair A -> B at a threshold is the fraction of\n"
     "samples that A answers wrongly where B alone is right. Thresholds are\n"
     "tested on the fit part from the most conservative (one group of equal\n"
     "confidences stops at A) down, stopping at the first that fails: with\n"
     "--delta, a Hoeffding-Bentkus p-value <= DELTA (Learn-then-Test); without,\n"
     "(D + 1) / (n + 1) <= EPS for D drops among n samples (conformal risk\n"
     "control). The config gets a \"guarantee\" object: method (ltt, crc or\n"
     "empirical), n, eps, delta, chains, fit_drop and eval_drop (measured on the\n"
     "eval part). When no threshold passes, it exits with status 1.",
     pick_options},
    {"apply", cmd_apply, "run a chosen cascade over a manifest's scores, one decision per sample",
     "cascade apply CONFIG MANIFEST [-o FILE] [--cost FIELD] [--quiet] [--split F --seed S]",
     "Runs the cascade in CONFIG (as cascade pick prints it) over every sample of\n"
     "MANIFEST: a sample stops at the first stage whose confidence is >= that\n"
     "stage's threshold, and the last stage always answers. Labels are optional.\n\n"
     "Writes CSV with one row per sample: index (from 0), stage (from 1), model,\n"
     "prediction, confidence, and correct (1 or 0) when the manifest has labels.\n"
     "Prints the realised accuracy (with labels), mean cost and fraction answered\n"
     "by each stage on standard error. On the data a front was swept on, these\n"
     "equal the front's row exactly.\n\n"
     "The config's metric says how confidences are computed, as in the front:\n"
     "max_softmax, margin or entropy; then +temperature: stage i uses\n"
     "softmax(z / T_i) with T_i from the config's \"temperatures\" (never refitted,\n"
     "so unlabelled data works); then +ensemble: stage i answers from the mean of\n"
     "the probabilities of stages 1..i. Every model in CONFIG must be in\n"
     "MANIFEST. A manifest of saved records (cascade records) works when its\n"
     "metric and temperatures are exactly the config's, and never with +ensemble.\n\n"
     "A per-class config (\"kind\": \"per-class\", from a front swept with\n"
     "--per-class) gives each class the first model predicts its own threshold and\n"
     "second model: a sample answers at \"first\" when its confidence is >= its\n"
     "class's threshold or the class never escalates (null), else at the class's\n"
     "second model. The model column then names the model that answered.",
     apply_options},
    {"synth", cmd_synth, "write a realistic synthetic dataset (labels, logits, manifest)",
     "cascade synth -o DIR --models M --samples K --classes C --seed S [options]",
     "Writes M models' logits on K samples of C classes: DIR/labels.npy (int64),\n"
     "DIR/NAME.logits.npy ([K][C] float32 or float16) and DIR/manifest.json, models\n"
     "in increasing cost (gmacs), each with its target_accuracy. Samples share a\n"
     "difficulty, so the models' errors correlate; each model's realised accuracy is\n"
     "its target; confidence tracks correctness without ranking it perfectly, and\n"
     "is a little over-confident on average. Without --accuracy/--costs, models\n"
     "m00, m01, ... cost 0.01 to 10 GMACs (log-spaced, with jitter) and their\n"
     "accuracies rise with cost (0.70..0.95 for 10 classes, 0.55..0.88 for 1000).\n"
     "A summary (target and realised accuracy per model) goes to standard error.",
     synth_options},
    {"compare", cmd_compare, "compare confidence metrics and ensembling on one manifest (CSV)",
     "cascade compare MANIFEST [--stages N] [--cost FIELD] [--format csv|json] [options]",
     "Sweeps the manifest once per confidence metric (max_softmax, margin,\n"
     "entropy), each once without and once with --ensemble, and prints one row\n"
     "per variant: metric, ensemble (1/0), front_points, area,\n"
     "best_accuracy_at_reference_cost, reference_model, reference_cost,\n"
     "reference_accuracy, cost_at_reference_accuracy, cost_low, cost_high.\n\n"
     "area: the front as a step function A(x), the best accuracy among front\n"
     "points costing at most 10^x, averaged over x = log10(cost) from cost_low to\n"
     "cost_high (the cheapest and the costliest single model): the integral of A\n"
     "divided by log10(cost_high / cost_low), a mean accuracy in [0, 1].\n\n"
     "The reference model is the cheapest single model with the top single-model\n"
     "accuracy; best_accuracy_at_reference_cost is the best front accuracy at its\n"
     "cost, cost_at_reference_accuracy the cheapest front cost reaching its\n"
     "accuracy.",
     compare_options},
    {"records", cmd_records, "save each model's records so later sweeps skip the logits",
     "cascade records MANIFEST -o DIR [--metric NAME] [--calibrate temperature] [options]",
     "Computes every model's per-sample records (prediction, confidence, correct)\n"
     "once and writes them to DIR: NAME.records.npy, a float64 [samples][3] array\n"
     "per model, labels.npy and manifest.json (\"format\": \"cascade-records\",\n"
     "\"version\": 1, the metric, and each model's numeric fields). cascade sweep,\n"
     "models and compare read that manifest like any other, without the logits,\n"
     "as long as --metric and --calibrate match the saved ones.",
     records_options},
    {NULL, NULL, NULL, NULL, NULL, NULL}};

/* OpenBLAS's pthread build starts its worker threads as it is loaded, and
 * each spins on sched_yield for about 2^28 cycles (~0.1 s) waiting for work
 * that most commands never give it. On a 2-core machine that takes a core
 * from the first tenth of a second of every run (perf: 6% of the CPU of a
 * sweep of 16 x 50,000 x 1,000 logits). Stop them: OpenBLAS starts them
 * again on its first threaded call (--bootstrap's sgemm). Weak, so that
 * another BLAS, or a build of OpenBLAS without the symbol, still links. */
int blas_thread_shutdown_(void) __attribute__((weak));

int main(int argc, char **argv)
{
    if (blas_thread_shutdown_)
        blas_thread_shutdown_();
    if (argc < 2) {
        cli_print_overview(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
        cli_print_overview(stdout);
        return cli_finish_stdout();
    }
    if (strcmp(name, "--man") == 0) {
        cli_print_man(stdout);
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
