/* Streaming a score file a block of rows at a time: the records must equal
 * those of the whole mapped array bit for bit, whatever the dtype, the block
 * boundaries and the threads, and every refusal must stay the loader's. */
#define _DEFAULT_SOURCE /* mincore(), to see what the page cache holds */
#include "check.h"
#include "test_data.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cascade/array.h"
#include "cascade/npy_write.h"
#include "cascade/records.h"

/* A temp folder's file name, kept for the test's life. */
static const char *temp_path(const char *name)
{
    static char dir[64];
    static char path[8][128];
    static int next;
    if (!dir[0]) {
        strcpy(dir, "/tmp/cascade-reader-XXXXXX");
        REQUIRE(mkdtemp(dir));
    }
    char *p = path[next++ % 8];
    snprintf(p, 128, "%s/%s", dir, name);
    return p;
}

/* ROWS x CLASSES random logits (or probabilities) as DESCR in a new .npy. */
static const char *write_scores(const char *name, const char *descr, size_t rows,
                                size_t classes, int probabilities, uint64_t seed)
{
    size_t n = rows * classes;
    double *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        double u = test_uniform(&seed);
        v[i] = probabilities ? u : 8 * u - 4;
    }
    void *data = v;
    float *f = NULL;
    uint16_t *h = NULL;
    if (strcmp(descr, "<f4") == 0 || strcmp(descr, "<f2") == 0) {
        f = malloc(n * sizeof *f);
        for (size_t i = 0; i < n; i++)
            f[i] = (float)v[i];
        data = f;
    }
    if (strcmp(descr, "<f2") == 0) {
        h = malloc(n * sizeof *h);
        cascade_float_to_half_array(f, h, n);
        data = h;
    }
    const char *path = temp_path(name);
    size_t shape[2] = {rows, classes};
    REQUIRE(cascade_npy_write(path, descr, 2, shape, data, NULL) == CASCADE_OK);
    free(v);
    free(f);
    free(h);
    return path;
}

static int same_records(const cascade_records *a, const cascade_records *b)
{
    if (a->samples != b->samples || a->correct_count != b->correct_count ||
        a->looks_like_probabilities != b->looks_like_probabilities)
        return 0;
    for (size_t i = 0; i < a->samples; i++)
        if (a->prediction[i] != b->prediction[i] || a->confidence[i] != b->confidence[i] ||
            a->correct[i] != b->correct[i]) {
            fprintf(stderr, "row %zu differs: %d %.17g against %d %.17g\n", i,
                    a->prediction[i], a->confidence[i], b->prediction[i], b->confidence[i]);
            return 0;
        }
    return 1;
}

TEST_CASE(streamed_records_should_equal_the_mapped_records_bit_for_bit)
{
    /* 1,100 rows of 1,000 float32 classes are 4.4 MB: several 1 MiB blocks
     * a thread, the last one short. */
    static const struct { const char *descr; int probs; int precise; } kinds[] = {
        {"<f4", 0, 0}, {"<f4", 0, 1}, {"<f2", 0, 0}, {"<f8", 0, 0}, {"<f4", 1, 0}, {"<f8", 1, 0}};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char name[32];
        snprintf(name, sizeof name, "scores%zu.npy", k);
        const char *path = write_scores(name, kinds[k].descr, 1100, 1000, kinds[k].probs, 7 + k);
        cascade_labels labels = {.count = 1100, .label = calloc(1100, sizeof(int32_t))};
        for (size_t i = 0; i < 1100; i++)
            labels.label[i] = (int32_t)(i * 37 % 1000);
        labels.max_label = 999;
        cascade_score_kind kind = kinds[k].probs ? CASCADE_SCORES_PROBS : CASCADE_SCORES_LOGITS;
        cascade_array whole;
        REQUIRE(cascade_array_load(path, &whole, NULL) == CASCADE_OK);
        for (unsigned threads = 1; threads <= 3; threads++) {
            cascade_records_options options = {.threads = threads, .precise = kinds[k].precise};
            cascade_records mapped, streamed;
            REQUIRE(cascade_records_compute_with(&whole, kind, &labels, "m", path, &options,
                                                 &mapped, NULL) == CASCADE_OK);
            cascade_array_reader reader;
            REQUIRE(cascade_array_reader_open(path, &reader, NULL) == CASCADE_OK);
            CHECK(reader.streams);
            REQUIRE(cascade_records_compute_stream(&reader, kind, &labels, "m", path, &options,
                                                   &streamed, NULL) == CASCADE_OK);
            if (!same_records(&mapped, &streamed)) {
                fprintf(stderr, "%s (probs %d, precise %d), %u threads\n", kinds[k].descr,
                        kinds[k].probs, kinds[k].precise, threads);
                check_failures++;
            }
            cascade_array_reader_close(&reader);
            cascade_records_free(&mapped);
            cascade_records_free(&streamed);
        }
        cascade_array_free(&whole);
        free(labels.label);
    }
}

