/* A dataset's fingerprint: a hash of everything a sweep reads from it. */
#include "cascade/dataset.h"

#include <stdint.h>
#include <string.h>

/* One 64-bit word into the running hash: a multiply-xorshift step
 * (splitmix64's finaliser), word by word rather than byte by byte, since
 * a sweep's records run to hundreds of megabytes. Not cryptographic: it
 * tells apart the inputs of different sweeps, it does not resist forgery. */
static uint64_t mix(uint64_t h, uint64_t word)
{
    h ^= word + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    return h ^ (h >> 31);
}

static uint64_t mix_double(uint64_t h, double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return mix(h, bits);
}

static uint64_t mix_bytes(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    h = mix(h, n);
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        h = mix(h, word);
    }
    uint64_t last = 0;
    memcpy(&last, p, n);
    return mix(h, last);
}

uint64_t cascade_dataset_fingerprint(const cascade_dataset *d)
{
    uint64_t h = mix(0, 0x63617363616465ull); /* "cascade" */
    h = mix(h, d->samples);
    h = mix(h, d->model_count);
    h = mix(h, (uint64_t)d->metric);
    h = mix(h, (uint64_t)d->calibrated);
    for (size_t m = 0; m < d->model_count; m++) {
        const cascade_model *model = &d->models[m];
        const cascade_records *r = &model->records;
        h = mix_bytes(h, model->name, strlen(model->name));
        h = mix_double(h, model->cost);
        h = mix(h, (uint64_t)model->table_only);
        h = mix_double(h, model->table_only ? model->accuracy : 0.0);
        h = mix_double(h, model->calibration.fitted ? model->calibration.temperature : 0.0);
        h = mix(h, r->samples);
        if (r->samples == 0)
            continue;
        if (r->prediction) /* NULL when dropped at load */
            h = mix_bytes(h, r->prediction, r->samples * sizeof *r->prediction);
        h = mix_bytes(h, r->confidence, r->samples * sizeof *r->confidence);
        h = mix_bytes(h, r->correct, r->samples * sizeof *r->correct);
        /* Only when present, so that constant-cost, 0/1 datasets keep the
         * fingerprints their saved shards were made with; the tags keep a
         * cost column apart from a quality column of the same bytes. */
        if (r->sample_cost)
            h = mix_bytes(mix(h, 0x636f7374ull), r->sample_cost, r->samples * sizeof *r->sample_cost);
        if (r->quality)
            h = mix_bytes(mix(h, 0x7175616cull), r->quality, r->samples * sizeof *r->quality);
    }
    return h;
}
