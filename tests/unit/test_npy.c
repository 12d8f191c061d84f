/* .npy reading: every header check, and every conversion read back value by
 * value. The bad files are built byte by byte here, in memory or in a
 * temporary folder, so that each test shows exactly what it feeds in. */
#include "check.h"

#include <stdint.h>
#include <unistd.h>

#include "cascade/array.h"
#include "cascade/records.h"
#include "files/array_internal.h"

/* An .npy image: magic, version, header length, DICT padded with spaces and
 * a newline so that the data starts at a multiple of ALIGN (0: no padding,
 * the data starts right after DICT and its newline), then DATA. */
typedef struct npy_bytes {
    unsigned char *bytes;
    size_t size;
    size_t data_offset;
} npy_bytes;

static npy_bytes build_npy(int major, const char *dict, const void *data, size_t data_len,
                           size_t align)
{
    size_t prefix = major == 1 ? 10 : 12;
    size_t header_len = strlen(dict) + 1;
    if (align)
        header_len += (align - (prefix + header_len) % align) % align;
    npy_bytes npy = {NULL, prefix + header_len + data_len, prefix + header_len};
    npy.bytes = malloc(npy.size ? npy.size : 1);
    REQUIRE(npy.bytes);
    memcpy(npy.bytes, "\x93NUMPY", 6);
    npy.bytes[6] = (unsigned char)major;
    npy.bytes[7] = 0;
    for (size_t i = 0; i < prefix - 8; i++)
        npy.bytes[8 + i] = (unsigned char)(header_len >> (8 * i));
    memset(npy.bytes + prefix, ' ', header_len);
    memcpy(npy.bytes + prefix, dict, strlen(dict));
    npy.bytes[prefix + header_len - 1] = '\n';
    if (data_len)
        memcpy(npy.bytes + npy.data_offset, data, data_len);
    return npy;
}

/* Parses NPY; on success the caller frees array->owned (and NPY). */
static cascade_status parse(const npy_bytes *npy, cascade_array *array, cascade_error *error)
{
    memset(array, 0, sizeof *array);
    cascade_error_clear(error);
    return cascade_npy_parse("test.npy", npy->bytes, npy->size, array, error);
}

static void check_refused(const char *dict, const void *data, size_t data_len,
                          cascade_status expected, const char *words)
{
    npy_bytes npy = build_npy(1, dict, data, data_len, 64);
    cascade_array array;
    cascade_error error;
    CHECK_EQ_INT(parse(&npy, &array, &error), expected);
    CHECK_STR_CONTAINS(error.message, words);
    CHECK_STR_CONTAINS(error.file, "test.npy");
    CHECK(array.owned == NULL);
    free(npy.bytes);
}

/* Files written by write_temp(), removed at exit with their folder. */
static char temp_dir[64];
static char temp_files[8][128];
static size_t temp_count;

static void remove_temp(void)
{
    for (size_t i = 0; i < temp_count; i++)
        unlink(temp_files[i]);
    if (temp_dir[0])
        rmdir(temp_dir);
}

/* Writes SIZE bytes to a fresh file in a temporary folder; returns its path. */
static const char *write_temp(const void *bytes, size_t size, const char *name)
{
    if (!temp_dir[0]) {
        snprintf(temp_dir, sizeof temp_dir, "/tmp/cascade-test-npy-XXXXXX");
        REQUIRE(mkdtemp(temp_dir));
        atexit(remove_temp);
    }
    REQUIRE(temp_count < sizeof temp_files / sizeof temp_files[0]);
    char *path = temp_files[temp_count++];
    snprintf(path, sizeof temp_files[0], "%s/%s", temp_dir, name);
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    REQUIRE(fwrite(bytes, 1, size, f) == size);
    REQUIRE(fclose(f) == 0);
    return path;
}

static const float values_2x3[6] = {1.5f, -2.0f, 0.25f, 3.0f, -0.125f, 1e-3f};

