/* Tests for cascade/table.h: loading timm's CSV files, numbers, lookups and
 * joins, on the real tables in ../shared/data/timm and on small files
 * written here. */
#include "check.h"

#include "cascade/table.h"

#include <dirent.h>
#include <unistd.h>

/* ---- small files in a temporary folder, removed at exit ---- */

static char temp_dir[64];
static char temp_files[32][128];
static size_t temp_count;

static void remove_temp_files(void)
{
    for (size_t i = 0; i < temp_count; i++)
        remove(temp_files[i]);
    if (temp_dir[0])
        rmdir(temp_dir);
}

static const char *write_temp(const char *name, const char *content)
{
    if (!temp_dir[0]) {
        snprintf(temp_dir, sizeof temp_dir, "/tmp/cascade-table-XXXXXX");
        REQUIRE(mkdtemp(temp_dir) != NULL);
        atexit(remove_temp_files);
    }
    REQUIRE(temp_count < sizeof temp_files / sizeof temp_files[0]);
    char *path = temp_files[temp_count++];
    snprintf(path, sizeof temp_files[0], "%s/%s", temp_dir, name);
    FILE *f = fopen(path, "wb");
    REQUIRE(f != NULL);
    REQUIRE(fputs(content, f) >= 0);
    REQUIRE(fclose(f) == 0);
    return path;
}

static cascade_table *load_text(const char *name, const char *content)
{
    cascade_table *t = NULL;
    cascade_error err;
    cascade_error_clear(&err);
    cascade_status s = cascade_table_load(write_temp(name, content), &t, &err);
    if (s != CASCADE_OK)
        fprintf(stderr, "%s: %s\n", name, err.message);
    REQUIRE(s == CASCADE_OK);
    return t;
}

/* Load content, expect it to fail with status, and return the message. */
static const char *load_error(const char *name, const char *content, cascade_status status)
{
    static cascade_error err;
    cascade_table *t = NULL;
    cascade_error_clear(&err);
    CHECK_EQ_INT(cascade_table_load(write_temp(name, content), &t, &err), status);
    CHECK(t == NULL);
    cascade_table_free(t);
    return err.message;
}

static double number_at(const cascade_table *t, size_t row, const char *column)
{
    double v = NAN;
    cascade_error err;
    long c = cascade_table_column(t, column);
    REQUIRE(c >= 0);
    cascade_status s = cascade_table_number(t, row, (size_t)c, &v, &err);
    if (s != CASCADE_OK)
        fprintf(stderr, "%s\n", err.message);
    CHECK_EQ_INT(s, CASCADE_OK);
    return v;
}

static const char *number_error(const cascade_table *t, size_t row, const char *column)
{
    static cascade_error err;
    double v = 123;
    cascade_error_clear(&err);
    long c = cascade_table_column(t, column);
    REQUIRE(c >= 0);
    CHECK_EQ_INT(cascade_table_number(t, row, (size_t)c, &v, &err), CASCADE_ERR_VALUE);
    CHECK(v == 123); /* untouched on error */
    return err.message;
}

/* ---- the real tables ---- */

static cascade_table *load_timm(const char *file)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/timm/%s", shared_data_dir(), file);
    cascade_table *t = NULL;
    cascade_error err;
    cascade_status s = cascade_table_load(path, &t, &err);
    if (s != CASCADE_OK)
        fprintf(stderr, "%s: %s\n", path, err.message);
    REQUIRE(s == CASCADE_OK);
    return t;
}

/* The timm CSV files whose names start with prefix, sorted; returns the count. */
static size_t timm_files(const char *prefix, char names[][128], size_t max)
{
    char dir_path[1024];
    snprintf(dir_path, sizeof dir_path, "%s/timm", shared_data_dir());
    DIR *dir = opendir(dir_path);
    REQUIRE(dir != NULL);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || len < 4 ||
            strcmp(e->d_name + len - 4, ".csv") != 0)
            continue;
        REQUIRE(n < max && len < 128);
        strcpy(names[n++], e->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    return n;
}

TEST_CASE(table_should_load_every_timm_csv)
{
    char names[64][128];
    size_t n = timm_files("", names, 64);
    CHECK(n >= 12);
    for (size_t i = 0; i < n; i++) {
        cascade_table *t = load_timm(names[i]);
        CHECK(cascade_table_rows(t) > 100);
        CHECK(cascade_table_column(t, "model") == 0);
        CHECK_EQ_INT(cascade_table_line(t, 0), 2);
        CHECK_EQ_INT(cascade_table_line(t, cascade_table_rows(t) - 1),
                     (long)cascade_table_rows(t) + 1);
        /* pt110 ends its lines with CRLF; no cell may keep the CR. */
        for (size_t r = 0; r < cascade_table_rows(t); r++)
            CHECK(!strchr(cascade_table_cell(t, r, cascade_table_columns(t) - 1), '\r'));
        cascade_table_free(t);
    }
}

