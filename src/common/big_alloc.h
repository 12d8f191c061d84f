/* Private to the library: big arrays that are read at random. */
#ifndef CASCADE_COMMON_BIG_ALLOC_H
#define CASCADE_COMMON_BIG_ALLOC_H

#include <stddef.h>

/* BYTES of uninitialised memory, released with free(); NULL when out of
 * memory. Arrays of a few MB or more are aligned to 2 MiB and asked to be
 * backed by huge pages (where the kernel has transparent huge pages set to
 * "madvise"), because random reads over them otherwise miss the TLB on
 * almost every access, and because first touch of a huge page costs less
 * than of 512 small ones. */
void *cascade_big_alloc(size_t bytes);

#endif
