/* --metric, --calibrate and --score, shared by sweep, models, summary and compare. */
#include "cli/cli.h"

#include <string.h>

#include "cascade/metrics.h"

int cli_parse_metric(const char *command, const char *text, cascade_dataset_options *load)
{
    cascade_metric metric;
    if (cascade_metric_parse(text, &metric, NULL) != CASCADE_OK)
        return cli_usage_error(command,
            "--metric takes max_softmax, margin or entropy, not \"%s\"", text);
    load->metric = metric;
    return EXIT_OK;
}

int cli_parse_calibrate(const char *command, const char *text, cascade_dataset_options *load)
{
    if (strcmp(text, "temperature") == 0)
        load->calibrate = CASCADE_CALIBRATE_TEMPERATURE;
    else if (strcmp(text, "none") == 0)
        load->calibrate = CASCADE_CALIBRATE_NONE;
    else
        return cli_usage_error(command, "--calibrate takes 'temperature' or 'none', not \"%s\"",
                               text);
    return EXIT_OK;
}

int cli_parse_score(const char *command, const char *text, cascade_dataset_options *load)
{
    cascade_score score;
    /* quality is never chosen: a "quality" column sets it (cascade/score.h) */
    if (cascade_score_parse(text, &score, NULL) != CASCADE_OK || score == CASCADE_SCORE_QUALITY)
        return cli_usage_error(command, "--score takes accuracy, mcc, f1 or macro_f1, not \"%s\"",
                               text);
    load->score = score;
    return EXIT_OK;
}
