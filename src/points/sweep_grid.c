/* Chains of three or more stages over the threshold grid.
 *
 * Each stage s < n has G_s grid thresholds t_1 > ... > t_G at quantiles of
 * its confidences; a sample's bin b_s counts the thresholds it reaches, so
 * it exits at threshold index j_s iff b_s >= j_s. One pass fills a table
 * over (b_1..b_(n-1)) with the count of samples and of correct answers by
 * each stage; prefix sums along every axis then give, for every threshold
 * combination j, the samples reaching each stage and the correct answers,
 * each in O(n) lookups: O(k + prod G_s) per chain. */
#include "points/sweep_internal.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

/* Cells past the end of a table that the three-stage walk reads, eight
 * at a time (and ignores). */
enum { ROW_PADDING = 16 };

static int by_grid_cost(const void *pa, const void *pb)
{
    const grid_point *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    if (a->correct != b->correct)
        return a->correct > b->correct ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* by_grid_cost(a, b) < 0, inline */
static inline int grid_before(const grid_point *a, const grid_point *b)
{
    if (a->cost != b->cost)
        return a->cost < b->cost;
    if (a->correct != b->correct)
        return a->correct > b->correct;
    return a->index < b->index;
}

/* Sorts POINTS[0..n) as qsort() with by_grid_cost() does (the order is
 * total, so any sort gives the same), by merging runs in SCRATCH[0..n).
 * A chain keeps a hundred points or so, and qsort's indirect comparisons
 * were a tenth of a three-stage chain's work. */
static void sort_grid_points(grid_point *points, grid_point *scratch, size_t n)
{
    enum { RUN = 8 };
    for (size_t start = 0; start < n; start += RUN) {
        size_t end = start + RUN < n ? start + RUN : n;
        for (size_t i = start + 1; i < end; i++) {
            grid_point p = points[i];
            size_t j = i;
            for (; j > start && grid_before(&p, &points[j - 1]); j--)
                points[j] = points[j - 1];
            points[j] = p;
        }
    }
    grid_point *from = points, *to = scratch;
    for (size_t width = RUN; width < n; width *= 2) {
        for (size_t start = 0; start < n; start += 2 * width) {
            size_t middle = start + width < n ? start + width : n;
            size_t end = start + 2 * width < n ? start + 2 * width : n;
            size_t a = start, b = middle, out = start;
            while (a < middle && b < end)
                to[out++] = grid_before(&from[b], &from[a]) ? from[b++] : from[a++];
            while (a < middle)
                to[out++] = from[a++];
            while (b < end)
                to[out++] = from[b++];
        }
        grid_point *t = from;
        from = to;
        to = t;
    }
    if (from != points)
        memcpy(points, from, n * sizeof *points);
}

/* Prefix sums of a [cells][channels] table along each of DIMS axes: in
 * blocks of extent x stride cells, every cell past the first slice adds the
 * one a slice before (no division per cell: that was half a chain's time). */
void sweep_prefix_sums(uint32_t *table, unsigned channels, unsigned dims,
                       const size_t *extent, const size_t *stride, size_t cells)
{
    for (unsigned s = 0; s < dims; s++) {
        size_t slice = stride[s] * channels, block = extent[s] * slice;
        for (size_t start = 0; start < cells * channels; start += block) {
            if (slice == 1) {
                /* One count a cell along the first axis: the running sum in
                 * a register, where adding the cell before from memory
                 * waited on its store every cell. */
                uint32_t run = table[start];
                for (size_t at = start + 1; at < start + block; at++)
                    table[at] = run += table[at];
                continue;
            }
            if (slice == 3) {
                /* the same for the three counts of a three-stage prefix */
                uint32_t run0 = 0, run1 = 0, run2 = 0;
                for (size_t at = start; at < start + block; at += 3) {
                    table[at] = run0 += table[at];
                    table[at + 1] = run1 += table[at + 1];
                    table[at + 2] = run2 += table[at + 2];
                }
                continue;
            }
            /* a slice at a time: the two never overlap, so this vectorises */
            for (size_t at = start + slice; at < start + block; at += slice) {
                uint32_t *restrict row = table + at;
                const uint32_t *restrict before = table + at - slice;
                for (size_t i = 0; i < slice; i++)
                    row[i] += before[i];
            }
        }
    }
}

/* The table of CHAIN's first n - 1 stages, kept from the chain before when
 * it had the same ones: a sample's cell depends only on them, and so do the
 * count and their right answers. Chains come in lexicographic order, so
 * (a, b, c) for every c shares the work of (a, b). */
static cascade_status prepare_prefix(worker *w, const uint16_t *chain, unsigned n,
                                     const size_t *extent, const size_t *stride, size_t cells)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1, channels = n; /* count, then right by stages 1..n-1 */
    if (w->prefix_length == dims && memcmp(w->prefix, chain, dims * sizeof *chain) == 0)
        return CASCADE_OK;
    w->prefix_length = 0;
    /* then the last stage's channel, read eight cells at a time */
    size_t need = cells * (channels + 1) + ROW_PADDING;
    if (!sweep_grow_table(w, need))
        return CASCADE_ERR_NOMEM;
    if (d->samples > w->cell_capacity) {
        uint32_t *grown = realloc(w->cell_of, d->samples * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->cell_of = grown;
        w->cell_capacity = d->samples;
    }
    /* [cells][channels]: a sample's count and right answers lie together,
     * in one cache line. P(x) = sum over bins b < x. */
    uint32_t *table = w->table;
    memset(table, 0, cells * channels * sizeof *table);
    const uint16_t *bin[CASCADE_MAX_STAGES];
    const uint8_t *right[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < dims; s++) {
        bin[s] = prep[chain[s]].bin;
        right[s] = d->models[chain[s]].records.correct;
    }
    if (dims == 2) {
        /* most chains have three stages: the loops over the stages, unrolled */
        uint32_t *restrict cell_of = w->cell_of;
        for (size_t i = 0; i < d->samples; i++) {
            size_t cell = (bin[0][i] + 1u) + (bin[1][i] + 1u) * stride[1];
            cell_of[i] = (uint32_t)cell;
            uint32_t *counts = table + cell * 3;
            counts[0]++;
            counts[1] += right[0][i];
            counts[2] += right[1][i];
        }
    } else
        for (size_t i = 0; i < d->samples; i++) {
            size_t cell = 0;
            for (unsigned s = 0; s < dims; s++)
                cell += (bin[s][i] + 1u) * stride[s];
            w->cell_of[i] = (uint32_t)cell;
            uint32_t *counts = table + cell * channels;
            counts[0]++;
            for (unsigned s = 0; s < dims; s++)
                counts[s + 1] += right[s][i];
        }
    sweep_prefix_sums(table, channels, dims, extent, stride, cells);
    memcpy(w->prefix, chain, dims * sizeof *chain);
    w->prefix_length = dims;
    return CASCADE_OK;
}

int sweep_grow_table(worker *w, size_t cells)
{
    if (cells <= w->table_capacity)
        return 1;
    uint32_t *grown = realloc(w->table, cells * sizeof *grown);
    if (!grown)
        return 0;
    w->table = grown;
    w->table_capacity = cells;
    return 1;
}

cascade_status sweep_grid_shape(const model_prep *prep, const uint16_t *chain, unsigned n,
                                grid_shape *out)
{
    unsigned dims = n - 1;
    out->cells = 1;
    out->combos = 1;
    for (unsigned s = 0; s < dims; s++) {
        unsigned g = prep[chain[s]].grid_size;
        if (g == 0) {
            out->combos = 0; /* one confidence value: the stage cannot split */
            return CASCADE_OK;
        }
        out->extent[s] = g + 2; /* prefix index x in 0..G+1 */
        out->stride[s] = out->cells;
        if (out->cells > MAX_TABLE_CELLS / out->extent[s])
            return CASCADE_ERR_ARGUMENT;
        out->cells *= out->extent[s];
        out->combos *= g;
    }
    /* after[s]: the cell offset of "any bin" on every axis after s; the
     * same for every combination */
    for (unsigned s = dims; s-- > 0;)
        out->after[s] = s + 1 < dims
                            ? out->after[s + 1] + (out->extent[s + 1] - 1) * out->stride[s + 1]
                            : 0;
    return CASCADE_OK;
}

void sweep_grid_decode(const worker *w, const uint16_t *chain, unsigned n,
                       const grid_shape *shape, const uint32_t *table, unsigned channels,
                       size_t index, cascade_point *p)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1;
    memset(p, 0, sizeof *p);
    p->stages = n;
    size_t prefix = 0, reached_prev = d->samples;
    for (unsigned s = 0; s < dims; s++) {
        unsigned g = prep[chain[s]].grid_size;
        unsigned js = (unsigned)(index % g) + 1;
        index /= g;
        /* j counts from the lowest threshold: grid is descending. */
        p->threshold[s] = prep[chain[s]].grid[g - js];
        size_t below = prefix + shape->after[s] + js * shape->stride[s];
        size_t reached = table[below * channels];
        p->answered[s] = (double)(reached_prev - reached) / (double)d->samples;
        reached_prev = reached;
        prefix += js * shape->stride[s];
    }
    p->answered[dims] = (double)reached_prev / (double)d->samples;
    for (unsigned s = 0; s < n; s++)
        p->model[s] = chain[s];
}