TEST_CASE(kept_read_buffers_should_give_the_same_records_model_after_model)
{
    cascade_read_buffers *buffers = NULL;
    REQUIRE(cascade_read_buffers_create(&buffers) == CASCADE_OK);
    cascade_records_options kept = {.threads = 2, .buffers = buffers}, fresh = {.threads = 2};
    for (int m = 0; m < 3; m++) {
        char name[32];
        snprintf(name, sizeof name, "model%d.npy", m);
        /* Shapes that change from model to model, so the buffers must grow. */
        const char *path = write_scores(name, "<f4", 600 + 300 * (size_t)m, 500 + 400 * (size_t)m,
                                        0, 40 + (uint64_t)m);
        cascade_array_reader reader;
        REQUIRE(cascade_array_reader_open(path, &reader, NULL) == CASCADE_OK);
        cascade_records a, b;
        REQUIRE(cascade_records_compute_stream(&reader, CASCADE_SCORES_LOGITS, NULL, "m", path,
                                               &kept, &a, NULL) == CASCADE_OK);
        REQUIRE(cascade_records_compute_stream(&reader, CASCADE_SCORES_LOGITS, NULL, "m", path,
                                               &fresh, &b, NULL) == CASCADE_OK);
        CHECK(same_records(&a, &b));
        cascade_records_free(&a);
        cascade_records_free(&b);
        cascade_array_reader_close(&reader);
    }
    cascade_read_buffers_free(buffers);
}

TEST_CASE(streamed_pass_should_name_the_first_bad_row_whatever_thread_reads_it)
{
    size_t rows = 1100, classes = 1000;
    float *z = calloc(rows * classes, sizeof *z);
    z[900 * classes + 5] = NAN;     /* in the last thread's rows */
    z[700 * classes + 999] = INFINITY; /* the first bad row, in a later block */
    const char *path = temp_path("bad.npy");
    size_t shape[2] = {rows, classes};
    REQUIRE(cascade_npy_write(path, "<f4", 2, shape, z, NULL) == CASCADE_OK);
    free(z);
    for (unsigned threads = 1; threads <= 3; threads++) {
        cascade_array_reader reader;
        REQUIRE(cascade_array_reader_open(path, &reader, NULL) == CASCADE_OK);
        cascade_records_options options = {.threads = threads};
        cascade_records r;
        cascade_error error;
        CHECK(cascade_records_compute_stream(&reader, CASCADE_SCORES_LOGITS, NULL, "vgg", path,
                                             &options, &r, &error) == CASCADE_ERR_VALUE);
        CHECK_EQ_INT(error.row, 700);
        CHECK_EQ_INT(error.column, 999);
        CHECK_STR_CONTAINS(error.message, "\"vgg\", row 700, column 999: Inf");
        cascade_array_reader_close(&reader);
    }
}

TEST_CASE(reader_should_refuse_a_file_truncated_after_it_was_opened)
{
    const char *path = write_scores("shrinks.npy", "<f4", 2000, 300, 0, 3);
    cascade_array_reader reader;
    REQUIRE(cascade_array_reader_open(path, &reader, NULL) == CASCADE_OK);
    REQUIRE(truncate(path, 1000000) == 0);
    cascade_records r;
    cascade_error error;
    CHECK(cascade_records_compute_stream(&reader, CASCADE_SCORES_LOGITS, NULL, "m", path, NULL,
                                         &r, &error) == CASCADE_ERR_IO);
    CHECK_STR_CONTAINS(error.message, "the file ended early");
    CHECK_STR_CONTAINS(error.file, "shrinks.npy");
    cascade_array_reader_close(&reader);
}

