/* Per-class policies: groups by predicted class, each group's options, and
 * their multiple-choice knapsack solved by dynamic programming (exact, one
 * second model) or by merging the groups' concave hulls (see
 * cascade/per_class.h). */
#include "cascade/per_class.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/sweep.h"

enum { NO_SOURCE = UINT32_MAX };
#define DEFAULT_DP_CELLS 2147483648.0
/* Unreachable totals: the gains of all groups together lie in [-k, k], so
 * for k < 2^27 (DP_MAX_SAMPLES) an unreachable total stays below
 * DP_NONE / 2, far under any reachable one (>= -k). */
#define DP_NONE (INT32_MIN / 4)
#define DP_REACHABLE(v) ((v) > DP_NONE / 2)
#define DP_MAX_SAMPLES ((size_t)1 << 27)

/* The samples a first model predicts as one class (or the pooled classes),
 * least confident first, and the escalation counts that split them at a
 * change of confidence (0 and size included). */
typedef struct class_group {
    uint32_t id;              /* class, or CASCADE_POOLED_GROUP */
    size_t begin, size;       /* into first_prep.sample */
    size_t *cut;              /* [cut_count] ascending, cut[0] = 0, last = size */
    size_t cut_count;
} class_group;

typedef struct first_prep {
    unsigned a;
    uint32_t *sample;         /* [k] grouped, each group by confidence ascending */
    size_t *cuts;             /* storage of every group's cuts */
    class_group *groups;            /* [group_count] */
    size_t group_count;
    size_t correct_a;
} first_prep;

/* A set of policies solved together: a first model and its second models. */
typedef struct part {
    const first_prep *prep;
    unsigned *second;         /* [second_count] dataset indices, ascending */
    unsigned second_count;
    int exact;
    size_t vertex_begin, vertex_count; /* hull vertices (for the gap bound) */
} part;

/* A candidate point; for a policy, its chain element: the options that
 * changed since the source's previous candidate. */
typedef struct candidate {
    cascade_point point;
    uint32_t source;          /* NO_SOURCE for an ordinary point */
    size_t delta_begin, delta_count;
} candidate;

typedef struct delta {
    uint32_t group;           /* index into the source's prep groups */
    uint32_t option;          /* 0: no escalation; else 1 + s * (cuts - 1) + (j - 1) */
} delta;

typedef struct vertex {
    double cost, accuracy;
} vertex;

typedef struct work {
    const cascade_dataset *dataset;
    size_t k;
    candidate *candidates;
    size_t count, capacity;
    delta *deltas;
    size_t delta_count, delta_capacity;
    vertex *vertices;
    size_t vertex_count, vertex_capacity;
    part *sources;
    size_t source_count, source_capacity;
    first_prep *preps;        /* [model_count], sample NULL when unused */
} work;

static int grow(void **items, size_t *capacity, size_t needed, size_t size)
{
    if (needed <= *capacity)
        return 1;
    size_t next = *capacity ? *capacity : 64;
    while (next < needed)
        next *= 2;
    void *grown = realloc(*items, next * size);
    if (!grown)
        return 0;
    *items = grown;
    *capacity = next;
    return 1;
}

/* Every policy's cost is summed this way, in the sweep and in apply: the
 * first model for every sample, then each second model's share, in model
 * order, so the two agree bit for bit. */
static double policy_cost(const cascade_dataset *dataset, unsigned first,
                          const unsigned *models, const size_t *reached, unsigned count)
{
    double samples = (double)dataset->samples;
    double cost = dataset->models[first].cost * (samples / samples);
    for (unsigned i = 0; i < count; i++)
        if (reached[i])
            cost += dataset->models[models[i]].cost * ((double)reached[i] / samples);
    return cost;
}

static void policy_point(const cascade_dataset *dataset, unsigned first, const unsigned *models,
                         const size_t *reached, unsigned count, size_t correct,
                         cascade_point *out)
{
    double samples = (double)dataset->samples;
    size_t escalated = 0, most = 0;
    unsigned busiest = count ? models[0] : first;
    for (unsigned i = 0; i < count; i++) {
        escalated += reached[i];
        if (reached[i] > most) {
            most = reached[i];
            busiest = models[i];
        }
    }
    memset(out, 0, sizeof *out);
    out->stages = 2;
    out->model[0] = first;
    out->model[1] = busiest;
    out->accuracy = (double)correct / samples;
    out->cost = policy_cost(dataset, first, models, reached, count);
    out->answered[0] = (double)(dataset->samples - escalated) / samples;
    out->answered[1] = (double)escalated / samples;
}

/* ---- groups of one first model ---- */

typedef struct confidence_key {
    double confidence;
    uint32_t sample;
} confidence_key;

static int by_confidence(const void *x, const void *y)
{
    const confidence_key *a = x, *b = y;
    if (a->confidence != b->confidence)
        return a->confidence < b->confidence ? -1 : 1;
    return (a->sample > b->sample) - (a->sample < b->sample);
}

static void free_prep(first_prep *p)
{
    free(p->sample);
    free(p->cuts);
    free(p->groups);
    memset(p, 0, sizeof *p);
}