cascade_status sweep_grid_prepare(sweep_shared *sh)
{
    const cascade_dataset *d = sh->dataset;
    size_t samples = d->samples, m = d->model_count, total = 0;
    sh->fraction = malloc((samples + 1) * sizeof *sh->fraction);
    sh->rare_start = malloc((m + 1) * sizeof *sh->rare_start);
    sh->rare_wrong = malloc(m ? m : 1);
    if (!sh->fraction || !sh->rare_start || !sh->rare_wrong)
        return CASCADE_ERR_NOMEM;
    for (size_t r = 0; r <= samples; r++)
        sh->fraction[r] = (double)r / (double)samples;
    for (size_t j = 0; j < m; j++) {
        size_t right = d->models[j].table_only ? 0 : d->models[j].records.correct_count;
        sh->rare_wrong[j] = samples - right < right;
        sh->rare_start[j] = total;
        total += d->models[j].table_only ? 0 : sh->rare_wrong[j] ? samples - right : right;
    }
    sh->rare_start[m] = total;
    sh->rare = malloc((total ? total : 1) * sizeof *sh->rare);
    if (!sh->rare)
        return CASCADE_ERR_NOMEM;
    for (size_t j = 0; j < m; j++) {
        const uint8_t *correct = d->models[j].records.correct;
        uint32_t *out = sh->rare + sh->rare_start[j];
        for (size_t i = 0; !d->models[j].table_only && i < samples; i++)
            if ((correct[i] != 0) != sh->rare_wrong[j])
                *out++ = (uint32_t)i;
    }
    return CASCADE_OK;
}