/* A .npy file with a hand-written header (v1, padded to 128 bytes). */
static const char *write_raw_npy(const char *name, const char *dict, const void *data,
                                 size_t bytes)
{
    char header[128];
    size_t len = strlen(dict);
    size_t padded = 128 - 10;
    REQUIRE(len < padded);
    memset(header, ' ', sizeof header);
    memcpy(header, dict, len);
    header[padded - 1] = '\n';
    const char *path = temp_path(name);
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                (unsigned char)padded, 0};
    fwrite(prefix, 1, 10, f);
    fwrite(header, 1, padded, f);
    fwrite(data, 1, bytes, f);
    fclose(f);
    return path;
}

TEST_CASE(reader_should_give_fortran_order_and_big_endian_rows_in_c_order)
{
    /* The 2 x 3 array [[1, 2, 3], [4, 5, 6]]. */
    double fortran[6] = {1, 4, 2, 5, 3, 6};
    unsigned char big[6 * 8];
    double c_order[6] = {1, 2, 3, 4, 5, 6};
    for (int i = 0; i < 6; i++)
        for (int b = 0; b < 8; b++)
            big[i * 8 + b] = ((unsigned char *)&c_order[i])[7 - b];
    const char *paths[2] = {
        write_raw_npy("fortran.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                      fortran, sizeof fortran),
        write_raw_npy("big.npy", "{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }",
                      big, sizeof big)};
    for (int p = 0; p < 2; p++) {
        cascade_array_reader reader;
        REQUIRE(cascade_array_reader_open(paths[p], &reader, NULL) == CASCADE_OK);
        CHECK(!reader.streams);
        CHECK_EQ_INT(reader.rows, 2);
        CHECK_EQ_INT(reader.cols, 3);
        double buffer[3];
        cascade_array chunk;
        REQUIRE(cascade_array_reader_read(&reader, 1, 1, buffer, &chunk, NULL) == CASCADE_OK);
        for (int j = 0; j < 3; j++)
            CHECK_NEAR(cascade_array_get(&chunk, 0, (size_t)j), 4 + j, 0);
        cascade_array_reader_close(&reader);
    }
}

TEST_CASE(reader_should_refuse_what_the_loader_refuses_with_the_same_message)
{
    static const char *bodies[] = {
        "not an npy file at all",
        "\x93NUMPY\x01\x00\xff\xff{'descr': '<f4'",
    };
    for (int b = 0; b < 2; b++) {
        const char *path = temp_path(b ? "long-header.npy" : "text.npy");
        FILE *f = fopen(path, "wb");
        REQUIRE(f);
        fwrite(bodies[b], 1, strlen(bodies[b]), f);
        fclose(f);
        cascade_array whole;
        cascade_array_reader reader;
        cascade_error load_error, read_error;
        cascade_status a = cascade_array_load(path, &whole, &load_error);
        cascade_status r = cascade_array_reader_open(path, &reader, &read_error);
        CHECK(a != CASCADE_OK);
        CHECK_EQ_INT(r, a);
        if (a != CASCADE_OK && r == a && strcmp(load_error.message, read_error.message) != 0) {
            fprintf(stderr, "loader: %s\nreader: %s\n", load_error.message, read_error.message);
            check_failures++;
        }
    }
    /* A header that promises more data than the file holds. */
    float one = 1;
    const char *path = write_raw_npy("short.npy",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", &one, sizeof one);
    cascade_array_reader reader;
    cascade_error error;
    CHECK(cascade_array_reader_open(path, &reader, &error) == CASCADE_ERR_SHAPE);
    CHECK_STR_CONTAINS(error.message, ".npy header promises 24 bytes of data but the file holds 4");
}

/* TEXT into a new file NAME. */
static const char *write_text(const char *name, const char *text)
{
    const char *path = temp_path(name);
    FILE *f = fopen(path, "wb");
    REQUIRE(f && fwrite(text, 1, strlen(text), f) == strlen(text) && fclose(f) == 0);
    return path;
}

/* ROWS x COLS logits as CSV text in the style STYLE: 0 plain with a
 * header, 1 CRLF without a header, 2 quoted cells and blank lines, the
 * last row without a newline. The caller frees it. */
static char *csv_scores_text(size_t rows, size_t cols, int style, uint64_t seed)
{
    size_t size = (rows + 2) * cols * 32 + 64, used = 0;
    char *text = malloc(size);
    if (style == 0) {
        for (size_t j = 0; j < cols; j++)
            used += (size_t)snprintf(text + used, size - used, "%sclass%zu", j ? "," : "", j);
        used += (size_t)snprintf(text + used, size - used, "\n");
    }
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < cols; j++) {
            double v = 8 * test_uniform(&seed) - 4;
            const char *format = style == 2 && j % 3 == 1 ? "%s\"%.17g\"" : "%s%.17g";
            used += (size_t)snprintf(text + used, size - used, format, j ? "," : "", v);
        }
        const char *end = style == 1 ? "\r\n" : style == 2 && i % 50 == 7 ? "\n\n" : "\n";
        if (!(style == 2 && i + 1 == rows))
            used += (size_t)snprintf(text + used, size - used, "%s", end);
    }
    return text;
}

