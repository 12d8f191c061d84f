/* Shared command-line helpers: messages, number options, stdout checks. */
#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes "cascade: TEXT" as one line: control characters (a newline or an
 * escape sequence in a file name or a manifest string) print as '?'. */
static void print_line(const char *text)
{
    fputs("cascade: ", stderr);
    for (const char *c = text; *c; c++)
        fputc((unsigned char)*c < 0x20 || *c == 0x7f ? '?' : *c, stderr);
    fputc('\n', stderr);
}

void cli_error(const char *format, ...)
{
    char text[2200];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    print_line(text);
}

int cli_report(const cascade_error *error)
{
    char text[2200];
    cascade_error_format(error, text, sizeof text);
    print_line(text);
    return error->status == CASCADE_ERR_ARGUMENT ? EXIT_USAGE : EXIT_DATA;
}

int cli_usage_error(const char *command, const char *format, ...)
{
    char text[1200];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    cli_error("%s: %s (see 'cascade help %s')", command, text, command);
    return EXIT_USAGE;
}

int cli_reports_cost_distribution(const cascade_dataset *dataset, double budget)
{
    return cascade_dataset_per_sample(dataset) || !isnan(budget);
}

int cli_parse_double(const char *option, const char *text, double min, double max,
                     double *out)
{
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !(value >= min && value <= max)) {
        cli_error("%s: invalid value \"%s\" (expected a number between %g and %g)",
                  option, text, min, max);
        return 0;
    }
    *out = value;
    return 1;
}

int cli_parse_long(const char *option, const char *text, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE || value < min || value > max) {
        cli_error("%s: invalid value \"%s\" (expected an integer between %ld and %ld)",
                  option, text, min, max);
        return 0;
    }
    *out = value;
    return 1;
}

int cli_finish_stdout(void)
{
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("standard output: write error%s%s", errno ? ": " : "",
                  errno ? strerror(errno) : "");
        return EXIT_DATA;
    }
    return EXIT_OK;
}

cascade_status cli_output_finish(cascade_output *output, cascade_status written,
                                 const char *path, cascade_error *error)
{
    if (written == CASCADE_OK)
        return cascade_output_commit(output, error);
    int saved = errno;
    cascade_output_abort(output);
    const char *name = path ? path : "standard output";
    if (saved == 0)
        return cascade_error_set(error, written, name, -1, -1, "write error");
    return cascade_error_set(error, written, name, -1, -1, "write error: %s", strerror(saved));
}
