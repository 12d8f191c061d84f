/* MADV_HUGEPAGE is a Linux extension that strict POSIX hides. */
#define _DEFAULT_SOURCE

#include "common/big_alloc.h"

#include <stdlib.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

enum { HUGE_PAGE = 2 * 1024 * 1024 };

void *cascade_big_alloc(size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= 2 * (size_t)HUGE_PAGE) {
        size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
        void *p = aligned_alloc(HUGE_PAGE, rounded);
        if (p)
            madvise(p, rounded, MADV_HUGEPAGE); /* advice only: ignore refusals */
        return p;
    }
#endif
    return malloc(bytes ? bytes : 1);
}