TEST_CASE(csv_scores_should_stream_every_block_of_rows_as_the_loader_reads_them)
{
    /* 20,000 rows: checkpoints every 64 rows, so blocks start between
     * them; every window of rows read must hold the loader's numbers bit
     * for bit, and the records of 1 to 3 threads must be the whole array's */
    for (int style = 0; style < 3; style++) {
        enum { ROWS = 20000, COLS = 7 };
        char *text = csv_scores_text(ROWS, COLS, style, 11 + (uint64_t)style);
        char name[32];
        snprintf(name, sizeof name, "scores%d.csv", style);
        const char *path = write_text(name, text);
        free(text);
        cascade_array whole;
        REQUIRE(cascade_array_load(path, &whole, NULL) == CASCADE_OK);
        REQUIRE(whole.rows == ROWS && whole.cols == COLS);
        cascade_array_reader reader;
        REQUIRE(cascade_array_reader_open(path, &reader, NULL) == CASCADE_OK);
        CHECK(reader.streams && reader.whole.data == NULL);
        CHECK_EQ_INT(reader.rows, ROWS);
        CHECK_EQ_INT(reader.cols, COLS);
        static double buffer[40 * COLS];
        size_t windows_differ = 0;
        for (size_t row = 0; row < ROWS; row += 101)
            for (size_t count = 1; count <= 40 && row + count <= ROWS; count += 13) {
                cascade_array chunk;
                REQUIRE(cascade_array_reader_read(&reader, row, count, buffer, &chunk, NULL) == CASCADE_OK);
                CHECK(chunk.from_text && chunk.dtype == CASCADE_DTYPE_F64);
                windows_differ += memcmp(chunk.data, (const double *)whole.data + row * COLS,
                                         count * COLS * sizeof(double)) != 0;
            }
        CHECK_EQ_INT(windows_differ, 0);
        for (unsigned threads = 1; threads <= 3; threads++) {
            cascade_records_options options = {.threads = threads};
            cascade_records loaded, streamed;
            REQUIRE(cascade_records_compute_with(&whole, CASCADE_SCORES_LOGITS, NULL, "m", path,
                                                 &options, &loaded, NULL) == CASCADE_OK);
            REQUIRE(cascade_records_compute_stream(&reader, CASCADE_SCORES_LOGITS, NULL, "m",
                                                   path, &options, &streamed, NULL) == CASCADE_OK);
            if (!same_records(&loaded, &streamed)) {
                fprintf(stderr, "style %d, %u threads: the records differ\n", style, threads);
                check_failures++;
            }
            cascade_records_free(&loaded);
            cascade_records_free(&streamed);
        }
        cascade_array_reader_close(&reader);
        cascade_array_free(&whole);
    }
}

