/* Sharded and seeded sweeps: every shard's front together must be the
 * unsharded front, point for point, whatever the seed. */
#include "check.h"
#include "test_data.h"

#include <math.h>

#include "cascade/front.h"
#include "cascade/sweep.h"

/* The points of A and B that differ, after both are reduced. */
static size_t differing_points(cascade_front *a, cascade_front *b)
{
    cascade_front_reduce(a);
    cascade_front_reduce(b);
    size_t differ = a->count > b->count ? a->count - b->count : b->count - a->count;
    for (size_t i = 0; i < a->count && i < b->count; i++)
        differ += cascade_point_compare(&a->points[i], &b->points[i]) != 0;
    return differ;
}

/* The union of the fronts of SHARDS shards of OPTIONS' sweep of D, into
 * OUT, refined as the unsharded sweep refines (shards of 2+ do not); the chains
 * swept and the largest and mean estimated work go to the other outputs. */
static void sweep_in_shards(const cascade_dataset *d, cascade_sweep_options options,
                            unsigned shards, cascade_front *out, size_t *swept,
                            double *work_max, double *work_mean)
{
    *swept = 0;
    *work_max = *work_mean = 0;
    size_t assigned = 0, total = 0;
    for (unsigned s = 0; s < shards; s++) {
        options.shard_index = s;
        options.shard_count = shards;
        cascade_front part;
        cascade_front_init(&part);
        cascade_sweep_stats stats;
        REQUIRE(cascade_sweep(d, &options, &part, &stats, NULL) == CASCADE_OK);
        for (size_t i = 0; i < part.count; i++)
            REQUIRE(cascade_front_add(out, &part.points[i]) == CASCADE_OK);
        *swept += stats.chains_swept;
        assigned += stats.chains_assigned;
        total = stats.chains_total;
        *work_mean += stats.work_assigned / shards;
        if (stats.work_assigned > *work_max)
            *work_max = stats.work_assigned;
        cascade_front_free(&part);
    }
    CHECK_EQ_INT(assigned, total); /* every chain in exactly one shard (with the next check) */
    cascade_front_reduce(out);
    if (shards >= 2 && options.max_stages >= 3 && !options.no_refine) /* one refines itself */
        REQUIRE(cascade_sweep_refine(d, &options, out, NULL, NULL) == CASCADE_OK);
}

TEST_CASE(shards_should_cover_every_chain_once_and_merge_into_the_unsharded_front)
{
    cascade_dataset *d = test_dataset_random(12, 2000, 21);
    for (unsigned stages = 2; stages <= 4; stages++) {
        cascade_sweep_options options = {.max_stages = stages, .grid = 8, .threads = 2};
        cascade_front whole;
        cascade_front_init(&whole);
        cascade_sweep_stats stats;
        REQUIRE(cascade_sweep(d, &options, &whole, &stats, NULL) == CASCADE_OK);
        cascade_sweep_options every = options;
        every.no_skip = 1;
        cascade_sweep_stats all;
        cascade_front unused;
        cascade_front_init(&unused);
        REQUIRE(cascade_sweep(d, &every, &unused, &all, NULL) == CASCADE_OK);
        cascade_front_free(&unused);
        for (unsigned shards = 1; shards <= 9; shards++) {
            cascade_front merged, merged_every;
            cascade_front_init(&merged);
            cascade_front_init(&merged_every);
            size_t swept, swept_every;
            double work_max, work_mean;
            sweep_in_shards(d, options, shards, &merged, &swept, &work_max, &work_mean);
            sweep_in_shards(d, every, shards, &merged_every, &swept_every, &work_max, &work_mean);
            size_t differ = differing_points(&merged, &whole);
            printf("%u stages, %u shards: %zu chains swept (%zu unsharded), %zu of %zu front "
                   "points differ; estimated work max/mean %.3f\n", stages, shards, swept,
                   stats.chains_swept, differ, whole.count, work_max / work_mean);
            CHECK_EQ_INT(differ, 0);
            CHECK_EQ_INT(differing_points(&merged_every, &whole), 0);
            CHECK_EQ_INT(swept_every, all.chains_swept);
            /* a shard skips with less than the whole front to go on */
            CHECK(swept >= stats.chains_swept);
            cascade_front_free(&merged);
            cascade_front_free(&merged_every);
        }
        cascade_front_free(&whole);
    }
    cascade_dataset_free(d);
}

TEST_CASE(estimated_work_should_be_balanced_over_shards)
{
    cascade_dataset *d = test_dataset_random(16, 1000, 5);
    cascade_sweep_options options = {.max_stages = 3, .grid = 20, .threads = 1};
    for (unsigned shards = 2; shards <= 8; shards *= 2) {
        cascade_front merged;
        cascade_front_init(&merged);
        size_t swept;
        double work_max, work_mean;
        sweep_in_shards(d, options, shards, &merged, &swept, &work_max, &work_mean);
        printf("%u shards: estimated work max/mean %.4f\n", shards, work_max / work_mean);
        /* 120 pair groups and 105 prefix groups dealt largest first */
        CHECK(work_max / work_mean < 1.05);
        cascade_front_free(&merged);
    }
    cascade_dataset_free(d);
}

