/* Ensembled chains: per-stage records from running sums of probabilities,
 * streamed in blocks of samples, then the ordinary one-chain sweep. */
#include "cascade/ensemble.h"

#include <cblas.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cascade/metrics.h"
#include "points/sweep_limits.h"

enum {
    BLOCK_FLOATS = 1 << 16,   /* floats per probability block: 256 KiB */
    REDUCE_EVERY = 1 << 12    /* worker points between front reductions */
};

/* The score files of the models in use, mapped again. */
typedef struct sources {
    const cascade_dataset *dataset;
    cascade_array *scores;    /* [model_count]; loaded where used[m] */
    unsigned char *used;      /* [model_count] */
} sources;

/* Per worker: two probability blocks and the records of stages 2..n. */
typedef struct scratch {
    float *sum;               /* [block][classes] running sum of stage probabilities */
    float *current;           /* [block][classes] the current stage's probabilities */
    double *row;              /* [classes] */
    size_t block;             /* rows per block */
    cascade_records stage[CASCADE_MAX_STAGES]; /* [1..n-1] owned; [0] unused */
} scratch;

static void sources_free(sources *src)
{
    if (src->scores)
        for (size_t m = 0; m < src->dataset->model_count; m++)
            cascade_array_free(&src->scores[m]);
    free(src->scores);
    free(src->used);
    memset(src, 0, sizeof *src);
}

static cascade_status sources_load(const cascade_dataset *d, const unsigned char *used,
                                   sources *out, cascade_error *error)
{
    memset(out, 0, sizeof *out);
    out->dataset = d;
    if (!d->manifest)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "the dataset has no manifest (expected one loaded with cascade_dataset_load)");
    for (size_t m = 0; m < d->model_count; m++)
        if (used[m] && d->manifest->models[m].kind == CASCADE_SCORES_RECORDS)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, d->manifest->path, -1, -1,
                "model \"%s\" is given as saved records (expected logits or probs: "
                "ensembling averages class probabilities)", d->manifest->models[m].name);
        else if (used[m] && d->manifest->models[m].kind == CASCADE_SCORES_PREDICTIONS)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, d->manifest->path, -1, -1,
                "model \"%s\" gives a prediction table (expected logits or probs: "
                "ensembling averages class probabilities)", d->manifest->models[m].name);
    out->scores = calloc(d->model_count, sizeof *out->scores);
    out->used = calloc(d->model_count, 1);
    if (!out->scores || !out->used) {
        sources_free(out);
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    }
    for (size_t m = 0; m < d->model_count; m++) {
        if (!used[m])
            continue;
        const cascade_model_spec *spec = &d->manifest->models[m];
        cascade_status status = cascade_array_load(spec->path, &out->scores[m], error);
        if (status != CASCADE_OK) {
            sources_free(out);
            return status;
        }
        out->used[m] = 1;
        const cascade_array *a = &out->scores[m];
        int is_float = a->dtype == CASCADE_DTYPE_F16 || a->dtype == CASCADE_DTYPE_F32 ||
                       a->dtype == CASCADE_DTYPE_F64;
        if (a->ndim != 2 || a->rows != d->samples || a->cols != d->classes || !is_float) {
            size_t rows = a->rows, cols = a->cols;
            sources_free(out);
            return cascade_error_set(error, CASCADE_ERR_SHAPE, spec->path, -1, -1,
                "model \"%s\": scores are now %zu x %zu (expected the %zu x %zu float scores "
                "the dataset was loaded from)", spec->name, rows, cols, d->samples, d->classes);
        }
    }
    return CASCADE_OK;
}

static void scratch_free(scratch *s)
{
    free(s->sum);
    free(s->current);
    free(s->row);
    for (unsigned i = 0; i < CASCADE_MAX_STAGES; i++)
        cascade_records_free(&s->stage[i]);
    memset(s, 0, sizeof *s);
}

static cascade_status scratch_init(const cascade_dataset *d, scratch *s)
{
    memset(s, 0, sizeof *s);
    size_t classes = d->classes;
    s->block = classes < BLOCK_FLOATS ? BLOCK_FLOATS / classes : 1;
    if (s->block > d->samples)
        s->block = d->samples;
    s->sum = malloc(s->block * classes * sizeof *s->sum);
    s->current = malloc(s->block * classes * sizeof *s->current);
    s->row = malloc(classes * sizeof *s->row);
    if (!s->sum || !s->current || !s->row) {
        scratch_free(s);
        return CASCADE_ERR_NOMEM;
    }
    return CASCADE_OK;
}

