/* The Pareto front: sort candidates by cost, keep strictly better accuracy. */
#include "cascade/front.h"

#include <stdlib.h>
#include <string.h>

void cascade_front_init(cascade_front *front)
{
    memset(front, 0, sizeof *front);
}

void cascade_front_free(cascade_front *front)
{
    if (!front)
        return;
    free(front->points);
    memset(front, 0, sizeof *front);
}

cascade_status cascade_front_add(cascade_front *front, const cascade_point *point)
{
    if (front->count == front->capacity) {
        size_t capacity = front->capacity ? 2 * front->capacity : 64;
        cascade_point *grown = realloc(front->points, capacity * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        front->points = grown;
        front->capacity = capacity;
    }
    front->points[front->count++] = *point;
    return CASCADE_OK;
}

int cascade_point_compare(const cascade_point *a, const cascade_point *b)
{
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->accuracy != b->accuracy)
        return a->accuracy > b->accuracy ? -1 : 1;
    if (a->stages != b->stages)
        return a->stages < b->stages ? -1 : 1;
    for (unsigned s = 0; s < a->stages; s++)
        if (a->model[s] != b->model[s])
            return a->model[s] < b->model[s] ? -1 : 1;
    for (unsigned s = 0; s + 1 < a->stages; s++)
        if (a->threshold[s] != b->threshold[s])
            return a->threshold[s] < b->threshold[s] ? -1 : 1;
    return 0;
}

/* Sorting 176-byte points moves a lot of memory: sort small keys that
 * point at them, and compare whole points only on a tie of cost and
 * accuracy. */
typedef struct point_key {
    double cost;
    double accuracy;
    const cascade_point *point;
} point_key;

static int compare_keys(const void *pa, const void *pb)
{
    const point_key *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->accuracy != b->accuracy)
        return a->accuracy > b->accuracy ? -1 : 1;
    return cascade_point_compare(a->point, b->point);
}

static int compare_points(const void *a, const void *b)
{
    return cascade_point_compare(a, b);
}

void cascade_front_reduce(cascade_front *front)
{
    if (front->count == 0)
        return;
    point_key *keys = malloc(front->count * sizeof *keys);
    cascade_point *gathered = malloc(front->count * sizeof *gathered);
    if (!keys || !gathered) {
        /* short of memory: sort the points themselves */
        free(keys);
        free(gathered);
        keys = NULL;
        gathered = NULL;
        qsort(front->points, front->count, sizeof *front->points, compare_points);
    } else {
        for (size_t i = 0; i < front->count; i++)
            keys[i] = (point_key){front->points[i].cost, front->points[i].accuracy,
                                  &front->points[i]};
        qsort(keys, front->count, sizeof *keys, compare_keys);
    }
    /* Earlier points cost no more; keep a point only if strictly more
     * accurate than all of them (an equal one is dominated or identical). */
    size_t kept = 0;
    double best = -1.0;
    for (size_t i = 0; i < front->count; i++) {
        const cascade_point *p = keys ? keys[i].point : &front->points[i];
        if (p->accuracy > best) {
            best = p->accuracy;
            if (gathered)
                gathered[kept++] = *p;
            else
                front->points[kept++] = *p; /* sorted in place: kept <= i */
        }
    }
    if (gathered)
        memcpy(front->points, gathered, kept * sizeof *gathered);
    free(gathered);
    free(keys);
    front->count = kept;
}

double cascade_front_best_accuracy(const cascade_front *front, double cost)
{
    /* Last point with cost <= COST; accuracy rises with cost on a front. */
    size_t lo = 0, hi = front->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (front->points[mid].cost <= cost)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? -1.0 : front->points[lo - 1].accuracy;
}