static cascade_status prepare_first(const cascade_dataset *dataset, unsigned a, size_t min_samples,
                                    unsigned char *pooled, first_prep *out)
{
    const cascade_records *r = &dataset->models[a].records;
    size_t k = dataset->samples, classes = dataset->classes;
    memset(out, 0, sizeof *out);
    out->a = a;
    size_t *count = calloc(classes, sizeof *count);
    size_t *start = calloc(classes + 1, sizeof *start);
    uint32_t *slot = malloc(classes * sizeof *slot);
    confidence_key *keys = malloc((k ? k : 1) * sizeof *keys);
    out->sample = malloc((k ? k : 1) * sizeof *out->sample);
    out->cuts = malloc((k + classes + 1) * sizeof *out->cuts);
    out->groups = malloc((classes + 1) * sizeof *out->groups);
    if (!count || !start || !slot || !keys || !out->sample || !out->cuts || !out->groups) {
        free(keys);
        free(count);
        free(start);
        free(slot);
        free_prep(out);
        return CASCADE_ERR_NOMEM;
    }
    for (size_t i = 0; i < k; i++) {
        count[r->prediction[i]]++;
        out->correct_a += r->correct[i];
    }
    /* Group order: the classes with their own rule, then the pooled ones. */
    size_t groups = 0, pooled_size = 0;
    for (size_t c = 0; c < classes; c++) {
        pooled[c] = count[c] < min_samples;
        if (pooled[c]) {
            pooled_size += count[c];
        } else {
            out->groups[groups] = (class_group){.id = (uint32_t)c, .size = count[c]};
            slot[c] = (uint32_t)groups++;
        }
    }
    out->groups[groups] = (class_group){.id = CASCADE_POOLED_GROUP, .size = pooled_size};
    for (size_t c = 0; c < classes; c++)
        if (pooled[c])
            slot[c] = (uint32_t)groups;
    out->group_count = groups + 1;
    size_t at = 0;
    for (size_t g = 0; g < out->group_count; g++) {
        out->groups[g].begin = at;
        start[g] = at;
        at += out->groups[g].size;
    }
    for (size_t i = 0; i < k; i++)
        out->sample[start[slot[r->prediction[i]]]++] = (uint32_t)i;
    size_t cut_at = 0;
    for (size_t g = 0; g < out->group_count; g++) {
        class_group *gr = &out->groups[g];
        uint32_t *s = out->sample + gr->begin;
        confidence_key *key = keys + gr->begin;
        for (size_t n = 0; n < gr->size; n++)
            key[n] = (confidence_key){r->confidence[s[n]], s[n]};
        qsort(key, gr->size, sizeof *key, by_confidence);
        for (size_t n = 0; n < gr->size; n++)
            s[n] = key[n].sample;
        gr->cut = out->cuts + cut_at;
        gr->cut[gr->cut_count++] = 0;
        for (size_t n = 1; n <= gr->size; n++)
            if (n == gr->size || r->confidence[s[n - 1]] < r->confidence[s[n]])
                gr->cut[gr->cut_count++] = n;
        cut_at += gr->cut_count;
    }
    free(keys);
    free(count);
    free(start);
    free(slot);
    return CASCADE_OK;
}

/* The rule of OPTION in group G: the threshold between the last escalated
 * and the first exiting sample, above every sample when all escalate. */
static cascade_class_rule option_rule(const cascade_dataset *dataset, const part *src,
                                      const class_group *g, uint32_t option)
{
    if (option == 0)
        return (cascade_class_rule){NAN, -1};
    size_t per = g->cut_count - 1;
    unsigned s = (option - 1) / (unsigned)per;
    size_t n = g->cut[1 + (option - 1) % per];
    const double *conf = dataset->models[src->prep->a].records.confidence;
    const uint32_t *sample = src->prep->sample + g->begin;
    double below = conf[sample[n - 1]];
    double threshold = n == g->size ? cascade_threshold_between(below, below + 1.0)
                                    : cascade_threshold_between(below, conf[sample[n]]);
    return (cascade_class_rule){threshold, (int32_t)src->second[s]};
}

/* Correct answers gained when the first N of group G go to model B. */
static void group_gains(const cascade_dataset *dataset, const first_prep *p, const class_group *g,
                        unsigned b, long *gain)
{
    const uint8_t *ca = dataset->models[p->a].records.correct;
    const uint8_t *cb = dataset->models[b].records.correct;
    const uint32_t *s = p->sample + g->begin;
    long sum = 0;
    size_t j = 0;
    for (size_t n = 0; n <= g->size; n++) {
        if (n == g->cut[j])
            gain[j++] = sum;
        if (n < g->size)
            sum += (long)cb[s[n]] - (long)ca[s[n]];
    }
}

static cascade_status add_candidate(work *w, const cascade_point *point, uint32_t source,
                                    size_t delta_begin)
{
    if (!grow((void **)&w->candidates, &w->capacity, w->count + 1, sizeof *w->candidates))
        return CASCADE_ERR_NOMEM;
    w->candidates[w->count++] = (candidate){*point, source, delta_begin,
                                            w->delta_count - delta_begin};
    return CASCADE_OK;
}

static cascade_status add_delta(work *w, uint32_t group, uint32_t option)
{
    if (!grow((void **)&w->deltas, &w->delta_capacity, w->delta_count + 1, sizeof *w->deltas))
        return CASCADE_ERR_NOMEM;
    w->deltas[w->delta_count++] = (delta){group, option};
    return CASCADE_OK;
}

/* ---- exact: dynamic programming over the number of escalations ---- */

static double dp_cells(const first_prep *p)
{
    double cells = 0, total = 0;
    for (size_t g = 0; g < p->group_count; g++) {
        cells += (total + 1) * (double)p->groups[g].cut_count;
        total += (double)p->groups[g].size;
    }
    return cells;
}

