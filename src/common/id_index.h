/* Private to the library: a hash index from sample ids (strings) to row
 * numbers, for joining keyed tables in O(1) per row.
 *
 * Ownership: cascade_id_index_new() returns an index the caller releases
 * with cascade_id_index_free() (NULL is fine). Keys are borrowed: each must
 * stay valid, unchanged, until the index is freed.
 */
#ifndef CASCADE_COMMON_ID_INDEX_H
#define CASCADE_COMMON_ID_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct cascade_id_index cascade_id_index;

/* An empty index sized for EXPECTED keys (it grows past them); NULL when
 * out of memory. */
cascade_id_index *cascade_id_index_new(size_t expected);
void cascade_id_index_free(cascade_id_index *index);

/* Adds KEY -> VALUE. 1 when added; 0 when KEY is already present, with its
 * value in *EXISTING (the index is unchanged); -1 when out of memory. */
int cascade_id_index_add(cascade_id_index *index, const char *key, size_t value,
                         size_t *existing);

/* KEY's value, or SIZE_MAX when it is absent. */
size_t cascade_id_index_find(const cascade_id_index *index, const char *key);

#endif