static cascade_status stage_alloc(const cascade_dataset *d, cascade_records *r)
{
    if (r->prediction)
        return CASCADE_OK;
    r->samples = d->samples;
    r->classes = d->classes;
    r->prediction = malloc(d->samples * sizeof *r->prediction);
    r->confidence = malloc(d->samples * sizeof *r->confidence);
    r->correct = malloc(d->samples * sizeof *r->correct);
    return r->prediction && r->confidence && r->correct ? CASCADE_OK : CASCADE_ERR_NOMEM;
}

static double model_temperature(const cascade_model *model)
{
    return model->calibration.fitted ? model->calibration.temperature : 1.0;
}

/* Fills ROWS rows of OUT ([rows][classes]) with model M's probabilities. */
static void fill_block(const sources *src, unsigned m, size_t start, size_t rows,
                       double *row, float *out)
{
    const cascade_dataset *d = src->dataset;
    double temperature = model_temperature(&d->models[m]);
    cascade_score_kind kind = d->manifest->models[m].kind;
    for (size_t r = 0; r < rows; r++)
        cascade_scores_probabilities(&src->scores[m], kind, start + r, temperature, row,
                                     out + r * d->classes);
}

/* s->stage[1..stages-1] for CHAIN, block by block: the sum block starts as
 * stage 1's probabilities and takes each later stage's block in turn. */
static cascade_status stage_records(const sources *src, const unsigned *chain,
                                    unsigned stages, scratch *s)
{
    const cascade_dataset *d = src->dataset;
    size_t classes = d->classes;
    for (unsigned st = 1; st < stages; st++) {
        if (stage_alloc(d, &s->stage[st]) != CASCADE_OK)
            return CASCADE_ERR_NOMEM;
        s->stage[st].correct_count = 0;
    }
    for (size_t start = 0; start < d->samples; start += s->block) {
        size_t rows = d->samples - start < s->block ? d->samples - start : s->block;
        fill_block(src, chain[0], start, rows, s->row, s->sum);
        for (unsigned st = 1; st < stages; st++) {
            fill_block(src, chain[st], start, rows, s->row, s->current);
            cblas_saxpy((int)(rows * classes), 1.0f, s->current, 1, s->sum, 1);
            cascade_records *r = &s->stage[st];
            for (size_t i = 0; i < rows; i++) {
                const float *p = s->sum + i * classes; /* [classes] */
                size_t top = 0;
                for (size_t j = 0; j < classes; j++) {
                    s->row[j] = p[j];
                    if (p[j] > p[top])
                        top = j;
                }
                size_t sample = start + i;
                r->prediction[sample] = (int32_t)top;
                r->confidence[sample] =
                    cascade_metric_of_probabilities(d->metric, s->row, classes);
                r->correct[sample] =
                    (uint8_t)(d->has_labels && cascade_labels_match(&d->labels, sample, (int32_t)top));
                r->correct_count += r->correct[sample];
            }
        }
    }
    return CASCADE_OK;
}

static cascade_status check_chain(const cascade_dataset *d, const unsigned *chain,
                                  unsigned stages, cascade_error *error)
{
    if (stages < 1 || stages > CASCADE_MAX_STAGES)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "a chain of %u stages (expected 1 to %d)", stages, CASCADE_MAX_STAGES);
    for (unsigned s = 0; s < stages; s++)
        if (chain[s] >= d->model_count)
            return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                "model index %u is out of range (expected < %zu)", chain[s], d->model_count);
    return CASCADE_OK;
}

static cascade_status copy_records(const cascade_records *from, cascade_records *to)
{
    memset(to, 0, sizeof *to);
    size_t k = from->samples;
    to->samples = k;
    to->classes = from->classes;
    to->correct_count = from->correct_count;
    to->prediction = malloc(k * sizeof *to->prediction);
    to->confidence = malloc(k * sizeof *to->confidence);
    to->correct = malloc(k * sizeof *to->correct);
    if (!to->prediction || !to->confidence || !to->correct) {
        cascade_records_free(to);
        return CASCADE_ERR_NOMEM;
    }
    memcpy(to->prediction, from->prediction, k * sizeof *to->prediction);
    memcpy(to->confidence, from->confidence, k * sizeof *to->confidence);
    memcpy(to->correct, from->correct, k * sizeof *to->correct);
    return CASCADE_OK;
}

