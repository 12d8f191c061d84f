/* The sweep's driver: single models, the chains to search, the work queue
 * and its threads, and the merge of the workers' fronts. The per-chain
 * work is in sweep_pairs.c (exact pairs) and sweep_grid.c (longer chains). */
#include "cascade/sweep.h"
#include "points/sweep_internal.h"

#include "common/big_alloc.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int by_cost(const void *pa, const void *pb, const cascade_dataset *d)
{
    double a = d->models[*(const uint16_t *)pa].cost, b = d->models[*(const uint16_t *)pb].cost;
    if (a != b)
        return a < b ? -1 : 1;
    return *(const uint16_t *)pa - *(const uint16_t *)pb;
}

/* Insertion sort: a few hundred models at most, and it needs the dataset. */
static void sort_by_cost(uint16_t *ids, size_t n, const cascade_dataset *d)
{
    for (size_t i = 1; i < n; i++) {
        uint16_t v = ids[i];
        size_t j = i;
        while (j > 0 && by_cost(&ids[j - 1], &v, d) > 0) {
            ids[j] = ids[j - 1];
            j--;
        }
        ids[j] = v;
    }
}

/* Chains of LENGTH drawn from IDS (sorted by cost), strictly increasing cost. */
static cascade_status enumerate_chains(const cascade_dataset *d, const uint16_t *ids,
                                       size_t n, unsigned length, chain_list *out,
                                       cascade_error *error)
{
    out->length = length;
    out->count = 0;
    out->models = NULL;
    if (n < length)
        return CASCADE_OK;
    size_t capacity = 0;
    unsigned pos[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < length; s++)
        pos[s] = s;
    for (;;) {
        int valid = 1;
        for (unsigned s = 1; s < length && valid; s++)
            valid = d->models[ids[pos[s - 1]]].cost < d->models[ids[pos[s]]].cost;
        if (valid) {
            if (out->count == capacity) {
                capacity = capacity ? 2 * capacity : 256;
                if (capacity > ((size_t)1 << 31) / length)
                    return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                        "too many chains of %u stages (expected fewer models: use --front-only or --models)",
                        length);
                uint16_t *grown = realloc(out->models, capacity * length * sizeof *grown);
                if (!grown)
                    return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
                out->models = grown;
            }
            for (unsigned s = 0; s < length; s++)
                out->models[out->count * length + s] = ids[pos[s]];
            out->count++;
        }
        /* next combination of LENGTH positions out of N */
        int s = (int)length - 1;
        while (s >= 0 && pos[s] == n - length + (unsigned)s)
            s--;
        if (s < 0)
            break;
        pos[s]++;
        for (unsigned t = (unsigned)s + 1; t < length; t++)
            pos[t] = pos[t - 1] + 1;
    }
    return CASCADE_OK;
}

static void report_progress(sweep_shared *sh, size_t done)
{
    const cascade_sweep_options *o = sh->options;
    if (!o->progress || sh->total_chains == 0)
        return;
    if (done == sh->total_chains || done - sh->last_report >= sh->total_chains / 100 + 1) {
        sh->last_report = done;
        o->progress(o->progress_context, done, sh->total_chains, "chains");
    }
}

/* Takes the next batch of chains of one length from the queue. */
static int next_batch(sweep_shared *sh, unsigned *length, size_t *start, size_t *count)
{
    enum { BATCH = 16 };
    pthread_mutex_lock(&sh->lock);
    int found = 0;
    while (sh->status == CASCADE_OK && sh->list_index <= sh->list_end) {
        chain_list *list = &sh->lists[sh->list_index];
        if (sh->next_chain < list->count) {
            *length = list->length;
            *start = sh->next_chain;
            *count = list->count - sh->next_chain < BATCH ? list->count - sh->next_chain : BATCH;
            if (sh->by_sample) {
                /* Chains come grouped by their first length - 1 stages: take
                 * a whole group, whose pairs are swept at once, or whose
                 * longer chains share their tables (sweep_grid.c). */
                unsigned stages = list->length;
                const uint16_t *first = list->models + stages * *start;
                size_t n = 1;
                while (*start + n < list->count &&
                       memcmp(first + stages * n, first, (stages - 1) * sizeof *first) == 0)
                    n++;
                *count = n;
            }
            sh->next_chain += *count;
            found = 1;
            break;
        }
        sh->list_index++;
        sh->next_chain = 0;
    }
    pthread_mutex_unlock(&sh->lock);
    return found;
}

