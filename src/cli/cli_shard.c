/* The command-line side of sharded sweeps: --shard I/N, the sweep line a
 * partial front carries, and --seed-front. */
#include "cli/cli.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/front_csv.h"
#include "cascade/partial_front.h"
#include "cascade/sweep.h"

int cli_parse_shard(const char *command, const char *text, unsigned *index, unsigned *count)
{
    char *slash = strchr(text, '/'), *end = NULL;
    long i = strtol(text, &end, 10);
    long n = slash && end == slash ? strtol(slash + 1, &end, 10) : 0;
    if (!slash || end == slash + 1 || *end != '\0' || n < 1 || n > 65535 || i < 1 || i > n)
        return cli_usage_error(command, "--shard takes I/N with 1 <= I <= N <= 65535, not \"%s\"",
                               text);
    *index = (unsigned)(i - 1);
    *count = (unsigned)n;
    return EXIT_OK;
}

/* Appends printf-style text to the growing string *TEXT. */
static void append(char **text, size_t *len, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void append(char **text, size_t *len, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsnprintf(NULL, 0, format, args);
    va_end(args);
    char *grown = *text && n >= 0 ? realloc(*text, *len + (size_t)n + 1) : NULL;
    if (!grown) {
        free(*text);
        *text = NULL;
        return;
    }
    *text = grown;
    va_start(args, format);
    vsnprintf(*text + *len, (size_t)n + 1, format, args);
    va_end(args);
    *len += (size_t)n;
}

char *cli_sweep_identity(const cascade_dataset *dataset, const cli_held_out *held_out,
                         const cascade_sweep_options *sweep, const cascade_dataset_options *load,
                         const cli_eval_options *eval)
{
    /* Whatever shapes the front goes in: the data as loaded (which covers
     * the manifest, the score files, costs and cost tables, the metric and
     * temperatures), the samples fitted on and evaluated on (which covers
     * --split, --seed and the index files), and every sweep option. An
     * option added to the sweep belongs here too. --threads, --no-skip and
     * --seed-front are left out: they change the work, never the front. */
    size_t len = 0;
    char *text = calloc(1, 1);
    append(&text, &len, "v1;data=%016" PRIx64 ";samples=%zu;models=%zu;fit=%016" PRIx64
           ";eval=%016" PRIx64, cascade_dataset_fingerprint(dataset), dataset->samples,
           dataset->model_count, cascade_dataset_fingerprint(held_out->fit),
           held_out->eval ? cascade_dataset_fingerprint(held_out->eval) : 0);
    append(&text, &len, ";stages=%u;grid=%u;front_only=%d;candidates=",
           sweep->max_stages ? sweep->max_stages : 2, sweep->grid ? sweep->grid : 100,
           sweep->front_only);
    if (!sweep->candidates)
        append(&text, &len, "all");
    for (size_t m = 0, first = 1; sweep->candidates && m < dataset->model_count; m++)
        if (sweep->candidates[m]) {
            append(&text, &len, "%s%zu", first ? "" : ",", m);
            first = 0;
        }
    append(&text, &len, ";score=%s;metric=%s;calibrate=%s;precise=%d;cost=%s;split=%.17g;seed=%" PRIu64
           ";bootstrap=%u", cascade_score_name(load->score), cascade_metric_name(load->metric),
           load->calibrate == CASCADE_CALIBRATE_TEMPERATURE ? "temperature" : "none",
           load->precise, load->cost_field ? load->cost_field : "gmacs", eval->split,
           eval->seed, eval->bootstrap);
    /* Shards never refine (cascade_sweep_options.no_refine): refine=1 says
     * that the merged front is still to be refined, on the data. */
    append(&text, &len, ";refine=%d",
           (sweep->max_stages ? sweep->max_stages : 2) >= 3 && !sweep->no_refine);
    /* one line: a cost field name could hold anything */
    for (char *c = text; c && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    return text;
}

int cli_load_seed_front(const char *path, const cascade_dataset *dataset, cascade_front *seed)
{
    cascade_front_table *table = NULL;
    cascade_error error;
    cascade_error_clear(&error);
    if (cascade_front_table_load(path, &table, &error) != CASCADE_OK)
        return cli_report(&error);
    int code = EXIT_OK;
    for (size_t i = 0; i < table->count && code == EXIT_OK; i++) {
        const cascade_front_row *row = &table->rows[i];
        cascade_point p;
        memset(&p, 0, sizeof p);
        p.stages = row->stages;
        for (unsigned s = 0; s < row->stages && code == EXIT_OK; s++) {
            long m = cascade_dataset_find(dataset, row->model[s]);
            if (m < 0) {
                cli_error("%s: line %lld: model \"%s\" is not in the manifest (expected a "
                          "front of the same models)", path, row->line, row->model[s]);
                code = EXIT_DATA;
            }
            p.model[s] = (unsigned)m;
        }
        memcpy(p.threshold, row->threshold, sizeof p.threshold);
        if (code == EXIT_OK && cascade_front_add(seed, &p) != CASCADE_OK) {
            cli_error("out of memory");
            code = EXIT_DATA;
        }
    }
    cascade_front_table_free(table);
    return code;
}

int cli_identity_refines(const char *identity)
{
    return identity && strstr(identity, ";refine=1") != NULL;
}

/* The first ';'-separated field of A that B lacks, into OUT. */
static void first_other_field(const char *a, const char *b, char *out, size_t n)
{
    size_t at = 0;
    while (a[at] && a[at] == b[at])
        at++;
    size_t start = at;
    while (start > 0 && a[start - 1] != ';')
        start--;
    size_t end = at;
    while (a[end] && a[end] != ';')
        end++;
    snprintf(out, n, "%.*s", (int)(end - start), a + start);
}

cascade_status cli_merge_and_refine(const char *const *paths, size_t count, const char *identity,
                                    const cascade_dataset *fit,
                                    const cascade_sweep_options *sweep, cascade_front *front,
                                    cascade_sweep_stats *stats, cascade_error *error)
{
    cascade_merged_front *merged = NULL;
    cascade_status status = cascade_partial_merge(paths, count, &merged, error);
    if (status != CASCADE_OK)
        return status;
    if (strcmp(merged->sweep, identity) != 0) {
        char theirs[256], ours[256];
        first_other_field(merged->sweep, identity, theirs, sizeof theirs);
        first_other_field(identity, merged->sweep, ours, sizeof ours);
        status = cascade_error_set(error, CASCADE_ERR_VALUE, paths[0], -1, -1,
            "a part of another sweep than this one (expected the parts of this MANIFEST with "
            "these options; the part has %s, this sweep %s)", theirs, ours);
    }
    /* The rows of the unsharded sweep come from its points: each is
     * evaluated again here, which gives the same figures bit for bit. */
    for (size_t i = 0; i < merged->count && status == CASCADE_OK; i++) {
        const cascade_point *p = &merged->points[i];
        cascade_point again;
        status = cascade_evaluate(fit, p->stages, p->model, p->threshold, &again, error);
        if (status == CASCADE_OK && cascade_front_add(front, &again) != CASCADE_OK)
            status = cascade_error_set(error, CASCADE_ERR_NOMEM, NULL, -1, -1, "out of memory");
    }
    cascade_merged_front_free(merged);
    if (status == CASCADE_OK)
        cascade_front_reduce(front);
    if (status == CASCADE_OK && cli_identity_refines(identity))
        status = cascade_sweep_refine(fit, sweep, front, stats, error);
    return status;
}