cascade_status cascade_ensemble_records(const cascade_dataset *dataset, const unsigned *chain,
                                        unsigned stages, cascade_records *out,
                                        cascade_error *error)
{
    cascade_status status = check_chain(dataset, chain, stages, error);
    if (status != CASCADE_OK)
        return status;
    for (unsigned s = 0; s < stages; s++)
        memset(&out[s], 0, sizeof out[s]);
    unsigned char *used = calloc(dataset->model_count, 1);
    if (!used)
        return cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    for (unsigned s = 0; s < stages; s++)
        used[chain[s]] = 1;
    sources src;
    status = sources_load(dataset, used, &src, error);
    free(used);
    if (status != CASCADE_OK)
        return status;
    scratch s;
    status = scratch_init(dataset, &s);
    if (status == CASCADE_OK)
        status = copy_records(&dataset->models[chain[0]].records, &out[0]);
    if (status == CASCADE_OK)
        status = stage_records(&src, chain, stages, &s);
    if (status == CASCADE_OK)
        for (unsigned st = 1; st < stages; st++) {
            out[st] = s.stage[st]; /* hand the buffers over */
            memset(&s.stage[st], 0, sizeof s.stage[st]);
        }
    scratch_free(&s);
    sources_free(&src);
    if (status != CASCADE_OK) {
        for (unsigned st = 0; st < stages; st++)
            cascade_records_free(&out[st]);
        return cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    }
    return CASCADE_OK;
}

/* ---- the sweep ---- */

typedef struct chain_spec {
    unsigned length;
    unsigned model[CASCADE_MAX_STAGES];
} chain_spec;

typedef struct chain_queue {
    chain_spec *items;
    size_t count, capacity;
} chain_queue;

typedef struct shared {
    const cascade_dataset *dataset;
    const cascade_sweep_options *options;
    const sources *src;
    const chain_queue *queue;
    unsigned grid;
    pthread_mutex_t lock;
    size_t next, done, last_report;
    cascade_status status;
    cascade_error error;   /* the first worker error */
} shared;

typedef struct worker {
    shared *sh;
    scratch s;
    cascade_front front;
    cascade_front chain_points;
    size_t since_reduce;
    size_t candidates;
    cascade_status status;
    cascade_error error;
} worker;

static cascade_status queue_push(chain_queue *q, const chain_spec *c)
{
    if (q->count == q->capacity) {
        size_t capacity = q->capacity ? 2 * q->capacity : 256;
        chain_spec *grown = realloc(q->items, capacity * sizeof *grown);
        if (!grown)
            return CASCADE_ERR_NOMEM;
        q->items = grown;
        q->capacity = capacity;
    }
    q->items[q->count++] = *c;
    return CASCADE_OK;
}

/* Every chain of LENGTH models from IDS[from..n) (sorted by cost) after the
 * first DEPTH stages of C, in strictly increasing cost. */
static cascade_status enumerate(const cascade_dataset *d, const unsigned *ids, size_t n,
                                size_t from, unsigned depth, unsigned length, chain_spec *c,
                                chain_queue *q)
{
    if (depth == length)
        return queue_push(q, c);
    for (size_t i = from; i < n; i++) {
        if (depth > 0 && !(d->models[c->model[depth - 1]].cost < d->models[ids[i]].cost))
            continue;
        c->model[depth] = ids[i];
        cascade_status status = enumerate(d, ids, n, i + 1, depth + 1, length, c, q);
        if (status != CASCADE_OK)
            return status;
    }
    return CASCADE_OK;
}