cascade_status sweep_grid_chain_scored(worker *w, const uint16_t *chain, unsigned n)
{
    const cascade_dataset *d = w->shared->dataset;
    return w->shared->per_sample                ? sweep_per_sample_grid_chain(w, chain, n)
           : d->score == CASCADE_SCORE_ACCURACY ? sweep_grid_chain(w, chain, n)
                                                : sweep_score_grid_chain(w, chain, n);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    sweep_shared *sh = w->shared;
    /* The bounds count right answers at constant costs: they hold for
     * accuracy only, without per-sample inputs. */
    int per_sample = sh->per_sample;
    int by_accuracy = sh->dataset->score == CASCADE_SCORE_ACCURACY && !per_sample;
    int skip = !sh->options->no_skip && !sh->options->all_points && by_accuracy;
    unsigned length;
    size_t start, count;
    while (w->status == CASCADE_OK && next_batch(sh, &length, &start, &count)) {
        const chain_list *list = &sh->lists[length];
        /* pairs of one first stage all at once, else chain by chain */
        int batched = length == 2 && sh->by_sample && by_accuracy &&
                      sweep_first_stage(w, list->models + 2 * start, count, skip);
        for (size_t c = start; !batched && c < start + count && w->status == CASCADE_OK; c++) {
            const uint16_t *chain = list->models + c * length;
            if (skip) {
                double bound = sweep_oracle_bound(sh, chain, length) / (double)sh->dataset->samples;
                if (sweep_dominated(w, sh->dataset->models[chain[0]].cost, bound) ||
                    (length >= 3 && sweep_gain_beaten(w, chain, length))) {
                    w->stats.chains_skipped++;
                    continue;
                }
            }
            if (length >= 3)
                w->status = sweep_grid_chain_scored(w, chain, length);
            else
                w->status = per_sample    ? sweep_per_sample_pair(w, chain[0], chain[1])
                            : by_accuracy ? sweep_pair(w, chain[0], chain[1])
                                          : sweep_score_pair(w, chain[0], chain[1]);
            w->stats.chains_swept++;
        }
        pthread_mutex_lock(&sh->lock);
        sh->chains_done += count;
        if (w->status != CASCADE_OK && sh->status == CASCADE_OK)
            sh->status = w->status;
        report_progress(sh, sh->chains_done);
        pthread_mutex_unlock(&sh->lock);
    }
    return NULL;
}

cascade_status cascade_sweep_chain(const cascade_dataset *dataset, const unsigned *models,
                                   unsigned stages, unsigned grid, cascade_front *out,
                                   cascade_error *error)
{
    if (stages < 2 || stages > CASCADE_MAX_STAGES)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "a chain of %u stages (expected 2 to %d)", stages, CASCADE_MAX_STAGES);
    cascade_status checked = sweep_check_score(dataset, stages, error);
    if (checked == CASCADE_OK)
        checked = sweep_check_per_sample(dataset, stages, error);
    if (checked != CASCADE_OK)
        return checked;
    uint16_t chain[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < stages; s++) {
        if (models[s] >= dataset->model_count)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "model index %u is out of range (expected < %zu)", models[s], dataset->model_count);
        chain[s] = (uint16_t)models[s];
    }
    cascade_sweep_options options = {.no_skip = 1};
    sweep_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.dataset = dataset;
    sh.options = &options;
    sh.per_sample = cascade_dataset_per_sample(dataset);
    sh.prep = calloc(dataset->model_count, sizeof *sh.prep);
    worker w;
    memset(&w, 0, sizeof w);
    w.shared = &sh;
    cascade_front_init(&w.front);
    sh.joint = malloc(dataset->model_count * dataset->model_count * sizeof *sh.joint);
    cascade_status status = sh.prep && sh.joint ? CASCADE_OK : CASCADE_ERR_NOMEM;
    if (status == CASCADE_OK)
        status = sweep_joint_correct(dataset, sh.joint);
    if (status == CASCADE_OK && stages >= 3)
        status = sweep_grid_prepare(&sh);
    for (unsigned s = 0; s + 1 < stages && status == CASCADE_OK; s++)
        if (!sh.prep[chain[s]].order)
            status = sweep_prepare_model(&dataset->models[chain[s]].records,
                                   stages >= 3 ? (grid ? grid : DEFAULT_GRID) : 0,
                                   &sh.prep[chain[s]], NULL);
    if (status == CASCADE_OK && sh.per_sample)
        status = stages == 2 ? sweep_per_sample_pair(&w, chain[0], chain[1])
                             : sweep_per_sample_grid_chain(&w, chain, stages);
    else if (status == CASCADE_OK && dataset->score != CASCADE_SCORE_ACCURACY)
        status = stages == 2 ? sweep_score_pair(&w, chain[0], chain[1])
                             : sweep_score_grid_chain(&w, chain, stages);
    else if (status == CASCADE_OK)
        status = stages == 2 ? sweep_pair(&w, chain[0], chain[1])
                             : sweep_grid_chain(&w, chain, stages);
    if (status == CASCADE_OK)
        sweep_finish_pair_thresholds(&w.front);
    for (size_t i = 0; i < w.front.count && status == CASCADE_OK; i++)
        status = cascade_front_add(out, &w.front.points[i]);
    if (sh.prep)
        for (size_t i = 0; i < dataset->model_count; i++)
            sweep_free_prep(&sh.prep[i]);
    free(sh.prep);
    free(sh.joint);
    sweep_grid_free(&sh);
    sweep_worker_free(&w);
    if (status == CASCADE_ERR_ARGUMENT)
        return cascade_error_set(error, status, NULL, -1, -1,
            "a %u-stage threshold table exceeds %d cells (expected a smaller grid)",
            stages, MAX_TABLE_CELLS);
    if (status != CASCADE_OK)
        return cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    return CASCADE_OK;
}

