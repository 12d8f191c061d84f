/* Confidence, prediction and correctness against hand computations. */
#include "check.h"
#include "test_data.h"

#include "cascade/records.h"
#include "records/softmax_kernel.h"

static cascade_array array_f64(const double *values, size_t rows, size_t cols)
{
    cascade_array a;
    memset(&a, 0, sizeof a);
    a.dtype = CASCADE_DTYPE_F64;
    a.ndim = 2;
    a.rows = rows;
    a.cols = cols;
    a.data = values;
    return a;
}

TEST_CASE(max_softmax_should_equal_a_hand_computed_value)
{
    /* softmax([1, 2, 3]) max = e^0 / (e^-2 + e^-1 + e^0) */
    double z[6] = {1, 2, 3, 1000, 1000, 999};
    cascade_array a = array_f64(z, 2, 3);
    cascade_labels labels = {.count = 2, .label = (int32_t[]){2, 1}, .max_label = 2};
    cascade_records r;
    REQUIRE(cascade_records_compute(&a, CASCADE_SCORES_LOGITS, &labels, "m", "m.npy", &r, NULL) == CASCADE_OK);
    CHECK_NEAR(r.confidence[0], 1.0 / (exp(-2) + exp(-1) + 1), 1e-15);
    CHECK_EQ_INT(r.prediction[0], 2);
    CHECK_EQ_INT(r.correct[0], 1);
    /* Large logits must not overflow; a tie takes the first index. */
    CHECK_NEAR(r.confidence[1], 1.0 / (2 + exp(-1)), 1e-15);
    CHECK_EQ_INT(r.prediction[1], 0);
    CHECK_EQ_INT(r.correct[1], 0);
    CHECK_EQ_INT(r.correct_count, 1);
    cascade_records_free(&r);
}

