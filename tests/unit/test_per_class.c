/* Per-class policies against brute force over every combination of
 * per-class rules, written here independently of the library. */
#include "check.h"
#include "test_data.h"

#include "cascade/per_class.h"
#include "cascade/sweep.h"

/* A small random dataset: MODELS models, CLASSES classes, predictions
 * spread unevenly over the classes, confidences on a coarse grid (ties). */
static cascade_dataset *small_dataset(size_t models, size_t classes, size_t samples,
                                      uint64_t seed)
{
    cascade_dataset *d = test_dataset_random(models, samples, seed);
    uint64_t state = seed * 7 + 1;
    d->classes = classes;
    for (size_t m = 0; m < models; m++) {
        cascade_records *r = &d->models[m].records;
        r->classes = classes;
        for (size_t i = 0; i < samples; i++) {
            double u = test_uniform(&state);
            r->prediction[i] = (int32_t)(u * u * (double)classes);
            r->confidence[i] = (double)(int)(r->confidence[i] * 8) / 8.0;
        }
    }
    test_dataset_finish(d);
    return d;
}

typedef struct brute_point {
    double cost, accuracy;
} brute_point;

typedef struct brute_list {
    brute_point *p;
    size_t n, cap;
} brute_list;

static void brute_push(brute_list *l, double cost, double accuracy)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 4096;
        l->p = realloc(l->p, l->cap * sizeof *l->p);
    }
    l->p[l->n++] = (brute_point){cost, accuracy};
}

/* One rule choice per group: escalate to SECOND[g] (-1: never) below T[g]. */
static void brute_evaluate(const cascade_dataset *d, unsigned a, const int *group_of_class,
                           const int *second, const double *t, brute_list *out)
{
    const cascade_records *r = &d->models[a].records;
    size_t correct = 0;
    double cost = 0;
    for (size_t i = 0; i < d->samples; i++) {
        int g = group_of_class[r->prediction[i]];
        cost += d->models[a].cost;
        if (second[g] >= 0 && r->confidence[i] < t[g]) {
            cost += d->models[second[g]].cost;
            correct += d->models[second[g]].records.correct[i];
        } else {
            correct += r->correct[i];
        }
    }
    brute_push(out, cost / (double)d->samples, (double)correct / (double)d->samples);
}

/* Every policy of first model A with second models SECONDS: each group
 * takes "never", or a second model with a threshold at one of the group's
 * confidences or above them all. */
static void brute_first(const cascade_dataset *d, unsigned a, const unsigned *seconds,
                        size_t second_count, size_t min_samples, brute_list *out)
{
    const cascade_records *r = &d->models[a].records;
    size_t classes = d->classes;
    int *group_of_class = malloc(classes * sizeof *group_of_class);
    size_t *count = calloc(classes, sizeof *count);
    for (size_t i = 0; i < d->samples; i++)
        count[r->prediction[i]]++;
    int groups = 0;
    for (size_t c = 0; c < classes; c++)
        if (count[c] >= min_samples)
            group_of_class[c] = groups++;
    for (size_t c = 0; c < classes; c++)
        if (count[c] < min_samples)
            group_of_class[c] = groups;
    groups++;
    /* Thresholds of a group: its distinct confidences, and 2 (above all). */
    double (*levels)[64] = calloc((size_t)groups, sizeof *levels);
    int *level_count = calloc((size_t)groups, sizeof *level_count);
    for (size_t i = 0; i < d->samples; i++) {
        int g = group_of_class[r->prediction[i]];
        int seen = 0;
        for (int l = 0; l < level_count[g]; l++)
            seen |= levels[g][l] == r->confidence[i];
        if (!seen)
            levels[g][level_count[g]++] = r->confidence[i];
    }
    for (int g = 0; g < groups; g++)
        levels[g][level_count[g]++] = 2.0;
    int *choice = calloc((size_t)groups, sizeof *choice);
    int *second = malloc((size_t)groups * sizeof *second);
    double *t = malloc((size_t)groups * sizeof *t);
    for (;;) {
        for (int g = 0; g < groups; g++) {
            if (choice[g] == 0) {
                second[g] = -1;
                t[g] = 0;
            } else {
                int k = choice[g] - 1;
                second[g] = (int)seconds[k / level_count[g]];
                t[g] = levels[g][k % level_count[g]];
            }
        }
        brute_evaluate(d, a, group_of_class, second, t, out);
        int g = 0;
        while (g < groups && ++choice[g] > (int)second_count * level_count[g])
            choice[g++] = 0;
        if (g == groups)
            break;
    }
    free(group_of_class);
    free(count);
    free(levels);
    free(level_count);
    free(choice);
    free(second);
    free(t);
}