static double seconds_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Chains timed: those that fill a count table, and those that reuse it. */
typedef struct chain_times {
    double first, next;       /* seconds */
    size_t firsts, nexts;     /* chains */
} chain_times;

/* Times a few runs of LIST spread over it with W: the first chain of each
 * on its own (it fills the count table), then up to NEXT_TIMED more of the
 * run together, added to TIMES. KEEP: W keeps the chains' points, and
 * reduces its front after; else W goes back to its reduced front after
 * each run. */
static cascade_status time_runs(worker *w, const chain_list *list, int keep, chain_times *times)
{
    enum { SAMPLES = 15, NEXT_TIMED = 31 };
    unsigned n = list->length;
    size_t samples = list->count < SAMPLES ? list->count : SAMPLES;
    cascade_status status = CASCADE_OK;
    for (size_t s = 0; s < samples && status == CASCADE_OK; s++) {
        size_t c = s * list->count / samples;
        const uint16_t *chain = list->models + c * n;
        w->prefix_length = 0; /* the first chain of a run fills the table */
        double start = seconds_now();
        status = sweep_grid_chain_scored(w, chain, n);
        times->first += seconds_now() - start;
        times->firsts++;
        size_t more = 0;
        start = seconds_now();
        while (status == CASCADE_OK && more < NEXT_TIMED && c + more + 1 < list->count &&
               memcmp(chain, chain + (more + 1) * n, (n - 1) * sizeof *chain) == 0)
            status = sweep_grid_chain_scored(w, chain + ++more * n, n);
        times->next += seconds_now() - start;
        times->nexts += more;
        if (!keep) /* back to the reduced front, [0, reduced) */
            w->front.count = w->reduced;
    }
    return status == CASCADE_OK && keep ? sweep_worker_reduce(w) : status;
}

/* Seconds that the chains of LIST would take on THREADS threads, none
 * skipped: an estimate, not a bound. Chains with the same first N - 1
 * stages come together and share one count table: the first of each run
 * fills it (O(k)), the others add their last stage. A scratch worker that
 * keeps nothing times a few runs (time_runs), and the mean times are scaled
 * by how many runs and chains there are. It starts from FRONT, the front of
 * the shorter chains, as the sweep's workers do, but their fronts then take
 * in the points of the chains they sweep, and a chain's time depends on
 * how many of its points pass the front: so the scratch worker sweeps the
 * runs once to take in their points before it times them: timed from
 * FRONT alone, set (iii)'s triples kept many more points than the sweep's
 * do on average, and the estimate came out several times too long. */
