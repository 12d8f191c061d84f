/* Open addressing with linear probing over a power-of-two table, FNV-1a
 * hashes stored beside the keys so that most probes skip strcmp. */
#include "common/id_index.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    const char *key; /* NULL: empty */
    uint64_t hash;
    size_t value;
} slot;

struct cascade_id_index {
    slot *slots;   /* [capacity] */
    size_t capacity, count;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211u;
    }
    return h;
}

/* Kept at most half full, so that probe runs stay short. */
static size_t capacity_for(size_t keys)
{
    size_t capacity = 16;
    while (capacity / 2 < keys) {
        if (capacity > SIZE_MAX / 4 / sizeof(slot))
            return 0;
        capacity *= 2;
    }
    return capacity;
}

cascade_id_index *cascade_id_index_new(size_t expected)
{
    cascade_id_index *index = calloc(1, sizeof *index);
    size_t capacity = capacity_for(expected);
    if (!index || !capacity || !(index->slots = calloc(capacity, sizeof *index->slots))) {
        free(index);
        return NULL;
    }
    index->capacity = capacity;
    return index;
}

void cascade_id_index_free(cascade_id_index *index)
{
    if (!index)
        return;
    free(index->slots);
    free(index);
}

static slot *probe(slot *slots, size_t capacity, const char *key, uint64_t hash)
{
    size_t mask = capacity - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask)
        if (!slots[i].key || (slots[i].hash == hash && strcmp(slots[i].key, key) == 0))
            return &slots[i];
}

static int grow(cascade_id_index *index)
{
    size_t capacity = capacity_for(index->count + 1);
    if (!capacity)
        return -1;
    slot *slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < index->capacity; i++)
        if (index->slots[i].key)
            *probe(slots, capacity, index->slots[i].key, index->slots[i].hash) = index->slots[i];
    free(index->slots);
    index->slots = slots;
    index->capacity = capacity;
    return 0;
}

int cascade_id_index_add(cascade_id_index *index, const char *key, size_t value,
                         size_t *existing)
{
    uint64_t hash = fnv1a(key);
    slot *s = probe(index->slots, index->capacity, key, hash);
    if (s->key) {
        if (existing)
            *existing = s->value;
        return 0;
    }
    if ((index->count + 1) > index->capacity / 2) {
        if (grow(index) != 0)
            return -1;
        s = probe(index->slots, index->capacity, key, hash);
    }
    s->key = key;
    s->hash = hash;
    s->value = value;
    index->count++;
    return 1;
}

size_t cascade_id_index_find(const cascade_id_index *index, const char *key)
{
    const slot *s = probe(index->slots, index->capacity, key, fnv1a(key));
    return s->key ? s->value : SIZE_MAX;
}
