/* Fit / eval splits, index files and dataset views (cascade/split.h). */
#include "check.h"
#include "test_data.h"

#include "cascade/split.h"
#include "cascade/sweep.h"

/* Checks both parts are ascending, disjoint and together hold 0..k-1. */
static void check_partition(const cascade_split *s, size_t k)
{
    unsigned char *seen = calloc(k, 1);
    size_t covered = 0, repeated = 0;
    for (int part = 0; part < 2; part++) {
        const size_t *idx = part ? s->eval : s->fit;
        size_t n = part ? s->eval_count : s->fit_count;
        for (size_t j = 0; j < n; j++) {
            REQUIRE(idx[j] < k);
            if (j)
                CHECK(idx[j - 1] < idx[j]);
            repeated += seen[idx[j]];
            covered += !seen[idx[j]];
            seen[idx[j]] = 1;
        }
    }
    CHECK_EQ_INT(repeated, 0);
    CHECK_EQ_INT(covered, k);
    free(seen);
}

TEST_CASE(split_should_be_disjoint_and_cover_every_sample)
{
    size_t sizes[] = {2, 3, 10, 1001, 10000, 50000};
    double fractions[] = {0.1, 1.0 / 3.0, 0.5, 0.9};
    for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++)
        for (size_t b = 0; b < sizeof fractions / sizeof fractions[0]; b++) {
            size_t k = sizes[a];
            double wanted = floor(fractions[b] * (double)k + 0.5);
            if (wanted < 1 || wanted > (double)k - 1)
                continue;
            cascade_split s;
            REQUIRE(cascade_split_random(k, fractions[b], 42, &s, NULL) == CASCADE_OK);
            CHECK_EQ_INT(s.fit_count, (size_t)wanted);
            CHECK_EQ_INT(s.fit_count + s.eval_count, k);
            check_partition(&s, k);
            cascade_split_free(&s);
        }
}

/* The documented procedure, written again: splitmix64 from the seed, a
 * forward Fisher-Yates shuffle with unbiased draws, the first round(f k)
 * positions in fit. */