static cascade_status estimate_seconds(sweep_shared *sh, const chain_list *list,
                                       const cascade_front *front, unsigned threads,
                                       double *seconds)
{
    /* The same tables, but with --points all the scratch worker's points go
     * to a front of its own, dropped after: none may reach the output. */
    cascade_front scratch_points;
    cascade_front_init(&scratch_points);
    cascade_sweep_options scratch_options = *sh->options;
    if (scratch_options.all_points)
        scratch_options.all_points = &scratch_points;
    sweep_shared scratch = *sh;
    scratch.options = &scratch_options;
    unsigned n = list->length;
    size_t runs = 0;
    for (size_t c = 0; c < list->count; c++)
        runs += c == 0 || memcmp(list->models + c * n, list->models + (c - 1) * n,
                                 (n - 1) * sizeof *list->models) != 0;
    worker w;
    memset(&w, 0, sizeof w);
    w.shared = &scratch;
    cascade_front_init(&w.front);
    cascade_status status = CASCADE_OK;
    for (size_t i = 0; i < front->count && status == CASCADE_OK; i++)
        status = cascade_front_add(&w.front, &front->points[i]);
    if (status == CASCADE_OK)
        status = sweep_worker_reduce(&w);
    chain_times warm = {0}, times = {0};
    if (status == CASCADE_OK)
        status = time_runs(&w, list, 1, &warm);
    if (status == CASCADE_OK)
        status = time_runs(&w, list, 0, &times);
    double per_first = times.firsts ? times.first / (double)times.firsts : 0;
    double per_next = times.nexts ? times.next / (double)times.nexts : per_first;
    *seconds = ((double)runs * per_first + (double)(list->count - runs) * per_next) /
               (double)threads;
    sweep_worker_free(&w);
    cascade_front_free(&scratch_points);
    return status;
}