TEST_CASE(npy_should_refuse_a_shape_product_that_overflows_64_bits)
{
    /* Each dimension fits in 64 bits; their product does not. */
    check_refused("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                  NULL, 0, CASCADE_ERR_SHAPE, "shape product overflows 64 bits");
    /* One dimension alone past 2^64 - 1. */
    check_refused("{'descr': '<f4', 'fortran_order': False, 'shape': (18446744073709551616,), }",
                  NULL, 0, CASCADE_ERR_SHAPE, "overflows 64 bits");
    /* The element count fits, the byte count (x 8) does not. */
    check_refused("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }",
                  NULL, 0, CASCADE_ERR_SHAPE, "data size overflows 64 bits");
}

TEST_CASE(npy_should_refuse_a_header_length_past_the_end_of_the_file)
{
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    npy_bytes npy = build_npy(1, dict, values_2x3, sizeof values_2x3, 64);
    /* Claim a 60000-byte header in a 88-byte file. */
    npy.bytes[8] = 0x60;
    npy.bytes[9] = 0xea;
    cascade_array array;
    cascade_error error;
    CHECK_EQ_INT(parse(&npy, &array, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "header length 60000 points past the end");
    /* The same through the file loader, and for a v2 header (uint32 length). */
    const char *path = write_temp(npy.bytes, npy.size, "past-end.npy");
    CHECK_EQ_INT(cascade_array_load(path, &array, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "points past the end");
    CHECK_STR_CONTAINS(error.file, "past-end.npy");
    free(npy.bytes);
    npy = build_npy(2, dict, values_2x3, sizeof values_2x3, 64);
    npy.bytes[11] = 0x80; /* + 2^31 */
    CHECK_EQ_INT(parse(&npy, &array, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "points past the end");
    free(npy.bytes);
    /* Shorter than the fixed prefix itself. */
    npy = build_npy(2, dict, NULL, 0, 64);
    npy.size = 11;
    CHECK_EQ_INT(parse(&npy, &array, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "truncated .npy header");
    free(npy.bytes);
}

TEST_CASE(npy_should_refuse_a_data_size_that_does_not_match_the_file_size)
{
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    npy_bytes npy = build_npy(1, dict, values_2x3, sizeof values_2x3, 64);
    cascade_array array;
    cascade_error error;
    /* Truncated by one byte: a cut-off copy. */
    npy.size -= 1;
    CHECK_EQ_INT(parse(&npy, &array, &error), CASCADE_ERR_SHAPE);
    CHECK_STR_CONTAINS(error.message, "promises 24 bytes of data but the file holds 23");
    const char *path = write_temp(npy.bytes, npy.size, "short.npy");
    CHECK_EQ_INT(cascade_array_load(path, &array, &error), CASCADE_ERR_SHAPE);
    CHECK_STR_CONTAINS(error.message, "promises 24 bytes");
    free(npy.bytes);
    /* Trailing bytes: the shape says less than the file holds. */
    float seven[7] = {0};
    npy = build_npy(1, dict, seven, sizeof seven, 64);
    CHECK_EQ_INT(parse(&npy, &array, &error), CASCADE_ERR_SHAPE);
    CHECK_STR_CONTAINS(error.message, "but the file holds 28");
    free(npy.bytes);
}

TEST_CASE(npy_should_refuse_an_object_dtype)
{
    check_refused("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
                  "\x80\x02.\x80\x02.\0\0", 8, CASCADE_ERR_DTYPE, "object dtype '|O'");
}

TEST_CASE(npy_should_refuse_a_structured_dtype)
{
    /* As NumPy writes np.zeros(2, dtype=[('a', '<f4'), ('b', '<i2')]). */
    check_refused("{'descr': [('a', '<f4'), ('b', '<i2')], 'fortran_order': False, 'shape': (2,), }",
                  "\0\0\0\0\0\0\0\0\0\0\0\0", 12, CASCADE_ERR_DTYPE, "structured dtype");
}

TEST_CASE(npy_should_refuse_unsupported_and_malformed_dtypes)
{
    check_refused("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
                  "\0\0\0\0\0\0\0\0", 8, CASCADE_ERR_DTYPE, "unsupported dtype '<c8'");
    check_refused("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }",
                  "\1", 1, CASCADE_ERR_DTYPE, "unsupported dtype '|b1'");
    check_refused("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }",
                  "a\0\0\0b\0\0\0c\0\0\0", 12, CASCADE_ERR_DTYPE, "unsupported dtype");
    /* strtol would read these sizes as 4; they are not NumPy's spelling. */
    check_refused("{'descr': '<f 4', 'fortran_order': False, 'shape': (1,), }",
                  "\0\0\0\0", 4, CASCADE_ERR_DTYPE, "unsupported dtype '<f 4'");
    check_refused("{'descr': '<f+4', 'fortran_order': False, 'shape': (1,), }",
                  "\0\0\0\0", 4, CASCADE_ERR_DTYPE, "unsupported dtype '<f+4'");
    check_refused("{'descr': '<f4', 'fortran_order': maybe, 'shape': (1,), }",
                  "\0\0\0\0", 4, CASCADE_ERR_FORMAT, "malformed 'fortran_order'");
    check_refused("{'descr': '<f4', 'fortran_order': False}",
                  "\0\0\0\0", 4, CASCADE_ERR_FORMAT, "lacks 'shape'");
}

/* Reads ARRAY (2 x 3 floats) back and compares with values_2x3. */
static void check_2x3(const cascade_array *array)
{
    CHECK_EQ_INT(array->ndim, 2);
    CHECK_EQ_INT(array->rows, 2);
    CHECK_EQ_INT(array->cols, 3);
    double worst = 0.0;
    for (size_t r = 0; r < 2; r++)
        for (size_t c = 0; c < 3; c++) {
            double d = fabs(cascade_array_get(array, r, c) - values_2x3[r * 3 + c]);
            worst = d > worst ? d : worst;
        }
    CHECK_NEAR(worst, 0.0, 0.0);
}

TEST_CASE(npy_should_convert_big_endian_values_and_read_them_back_right)
{
    cascade_array array;
    cascade_error error;
    /* float32, each value's bytes reversed. */
    unsigned char swapped[sizeof values_2x3];
    for (size_t i = 0; i < 6; i++)
        for (size_t b = 0; b < 4; b++)
            swapped[i * 4 + b] = ((const unsigned char *)&values_2x3[i])[3 - b];
    npy_bytes npy = build_npy(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }",
                              swapped, sizeof swapped, 64);
    REQUIRE(parse(&npy, &array, &error) == CASCADE_OK);
    CHECK_EQ_INT(array.dtype, CASCADE_DTYPE_F32);
    CHECK(array.owned != NULL); /* converted into a copy, the input untouched */
    check_2x3(&array);
    CHECK(memcmp(npy.bytes + npy.data_offset, swapped, sizeof swapped) == 0);
    free(array.owned);
    free(npy.bytes);
    /* float64 and int32 (labels), written out big-endian by hand. */
    const unsigned char f8[16] = {0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18, /* pi */
                                  0xc0, 0x00, 0, 0, 0, 0, 0, 0};                 /* -2 */
    npy = build_npy(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (1, 2), }",
                    f8, sizeof f8, 64);
    REQUIRE(parse(&npy, &array, &error) == CASCADE_OK);
    CHECK_NEAR(cascade_array_get(&array, 0, 0), 3.141592653589793, 0.0);
    CHECK_NEAR(cascade_array_get(&array, 0, 1), -2.0, 0.0);
    free(array.owned);
    free(npy.bytes);
    const unsigned char i4[12] = {0, 0, 0, 7, 0, 0, 1, 0, 0x7f, 0xff, 0xff, 0xff};
    npy = build_npy(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (3,), }",
                    i4, sizeof i4, 64);
    REQUIRE(parse(&npy, &array, &error) == CASCADE_OK);
    CHECK_EQ_INT(array.dtype, CASCADE_DTYPE_I32);
    CHECK_NEAR(cascade_array_get(&array, 0, 0), 7.0, 0.0);
    CHECK_NEAR(cascade_array_get(&array, 1, 0), 256.0, 0.0);
    CHECK_NEAR(cascade_array_get(&array, 2, 0), 2147483647.0, 0.0);
    free(array.owned);
    free(npy.bytes);
}

TEST_CASE(npy_should_convert_fortran_order_and_read_values_back_right)
{
    /* The 2 x 3 array stored column by column. */
    float columns[6];
    for (size_t r = 0; r < 2; r++)
        for (size_t c = 0; c < 3; c++)
            columns[c * 2 + r] = values_2x3[r * 3 + c];
    npy_bytes npy = build_npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                              columns, sizeof columns, 64);
    cascade_array array;
    cascade_error error;
    REQUIRE(parse(&npy, &array, &error) == CASCADE_OK);
    CHECK(array.owned != NULL);
    check_2x3(&array);
    free(array.owned);
    free(npy.bytes);
    /* Big-endian and Fortran order at once. */
    unsigned char both[sizeof columns];
    for (size_t i = 0; i < 6; i++)
        for (size_t b = 0; b < 4; b++)
            both[i * 4 + b] = ((const unsigned char *)&columns[i])[3 - b];
    npy = build_npy(1, "{'descr': '>f4', 'fortran_order': True, 'shape': (2, 3), }",
                    both, sizeof both, 64);
    REQUIRE(parse(&npy, &array, &error) == CASCADE_OK);
    check_2x3(&array);
    free(array.owned);
    free(npy.bytes);
}

TEST_CASE(npy_should_refuse_0d_and_3d_arrays)
{
    check_refused("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                  "\0\0\0\0", 4, CASCADE_ERR_SHAPE, "0-D array");
    check_refused("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 2), }",
                  "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16, CASCADE_ERR_SHAPE, "3-D array");
    check_refused("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1), }",
                  "\0\0\0\0", 4, CASCADE_ERR_SHAPE, "more than 8 dimensions");
}

TEST_CASE(npy_should_read_zero_samples_and_records_should_refuse_them)
{
    npy_bytes npy = build_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 10), }",
                              NULL, 0, 64);
    cascade_array array;
    cascade_error error;
    REQUIRE(parse(&npy, &array, &error) == CASCADE_OK);
    CHECK_EQ_INT(array.rows, 0);
    CHECK_EQ_INT(array.cols, 10);
    cascade_records records;
    CHECK_EQ_INT(cascade_records_compute(&array, CASCADE_SCORES_LOGITS, NULL, "m", "test.npy",
                                         &records, &error), CASCADE_ERR_SHAPE);
    CHECK_STR_CONTAINS(error.message, "model \"m\": zero samples");
    free(array.owned);
    free(npy.bytes);
}