/* Every policy of the mode, plus every single model. */
static void brute_all(const cascade_dataset *d, cascade_per_class_mode mode, size_t min_samples,
                      brute_list *out)
{
    for (unsigned m = 0; m < d->model_count; m++)
        brute_push(out, d->models[m].cost,
                   (double)d->models[m].records.correct_count / (double)d->samples);
    for (unsigned a = 0; a < d->model_count; a++) {
        unsigned seconds[8];
        size_t count = 0;
        for (unsigned b = 0; b < d->model_count; b++)
            if (d->models[b].cost > d->models[a].cost)
                seconds[count++] = b;
        if (mode == CASCADE_PER_CLASS_ROUTE && count) {
            brute_first(d, a, seconds, count, min_samples, out);
        } else {
            for (size_t s = 0; s < count; s++)
                brute_first(d, a, &seconds[s], 1, min_samples, out);
        }
    }
}

/* The best accuracy among POINTS costing at most COST (-1 when none). */
static double brute_best(const brute_list *l, double cost)
{
    double best = -1;
    for (size_t i = 0; i < l->n; i++)
        if (l->p[i].cost <= cost && l->p[i].accuracy > best)
            best = l->p[i].accuracy;
    return best;
}

static double front_best(const cascade_front *f, double cost, size_t *row)
{
    double best = -1;
    for (size_t i = 0; i < f->count; i++)
        if (f->points[i].cost <= cost && f->points[i].accuracy > best) {
            best = f->points[i].accuracy;
            *row = i;
        }
    return best;
}

/* Each row's policy, re-applied sample by sample here, gives the row. */
static double rows_should_reapply(const cascade_dataset *d, const cascade_per_class_front *pc)
{
    const cascade_policy_set *set = &pc->policies;
    cascade_class_rule *rules = malloc(d->classes * sizeof *rules);
    double worst = 0;
    size_t mismatched = 0;
    for (size_t i = 0; i < pc->front.count; i++) {
        if (pc->policy[i] == SIZE_MAX)
            continue;
        const cascade_class_policy *p = &set->policies[pc->policy[i]];
        cascade_policy_set_expand(set, pc->policy[i], rules, NULL);
        const cascade_records *r = &d->models[p->first].records;
        size_t correct = 0;
        double cost = 0;
        for (size_t s = 0; s < d->samples; s++) {
            const cascade_class_rule *rule = &rules[r->prediction[s]];
            cost += d->models[p->first].cost;
            if (rule->second >= 0 && r->confidence[s] < rule->threshold) {
                cost += d->models[rule->second].cost;
                correct += d->models[rule->second].records.correct[s];
            } else {
                correct += r->correct[s];
            }
        }
        double accuracy = (double)correct / (double)d->samples;
        cost /= (double)d->samples;
        mismatched += accuracy != pc->front.points[i].accuracy;
        double diff = fabs(cost - pc->front.points[i].cost);
        if (diff > worst)
            worst = diff;
        cascade_point applied;
        REQUIRE(cascade_per_class_apply(d, p->first, rules, d->classes, &applied, NULL, NULL,
                                        NULL) == CASCADE_OK);
        mismatched += applied.accuracy != pc->front.points[i].accuracy ||
                      applied.cost != pc->front.points[i].cost ||
                      applied.answered[1] != pc->front.points[i].answered[1];
    }
    free(rules);
    CHECK_EQ_INT(mismatched, 0);
    return worst;
}

/* Exact mode: the same step function as brute force. Otherwise every brute
 * force point lies within the row's max_gap of the row before its cost. */