TEST_CASE(table_should_parse_every_number_in_the_benchmark_files)
{
    char names[32][128];
    size_t n = timm_files("benchmark-", names, 32);
    CHECK(n >= 6);
    size_t parsed = 0, empty = 0;
    for (size_t i = 0; i < n; i++) {
        cascade_table *t = load_timm(names[i]);
        const char *needed[] = { "infer_samples_per_sec", "infer_batch_size", "infer_img_size",
                                 "infer_gmacs", "param_count" };
        for (size_t k = 0; k < sizeof needed / sizeof needed[0]; k++)
            CHECK(cascade_table_column(t, needed[k]) >= 0);
        for (size_t c = 1; c < cascade_table_columns(t); c++)
            for (size_t r = 0; r < cascade_table_rows(t); r++) {
                if (!*cascade_table_cell(t, r, c)) {
                    empty++;
                    continue;
                }
                double v;
                cascade_error err;
                cascade_status s = cascade_table_number(t, r, c, &v, &err);
                if (s != CASCADE_OK)
                    fprintf(stderr, "%s: %s\n", names[i], err.message);
                CHECK_EQ_INT(s, CASCADE_OK);
                parsed++;
            }
        cascade_table_free(t);
    }
    printf("parsed %zu numbers, %zu empty cells\n", parsed, empty);
    CHECK(parsed > 30000);
    CHECK_EQ_INT(empty, 2); /* pt240's mobilenetv3_large_150d has no gmacs or macts */
}

TEST_CASE(table_should_refuse_pt240s_empty_gmacs_naming_the_line)
{
    cascade_table *t = load_timm("benchmark-infer-amp-nhwc-pt240-cu124-rtx3090.csv");
    cascade_table_find_options opt = { .img_size = 224 };
    size_t row;
    cascade_error err;
    REQUIRE(cascade_table_find_model(t, "mobilenetv3_large_150d", &opt, &row, &err) == CASCADE_OK);
    double gmacs;
    CHECK_EQ_INT(cascade_table_cost(t, row, "gmacs", &gmacs, &err), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "line 185, column \"infer_gmacs\": the cell is empty");
    CHECK_EQ_INT(err.row, 185);
    CHECK_STR_CONTAINS(err.file, "pt240");
    double ms;
    CHECK_EQ_INT(cascade_table_cost(t, row, "time", &ms, &err), CASCADE_OK);
    CHECK_NEAR(ms, 1000.0 / 6128.32, 1e-12);
    cascade_table_free(t);
}

TEST_CASE(table_should_refuse_the_junk_rank_diff_in_the_2022_real_results)
{
    cascade_table *t = load_timm("results-imagenet-real.e987e290-2022-07-27.csv");
    size_t row;
    cascade_error err;
    REQUIRE(cascade_table_find_model(t, "swinv2_base_window12to16_192to256_22kft1k", NULL,
                                     &row, &err) == CASCADE_OK);
    CHECK_STR_CONTAINS(number_error(t, row, "rank_diff"),
                       "line 34, column \"rank_diff\": \"-1g\" is not a number");
    CHECK_NEAR(number_at(t, row, "top1_diff"), 3.603, 0);
    cascade_table_free(t);
}

TEST_CASE(table_should_read_head_results_quoted_param_counts)
{
    cascade_table *t = load_timm("results-imagenet.960f5f92-2022-12-30.csv");
    size_t row;
    cascade_error err;
    REQUIRE(cascade_table_find_model(t, "eva_giant_patch14_560.m30m_ft_in22k_in1k", NULL,
                                     &row, &err) == CASCADE_OK);
    CHECK_NEAR(number_at(t, row, "param_count"), 1014.45, 0);
    double acc;
    CHECK_EQ_INT(cascade_table_accuracy(t, row, &acc, &err), CASCADE_OK);
    CHECK_NEAR(acc, 0.89796, 1e-15);
    cascade_table_free(t);
}

