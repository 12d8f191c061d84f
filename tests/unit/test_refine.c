/* Refinement of chains of 3+ stages, against an exhaustive search written
 * here: every 3-stage chain at every pair of distinct thresholds, walked
 * sample by sample without tables or grids. */
#include "check.h"
#include "test_data.h"

#include "cascade/front.h"
#include "cascade/sweep.h"

/* ---- the exhaustive 3-stage front: (cost, right answers) pairs ---- */

typedef struct exact_point {
    double cost;
    size_t right;
} exact_point;

/* The cheapest cost seen for each count of right answers; the front is
 * read from it at the end (exact_reduce). */
typedef struct exact_list {
    exact_point *p;      /* [n] the front, after exact_reduce */
    size_t n;
    double *cheapest;    /* [samples + 1] */
    size_t samples;
} exact_list;

static exact_list exact_new(size_t samples)
{
    exact_list l = {NULL, 0, malloc((samples + 1) * sizeof *l.cheapest), samples};
    for (size_t r = 0; r <= samples; r++)
        l.cheapest[r] = INFINITY;
    return l;
}

static void exact_push(exact_list *l, double cost, size_t right)
{
    if (cost < l->cheapest[right])
        l->cheapest[right] = cost;
}

/* The points no other beats (cost <=, right >=, one strict), cost ascending. */
static void exact_reduce(exact_list *l)
{
    l->p = malloc((l->samples + 1) * sizeof *l->p);
    l->n = 0;
    double below = INFINITY; /* the cheapest cost of more right answers */
    for (size_t r = l->samples + 1; r-- > 0;)
        if (l->cheapest[r] < below) {
            below = l->cheapest[r];
            l->p[l->n].cost = below;
            l->p[l->n].right = r;
            l->n++;
        }
    for (size_t i = 0; i < l->n / 2; i++) {
        exact_point swap = l->p[i];
        l->p[i] = l->p[l->n - 1 - i];
        l->p[l->n - 1 - i] = swap;
    }
}

static void exact_free(exact_list *l)
{
    free(l->p);
    free(l->cheapest);
}

static const double *sort_confidence; /* qsort has no context */
static int by_confidence_descending(const void *pa, const void *pb)
{
    double a = sort_confidence[*(const size_t *)pa], b = sort_confidence[*(const size_t *)pb];
    return (a < b) - (a > b);
}

static size_t *descending_order(const cascade_records *r)
{
    size_t *order = malloc(r->samples * sizeof *order);
    for (size_t i = 0; i < r->samples; i++)
        order[i] = i;
    sort_confidence = r->confidence;
    qsort(order, r->samples, sizeof *order, by_confidence_descending);
    return order;
}

/* Every (t_a, t_b) of the chain a > b > c, each either above every
 * confidence (nothing exits) or one of the stage's distinct confidences:
 * the top samples of a's order exit at a, a whole run of equal confidence at
 * a time; for each, b's order is walked over the samples still there. */