TEST_CASE(npy_should_read_one_class_and_records_should_refuse_it)
{
    const float one[3] = {0.5f, 1.0f, -1.0f};
    npy_bytes npy = build_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1), }",
                              one, sizeof one, 64);
    cascade_array array;
    cascade_error error;
    REQUIRE(parse(&npy, &array, &error) == CASCADE_OK);
    CHECK_EQ_INT(array.rows, 3);
    CHECK_EQ_INT(array.cols, 1);
    cascade_records records;
    CHECK_EQ_INT(cascade_records_compute(&array, CASCADE_SCORES_PROBS, NULL, "m", "test.npy",
                                         &records, &error), CASCADE_ERR_SHAPE);
    CHECK_STR_CONTAINS(error.message, "1 class (expected at least 2 columns)");
    free(array.owned);
    free(npy.bytes);
}

TEST_CASE(npy_should_read_v1_v2_and_v3_headers_in_place)
{
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    for (int major = 1; major <= 3; major++) {
        npy_bytes npy = build_npy(major, dict, values_2x3, sizeof values_2x3, 64);
        cascade_array array;
        cascade_error error;
        REQUIRE(parse(&npy, &array, &error) == CASCADE_OK);
        /* Little-endian, C order, aligned: no copy. */
        CHECK(array.owned == NULL);
        CHECK(array.data == npy.bytes + npy.data_offset);
        check_2x3(&array);
        free(npy.bytes);
    }
    /* Through the file loader: memory-mapped. */
    npy_bytes npy = build_npy(2, dict, values_2x3, sizeof values_2x3, 64);
    const char *path = write_temp(npy.bytes, npy.size, "v2.npy");
    cascade_array array;
    cascade_error error;
    REQUIRE(cascade_array_load(path, &array, &error) == CASCADE_OK);
    CHECK(array.mapping != NULL);
    check_2x3(&array);
    cascade_array_free(&array);
    free(npy.bytes);
    /* An unknown version is named. */
    npy = build_npy(1, dict, values_2x3, sizeof values_2x3, 64);
    npy.bytes[6] = 4;
    CHECK_EQ_INT(parse(&npy, &array, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "unsupported .npy version 4.0");
    free(npy.bytes);
}

TEST_CASE(npy_should_read_float16_values_exactly)
{
    /* 1, -2, 0.5, 65504 (largest half), 2^-24 (smallest subnormal), 2^-14. */
    const uint16_t halves[6] = {0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x0400};
    const double expected[6] = {1.0, -2.0, 0.5, 65504.0, 5.9604644775390625e-08,
                                6.103515625e-05};
    npy_bytes npy = build_npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2, 3), }",
                              halves, sizeof halves, 64);
    cascade_array array;
    cascade_error error;
    REQUIRE(parse(&npy, &array, &error) == CASCADE_OK);
    CHECK_EQ_INT(array.dtype, CASCADE_DTYPE_F16);
    double worst = 0.0;
    for (size_t i = 0; i < 6; i++) {
        double d = fabs(cascade_array_get(&array, i / 3, i % 3) - expected[i]);
        worst = d > worst ? d : worst;
    }
    CHECK_NEAR(worst, 0.0, 0.0);
    CHECK(isinf(cascade_half_to_float(0x7c00)) && cascade_half_to_float(0x7c00) > 0);
    CHECK(isnan(cascade_half_to_float(0x7e00)));
    CHECK(signbit(cascade_half_to_float(0x8000)));
    free(npy.bytes);
}