TEST_CASE(table_join_should_pair_665_models_of_the_2022_07_27_results_with_pt112)
{
    cascade_table *results = load_timm("results-imagenet.e987e290-2022-07-27.csv");
    cascade_table *bench = load_timm("benchmark-infer-amp-nhwc-pt112-cu113-rtx3090.csv");
    /* 665 was counted independently (Python's csv module, exact names); the
     * (model, img_size) key and the name alone agree on these two files. */
    cascade_join_options options[] = { { 0 }, { .ignore_img_size = 1 } };
    for (size_t k = 0; k < 2; k++) {
        cascade_join *join = NULL;
        cascade_error err;
        cascade_status s = cascade_table_join(results, bench, &options[k], &join, &err);
        if (s != CASCADE_OK)
            fprintf(stderr, "%s\n", err.message);
        REQUIRE(s == CASCADE_OK);
        CHECK_EQ_INT(join->count, 665);
        CHECK_EQ_INT(join->unmatched_count, 3);
        CHECK_EQ_INT(join->count + join->unmatched_count, cascade_table_rows(results));
        for (size_t i = 0; i < join->count; i++)
            CHECK(strcmp(join->entries[i].name,
                         cascade_table_cell(bench, join->entries[i].bench_row, 0)) == 0);
        cascade_join_free(join);
    }
    cascade_table_free(bench);
    cascade_table_free(results);
}

/* Counted independently with Python's csv module: HEAD results whose
 * (name before '.', img_size) equals a benchmark row's (model, infer_img_size). */
static const struct { const char *file; size_t count; } head_joins[] = {
    { "benchmark-infer-amp-nchw-pt112-cu113-rtx3090.csv", 706 },
    { "benchmark-infer-amp-nhwc-pt110-cu113-rtx3090.csv", 630 },
    { "benchmark-infer-amp-nhwc-pt112-cu113-rtx3090.csv", 703 },
    { "benchmark-infer-amp-nhwc-pt113-cu117-rtx3090.csv", 840 },
    { "benchmark-infer-amp-nhwc-pt210-cu121-rtx3090.csv", 1224 },
    { "benchmark-infer-amp-nhwc-pt240-cu124-rtx3090.csv", 1439 },
};

TEST_CASE(table_join_should_pair_head_results_with_every_benchmark_by_stripped_name_and_size)
{
    cascade_table *results = load_timm("results-imagenet.HEAD.csv");
    char names[32][128];
    size_t n = timm_files("benchmark-", names, 32);
    CHECK(n >= 6);
    long results_size = cascade_table_column(results, "img_size");
    for (size_t i = 0; i < n; i++) {
        cascade_table *bench = load_timm(names[i]);
        cascade_join_options opt = { .strip_tag = 1 };
        cascade_join *join = NULL;
        cascade_error err;
        cascade_status s = cascade_table_join(results, bench, &opt, &join, &err);
        if (s != CASCADE_OK)
            fprintf(stderr, "%s: %s\n", names[i], err.message);
        REQUIRE(s == CASCADE_OK);
        printf("%s: %zu joined, %zu unmatched (first: %s)\n", names[i], join->count,
               join->unmatched_count, join->unmatched_count ? join->unmatched[0] : "-");
        CHECK(join->count > 500);
        CHECK_EQ_INT(join->count + join->unmatched_count, cascade_table_rows(results));
        for (size_t k = 0; k < sizeof head_joins / sizeof head_joins[0]; k++)
            if (strcmp(names[i], head_joins[k].file) == 0)
                CHECK_EQ_INT(join->count, head_joins[k].count);
        long bench_size = cascade_table_column(bench, "infer_img_size");
        for (size_t j = 0; j < join->count; j++) {
            const cascade_join_entry *e = &join->entries[j];
            const char *bench_name = cascade_table_cell(bench, e->bench_row, 0);
            CHECK(strncmp(e->name, bench_name, strlen(bench_name)) == 0);
            CHECK(e->name[strlen(bench_name)] == '.' || e->name[strlen(bench_name)] == '\0');
            CHECK(strcmp(cascade_table_cell(results, e->results_row, (size_t)results_size),
                         cascade_table_cell(bench, e->bench_row, (size_t)bench_size)) == 0);
        }
        cascade_join_free(join);
        cascade_table_free(bench);
    }
    cascade_table_free(results);
}

