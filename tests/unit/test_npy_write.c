/* Tests for the .npy writer and the float16 conversion. */
#include "cascade/npy_write.h"
#include "cascade/array.h"
#include "check.h"

#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>
#include <unistd.h>

/* A fresh folder for one test case; removed (with its files) by done_dir. */
static char *make_dir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/cascade-npy-test-XXXXXX");
    REQUIRE(mkdtemp(dir) != NULL);
    return dir;
}

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void done_dir(const char *dir)
{
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    struct dirent *e;
    char path[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static unsigned char *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    REQUIRE(buf != NULL);
    REQUIRE(fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* What numpy 1.24 writes for np.save(f, np.zeros(shape, dtype)): checked by
 * hand once with /usr/bin/python3 and kept here as the golden. */
static void check_header(const char *descr, size_t ndim, const size_t *shape,
                         const char *expected_dict)
{
    char *dir = make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/a.npy", dir);
    size_t count = ndim == 1 ? shape[0] : shape[0] * shape[1];
    void *zeros = calloc(count ? count : 1, 8);
    cascade_error err;
    cascade_error_clear(&err);
    CHECK_EQ_INT(cascade_npy_write(path, descr, ndim, shape, zeros, &err), CASCADE_OK);
    size_t size = 0;
    unsigned char *bytes = read_whole(path, &size);
    REQUIRE(bytes != NULL);
    /* magic, version 1.0, header length 118: 128 bytes in all */
    static const unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0};
    REQUIRE(size >= 128);
    CHECK(memcmp(bytes, prefix, 10) == 0);
    char expected[119];
    memset(expected, ' ', sizeof expected);
    memcpy(expected, expected_dict, strlen(expected_dict));
    expected[117] = '\n';
    if (memcmp(bytes + 10, expected, 118) != 0) {
        fprintf(stderr, "header differs:\n got      %.118s\n expected %.118s\n",
                (const char *)bytes + 10, expected);
        check_failures++;
    }
    free(bytes);
    free(zeros);
    done_dir(dir);
}

TEST_CASE(npy_header_should_match_numpy_byte_for_byte)
{
    size_t s2[2] = {10000, 10};
    check_header("<f4", 2, s2, "{'descr': '<f4', 'fortran_order': False, 'shape': (10000, 10), }");
    size_t s1[1] = {5};
    check_header("<i8", 1, s1, "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }");
    size_t s3[2] = {3, 4};
    check_header("<f2", 2, s3, "{'descr': '<f2', 'fortran_order': False, 'shape': (3, 4), }");
    size_t s0[1] = {0};
    check_header("|u1", 1, s0, "{'descr': '|u1', 'fortran_order': False, 'shape': (0,), }");
}

TEST_CASE(npy_write_should_round_trip_the_data)
{
    char *dir = make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/x.npy", dir);
    double data[3][7]; /* [rows][cols] */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 7; j++)
            data[i][j] = i * 0.5 - j * 1e-3;
    size_t shape[2] = {3, 7};
    cascade_error err;
    cascade_error_clear(&err);
    CHECK_EQ_INT(cascade_npy_write(path, "<f8", 2, shape, data, &err), CASCADE_OK);
    size_t size = 0;
    unsigned char *bytes = read_whole(path, &size);
    REQUIRE(bytes != NULL);
    CHECK_EQ_INT(size, 128 + sizeof data);
    CHECK(memcmp(bytes + 128, data, sizeof data) == 0);
    free(bytes);
    cascade_array array;
    REQUIRE(cascade_array_load(path, &array, &err) == CASCADE_OK);
    CHECK_EQ_INT(array.dtype, CASCADE_DTYPE_F64);
    CHECK_EQ_INT(array.rows, 3);
    CHECK_EQ_INT(array.cols, 7);
    double largest = 0;
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < 7; j++)
            largest = fmax(largest, fabs(cascade_array_get(&array, i, j) - data[i][j]));
    CHECK_NEAR(largest, 0, 0);
    cascade_array_free(&array);
    CHECK_EQ_INT(count_files(dir), 1); /* no temporary file left behind */
    done_dir(dir);
}