static cascade_status solve_dp(work *w, uint32_t src_index)
{
    const part *src = &w->sources[src_index];
    const first_prep *p = src->prep;
    const cascade_dataset *d = w->dataset;
    unsigned b = src->second[0];
    size_t k = w->k, groups = p->group_count;
    int32_t *best = malloc((k + 1) * sizeof *best), *next = malloc((k + 1) * sizeof *next);
    uint32_t **choice = calloc(groups, sizeof *choice);
    long *gain = malloc((k + 1) * sizeof *gain);
    uint32_t *option = malloc(groups * sizeof *option), *previous = malloc(groups * sizeof *previous);
    cascade_status status = CASCADE_OK;
    if (!best || !next || !choice || !gain || !option || !previous) {
        status = CASCADE_ERR_NOMEM;
        goto done;
    }
    best[0] = 0;
    size_t total = 0;
    for (size_t g = 0; g < groups && status == CASCADE_OK; g++) {
        const class_group *gr = &p->groups[g];
        size_t grown = total + gr->size;
        if (!(choice[g] = calloc(grown + 1, sizeof *choice[g]))) {
            status = CASCADE_ERR_NOMEM;
            break;
        }
        group_gains(d, p, gr, b, gain);
        for (size_t n = 0; n <= grown; n++)
            next[n] = DP_NONE;
        for (size_t j = 0; j < gr->cut_count; j++) {
            size_t n = gr->cut[j];
            int32_t add = (int32_t)gain[j];
            int32_t *to = next + n;
            uint32_t *pick = choice[g] + n;
            /* Branch-free so that it vectorises: an unreachable total
             * stays far below every reachable one (see DP_NONE). */
            uint32_t jj = (uint32_t)j;
            for (size_t t = 0; t <= total; t++) {
                int32_t value = best[t] + add, old = to[t];
                int better = value > old;
                to[t] = better ? value : old;
                pick[t] = better ? jj : pick[t];
            }
        }
        int32_t *swap = best;
        best = next;
        next = swap;
        total = grown;
    }
    if (status != CASCADE_OK)
        goto done;
    /* The totals' own front, cheapest first, as a chain of candidates. */
    for (size_t g = 0; g < groups; g++)
        previous[g] = 0;
    int32_t top = DP_NONE;
    for (size_t t = 1; t <= total && status == CASCADE_OK; t++) {
        if (!DP_REACHABLE(best[t]) || best[t] <= top || best[t] <= 0)
            continue;
        top = best[t];
        size_t left = t;
        for (size_t g = groups; g-- > 0;) {
            const class_group *gr = &p->groups[g];
            uint32_t j = choice[g][left];
            option[g] = j ? 1 + (j - 1) : 0;
            left -= gr->cut[j];
        }
        size_t begin = w->delta_count;
        for (size_t g = 0; g < groups && status == CASCADE_OK; g++)
            if (option[g] != previous[g]) {
                status = add_delta(w, (uint32_t)g, option[g]);
                previous[g] = option[g];
            }
        cascade_point point;
        size_t reached = t;
        policy_point(d, p->a, &b, &reached, 1, p->correct_a + (size_t)best[t], &point);
        if (status == CASCADE_OK)
            status = add_candidate(w, &point, src_index, begin);
    }
done:
    if (choice)
        for (size_t g = 0; g < groups; g++)
            free(choice[g]);
    free(choice);
    free(best);
    free(next);
    free(gain);
    free(option);
    free(previous);
    return status;
}

/* ---- the groups' concave hulls merged by slope ---- */

typedef struct option_point {
    double x;                 /* escalations times the second model's cost */
    long y;                   /* correct answers gained */
    uint32_t option;
} option_point;

typedef struct segment {
    uint32_t group;
    size_t from, to;          /* hull vertices, as positions in the group's sorted options */
    double dx;
    long dy;
} segment;

static int by_x(const void *p, const void *q)
{
    const option_point *a = p, *b = q;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->y != b->y)
        return a->y > b->y ? -1 : 1;
    return (a->option > b->option) - (a->option < b->option);
}

static int by_slope(const void *p, const void *q)
{
    const segment *a = p, *b = q;
    double left = (double)a->dy * b->dx, right = (double)b->dy * a->dx;
    if (left != right)
        return left > right ? -1 : 1;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    return (a->from > b->from) - (a->from < b->from);
}

static cascade_status add_vertex(work *w, double cost, double accuracy)
{
    if (!grow((void **)&w->vertices, &w->vertex_capacity, w->vertex_count + 1,
              sizeof *w->vertices))
        return CASCADE_ERR_NOMEM;
    w->vertices[w->vertex_count++] = (vertex){cost, accuracy};
    return CASCADE_OK;
}

static cascade_status solve_hull(work *w, uint32_t src_index)
{
    part *src = &w->sources[src_index];
    const first_prep *p = src->prep;
    const cascade_dataset *d = w->dataset;
    size_t k = w->k, groups = p->group_count, ns = src->second_count;
    size_t option_total = groups;
    for (size_t g = 0; g < groups; g++)
        option_total += (p->groups[g].cut_count - 1) * ns;
    option_point *points = malloc(option_total * sizeof *points);
    size_t *group_at = malloc((groups + 1) * sizeof *group_at);
    size_t *hull = malloc(option_total * sizeof *hull);
    segment *segments = malloc(option_total * sizeof *segments);
    long *gain = malloc((k + 1) * sizeof *gain);
    size_t *reached = calloc(ns ? ns : 1, sizeof *reached);
    cascade_status status = CASCADE_OK;
    if (!points || !group_at || !hull || !segments || !gain || !reached) {
        status = CASCADE_ERR_NOMEM;
        goto done;
    }
    size_t at = 0, segment_count = 0;
    for (size_t g = 0; g < groups; g++) {
        const class_group *gr = &p->groups[g];
        size_t per = gr->cut_count - 1;
        group_at[g] = at;
        points[at++] = (option_point){0.0, 0, 0};
        for (size_t s = 0; s < ns; s++) {
            group_gains(d, p, gr, src->second[s], gain);
            for (size_t j = 1; j <= per; j++)
                points[at++] = (option_point){(double)gr->cut[j] * d->models[src->second[s]].cost,
                                              gain[j], (uint32_t)(1 + s * per + (j - 1))};
        }
        option_point *own = points + group_at[g];
        size_t n = at - group_at[g];
        qsort(own + 1, n - 1, sizeof *own, by_x);
        /* Upper hull from the origin, rising only. */
        size_t h = 0;
        hull[h++] = 0;
        for (size_t i = 1; i < n; i++) {
            if (own[i].y <= own[hull[h - 1]].y)
                continue;
            while (h >= 2) {
                const option_point *o = &own[hull[h - 2]], *m = &own[hull[h - 1]];
                double cross = (m->x - o->x) * (double)(own[i].y - o->y) -
                               (double)(m->y - o->y) * (own[i].x - o->x);
                if (cross < 0)
                    break;
                h--;
            }
            hull[h++] = i;
        }
        for (size_t v = 0; v + 1 < h; v++)
            segments[segment_count++] = (segment){(uint32_t)g, hull[v], hull[v + 1],
                                                  own[hull[v + 1]].x - own[hull[v]].x,
                                                  own[hull[v + 1]].y - own[hull[v]].y};
    }
    group_at[groups] = at;
    qsort(segments, segment_count, sizeof *segments, by_slope);
    /* Walk the merged hull: each prefix is a vertex, and between two the
     * other options of the group that step changes are tried too. */
    long gained = 0;
    src->vertex_begin = w->vertex_count;
    status = add_vertex(w, d->models[p->a].cost, (double)p->correct_a / (double)k);
    for (size_t i = 0; i < segment_count && status == CASCADE_OK; i++) {
        const segment *sg = &segments[i];
        const class_group *gr = &p->groups[sg->group];
        const option_point *own = points + group_at[sg->group];
        size_t per = gr->cut_count - 1;
        const option_point *from = &own[sg->from];
        for (size_t o = sg->from + 1; o <= sg->to && status == CASCADE_OK; o++) {
            const option_point *op = &own[o];
            if (o < sg->to && op->y <= from->y)
                continue;
            /* reached[] with group G at OP instead of FROM */
            if (from->option)
                reached[(from->option - 1) / per] -= gr->cut[1 + (from->option - 1) % per];
            reached[(op->option - 1) / per] += gr->cut[1 + (op->option - 1) % per];
            size_t begin = w->delta_count;
            status = add_delta(w, sg->group, op->option);
            cascade_point point;
            policy_point(d, p->a, src->second, reached, (unsigned)ns,
                         p->correct_a + (size_t)(gained - from->y + op->y), &point);
            if (status == CASCADE_OK)
                status = add_candidate(w, &point, src_index, begin);
            if (o == sg->to) {
                gained += op->y - from->y;
                if (status == CASCADE_OK)
                    status = add_vertex(w, point.cost, point.accuracy);
            } else {
                reached[(op->option - 1) / per] -= gr->cut[1 + (op->option - 1) % per];
                if (from->option)
                    reached[(from->option - 1) / per] += gr->cut[1 + (from->option - 1) % per];
            }
        }
    }
    src->vertex_count = w->vertex_count - src->vertex_begin;
done:
    free(points);
    free(group_at);
    free(hull);
    free(segments);
    free(gain);
    free(reached);
    return status;
}

