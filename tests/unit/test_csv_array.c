/* CSV arrays: the in-memory parser behind the file loader, cells holding NUL
 * bytes, cells longer than the parser's stack buffer. */
#include "check.h"

#include <unistd.h>

#include "cascade/array.h"
#include "files/array_internal.h"

static cascade_status parse_text(const char *text, size_t len, cascade_array *array,
                                 cascade_error *error)
{
    cascade_error_clear(error);
    return cascade_csv_array_parse("test.csv", text, len, array, error);
}

TEST_CASE(csv_array_parse_should_read_what_the_file_loader_reads)
{
    static const char text[] = "c0,c1,c2\n2,-1,0.5\r\n\"0.25\", 3e2 ,-0\n";
    char dir[] = "/tmp/cascade-test-csv-XXXXXX";
    REQUIRE(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/a.csv", dir);
    FILE *f = fopen(path, "wb");
    REQUIRE(f && fwrite(text, 1, sizeof text - 1, f) == sizeof text - 1 && fclose(f) == 0);
    cascade_array from_file, from_memory;
    cascade_error error;
    REQUIRE(cascade_array_load(path, &from_file, &error) == CASCADE_OK);
    REQUIRE(parse_text(text, sizeof text - 1, &from_memory, &error) == CASCADE_OK);
    unlink(path);
    rmdir(dir);
    CHECK_EQ_INT(from_memory.rows, 2);
    CHECK_EQ_INT(from_memory.cols, 3);
    CHECK_EQ_INT(from_file.rows, from_memory.rows);
    CHECK_EQ_INT(from_file.cols, from_memory.cols);
    const double expected[6] = {2, -1, 0.5, 0.25, 300, 0};
    double worst = 0.0;
    for (size_t i = 0; i < 6; i++) {
        double a = cascade_array_get(&from_memory, i / 3, i % 3);
        double b = cascade_array_get(&from_file, i / 3, i % 3);
        worst = fmax(worst, fmax(fabs(a - expected[i]), fabs(b - expected[i])));
    }
    CHECK_NEAR(worst, 0.0, 0.0);
    cascade_array_free(&from_file);
    cascade_array_free(&from_memory);
}

TEST_CASE(csv_array_should_refuse_a_nul_byte_inside_a_cell)
{
    /* "1\0junk" used to be cut at the NUL and read as 1. */
    static const char text[] = "a,b\n1,2\n3,1\0junk\n";
    cascade_array array;
    cascade_error error;
    CHECK_EQ_INT(parse_text(text, sizeof text - 1, &array, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "line 3, column 2: a NUL byte inside a cell");
    /* In the header too: it would hide the rest of a name. */
    static const char header[] = "a\0b,c\n1,2\n";
    CHECK_EQ_INT(parse_text(header, sizeof header - 1, &array, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "NUL byte");
}

TEST_CASE(csv_array_should_read_a_long_cell_whole)
{
    /* "0.1000...0007e3" with 200 zeros: longer than the 128-byte buffer.
     * Cut at 127 bytes it would read as 0.1; whole, it is 100. */
    char text[512];
    size_t n = (size_t)snprintf(text, sizeof text, "x,y\n1,0.1");
    memset(text + n, '0', 200);
    n += 200;
    n += (size_t)snprintf(text + n, sizeof text - n, "7e3\n");
    cascade_array array;
    cascade_error error;
    REQUIRE(parse_text(text, n, &array, &error) == CASCADE_OK);
    CHECK_NEAR(cascade_array_get(&array, 0, 1), 100.0, 1e-12);
    cascade_array_free(&array);
    /* A long word is still reported, shortened in the message. */
    char word[151];
    memset(word, 'w', 150);
    word[150] = '\0';
    n = (size_t)snprintf(text, sizeof text, "%s,1\n2,3\n4,%s\n", word, word);
    CHECK_EQ_INT(parse_text(text, n, &array, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "line 3, column 2: \"wwwwwwwwww");
    CHECK(strlen(error.message) < 200);
}

TEST_CASE(csv_array_should_refuse_ragged_rows_and_text_after_the_header)
{
    cascade_array array;
    cascade_error error;
    CHECK_EQ_INT(parse_text("1,2,3\n4,5\n", 10, &array, &error), CASCADE_ERR_SHAPE);
    CHECK_STR_CONTAINS(error.message, "line 2 has 2 cells (expected 3, as on the first row)");
    CHECK_EQ_INT(parse_text("a,b\n1,two\n", 10, &array, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "line 2, column 2: \"two\" is not a number");
    CHECK_EQ_INT(parse_text("a,b\n", 4, &array, &error), CASCADE_ERR_SHAPE);
    CHECK_STR_CONTAINS(error.message, "no data rows");
    CHECK_EQ_INT(parse_text("", 0, &array, &error), CASCADE_ERR_SHAPE);
}

RUN_TESTS(CASE(csv_array_parse_should_read_what_the_file_loader_reads),
          CASE(csv_array_should_refuse_a_nul_byte_inside_a_cell),
          CASE(csv_array_should_read_a_long_cell_whole),
          CASE(csv_array_should_refuse_ragged_rows_and_text_after_the_header))
