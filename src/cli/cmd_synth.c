/* cascade synth: plan -> synthetic labels, logits and manifest. */
#include "cli/cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cascade/synth.h"


int cmd_synth(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"models", required_argument, NULL, 'm'},
        {"samples", required_argument, NULL, 'k'},
        {"classes", required_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 's'},
        {"dtype", required_argument, NULL, 'd'},
        {"accuracy", required_argument, NULL, 'a'},
        {"costs", required_argument, NULL, 'b'},
        {"threads", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_dir = NULL, *accuracy_csv = NULL, *costs_csv = NULL;
    long models = 0, samples = 0, classes = 0, seed = -1, threads = 0;
    cascade_synth_dtype dtype = CASCADE_SYNTH_F32;
    int quiet = 0, option;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o': output_dir = optarg; break;
        case 'm':
            if (!cli_parse_long("--models", optarg, 1, 1000, &models))
                return EXIT_USAGE;
            break;
        case 'k':
            if (!cli_parse_long("--samples", optarg, 1, 100000000, &samples))
                return EXIT_USAGE;
            break;
        case 'c':
            if (!cli_parse_long("--classes", optarg, 2, 1000000, &classes))
                return EXIT_USAGE;
            break;
        case 's':
            if (!cli_parse_long("--seed", optarg, 0, LONG_MAX, &seed))
                return EXIT_USAGE;
            break;
        case 't':
            if (!cli_parse_long("--threads", optarg, 1, 1024, &threads))
                return EXIT_USAGE;
            break;
        case 'd':
            if (strcmp(optarg, "f32") == 0 || strcmp(optarg, "float32") == 0)
                dtype = CASCADE_SYNTH_F32;
            else if (strcmp(optarg, "f16") == 0 || strcmp(optarg, "float16") == 0)
                dtype = CASCADE_SYNTH_F16;
            else
                return cli_usage_error("synth", "--dtype takes f32 or f16, not \"%s\"", optarg);
            break;
        case 'a': accuracy_csv = optarg; break;
        case 'b': costs_csv = optarg; break;
        case 'q': quiet = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("synth"));
            return cli_finish_stdout();
        default: return cli_bad_option("synth", option, argc, argv);
        }
    }
    if (optind != argc)
        return cli_usage_error("synth", "takes no arguments besides options, got \"%s\"",
                               argv[optind]);
    if (!output_dir || !*output_dir)
        return cli_usage_error("synth", "needs -o DIR");
    if (!models || !samples || !classes || seed < 0)
        return cli_usage_error("synth", "needs --%s", !models ? "models" : !samples ? "samples"
                                                      : !classes ? "classes" : "seed");
    if (!accuracy_csv != !costs_csv)
        return cli_usage_error("synth", "--accuracy and --costs go together: give both or "
                                        "neither");

    cascade_error error;
    cascade_error_clear(&error);
    cascade_synth_plan *plan = NULL;
    cascade_status status =
        accuracy_csv ? cascade_synth_plan_from_tables(&plan, accuracy_csv, costs_csv,
                                                      (size_t)models, &error)
                     : cascade_synth_plan_default(&plan, (size_t)models, (size_t)classes,
                                                  (uint64_t)seed, &error);
    if (status == CASCADE_OK) {
        cascade_synth_options options = {
            .samples = (size_t)samples,
            .classes = (size_t)classes,
            .seed = (uint64_t)seed,
            .dtype = dtype,
            .threads = (unsigned)threads,
        };
        status = cascade_synth_generate(output_dir, plan, &options, &error);
    }
    if (status != CASCADE_OK) {
        cascade_synth_plan_free(plan);
        return cli_report(&error);
    }
    if (!quiet) {
        /* What was written, on stderr like the other commands' notes. */
        fprintf(stderr, "cascade: wrote %zu models x %ld samples x %ld classes (%s) to %s\n",
                plan->n_models, samples, classes,
                dtype == CASCADE_SYNTH_F16 ? "float16" : "float32", output_dir);
        fprintf(stderr, "  %-32s %10s %8s %8s %9s\n", "model", "gmacs", "target", "accuracy",
                "mean_conf");
        for (size_t m = 0; m < plan->n_models; m++) {
            const cascade_synth_model *model = &plan->models[m];
            fprintf(stderr, "  %-32s %10.4g %8.4f %8.4f %9.4f\n", model->name, model->gmacs,
                    model->target_accuracy, model->accuracy, model->mean_confidence);
        }
    }
    cascade_synth_plan_free(plan);
    return EXIT_OK;
}