TEST_CASE(streaming_writer_should_equal_the_whole_array_writer)
{
    char *dir = make_dir();
    char whole[128], streamed[128];
    snprintf(whole, sizeof whole, "%s/whole.npy", dir);
    snprintf(streamed, sizeof streamed, "%s/streamed.npy", dir);
    int32_t data[10][3]; /* [rows][cols] */
    for (int i = 0; i < 10; i++)
        for (int j = 0; j < 3; j++)
            data[i][j] = i * 100 + j;
    size_t shape[2] = {10, 3};
    cascade_error err;
    cascade_error_clear(&err);
    CHECK_EQ_INT(cascade_npy_write(whole, "<i4", 2, shape, data, &err), CASCADE_OK);
    cascade_npy_writer *w = NULL;
    REQUIRE(cascade_npy_writer_open(&w, streamed, "<i4", 2, shape, &err) == CASCADE_OK);
    CHECK_EQ_INT(cascade_npy_writer_append(w, data[0], 4, &err), CASCADE_OK);
    CHECK_EQ_INT(cascade_npy_writer_append(w, data[4], 0, &err), CASCADE_OK);
    CHECK_EQ_INT(cascade_npy_writer_append(w, data[4], 6, &err), CASCADE_OK);
    CHECK_EQ_INT(cascade_npy_writer_close(w, &err), CASCADE_OK);
    size_t n1 = 0, n2 = 0;
    unsigned char *a = read_whole(whole, &n1), *b = read_whole(streamed, &n2);
    REQUIRE(a && b);
    CHECK(n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
    done_dir(dir);
}

TEST_CASE(streaming_writer_should_refuse_too_many_or_too_few_rows)
{
    char *dir = make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/rows.npy", dir);
    float rows[4] = {1, 2, 3, 4};
    size_t shape[1] = {3};
    cascade_error err;
    cascade_error_clear(&err);
    cascade_npy_writer *w = NULL;
    REQUIRE(cascade_npy_writer_open(&w, path, "<f4", 1, shape, &err) == CASCADE_OK);
    CHECK_EQ_INT(cascade_npy_writer_append(w, rows, 4, &err), CASCADE_ERR_SHAPE);
    CHECK_STR_CONTAINS(err.message, "exceed");
    CHECK_EQ_INT(cascade_npy_writer_append(w, rows, 2, &err), CASCADE_OK);
    CHECK_EQ_INT(cascade_npy_writer_close(w, &err), CASCADE_ERR_SHAPE);
    CHECK_STR_CONTAINS(err.message, "only 2 of the 3 rows");
    CHECK_EQ_INT(count_files(dir), 0); /* neither target nor temporary file */
    done_dir(dir);
}

TEST_CASE(npy_write_should_refuse_unsupported_types_and_shapes)
{
    char *dir = make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/bad.npy", dir);
    size_t shape[3] = {2, 2, 2};
    char data[64] = {0};
    cascade_error err;
    cascade_error_clear(&err);
    CHECK_EQ_INT(cascade_npy_write(path, "<c8", 1, shape, data, &err), CASCADE_ERR_DTYPE);
    CHECK_STR_CONTAINS(err.message, "'<c8'");
    CHECK_EQ_INT(cascade_npy_write(path, "<f4", 3, shape, data, &err), CASCADE_ERR_SHAPE);
    CHECK_EQ_INT(count_files(dir), 0);
    done_dir(dir);
}

TEST_CASE(npy_write_should_report_a_missing_folder)
{
    size_t shape[1] = {1};
    float x = 1;
    cascade_error err;
    cascade_error_clear(&err);
    CHECK_EQ_INT(cascade_npy_write("/nonexistent-cascade-dir/a.npy", "<f4", 1, shape, &x, &err),
                 CASCADE_ERR_IO);
    CHECK_STR_CONTAINS(err.file, "/nonexistent-cascade-dir/a.npy");
    CHECK_STR_CONTAINS(err.message, "No such file or directory");
}

/* A full disk, imitated with a file-size limit (writes past it fail with
 * EFBIG, as they fail with ENOSPC on a full disk): the write must fail, leave
 * the old target byte for byte, and leave no temporary file. */
TEST_CASE(failed_write_should_leave_the_old_file_and_no_temporary)
{
    char *dir = make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/keep.npy", dir);
    float small[2] = {1, 2};
    size_t small_shape[1] = {2};
    cascade_error err;
    cascade_error_clear(&err);
    REQUIRE(cascade_npy_write(path, "<f4", 1, small_shape, small, &err) == CASCADE_OK);
    size_t before_size = 0;
    unsigned char *before = read_whole(path, &before_size);

    size_t big_shape[2] = {1024, 256}; /* 1 MiB */
    float *big = calloc(1024 * 256, sizeof *big);
    REQUIRE(big != NULL);
    struct rlimit saved, limit;
    REQUIRE(getrlimit(RLIMIT_FSIZE, &saved) == 0);
    limit = saved;
    limit.rlim_cur = 64 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    cascade_status whole = cascade_npy_write(path, "<f4", 2, big_shape, big, &err);
    cascade_error whole_err = err;
    cascade_npy_writer *w = NULL;
    cascade_status streamed = cascade_npy_writer_open(&w, path, "<f4", 2, big_shape, &err);
    for (int i = 0; streamed == CASCADE_OK && i < 1024; i += 128)
        streamed = cascade_npy_writer_append(w, big + (size_t)i * 256, 128, &err);
    if (streamed == CASCADE_OK)
        streamed = cascade_npy_writer_close(w, &err);
    else
        cascade_npy_writer_discard(w);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &saved) == 0);

    CHECK_EQ_INT(whole, CASCADE_ERR_IO);
    CHECK_STR_CONTAINS(whole_err.message, "cannot write");
    CHECK_STR_CONTAINS(whole_err.message, "unchanged");
    CHECK_EQ_INT(streamed, CASCADE_ERR_IO);
    size_t after_size = 0;
    unsigned char *after = read_whole(path, &after_size);
    REQUIRE(before && after);
    CHECK(before_size == after_size && memcmp(before, after, after_size) == 0);
    CHECK_EQ_INT(count_files(dir), 1);
    free(before);
    free(after);
    free(big);
    done_dir(dir);
}