/* ---- the front of all candidates, the gap bound and the policies ---- */

/* Cost ascending, accuracy descending; on equal figures an ordinary point
 * before a policy, then the earlier candidate. */
typedef struct order_key {
    double cost, accuracy;
    int policy;
    size_t index;
} order_key;

static int by_cost(const void *x, const void *y)
{
    const order_key *a = x, *b = y;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->accuracy != b->accuracy)
        return a->accuracy > b->accuracy ? -1 : 1;
    if (a->policy != b->policy)
        return a->policy - b->policy;
    return (a->index > b->index) - (a->index < b->index);
}

static int vertex_by_cost(const void *x, const void *y)
{
    const vertex *a = x, *b = y;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    return (a->accuracy < b->accuracy) - (a->accuracy > b->accuracy);
}

/* The upper bound U(c): the concave, non-decreasing envelope of the hull
 * vertices of every part not solved exactly (-inf below the cheapest). */
static size_t envelope(vertex *v, size_t n)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, vertex_by_cost);
    size_t h = 0;
    for (size_t i = 0; i < n; i++) {
        if (h && v[i].accuracy <= v[h - 1].accuracy)
            continue;
        while (h >= 2) {
            const vertex *o = &v[h - 2], *m = &v[h - 1];
            double cross = (m->cost - o->cost) * (v[i].accuracy - o->accuracy) -
                           (m->accuracy - o->accuracy) * (v[i].cost - o->cost);
            if (cross < 0)
                break;
            h--;
        }
        v[h++] = v[i];
    }
    return h;
}

static double bound_at(const vertex *v, size_t n, double cost)
{
    if (!n || cost < v[0].cost)
        return -INFINITY;
    if (cost >= v[n - 1].cost)
        return v[n - 1].accuracy;
    size_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (v[mid].cost <= cost)
            lo = mid;
        else
            hi = mid;
    }
    double f = (cost - v[lo].cost) / (v[hi].cost - v[lo].cost);
    return v[lo].accuracy + f * (v[hi].accuracy - v[lo].accuracy);
}

static cascade_status add_policy(cascade_policy_set *set, const cascade_class_policy *policy)
{
    if (!grow((void **)&set->policies, &set->capacity, set->count + 1, sizeof *set->policies))
        return CASCADE_ERR_NOMEM;
    set->policies[set->count++] = *policy;
    return CASCADE_OK;
}

static cascade_status add_change(cascade_policy_set *set, uint32_t group,
                                 cascade_class_rule rule)
{
    if (!grow((void **)&set->changes, &set->change_capacity, set->change_count + 1,
              sizeof *set->changes))
        return CASCADE_ERR_NOMEM;
    set->changes[set->change_count++] = (cascade_policy_change){group, rule};
    return CASCADE_OK;
}

typedef struct replay {
    uint32_t *state, *emitted; /* [groups] options */
    uint32_t *dirty;           /* [groups] groups touched since the last emission */
    unsigned char *marked;
    size_t dirty_count;
    size_t next;               /* next candidate of the source to apply */
    size_t last_policy;        /* SIZE_MAX before the first */
} replay;

