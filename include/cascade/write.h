/* cascade/write.h: writing files safely and numbers exactly, for every
 * stage of the flow (the manifest's readers, records, fronts and outputs).
 *
 * An output opened with cascade_output_open() goes to a temporary file in
 * the target's folder and replaces the target only in
 * cascade_output_commit(), after every write, the flush and the close have
 * succeeded; cascade_output_abort() removes the temporary file. A failed run
 * therefore leaves no new file and never truncates an existing one.
 *
 * Ownership: the caller owns the cascade_output struct; commit and abort
 * release everything inside it (abort accepts a NULL or already-closed one).
 */
#ifndef CASCADE_WRITE_H
#define CASCADE_WRITE_H

#include <stdio.h>

#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_output {
    FILE *file;          /* write here */
    char *path;          /* NULL for standard output */
    char *temp_path;
} cascade_output;

/* PATH NULL or "-" means standard output (committed by flushing it). */
cascade_status cascade_output_open(const char *path, cascade_output *out,
                                   cascade_error *error);
cascade_status cascade_output_commit(cascade_output *out, cascade_error *error);
void cascade_output_abort(cascade_output *out);

/* The shortest decimal that reads back as exactly VALUE (at most 17
 * significant digits); BUF must hold 32 bytes. */
void cascade_format_double(double value, char *buf);

/* One CSV field, quoted by libcsv only when it holds a comma, quote or
 * line break. */
void cascade_csv_field(FILE *file, const char *text, int last);

#ifdef __cplusplus
}
#endif

#endif