TEST_CASE(rename_failure_should_leave_no_temporary)
{
    char *dir = make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/folder.npy", dir);
    REQUIRE(mkdir(path, 0700) == 0); /* the target is a folder: rename fails */
    size_t shape[1] = {1};
    float x = 1;
    cascade_error err;
    cascade_error_clear(&err);
    CHECK_EQ_INT(cascade_npy_write(path, "<f4", 1, shape, &x, &err), CASCADE_ERR_IO);
    CHECK_STR_CONTAINS(err.message, "cannot replace");
    CHECK_EQ_INT(count_files(dir), 1);
    rmdir(path);
    done_dir(dir);
}

TEST_CASE(written_file_should_get_the_usual_permissions)
{
    char *dir = make_dir();
    char path[128];
    snprintf(path, sizeof path, "%s/mode.npy", dir);
    mode_t old = umask(022);
    size_t shape[1] = {1};
    float x = 1;
    CHECK_EQ_INT(cascade_npy_write(path, "<f4", 1, shape, &x, NULL), CASCADE_OK);
    umask(old);
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0644);
    done_dir(dir);
}

/* Golden pairs from numpy: np.float32(x).astype(np.float16).view(np.uint16). */
TEST_CASE(float16_conversion_should_match_numpy_on_edge_cases)
{
    static const struct { float value; uint16_t half; } golden[] = {
        {0.0f, 0x0000}, {-0.0f, 0x8000}, {1.0f, 0x3c00}, {-2.5f, 0xc100},
        {65504.0f, 0x7bff}, {65519.98828125f, 0x7bff}, {65520.0f, 0x7c00},
        {1000000.0f, 0x7c00}, {INFINITY, 0x7c00}, {-INFINITY, 0xfc00},
        {5.960464477539063e-08f, 0x0001}, {2.9802322387695312e-08f, 0x0000},
        {2.980232594040899e-08f, 0x0001}, {8.940696716308594e-08f, 0x0002},
        {6.097555160522461e-05f, 0x03ff}, {1.00048828125f, 0x3c00},
        {1.00146484375f, 0x3c02}, {0.10000000149011612f, 0x2e66},
        {3.1415927410125732f, 0x4248}, {-1.000000013351432e-10f, 0x8000},
        {6.103515625e-05f, 0x0400}, {6.0999998822808266e-05f, 0x03ff},
        {NAN, 0x7e00},
    };
    int wrong = 0;
    for (size_t i = 0; i < sizeof golden / sizeof golden[0]; i++) {
        uint16_t h = cascade_float_to_half(golden[i].value);
        if (h != golden[i].half) {
            fprintf(stderr, "f16(%.9g) = 0x%04x, expected 0x%04x\n",
                    (double)golden[i].value, h, golden[i].half);
            wrong++;
        }
    }
    CHECK_EQ_INT(wrong, 0);
}