void sweep_grid_free(sweep_shared *sh)
{
    free(sh->fraction);
    free(sh->rare);
    free(sh->rare_start);
    free(sh->rare_wrong);
    sh->fraction = NULL;
    sh->rare = NULL;
    sh->rare_start = NULL;
    sh->rare_wrong = NULL;
}

/* One chain's prefix-summed tables, and what turns a combination of its
 * thresholds into a point: all that the walks over its combinations read. */
typedef struct grid_walk {
    const uint32_t *table;  /* [cells][channels] the prefix's counts and right answers */
    const uint32_t *last;   /* [cells] the last stage's right answers, prefix-summed */
    const grid_shape *shape;
    unsigned channels, dims;
    size_t samples;
    const double *fraction; /* [samples + 1] r / samples */
    double cost[CASCADE_MAX_STAGES];  /* [dims + 1] each stage's model cost */
    size_t radix[CASCADE_MAX_STAGES]; /* [dims] of a combination's index, stage 1 lightest */
    unsigned grid[CASCADE_MAX_STAGES]; /* [dims] G_s */
} grid_walk;

#define T(cell, c) g->table[(cell) * g->channels + (c)]

/* Every combination j (j_s in 1..G_s): stage s takes the samples with
 * b_r < j_r for r < s and b_s >= j_s. The last threshold varies fastest:
 * everything of the stages before it is then fixed for a run of G
 * combinations, and each combination costs one lookup of its own. Its
 * index keeps the first stage's j the lightest, as the decoding reads it.
 * The cost is summed in the order of cascade_chain_cost(), with r / samples
 * from a table of the same quotients, so that a re-evaluated point matches
 * bit for bit. Stores in w->points every combination (KEEP_ALL) or those
 * that no point found so far beats; returns how many. */
static size_t every_combination(worker *w, const grid_walk *g, int keep_all)
{
    const size_t *extent = g->shape->extent, *stride = g->shape->stride, *after = g->shape->after;
    const double *fraction = g->fraction;
    const uint32_t *last = g->last;
    unsigned dims = g->dims, axis = dims - 1, g_last = g->grid[axis];
    double cost_last = g->cost[dims];
    unsigned j[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < dims; s++)
        j[s] = 1;
    size_t runs = g->shape->combos / g_last, kept = 0;
    for (size_t run = 0; run < runs; run++) {
        size_t reached[CASCADE_MAX_STAGES];
        size_t prefix = 0, index = 0; /* offset of (j_1..j_(s-1)) on the axes before s */
        long long correct = 0;
        reached[0] = g->samples;
        for (unsigned s = 0; s < axis; s++) {
            size_t upto = prefix + after[s] + (extent[s] - 1) * stride[s]; /* b_s any */
            size_t below = prefix + after[s] + j[s] * stride[s];            /* b_s < j_s */
            correct += (long long)T(upto, s + 1) - T(below, s + 1);
            reached[s + 1] = T(below, 0);
            prefix += j[s] * stride[s];
            index += (j[s] - 1) * g->radix[s];
        }
        double cost_before = 0.0;
        for (unsigned s = 0; s < dims; s++)
            cost_before += g->cost[s] * fraction[reached[s]];
        size_t upto = prefix + after[axis] + (extent[axis] - 1) * stride[axis];
        long long correct_before = correct + T(upto, axis + 1);
        for (unsigned jl = 1; jl <= g_last; jl++) {
            size_t below = prefix + after[axis] + jl * stride[axis];
            uint32_t right = (uint32_t)(correct_before - T(below, axis + 1) +
                                        last[prefix + jl * stride[axis]]);
            double cost = cost_before + cost_last * fraction[T(below, 0)];
            /* Most combinations are beaten by a point found already: drop
             * them here, before they are stored and sorted. */
            if (!keep_all) {
                double accuracy = fraction[right]; /* = right / samples, no division */
                if (sweep_cheaply_beaten(w, cost, accuracy) || sweep_dominated(w, cost, accuracy))
                    continue;
            }
            grid_point *gp = &w->points[kept++];
            gp->cost = cost;
            gp->correct = right;
            gp->index = (uint32_t)(index + (jl - 1) * g->radix[axis]);
        }
        for (unsigned s = 0; s < axis; s++) {
            if (++j[s] <= g->grid[s])
                break;
            j[s] = 1;
        }
    }
    return kept;
}

