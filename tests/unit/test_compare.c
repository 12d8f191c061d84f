/* Front summaries: the area over log cost and the reference model, by hand. */
#include "check.h"
#include "test_data.h"

#include "cascade/compare.h"
#include "cascade/front.h"
#include "cascade/sweep.h"

static void add(cascade_front *front, double cost, double accuracy)
{
    cascade_point p;
    memset(&p, 0, sizeof p);
    p.stages = 1;
    p.cost = cost;
    p.accuracy = accuracy;
    REQUIRE(cascade_front_add(front, &p) == CASCADE_OK);
}

TEST_CASE(front_area_should_match_a_hand_computation)
{
    cascade_front front;
    cascade_front_init(&front);
    add(&front, 1, 0.5);
    add(&front, 10, 0.8);
    add(&front, 100, 0.9);
    add(&front, 1000, 1.0); /* beyond the costliest single model: ignored */
    cascade_front_reduce(&front);
    /* log10 cost 0..1 at 0.5, 1..2 at 0.8: (0.5 + 0.8) / 2 */
    CHECK_NEAR(cascade_front_area(&front, 1, 100), 0.65, 1e-15);
    /* from cost 3.16 (log 0.5): 0.5 over 0.5, 0.8 over 1, of width 1.5 */
    CHECK_NEAR(cascade_front_area(&front, sqrt(10.0), 100), (0.25 + 0.8) / 1.5, 1e-15);
    /* nothing affordable below cost 1: accuracy 0 from 0.1 to 1 */
    CHECK_NEAR(cascade_front_area(&front, 0.1, 10), (0 + 0.5) / 2, 1e-15);
    /* one cost: the accuracy there */
    CHECK_NEAR(cascade_front_area(&front, 10, 10), 0.8, 0);
    CHECK(isnan(cascade_front_area(&front, 0, 10)));
    cascade_front_free(&front);
}

TEST_CASE(summary_should_name_the_cheapest_of_the_most_accurate_single_models)
{
    /* m0 is right on samples 0-4, m1 on all but 0 and 9, m2 on all but 0
     * and 8: m1 and m2 tie at 8 of 10 and m1 is cheaper. */
    cascade_dataset *d = test_dataset_new(3, 10);
    double costs[3] = {1, 4, 9};
    for (int m = 0; m < 3; m++) {
        d->models[m].cost = costs[m];
        for (int i = 0; i < 10; i++) {
            d->models[m].records.correct[i] = (uint8_t)(m == 0 ? i < 5 : i != 9 - m + 1 && i != 0);
            d->models[m].records.confidence[i] = 0.5 + 0.04 * i;
        }
    }
    test_dataset_finish(d);
    CHECK_EQ_INT(d->models[1].records.correct_count, 8);
    CHECK_EQ_INT(d->models[2].records.correct_count, 8);
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(d, NULL, &front, NULL, NULL) == CASCADE_OK);
    cascade_front_summary s;
    REQUIRE(cascade_front_summarise(d, NULL, &front, &s, NULL) == CASCADE_OK);
    CHECK_EQ_INT(s.reference_model, 1);
    CHECK_NEAR(s.reference_cost, 4, 0);
    CHECK_NEAR(s.reference_accuracy, 0.8, 0);
    CHECK_NEAR(s.cost_low, 1, 0);
    CHECK_NEAR(s.cost_high, 9, 0);
    CHECK_EQ_INT(s.points, front.count);
    /* The best point at cost <= 4 and the cheapest reaching 0.8, by a scan. */
    double best = -1, cheapest = INFINITY;
    for (size_t i = 0; i < front.count; i++) {
        if (front.points[i].cost <= 4)
            best = fmax(best, front.points[i].accuracy);
        if (front.points[i].accuracy >= 0.8)
            cheapest = fmin(cheapest, front.points[i].cost);
    }
    CHECK_NEAR(s.best_accuracy_at_reference_cost, best, 0);
    CHECK_NEAR(s.cost_at_reference_accuracy, cheapest, 0);
    CHECK_NEAR(s.area, cascade_front_area(&front, 1, 9), 0);
    /* Only m0 and m2: m2 is the reference. */
    unsigned char mask[3] = {1, 0, 1};
    REQUIRE(cascade_front_summarise(d, mask, &front, &s, NULL) == CASCADE_OK);
    CHECK_EQ_INT(s.reference_model, 2);
    d->models[0].cost = 0;
    cascade_error error;
    CHECK(cascade_front_summarise(d, NULL, &front, &s, &error) == CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "costs > 0");
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

RUN_TESTS(CASE(front_area_should_match_a_hand_computation),
          CASE(summary_should_name_the_cheapest_of_the_most_accurate_single_models))