static cascade_status build_front(work *w, cascade_per_class_front *out)
{
    size_t n = w->count;
    order_key *keys = malloc((n ? n : 1) * sizeof *keys);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    size_t *source_first = malloc((w->source_count + 1) * sizeof *source_first);
    replay *replays = calloc(w->source_count ? w->source_count : 1, sizeof *replays);
    if (!keys || !order || !source_first || !replays) {
        free(keys);
        free(order);
        free(source_first);
        free(replays);
        return CASCADE_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const candidate *c = &w->candidates[i];
        keys[i] = (order_key){c->point.cost, c->point.accuracy, c->source != NO_SOURCE, i};
    }
    qsort(keys, n, sizeof *keys, by_cost);
    size_t kept = 0;
    double best = -1.0;
    for (size_t i = 0; i < n; i++)
        if (keys[i].accuracy > best) {
            best = keys[i].accuracy;
            order[kept++] = keys[i].index;
        }
    free(keys);
    cascade_status status = CASCADE_OK;
    out->front.points = malloc((kept ? kept : 1) * sizeof *out->front.points);
    out->policy = malloc((kept ? kept : 1) * sizeof *out->policy);
    out->max_gap = malloc((kept ? kept : 1) * sizeof *out->max_gap);
    if (!out->front.points || !out->policy || !out->max_gap)
        status = CASCADE_ERR_NOMEM;
    /* Candidates of one source are contiguous, in chain order. */
    for (size_t s = 0; s < w->source_count; s++)
        source_first[s] = SIZE_MAX;
    for (size_t i = n; i-- > 0;)
        if (w->candidates[i].source != NO_SOURCE)
            source_first[w->candidates[i].source] = i;
    for (size_t s = 0; s < w->source_count && status == CASCADE_OK; s++) {
        size_t groups = w->sources[s].prep->group_count;
        replay *r = &replays[s];
        r->state = calloc(groups, sizeof *r->state);
        r->emitted = calloc(groups, sizeof *r->emitted);
        r->dirty = malloc(groups * sizeof *r->dirty);
        r->marked = calloc(groups, 1);
        r->next = source_first[s];
        r->last_policy = SIZE_MAX;
        if (!r->state || !r->emitted || !r->dirty || !r->marked)
            status = CASCADE_ERR_NOMEM;
    }
    size_t vertex_count = envelope(w->vertices, w->vertex_count);
    cascade_policy_set *set = &out->policies;
    for (size_t i = 0; i < kept && status == CASCADE_OK; i++) {
        const candidate *c = &w->candidates[order[i]];
        out->front.points[i] = c->point;
        double next_cost = i + 1 < kept ? w->candidates[order[i + 1]].point.cost : INFINITY;
        double gap = bound_at(w->vertices, vertex_count, next_cost) - c->point.accuracy;
        out->max_gap[i] = gap > 0 ? gap : 0.0;
        out->policy[i] = SIZE_MAX;
        if (c->source == NO_SOURCE)
            continue;
        const part *src = &w->sources[c->source];
        replay *r = &replays[c->source];
        for (; r->next <= (size_t)order[i]; r->next++) {
            const candidate *e = &w->candidates[r->next];
            for (size_t d = 0; d < e->delta_count; d++) {
                const delta *dl = &w->deltas[e->delta_begin + d];
                r->state[dl->group] = dl->option;
                if (!r->marked[dl->group]) {
                    r->marked[dl->group] = 1;
                    r->dirty[r->dirty_count++] = dl->group;
                }
            }
        }
        cascade_class_policy policy = {.first = src->prep->a, .base = r->last_policy,
                                       .change_begin = set->change_count,
                                       .accuracy = c->point.accuracy, .cost = c->point.cost};
        for (size_t d = 0; d < r->dirty_count && status == CASCADE_OK; d++) {
            uint32_t g = r->dirty[d];
            r->marked[g] = 0;
            if (r->state[g] == r->emitted[g])
                continue;
            r->emitted[g] = r->state[g];
            const class_group *gr = &src->prep->groups[g];
            status = add_change(set, gr->id, option_rule(w->dataset, src, gr, r->state[g]));
        }
        r->dirty_count = 0;
        policy.change_count = set->change_count - policy.change_begin;
        if (status == CASCADE_OK)
            status = add_policy(set, &policy);
        r->last_policy = set->count - 1;
        out->policy[i] = set->count - 1;
    }
    out->front.count = out->front.capacity = kept;
    for (size_t s = 0; s < w->source_count; s++) {
        free(replays[s].state);
        free(replays[s].emitted);
        free(replays[s].dirty);
        free(replays[s].marked);
    }
    free(replays);
    free(order);
    free(source_first);
    return status;
}

static cascade_status add_source(work *w, const first_prep *prep, const unsigned *second,
                                 unsigned count)
{
    if (!grow((void **)&w->sources, &w->source_capacity, w->source_count + 1,
              sizeof *w->sources))
        return CASCADE_ERR_NOMEM;
    part *s = &w->sources[w->source_count];
    memset(s, 0, sizeof *s);
    s->prep = prep;
    s->second_count = count;
    if (!(s->second = malloc(count * sizeof *s->second)))
        return CASCADE_ERR_NOMEM;
    memcpy(s->second, second, count * sizeof *second);
    w->source_count++;
    return CASCADE_OK;
}

static int usable(const cascade_dataset *d, const unsigned char *candidates, unsigned m)
{
    return (!candidates || candidates[m]) && !d->models[m].table_only;
}

/* Predictions index per-class arrays: each must name one of the classes. */
static cascade_status check_predictions(const cascade_dataset *d, unsigned m,
                                        cascade_error *error)
{
    const cascade_records *r = &d->models[m].records;
    for (size_t i = 0; i < d->samples; i++)
        if (r->prediction[i] < 0 || (size_t)r->prediction[i] >= d->classes)
            return cascade_error_set(error, CASCADE_ERR_VALUE, NULL, (long long)i, -1,
                "model \"%s\" predicts class %ld for sample %zu (expected a class from 0 to "
                "%zu)", d->models[m].name, (long)r->prediction[i], i, d->classes - 1);
    return CASCADE_OK;
}