TEST_CASE(csv_stream_should_refuse_a_bad_file_with_the_loaders_message)
{
    /* 300 good rows around one flaw (a word, a short row, a NUL byte), a
     * header and no data, a folder: the stream must give the loader's
     * message, at open or when the rows are read, whichever thread reads
     * them */
    static const char *flaws[] = {"1,2,oops\n", "1,2\n", "1,2,3\0\n"};
    for (int f = 0; f < 5; f++) {
        size_t size = 300 * 16 + 64, used = 0;
        char *text = malloc(size);
        used += (size_t)snprintf(text + used, size - used, "a,b,c\n");
        for (int i = 0; f < 3 && i < 300; i++) {
            if (i == 170 && f < 2)
                used += (size_t)snprintf(text + used, size - used, "%s", flaws[f]);
            else if (i == 170 && f == 2) {
                memcpy(text + used, flaws[2], 7);
                used += 7;
            } else
                used += (size_t)snprintf(text + used, size - used, "%d,%d,%d\n", i, -i, 2 * i);
        }
        char name[32];
        snprintf(name, sizeof name, "flawed%d.csv", f);
        const char *path = temp_path(name);
        if (f < 4) {
            FILE *file = fopen(path, "wb");
            REQUIRE(file && fwrite(text, 1, used, file) == used && fclose(file) == 0);
        } else { /* a folder named like a CSV file */
            REQUIRE(mkdir(path, 0755) == 0);
        }
        free(text);
        cascade_array whole;
        cascade_error expected, got;
        memset(&got, 0, sizeof got);
        cascade_status load = cascade_array_load(path, &whole, &expected);
        REQUIRE(load != CASCADE_OK);
        cascade_array_reader reader;
        cascade_status status = cascade_array_reader_open(path, &reader, &got);
        if (status == CASCADE_OK) {
            /* Blocks from the file's start, either side of the checkpoint
             * at row 128 and on the flaw: those holding row 170 fail with
             * the loader's message, the others read. */
            static double buffer[300 * 3];
            size_t starts[] = {0, 120, 130, 160, 170, 171};
            for (size_t b = 0; b < sizeof starts / sizeof *starts; b++) {
                size_t count = starts[b] == 0 ? reader.rows : 30;
                int holds_flaw = starts[b] <= 170 && 170 < starts[b] + count;
                cascade_array chunk;
                cascade_error block_error;
                memset(&block_error, 0, sizeof block_error);
                cascade_status read = cascade_array_reader_read(&reader, starts[b], count, buffer,
                                                                &chunk, &block_error);
                CHECK_EQ_INT(read, holds_flaw ? load : CASCADE_OK);
                if (holds_flaw) {
                    status = read;
                    got = block_error;
                    CHECK_STR_CONTAINS(got.message, expected.message);
                }
            }
            cascade_array_reader_close(&reader);
        }
        CHECK_EQ_INT(status, load);
        if (strcmp(got.message, expected.message) != 0) {
            fprintf(stderr, "flaw %d: \"%s\", expected \"%s\"\n", f, got.message, expected.message);
            check_failures++;
        }
    }
}

/* The fraction of PATH's pages in the page cache. */
static double resident_fraction(const char *path)
{
    int fd = open(path, O_RDONLY);
    REQUIRE(fd >= 0);
    size_t size = (size_t)lseek(fd, 0, SEEK_END), page = (size_t)sysconf(_SC_PAGESIZE);
    void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(map != MAP_FAILED);
    size_t pages = (size + page - 1) / page, resident = 0;
    unsigned char *in = malloc(pages);
    REQUIRE(in && mincore(map, size, in) == 0);
    for (size_t i = 0; i < pages; i++)
        resident += in[i] & 1;
    free(in);
    munmap(map, size);
    close(fd);
    return (double)resident / (double)pages;
}

/* A new file of MIB mebibytes, written to disk and dropped from the page
 * cache; NULL where the file system keeps its pages anyway (tmpfs). */