TEST_CASE(a_label_out_of_the_models_range_should_be_named_by_its_first_row)
{
    double z[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    cascade_array a = array_f64(z, 4, 2);
    cascade_labels labels = {.count = 4, .label = (int32_t[]){1, 0, 2, -1}, .max_label = 2};
    cascade_records r;
    cascade_error error;
    CHECK(cascade_records_compute(&a, CASCADE_SCORES_LOGITS, &labels, "m", "m.npy", &r, &error) ==
          CASCADE_ERR_VALUE);
    CHECK_EQ_INT(error.row, 2);
    CHECK_STR_CONTAINS(error.message,
                       "label 2 at row 2 is out of range for model \"m\" (expected 0..1)");
}

TEST_CASE(probabilities_should_be_renormalised_as_log_p_logits)
{
    double p[3] = {0.2, 0.3, 0.4}; /* sums to 0.9: confidence 0.4 / 0.9 */
    cascade_array a = array_f64(p, 1, 3);
    cascade_records r;
    REQUIRE(cascade_records_compute(&a, CASCADE_SCORES_PROBS, NULL, "m", "m.npy", &r, NULL) == CASCADE_OK);
    CHECK_NEAR(r.confidence[0], 0.4 / 0.9, 1e-15);
    CHECK_EQ_INT(r.prediction[0], 2);
    CHECK_EQ_INT(r.correct_count, 0);
    cascade_records_free(&r);
}

TEST_CASE(nan_logits_should_name_the_model_row_and_column)
{
    double z[6] = {1, 2, 3, 4, NAN, 6};
    cascade_array a = array_f64(z, 2, 3);
    cascade_records r;
    cascade_error error;
    CHECK(cascade_records_compute(&a, CASCADE_SCORES_LOGITS, NULL, "vgg", "v.npy", &r, &error) == CASCADE_ERR_VALUE);
    CHECK_EQ_INT(error.row, 1);
    CHECK_EQ_INT(error.column, 1);
    CHECK_STR_CONTAINS(error.message, "\"vgg\", row 1, column 1: NaN");
    double inf[2] = {INFINITY, 0};
    a = array_f64(inf, 1, 2);
    CHECK(cascade_records_compute(&a, CASCADE_SCORES_LOGITS, NULL, "vgg", "v.npy", &r, &error) == CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "Inf");
}

TEST_CASE(negative_probabilities_should_be_refused_with_a_hint_about_logits)
{
    double p[2] = {-1.5, 2.0};
    cascade_array a = array_f64(p, 1, 2);
    cascade_records r;
    cascade_error error;
    CHECK(cascade_records_compute(&a, CASCADE_SCORES_PROBS, NULL, "m", "m.npy", &r, &error) == CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "negative probability");
    CHECK_STR_CONTAINS(error.message, "logits");
}

TEST_CASE(logits_that_look_like_probabilities_should_be_flagged)
{
    double p[4] = {0.25, 0.75, 0.5, 0.5};
    cascade_array a = array_f64(p, 2, 2);
    cascade_records r;
    REQUIRE(cascade_records_compute(&a, CASCADE_SCORES_LOGITS, NULL, "m", "m.npy", &r, NULL) == CASCADE_OK);
    CHECK(r.looks_like_probabilities);
    cascade_records_free(&r);
    double z[4] = {-3, 7, 2, 0};
    a = array_f64(z, 2, 2);
    REQUIRE(cascade_records_compute(&a, CASCADE_SCORES_LOGITS, NULL, "m", "m.npy", &r, NULL) == CASCADE_OK);
    CHECK(!r.looks_like_probabilities);
    cascade_records_free(&r);
}

TEST_CASE(float16_and_float32_logits_should_give_the_same_records_as_float64)
{
    /* Values exactly representable in half precision. */
    double z64[4] = {0.5, -1.25, 3.0, 2.5};
    float z32[4] = {0.5f, -1.25f, 3.0f, 2.5f};
    uint16_t z16[4] = {0x3800, 0xbd00, 0x4200, 0x4100};
    cascade_array a64 = array_f64(z64, 2, 2), a32 = a64, a16 = a64;
    a32.dtype = CASCADE_DTYPE_F32;
    a32.data = z32;
    a16.dtype = CASCADE_DTYPE_F16;
    a16.data = z16;
    cascade_records r64, r32, r16;
    REQUIRE(cascade_records_compute(&a64, CASCADE_SCORES_LOGITS, NULL, "m", "m", &r64, NULL) == CASCADE_OK);
    REQUIRE(cascade_records_compute(&a32, CASCADE_SCORES_LOGITS, NULL, "m", "m", &r32, NULL) == CASCADE_OK);
    REQUIRE(cascade_records_compute(&a16, CASCADE_SCORES_LOGITS, NULL, "m", "m", &r16, NULL) == CASCADE_OK);
    for (int i = 0; i < 2; i++) {
        CHECK_NEAR(r32.confidence[i], r64.confidence[i], 1e-7);
        CHECK_NEAR(r16.confidence[i], r64.confidence[i], 1e-7);
        CHECK_EQ_INT(r16.prediction[i], r64.prediction[i]);
    }
    cascade_records_free(&r64);
    cascade_records_free(&r32);
    cascade_records_free(&r16);
}

TEST_CASE(labels_should_load_from_npy_and_csv_and_refuse_negatives)
{
    char *dir = test_temp_dir();
    char path[512];
    int64_t values[3] = {0, 9, 4};
    snprintf(path, sizeof path, "%s/labels.npy", dir);
    test_write_npy(path, "<i8", 3, 0, values, 8);
    cascade_labels labels;
    REQUIRE(cascade_labels_load(path, &labels, NULL) == CASCADE_OK);
    CHECK_EQ_INT(labels.count, 3);
    CHECK_EQ_INT(labels.label[1], 9);
    CHECK_EQ_INT(labels.max_label, 9);
    cascade_labels_free(&labels);
    snprintf(path, sizeof path, "%s/labels.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("label\n3\n1\n-2\n", f);
    fclose(f);
    cascade_error error;
    CHECK(cascade_labels_load(path, &labels, &error) == CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "row 2");
    test_remove_dir(dir);
    free(dir);
}

static const cascade_records_options two_threads = {.threads = 2};

/* ROWS x COLS logits, uniform in [-WIDTH/2, WIDTH/2) plus BOOST on class 3,
 * as float32 and the same values as float64; their records from the
 * vectorised path (two threads) into *FAST and the float64 path into *EXACT.
 * The caller frees the four. */
static void fast_and_exact(size_t rows, size_t cols, uint64_t seed, double width, double boost,
                           float **z32, double **z64, cascade_records *fast,
                           cascade_records *exact)
{
    *z32 = malloc(rows * cols * sizeof **z32);
    *z64 = malloc(rows * cols * sizeof **z64);
    uint64_t state = seed;
    for (size_t i = 0; i < rows * cols; i++) {
        (*z32)[i] = (float)(width * test_uniform(&state) - width / 2 + (i % cols == 3 ? boost : 0));
        (*z64)[i] = (*z32)[i];
    }
    cascade_array a64 = array_f64(*z64, rows, cols), a32 = a64;
    a32.dtype = CASCADE_DTYPE_F32;
    a32.data = *z32;
    REQUIRE(cascade_records_compute_with(&a32, CASCADE_SCORES_LOGITS, NULL, "m", "m", &two_threads, fast, NULL) == CASCADE_OK);
    REQUIRE(cascade_records_compute(&a64, CASCADE_SCORES_LOGITS, NULL, "m", "m", exact, NULL) == CASCADE_OK);
}

TEST_CASE(vectorised_softmax_should_agree_with_double_precision_to_3e_7)
{
    /* 300 rows of 1000 classes and ragged sets of 13, 10 and 3 classes (a
     * masked last vector), wide logits. */
    size_t shapes[4][2] = {{300, 1000}, {500, 13}, {2000, 10}, {2000, 3}};
    for (int s = 0; s < 4; s++) {
        size_t rows = shapes[s][0], cols = shapes[s][1];
        float *z32;
        double *z64;
        cascade_records fast, exact;
        fast_and_exact(rows, cols, 42, 40, 0, &z32, &z64, &fast, &exact);
        double worst = 0;
        size_t predictions_differ = 0;
        for (size_t i = 0; i < rows; i++) {
            worst = fmax(worst, fabs(fast.confidence[i] - exact.confidence[i]) / exact.confidence[i]);
            predictions_differ += fast.prediction[i] != exact.prediction[i];
        }
        printf("%zu x %zu: largest relative confidence difference %.3g\n", rows, cols, worst);
        /* the polynomial's 1.8e-7 plus two float additions' 2 x 6e-8 */
        CHECK(worst < 3e-7);
        CHECK_EQ_INT(predictions_differ, 0);
        /* precise: the double-precision path, identical to float64 input */
        cascade_array a32 = array_f64(NULL, rows, cols);
        a32.dtype = CASCADE_DTYPE_F32;
        a32.data = z32;
        cascade_records_options precise = {.threads = 2, .precise = 1};
        cascade_records again;
        REQUIRE(cascade_records_compute_with(&a32, CASCADE_SCORES_LOGITS, NULL, "m", "m", &precise, &again, NULL) == CASCADE_OK);
        size_t differ = 0;
        for (size_t i = 0; i < rows; i++)
            differ += again.confidence[i] != exact.confidence[i];
        CHECK_EQ_INT(differ, 0);
        cascade_records_free(&again);
        cascade_records_free(&fast);
        cascade_records_free(&exact);
        free(z32);
        free(z64);
    }
}

TEST_CASE(vectorised_softmax_should_keep_the_digits_of_one_minus_a_confident_confidence)
{
    /* One class 12 above the rest: 1 - confidence ~ 1e-5..1e-10. Samples
     * of a strong model sit that close to 1, and their order decides the
     * thresholds, so 1 - confidence must keep its digits, not only the
     * confidence. */
    size_t shapes[3][2] = {{4000, 10}, {2000, 13}, {300, 1000}};
    for (int s = 0; s < 3; s++) {
        size_t rows = shapes[s][0], cols = shapes[s][1];
        float *z32;
        double *z64;
        cascade_records fast, exact;
        fast_and_exact(rows, cols, 9, 6, 12, &z32, &z64, &fast, &exact);
        double worst = 0;
        for (size_t i = 0; i < rows; i++) {
            double gap = 1 - exact.confidence[i];
            worst = fmax(worst, fabs((1 - fast.confidence[i]) - gap) / gap);
        }
        printf("%zu x %zu: largest relative difference in 1 - confidence %.3g\n", rows, cols, worst);
        CHECK(worst < 1e-5);
        cascade_records_free(&fast);
        cascade_records_free(&exact);
        free(z32);
        free(z64);
    }
}

TEST_CASE(vectorised_softmax_should_still_name_the_row_and_column_of_a_nan)
{
    /* 4 rows (one at a time) and 40 rows (eight at a time, then the rest),
     * a NaN or an Inf in the middle of a block of eight */
    size_t shapes[3][2] = {{4, 10}, {40, 10}, {40, 3}};
    size_t bad_row[3] = {3, 21, 34}, bad_column[3] = {7, 9, 0};
    float bad_value[3] = {NAN, INFINITY, -INFINITY};
    for (int s = 0; s < 3; s++) {
        size_t rows = shapes[s][0], cols = shapes[s][1];
        float *z = calloc(rows * cols, sizeof *z);
        z[bad_row[s] * cols + bad_column[s]] = bad_value[s];
        cascade_array a = array_f64(NULL, rows, cols);
        a.dtype = CASCADE_DTYPE_F32;
        a.data = z;
        cascade_records r;
        cascade_error error;
        CHECK(cascade_records_compute_with(&a, CASCADE_SCORES_LOGITS, NULL, "m", "m.npy", &two_threads, &r, &error) == CASCADE_ERR_VALUE);
        CHECK_EQ_INT(error.row, bad_row[s]);
        CHECK_EQ_INT(error.column, bad_column[s]);
        free(z);
    }
}

TEST_CASE(vectorised_softmax_should_pick_the_first_of_tied_classes)
{
    /* rows i of 5 classes: 1 at classes i % 5 and (i + 2) % 5, 0 elsewhere;
     * 19 rows, so eight at a time and one at a time both answer */
    enum { ROWS = 19, COLS = 5 };
    float z[ROWS * COLS] = {0};
    for (size_t i = 0; i < ROWS; i++) {
        z[i * COLS + i % COLS] = 1;
        z[i * COLS + (i + 2) % COLS] = 1;
    }
    cascade_array a = array_f64(NULL, ROWS, COLS);
    a.dtype = CASCADE_DTYPE_F32;
    a.data = z;
    cascade_records r;
    REQUIRE(cascade_records_compute_with(&a, CASCADE_SCORES_LOGITS, NULL, "m", "m", &two_threads, &r, NULL) == CASCADE_OK);
    double expected = exp(1.0) / (2 * exp(1.0) + 3);
    for (size_t i = 0; i < ROWS; i++) {
        size_t first = i % COLS < (i + 2) % COLS ? i % COLS : (i + 2) % COLS;
        CHECK_EQ_INT(r.prediction[i], first);
        CHECK_NEAR(r.confidence[i], expected, 1e-7);
    }
    cascade_records_free(&r);
}

TEST_CASE(vectorised_softmax_should_give_a_row_the_same_bits_wherever_its_call_begins_and_ends)
{
    /* Threads and streamed blocks split the rows anywhere: 2 to 16 classes
     * go eight rows at a time, and a row must not get other bits when it
     * falls in the last few rows of a call. */
    enum { ROWS = 61 };
    for (size_t classes = 2; classes <= 17; classes++) {
        float *z = malloc(ROWS * classes * sizeof *z);
        uint64_t seed = classes;
        for (size_t i = 0; i < ROWS * classes; i++)
            z[i] = (float)(10 * test_uniform(&seed) - 5);
        int32_t whole_prediction[ROWS], part_prediction[ROWS];
        double whole[ROWS], part[ROWS];
        REQUIRE(cascade_max_softmax_f32(z, classes, 0, ROWS, whole_prediction, whole) == -1);
        size_t differ = 0;
        for (size_t begin = 0; begin < 9; begin++)
            for (size_t end = begin + 1; end <= ROWS; end += 3) {
                REQUIRE(cascade_max_softmax_f32(z, classes, begin, end, part_prediction, part) == -1);
                for (size_t i = begin; i < end; i++)
                    differ += part[i] != whole[i] || part_prediction[i] != whole_prediction[i];
            }
        if (differ)
            fprintf(stderr, "%zu classes: %zu rows got other bits in a partial call\n", classes, differ);
        CHECK_EQ_INT(differ, 0);
        free(z);
    }
}

/* Row I of a test matrix of kind KIND: wide logits, small integers (ties),
 * one class far above the rest (the others' terms below e^-87), or logits
 * near zero of both signs (signed zeros among them). */
static float test_logit(int kind, size_t i, size_t j, size_t classes, uint64_t *seed)
{
    double u = test_uniform(seed);
    switch (kind) {
    case 0: return (float)(40 * u - 20);
    case 1: return (float)(int)(4 * u);
    case 2: return j == (i * 37) % classes ? 100.0f : (float)(10 * u);
    default: return u < 0.2 ? (u < 0.1 ? -0.0f : 0.0f) : (float)(2e-3 * u - 1e-3);
    }
}

/* Both kernels' answers for rows [0, ROWS): 1 when every bit agrees. */
static int kernels_agree(const float *z, size_t rows, size_t classes)
{
    int32_t p2[128], p512[128];
    double c2[128], c512[128];
    REQUIRE(rows <= 128);
    long long bad2 = cascade_max_softmax_f32_using(CASCADE_KERNEL_AVX2, z, classes, 0, rows, p2, c2);
    long long bad512 = cascade_max_softmax_f32_using(CASCADE_KERNEL_AVX512, z, classes, 0, rows, p512, c512);
    if (bad2 != bad512)
        return 0;
    size_t done = bad2 < 0 ? rows : (size_t)bad2;
    return memcmp(p2, p512, done * sizeof *p2) == 0 && memcmp(c2, c512, done * sizeof *c2) == 0;
}

TEST_CASE(avx512_softmax_should_give_every_row_the_bits_of_the_avx2_softmax)
{
    /* A front must not depend on whether the machine has AVX-512: every
     * class count from 2 to 70 (sixteen rows at a time up to 16, then the
     * blocks of 32 and what is left after them) and around 1000, the max
     * in every position of a block, ties, terms that underflow, signed
     * zeros, a NaN, and float16 rows. */
    if (cascade_softmax_best_kernel() < CASCADE_KERNEL_AVX512)
        SKIP("this CPU has no AVX-512, so there is nothing to compare the AVX2 kernel with");
    enum { ROWS = 67 }; /* four blocks of sixteen rows and three left */
    size_t counts[80], n_counts = 0;
    for (size_t c = 2; c <= 70; c++)
        counts[n_counts++] = c;
    size_t wide[] = {96, 127, 128, 129, 999, 1000, 1001, 1024};
    for (size_t k = 0; k < sizeof wide / sizeof *wide; k++)
        counts[n_counts++] = wide[k];
    size_t shapes_differ = 0;
    for (size_t k = 0; k < n_counts; k++) {
        size_t classes = counts[k];
        float *z = malloc(ROWS * classes * sizeof *z);
        uint16_t *h = malloc(ROWS * classes * sizeof *h);
        uint64_t seed = classes;
        for (int kind = 0; kind < 4; kind++) {
            for (size_t i = 0; i < ROWS; i++)
                for (size_t j = 0; j < classes; j++)
                    z[i * classes + j] = test_logit(kind, i, j, classes, &seed);
            if (!kernels_agree(z, ROWS, classes)) {
                fprintf(stderr, "%zu classes, kind %d: the kernels differ\n", classes, kind);
                shapes_differ++;
            }
        }
        z[40 * classes + classes / 2] = NAN;
        CHECK_EQ_INT(cascade_max_softmax_f32_using(CASCADE_KERNEL_AVX512, z, classes, 0, ROWS,
                                                   (int32_t[ROWS]){0}, (double[ROWS]){0}), 40);
        /* finite float16 bit patterns of every exponent */
        for (size_t i = 0; i < ROWS * classes; i++) {
            uint16_t bits = (uint16_t)(test_uniform(&seed) * 65536);
            h[i] = (bits & 0x7c00) == 0x7c00 ? (uint16_t)(bits & 0x83ff) : bits;
        }
        int32_t p2[ROWS], p512[ROWS];
        double c2[ROWS], c512[ROWS];
        REQUIRE(cascade_max_softmax_f16_using(CASCADE_KERNEL_AVX2, h, classes, 0, ROWS, p2, c2) == -1);
        REQUIRE(cascade_max_softmax_f16_using(CASCADE_KERNEL_AVX512, h, classes, 0, ROWS, p512, c512) == -1);
        if (memcmp(p2, p512, sizeof p2) || memcmp(c2, c512, sizeof c2)) {
            fprintf(stderr, "%zu classes, float16: the kernels differ\n", classes);
            shapes_differ++;
        }
        free(z);
        free(h);
    }
    CHECK_EQ_INT(shapes_differ, 0);
}

RUN_TESTS(CASE(vectorised_softmax_should_agree_with_double_precision_to_3e_7),
          CASE(avx512_softmax_should_give_every_row_the_bits_of_the_avx2_softmax),
          CASE(vectorised_softmax_should_give_a_row_the_same_bits_wherever_its_call_begins_and_ends),
          CASE(vectorised_softmax_should_pick_the_first_of_tied_classes),
          CASE(vectorised_softmax_should_keep_the_digits_of_one_minus_a_confident_confidence),
          CASE(vectorised_softmax_should_still_name_the_row_and_column_of_a_nan),
          CASE(max_softmax_should_equal_a_hand_computed_value),
          CASE(a_label_out_of_the_models_range_should_be_named_by_its_first_row),
          CASE(probabilities_should_be_renormalised_as_log_p_logits),
          CASE(nan_logits_should_name_the_model_row_and_column),
          CASE(negative_probabilities_should_be_refused_with_a_hint_about_logits),
          CASE(logits_that_look_like_probabilities_should_be_flagged),
          CASE(float16_and_float32_logits_should_give_the_same_records_as_float64),
          CASE(labels_should_load_from_npy_and_csv_and_refuse_negatives))
