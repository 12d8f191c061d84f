/* cascade pick: front CSV -> one operating point, as a JSON config. */
#include "cli/cli.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/config.h"
#include "cascade/front_csv.h"
#include "cascade/output.h"
#include "cascade/per_class.h"

/* The policy id of row INDEX of a per-class front, NULL for an ordinary row. */
static const char *row_policy(const cascade_front_table *table, size_t index)
{
    for (size_t e = 0; e < table->extra_count; e++)
        if (strcmp(table->extra_name[e], "policy") == 0 && table->rows[index].extra[e][0])
            return table->rows[index].extra[e];
    return NULL;
}

/* Row INDEX's policy, from the policies file beside PATH, as a config. The
 * policy must carry the row's own fit figures: a policies file left over
 * from another sweep is refused. */
static cascade_status per_class_config(const cascade_front_table *table, size_t index,
                                       const char *path, const char *policy, char **json,
                                       cascade_error *error)
{
    char *policies_path = cli_policies_path(path);
    if (!policies_path)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    cascade_policy_set set;
    cascade_status status = cascade_policy_set_load(policies_path, &set, error);
    const cascade_front_row *row = &table->rows[index];
    char *end = NULL;
    unsigned long long id = strtoull(policy, &end, 10);
    if (status == CASCADE_OK && (end == policy || *end || id >= set.count))
        status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, row->line, -1,
            "line %lld: policy \"%s\" is not in %s (expected an id below %zu)", row->line,
            policy, policies_path, set.count);
    else if (status == CASCADE_OK && (set.policies[id].accuracy != row->accuracy ||
                                      set.policies[id].cost != row->cost))
        status = cascade_error_set(error, CASCADE_ERR_FORMAT, path, row->line, -1,
            "line %lld: policy %llu in %s has other figures than the row (expected the "
            "policies file written with this front)", row->line, id, policies_path);
    if (status == CASCADE_OK &&
        !(*json = cascade_per_class_config_json(table, index, &set, (size_t)id)))
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    cascade_policy_set_free(&set);
    free(policies_path);
    return status;
}

int cmd_pick(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"min-accuracy", required_argument, NULL, 'a'},
        {"max-cost", required_argument, NULL, 'c'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *output_path = NULL;
    int rules = 0, option;
    cascade_pick_rule rule = CASCADE_PICK_MIN_ACCURACY;
    double limit = 0.0;
    opterr = 0;
    optind = 1;
    while ((option = getopt_long(argc, argv, ":o:h", long_options, NULL)) != -1) {
        switch (option) {
        case 'a':
            if (!cli_parse_double("--min-accuracy", optarg, 0.0, 1.0, &limit))
                return EXIT_USAGE;
            rule = CASCADE_PICK_MIN_ACCURACY;
            rules++;
            break;
        case 'c':
            if (!cli_parse_double("--max-cost", optarg, 0.0, HUGE_VAL, &limit))
                return EXIT_USAGE;
            rule = CASCADE_PICK_MAX_COST;
            rules++;
            break;
        case 'o': output_path = optarg; break;
        case 'h':
            cli_print_help(stdout, cli_find_command("pick"));
            return cli_finish_stdout();
        default: return cli_bad_option("pick", option, argc, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("pick", optind >= argc ? "needs a FRONT (a CSV from cascade sweep)"
                                                       : "takes one FRONT, got %d arguments",
                               argc - optind);
    if (rules != 1)
        return cli_usage_error("pick", "needs exactly one of --min-accuracy or --max-cost");
    const char *path = argv[optind];
    cascade_error error;
    cascade_error_clear(&error);
    cascade_front_table *table = NULL;
    cascade_status status = cascade_front_table_load(path, &table, &error);
    size_t index = 0;
    if (status == CASCADE_OK)
        status = cascade_front_table_pick(table, rule, limit, path, &index, &error);
    char *json = NULL;
    const char *policy = status == CASCADE_OK ? row_policy(table, index) : NULL;
    if (policy)
        status = per_class_config(table, index, path, policy, &json, &error);
    else if (status == CASCADE_OK && !(json = cascade_config_json(table, index)))
        status = cascade_error_set(&error, CASCADE_ERR_NOMEM, path, -1, -1, "out of memory");
    if (status == CASCADE_OK) {
        cascade_output output;
        status = cascade_output_open(output_path, &output, &error);
        if (status == CASCADE_OK) {
            int failed = fputs(json, output.file) == EOF || ferror(output.file);
            status = cli_output_finish(&output, failed ? CASCADE_ERR_IO : CASCADE_OK,
                                       output_path, &error);
        }
    }
    free(json);
    cascade_front_table_free(table);
    return status == CASCADE_OK ? EXIT_OK : cli_report(&error);
}