#undef T

/* SIZE-byte items grown to COUNT and the padding, zeroed (NULL when out
 * of memory, OLD then kept). */
static void *grow_padded(void *old, size_t count, size_t size)
{
    char *grown = realloc(old, (count + ROW_PADDING) * size);
    if (grown)
        memset(grown + count * size, 0, ROW_PADDING * size);
    return grown;
}

/* What the prefix (a, b) of a three-stage chain gives each combination
 * (j_a, j_b), whatever the last stage c: the right answers of a and b, the
 * samples reaching c and their fraction, and the cost of a and b along j_a,
 * summed as every_combination() sums them. A chain then adds only c's right
 * answers and cost, reading each in memory order. */
static cascade_status three_stage_rows(worker *w, const uint16_t *chain, const grid_shape *shape)
{
    const cascade_dataset *d = w->shared->dataset;
    const double *fraction = w->shared->fraction;
    const uint32_t *table = w->table; /* [cells][3]: count, right by a, right by b */
    struct three_stage_rows *rows = &w->rows;
    size_t cells = shape->cells, stride = shape->stride[1], after = shape->after[0];
    if (cells > rows->capacity) {
        uint32_t *right = grow_padded(rows->right, cells, sizeof *right);
        if (right)
            rows->right = right;
        uint32_t *reached = grow_padded(rows->reached, cells, sizeof *reached);
        if (reached)
            rows->reached = reached;
        double *reached_fraction = grow_padded(rows->reached_fraction, cells, sizeof *reached_fraction);
        if (reached_fraction)
            rows->reached_fraction = reached_fraction;
        if (!right || !reached || !reached_fraction)
            return CASCADE_ERR_NOMEM;
        rows->capacity = cells;
    }
    if (stride > rows->row_capacity) {
        double *cost = grow_padded(rows->cost, stride, sizeof *cost);
        if (cost)
            rows->cost = cost;
        uint32_t *column = grow_padded(rows->column, stride, sizeof *column);
        if (column)
            rows->column = column;
        if (!cost || !column)
            return CASCADE_ERR_NOMEM;
        rows->row_capacity = stride;
    }
    double cost_a = d->models[chain[0]].cost, cost_b = d->models[chain[1]].cost;
    unsigned grid_a = (unsigned)shape->extent[0] - 2, grid_b = (unsigned)shape->extent[1] - 2;
    size_t everything = shape->extent[0] - 1 + after; /* b_a any, b_b any */
    for (unsigned ja = 1; ja <= grid_a; ja++) {
        size_t reaching_b = ja + after; /* b_a < j_a, b_b any */
        /* a's right answers where b_a >= j_a, b's where b_a < j_a */
        uint32_t right = table[everything * 3 + 1] - table[reaching_b * 3 + 1] +
                         table[reaching_b * 3 + 2];
        double cost = 0.0;
        cost += cost_a * fraction[d->samples];
        cost += cost_b * fraction[table[reaching_b * 3]];
        rows->cost[ja] = cost;
        for (unsigned jb = 1; jb <= grid_b; jb++) {
            size_t cell = ja + jb * stride; /* b_a < j_a, b_b < j_b: on to c */
            rows->right[cell] = right - table[cell * 3 + 2];
            rows->reached[cell] = table[cell * 3];
            rows->reached_fraction[cell] = fraction[table[cell * 3]];
        }
    }
    return CASCADE_OK;
}

/* A three-stage chain's combinations, from three_stage_rows() and c's
 * rarer outcome (its wrong answers when RARE_WRONG) counted by cell. */
typedef struct three_stage_view {
    const uint32_t *rare;             /* [cells] prefix-summed, or by cell (AVX2 walk) */
    const uint32_t *right_ab, *reached; /* [cells] */
    const double *reached_fraction;   /* [cells] */
    const double *cost_ab;            /* [stride] */
    uint32_t *column;                 /* [stride] the AVX2 walk's running sums */
    const double *fraction;           /* [samples + 1] */
    double cost_c;
    size_t stride, radix;             /* of axis 1, in cells and in the index */
    unsigned grid_a, grid_b;
    int rare_wrong;
} three_stage_view;

