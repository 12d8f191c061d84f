/* The Pareto front: dominance, duplicates, order independence. */
#include "check.h"

#include "cascade/front.h"

static cascade_point point(double cost, double accuracy, unsigned stages, unsigned first)
{
    cascade_point p;
    memset(&p, 0, sizeof p);
    p.cost = cost;
    p.accuracy = accuracy;
    p.stages = stages;
    p.model[0] = first;
    p.model[1] = first + 1;
    return p;
}

TEST_CASE(front_should_keep_only_points_no_other_point_dominates)
{
    cascade_front f;
    cascade_front_init(&f);
    cascade_point in[] = {point(1, 0.5, 1, 0), point(2, 0.7, 1, 1), point(2, 0.6, 2, 0),
                          point(3, 0.7, 1, 2), point(4, 0.9, 1, 3), point(0.5, 0.4, 1, 4)};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        REQUIRE(cascade_front_add(&f, &in[i]) == CASCADE_OK);
    cascade_front_reduce(&f);
    REQUIRE(f.count == 4);
    CHECK_NEAR(f.points[0].cost, 0.5, 0);
    CHECK_NEAR(f.points[1].cost, 1, 0);
    CHECK_NEAR(f.points[2].cost, 2, 0);
    CHECK_NEAR(f.points[2].accuracy, 0.7, 0);
    CHECK_NEAR(f.points[3].cost, 4, 0);
    cascade_front_free(&f);
}

TEST_CASE(identical_points_should_appear_once_preferring_fewer_stages)
{
    cascade_front f;
    cascade_front_init(&f);
    cascade_point chain = point(1, 0.5, 2, 0), single = point(1, 0.5, 1, 3);
    REQUIRE(cascade_front_add(&f, &chain) == CASCADE_OK);
    REQUIRE(cascade_front_add(&f, &single) == CASCADE_OK);
    cascade_front_reduce(&f);
    REQUIRE(f.count == 1);
    CHECK_EQ_INT(f.points[0].stages, 1);
    CHECK_EQ_INT(f.points[0].model[0], 3);
    cascade_front_free(&f);
}

TEST_CASE(reducing_in_parts_should_equal_reducing_once)
{
    cascade_front once, parts;
    cascade_front_init(&once);
    cascade_front_init(&parts);
    uint64_t state = 1;
    for (int i = 0; i < 2000; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        cascade_point p = point((double)(state >> 40 & 1023), (double)(state >> 20 & 255) / 255.0,
                                1 + (unsigned)(state & 1), (unsigned)(state >> 60));
        REQUIRE(cascade_front_add(&once, &p) == CASCADE_OK);
        REQUIRE(cascade_front_add(&parts, &p) == CASCADE_OK);
        if (i % 300 == 0)
            cascade_front_reduce(&parts);
    }
    cascade_front_reduce(&once);
    cascade_front_reduce(&parts);
    CHECK_EQ_INT(once.count, parts.count);
    size_t differ = 0;
    for (size_t i = 0; i < once.count && i < parts.count; i++)
        differ += cascade_point_compare(&once.points[i], &parts.points[i]) != 0;
    CHECK_EQ_INT(differ, 0);
    for (size_t i = 1; i < once.count; i++)
        CHECK(once.points[i].cost > once.points[i - 1].cost &&
              once.points[i].accuracy > once.points[i - 1].accuracy);
    cascade_front_free(&once);
    cascade_front_free(&parts);
}

TEST_CASE(reducing_a_tail_onto_a_reduced_front_should_equal_reducing_everything)
{
    /* Many equal costs (ties go to accuracy, then the whole point), and both
     * zeros, across a reduced front and the points added after it. */
    cascade_front once, tail;
    cascade_front_init(&once);
    cascade_front_init(&tail);
    uint64_t state = 5;
    size_t reduced = 0;
    for (int i = 0; i < 5000; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        double cost = (double)(state >> 40 & 63) - 8;
        if (cost == 0 && (state >> 12 & 1))
            cost = -0.0;
        cascade_point p = point(cost, (double)(state >> 20 & 255) / 255.0,
                                1 + (unsigned)(state & 1), (unsigned)(state >> 60));
        REQUIRE(cascade_front_add(&once, &p) == CASCADE_OK);
        REQUIRE(cascade_front_add(&tail, &p) == CASCADE_OK);
        if (i % 700 == 699) {
            cascade_front_reduce_tail(&tail, reduced);
            reduced = tail.count;
        }
    }
    cascade_front_reduce(&once);
    cascade_front_reduce_tail(&tail, reduced);
    CHECK_EQ_INT(once.count, tail.count);
    size_t differ = 0;
    for (size_t i = 0; i < once.count && i < tail.count; i++)
        differ += cascade_point_compare(&once.points[i], &tail.points[i]) != 0;
    CHECK_EQ_INT(differ, 0);
    cascade_front_free(&once);
    cascade_front_free(&tail);
}

TEST_CASE(best_accuracy_should_look_up_the_step_function)
{
    cascade_front f;
    cascade_front_init(&f);
    cascade_point a = point(1, 0.5, 1, 0), b = point(3, 0.8, 1, 1);
    cascade_front_add(&f, &a);
    cascade_front_add(&f, &b);
    cascade_front_reduce(&f);
    CHECK_NEAR(cascade_front_best_accuracy(&f, 0.5), -1, 0);
    CHECK_NEAR(cascade_front_best_accuracy(&f, 1), 0.5, 0);
    CHECK_NEAR(cascade_front_best_accuracy(&f, 2.9), 0.5, 0);
    CHECK_NEAR(cascade_front_best_accuracy(&f, 10), 0.8, 0);
    cascade_front_free(&f);
}

RUN_TESTS(CASE(front_should_keep_only_points_no_other_point_dominates),
          CASE(identical_points_should_appear_once_preferring_fewer_stages),
          CASE(reducing_in_parts_should_equal_reducing_once),
          CASE(reducing_a_tail_onto_a_reduced_front_should_equal_reducing_everything),
          CASE(best_accuracy_should_look_up_the_step_function))
