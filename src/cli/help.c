/* Renders the command tables as --help text. */
#include "cli/cli.h"

#include <string.h>

const cli_command *cli_find_command(const char *name)
{
    for (const cli_command *c = cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

void cli_print_overview(FILE *file)
{
    fputs("cascade " CASCADE_VERSION ": evaluate model cascades from per-model logits\n\n"
          "usage: cascade COMMAND [options]\n"
          "       cascade help COMMAND\n\n"
          "commands:\n", file);
    for (const cli_command *c = cli_commands; c->name; c++)
        fprintf(file, "  %-10s %s\n", c->name, c->summary);
    fputs("\noptions:\n"
          "  -h, --help     show this help\n"
          "  --version      show the version\n\n"
          "Exit status: 0 success, 1 bad data, 2 usage error.\n", file);
}

void cli_print_help(FILE *file, const cli_command *command)
{
    fprintf(file, "usage: %s\n\n%s\n", command->synopsis, command->description);
    if (command->options && command->options[0].flags) {
        fputs("\noptions:\n", file);
        for (const cli_option_doc *o = command->options; o->flags; o++)
            fprintf(file, "  %s\n      %s\n", o->flags, o->text);
    }
}