TEST_CASE(float16_should_round_trip_every_half_value)
{
    int wrong = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
            continue; /* NaNs: payloads need not survive */
        uint16_t back = cascade_float_to_half(cascade_half_to_float((uint16_t)h));
        if (back != h && wrong++ < 5)
            fprintf(stderr, "0x%04x -> %.9g -> 0x%04x\n", h,
                    (double)cascade_half_to_float((uint16_t)h), back);
    }
    CHECK_EQ_INT(wrong, 0);
}

/* Against the compiler's own conversion, on 2^22 floats spread over every
 * exponent (an odd stride near 2^32 / 2^22 walks all bit patterns evenly). */
TEST_CASE(float16_conversion_should_match_the_compiler_on_a_sweep)
{
#ifdef __FLT16_MAX__
    int wrong = 0;
    uint32_t bits = 0;
    for (uint32_t i = 0; i < (1u << 22); i++, bits += 1021u) {
        float f;
        memcpy(&f, &bits, sizeof f);
        if (isnan(f))
            continue;
        _Float16 ref = (_Float16)f;
        uint16_t expected;
        memcpy(&expected, &ref, sizeof expected);
        uint16_t got = cascade_float_to_half(f);
        if (got != expected && wrong++ < 5)
            fprintf(stderr, "f16(%.9g) = 0x%04x, the compiler says 0x%04x\n",
                    (double)f, got, expected);
    }
    CHECK_EQ_INT(wrong, 0);
#else
    SKIP("this compiler has no _Float16 to compare with");
#endif
}

RUN_TESTS(CASE(npy_header_should_match_numpy_byte_for_byte),
          CASE(npy_write_should_round_trip_the_data),
          CASE(streaming_writer_should_equal_the_whole_array_writer),
          CASE(streaming_writer_should_refuse_too_many_or_too_few_rows),
          CASE(npy_write_should_refuse_unsupported_types_and_shapes),
          CASE(npy_write_should_report_a_missing_folder),
          CASE(failed_write_should_leave_the_old_file_and_no_temporary),
          CASE(rename_failure_should_leave_no_temporary),
          CASE(written_file_should_get_the_usual_permissions),
          CASE(float16_conversion_should_match_numpy_on_edge_cases),
          CASE(float16_should_round_trip_every_half_value),
          CASE(float16_conversion_should_match_the_compiler_on_a_sweep))
