/* Points chosen on one part of the samples, measured on another. */
#include "cascade/split.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

cascade_status cascade_evaluate_points(const cascade_dataset *dataset,
                                       const cascade_point *points, size_t count,
                                       cascade_point *out, cascade_error *error)
{
    for (size_t i = 0; i < count; i++) {
        cascade_status status = cascade_evaluate(dataset, points[i].stages, points[i].model,
                                                 points[i].threshold, &out[i], error);
        if (status != CASCADE_OK)
            return status;
    }
    return CASCADE_OK;
}

/* One pair's samples sorted by the first model's confidence, descending,
 * with running counts of right answers: any threshold's figures follow
 * from how many samples pass it. */
typedef struct sorted_pair {
    unsigned a, b;
    double *confidence;      /* [k] descending */
    size_t *right_a;         /* [k + 1] right answers of a among the first n */
    size_t *right_b;         /* [k + 1] the same for b */
} sorted_pair;

typedef struct pair_sample {
    double confidence;
    uint8_t right_a, right_b;
} pair_sample;

static int by_confidence_descending(const void *x, const void *y)
{
    double p = ((const pair_sample *)x)->confidence, q = ((const pair_sample *)y)->confidence;
    return (p < q) - (p > q);
}

static int sort_pair(const cascade_dataset *d, unsigned a, unsigned b, sorted_pair *out)
{
    size_t k = d->samples;
    pair_sample *samples = malloc((k ? k : 1) * sizeof *samples);
    *out = (sorted_pair){a, b, malloc((k ? k : 1) * sizeof *out->confidence),
                         malloc((k + 1) * sizeof *out->right_a),
                         malloc((k + 1) * sizeof *out->right_b)};
    if (!samples || !out->confidence || !out->right_a || !out->right_b) {
        free(samples);
        return 0;
    }
    const cascade_records *ra = &d->models[a].records, *rb = &d->models[b].records;
    for (size_t i = 0; i < k; i++)
        samples[i] = (pair_sample){ra->confidence[i], ra->correct[i], rb->correct[i]};
    qsort(samples, k, sizeof *samples, by_confidence_descending);
    out->right_a[0] = out->right_b[0] = 0;
    for (size_t n = 0; n < k; n++) {
        out->confidence[n] = samples[n].confidence;
        out->right_a[n + 1] = out->right_a[n] + samples[n].right_a;
        out->right_b[n + 1] = out->right_b[n] + samples[n].right_b;
    }
    free(samples);
    return 1;
}

/* How many of the descending CONFIDENCE[k] are >= THRESHOLD. */
static size_t passing(const double *confidence, size_t k, double threshold)
{
    size_t lo = 0, hi = k;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (confidence[mid] >= threshold)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

cascade_status cascade_evaluate_points_by_pair(const cascade_dataset *dataset,
                                               const cascade_point *points, size_t count,
                                               cascade_point *out, cascade_error *error)
{
    /* The counts below are of right answers at constant costs. */
    if (cascade_dataset_per_sample(dataset))
        return cascade_evaluate_points(dataset, points, count, out, error);
    sorted_pair *pairs = NULL;
    size_t pair_count = 0, k = dataset->samples;
    cascade_status status = CASCADE_OK;
    for (size_t i = 0; status == CASCADE_OK && i < count; i++) {
        const cascade_point *p = &points[i];
        if (p->stages != 2 || p->model[0] >= dataset->model_count ||
            p->model[1] >= dataset->model_count || dataset->models[p->model[0]].table_only ||
            dataset->models[p->model[1]].table_only) {
            status = cascade_evaluate(dataset, p->stages, p->model, p->threshold, &out[i],
                                      error);
            continue;
        }
        size_t j = 0;
        while (j < pair_count && !(pairs[j].a == p->model[0] && pairs[j].b == p->model[1]))
            j++;
        if (j == pair_count) {
            sorted_pair *grown = realloc(pairs, (pair_count + 1) * sizeof *pairs);
            if (!grown || (pairs = grown, !sort_pair(dataset, p->model[0], p->model[1],
                                                     &pairs[pair_count]))) {
                if (grown) {
                    free(pairs[pair_count].confidence);
                    free(pairs[pair_count].right_a);
                    free(pairs[pair_count].right_b);
                }
                status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1,
                                           "out of memory");
                break;
            }
            pair_count++;
        }
        const sorted_pair *s = &pairs[j];
        size_t exits = passing(s->confidence, k, p->threshold[0]);
        size_t correct = s->right_a[exits] + (s->right_b[k] - s->right_b[exits]);
        size_t reached[2] = {k, k - exits};
        cascade_point *q = &out[i];
        memset(q, 0, sizeof *q);
        q->stages = 2;
        q->model[0] = p->model[0];
        q->model[1] = p->model[1];
        q->threshold[0] = p->threshold[0];
        q->accuracy = (double)correct / (double)k;
        q->cost = cascade_chain_cost(dataset, 2, p->model, reached);
        q->answered[0] = (double)exits / (double)k;
        q->answered[1] = (double)(k - exits) / (double)k;
    }
    for (size_t j = 0; j < pair_count; j++) {
        free(pairs[j].confidence);
        free(pairs[j].right_a);
        free(pairs[j].right_b);
    }
    free(pairs);
    return status;
}