static const char *file_out_of_the_page_cache(const char *name, size_t mib)
{
    const char *path = temp_path(name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    REQUIRE(fd >= 0);
    static char block[1 << 20];
    memset(block, 1, sizeof block);
    for (size_t i = 0; i < mib; i++)
        REQUIRE(write(fd, block, sizeof block) == (ssize_t)sizeof block);
    REQUIRE(fsync(fd) == 0);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    return resident_fraction(path) < 0.01 ? path : NULL;
}

/* 1 once the whole of PATH is in the page cache, 0 after 20 s without. */
static int comes_into_the_page_cache(const char *path)
{
    for (int wait = 0; wait < 2000; wait++) {
        if (resident_fraction(path) == 1.0)
            return 1;
        usleep(10000);
    }
    fprintf(stderr, "%s: %.0f%% of its pages in the page cache after 20 s\n", path,
            100 * resident_fraction(path));
    return 0;
}

TEST_CASE(prefetch_should_bring_the_whole_of_a_file_into_the_page_cache)
{
    /* Linux reads ahead at most the device's window for one request (8 MiB
     * on this project's machines, 128 KiB by default): a file of 48 MiB
     * must still be read whole, not its first window only. */
    const char *path = file_out_of_the_page_cache("big.bin", 48);
    if (!path)
        SKIP("this file system keeps written files in memory, so nothing is left to prefetch");
    cascade_array_prefetch(path);
    CHECK(comes_into_the_page_cache(path));
}

TEST_CASE(prefetcher_should_stay_one_file_ahead_of_the_reader)
{
    const char *paths[3];
    for (int f = 0; f < 3; f++) {
        char name[32];
        snprintf(name, sizeof name, "ahead%d.bin", f);
        paths[f] = file_out_of_the_page_cache(name, 16);
        if (!paths[f])
            SKIP("this file system keeps written files in memory, so nothing is left to prefetch");
    }
    cascade_prefetcher *prefetcher;
    cascade_prefetcher_start(paths, 3, &prefetcher);
    REQUIRE(prefetcher);
    /* the reader on file 0: files 0 and 1 are read, file 2 waits */
    CHECK(comes_into_the_page_cache(paths[0]));
    CHECK(comes_into_the_page_cache(paths[1]));
    usleep(200000);
    CHECK(resident_fraction(paths[2]) < 0.01);
    cascade_prefetcher_reached(prefetcher, 1);
    CHECK(comes_into_the_page_cache(paths[2]));
    cascade_prefetcher_stop(prefetcher);
}

TEST_CASE(prefetcher_should_pass_over_missing_files_folders_and_pipes_and_stop_when_asked)
{
    /* No path, a missing file, a folder (whose size on ext4 is 2^63: read
     * ahead piece by piece, it never ended), a named pipe with no writer
     * (opened to wait, it never opened), and a stop before the reader
     * reaches any. */
    const char *folder = temp_path("folder.npy"), *pipe = temp_path("pipe.npy");
    REQUIRE(mkdir(folder, 0755) == 0);
    REQUIRE(mkfifo(pipe, 0644) == 0);
    cascade_array_prefetch(folder);
    cascade_array_prefetch(pipe);
    const char *paths[5] = {NULL, temp_path("missing.npy"), folder, pipe, temp_path("missing.csv")};
    for (int stop_at_once = 0; stop_at_once < 2; stop_at_once++) {
        cascade_prefetcher *prefetcher;
        cascade_prefetcher_start(paths, 5, &prefetcher);
        REQUIRE(prefetcher);
        if (!stop_at_once)
            for (size_t f = 0; f < 5; f++)
                cascade_prefetcher_reached(prefetcher, f);
        cascade_prefetcher_stop(prefetcher);
    }
    cascade_prefetcher_reached(NULL, 0);
    cascade_prefetcher_stop(NULL);
}

RUN_TESTS(CASE(streamed_records_should_equal_the_mapped_records_bit_for_bit),
          CASE(kept_read_buffers_should_give_the_same_records_model_after_model),
          CASE(streamed_pass_should_name_the_first_bad_row_whatever_thread_reads_it),
          CASE(reader_should_refuse_a_file_truncated_after_it_was_opened),
          CASE(reader_should_give_fortran_order_and_big_endian_rows_in_c_order),
          CASE(reader_should_refuse_what_the_loader_refuses_with_the_same_message),
          CASE(csv_scores_should_stream_every_block_of_rows_as_the_loader_reads_them),
          CASE(csv_stream_should_refuse_a_bad_file_with_the_loaders_message),
          CASE(prefetch_should_bring_the_whole_of_a_file_into_the_page_cache),
          CASE(prefetcher_should_stay_one_file_ahead_of_the_reader),
          CASE(prefetcher_should_pass_over_missing_files_folders_and_pipes_and_stop_when_asked))
