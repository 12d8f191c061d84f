/* Status names and the error-detail helpers declared in cascade/status.h. */
#include "cascade/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *cascade_strerror(cascade_status status)
{
    switch (status) {
    case CASCADE_OK: return "success";
    case CASCADE_ERR_NOMEM: return "out of memory";
    case CASCADE_ERR_IO: return "input/output error";
    case CASCADE_ERR_FORMAT: return "malformed file";
    case CASCADE_ERR_DTYPE: return "unsupported element type";
    case CASCADE_ERR_SHAPE: return "wrong shape";
    case CASCADE_ERR_VALUE: return "invalid value";
    case CASCADE_ERR_ARGUMENT: return "invalid argument";
    case CASCADE_ERR_NOT_FOUND: return "not found";
    case CASCADE_ERR_STOPPED: return "stopped over its time limit";
    }
    return "unknown status";
}

void cascade_error_clear(cascade_error *error)
{
    if (!error)
        return;
    error->status = CASCADE_OK;
    error->file[0] = '\0';
    error->row = -1;
    error->column = -1;
    error->message[0] = '\0';
}

cascade_status cascade_error_set(cascade_error *error, cascade_status status,
                                 const char *file, long long row,
                                 long long column, const char *format, ...)
{
    if (!error)
        return status;
    error->status = status;
    snprintf(error->file, sizeof error->file, "%s", file ? file : "");
    error->row = row;
    error->column = column;
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
    /* One line, always: a path or a parsed token may carry a newline. */
    for (char *c = error->message; *c; c++)
        if (*c == '\n' || *c == '\r')
            *c = ' ';
    return status;
}

void cascade_error_format(const cascade_error *error, char *buf, size_t n)
{
    if (!buf || n == 0)
        return;
    if (!error) {
        snprintf(buf, n, "unknown error");
        return;
    }
    const char *message = error->message[0] ? error->message
                                            : cascade_strerror(error->status);
    if (error->file[0])
        snprintf(buf, n, "%s: %s", error->file, message);
    else
        snprintf(buf, n, "%s", message);
}
