/* For fuzz targets whose parser takes a path: one scratch file per process
 * on a tmpfs (/dev/shm where there is one), removed at exit. */
#ifndef CASCADE_FUZZ_SCRATCH_H
#define CASCADE_FUZZ_SCRATCH_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_scratch[128];

static void fuzz_remove_scratch(void)
{
    unlink(fuzz_scratch);
}

/* The scratch file's path, cascade-fuzz-NAME-PID.EXTENSION. */
static const char *fuzz_scratch_path(const char *name, const char *extension)
{
    if (!fuzz_scratch[0]) {
        struct stat st;
        const char *dir = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
        snprintf(fuzz_scratch, sizeof fuzz_scratch, "%s/cascade-fuzz-%s-%ld.%s", dir, name,
                 (long)getpid(), extension);
        atexit(fuzz_remove_scratch);
    }
    return fuzz_scratch;
}

#endif