TEST_CASE(table_find_should_ask_for_an_img_size_when_pt240_has_a_model_at_several)
{
    cascade_table *t = load_timm("benchmark-infer-amp-nhwc-pt240-cu124-rtx3090.csv");
    size_t row = 99999;
    cascade_error err;
    CHECK_EQ_INT(cascade_table_find_model(t, "resnet18", NULL, &row, &err), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "\"resnet18\" appears 3 times, at image sizes 160, 224, 288");
    CHECK_STR_CONTAINS(err.message, "--img-size N");
    CHECK(row == 99999);
    cascade_table_find_options opt = { .strip_tag = 1, .img_size = 288 };
    CHECK_EQ_INT(cascade_table_find_model(t, "resnet18.a1_in1k", &opt, &row, &err), CASCADE_OK);
    CHECK_EQ_INT(cascade_table_line(t, row), 173);
    opt.img_size = 300;
    CHECK_EQ_INT(cascade_table_find_model(t, "resnet18", &opt, &row, &err),
                 CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(err.message, "\"resnet18\" is not in the table at image size 300");
    cascade_table_free(t);
}

/* ---- numbers, on small files ---- */

TEST_CASE(table_should_parse_quoted_thousands_separators)
{
    cascade_table *t = load_text("thousands.csv",
                                 "model,param_count\n"
                                 "a,\"1,014.45\"\n"
                                 "b,\"12,345,678\"\n"
                                 "c,\"-1,000\"\n"
                                 "d,999\n");
    CHECK_NEAR(number_at(t, 0, "param_count"), 1014.45, 0);
    CHECK_NEAR(number_at(t, 1, "param_count"), 12345678, 0);
    CHECK_NEAR(number_at(t, 2, "param_count"), -1000, 0);
    CHECK_NEAR(number_at(t, 3, "param_count"), 999, 0);
    CHECK(strcmp(cascade_table_cell(t, 0, 1), "1,014.45") == 0);
    cascade_table_free(t);
}

TEST_CASE(table_should_parse_decimal_batch_sizes_signs_and_exponents)
{
    cascade_table *t = load_text("signs.csv",
                                 "model,infer_batch_size,top1_diff\n"
                                 "a,1024.0,+0.5\n"
                                 "b,256,-3e-2\n"
                                 "c,.5,+1.5E+2\n");
    CHECK_NEAR(number_at(t, 0, "infer_batch_size"), 1024, 0);
    CHECK_NEAR(number_at(t, 0, "top1_diff"), 0.5, 0);
    CHECK_NEAR(number_at(t, 1, "top1_diff"), -0.03, 0);
    CHECK_NEAR(number_at(t, 2, "infer_batch_size"), 0.5, 0);
    CHECK_NEAR(number_at(t, 2, "top1_diff"), 150, 0);
    cascade_table_free(t);
}

TEST_CASE(table_should_refuse_empty_cells_naming_the_file_line_and_column)
{
    cascade_table *t = load_text("empty.csv",
                                 "model,infer_gmacs,infer_macts\n"
                                 "a,1.5,2\n"
                                 "b,,3\n");
    cascade_error err;
    double v;
    long c = cascade_table_column(t, "infer_gmacs");
    CHECK_EQ_INT(cascade_table_number(t, 1, (size_t)c, &v, &err), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "line 3, column \"infer_gmacs\": the cell is empty "
                                    "(expected a number such as 1,014.45)");
    CHECK_STR_CONTAINS(err.file, "empty.csv");
    CHECK_EQ_INT(err.row, 3);
    CHECK_EQ_INT(err.column, 2);
    cascade_table_free(t);
}

TEST_CASE(table_should_refuse_nan_infinities_and_junk)
{
    cascade_table *t = load_text("junk.csv",
                                 "model,x\n"
                                 "a,nan\n"
                                 "b,-Infinity\n"
                                 "c,abc\n"
                                 "d,0x10\n"
                                 "e,1.2.3\n"
                                 "f,\"1,02\"\n"
                                 "g,\",100\"\n"
                                 "h,\"1,,000\"\n"
                                 "i,\"1000,000\"\n"
                                 "j,\"1,000,\"\n"
                                 "k,\"1.000,5\"\n"
                                 "l,\" 12\"\n"
                                 "m,1e999\n"
                                 "n,+\n"
                                 "o,1e\n"
                                 "p,12abc\n");
    CHECK_STR_CONTAINS(number_error(t, 0, "x"), "line 2, column \"x\": \"nan\" is not a finite number");
    CHECK_STR_CONTAINS(number_error(t, 1, "x"), "\"-Infinity\" is not a finite number");
    CHECK_STR_CONTAINS(number_error(t, 2, "x"), "line 4, column \"x\": \"abc\" is not a number "
                                               "(expected a number such as 1,014.45)");
    for (size_t r = 3; r < cascade_table_rows(t); r++) {
        const char *text = cascade_table_cell(t, r, 1);
        char found[64];
        snprintf(found, sizeof found, "\"%s\" is ", text);
        CHECK_STR_CONTAINS(number_error(t, r, "x"), found);
    }
    CHECK_STR_CONTAINS(number_error(t, 12, "x"), "\"1e999\" is out of range");
    cascade_table_free(t);
}

/* ---- file structure ---- */

TEST_CASE(table_should_report_a_row_with_too_many_cells_naming_its_line)
{
    const char *m = load_error("ragged.csv",
                               "model,top1\n"
                               "a,1\n"
                               "b,2\n"
                               "c,3,4\n"
                               "d,5\n", CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(m, "line 4 has 3 cells but the header names 2 columns");
}

TEST_CASE(table_should_pad_a_row_with_too_few_cells_with_empty_cells)
{
    cascade_table *t = load_text("short.csv", "model,top1,top5\na,1\nb,2,3\n");
    CHECK_EQ_INT(cascade_table_rows(t), 2);
    CHECK(strcmp(cascade_table_cell(t, 0, 2), "") == 0);
    CHECK(strcmp(cascade_table_cell(t, 1, 2), "3") == 0);
    CHECK_STR_CONTAINS(number_error(t, 0, "top5"), "line 2, column \"top5\": the cell is empty");
    cascade_table_free(t);
}

TEST_CASE(table_should_refuse_duplicate_column_names)
{
    const char *m = load_error("dupcol.csv", "model,top1,top5,top1\na,1,2,3\n",
                               CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(m, "columns 2 and 4 are both named \"top1\"");
}

TEST_CASE(table_should_refuse_empty_missing_and_malformed_files)
{
    CHECK_STR_CONTAINS(load_error("empty-file.csv", "", CASCADE_ERR_FORMAT),
                       "the file is empty (expected a header row");
    CHECK_STR_CONTAINS(load_error("blank-file.csv", "\n\r\n\n", CASCADE_ERR_FORMAT),
                       "the file is empty");
    CHECK_STR_CONTAINS(load_error("bad-quote.csv", "model,top1\na,1\nb,\"2\"x\n",
                                  CASCADE_ERR_FORMAT), "line 3: misplaced quote");
    CHECK_STR_CONTAINS(load_error("open-quote.csv", "model,top1\na,1\nb,\"2\n\n",
                                  CASCADE_ERR_FORMAT),
                       "line 3: a quoted cell is still open at the end of the file");

    cascade_table *t = (cascade_table *)1;
    cascade_error err;
    char path[128];
    snprintf(path, sizeof path, "%s/no-such-file.csv", temp_dir[0] ? temp_dir : "/nonexistent");
    CHECK_EQ_INT(cascade_table_load(path, &t, &err), CASCADE_ERR_IO);
    CHECK(t == NULL);
    CHECK_STR_CONTAINS(err.message, "cannot open the file");
    CHECK_STR_CONTAINS(err.file, "no-such-file.csv");
    CHECK_EQ_INT(cascade_table_load("/", &t, &err), CASCADE_ERR_IO);
    cascade_table_free(NULL);
    cascade_join_free(NULL);
}

TEST_CASE(table_should_accept_a_header_without_rows)
{
    cascade_table *t = load_text("header-only.csv", "model,top1");
    CHECK_EQ_INT(cascade_table_rows(t), 0);
    CHECK_EQ_INT(cascade_table_columns(t), 2);
    CHECK_EQ_INT(cascade_table_column(t, "top1"), 1);
    CHECK_EQ_INT(cascade_table_column(t, "top5"), -1);
    CHECK(cascade_table_cell(t, 0, 0) == NULL);
    cascade_table_free(t);
}

TEST_CASE(table_should_count_lines_across_crlf_blank_lines_and_quoted_newlines)
{
    cascade_table *t = load_text("lines.csv",
                                 "\xEF\xBB\xBFmodel,note\r\n"
                                 "a,plain\r\n"
                                 "\r\n"
                                 "b,\"two\nlines\"\r\n"
                                 "c,\"x\"\n"
                                 "\n"
                                 "d,last");
    CHECK_EQ_INT(cascade_table_column(t, "model"), 0); /* the BOM is not part of the name */
    CHECK_EQ_INT(cascade_table_rows(t), 4);
    CHECK_EQ_INT(cascade_table_line(t, 0), 2);
    CHECK_EQ_INT(cascade_table_line(t, 1), 4);
    CHECK_EQ_INT(cascade_table_line(t, 2), 6);
    CHECK_EQ_INT(cascade_table_line(t, 3), 8);
    CHECK(strcmp(cascade_table_cell(t, 1, 1), "two\nlines") == 0);
    CHECK(strcmp(cascade_table_cell(t, 0, 1), "plain") == 0);
    CHECK(strcmp(cascade_table_cell(t, 3, 1), "last") == 0);
    cascade_table_free(t);
}

/* ---- lookups and joins, on small files ---- */

static const char bench_sizes_csv[] =
    "model,infer_img_size,infer_samples_per_sec,infer_gmacs\n"
    "resnet18,160,20000,0.93\n"
    "resnet50,224,4000,4.11\n"
    "resnet18,224,10000,1.82\n"
    "vit_small,224,\"1,250\",4.6\n";

TEST_CASE(table_join_should_refuse_a_repeated_benchmark_model_without_img_size)
{
    cascade_table *results = load_text("results-nosize.csv",
                                       "model,top1\nresnet18,70\nresnet50,80\n");
    cascade_table *bench = load_text("bench-sizes.csv", bench_sizes_csv);
    cascade_join *join = (cascade_join *)1;
    cascade_error err;
    CHECK_EQ_INT(cascade_table_join(results, bench, NULL, &join, &err), CASCADE_ERR_VALUE);
    CHECK(join == NULL);
    CHECK_STR_CONTAINS(err.message, "model \"resnet18\" appears 2 times, at image sizes 160, 224");
    CHECK_STR_CONTAINS(err.message, "pass --img-size N");
    CHECK_STR_CONTAINS(err.file, "bench-sizes.csv");

    cascade_join_options opt = { .img_size = 224 };
    REQUIRE(cascade_table_join(results, bench, &opt, &join, &err) == CASCADE_OK);
    REQUIRE(join->count == 2);
    CHECK_EQ_INT(join->entries[0].bench_row, 2);
    CHECK_EQ_INT(join->entries[1].bench_row, 1);
    CHECK_EQ_INT(join->unmatched_count, 0);
    cascade_join_free(join);

    opt.img_size = 160; /* resnet50 was not benchmarked at 160 */
    REQUIRE(cascade_table_join(results, bench, &opt, &join, &err) == CASCADE_OK);
    CHECK_EQ_INT(join->count, 1);
    CHECK_EQ_INT(join->entries[0].bench_row, 0);
    CHECK_EQ_INT(join->unmatched_count, 1);
    CHECK(strcmp(join->unmatched[0], "resnet50") == 0);
    cascade_join_free(join);
    cascade_table_free(bench);
    cascade_table_free(results);
}

TEST_CASE(table_join_should_key_on_model_and_image_size_when_both_tables_have_it)
{
    cascade_table *results = load_text("results-sizes.csv",
                                       "model,img_size,top1\n"
                                       "resnet18.a1_in1k,224,72\n"
                                       "resnet18.a1_in1k,288,73\n"
                                       "resnet18.tv_in1k,160,69\n");
    cascade_table *bench = load_text("bench-sizes2.csv", bench_sizes_csv);
    cascade_join_options opt = { .strip_tag = 1 };
    cascade_join *join = NULL;
    cascade_error err;
    REQUIRE(cascade_table_join(results, bench, &opt, &join, &err) == CASCADE_OK);
    REQUIRE(join->count == 2);
    CHECK_EQ_INT(join->entries[0].results_row, 0);
    CHECK_EQ_INT(join->entries[0].bench_row, 2);
    CHECK_EQ_INT(join->entries[1].results_row, 2);
    CHECK_EQ_INT(join->entries[1].bench_row, 0);
    CHECK(strcmp(join->entries[1].name, "resnet18.tv_in1k") == 0);
    CHECK_EQ_INT(join->unmatched_count, 1);
    CHECK(strcmp(join->unmatched[0], "resnet18.a1_in1k") == 0);
    cascade_join_free(join);

    /* Without the size key, the name alone is ambiguous again. */
    opt.ignore_img_size = 1;
    CHECK_EQ_INT(cascade_table_join(results, bench, &opt, &join, &err), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "\"resnet18\" appears 2 times");
    cascade_table_free(bench);
    cascade_table_free(results);
}

TEST_CASE(table_join_should_pair_tagged_results_with_one_bare_benchmark_row)
{
    cascade_table *results = load_text("results-tags.csv",
                                       "model,top1\n"
                                       "resnet50.a1_in1k,81.2\n"
                                       "resnet50.tv_in1k,76.1\n"
                                       "resnet101.tv_in1k,77.4\n");
    cascade_table *bench = load_text("bench-bare.csv",
                                     "model,infer_samples_per_sec,infer_gmacs\n"
                                     "resnet18,10000,1.82\n"
                                     "resnet50,4000,4.11\n");
    cascade_join *join = NULL;
    cascade_error err;
    REQUIRE(cascade_table_join(results, bench, NULL, &join, &err) == CASCADE_OK);
    CHECK_EQ_INT(join->count, 0); /* exact names differ */
    CHECK_EQ_INT(join->unmatched_count, 3);
    cascade_join_free(join);

    cascade_join_options opt = { .strip_tag = 1 };
    REQUIRE(cascade_table_join(results, bench, &opt, &join, &err) == CASCADE_OK);
    REQUIRE(join->count == 2);
    CHECK(strcmp(join->entries[0].name, "resnet50.a1_in1k") == 0);
    CHECK(strcmp(join->entries[1].name, "resnet50.tv_in1k") == 0);
    CHECK_EQ_INT(join->entries[0].bench_row, 1);
    CHECK_EQ_INT(join->entries[1].bench_row, 1);
    CHECK_EQ_INT(join->unmatched_count, 1);
    CHECK(strcmp(join->unmatched[0], "resnet101.tv_in1k") == 0);
    double acc;
    CHECK_EQ_INT(cascade_table_accuracy(results, join->entries[1].results_row, &acc, &err),
                 CASCADE_OK);
    CHECK_NEAR(acc, 0.761, 1e-15);
    cascade_join_free(join);
    cascade_table_free(bench);
    cascade_table_free(results);
}

TEST_CASE(table_join_should_list_only_the_first_unmatched_names)
{
    cascade_table *results = load_text("results-many.csv",
                                       "model,top1\na,1\nb,2\nc,3\nd,4\ne,5\nf,6\ng,7\n");
    cascade_table *bench = load_text("bench-one.csv", "model,infer_gmacs\nd,1\n");
    cascade_join *join = NULL;
    cascade_error err;
    REQUIRE(cascade_table_join(results, bench, NULL, &join, &err) == CASCADE_OK);
    CHECK_EQ_INT(join->count, 1);
    CHECK_EQ_INT(join->unmatched_count, 6);
    CHECK(strcmp(join->unmatched[0], "a") == 0);
    CHECK(strcmp(join->unmatched[CASCADE_JOIN_UNMATCHED_SHOWN - 1], "f") == 0);
    cascade_join_free(join);
    cascade_table_free(bench);
    cascade_table_free(results);
}

TEST_CASE(table_find_should_name_a_missing_model_and_the_table)
{
    cascade_table *t = load_text("bench-find.csv", bench_sizes_csv);
    size_t row;
    cascade_error err;
    CHECK_EQ_INT(cascade_table_find_model(t, "resnet152", NULL, &row, &err),
                 CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(err.message, "model \"resnet152\" is not in the table");
    CHECK_STR_CONTAINS(err.file, "bench-find.csv");
    cascade_table_find_options opt = { .strip_tag = 1 };
    CHECK_EQ_INT(cascade_table_find_model(t, "resnet50.a1_in1k", &opt, &row, &err), CASCADE_OK);
    CHECK_EQ_INT(row, 1);
    CHECK_EQ_INT(cascade_table_find_model(t, "resnet50.a1_in1k", NULL, &row, &err),
                 CASCADE_ERR_NOT_FOUND);

    cascade_table *plain = load_text("plain.csv", "model,top1\na,1\n");
    opt.img_size = 224;
    CHECK_EQ_INT(cascade_table_find_model(plain, "a", &opt, &row, &err), CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(err.message, "no \"infer_img_size\" or \"img_size\" column");
    cascade_table_free(plain);
    cascade_table_free(t);
}

/* ---- costs and accuracies ---- */

TEST_CASE(table_time_cost_should_be_1000_over_samples_per_sec)
{
    cascade_table *t = load_text("bench-cost.csv", bench_sizes_csv);
    cascade_error err;
    double ms, gmacs, rate;
    CHECK_EQ_INT(cascade_table_cost(t, 3, "time", &ms, &err), CASCADE_OK);
    CHECK_NEAR(ms, 0.8, 1e-15); /* 1000 / "1,250" */
    CHECK_EQ_INT(cascade_table_cost(t, 1, "time", &ms, &err), CASCADE_OK);
    CHECK_NEAR(ms, 0.25, 0);
    CHECK_EQ_INT(cascade_table_cost(t, 1, "gmacs", &gmacs, &err), CASCADE_OK);
    CHECK_NEAR(gmacs, 4.11, 0);
    CHECK_EQ_INT(cascade_table_cost(t, 1, "infer_samples_per_sec", &rate, &err), CASCADE_OK);
    CHECK_NEAR(rate, 4000, 0);
    CHECK_EQ_INT(cascade_table_cost(t, 1, "joules", &rate, &err), CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(err.message, "no \"joules\" column");
    cascade_table_free(t);
}

TEST_CASE(table_cost_should_prefer_gmacs_and_refuse_zero_rates_and_negative_costs)
{
    cascade_table *t = load_text("bench-odd.csv",
                                 "model,gmacs,infer_gmacs,infer_samples_per_sec\n"
                                 "a,2,3,0\n"
                                 "b,-1,3,100\n");
    cascade_error err;
    double v;
    CHECK_EQ_INT(cascade_table_cost(t, 0, "gmacs", &v, &err), CASCADE_OK);
    CHECK_NEAR(v, 2, 0);
    CHECK_EQ_INT(cascade_table_cost(t, 0, "time", &v, &err), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "line 2, column \"infer_samples_per_sec\"");
    CHECK_STR_CONTAINS(err.message, "(expected a number > 0)");
    CHECK_EQ_INT(cascade_table_cost(t, 1, "gmacs", &v, &err), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "line 3, column \"gmacs\": the cost -1 is negative");
    cascade_table *none = load_text("bench-none.csv", "model,top1\na,1\n");
    CHECK_EQ_INT(cascade_table_cost(none, 0, "gmacs", &v, &err), CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(err.message, "no \"gmacs\" or \"infer_gmacs\" column");
    cascade_table_free(none);
    cascade_table_free(t);
}

TEST_CASE(table_accuracy_should_read_top1_percent_or_an_accuracy_fraction)
{
    cascade_table *pct = load_text("acc-top1.csv", "model,top1\na,81.5\nb,101\n");
    cascade_table *frac = load_text("acc-frac.csv", "model,accuracy\na,0.815\nb,81.5\n");
    cascade_error err;
    double v;
    CHECK_EQ_INT(cascade_table_accuracy(pct, 0, &v, &err), CASCADE_OK);
    CHECK_NEAR(v, 0.815, 1e-15);
    CHECK_EQ_INT(cascade_table_accuracy(pct, 1, &v, &err), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "line 3, column \"top1\": 101 is not an accuracy "
                                    "(expected a number from 0 to 100)");
    CHECK_EQ_INT(cascade_table_accuracy(frac, 0, &v, &err), CASCADE_OK);
    CHECK_NEAR(v, 0.815, 0);
    CHECK_EQ_INT(cascade_table_accuracy(frac, 1, &v, &err), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(err.message, "(expected a number from 0 to 1)");
    cascade_table_free(frac);
    cascade_table_free(pct);
}

RUN_TESTS(CASE(table_should_load_every_timm_csv),
          CASE(table_should_parse_every_number_in_the_benchmark_files),
          CASE(table_should_refuse_pt240s_empty_gmacs_naming_the_line),
          CASE(table_should_refuse_the_junk_rank_diff_in_the_2022_real_results),
          CASE(table_should_read_head_results_quoted_param_counts),
          CASE(table_join_should_pair_665_models_of_the_2022_07_27_results_with_pt112),
          CASE(table_join_should_pair_head_results_with_every_benchmark_by_stripped_name_and_size),
          CASE(table_find_should_ask_for_an_img_size_when_pt240_has_a_model_at_several),
          CASE(table_should_parse_quoted_thousands_separators),
          CASE(table_should_parse_decimal_batch_sizes_signs_and_exponents),
          CASE(table_should_refuse_empty_cells_naming_the_file_line_and_column),
          CASE(table_should_refuse_nan_infinities_and_junk),
          CASE(table_should_report_a_row_with_too_many_cells_naming_its_line),
          CASE(table_should_pad_a_row_with_too_few_cells_with_empty_cells),
          CASE(table_should_refuse_duplicate_column_names),
          CASE(table_should_refuse_empty_missing_and_malformed_files),
          CASE(table_should_accept_a_header_without_rows),
          CASE(table_should_count_lines_across_crlf_blank_lines_and_quoted_newlines),
          CASE(table_join_should_refuse_a_repeated_benchmark_model_without_img_size),
          CASE(table_join_should_key_on_model_and_image_size_when_both_tables_have_it),
          CASE(table_join_should_pair_tagged_results_with_one_bare_benchmark_row),
          CASE(table_join_should_list_only_the_first_unmatched_names),
          CASE(table_find_should_name_a_missing_model_and_the_table),
          CASE(table_time_cost_should_be_1000_over_samples_per_sec),
          CASE(table_cost_should_prefer_gmacs_and_refuse_zero_rates_and_negative_costs),
          CASE(table_accuracy_should_read_top1_percent_or_an_accuracy_fraction))
