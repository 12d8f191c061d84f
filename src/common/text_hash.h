/* Private to the library: the checksum a partial front ends with, shared by
 * its writer (src/output) and its reader (src/front). FNV-1a, 64 bits: it
 * catches a cut or damaged file, not a deliberate forgery. */
#ifndef CASCADE_COMMON_TEXT_HASH_H
#define CASCADE_COMMON_TEXT_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t cascade_text_hash(const char *text, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)text[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

#endif