static cascade_status add_single_models(const cascade_dataset *d, const uint16_t *ids,
                                        size_t n, cascade_front *front)
{
    for (size_t c = 0; c < n; c++) {
        unsigned m = ids[c];
        cascade_point p;
        memset(&p, 0, sizeof p);
        p.stages = 1;
        p.model[0] = m;
        p.accuracy = d->models[m].table_only
                         ? d->models[m].accuracy
                     : d->score == CASCADE_SCORE_ACCURACY
                         ? (double)d->models[m].records.correct_count / (double)d->samples
                         : cascade_model_score(d, m);
        if (isnan(p.accuracy))
            return CASCADE_ERR_NOMEM;
        p.cost = d->models[m].cost;
        p.answered[0] = 1.0;
        if (cascade_front_add(front, &p) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
    }
    return CASCADE_OK;
}

/* Preparing the models (a sort each) on the worker threads. */
typedef struct prepare_job {
    sweep_shared *sh;
    const uint16_t *ids;
    size_t count;
    unsigned grid;
    size_t next;          /* under sh->lock */
    cascade_status status;
} prepare_job;

static void *prepare_main(void *arg)
{
    prepare_job *job = arg;
    sort_scratch scratch = {0};
    for (;;) {
        pthread_mutex_lock(&job->sh->lock);
        size_t i = job->next < job->count && job->status == CASCADE_OK ? job->next++ : job->count;
        pthread_mutex_unlock(&job->sh->lock);
        if (i == job->count) {
            sweep_free_scratch(&scratch);
            return NULL;
        }
        unsigned m = job->ids[i];
        cascade_status status = sweep_prepare_model(&job->sh->dataset->models[m].records,
                                                    job->grid, &job->sh->prep[m], &scratch);
        if (status != CASCADE_OK) {
            pthread_mutex_lock(&job->sh->lock);
            job->status = status;
            pthread_mutex_unlock(&job->sh->lock);
        }
    }
}

static cascade_status prepare_models(sweep_shared *sh, const uint16_t *ids, size_t count,
                                     unsigned grid)
{
    enum { MAX_THREADS = 64 };
    prepare_job job = {sh, ids, count, grid, 0, CASCADE_OK};
    if (count == 0)
        return CASCADE_OK;
    unsigned threads = sweep_thread_count(sh->options);
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    pthread_t helpers[MAX_THREADS];
    unsigned started = 0;
    pthread_mutex_init(&sh->lock, NULL);
    while (started + 1 < threads &&
           pthread_create(&helpers[started], NULL, prepare_main, &job) == 0)
        started++;
    prepare_main(&job);
    for (unsigned t = 0; t < started; t++)
        pthread_join(helpers[t], NULL);
    pthread_mutex_destroy(&sh->lock);
    return job.status;
}

/* Items [0, n) of a job that every thread takes the next of. */
typedef struct item_pool {
    void (*run)(void *context, size_t item);
    void *context;
    size_t next, n; /* next: atomic */
} item_pool;

static void *pool_main(void *arg)
{
    item_pool *pool = arg;
    for (size_t i; (i = __atomic_fetch_add(&pool->next, 1, __ATOMIC_RELAXED)) < pool->n;)
        pool->run(pool->context, i);
    return NULL;
}

static void run_items(unsigned threads, void (*run)(void *, size_t), void *context, size_t n)
{
    enum { MAX_THREADS = 64 };
    item_pool pool = {run, context, 0, n};
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    pthread_t helpers[MAX_THREADS];
    unsigned started = 0;
    while (started + 1 < threads && started + 1 < n &&
           pthread_create(&helpers[started], NULL, pool_main, &pool) == 0)
        started++;
    pool_main(&pool);
    for (unsigned t = 0; t < started; t++)
        pthread_join(helpers[t], NULL);
}

/* The tables every chain reads: the sample-major correctness matrix and
 * the joint-correct counts (from each model's correctness as bits). */
typedef struct tables_job {
    sweep_shared *sh;
    const uint16_t *ids;   /* the candidates, by cost: the matrix's columns */
    size_t n;
    uint64_t *bits;        /* [model_count][sweep_joint_words()] */
} tables_job;

/* A block of samples at a time, so that the rows written stay in cache
 * while every column is put in (column by column, each write of a pass
 * landed on a cache line of its own). */
enum { TRANSPOSE_BLOCK = 256 };

static void bits_or_block(void *context, size_t item)
{
    tables_job *job = context;
    const cascade_dataset *d = job->sh->dataset;
    if (item < d->model_count) {
        sweep_joint_bits_row(d, item, job->bits);
        return;
    }
    size_t start = (item - d->model_count) * TRANSPOSE_BLOCK, n = job->n;
    size_t end = start + TRANSPOSE_BLOCK < d->samples ? start + TRANSPOSE_BLOCK : d->samples;
    for (size_t c = 0; c < n; c++) {
        const uint8_t *correct = d->models[job->ids[c]].records.correct;
        for (size_t i = start; i < end; i++)
            job->sh->by_sample[i * n + c] = correct[i];
    }
}

static void joint_row(void *context, size_t a)
{
    tables_job *job = context;
    sweep_joint_row(job->sh->dataset, a, job->bits, job->sh->joint);
}

/* Both tables on the sweep's threads: 200 models of 50,000 samples took
 * 40 ms on one thread while the others waited. */
static cascade_status build_tables(sweep_shared *sh, const uint16_t *ids, size_t n)
{
    const cascade_dataset *d = sh->dataset;
    size_t words = sweep_joint_words(d), m = d->model_count;
    tables_job job = {sh, ids, n, malloc((m * words > 0 ? m * words : 1) * sizeof(uint64_t))};
    if (!job.bits)
        return CASCADE_ERR_NOMEM;
    unsigned threads = sweep_thread_count(sh->options);
    size_t blocks = (d->samples + TRANSPOSE_BLOCK - 1) / TRANSPOSE_BLOCK;
    run_items(threads, bits_or_block, &job, m + blocks);
    run_items(threads, joint_row, &job, m);
    free(job.bits);
    return CASCADE_OK;
}

unsigned sweep_thread_count(const cascade_sweep_options *o)
{
    if (o->all_points)
        return 1;
    if (o->threads)
        return o->threads;
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    return online > 0 ? (unsigned)online : 1;
}

static cascade_status run_workers(sweep_shared *sh, cascade_front *front,
                                  cascade_sweep_stats *stats)
{
    unsigned threads = sweep_thread_count(sh->options);
    worker *workers = calloc(threads, sizeof *workers);
    pthread_t *ids = calloc(threads, sizeof *ids);
    if (!workers || !ids) {
        free(workers);
        free(ids);
        return CASCADE_ERR_NOMEM;
    }
    cascade_status status = CASCADE_OK;
    unsigned started = 0;
    for (unsigned t = 0; t < threads && status == CASCADE_OK; t++) {
        worker *w = &workers[t];
        w->shared = sh;
        cascade_front_init(&w->front);
        /* Every worker starts from the single models, so it can skip chains. */
        for (size_t i = 0; i < front->count && status == CASCADE_OK; i++)
            status = cascade_front_add(&w->front, &front->points[i]);
        if (status == CASCADE_OK)
            status = sweep_worker_reduce(w);
    }
    for (unsigned t = 0; t < threads && status == CASCADE_OK; t++) {
        if (pthread_create(&ids[t], NULL, worker_main, &workers[t]) != 0) {
            if (t == 0)
                worker_main(&workers[0]); /* no threads: work here */
            break;
        }
        started++;
    }
    for (unsigned t = 0; t < started; t++)
        pthread_join(ids[t], NULL);
    for (unsigned t = 0; t < threads; t++) {
        worker *w = &workers[t];
        if (w->status != CASCADE_OK && status == CASCADE_OK)
            status = w->status;
        if (status == CASCADE_OK)
            status = sweep_worker_flush(w);
        size_t reduced = front->count; /* reduced: the single models, then each worker's */
        for (size_t i = 0; i < w->front.count && status == CASCADE_OK; i++)
            status = cascade_front_add(front, &w->front.points[i]);
        if (status == CASCADE_OK)
            cascade_front_reduce_tail(front, reduced);
        stats->chains_swept += w->stats.chains_swept;
        stats->chains_skipped += w->stats.chains_skipped;
        stats->candidates += w->stats.candidates;
        sweep_worker_free(w);
    }
    free(workers);
    free(ids);
    return status;
}

cascade_status sweep_check_score(const cascade_dataset *dataset, unsigned stages,
                                 cascade_error *error)
{
    if (dataset->score == CASCADE_SCORE_ACCURACY || dataset->score == CASCADE_SCORE_QUALITY ||
        stages < 3 || dataset->classes == 2)
        return CASCADE_OK;
    return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
        "--score %s over chains of 3 or more stages needs two classes, and these scores have "
        "%zu (expected --stages 2, or --score accuracy)", cascade_score_name(dataset->score),
        dataset->classes);
}

