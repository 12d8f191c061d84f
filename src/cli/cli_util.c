/* Shared command-line helpers: messages, number options, stdout checks. */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void cli_error(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fputs("cascade: ", stderr);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
}

int cli_report(const cascade_error *error)
{
    char text[2200];
    cascade_error_format(error, text, sizeof text);
    fprintf(stderr, "cascade: %s\n", text);
    return error->status == CASCADE_ERR_ARGUMENT ? EXIT_USAGE : EXIT_DATA;
}

int cli_usage_error(const char *command, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "cascade %s: ", command);
    vfprintf(stderr, format, args);
    fprintf(stderr, " (see 'cascade help %s')\n", command);
    va_end(args);
    return EXIT_USAGE;
}

int cli_parse_double(const char *option, const char *text, double min, double max,
                     double *out)
{
    char *end = NULL;
    errno = 0;
    double value = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !(value >= min && value <= max)) {
        cli_error("%s takes a number between %g and %g, not \"%s\"", option, min, max, text);
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
        cli_error("%s takes an integer between %ld and %ld, not \"%s\"", option, min, max, text);
        return 0;
    }
    *out = value;
    return 1;
}

int cli_finish_stdout(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("standard output: write error");
        return EXIT_DATA;
    }
    return EXIT_OK;
}