/* The smallest confidence of A at or above T: another threshold with the
 * same exits, as a front swept elsewhere may write it. */
static double same_exits_other_threshold(const cascade_dataset *d, unsigned a, double t)
{
    double lowest = INFINITY;
    for (size_t i = 0; i < d->samples; i++) {
        double c = d->models[a].records.confidence[i];
        if (c >= t && c < lowest)
            lowest = c;
    }
    return lowest;
}

TEST_CASE(a_seed_should_leave_the_front_unchanged_whatever_its_thresholds_and_claims)
{
    cascade_dataset *d = test_dataset_random(14, 2000, 8);
    cascade_sweep_options pairs_only = {.max_stages = 2, .threads = 2};
    cascade_front pairs;
    cascade_front_init(&pairs);
    REQUIRE(cascade_sweep(d, &pairs_only, &pairs, NULL, NULL) == CASCADE_OK);
    /* The seed: the pairs' front at other thresholds with the same exits,
     * with accuracies and costs that claim too much (they must be
     * recomputed), and points no pair sweep makes: a 3-stage point, a pair
     * against the cost order, a pair at a threshold nothing reaches. */
    cascade_front seed;
    cascade_front_init(&seed);
    size_t pairs_given = 0;
    for (size_t i = 0; i < pairs.count; i++) {
        cascade_point p = pairs.points[i];
        if (p.stages == 2) {
            p.threshold[0] = same_exits_other_threshold(d, p.model[0], p.threshold[0]);
            pairs_given++;
        }
        p.accuracy = 1;
        p.cost = 0;
        REQUIRE(cascade_front_add(&seed, &p) == CASCADE_OK);
    }
    cascade_point bogus = {.stages = 3, .model = {0, 5, 9}, .threshold = {0.5, 0.5}};
    REQUIRE(cascade_front_add(&seed, &bogus) == CASCADE_OK);
    bogus = (cascade_point){.stages = 2, .model = {9, 2}, .threshold = {0.5}};
    REQUIRE(cascade_front_add(&seed, &bogus) == CASCADE_OK);
    bogus = (cascade_point){.stages = 2, .model = {2, 9}, .threshold = {2.0}};
    REQUIRE(cascade_front_add(&seed, &bogus) == CASCADE_OK);
    cascade_sweep_options options = {.max_stages = 3, .grid = 12, .threads = 2};
    cascade_front whole, seeded;
    cascade_front_init(&whole);
    cascade_front_init(&seeded);
    cascade_sweep_stats plain, with_seed;
    REQUIRE(cascade_sweep(d, &options, &whole, &plain, NULL) == CASCADE_OK);
    options.seed = &seed;
    REQUIRE(cascade_sweep(d, &options, &seeded, &with_seed, NULL) == CASCADE_OK);
    CHECK_EQ_INT(with_seed.seed_used, pairs_given);
    CHECK_EQ_INT(with_seed.seed_ignored, 3);
    CHECK_EQ_INT(differing_points(&seeded, &whole), 0);
    for (unsigned shards = 2; shards <= 7; shards += 5) {
        cascade_front merged, merged_seeded;
        cascade_front_init(&merged);
        cascade_front_init(&merged_seeded);
        size_t swept, swept_seeded;
        double work_max, work_mean;
        options.seed = NULL;
        sweep_in_shards(d, options, shards, &merged, &swept, &work_max, &work_mean);
        options.seed = &seed;
        sweep_in_shards(d, options, shards, &merged_seeded, &swept_seeded, &work_max, &work_mean);
        printf("%u shards: %zu chains swept, %zu when seeded, %zu unsharded\n", shards, swept,
               swept_seeded, plain.chains_swept);
        CHECK_EQ_INT(differing_points(&merged_seeded, &whole), 0);
        CHECK(swept_seeded <= swept);
        cascade_front_free(&merged);
        cascade_front_free(&merged_seeded);
    }
    cascade_front_free(&whole);
    cascade_front_free(&seeded);
    cascade_front_free(&seed);
    cascade_front_free(&pairs);
    cascade_dataset_free(d);
}

TEST_CASE(sharding_every_point_or_a_bad_shard_should_be_refused)
{
    cascade_dataset *d = test_dataset_random(4, 100, 2);
    cascade_front front, all;
    cascade_front_init(&front);
    cascade_front_init(&all);
    cascade_error error;
    cascade_sweep_options options = {.shard_index = 0, .shard_count = 2, .all_points = &all};
    CHECK_EQ_INT(cascade_sweep(d, &options, &front, NULL, &error), CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(error.message, "cannot be sharded");
    options = (cascade_sweep_options){.shard_index = 2, .shard_count = 2};
    CHECK_EQ_INT(cascade_sweep(d, &options, &front, NULL, &error), CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(error.message, "shard 2 of 2");
    cascade_front_free(&front);
    cascade_front_free(&all);
    cascade_dataset_free(d);
}

RUN_TESTS(CASE(shards_should_cover_every_chain_once_and_merge_into_the_unsharded_front),
          CASE(estimated_work_should_be_balanced_over_shards),
          CASE(a_seed_should_leave_the_front_unchanged_whatever_its_thresholds_and_claims),
          CASE(sharding_every_point_or_a_bad_shard_should_be_refused))