static void exhaustive_chain(const cascade_dataset *d, unsigned a, unsigned b, unsigned c,
                             exact_list *out)
{
    size_t k = d->samples;
    const cascade_records *ra = &d->models[a].records, *rb = &d->models[b].records,
                          *rc = &d->models[c].records;
    double ca = d->models[a].cost, cb = d->models[b].cost, cc = d->models[c].cost;
    size_t *oa = descending_order(ra), *ob = descending_order(rb);
    /* b's order with what the walk reads of each sample, so that it runs
     * through memory in order: its level, its place in a's order (it has
     * exited at a when that is below the count exited), its right answers */
    size_t *rank_a = malloc(k * sizeof *rank_a), *a_place = malloc(k * sizeof *a_place);
    double *level_b = malloc(k * sizeof *level_b);
    unsigned char *right_b_at = malloc(k), *right_c_at = malloc(k);
    for (size_t pos = 0; pos < k; pos++)
        rank_a[oa[pos]] = pos;
    for (size_t q = 0; q < k; q++) {
        a_place[q] = rank_a[ob[q]];
        level_b[q] = rb->confidence[ob[q]];
        right_b_at[q] = rb->correct[ob[q]];
        right_c_at[q] = rc->correct[ob[q]];
    }
    size_t right_a = 0, right_c_left = 0, exited_a = 0;
    for (size_t i = 0; i < k; i++)
        right_c_left += rc->correct[i];
    for (size_t pos = 0;;) {
        /* the top exited_a of a's order answer at a; walk b's thresholds on the rest */
        size_t at_b = 0, right_b = 0, right_c_at_b = 0;
        exact_push(out, (ca * (double)k + (cb + cc) * (double)(k - exited_a)) / (double)k,
                   right_a + right_c_left);
        for (size_t q = 0; q < k;) {
            double level = level_b[q];
            for (; q < k && level_b[q] == level; q++) {
                if (a_place[q] < exited_a)
                    continue;
                at_b++;
                right_b += right_b_at[q];
                right_c_at_b += right_c_at[q];
            }
            double cost = (ca * (double)k + cb * (double)(k - exited_a) +
                           cc * (double)(k - exited_a - at_b)) / (double)k;
            exact_push(out, cost, right_a + right_b + right_c_left - right_c_at_b);
        }
        if (pos == k)
            break;
        double level = ra->confidence[oa[pos]];
        for (; pos < k && ra->confidence[oa[pos]] == level; pos++) {
            size_t i = oa[pos];
            exited_a++;
            right_a += ra->correct[i];
            right_c_left -= rc->correct[i];
        }
    }
    free(rank_a);
    free(a_place);
    free(level_b);
    free(right_b_at);
    free(right_c_at);
    free(oa);
    free(ob);
}

static exact_list exhaustive_front(const cascade_dataset *d)
{
    exact_list l = exact_new(d->samples);
    unsigned m = (unsigned)d->model_count;
    size_t chains = 0;
    for (unsigned a = 0; a < m; a++)
        for (unsigned b = 0; b < m; b++)
            for (unsigned c = 0; c < m; c++)
                if (d->models[a].cost < d->models[b].cost &&
                    d->models[b].cost < d->models[c].cost) {
                    exhaustive_chain(d, a, b, c, &l);
                    chains++;
                }
    exact_reduce(&l);
    printf("exhaustive search: %zu chains of 3 stages, %zu front points\n", chains, l.n);
    return l;
}

/* The most right answers FRONT (reduced) reaches at a cost <= COST. */
static double best_right_within(const cascade_front *front, double cost, size_t samples)
{
    double best = -1;
    for (size_t i = 0; i < front->count; i++)
        if (front->points[i].cost <= cost * (1 + 1e-12) && front->points[i].accuracy > best)
            best = front->points[i].accuracy;
    return best * (double)samples;
}

/* The most right answers by which FRONT falls short of an exhaustive point
 * at equal or lower cost. */
static double largest_shortfall(const cascade_front *front, const exact_list *exact,
                                size_t samples, const char *what)
{
    double worst = 0, worst_cost = 0;
    for (size_t i = 0; i < exact->n; i++) {
        double shortfall = (double)exact->p[i].right -
                           best_right_within(front, exact->p[i].cost, samples);
        if (shortfall > worst) {
            worst = shortfall;
            worst_cost = exact->p[i].cost;
        }
    }
    printf("%s: largest shortfall against the exhaustive front %.0f samples (at cost %.6g), "
           "%zu front points\n", what, worst, worst_cost, front->count);
    return worst;
}

static void sweep_front(const cascade_dataset *d, int refine, unsigned threads,
                        cascade_front *front, cascade_sweep_stats *stats)
{
    cascade_sweep_options options = {.max_stages = 3, .no_refine = !refine, .threads = threads};
    cascade_front_init(front);
    REQUIRE(cascade_sweep(d, &options, front, stats, NULL) == CASCADE_OK);
}

/* Random two-class data with about a thousand distinct confidences per
 * model, many of them shared by several samples. */