cascade_status cascade_per_class_sweep(const cascade_dataset *dataset,
                                       const cascade_per_class_options *options,
                                       cascade_per_class_front *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    if (cascade_dataset_per_sample(dataset)) /* its knapsack counts right answers */
        return cascade_dataset_refuse_per_sample(dataset, "a per-class sweep (--per-class)",
                                                 error);
    if (!dataset->has_labels)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "a per-class sweep needs labels (expected a manifest with \"labels\")");
    cascade_per_class_options o = options ? *options : (cascade_per_class_options){0};
    if (!o.mode)
        o.mode = CASCADE_PER_CLASS_THRESHOLDS;
    if (!o.min_class_samples)
        o.min_class_samples = CASCADE_DEFAULT_MIN_CLASS_SAMPLES;
    double cell_limit = o.dp_cells == 0 ? DEFAULT_DP_CELLS : o.dp_cells;
    size_t models = dataset->model_count, classes = dataset->classes;
    work w = {.dataset = dataset, .k = dataset->samples};
    cascade_policy_set *set = &out->policies;
    set->classes = classes;
    set->model_count = models;
    cascade_status status = CASCADE_OK;
    const char **names = malloc((models ? models : 1) * sizeof *names);
    set->pooled = calloc(models * classes > 0 ? models * classes : 1, 1);
    w.preps = calloc(models ? models : 1, sizeof *w.preps);
    unsigned *second = malloc((models ? models : 1) * sizeof *second);
    if (!names || !set->pooled || !w.preps || !second) {
        free(names);
        status = CASCADE_ERR_NOMEM;
        goto done;
    }
    for (size_t m = 0; m < models; m++)
        names[m] = dataset->models[m].name;
    set->model_name = names;
    set->owned = names;

    /* Ordinary points: the single models. */
    cascade_front plain;
    cascade_front_init(&plain);
    cascade_sweep_options sweep = {.max_stages = 1, .candidates = o.candidates,
                                   .threads = o.threads};
    status = cascade_sweep(dataset, &sweep, &plain, NULL, error);
    for (size_t i = 0; i < plain.count && status == CASCADE_OK; i++)
        status = add_candidate(&w, &plain.points[i], NO_SOURCE, w.delta_count);
    cascade_front_free(&plain);
    if (status != CASCADE_OK)
        goto done;

    /* Every pair (a, b) by dynamic programming when affordable; otherwise
     * its single-threshold points (exact, so that the front still covers
     * them) and, without routing, its hull merge. With routing, the hull
     * merge over all of a's second models on top. */
    out->exact = 1;
    for (unsigned a = 0; a < models && status == CASCADE_OK; a++) {
        if (!usable(dataset, o.candidates, a))
            continue;
        unsigned count = 0;
        for (unsigned b = 0; b < models; b++)
            if (b != a && usable(dataset, o.candidates, b) &&
                dataset->models[b].cost > dataset->models[a].cost)
                second[count++] = b;
        if (!count)
            continue;
        status = check_predictions(dataset, a, error);
        if (status != CASCADE_OK)
            goto done;
        status = prepare_first(dataset, a, o.min_class_samples, set->pooled + (size_t)a * classes,
                               &w.preps[a]);
        double cells = dp_cells(&w.preps[a]);
        int dp = cell_limit > 0 && cells <= cell_limit && dataset->samples < DP_MAX_SAMPLES;
        int route = o.mode == CASCADE_PER_CLASS_ROUTE && count > 1;
        for (unsigned s = 0; s < count && status == CASCADE_OK; s++) {
            if (!dp) {
                unsigned chain[2] = {a, second[s]};
                cascade_front pair;
                cascade_front_init(&pair);
                status = cascade_sweep_chain(dataset, chain, 2, 0, &pair, error);
                for (size_t i = 0; i < pair.count && status == CASCADE_OK; i++)
                    status = add_candidate(&w, &pair.points[i], NO_SOURCE, w.delta_count);
                cascade_front_free(&pair);
                if (route || status != CASCADE_OK)
                    continue;
            }
            status = add_source(&w, &w.preps[a], &second[s], 1);
            if (status != CASCADE_OK)
                break;
            uint32_t index = (uint32_t)(w.source_count - 1);
            if (dp) {
                w.sources[index].exact = 1;
                status = solve_dp(&w, index);
                out->dp_pairs++;
            } else {
                status = solve_hull(&w, index);
                out->hull_parts++;
                out->exact = 0;
            }
        }
        if (route && status == CASCADE_OK) {
            status = add_source(&w, &w.preps[a], second, count);
            if (status == CASCADE_OK)
                status = solve_hull(&w, (uint32_t)(w.source_count - 1));
            out->hull_parts++;
            out->exact = 0;
        }
    }
    if (status == CASCADE_OK)
        status = build_front(&w, out);
    if (status == CASCADE_OK && out->exact)
        for (size_t i = 0; i < out->front.count; i++)
            out->max_gap[i] = 0.0;
done:
    if (w.preps)
        for (size_t m = 0; m < models; m++)
            free_prep(&w.preps[m]);
    free(w.preps);
    for (size_t s = 0; s < w.source_count; s++)
        free(w.sources[s].second);
    free(w.sources);
    free(w.candidates);
    free(w.deltas);
    free(w.vertices);
    free(second);
    if (status == CASCADE_ERR_NOMEM)
        cascade_error_set(error, status, NULL, -1, -1, "out of memory in the per-class sweep");
    if (status != CASCADE_OK)
        cascade_per_class_front_free(out);
    return status;
}

void cascade_per_class_front_free(cascade_per_class_front *front)
{
    if (!front)
        return;
    cascade_front_free(&front->front);
    free(front->policy);
    free(front->max_gap);
    cascade_policy_set_free(&front->policies);
    memset(front, 0, sizeof *front);
}

/* ---- policies in full, applied ---- */

void cascade_policy_set_expand(const cascade_policy_set *set, size_t index,
                               cascade_class_rule *rules, cascade_class_rule *pooled)
{
    size_t depth = 0;
    for (size_t p = index; p != SIZE_MAX; p = set->policies[p].base)
        depth++;
    size_t *chain = malloc((depth ? depth : 1) * sizeof *chain);
    cascade_class_rule pool = {NAN, -1};
    for (size_t c = 0; c < set->classes; c++)
        rules[c] = (cascade_class_rule){NAN, -1};
    if (chain) {
        size_t at = depth;
        for (size_t p = index; p != SIZE_MAX; p = set->policies[p].base)
            chain[--at] = p;
    }
    for (size_t i = 0; chain && i < depth; i++) {
        const cascade_class_policy *p = &set->policies[chain[i]];
        for (size_t c = 0; c < p->change_count; c++) {
            const cascade_policy_change *change = &set->changes[p->change_begin + c];
            if (change->group == CASCADE_POOLED_GROUP)
                pool = change->rule;
            else if (change->group < set->classes)
                rules[change->group] = change->rule;
        }
    }
    free(chain);
    const unsigned char *pooled_classes = set->pooled + (size_t)set->policies[index].first * set->classes;
    for (size_t c = 0; c < set->classes; c++)
        if (pooled_classes[c])
            rules[c] = pool;
    if (pooled)
        *pooled = pool;
}