static void front_should_match_brute_force(const cascade_dataset *d, cascade_per_class_mode mode,
                                           size_t min_samples, double dp_cells)
{
    cascade_per_class_options options = {.mode = mode, .min_class_samples = min_samples,
                                         .dp_cells = dp_cells, .threads = 1};
    cascade_per_class_front pc;
    cascade_error error;
    REQUIRE(cascade_per_class_sweep(d, &options, &pc, &error) == CASCADE_OK);
    brute_list brute = {0};
    brute_all(d, mode, min_samples, &brute);
    double missed = 0, unreachable = 0, over_gap = 0, largest_gap = 0;
    for (size_t i = 0; i < brute.n; i++) {
        size_t row = 0;
        double ours = front_best(&pc.front, brute.p[i].cost + 1e-12, &row);
        double short_by = brute.p[i].accuracy - ours;
        if (pc.exact && short_by > missed)
            missed = short_by;
        if (!pc.exact && short_by - pc.max_gap[row] > over_gap)
            over_gap = short_by - pc.max_gap[row];
    }
    for (size_t i = 0; i < pc.front.count; i++) {
        double over = pc.front.points[i].accuracy - brute_best(&brute, pc.front.points[i].cost + 1e-12);
        if (over > unreachable)
            unreachable = over;
        if (pc.max_gap[i] > largest_gap)
            largest_gap = pc.max_gap[i];
    }
    double cost_diff = rows_should_reapply(d, &pc);
    printf("%zu brute-force policies, %zu front rows (%zu policies), exact %d: brute force "
           "above the front by %.3g, front above brute force by %.3g, beyond max_gap by %.3g "
           "(largest max_gap %.3g), re-applied cost off by %.3g\n",
           brute.n, pc.front.count, pc.policies.count, pc.exact, missed, unreachable, over_gap,
           largest_gap, cost_diff);
    CHECK(missed <= 1e-12);
    CHECK(unreachable <= 1e-12);
    CHECK(over_gap <= 1e-12);
    CHECK(cost_diff <= 1e-12);
    CHECK(pc.policies.count > 0);
    free(brute.p);
    cascade_per_class_front_free(&pc);
}

/* Four random sets from SEED on: MODELS x CLASSES x SAMPLES each. */
static void four_sets_should_match_brute_force(uint64_t seed, size_t classes, size_t samples,
                                               cascade_per_class_mode mode, size_t min_samples,
                                               double dp_cells)
{
    for (uint64_t s = seed; s < seed + 4; s++) {
        cascade_dataset *d = small_dataset(3, classes, samples, s);
        front_should_match_brute_force(d, mode, min_samples, dp_cells);
        cascade_dataset_free(d);
    }
}

TEST_CASE(per_class_thresholds_should_match_brute_force_over_every_policy)
{
    four_sets_should_match_brute_force(1, 4, 200, CASCADE_PER_CLASS_THRESHOLDS, 1, 0);
}

TEST_CASE(pooled_small_classes_should_match_brute_force_with_one_shared_rule)
{
    four_sets_should_match_brute_force(5, 5, 200, CASCADE_PER_CLASS_THRESHOLDS, 30, 0);
}

TEST_CASE(routing_should_stay_within_its_max_gap_of_brute_force)
{
    four_sets_should_match_brute_force(9, 3, 150, CASCADE_PER_CLASS_ROUTE, 1, 0);
}

TEST_CASE(hull_merge_without_dynamic_programming_should_stay_within_its_max_gap)
{
    four_sets_should_match_brute_force(13, 4, 200, CASCADE_PER_CLASS_THRESHOLDS, 1, -1);
}

/* At every cost, the per-class front reaches at least the single-threshold
 * front's accuracy: single thresholds are per-class policies. */
static void should_weakly_dominate_single_thresholds(const cascade_dataset *d,
                                                     cascade_per_class_mode mode)
{
    cascade_front single;
    cascade_front_init(&single);
    cascade_sweep_options sweep = {.max_stages = 2, .threads = 1};
    cascade_error error;
    REQUIRE(cascade_sweep(d, &sweep, &single, NULL, &error) == CASCADE_OK);
    cascade_per_class_options options = {.mode = mode, .threads = 1};
    cascade_per_class_front pc;
    REQUIRE(cascade_per_class_sweep(d, &options, &pc, &error) == CASCADE_OK);
    double worst = 0;
    size_t better = 0;
    for (size_t i = 0; i < single.count; i++) {
        double ours = cascade_front_best_accuracy(&pc.front, single.points[i].cost);
        if (single.points[i].accuracy - ours > worst)
            worst = single.points[i].accuracy - ours;
    }
    for (size_t i = 0; i < pc.front.count; i++)
        better += pc.front.points[i].accuracy >
                  cascade_front_best_accuracy(&single, pc.front.points[i].cost);
    double cost_diff = rows_should_reapply(d, &pc);
    printf("mode %d: %zu single-threshold points, %zu per-class rows (%zu strictly above the "
           "single-threshold front); largest shortfall %.3g; re-applied cost off by %.3g\n",
           (int)mode, single.count, pc.front.count, better, worst, cost_diff);
    CHECK(worst <= 0);
    cascade_per_class_front_free(&pc);
    cascade_front_free(&single);
}