static cascade_dataset *random_with_ties(size_t models, size_t samples, uint64_t seed)
{
    cascade_dataset *d = test_dataset_new(models, samples);
    uint64_t state = seed;
    for (size_t m = 0; m < models; m++) {
        double skill = 0.55 + 0.35 * (double)(m + 1) / (double)models;
        cascade_records *r = &d->models[m].records;
        d->models[m].cost = (double)(m + 1) * (double)(m + 1) * (1 + 0.2 * test_uniform(&state));
        for (size_t i = 0; i < samples; i++) {
            double signal = test_uniform(&state);
            r->correct[i] = signal < skill;
            double c = r->correct[i] ? 0.35 + 0.65 * test_uniform(&state)
                                     : 0.8 * test_uniform(&state);
            r->confidence[i] = 0.5 + 0.5 * floor(c * 1000) / 1000;
        }
    }
    test_dataset_finish(d);
    return d;
}

/* The most right answers by which D's refined front falls short of its
 * exhaustive front at equal or lower cost. */
static double refined_shortfall(cascade_dataset *d, const char *name)
{
    exact_list exact = exhaustive_front(d);
    cascade_front refined;
    cascade_sweep_stats stats;
    sweep_front(d, 1, 0, &refined, &stats);
    printf("%s: %zu refinement rounds added %zu front points\n", name, stats.refine_rounds,
           stats.refine_added);
    double shortfall = largest_shortfall(&refined, &exact, d->samples, name);
    cascade_front_free(&refined);
    exact_free(&exact);
    return shortfall;
}

static void check_refined_reaches_exhaustive(cascade_dataset *d, const char *name)
{
    CHECK(refined_shortfall(d, name) <= 2);
}

/* Refinement is a local search around the front's points, so it can miss
 * an exhaustive point that no grid point near the front leads to: on these
 * 100 random sets (80 of 3 models, 20 of 4) it comes within 2 samples on
 * 97 and within 3 on all. The test holds it to at most 6 of 100 beyond 2
 * samples and none beyond 3. */
TEST_CASE(refined_front_should_reach_the_exhaustive_front_within_two_samples_on_nearly_all_random_sets)
{
    size_t beyond_two = 0, beyond_three = 0, sets = 0;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        int four = seed > 80;
        cascade_dataset *d = random_with_ties(four ? 4 : 3, four ? 4000 : 3000, seed);
        double shortfall = refined_shortfall(d, four ? "4 models x 4000 samples"
                                                     : "3 models x 3000 samples");
        beyond_two += shortfall > 2;
        beyond_three += shortfall > 3;
        sets++;
        cascade_dataset_free(d);
    }
    printf("%zu of %zu random sets beyond 2 samples, %zu beyond 3\n", beyond_two, sets,
           beyond_three);
    CHECK(beyond_two <= 6);
    CHECK_EQ_INT(beyond_three, 0);
}

TEST_CASE(refined_front_should_reach_the_exhaustive_front_within_two_samples_on_cifar10)
{
    cascade_dataset *d = test_load_cifar10();
    check_refined_reaches_exhaustive(d, "cifar10, 3 models x 10000 samples");
    cascade_dataset_free(d);
}

/* The check above can fail: the grid alone misses exhaustive points by
 * more than two samples on the same kind of data. */
TEST_CASE(unrefined_grid_front_should_fall_short_of_the_exhaustive_front)
{
    cascade_dataset *d = random_with_ties(4, 4000, 11);
    exact_list exact = exhaustive_front(d);
    cascade_front grid;
    sweep_front(d, 0, 0, &grid, NULL);
    CHECK(largest_shortfall(&grid, &exact, d->samples, "grid alone") > 2);
    cascade_front_free(&grid);
    exact_free(&exact);
    cascade_dataset_free(d);
}