/* Combination (ja, jb) at CELL, with RARE of c's rarer outcome among the
 * samples reaching c: stored in w->points when no point found so far beats
 * it, tested as every_combination() tests it. */
static inline __attribute__((always_inline)) void
three_stage_one(worker *w, const three_stage_view *v, int rare_wrong, size_t cell,
                unsigned ja, unsigned jb, uint32_t rare, size_t *kept)
{
    uint32_t right_c = rare_wrong ? v->reached[cell] - rare : rare;
    uint32_t right = v->right_ab[cell] + right_c;
    double cost = v->cost_ab[ja] + v->cost_c * v->reached_fraction[cell];
    double accuracy = v->fraction[right];
    if (sweep_cheaply_beaten(w, cost, accuracy) || sweep_dominated(w, cost, accuracy))
        return;
    grid_point *gp = &w->points[(*kept)++];
    gp->cost = cost;
    gp->correct = right;
    gp->index = (uint32_t)((ja - 1) + (jb - 1) * v->radix);
}

/* The combinations of a three-stage chain that no point found so far beats,
 * as every_combination() finds them, from c's prefix-summed rarer outcome.
 * Along a row j_a varies, and everything is read in memory order. */
static inline __attribute__((always_inline)) size_t
three_stage_combinations(worker *w, const three_stage_view *v, int rare_wrong)
{
    size_t kept = 0;
    for (unsigned jb = 1; jb <= v->grid_b; jb++)
        for (unsigned ja = 1; ja <= v->grid_a; ja++) {
            size_t cell = jb * v->stride + ja;
            three_stage_one(w, v, rare_wrong, cell, ja, jb, v->rare[cell], &kept);
        }
    return kept;
}

static size_t three_stage_default(worker *w, const three_stage_view *v, const grid_shape *shape)
{
    sweep_prefix_sums((uint32_t *)v->rare, 1, 2, shape->extent, shape->stride, shape->cells);
    return v->rare_wrong ? three_stage_combinations(w, v, 1) : three_stage_combinations(w, v, 0);
}

#if defined(__x86_64__) && defined(__GNUC__)
/* Running sums of eight counts: lane i gets lanes 0..i. */
__attribute__((target("avx2"))) static inline __m256i running_sums(__m256i x)
{
    x = _mm256_add_epi32(x, _mm256_slli_si256(x, 4));
    x = _mm256_add_epi32(x, _mm256_slli_si256(x, 8));
    /* then the low half's total into the high half */
    __m256i total = _mm256_shuffle_epi32(x, _MM_SHUFFLE(3, 3, 3, 3));
    return _mm256_add_epi32(x, _mm256_permute2x128_si256(total, total, 0x08));
}

/* The same, eight combinations at a time. c's counts by cell are summed on
 * the way, row by row: a column's running sum over the rows so far, then
 * running sums along the row. Right answers and costs are the same sums in
 * the same order (the same doubles); sweep_cheaply_beaten() is done in
 * integers (w->cheap_right, gathered by cost bucket). The few combinations
 * it lets through are tested again one by one, and only they can reach
 * sweep_dominated(). */