static cascade_dataset *load_cifar10(void)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/cifar10/manifest.json", shared_data_dir());
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_dataset_options options = {.require_labels = 1};
    REQUIRE(cascade_dataset_load(path, &options, &d, &error) == CASCADE_OK);
    return d;
}

TEST_CASE(per_class_front_should_weakly_dominate_single_thresholds_on_cifar10)
{
    cascade_dataset *d = load_cifar10();
    should_weakly_dominate_single_thresholds(d, CASCADE_PER_CLASS_THRESHOLDS);
    should_weakly_dominate_single_thresholds(d, CASCADE_PER_CLASS_ROUTE);
    cascade_dataset_free(d);
}

TEST_CASE(per_class_front_should_weakly_dominate_single_thresholds_on_random_sets)
{
    for (uint64_t seed = 20; seed < 24; seed++) {
        cascade_dataset *d = small_dataset(4, 6, 2000, seed);
        should_weakly_dominate_single_thresholds(d, CASCADE_PER_CLASS_THRESHOLDS);
        cascade_dataset_free(d);
    }
}

TEST_CASE(policies_should_read_back_as_written)
{
    cascade_dataset *d = small_dataset(4, 6, 2000, 3);
    cascade_per_class_options options = {.mode = CASCADE_PER_CLASS_ROUTE, .threads = 1,
                                         .min_class_samples = 200};
    cascade_per_class_front pc;
    cascade_error error;
    REQUIRE(cascade_per_class_sweep(d, &options, &pc, &error) == CASCADE_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *file = open_memstream(&text, &len);
    REQUIRE(cascade_write_policies_json(file, &pc.policies) == CASCADE_OK);
    fclose(file);
    cascade_policy_set back;
    REQUIRE(cascade_policy_set_parse(text, len, "policies.json", &back, &error) == CASCADE_OK);
    CHECK_EQ_INT(back.count, pc.policies.count);
    cascade_class_rule *written = malloc(d->classes * sizeof *written);
    cascade_class_rule *read = malloc(d->classes * sizeof *read);
    size_t differ = 0, pooled = 0;
    for (size_t p = 0; p < back.count && p < pc.policies.count; p++) {
        cascade_policy_set_expand(&pc.policies, p, written, NULL);
        cascade_policy_set_expand(&back, p, read, NULL);
        for (size_t c = 0; c < d->classes; c++) {
            pooled += pc.policies.pooled[pc.policies.policies[p].first * d->classes + c];
            differ += written[c].second != read[c].second ||
                      (written[c].second >= 0 && written[c].threshold != read[c].threshold);
        }
        differ += back.policies[p].accuracy != pc.policies.policies[p].accuracy ||
                  back.policies[p].cost != pc.policies.policies[p].cost;
    }
    printf("%zu policies, %zu rules differ, %zu pooled class rules\n", back.count, differ, pooled);
    CHECK_EQ_INT(differ, 0);
    CHECK(pooled > 0);
    free(written);
    free(read);
    free(text);
    cascade_policy_set_free(&back);
    cascade_per_class_front_free(&pc);
    cascade_dataset_free(d);
}

RUN_TESTS(CASE(per_class_thresholds_should_match_brute_force_over_every_policy),
          CASE(pooled_small_classes_should_match_brute_force_with_one_shared_rule),
          CASE(routing_should_stay_within_its_max_gap_of_brute_force),
          CASE(hull_merge_without_dynamic_programming_should_stay_within_its_max_gap),
          CASE(per_class_front_should_weakly_dominate_single_thresholds_on_cifar10),
          CASE(per_class_front_should_weakly_dominate_single_thresholds_on_random_sets),
          CASE(policies_should_read_back_as_written))