cascade_status cascade_per_class_apply(const cascade_dataset *dataset, unsigned first,
                                       const cascade_class_rule *rules, size_t classes,
                                       cascade_point *out, uint8_t *stage,
                                       uint32_t *answered_by, cascade_error *error)
{
    size_t models = dataset->model_count;
    if (cascade_dataset_per_sample(dataset))
        return cascade_dataset_refuse_per_sample(dataset, "a per-class policy", error);
    if (first >= models || dataset->models[first].table_only)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "the first model of a per-class policy needs per-sample scores");
    if (classes != dataset->classes)
        return cascade_error_set(error, CASCADE_ERR_VALUE, NULL, -1, -1,
            "the policy has rules for %zu classes but the models have %zu (expected the same "
            "classes)", classes, dataset->classes);
    for (size_t c = 0; c < classes; c++) {
        int32_t s = rules[c].second;
        if (s >= 0 && ((size_t)s >= models || dataset->models[s].table_only || (unsigned)s == first))
            return cascade_error_set(error, CASCADE_ERR_VALUE, NULL, -1, -1,
                "class %zu escalates to a model that cannot answer per sample (expected a "
                "second model with scores, other than the first)", c);
        if (s >= 0 && !isfinite(rules[c].threshold))
            return cascade_error_set(error, CASCADE_ERR_VALUE, NULL, -1, -1,
                "class %zu escalates but has no finite threshold", c);
    }
    cascade_status checked = check_predictions(dataset, first, error);
    if (checked != CASCADE_OK)
        return checked;
    size_t *reached = calloc(models ? models : 1, sizeof *reached);
    unsigned *index = malloc((models ? models : 1) * sizeof *index);
    if (!reached || !index) {
        free(reached);
        free(index);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    }
    const cascade_records *ra = &dataset->models[first].records;
    size_t correct = 0;
    for (size_t i = 0; i < dataset->samples; i++) {
        const cascade_class_rule *rule = &rules[ra->prediction[i]];
        unsigned by = first;
        if (rule->second >= 0 && !(ra->confidence[i] >= rule->threshold))
            by = (unsigned)rule->second;
        if (by != first)
            reached[by]++;
        correct += dataset->models[by].records.correct[i];
        if (stage)
            stage[i] = by != first;
        if (answered_by)
            answered_by[i] = by;
    }
    unsigned count = 0;
    for (unsigned m = 0; m < models; m++)
        if (m != first) {
            index[count] = m;
            reached[count++] = reached[m];
        }
    policy_point(dataset, first, index, reached, count, correct, out);
    free(reached);
    free(index);
    return CASCADE_OK;
}

/* ---- walking the policies in order, one chain state per first policy ---- */

cascade_status cascade_policy_walk_init(cascade_policy_walk *walk, const cascade_policy_set *set)
{
    memset(walk, 0, sizeof *walk);
    walk->set = set;
    walk->chain_of = malloc((set->count ? set->count : 1) * sizeof *walk->chain_of);
    if (!walk->chain_of)
        return CASCADE_ERR_NOMEM;
    for (size_t p = 0; p < set->count; p++) {
        size_t base = set->policies[p].base;
        walk->chain_of[p] = base == SIZE_MAX || base >= p ? walk->chains++ : walk->chain_of[base];
    }
    size_t width = set->classes + 1;
    walk->rules = malloc((walk->chains ? walk->chains : 1) * width * sizeof *walk->rules);
    walk->last = malloc((walk->chains ? walk->chains : 1) * sizeof *walk->last);
    if (!walk->rules || !walk->last) {
        cascade_policy_walk_free(walk);
        return CASCADE_ERR_NOMEM;
    }
    for (size_t c = 0; c < walk->chains; c++) {
        walk->last[c] = SIZE_MAX;
        for (size_t k = 0; k < width; k++)
            walk->rules[c * width + k] = (cascade_class_rule){NAN, -1};
    }
    return CASCADE_OK;
}

/* Calls CHANGED(CONTEXT, class, old rule, new rule) for every class whose
 * rule policy INDEX's changes move, and leaves its chain at INDEX. */
typedef void (*rule_changed_fn)(void *context, size_t cls, const cascade_class_rule *old,
                                const cascade_class_rule *now);

static const cascade_class_rule *walk_step(cascade_policy_walk *walk, size_t index,
                                           rule_changed_fn changed, void *context)
{
    const cascade_policy_set *set = walk->set;
    const cascade_class_policy *p = &set->policies[index];
    size_t chain = walk->chain_of[index], width = set->classes + 1;
    cascade_class_rule *rules = walk->rules + chain * width;
    const unsigned char *pooled = set->pooled + (size_t)p->first * set->classes;
    if (walk->last[chain] != p->base && p->base != SIZE_MAX) {
        /* Not the next of its chain: start again from the base in full. */
        cascade_class_rule *full = malloc(width * sizeof *full);
        if (full) {
            cascade_policy_set_expand(set, p->base, full, &full[set->classes]);
            for (size_t c = 0; c < width; c++) {
                if (changed && c < set->classes)
                    changed(context, c, &rules[c], &full[c]);
                rules[c] = full[c];
            }
            free(full);
        }
    }
    for (size_t i = 0; i < p->change_count; i++) {
        const cascade_policy_change *change = &set->changes[p->change_begin + i];
        if (change->group == CASCADE_POOLED_GROUP) {
            for (size_t c = 0; c < set->classes; c++)
                if (pooled[c]) {
                    if (changed)
                        changed(context, c, &rules[c], &change->rule);
                    rules[c] = change->rule;
                }
            rules[set->classes] = change->rule;
        } else if (change->group < set->classes && !pooled[change->group]) {
            if (changed)
                changed(context, change->group, &rules[change->group], &change->rule);
            rules[change->group] = change->rule;
        }
    }
    walk->last[chain] = index;
    return rules;
}

const cascade_class_rule *cascade_policy_walk_step(cascade_policy_walk *walk, size_t index)
{
    return walk_step(walk, index, NULL, NULL);
}

void cascade_policy_walk_free(cascade_policy_walk *walk)
{
    if (!walk)
        return;
    free(walk->chain_of);
    free(walk->rules);
    free(walk->last);
    memset(walk, 0, sizeof *walk);
}

/* Eval figures kept up to date as rules change: the samples of each
 * predicted class, by confidence ascending, are visited only where a rule
 * change moves them (between the old and the new threshold when the second
 * model stays). Counts are kept relative to "every sample answers at the
 * first model". */
typedef struct eval_chain {
    size_t correct;
    size_t *reached;          /* [model_count] */
} eval_chain;

typedef struct eval_context {
    const cascade_dataset *dataset;
    unsigned first;
    const size_t *start;      /* [classes + 1] into samples, for FIRST */
    const uint32_t *samples;  /* each class's samples by FIRST's confidence ascending */
    eval_chain *chain;
} eval_context;

/* How many of class CLS's samples RULE escalates: those with confidence
 * below its threshold (a prefix in confidence order). */
