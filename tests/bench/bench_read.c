/* How the bytes of score files reach the CPU on this machine: sums every
 * float of each FILE (warm in the page cache: run it twice) once through
 * mmap() and once through pread() into one reused 1 MiB buffer, the way
 * the per-model pass reads (src/files/array_reader.c), alternating,
 * three times; prints the median seconds and CPU seconds of each. Also times
 * the first touch of 256 MB of fresh anonymous memory with 4 KiB pages and
 * with MADV_HUGEPAGE. Not a test: run it by hand.
 *   bench_read FILE... */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { BLOCK = 1 << 20, REPEATS = 3 };

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           1e-6 * (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

/* Eight sums, so that the adds are not one chain of dependencies. */
static double sum_floats(const float *v, size_t n)
{
    float s[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            s[k] += v[i + k];
    for (; i < n; i++)
        s[0] += v[i];
    double total = 0;
    for (int k = 0; k < 8; k++)
        total += s[k];
    return total;
}

static double through_mmap(char **files, int count)
{
    double total = 0;
    for (int f = 0; f < count; f++) {
        int fd = open(files[f], O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0)
            exit(2);
        const float *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            exit(2);
        madvise((void *)p, (size_t)st.st_size, MADV_SEQUENTIAL);
        total += sum_floats(p, (size_t)st.st_size / sizeof *p);
        munmap((void *)p, (size_t)st.st_size);
        close(fd);
    }
    return total;
}

static double through_pread(char **files, int count, float *buffer)
{
    double total = 0;
    for (int f = 0; f < count; f++) {
        int fd = open(files[f], O_RDONLY);
        if (fd < 0)
            exit(2);
        posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        ssize_t got;
        off_t at = 0;
        while ((got = pread(fd, buffer, BLOCK, at)) > 0) {
            total += sum_floats(buffer, (size_t)got / sizeof *buffer);
            at += got;
        }
        close(fd);
    }
    return total;
}

static double first_touch(int huge)
{
    size_t bytes = (size_t)256 << 20;
    char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        exit(2);
    if (huge)
        madvise(p, bytes, MADV_HUGEPAGE);
    double start = seconds();
    for (size_t i = 0; i < bytes; i += 4096)
        p[i] = 1;
    double took = seconds() - start;
    munmap(p, bytes);
    return took;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_read FILE...\n");
        return 2;
    }
    float *buffer = malloc(BLOCK);
    double wall[2][REPEATS], cpu[2][REPEATS], check[2] = {0, 0};
    for (int r = 0; r < REPEATS; r++)
        for (int way = 0; way < 2; way++) {
            double w0 = seconds(), c0 = cpu_seconds();
            check[way] = way ? through_pread(argv + 1, argc - 1, buffer)
                             : through_mmap(argv + 1, argc - 1);
            wall[way][r] = seconds() - w0;
            cpu[way][r] = cpu_seconds() - c0;
        }
    for (int way = 0; way < 2; way++) {
        qsort(wall[way], REPEATS, sizeof(double), by_value);
        qsort(cpu[way], REPEATS, sizeof(double), by_value);
        printf("%-6s %.3f s, %.3f s of CPU (median of %d; sum %g)\n", way ? "pread" : "mmap",
               wall[way][REPEATS / 2], cpu[way][REPEATS / 2], REPEATS, check[way]);
    }
    double touch[2][REPEATS];
    for (int r = 0; r < REPEATS; r++)
        for (int huge = 0; huge < 2; huge++)
            touch[huge][r] = first_touch(huge);
    for (int huge = 0; huge < 2; huge++) {
        qsort(touch[huge], REPEATS, sizeof(double), by_value);
        printf("first touch of fresh memory, %s: %.2f s per GB\n",
               huge ? "MADV_HUGEPAGE" : "4 KiB pages", touch[huge][REPEATS / 2] * 4);
    }
    free(buffer);
    return 0;
}