TEST_CASE(refined_front_should_weakly_dominate_the_grid_front_and_reevaluate_exactly)
{
    cascade_dataset *d = random_with_ties(4, 4000, 12);
    cascade_front grid, refined;
    sweep_front(d, 0, 0, &grid, NULL);
    sweep_front(d, 1, 0, &refined, NULL);
    double worst_drop = 0;
    for (size_t i = 0; i < grid.count; i++) {
        double drop = grid.points[i].accuracy -
                      best_right_within(&refined, grid.points[i].cost, 1);
        worst_drop = drop > worst_drop ? drop : worst_drop;
    }
    printf("refined below the grid front by at most %.3g (of %zu grid points)\n", worst_drop,
           grid.count);
    CHECK(worst_drop <= 0);
    size_t longer = 0, mismatches = 0;
    double worst_accuracy = 0, worst_cost = 0, worst_answered = 0;
    for (size_t i = 0; i < refined.count; i++) {
        const cascade_point *p = &refined.points[i];
        cascade_point again;
        REQUIRE(cascade_evaluate(d, p->stages, p->model, p->threshold, &again, NULL) ==
                CASCADE_OK);
        longer += p->stages >= 3;
        double da = fabs(again.accuracy - p->accuracy), dc = fabs(again.cost - p->cost);
        worst_accuracy = da > worst_accuracy ? da : worst_accuracy;
        worst_cost = dc > worst_cost ? dc : worst_cost;
        for (unsigned s = 0; s < p->stages; s++) {
            double dn = fabs(again.answered[s] - p->answered[s]);
            worst_answered = dn > worst_answered ? dn : worst_answered;
        }
        mismatches += da != 0 || dc != 0;
    }
    printf("%zu refined points (%zu of 3+ stages) evaluated again: largest differences "
           "accuracy %.3g, cost %.3g, answered %.3g\n", refined.count, longer, worst_accuracy,
           worst_cost, worst_answered);
    CHECK(longer > 0);
    CHECK_EQ_INT(mismatches, 0);
    CHECK(worst_answered == 0);
    cascade_front_free(&grid);
    cascade_front_free(&refined);
    cascade_dataset_free(d);
}

static size_t differing_points(const cascade_front *a, const cascade_front *b)
{
    size_t differ = a->count > b->count ? a->count - b->count : b->count - a->count;
    for (size_t i = 0; i < a->count && i < b->count; i++)
        differ += cascade_point_compare(&a->points[i], &b->points[i]) != 0;
    return differ;
}

/* Threads, skipping and sharding change the work, never the refined front:
 * shards do not refine, and refining their merged front gives it too. */
TEST_CASE(refined_front_should_not_depend_on_threads_skipping_or_shards)
{
    cascade_dataset *d = random_with_ties(5, 3000, 21);
    cascade_front one, other;
    sweep_front(d, 1, 1, &one, NULL);
    size_t differ = 0;
    for (unsigned threads = 2; threads <= 3; threads++) {
        sweep_front(d, 1, threads, &other, NULL);
        differ += differing_points(&one, &other);
        cascade_front_free(&other);
    }
    cascade_sweep_options options = {.max_stages = 3, .no_skip = 1};
    cascade_front_init(&other);
    REQUIRE(cascade_sweep(d, &options, &other, NULL, NULL) == CASCADE_OK);
    differ += differing_points(&one, &other);
    cascade_front_free(&other);
    cascade_front merged;
    cascade_front_init(&merged);
    for (unsigned shard = 0; shard < 3; shard++) {
        cascade_sweep_options sharded = {.max_stages = 3, .shard_index = shard, .shard_count = 3};
        cascade_front part;
        cascade_front_init(&part);
        REQUIRE(cascade_sweep(d, &sharded, &part, NULL, NULL) == CASCADE_OK);
        for (size_t i = 0; i < part.count; i++)
            REQUIRE(cascade_front_add(&merged, &part.points[i]) == CASCADE_OK);
        cascade_front_free(&part);
    }
    cascade_front_reduce(&merged);
    cascade_sweep_stats stats = {0};
    REQUIRE(cascade_sweep_refine(d, NULL, &merged, &stats, NULL) == CASCADE_OK);
    differ += differing_points(&one, &merged);
    printf("%zu front points; %zu differ across threads, --no-skip and 3 shards refined after "
           "the merge (which added %zu)\n", one.count, differ, stats.refine_added);
    CHECK(stats.refine_added > 0);
    CHECK_EQ_INT(differ, 0);
    cascade_front_free(&merged);
    cascade_front_free(&one);
    cascade_dataset_free(d);
}

RUN_TESTS(CASE(refined_front_should_reach_the_exhaustive_front_within_two_samples_on_nearly_all_random_sets),
          CASE(refined_front_should_reach_the_exhaustive_front_within_two_samples_on_cifar10),
          CASE(unrefined_grid_front_should_fall_short_of_the_exhaustive_front),
          CASE(refined_front_should_weakly_dominate_the_grid_front_and_reevaluate_exactly),
          CASE(refined_front_should_not_depend_on_threads_skipping_or_shards))