static size_t escalated(const eval_context *e, size_t cls, const cascade_class_rule *rule)
{
    if (rule->second < 0)
        return 0;
    const double *conf = e->dataset->models[e->first].records.confidence;
    size_t lo = e->start[cls], hi = e->start[cls + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (conf[e->samples[mid]] >= rule->threshold)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo - e->start[cls];
}

/* Samples [FROM, TO) of class CLS go to model B (SIGN +1) or come back. */
static void move_samples(const eval_context *e, size_t cls, size_t from, size_t to, int32_t b,
                         long sign)
{
    const uint8_t *ca = e->dataset->models[e->first].records.correct;
    const uint8_t *cb = e->dataset->models[b].records.correct;
    const uint32_t *s = e->samples + e->start[cls];
    long gained = 0;
    for (size_t j = from; j < to; j++)
        gained += (long)cb[s[j]] - (long)ca[s[j]];
    e->chain->reached[b] += (size_t)(sign * (long)(to - from));
    e->chain->correct += (size_t)(sign * gained);
}

static void eval_changed(void *context, size_t cls, const cascade_class_rule *old,
                         const cascade_class_rule *now)
{
    const eval_context *e = context;
    size_t was = escalated(e, cls, old), is = escalated(e, cls, now);
    if (old->second == now->second && now->second >= 0) {
        if (is > was)
            move_samples(e, cls, was, is, now->second, +1);
        else
            move_samples(e, cls, is, was, now->second, -1);
        return;
    }
    if (old->second >= 0)
        move_samples(e, cls, 0, was, old->second, -1);
    if (now->second >= 0)
        move_samples(e, cls, 0, is, now->second, +1);
}

cascade_status cascade_per_class_evaluate_front(const cascade_per_class_front *front,
                                                const cascade_dataset *dataset,
                                                cascade_point *out, cascade_error *error)
{
    const cascade_policy_set *set = &front->policies;
    size_t models = dataset->model_count, classes = set->classes, k = dataset->samples;
    if (classes != dataset->classes)
        return cascade_error_set(error, CASCADE_ERR_VALUE, NULL, -1, -1,
            "the policies have rules for %zu classes but the models have %zu", classes,
            dataset->classes);
    cascade_policy_walk walk;
    cascade_status status = cascade_policy_walk_init(&walk, set);
    eval_chain *chains = calloc(walk.chains ? walk.chains : 1, sizeof *chains);
    /* Per first model, made when its first row comes: [classes + 1], [k]. */
    size_t **start = calloc(models ? models : 1, sizeof *start);
    uint32_t **samples = calloc(models ? models : 1, sizeof *samples);
    confidence_key *keys = malloc((k ? k : 1) * sizeof *keys);
    unsigned *index = malloc((models ? models : 1) * sizeof *index);
    size_t *reached = malloc((models ? models : 1) * sizeof *reached);
    if (status != CASCADE_OK || !chains || !start || !samples || !keys || !index || !reached)
        status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    for (size_t c = 0; status == CASCADE_OK && c < walk.chains; c++)
        if (!(chains[c].reached = calloc(models ? models : 1, sizeof *chains[c].reached)))
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    for (size_t i = 0; i < front->front.count && status == CASCADE_OK; i++) {
        const cascade_point *p = &front->front.points[i];
        if (front->policy[i] == SIZE_MAX) {
            status = cascade_evaluate(dataset, p->stages, p->model, p->threshold, &out[i], error);
            continue;
        }
        size_t policy = front->policy[i];
        unsigned a = set->policies[policy].first;
        if (a >= models || dataset->models[a].table_only) {
            status = cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "the first model of a per-class policy needs per-sample scores");
            break;
        }
        if (!start[a]) {
            if ((status = check_predictions(dataset, a, error)) != CASCADE_OK)
                break;
            start[a] = malloc((classes + 1) * sizeof **start);
            samples[a] = malloc((k ? k : 1) * sizeof **samples);
            if (!start[a] || !samples[a]) {
                status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
                break;
            }
            size_t *st = start[a];
            uint32_t *sm = samples[a];
            /* The samples by the class A predicts, by counting. */
            const int32_t *prediction = dataset->models[a].records.prediction;
            memset(st, 0, (classes + 1) * sizeof *st);
            for (size_t s = 0; s < k; s++)
                st[prediction[s] + 1]++;
            for (size_t c = 0; c < classes; c++)
                st[c + 1] += st[c];
            for (size_t s = 0; s < k; s++)
                sm[st[prediction[s]]++] = (uint32_t)s;
            for (size_t c = classes; c > 0; c--)
                st[c] = st[c - 1];
            st[0] = 0;
            const double *conf = dataset->models[a].records.confidence;
            for (size_t s = 0; s < k; s++)
                keys[s] = (confidence_key){conf[sm[s]], sm[s]};
            for (size_t c = 0; c < classes; c++)
                qsort(keys + st[c], st[c + 1] - st[c], sizeof *keys, by_confidence);
            for (size_t s = 0; s < k; s++)
                sm[s] = keys[s].sample;
        }
        eval_chain *chain = &chains[walk.chain_of[policy]];
        if (walk.last[walk.chain_of[policy]] == SIZE_MAX)
            chain->correct = dataset->models[a].records.correct_count;
        eval_context context = {dataset, a, start[a], samples[a], chain};
        walk_step(&walk, policy, eval_changed, &context);
        unsigned count = 0;
        for (unsigned m = 0; m < models; m++)
            if (m != a) {
                index[count] = m;
                reached[count++] = chain->reached[m];
            }
        policy_point(dataset, a, index, reached, count, chain->correct, &out[i]);
    }
    for (size_t c = 0; c < walk.chains; c++)
        free(chains[c].reached);
    free(chains);
    for (size_t m = 0; m < models && start && samples; m++) {
        free(start[m]);
        free(samples[m]);
    }
    free(start);
    free(samples);
    free(keys);
    free(index);
    free(reached);
    cascade_policy_walk_free(&walk);
    return status;
}

void cascade_policy_set_free(cascade_policy_set *set)
{
    if (!set)
        return;
    free(set->pooled);
    free(set->policies);
    free(set->changes);
    free(set->owned);
    memset(set, 0, sizeof *set);
}
