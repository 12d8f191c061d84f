/* cascade records: manifest -> records -> a records folder for later sweeps. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/records_file.h"

/* The names of --models A,B,C, or of shard INDEX of COUNT of MANIFEST's
 * models, into *NAMES (pointing into *STORAGE; the caller frees both).
 * Returns an exit code, the error printed. */
static int models_to_load(const char *manifest_path, const char *list, int sharded,
                          unsigned index, unsigned count, const char ***names, size_t *n,
                          char **storage, size_t *source_models)
{
    *names = NULL;
    *n = 0;
    *storage = NULL;
    if (list) {
        *storage = strdup(list);
        *names = calloc(strlen(list) / 2 + 2, sizeof **names);
        if (!*storage || !*names) {
            cli_error("out of memory");
            return EXIT_DATA;
        }
        for (char *name = strtok(*storage, ","); name; name = strtok(NULL, ","))
            (*names)[(*n)++] = name;
        if (*n == 0)
            return cli_usage_error("records", "--models needs at least one model name");
        return EXIT_OK;
    }
    if (!sharded)
        return EXIT_OK;
    cascade_manifest *manifest = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    if (cascade_manifest_load(manifest_path, &manifest, &error) != CASCADE_OK)
        return cli_report(&error);
    size_t first, end;
    *source_models = manifest->model_count;
    cascade_records_shard_range(manifest->model_count, index, count, &first, &end);
    size_t bytes = 0;
    for (size_t m = first; m < end; m++)
        bytes += strlen(manifest->models[m].name) + 1;
    *storage = malloc(bytes ? bytes : 1);
    *names = calloc(end - first + 1, sizeof **names);
    if (!*storage || !*names) {
        cascade_manifest_free(manifest);
        cli_error("out of memory");
        return EXIT_DATA;
    }
    char *at = *storage;
    for (size_t m = first; m < end; m++) {
        strcpy(at, manifest->models[m].name);
        (*names)[(*n)++] = at;
        at += strlen(at) + 1;
    }
    cascade_manifest_free(manifest);
    if (*n == 0) {
        cli_error("%s: shard %u/%u holds no model: the manifest has %zu (expected at most as "
                  "many shards as models)", manifest_path, index + 1, count, *source_models);
        return EXIT_DATA;
    }
    return EXIT_OK;
}

int cmd_records(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"output", required_argument, NULL, 'o'},
        {"cost", required_argument, NULL, 'c'},
        {"metric", required_argument, NULL, 'M'},
        {"calibrate", required_argument, NULL, 'C'},
        {"threads", required_argument, NULL, 't'},
        {"quiet", no_argument, NULL, 'q'},
        {"precise", no_argument, NULL, 'P'},
        {"models", required_argument, NULL, 'm'},
        {"shard", required_argument, NULL, CLI_OPT_SHARD},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_dir = NULL;
    cascade_dataset_options load = {.cost_field = "gmacs"};
    int quiet = 0, sharded = 0, option;
    unsigned shard_index = 0, shard_count = 0;
    const char *model_list = NULL;
    long number;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:qh", long_options, NULL)) != -1) {
        switch (option) {
        case 'o': output_dir = optarg; break;
        case 'c': load.cost_field = optarg; break;
        case 'M':
            if (cli_parse_metric("records", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 'C':
            if (cli_parse_calibrate("records", optarg, &load) != EXIT_OK)
                return EXIT_USAGE;
            break;
        case 't':
            if (!cli_parse_long("--threads", optarg, 1, 1024, &number))
                return EXIT_USAGE;
            load.threads = (unsigned)number;
            break;
        case 'P': load.precise = 1; break;
        case 'm': model_list = optarg; break;
        case CLI_OPT_SHARD:
            if (cli_parse_shard("records", optarg, &shard_index, &shard_count) != EXIT_OK)
                return EXIT_USAGE;
            sharded = 1;
            break;
        case 'q': quiet = 1; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("records"));
            return cli_finish_stdout();
        default: return cli_bad_option("records", option, argc, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("records", optind >= argc ? "needs a MANIFEST"
                                                          : "takes one MANIFEST, got %d arguments",
                               argc - optind);
    if (!output_dir)
        return cli_usage_error("records", "needs -o DIR, the folder to write");
    if (model_list && sharded)
        return cli_usage_error("records", "give --models or --shard, not both");
    const char **names = NULL;
    char *storage = NULL;
    size_t source_models = 0;
    int code = models_to_load(argv[optind], model_list, sharded, shard_index, shard_count,
                              &names, &load.only_model_count, &storage, &source_models);
    load.only_models = names;
    cascade_dataset *dataset = NULL;
    if (code == EXIT_OK)
        code = cli_load_dataset(argv[optind], &load, quiet, "cascade records", &dataset);
    free(names);
    if (code != EXIT_OK) {
        free(storage);
        return code;
    }
    cascade_error error;
    cascade_error_clear(&error);
    cascade_status status =
        sharded ? cascade_records_save_shard(dataset, output_dir, shard_index, shard_count,
                                             source_models, &error)
                : cascade_records_save(dataset, output_dir, &error);
    free(storage);
    code = status == CASCADE_OK ? EXIT_OK : cli_report(&error);
    if (code == EXIT_OK && !quiet)
        cli_error("saved the records of %zu models on %zu samples in %s/manifest.json",
                  dataset->model_count, dataset->samples, output_dir);
    cascade_dataset_free(dataset);
    return code;
}
