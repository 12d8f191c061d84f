/* cascade/status.h: status codes and the caller-owned error detail.
 *
 * Ownership: every library call that can fail returns a cascade_status and,
 * when given a non-NULL cascade_error *, fills it with the file, row and a
 * one-line message saying what is wrong and what was expected. The caller
 * owns the cascade_error (usually on its stack); the library keeps no global
 * error state and never prints or exits.
 */
#ifndef CASCADE_STATUS_H
#define CASCADE_STATUS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum cascade_status {
    CASCADE_OK = 0,
    CASCADE_ERR_NOMEM,    /* an allocation failed */
    CASCADE_ERR_IO,       /* a file could not be opened, read or written */
    CASCADE_ERR_FORMAT,   /* a file is not in the expected format */
    CASCADE_ERR_DTYPE,    /* an array's element type is not supported */
    CASCADE_ERR_SHAPE,    /* an array's shape is wrong or disagrees with another */
    CASCADE_ERR_VALUE,    /* a value is out of range: NaN logits, bad label, negative cost */
    CASCADE_ERR_ARGUMENT, /* the caller passed an invalid option or argument */
    CASCADE_ERR_NOT_FOUND, /* a named model, column or point does not exist */
    CASCADE_ERR_STOPPED   /* stopped before the work, as asked: over its time limit */
} cascade_status;

/* Where and why a call failed. row and column are -1 when they do not apply;
 * for arrays, row is the 0-based sample index; for text files it is the
 * 1-based line number. message already names the row and column in words. */
typedef struct cascade_error {
    cascade_status status;
    char file[1024];
    long long row;
    long long column;
    char message[1024];
} cascade_error;

/* A static, human-readable name for a status; never NULL. */
const char *cascade_strerror(cascade_status status);

/* Reset an error to "no error". Accepts NULL. */
void cascade_error_clear(cascade_error *error);

/* Fill *error (if not NULL) and return status, so that library code can write
 * `return cascade_error_set(err, CASCADE_ERR_FORMAT, path, -1, -1, "...")`.
 * file may be NULL. message is printf-style. */
cascade_status cascade_error_set(cascade_error *error, cascade_status status,
                                 const char *file, long long row,
                                 long long column, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

/* Called now and then with how much of a long step is done, so a command
 * can show progress (models loaded, chains swept). When models load several
 * at once the call may come from any of the loading threads, though never
 * two at a time. */
typedef void (*cascade_progress_fn)(void *context, size_t done, size_t total,
                                    const char *what);

/* Called with a one-line warning (no "cascade:" prefix, no newline) about
 * data that loads but looks wrong; the library itself never prints. */
typedef void (*cascade_warning_fn)(void *context, const char *message);

/* "FILE: message" (or just "message" when no file), into buf of size n. */
void cascade_error_format(const cascade_error *error, char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif
