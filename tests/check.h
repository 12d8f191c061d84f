/* A small test harness. Each TEST_CASE(name) is a function; main() runs the
 * one named on the command line (as CTest does, one test per case) or all of
 * them. Numeric checks print the largest difference seen, not only a verdict.
 * A case that needs ../shared and cannot find it calls SKIP(), which exits 77
 * (CTest's SKIP_RETURN_CODE). */
#ifndef CASCADE_TEST_CHECK_H
#define CASCADE_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct test_case { const char *name; void (*run)(void); } test_case;

static int check_failures;

#define TEST_CASE(name) static void name(void)
#define CASE(name) { #name, name }

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    check_failures++; } } while (0)

#define REQUIRE(cond) do { if (!(cond)) { \
    fprintf(stderr, "%s:%d: requirement failed: %s\n", __FILE__, __LINE__, #cond); \
    exit(1); } } while (0)

#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ != b_) { fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
        __FILE__, __LINE__, #a, a_, #b, b_); check_failures++; } } while (0)

#define CHECK_NEAR(a, b, tol) do { double a_ = (a), b_ = (b); \
    if (!(fabs(a_ - b_) <= (tol))) { fprintf(stderr, \
        "%s:%d: %s = %.17g, expected %.17g (difference %.3g > %.3g)\n", \
        __FILE__, __LINE__, #a, a_, b_, fabs(a_ - b_), (double)(tol)); \
        check_failures++; } } while (0)

#define CHECK_STR_CONTAINS(haystack, needle) do { const char *h_ = (haystack); \
    if (!h_ || !strstr(h_, (needle))) { fprintf(stderr, \
        "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, \
        h_ ? h_ : "(null)", (needle)); check_failures++; } } while (0)

#define SKIP(why) do { printf("skipped: %s\n", (why)); exit(77); } while (0)

/* The shared real data lives beside the project; tests that need it skip. */
static inline const char *shared_data_dir(void)
{
    struct stat st;
    if (stat(CASCADE_SHARED_DATA, &st) != 0 || !S_ISDIR(st.st_mode))
        SKIP("../shared/data is absent (the real-data tests need it beside the project)");
    return CASCADE_SHARED_DATA;
}

static inline int run_test_cases(const test_case *cases, size_t n, int argc, char **argv)
{
    int ran = 0;
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
            continue;
        int before = check_failures;
        cases[i].run();
        printf("%s %s\n", check_failures == before ? "ok  " : "FAIL", cases[i].name);
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "no test case named %s\n", argc > 1 ? argv[1] : "(any)");
        return 2;
    }
    return check_failures ? 1 : 0;
}

#define RUN_TESTS(...) int main(int argc, char **argv) { \
    static const test_case cases_[] = { __VA_ARGS__ }; \
    return run_test_cases(cases_, sizeof cases_ / sizeof cases_[0], argc, argv); }

#endif