static uint64_t next64(uint64_t *x)
{
    *x += 0x9e3779b97f4a7c15ull;
    uint64_t z = *x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

TEST_CASE(split_should_follow_the_documented_seeded_shuffle)
{
    size_t k = 1000;
    uint64_t seed = 20230101;
    size_t perm[1000];
    for (size_t i = 0; i < k; i++)
        perm[i] = i;
    uint64_t x = seed;
    for (size_t i = 0; i + 1 < k; i++) {
        uint64_t bound = k - i, r;
        do /* reject the lowest 2^64 mod bound values */
            r = next64(&x);
        while (r < (uint64_t)(-bound) % bound);
        size_t j = i + (size_t)(r % bound), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    cascade_split s;
    REQUIRE(cascade_split_random(k, 0.3, seed, &s, NULL) == CASCADE_OK);
    REQUIRE(s.fit_count == 300);
    unsigned char in_fit[1000] = {0};
    for (size_t j = 0; j < 300; j++)
        in_fit[perm[j]] = 1;
    size_t agree = 0;
    for (size_t j = 0; j < s.fit_count; j++)
        agree += in_fit[s.fit[j]];
    CHECK_EQ_INT(agree, 300);
    cascade_split_free(&s);
}

TEST_CASE(split_should_depend_on_the_seed_alone)
{
    cascade_split a, b, c;
    REQUIRE(cascade_split_random(5000, 0.5, 7, &a, NULL) == CASCADE_OK);
    REQUIRE(cascade_split_random(5000, 0.5, 7, &b, NULL) == CASCADE_OK);
    REQUIRE(cascade_split_random(5000, 0.5, 8, &c, NULL) == CASCADE_OK);
    CHECK(memcmp(a.fit, b.fit, a.fit_count * sizeof *a.fit) == 0);
    size_t same = 0;
    for (size_t j = 0; j < a.fit_count; j++)
        same += a.fit[j] == c.fit[j];
    CHECK(same < a.fit_count / 10);
    /* About half of the first 1000 samples land in fit: not a block. */
    size_t low = 0;
    for (size_t j = 0; j < a.fit_count; j++)
        low += a.fit[j] < 1000;
    CHECK(low > 400 && low < 600);
    cascade_split_free(&a);
    cascade_split_free(&b);
    cascade_split_free(&c);
}

TEST_CASE(split_should_refuse_a_fraction_that_leaves_a_part_empty)
{
    cascade_split s;
    cascade_error error;
    CHECK_EQ_INT(cascade_split_random(10, 0.01, 1, &s, &error), CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(error.message, "expected at least one sample in each part");
    CHECK_EQ_INT(cascade_split_random(10, 0.99, 1, &s, &error), CASCADE_ERR_ARGUMENT);
    CHECK_EQ_INT(cascade_split_random(10, 1.0, 1, &s, &error), CASCADE_ERR_ARGUMENT);
    CHECK_EQ_INT(cascade_split_random(10, NAN, 1, &s, &error), CASCADE_ERR_ARGUMENT);
}

/* ---- index files ---- */

static const char *write_index(const char *dir, const char *name, const char *text)
{
    static char path[2][1024];
    static int next;
    next = !next;
    snprintf(path[next], sizeof path[0], "%s/%s", dir, name);
    FILE *f = fopen(path[next], "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    fclose(f);
    return path[next];
}

TEST_CASE(index_files_should_refuse_bad_rows_naming_the_file_and_line)
{
    char *dir = test_temp_dir();
    cascade_dataset *d = test_dataset_random(2, 10, 1);
    cascade_split s;
    cascade_error error;
    const char *fit = write_index(dir, "fit.txt", "0\n1\n10\n");
    CHECK_EQ_INT(cascade_split_load(d, fit, NULL, &s, &error), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.file, "fit.txt");
    CHECK_EQ_INT(error.row, 3);
    CHECK_STR_CONTAINS(error.message, "line 3: index 10 is out of range (expected 0 to 9");
    fit = write_index(dir, "fit.txt", "4\n2\n4\n");
    CHECK_EQ_INT(cascade_split_load(d, fit, NULL, &s, &error), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "line 3: index 4 repeats line 1");
    fit = write_index(dir, "fit.txt", "1\n-2\n");
    CHECK_EQ_INT(cascade_split_load(d, fit, NULL, &s, &error), CASCADE_ERR_FORMAT);
    CHECK_STR_CONTAINS(error.message, "line 2: \"-2\" is not a sample index");
    fit = write_index(dir, "fit.txt", "1\n\n2\n");
    CHECK_EQ_INT(cascade_split_load(d, fit, NULL, &s, &error), CASCADE_ERR_FORMAT);
    CHECK_EQ_INT(error.row, 2);
    fit = write_index(dir, "fit.txt", "1\n2\n3\n");
    const char *eval = write_index(dir, "eval.txt", "5\n3\n");
    CHECK_EQ_INT(cascade_split_load(d, fit, eval, &s, &error), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.file, "eval.txt");
    CHECK_STR_CONTAINS(error.message, "line 2: index 3 is also on line 3 of");
    CHECK_STR_CONTAINS(error.message, "fit.txt");
    /* Every sample in fit leaves eval empty. */
    fit = write_index(dir, "fit.txt", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n");
    CHECK_EQ_INT(cascade_split_load(d, fit, NULL, &s, &error), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "the eval part has no samples");
    cascade_dataset_free(d);
    test_remove_dir(dir);
    free(dir);
}

TEST_CASE(index_files_should_give_the_other_part_the_rest)
{
    char *dir = test_temp_dir();
    cascade_dataset *d = test_dataset_random(2, 10, 1);
    cascade_split s;
    cascade_error error;
    /* CRLF, spaces and no final newline are fine. */
    const char *fit = write_index(dir, "fit.txt", "7\r\n 2 \n5");
    REQUIRE(cascade_split_load(d, fit, NULL, &s, &error) == CASCADE_OK);
    CHECK_EQ_INT(s.fit_count, 3);
    CHECK(s.fit[0] == 2 && s.fit[1] == 5 && s.fit[2] == 7);
    CHECK_EQ_INT(s.eval_count, 7);
    check_partition(&s, 10);
    cascade_split_free(&s);
    const char *eval = write_index(dir, "eval.txt", "0\n9\n");
    REQUIRE(cascade_split_load(d, NULL, eval, &s, &error) == CASCADE_OK);
    CHECK_EQ_INT(s.fit_count, 8);
    CHECK(s.eval_count == 2 && s.eval[0] == 0 && s.eval[1] == 9);
    cascade_split_free(&s);
    /* Both given: exactly those, even when some samples are in neither. */
    REQUIRE(cascade_split_load(d, fit, eval, &s, &error) == CASCADE_OK);
    CHECK(s.fit_count == 3 && s.eval_count == 2);
    cascade_split_free(&s);
    cascade_dataset_free(d);
    test_remove_dir(dir);
    free(dir);
}

/* ---- views ---- */

TEST_CASE(eval_view_should_measure_fit_chosen_points_on_its_samples_only)
{
    size_t k = 3000;
    cascade_dataset *d = test_dataset_random(4, k, 99);
    cascade_split s;
    REQUIRE(cascade_split_random(k, 0.6, 5, &s, NULL) == CASCADE_OK);
    cascade_dataset *fit = NULL, *eval = NULL;
    REQUIRE(cascade_dataset_subset(d, s.fit, s.fit_count, &fit, NULL) == CASCADE_OK);
    REQUIRE(cascade_dataset_subset(d, s.eval, s.eval_count, &eval, NULL) == CASCADE_OK);
    CHECK_EQ_INT(fit->samples, s.fit_count);
    CHECK_EQ_INT(eval->samples, s.eval_count);
    for (size_t j = 0; j < eval->samples; j++) {
        CHECK(eval->models[2].records.confidence[j] == d->models[2].records.confidence[s.eval[j]]);
        CHECK_EQ_INT(eval->sample_row[j], s.eval[j]);
    }
    cascade_front front;
    cascade_front_init(&front);
    cascade_sweep_options options = {.max_stages = 3, .grid = 10};
    REQUIRE(cascade_sweep(fit, &options, &front, NULL, NULL) == CASCADE_OK);
    cascade_point *measured = malloc(front.count * sizeof *measured);
    REQUIRE(cascade_evaluate_points(eval, front.points, front.count, measured, NULL) == CASCADE_OK);
    /* Again by hand on the parent, over the eval indices. */
    double worst = 0;
    size_t differ = 0;
    for (size_t p = 0; p < front.count; p++) {
        const cascade_point *q = &front.points[p];
        size_t correct = 0;
        double cost = 0;
        for (size_t j = 0; j < s.eval_count; j++) {
            size_t i = s.eval[j];
            for (unsigned t = 0; t < q->stages; t++) {
                const cascade_model *m = &d->models[q->model[t]];
                cost += m->cost;
                if (t + 1 == q->stages || m->records.confidence[i] >= q->threshold[t]) {
                    correct += m->records.correct[i];
                    break;
                }
            }
        }
        CHECK_NEAR(measured[p].accuracy, (double)correct / (double)s.eval_count, 1e-15);
        worst = fmax(worst, fabs(measured[p].cost - cost / (double)s.eval_count));
        differ += measured[p].accuracy != q->accuracy;
    }
    printf("%zu front points; %zu have another accuracy on eval; cost difference <= %g\n",
           front.count, differ, worst);
    CHECK_NEAR(worst, 0, 1e-12);
    CHECK(differ > 0); /* eval is other samples: figures move */
    free(measured);
    cascade_front_free(&front);
    cascade_dataset_free(fit);
    cascade_dataset_free(eval);
    cascade_split_free(&s);
    cascade_dataset_free(d);
}

TEST_CASE(evaluating_points_by_pair_should_equal_the_reference_bit_for_bit)
{
    /* Coarse confidences (ties), 3-stage chains and singles mixed in. */
    cascade_dataset *d = test_dataset_random(4, 2500, 7);
    cascade_split s;
    REQUIRE(cascade_split_random(d->samples, 0.5, 2, &s, NULL) == CASCADE_OK);
    cascade_dataset *fit = NULL, *eval = NULL;
    REQUIRE(cascade_dataset_subset(d, s.fit, s.fit_count, &fit, NULL) == CASCADE_OK);
    REQUIRE(cascade_dataset_subset(d, s.eval, s.eval_count, &eval, NULL) == CASCADE_OK);
    cascade_front front;
    cascade_front_init(&front);
    cascade_sweep_options options = {.max_stages = 3, .grid = 10, .all_points = &front};
    cascade_front reduced;
    cascade_front_init(&reduced);
    REQUIRE(cascade_sweep(fit, &options, &reduced, NULL, NULL) == CASCADE_OK);
    cascade_point *want = malloc(front.count * sizeof *want), *got = malloc(front.count * sizeof *got);
    REQUIRE(cascade_evaluate_points(eval, front.points, front.count, want, NULL) == CASCADE_OK);
    REQUIRE(cascade_evaluate_points_by_pair(eval, front.points, front.count, got, NULL) ==
            CASCADE_OK);
    size_t differ = 0, pairs = 0;
    for (size_t i = 0; i < front.count; i++) {
        differ += memcmp(&want[i], &got[i], sizeof want[i]) != 0;
        pairs += front.points[i].stages == 2;
    }
    printf("%zu points (%zu of two stages): %zu differ\n", front.count, pairs, differ);
    CHECK_EQ_INT(differ, 0);
    CHECK(pairs > 100);
    free(want);
    free(got);
    cascade_front_free(&front);
    cascade_front_free(&reduced);
    cascade_dataset_free(fit);
    cascade_dataset_free(eval);
    cascade_split_free(&s);
    cascade_dataset_free(d);
}

RUN_TESTS(CASE(evaluating_points_by_pair_should_equal_the_reference_bit_for_bit),
          CASE(split_should_be_disjoint_and_cover_every_sample),
          CASE(split_should_follow_the_documented_seeded_shuffle),
          CASE(split_should_depend_on_the_seed_alone),
          CASE(split_should_refuse_a_fraction_that_leaves_a_part_empty),
          CASE(index_files_should_refuse_bad_rows_naming_the_file_and_line),
          CASE(index_files_should_give_the_other_part_the_rest),
          CASE(eval_view_should_measure_fit_chosen_points_on_its_samples_only))
