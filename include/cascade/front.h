/* cascade/front.h: the accuracy-versus-cost Pareto front of candidate points.
 * "Accuracy" is the points' score field (cascade/points.h): another score,
 * such as mcc, is reduced the same way.
 *
 * A point is on the front when no other point has cost <= and accuracy >=
 * with one of them strict; identical points (same cost and accuracy) appear
 * once, the one with fewer stages (then the smaller model indices and
 * thresholds) kept, so the result does not depend on the order points came in.
 *
 * Ownership: the caller owns the cascade_front struct (usually on its stack);
 * cascade_front_init() makes it empty, cascade_front_free() releases its
 * points array (NULL is fine) and leaves it empty.
 */
#ifndef CASCADE_FRONT_H
#define CASCADE_FRONT_H

#include <stddef.h>

#include "cascade/points.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cascade_front {
    cascade_point *points;  /* [count]; cost ascending after a reduce */
    size_t count;
    size_t capacity;
} cascade_front;

void cascade_front_init(cascade_front *front);
void cascade_front_free(cascade_front *front);

/* Appends a candidate (not yet reduced). */
cascade_status cascade_front_add(cascade_front *front, const cascade_point *point);

/* Keeps only the Pareto points, sorted by cost ascending (so accuracy is
 * strictly ascending too). */
void cascade_front_reduce(cascade_front *front);

/* The same result as cascade_front_reduce() when points [0, REDUCED) are
 * already a reduced front (as a reduce leaves them): only the points after
 * them are sorted, then the two runs are merged. For a front that is
 * reduced again and again as candidates arrive. */
void cascade_front_reduce_tail(cascade_front *front, size_t reduced);

/* On a reduced front: the best accuracy among points with cost <= COST, or
 * -1 when there is none. */
double cascade_front_best_accuracy(const cascade_front *front, double cost);

/* Orders points by cost ascending, accuracy descending, then fewer stages,
 * smaller model indices and smaller thresholds: the canonical tie-break. */
int cascade_point_compare(const cascade_point *a, const cascade_point *b);

#ifdef __cplusplus
}
#endif

#endif