TEST_CASE(npy_should_copy_data_at_a_misaligned_offset)
{
    /* No padding: the data starts at an odd offset, where a float load
     * straight from the buffer would be misaligned. */
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3) }";
    npy_bytes npy = build_npy(1, dict, values_2x3, sizeof values_2x3, 0);
    REQUIRE(npy.data_offset % 4 != 0);
    cascade_array array;
    cascade_error error;
    REQUIRE(parse(&npy, &array, &error) == CASCADE_OK);
    CHECK(array.owned != NULL);
    CHECK((uintptr_t)array.data % 4 == 0);
    check_2x3(&array);
    free(array.owned);
    free(npy.bytes);
    /* And through the file loader (mapped at a page boundary). */
    npy = build_npy(1, dict, values_2x3, sizeof values_2x3, 0);
    const char *path = write_temp(npy.bytes, npy.size, "misaligned.npy");
    REQUIRE(cascade_array_load(path, &array, &error) == CASCADE_OK);
    check_2x3(&array);
    cascade_array_free(&array);
    free(npy.bytes);
}

TEST_CASE(npy_should_refuse_files_that_are_not_npy)
{
    cascade_array array;
    cascade_error error;
    const char *path = write_temp("name,value\n", 11, "table.npy");
    CHECK_EQ_INT(cascade_array_load(path, &array, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "not a .npy file");
    path = write_temp("", 0, "empty.npy");
    CHECK_EQ_INT(cascade_array_load(path, &array, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "empty file");
    CHECK_EQ_INT(cascade_array_load("/nonexistent/x.npy", &array, &error), CASCADE_ERR_IO);
    CHECK_STR_CONTAINS(error.message, "cannot open");
    CHECK_EQ_INT(cascade_array_load("/tmp", &array, &error), CASCADE_ERR_IO);
    CHECK_STR_CONTAINS(error.message, "is a directory");
    /* A character device (not /dev/null: on a shared machine a careless
     * `-o /dev/null` run as root can leave a plain file there). */
    CHECK_EQ_INT(cascade_array_load("/dev/zero", &array, &error), CASCADE_ERR_IO);
    CHECK_STR_CONTAINS(error.message, "not a regular file");
}

RUN_TESTS(CASE(npy_should_refuse_a_shape_product_that_overflows_64_bits),
          CASE(npy_should_refuse_a_header_length_past_the_end_of_the_file),
          CASE(npy_should_refuse_a_data_size_that_does_not_match_the_file_size),
          CASE(npy_should_refuse_an_object_dtype),
          CASE(npy_should_refuse_a_structured_dtype),
          CASE(npy_should_refuse_unsupported_and_malformed_dtypes),
          CASE(npy_should_convert_big_endian_values_and_read_them_back_right),
          CASE(npy_should_convert_fortran_order_and_read_values_back_right),
          CASE(npy_should_refuse_0d_and_3d_arrays),
          CASE(npy_should_read_zero_samples_and_records_should_refuse_them),
          CASE(npy_should_read_one_class_and_records_should_refuse_it),
          CASE(npy_should_read_v1_v2_and_v3_headers_in_place),
          CASE(npy_should_read_float16_values_exactly),
          CASE(npy_should_copy_data_at_a_misaligned_offset),
          CASE(npy_should_refuse_files_that_are_not_npy))