__attribute__((target("avx2"))) static inline __attribute__((always_inline)) size_t
three_stage_avx2_walk(worker *w, const three_stage_view *v, int rare_wrong)
{
    static const uint32_t beats_nothing = 0;
    const uint32_t *cheap_right = w->cheap_count ? w->cheap_right : &beats_nothing;
    /* slot = clamp(key - first + 1, 0, count), key = (bits >> 44) + 1 */
    const __m256i slot_shift = _mm256_set1_epi32((int32_t)w->cheap_first - 2);
    const __m256i slot_last = _mm256_set1_epi32((int32_t)w->cheap_count);
    const __m256i zero = _mm256_setzero_si256(), last_lane = _mm256_set1_epi32(7);
    const __m256d cost_c = _mm256_set1_pd(v->cost_c), no_cost = _mm256_setzero_pd();
    uint32_t *restrict column = v->column;
    const uint32_t *restrict by_cell = v->rare, *restrict reached = v->reached;
    const uint32_t *restrict right_ab = v->right_ab;
    const double *restrict reached_fraction = v->reached_fraction, *restrict cost_ab = v->cost_ab;
    unsigned grid_a = v->grid_a, grid_b = v->grid_b;
    size_t stride = v->stride;
    /* the columns 0..grid_a, in blocks of eight from 1: column 0 stays 0 */
    memset(column, 0, (grid_a + ROW_PADDING + 1) * sizeof *column);
    size_t kept = 0;
    for (unsigned jb = 1; jb <= grid_b; jb++) {
        size_t row = jb * stride;
        __m256i carry = zero; /* the row's running sum so far */
        for (unsigned ja = 1; ja <= grid_a; ja += 8) {
            size_t cell = row + ja;
            __m256i sums = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(column + ja)),
                                            _mm256_loadu_si256((const __m256i *)(by_cell + cell)));
            _mm256_storeu_si256((__m256i *)(column + ja), sums);
            __m256i rare = _mm256_add_epi32(running_sums(sums), carry);
            carry = _mm256_permutevar8x32_epi32(rare, last_lane);
            __m256i right_c =
                rare_wrong
                    ? _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)(reached + cell)), rare)
                    : rare;
            __m256i right = _mm256_add_epi32(
                _mm256_loadu_si256((const __m256i *)(right_ab + cell)), right_c);
            __m256d low = _mm256_add_pd(_mm256_loadu_pd(cost_ab + ja),
                _mm256_mul_pd(cost_c, _mm256_loadu_pd(reached_fraction + cell)));
            __m256d high = _mm256_add_pd(_mm256_loadu_pd(cost_ab + ja + 4),
                _mm256_mul_pd(cost_c, _mm256_loadu_pd(reached_fraction + cell + 4)));
            /* the low 32 bits of each 64-bit lane, in order: keys fit */
            __m256 keys = _mm256_shuffle_ps(
                _mm256_castsi256_ps(_mm256_srli_epi64(_mm256_castpd_si256(low), 44)),
                _mm256_castsi256_ps(_mm256_srli_epi64(_mm256_castpd_si256(high), 44)),
                _MM_SHUFFLE(2, 0, 2, 0));
            __m256 positive = _mm256_shuffle_ps(
                _mm256_castpd_ps(_mm256_cmp_pd(low, no_cost, _CMP_GT_OQ)),
                _mm256_castpd_ps(_mm256_cmp_pd(high, no_cost, _CMP_GT_OQ)),
                _MM_SHUFFLE(2, 0, 2, 0));
            __m256i slot = _mm256_permute4x64_epi64(_mm256_castps_si256(keys),
                                                    _MM_SHUFFLE(3, 1, 2, 0));
            slot = _mm256_min_epi32(_mm256_max_epi32(_mm256_sub_epi32(slot, slot_shift), zero),
                                    slot_last);
            /* a cost of 0 or less has key 0: below every bucket */
            slot = _mm256_and_si256(slot, _mm256_permute4x64_epi64(_mm256_castps_si256(positive),
                                                                   _MM_SHUFFLE(3, 1, 2, 0)));
            __m256i need = _mm256_i32gather_epi32((const int *)cheap_right, slot, 4);
            /* right and need are at most the samples, below 2^31 */
            unsigned beaten = (unsigned)_mm256_movemask_ps(
                _mm256_castsi256_ps(_mm256_cmpgt_epi32(need, right)));
            unsigned left = ~beaten & 0xffu;
            if (grid_a - ja < 7)
                left &= (1u << (grid_a - ja + 1)) - 1; /* the row ends */
            if (!left)
                continue;
            uint32_t counts[8];
            _mm256_storeu_si256((__m256i *)counts, rare);
            for (; left; left &= left - 1) {
                unsigned lane = (unsigned)__builtin_ctz(left);
                three_stage_one(w, v, rare_wrong, cell + lane, ja + lane, jb, counts[lane], &kept);
            }
        }
    }
    return kept;
}

__attribute__((target("avx2"))) static size_t three_stage_avx2(worker *w,
                                                               const three_stage_view *v)
{
    return v->rare_wrong ? three_stage_avx2_walk(w, v, 1) : three_stage_avx2_walk(w, v, 0);
}

/* The AVX2 walk sixteen combinations at a time, for CPUs with AVX-512:
 * the same integer sums (in another order, which integers do not mind) and
 * the same doubles, lane by lane. */
#define AVX512_WALK __attribute__((target("avx512f,avx512dq,avx2")))

/* Running sums of sixteen counts: lane i gets lanes 0..i. */
AVX512_WALK static inline __m512i running_sums16(__m512i x)
{
    const __m512i zero = _mm512_setzero_si512();
    x = _mm512_add_epi32(x, _mm512_alignr_epi32(x, zero, 15));
    x = _mm512_add_epi32(x, _mm512_alignr_epi32(x, zero, 14));
    x = _mm512_add_epi32(x, _mm512_alignr_epi32(x, zero, 12));
    return _mm512_add_epi32(x, _mm512_alignr_epi32(x, zero, 8));
}

/* Keys of eight costs, as the AVX2 walk takes them: bits >> 44, in order. */
AVX512_WALK static inline __m256i cost_keys8(__m512d cost)
{
    return _mm512_cvtepi64_epi32(_mm512_srli_epi64(_mm512_castpd_si512(cost), 44));
}