cascade_status sweep_check_limits(const cascade_sweep_options *options, cascade_error *error)
{
    if (options->max_stages > CASCADE_MAX_STAGES)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "%u stages requested (expected 1 to %d)", options->max_stages, CASCADE_MAX_STAGES);
    if (options->shard_count >= 2 && options->shard_index >= options->shard_count)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "shard %u of %u (expected an index below the count)", options->shard_index,
            options->shard_count);
    if (options->grid > 65534)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "a grid of %u thresholds (expected at most 65534)", options->grid);
    return CASCADE_OK;
}

/* Refines the grid's front; with every candidate point asked for, the
 * cloud gains the refined points that reach the front (the windows' other
 * combinations are not kept: they would repeat grid points). */
static cascade_status refine(const sweep_shared *sh, cascade_front *front,
                             cascade_sweep_stats *stats)
{
    cascade_front *all = sh->options->all_points;
    size_t grid_count = front->count;
    cascade_point *grid_points = NULL;
    if (all) {
        cascade_front_reduce(front);
        grid_count = front->count;
        grid_points = malloc((grid_count ? grid_count : 1) * sizeof *grid_points);
        if (!grid_points)
            return CASCADE_ERR_NOMEM;
        memcpy(grid_points, front->points, grid_count * sizeof *grid_points);
    }
    cascade_status status = sweep_refine_front(sh, front, stats);
    for (size_t i = 0; all && i < front->count && status == CASCADE_OK; i++) {
        const cascade_point *p = &front->points[i];
        int known = 0;
        for (size_t j = 0; j < grid_count && !known; j++)
            known = cascade_point_compare(&grid_points[j], p) == 0;
        if (!known)
            status = cascade_front_add(all, p);
    }
    free(grid_points);
    return status;
}