static cascade_status sweep_one(worker *w, const chain_spec *c)
{
    shared *sh = w->sh;
    const cascade_dataset *d = sh->dataset;
    cascade_status status = stage_records(sh->src, c->model, c->length, &w->s);
    if (status != CASCADE_OK)
        return cascade_error_set(&w->error, status, NULL, -1, -1, "out of memory");
    /* A view of the dataset whose model s is stage s of this chain. */
    cascade_model stage_models[CASCADE_MAX_STAGES];
    unsigned identity[CASCADE_MAX_STAGES];
    for (unsigned s = 0; s < c->length; s++) {
        stage_models[s] = d->models[c->model[s]];
        if (s > 0)
            stage_models[s].records = w->s.stage[s];
        identity[s] = s;
    }
    cascade_dataset view = *d;
    view.models = stage_models;
    view.model_count = c->length;
    w->chain_points.count = 0;
    status = cascade_sweep_chain(&view, identity, c->length, sh->grid, &w->chain_points,
                                 &w->error);
    if (status != CASCADE_OK)
        return status;
    for (size_t i = 0; i < w->chain_points.count; i++) {
        cascade_point p = w->chain_points.points[i];
        for (unsigned s = 0; s < p.stages; s++)
            p.model[s] = c->model[p.model[s]];
        if (cascade_front_add(&w->front, &p) != CASCADE_OK)
            return cascade_error_set(&w->error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        w->candidates++;
        if (++w->since_reduce >= REDUCE_EVERY) {
            cascade_front_reduce(&w->front);
            w->since_reduce = 0;
        }
    }
    return CASCADE_OK;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    const cascade_sweep_options *o = sh->options;
    for (;;) {
        pthread_mutex_lock(&sh->lock);
        size_t index = sh->status == CASCADE_OK && w->status == CASCADE_OK ? sh->next++
                                                                            : sh->queue->count;
        pthread_mutex_unlock(&sh->lock);
        if (index >= sh->queue->count)
            break;
        w->status = sweep_one(w, &sh->queue->items[index]);
        pthread_mutex_lock(&sh->lock);
        sh->done++;
        if (w->status != CASCADE_OK && sh->status == CASCADE_OK) {
            sh->status = w->status;
            sh->error = w->error;
        }
        size_t total = sh->queue->count;
        if (o->progress && (sh->done == total || sh->done - sh->last_report >= total / 100 + 1)) {
            sh->last_report = sh->done;
            o->progress(o->progress_context, sh->done, total, "ensembled chains");
        }
        pthread_mutex_unlock(&sh->lock);
    }
    return NULL;
}

static unsigned thread_count(const cascade_sweep_options *o, size_t chains)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    size_t threads = o->threads ? o->threads : online > 0 ? (size_t)online : 1;
    if (threads > chains)
        threads = chains ? chains : 1;
    return (unsigned)threads;
}

static cascade_status run_workers(shared *sh, cascade_front *front, size_t *candidates,
                                  cascade_error *error)
{
    unsigned threads = thread_count(sh->options, sh->queue->count);
    worker *workers = calloc(threads, sizeof *workers);
    pthread_t *ids = calloc(threads, sizeof *ids);
    cascade_status status = workers && ids ? CASCADE_OK : CASCADE_ERR_NOMEM;
    unsigned ready = 0;
    for (; ready < threads && status == CASCADE_OK; ready++) {
        worker *w = &workers[ready];
        w->sh = sh;
        cascade_front_init(&w->front);
        cascade_front_init(&w->chain_points);
        status = scratch_init(sh->dataset, &w->s);
    }
    if (status != CASCADE_OK) {
        cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    } else {
        unsigned started = 0;
        for (unsigned t = 0; t < threads; t++) {
            if (pthread_create(&ids[t], NULL, worker_main, &workers[t]) != 0)
                break;
            started++;
        }
        if (started == 0)
            worker_main(&workers[0]); /* no threads: work here */
        for (unsigned t = 0; t < started; t++)
            pthread_join(ids[t], NULL);
        status = sh->status;
        if (status != CASCADE_OK && error)
            *error = sh->error;
    }
    for (unsigned t = 0; t < ready; t++) {
        worker *w = &workers[t];
        for (size_t i = 0; i < w->front.count && status == CASCADE_OK; i++)
            if (cascade_front_add(front, &w->front.points[i]) != CASCADE_OK)
                status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        *candidates += w->candidates;
        cascade_front_free(&w->front);
        cascade_front_free(&w->chain_points);
        scratch_free(&w->s);
    }
    free(workers);
    free(ids);
    return status;
}

typedef struct cost_index {
    double cost;
    unsigned index;
} cost_index;