AVX512_WALK static inline __attribute__((always_inline)) size_t
three_stage_avx512_walk(worker *w, const three_stage_view *v, int rare_wrong)
{
    static const uint32_t beats_nothing = 0;
    const uint32_t *cheap_right = w->cheap_count ? w->cheap_right : &beats_nothing;
    const __m512i slot_shift = _mm512_set1_epi32((int32_t)w->cheap_first - 2);
    const __m512i slot_last = _mm512_set1_epi32((int32_t)w->cheap_count);
    const __m512i zero = _mm512_setzero_si512(), last_lane = _mm512_set1_epi32(15);
    const __m512d cost_c = _mm512_set1_pd(v->cost_c), no_cost = _mm512_setzero_pd();
    uint32_t *restrict column = v->column;
    const uint32_t *restrict by_cell = v->rare, *restrict reached = v->reached;
    const uint32_t *restrict right_ab = v->right_ab;
    const double *restrict reached_fraction = v->reached_fraction, *restrict cost_ab = v->cost_ab;
    unsigned grid_a = v->grid_a, grid_b = v->grid_b;
    size_t stride = v->stride;
    memset(column, 0, (grid_a + ROW_PADDING + 1) * sizeof *column);
    size_t kept = 0;
    for (unsigned jb = 1; jb <= grid_b; jb++) {
        size_t row = jb * stride;
        __m512i carry = zero;
        for (unsigned ja = 1; ja <= grid_a; ja += 16) {
            size_t cell = row + ja;
            __m512i sums = _mm512_add_epi32(_mm512_loadu_si512(column + ja),
                                            _mm512_loadu_si512(by_cell + cell));
            _mm512_storeu_si512(column + ja, sums);
            __m512i rare = _mm512_add_epi32(running_sums16(sums), carry);
            carry = _mm512_permutexvar_epi32(last_lane, rare);
            __m512i right_c =
                rare_wrong ? _mm512_sub_epi32(_mm512_loadu_si512(reached + cell), rare) : rare;
            __m512i right = _mm512_add_epi32(_mm512_loadu_si512(right_ab + cell), right_c);
            __m512d low = _mm512_add_pd(_mm512_loadu_pd(cost_ab + ja),
                _mm512_mul_pd(cost_c, _mm512_loadu_pd(reached_fraction + cell)));
            __m512d high = _mm512_add_pd(_mm512_loadu_pd(cost_ab + ja + 8),
                _mm512_mul_pd(cost_c, _mm512_loadu_pd(reached_fraction + cell + 8)));
            __m512i slot = _mm512_inserti64x4(_mm512_castsi256_si512(cost_keys8(low)),
                                              cost_keys8(high), 1);
            slot = _mm512_min_epi32(_mm512_max_epi32(_mm512_sub_epi32(slot, slot_shift), zero),
                                    slot_last);
            /* a cost of 0 or less has key 0: below every bucket */
            __mmask16 positive = (__mmask16)(_mm512_cmp_pd_mask(low, no_cost, _CMP_GT_OQ) |
                                             (unsigned)_mm512_cmp_pd_mask(high, no_cost, _CMP_GT_OQ) << 8);
            slot = _mm512_maskz_mov_epi32(positive, slot);
            __m512i need = _mm512_i32gather_epi32(slot, (const int *)cheap_right, 4);
            unsigned left = (unsigned)(__mmask16)~_mm512_cmpgt_epi32_mask(need, right);
            if (grid_a - ja < 15)
                left &= (1u << (grid_a - ja + 1)) - 1; /* the row ends */
            if (!left)
                continue;
            uint32_t counts[16];
            _mm512_storeu_si512(counts, rare);
            for (; left; left &= left - 1) {
                unsigned lane = (unsigned)__builtin_ctz(left);
                three_stage_one(w, v, rare_wrong, cell + lane, ja + lane, jb, counts[lane], &kept);
            }
        }
    }
    return kept;
}

AVX512_WALK static size_t three_stage_avx512(worker *w, const three_stage_view *v)
{
    return v->rare_wrong ? three_stage_avx512_walk(w, v, 1) : three_stage_avx512_walk(w, v, 0);
}

static int avx2_present, avx512_present;

static void detect_avx2(void)
{
    __builtin_cpu_init();
    avx2_present = __builtin_cpu_supports("avx2");
    avx512_present = avx2_present && __builtin_cpu_supports("avx512f") &&
                     __builtin_cpu_supports("avx512dq");
}
#endif

static sweep_walk widest_walk = SWEEP_WALK_AVX512;

void sweep_grid_widest_walk(sweep_walk widest)
{
    widest_walk = widest;
}

/* The three-stage walk over c's counts by cell in LAST (summed in place
 * where there is no AVX2), the widest the CPU has. Dispatched by hand, as
 * sweep_first_stage() is, and for the same reason. */