cascade_status cascade_sweep(const cascade_dataset *dataset,
                             const cascade_sweep_options *options,
                             cascade_front *front, cascade_sweep_stats *stats,
                             cascade_error *error)
{
    cascade_sweep_options defaults = {0};
    if (!options)
        options = &defaults;
    unsigned max_stages = options->max_stages ? options->max_stages : 2;
    unsigned grid = options->grid ? options->grid : DEFAULT_GRID;
    cascade_status checked = sweep_check_limits(options, error);
    if (checked == CASCADE_OK)
        checked = sweep_check_score(dataset, max_stages, error);
    if (checked == CASCADE_OK)
        checked = sweep_check_per_sample(dataset, max_stages, error);
    if (checked != CASCADE_OK)
        return checked;
    if (options->all_points && (options->shard_count >= 2 || options->seed))
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "every candidate point cannot be sharded or seeded (expected the front only)");
    size_t ungraded = 0; /* scored models that need labels: only they form chains */
    for (size_t i = 0; i < dataset->model_count; i++)
        ungraded += !dataset->models[i].table_only && !dataset->models[i].records.quality;
    if (!dataset->has_labels && ungraded > 0)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, dataset->manifest->path,
            -1, -1, "no labels (expected \"labels\" in the manifest to sweep)");
    if (dataset->model_count > 65535)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "%zu models (expected at most 65535)", dataset->model_count);
    cascade_sweep_stats local = {0};
    size_t m = dataset->model_count;
    uint16_t *ids = malloc(m * sizeof *ids), *front_ids = malloc(m * sizeof *ids);
    sweep_shared sh;
    memset(&sh, 0, sizeof sh);
    sh.dataset = dataset;
    sh.options = options;
    sh.per_sample = cascade_dataset_per_sample(dataset);
    sh.max_stages = max_stages;
    sh.status = CASCADE_OK;
    sh.list_index = 2;
    cascade_status status = ids && front_ids ? CASCADE_OK : CASCADE_ERR_NOMEM;
    size_t n = 0, n_front = 0;
    for (size_t i = 0; i < m && status == CASCADE_OK; i++)
        if (!options->candidates || options->candidates[i])
            ids[n++] = (uint16_t)i;
    if (status == CASCADE_OK && n == 0)
        status = cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                   "no candidate models (expected at least one)");
    else if (status == CASCADE_OK) {
        sort_by_cost(ids, n, dataset);
        status = add_single_models(dataset, ids, n, front);
        local.candidates = n;
        /* Table-only models stop here: from now on ids lists chain models. */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++)
            if (!dataset->models[ids[i]].table_only)
                ids[kept++] = ids[i];
        n = kept;
        if (status == CASCADE_OK && options->all_points)
            for (size_t i = 0; i < front->count && status == CASCADE_OK; i++)
                status = cascade_front_add(options->all_points, &front->points[i]);
        cascade_front_reduce(front);
        /* The single-model front, by cost, for --front-only. */
        for (size_t i = 0; i < front->count; i++)
            if (!dataset->models[front->points[i].model[0]].table_only)
                front_ids[n_front++] = (uint16_t)front->points[i].model[0];
        if (status != CASCADE_OK)
            cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    }
    if (status == CASCADE_OK && max_stages >= 2 && n >= 2) {
        sh.prep = calloc(m, sizeof *sh.prep);
        sh.joint = malloc(m * m * sizeof *sh.joint);
        sh.lists = calloc(max_stages + 1, sizeof *sh.lists);
        if (!sh.prep || !sh.joint || !sh.lists)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        /* The models' orders and grids, and the joint-correct counts. For
         * pairs alone (batched, skipping), each worker sorts a first stage
         * as its pairs come up and drops it after: the orders of hundreds
         * of models need not all be held at once (90 MB for 200 models of
         * 50,000 samples). */
        int each_when_needed = max_stages == 2 && !options->all_points;
        if (status == CASCADE_OK &&
            prepare_models(&sh, ids, each_when_needed ? 0 : n,
                           max_stages >= 3 ? grid : 0) != CASCADE_OK)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        /* Sample-major correctness, candidates in cost order: a pair group's
         * second stages are then one contiguous run of each row. */
        sh.columns = n;
        sh.column = calloc(m, sizeof *sh.column);
        sh.by_sample = cascade_big_alloc(dataset->samples * n + SWEEP_ROW_PAD);
        if (sh.by_sample) /* read by the pair walks' whole vectors, never used */
            memset(sh.by_sample + dataset->samples * n, 0, SWEEP_ROW_PAD);
        if (status == CASCADE_OK && (!sh.column || !sh.by_sample))
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        for (size_t c = 0; c < n && status == CASCADE_OK; c++)
            sh.column[ids[c]] = (uint32_t)c;
        /* Sample-major correctness, and the joint-correct counts. */
        if (status == CASCADE_OK && build_tables(&sh, ids, n) != CASCADE_OK)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        for (unsigned length = 2; length <= max_stages && status == CASCADE_OK; length++) {
            int restrict_to_front = options->front_only && length >= 3;
            status = enumerate_chains(dataset, restrict_to_front ? front_ids : ids,
                                      restrict_to_front ? n_front : n, length,
                                      &sh.lists[length], error);
        }
        if (status == CASCADE_OK && max_stages >= 3 && sweep_grid_prepare(&sh) != CASCADE_OK)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        if (status == CASCADE_OK && sweep_shard_lists(&sh, grid, &local) != CASCADE_OK)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        for (unsigned length = 2; length <= max_stages && status == CASCADE_OK; length++)
            sh.total_chains += sh.lists[length].count;
        /* Seed points join the front the workers start from; each is one of
         * the sweep's own pair points, so the front comes out the same. */
        if (status == CASCADE_OK && sweep_add_seed(dataset, options, front, &local) != CASCADE_OK)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        cascade_front_reduce(front);
        /* The gain bound skips most longer chains; it needs a's order and
         * the rows, and costs about as much as sweeping the pairs. */
        if (status == CASCADE_OK && max_stages >= 3 && !options->no_skip &&
            !options->all_points && dataset->score == CASCADE_SCORE_ACCURACY &&
            !sh.per_sample &&
            sweep_gain_table(&sh, ids, n) != CASCADE_OK)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        if (status == CASCADE_OK) {
            pthread_mutex_init(&sh.lock, NULL);
            /* One chain length at a time: every worker on the longer chains
             * starts from the whole front of the shorter ones, all workers'
             * points merged, so that it skips all it can. */
            for (unsigned length = 2; length <= max_stages && status == CASCADE_OK; length++) {
                if (length >= 3 && sh.lists[length].count &&
                    (options->estimate || options->max_seconds > 0)) {
                    double seconds = 0;
                    status = estimate_seconds(&sh, &sh.lists[length], front,
                                              sweep_thread_count(options), &seconds);
                    if (status != CASCADE_OK)
                        break;
                    if (options->estimate)
                        options->estimate(options->estimate_context, length,
                                          sh.lists[length].count, seconds);
                    if (options->max_seconds > 0 && seconds > options->max_seconds) {
                        status = CASCADE_ERR_STOPPED;
                        cascade_error_set(error, status, NULL, -1, -1,
                            "an estimated %.0f s for %zu chains of %u stages exceeds the limit "
                            "of %g s (expected a narrower search: --models, --front-only or a "
                            "smaller --grid)", seconds, sh.lists[length].count, length,
                            options->max_seconds);
                        break;
                    }
                }
                sh.list_index = length;
                sh.list_end = length;
                sh.next_chain = 0;
                status = run_workers(&sh, front, &local);
            }
            pthread_mutex_destroy(&sh.lock);
            if (status == CASCADE_OK) {
                sweep_finish_pair_thresholds(front);
                if (options->all_points)
                    sweep_finish_pair_thresholds(options->all_points);
            }
            if (status == CASCADE_OK && max_stages >= 3 && !options->no_refine &&
                options->shard_count < 2 && !sh.per_sample)
                status = refine(&sh, front, &local);
            if (status == CASCADE_ERR_STOPPED)
                front->count = 0;
            else if (status == CASCADE_ERR_ARGUMENT)
                cascade_error_set(error, status, NULL, -1, -1,
                    "a %u-stage threshold table over a grid of %u exceeds %d cells (expected a smaller --grid)",
                    max_stages, grid, MAX_TABLE_CELLS);
            else if (status != CASCADE_OK)
                cascade_error_set(error, status, NULL, -1, -1, "out of memory");
        }
    }
    if (sh.prep)
        for (size_t i = 0; i < m; i++)
            sweep_free_prep(&sh.prep[i]);
    if (sh.lists)
        for (unsigned l = 0; l <= max_stages; l++)
            free(sh.lists[l].models);
    free(sh.prep);
    free(sh.joint);
    sweep_grid_free(&sh);
    free(sh.gain);
    free(sh.lists);
    free(sh.by_sample);
    free(sh.column);
    free(ids);
    free(front_ids);
    if (status == CASCADE_OK)
        cascade_front_reduce(front);
    if (stats)
        *stats = local;
    return status;
}
