/* cascade/partial_front.h: the front of one shard of a sweep, and the merge
 * of every shard's front into the front the unsharded sweep writes.
 *
 * A partial front is a text file of lines:
 *   cascade-partial-front 1
 *   shard I/N            this is shard I (from 1) of N
 *   sweep TEXT           the sweep's inputs and every option that shapes its
 *                        front, as one canonical line: parts of one sweep
 *                        carry the same TEXT
 *   chains C             chains of 2+ stages this shard covered
 *   work W               their estimated work, in nanoseconds of one core
 *   columns HEADER       the header row of the front CSV
 *   point S M1,..,MS T1;..;T(S-1) ACCURACY COST ROW
 *                        one per point of the shard's front: model indices,
 *                        thresholds ("-" for none), accuracy and cost in C99
 *                        hexadecimal (exact), and ROW, the point's CSV row as
 *                        the unsharded sweep writes it, with backslash,
 *                        newline and carriage return escaped as \\, \n, \r
 *   end P HASH           P points; HASH (16 hex digits) the FNV-1a 64 hash
 *                        of every byte before this line
 * A shard's front holds every point of its chains that can be on the whole
 * front, so the merge (the Pareto points of all parts, ties broken as
 * cascade_point_compare() does) is the unsharded front row for row.
 *
 * Ownership: the writer only borrows its inputs. cascade_partial_merge()
 * returns a cascade_merged_front the caller releases with
 * cascade_merged_front_free() (NULL is fine); its strings belong to it.
 */
#ifndef CASCADE_PARTIAL_FRONT_H
#define CASCADE_PARTIAL_FRONT_H

#include <stddef.h>
#include <stdio.h>

#include "cascade/dataset.h"
#include "cascade/front.h"
#include "cascade/output.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_partial_info {
    unsigned shard_index;   /* 0-based, < shard_count */
    unsigned shard_count;   /* >= 1 */
    const char *sweep;      /* one line without control characters */
    size_t chains;          /* chains of 2+ stages the shard covered */
    double work;            /* their estimated work */
} cascade_partial_info;

/* Writes FRONT (reduced, with EXTRA's columns as in
 * cascade_write_front_csv_extra(); EXTRA may be NULL) as shard INFO of a
 * sweep of DATASET. CASCADE_ERR_IO when a write fails. */
cascade_status cascade_write_partial_front(FILE *file, const cascade_dataset *dataset,
                                           const cascade_front *front,
                                           const cascade_extra_columns *extra,
                                           const cascade_partial_info *info,
                                           cascade_error *error);

typedef struct cascade_merged_front {
    char *columns;          /* the header row, without its newline */
    size_t count;
    char **rows;            /* [count] CSV rows without their newline, cost ascending */
    cascade_point *points;  /* [count] the rows' points: stages, models, thresholds,
                               accuracy and cost (answered left 0) */
    const char *sweep;      /* the parts' sweep line */
    unsigned shard_count;
    size_t chains;          /* summed over the parts */
    double work_max;        /* the largest part's estimated work */
    double work_mean;       /* the mean over the parts */
    void *internal;
} cascade_merged_front;

/* Reads the partial fronts PATHS[0..COUNT) and merges them. Refuses, with
 * a message naming the file: a file that is not a partial front, a
 * truncated or damaged one (no end line, or a count or checksum that does
 * not match), a part of another sweep (a different sweep line, shard count
 * or columns), a repeated shard, a missing one, and two parts that write
 * the same point differently. */
cascade_status cascade_partial_merge(const char *const *paths, size_t count,
                                     cascade_merged_front **out, cascade_error *error);

void cascade_merged_front_free(cascade_merged_front *merged);

/* The merged front as CSV: the header row, then the rows. */
cascade_status cascade_write_merged_front(FILE *file, const cascade_merged_front *merged);

#ifdef __cplusplus
}
#endif

#endif