static size_t three_stage(worker *w, const grid_walk *g, uint32_t *last, int rare_wrong)
{
    three_stage_view v = {last, w->rows.right, w->rows.reached, w->rows.reached_fraction,
                          w->rows.cost, w->rows.column, g->fraction, g->cost[2],
                          g->shape->stride[1], g->radix[1], g->grid[0], g->grid[1], rare_wrong};
#if defined(__x86_64__) && defined(__GNUC__)
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, detect_avx2);
    if (avx512_present && widest_walk >= SWEEP_WALK_AVX512)
        return three_stage_avx512(w, &v);
    if (avx2_present && widest_walk >= SWEEP_WALK_AVX2)
        return three_stage_avx2(w, &v);
#endif
    return three_stage_default(w, &v, g->shape);
}

/* A chain of n >= 3 stages over the threshold grid. */
cascade_status sweep_grid_chain(worker *w, const uint16_t *chain, unsigned n)
{
    const cascade_dataset *d = w->shared->dataset;
    const model_prep *prep = w->shared->prep;
    unsigned dims = n - 1, channels = n; /* the prefix's channels; the last apart */
    grid_shape shape;
    cascade_status status = sweep_grid_shape(prep, chain, n, &shape);
    if (status != CASCADE_OK || shape.combos == 0)
        return status;
    const size_t *extent = shape.extent, *stride = shape.stride;
    size_t cells = shape.cells, combos = shape.combos;
    int fresh = !(w->prefix_length == dims && memcmp(w->prefix, chain, dims * sizeof *chain) == 0);
    status = prepare_prefix(w, chain, n, extent, stride, cells);
    if (status == CASCADE_OK && fresh && dims == 2)
        status = three_stage_rows(w, chain, &shape);
    if (status != CASCADE_OK)
        return status;
    if (combos > w->points_capacity) {
        grid_point *grown = realloc(w->points, combos * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        w->points = grown;
        w->points_capacity = combos;
    }
    uint32_t *table = w->table, *last = w->table + cells * channels;
#define T(cell, c) table[(cell) * channels + (c)]
    /* The last stage's rarer outcome counted by cell (a model right on 80%
     * of the samples adds a fifth of them). The walk over every combination
     * wants its right answers prefix-summed: the counts summed, and when
     * they are its wrong answers, the cell counts (channel 0, prefix-summed
     * alike) minus them; the three-stage walk does both its own way. */
    const sweep_shared *sh = w->shared;
    unsigned final = chain[n - 1];
    memset(last, 0, (cells + ROW_PADDING) * sizeof *last);
    for (size_t p = sh->rare_start[final]; p < sh->rare_start[final + 1]; p++)
        last[w->cell_of[sh->rare[p]]]++;
    const double *fraction = sh->fraction;
    int keep_all = sh->options->all_points != NULL;
    /* --no-skip and --points all walk every combination as before: the
     * first is then a check on the three-stage walk. */
    int three_stages = dims == 2 && !keep_all && !sh->options->no_skip;
    if (!three_stages) {
        sweep_prefix_sums(last, 1, dims, extent, stride, cells);
        if (sh->rare_wrong[final])
            for (size_t cell = 0; cell < cells; cell++)
                last[cell] = T(cell, 0) - last[cell];
    }
#undef T
    grid_walk g = {table, last, &shape, channels, dims, d->samples, fraction, {0}, {0}, {0}};
    for (unsigned s = 0; s < n; s++)
        g.cost[s] = d->models[chain[s]].cost;
    for (unsigned s = 0; s < dims; s++) {
        g.grid[s] = prep[chain[s]].grid_size;
        g.radix[s] = s ? g.radix[s - 1] * g.grid[s - 1] : 1;
    }
    size_t kept = three_stages ? three_stage(w, &g, last, sh->rare_wrong[final])
                               : every_combination(w, &g, keep_all);
    w->stats.candidates += combos;
    combos = kept;
    if (!keep_all) {
        /* Refinement's windows keep thousands of points a chain: their
         * scratch from the heap (qsort only without it). */
        grid_point scratch[1024];
        grid_point *big = combos > sizeof scratch / sizeof *scratch
                              ? malloc(combos * sizeof *big) : NULL;
        if (combos <= sizeof scratch / sizeof *scratch)
            sort_grid_points(w->points, scratch, combos);
        else if (big)
            sort_grid_points(w->points, big, combos);
        else
            qsort(w->points, combos, sizeof *w->points, by_grid_cost);
        free(big);
    }
    long long best = -1;
    for (size_t c = 0; c < combos; c++) {
        grid_point *gp = &w->points[c];
        if ((long long)gp->correct <= best && !keep_all)
            continue;
        if ((long long)gp->correct > best)
            best = gp->correct;
        double accuracy = fraction[gp->correct];
        if (!keep_all && sweep_dominated(w, gp->cost, accuracy))
            continue;
        /* Decode the combination and count the answers per stage again:
         * only for the few points kept. */
        cascade_point p;
        sweep_grid_decode(w, chain, n, &shape, table, channels, gp->index, &p);
        p.accuracy = accuracy;
        p.cost = gp->cost;
        if (sweep_worker_add(w, &p) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    return CASCADE_OK;
}