static int by_cost(const void *pa, const void *pb)
{
    const cost_index *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

cascade_status cascade_sweep_ensemble(const cascade_dataset *dataset,
                                      const cascade_sweep_options *options,
                                      cascade_front *front, cascade_sweep_stats *stats,
                                      cascade_error *error)
{
    cascade_sweep_options defaults = {0};
    if (!options)
        options = &defaults;
    unsigned max_stages = options->max_stages ? options->max_stages : 2;
    cascade_status checked = sweep_check_limits(options, error);
    if (checked != CASCADE_OK)
        return checked;
    if (options->all_points)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "every candidate point was asked for (expected the front only with ensembling)");
    if (cascade_dataset_per_sample(dataset))
        return cascade_dataset_refuse_per_sample(dataset, "an ensembled sweep (--ensemble)", error);
    if (dataset->score != CASCADE_SCORE_ACCURACY)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "--score %s with --ensemble (expected --score accuracy: ensembles are scored by "
            "accuracy only)", cascade_score_name(dataset->score));
    if (options->shard_count >= 2 || options->seed)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
            "an ensembled sweep was asked to shard or seed (expected a sweep without ensembling)");
    if (!dataset->has_labels)
        return cascade_error_set(error, CASCADE_ERR_ARGUMENT,
            dataset->manifest ? dataset->manifest->path : NULL, -1, -1,
            "no labels (expected \"labels\" in the manifest to sweep)");
    size_t m = dataset->model_count;
    cost_index *order = malloc(m * sizeof *order);
    unsigned *ids = malloc(m * sizeof *ids), *front_ids = malloc(m * sizeof *front_ids);
    unsigned char *used = calloc(m ? m : 1, 1);
    chain_queue queue = {0};
    sources src = {0};
    cascade_sweep_stats local = {0};
    cascade_status status = order && ids && front_ids && used ? CASCADE_OK : CASCADE_ERR_NOMEM;
    size_t n = 0, n_front = 0;
    if (status != CASCADE_OK)
        cascade_error_set(error, status, NULL, -1, -1, "out of memory");
    for (size_t i = 0; i < m && status == CASCADE_OK; i++)
        if (!options->candidates || options->candidates[i]) {
            if (dataset->models[i].table_only)
                status = cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                    "model \"%s\" is table-only (expected per-sample scores to ensemble)",
                    dataset->models[i].name);
            order[n].cost = dataset->models[i].cost;
            order[n].index = (unsigned)i;
            n++;
        }
    if (status == CASCADE_OK && n == 0)
        status = cascade_error_set(error, CASCADE_ERR_ARGUMENT, NULL, -1, -1,
                                   "no candidate models (expected at least one)");
    if (status == CASCADE_OK) {
        qsort(order, n, sizeof *order, by_cost);
        for (size_t i = 0; i < n && status == CASCADE_OK; i++) {
            unsigned id = order[i].index;
            ids[i] = id;
            cascade_point p;
            memset(&p, 0, sizeof p);
            p.stages = 1;
            p.model[0] = id;
            p.accuracy = (double)dataset->models[id].records.correct_count /
                         (double)dataset->samples;
            p.cost = dataset->models[id].cost;
            p.answered[0] = 1.0;
            if (cascade_front_add(front, &p) != CASCADE_OK)
                status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
        }
        local.candidates = n;
        cascade_front_reduce(front);
        for (size_t i = 0; i < front->count; i++)
            front_ids[n_front++] = front->points[i].model[0];
    }
    for (unsigned length = 2; length <= max_stages && status == CASCADE_OK; length++) {
        int restrict_to_front = options->front_only && length >= 3;
        chain_spec c;
        memset(&c, 0, sizeof c);
        c.length = length;
        if (enumerate(dataset, restrict_to_front ? front_ids : ids,
                      restrict_to_front ? n_front : n, 0, 0, length, &c, &queue) != CASCADE_OK)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    }
    if (status == CASCADE_OK && queue.count > 0) {
        for (size_t i = 0; i < queue.count; i++)
            for (unsigned s = 0; s < queue.items[i].length; s++)
                used[queue.items[i].model[s]] = 1;
        status = sources_load(dataset, used, &src, error);
    }
    if (status == CASCADE_OK && queue.count > 0) {
        shared sh;
        memset(&sh, 0, sizeof sh);
        sh.dataset = dataset;
        sh.options = options;
        sh.src = &src;
        sh.queue = &queue;
        sh.grid = options->grid;
        sh.status = CASCADE_OK;
        cascade_error_clear(&sh.error);
        pthread_mutex_init(&sh.lock, NULL);
        status = run_workers(&sh, front, &local.candidates, error);
        pthread_mutex_destroy(&sh.lock);
        local.chains_swept = queue.count;
    }
    sources_free(&src);
    free(queue.items);
    free(order);
    free(ids);
    free(front_ids);
    free(used);
    if (status == CASCADE_OK)
        cascade_front_reduce(front);
    if (stats)
        *stats = local;
    return status;
}
