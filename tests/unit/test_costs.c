/* Cost tables joined to manifest models (cascade/costs.h), table-only
 * models in the sweep, and single-model fronts from timm's tables, checked
 * against a plain reader of those files written here. */
#include "check.h"
#include "test_data.h"

#include <dirent.h>

#include "cascade/costs.h"
#include "cascade/table_dataset.h"
#include "cascade/output.h"
#include "cascade/sweep.h"

/* ---- files ---- */

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    REQUIRE(f != NULL);
    fputs(text, f);
    REQUIRE(fclose(f) == 0);
}

static const char *in_dir(const char *dir, const char *name)
{
    static char path[4][1024];
    static int next;
    next = (next + 1) % 4;
    snprintf(path[next], sizeof path[0], "%s/%s", dir, name);
    return path[next];
}

/* ---- a plain CSV reader, independent of the library: timm's benchmark
 * files and the 2022 results have no quoted cells ---- */

typedef struct plain_csv {
    size_t rows, columns;
    char **cells;         /* [rows + 1][columns], row 0 the header */
    char *text;
} plain_csv;

static plain_csv plain_read(const char *path)
{
    plain_csv t = {0};
    FILE *f = fopen(path, "rb");
    REQUIRE(f != NULL);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    t.text = malloc((size_t)size + 1);
    REQUIRE(fread(t.text, 1, (size_t)size, f) == (size_t)size);
    fclose(f);
    t.text[size] = '\0';
    REQUIRE(!strchr(t.text, '"'));
    size_t lines = 0, commas = 0;
    for (char *c = t.text; *c; c++) {
        lines += *c == '\n';
        if (!lines)
            commas += *c == ',';
    }
    t.columns = commas + 1;
    t.cells = calloc((lines + 1) * t.columns, sizeof *t.cells);
    char *save = NULL;
    for (char *line = strtok_r(t.text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line[strcspn(line, "\r")] = '\0';
        if (!*line)
            continue;
        char *cell = line;
        for (size_t c = 0; c < t.columns; c++) {
            char *comma = strchr(cell, ',');
            REQUIRE(comma || c + 1 == t.columns);
            if (comma)
                *comma = '\0';
            t.cells[t.rows * t.columns + c] = cell;
            cell = comma ? comma + 1 : cell + strlen(cell);
        }
        t.rows++;
    }
    t.rows--; /* the header */
    return t;
}

static const char *plain_cell(const plain_csv *t, size_t row, const char *column)
{
    for (size_t c = 0; c < t->columns; c++)
        if (strcmp(t->cells[c], column) == 0)
            return t->cells[(row + 1) * t->columns + c];
    REQUIRE(!"no such column");
    return NULL;
}

static void plain_free(plain_csv *t)
{
    free(t->cells);
    free(t->text);
}

static const char *timm(const char *file)
{
    static char path[4][1024];
    static int next;
    next = (next + 1) % 4;
    snprintf(path[next], sizeof path[0], "%s/timm/%s", shared_data_dir(), file);
    return path[next];
}

/* ---- warnings ---- */

typedef struct warnings {
    int count;
    char last[1024];
} warnings;

static void collect(void *context, const char *message)
{
    warnings *w = context;
    w->count++;
    snprintf(w->last, sizeof w->last, "%s", message);
}

static cascade_status costs_of(const char *dir, const char *manifest_json,
                               const char *table_csv, cascade_costs_options *options,
                               double *costs, cascade_error *error)
{
    write_text(dir, "manifest.json", manifest_json);
    if (table_csv) {
        write_text(dir, "table.csv", table_csv);
        options->table_path = in_dir(dir, "table.csv");
    }
    cascade_manifest *m = NULL;
    REQUIRE(cascade_manifest_load(in_dir(dir, "manifest.json"), &m, NULL) == CASCADE_OK);
    cascade_status status = cascade_manifest_costs(m, options, costs, error);
    cascade_manifest_free(m);
    return status;
}

TEST_CASE(cost_table_should_give_every_benchmark_row_its_gmacs_and_time)
{
    /* For every benchmark file: one table-only model per name, at its first
     * row's image size, costed from the table and from the plain reader. */
    const char *files[] = {"benchmark-infer-amp-nchw-pt112-cu113-rtx3090.csv",
                           "benchmark-infer-amp-nhwc-pt110-cu113-rtx3090.csv",
                           "benchmark-infer-amp-nhwc-pt112-cu113-rtx3090.csv",
                           "benchmark-infer-amp-nhwc-pt113-cu117-rtx3090.csv",
                           "benchmark-infer-amp-nhwc-pt210-cu121-rtx3090.csv",
                           "benchmark-infer-amp-nhwc-pt240-cu124-rtx3090.csv"};
    char *dir = test_temp_dir();
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        plain_csv t = plain_read(timm(files[f]));
        size_t *rows = malloc(t.rows * sizeof *rows), n = 0;
        size_t json_size = 64 + t.rows * 160;
        char *json = malloc(json_size);
        size_t used = (size_t)snprintf(json, json_size, "{\"models\": [");
        for (size_t r = 0; r < t.rows; r++) {
            const char *name = plain_cell(&t, r, "model");
            int seen = 0;
            for (size_t i = 0; i < n && !seen; i++)
                seen = strcmp(plain_cell(&t, rows[i], "model"), name) == 0;
            /* pt240's one empty gmacs cell would stop the gmacs pass. */
            if (seen || !*plain_cell(&t, r, "infer_gmacs"))
                continue;
            used += (size_t)snprintf(json + used, json_size - used,
                                     "%s{\"name\": \"%s\", \"accuracy\": 0.5, \"img_size\": %s}",
                                     n ? ", " : "", name, plain_cell(&t, r, "infer_img_size"));
            rows[n++] = r;
        }
        snprintf(json + used, json_size - used, "]}");
        double *gmacs = malloc(n * sizeof *gmacs), *ms = malloc(n * sizeof *ms);
        cascade_error error;
        cascade_costs_options options = {.cost = "gmacs", .table_path = timm(files[f])};
        cascade_status s = costs_of(dir, json, NULL, &options, gmacs, &error);
        if (s != CASCADE_OK)
            fprintf(stderr, "%s: %s\n", files[f], error.message);
        REQUIRE(s == CASCADE_OK);
        options.cost = "time";
        REQUIRE(costs_of(dir, json, NULL, &options, ms, &error) == CASCADE_OK);
        double worst_gmacs = 0, worst_ms = 0;
        for (size_t i = 0; i < n; i++) {
            double g = atof(plain_cell(&t, rows[i], "infer_gmacs"));
            double rate = atof(plain_cell(&t, rows[i], "infer_samples_per_sec"));
            worst_gmacs = fmax(worst_gmacs, fabs(gmacs[i] - g));
            worst_ms = fmax(worst_ms, fabs(ms[i] - 1000.0 / rate));
        }
        printf("%s: %zu models, largest differences %g GMACs, %g ms\n", files[f], n,
               worst_gmacs, worst_ms);
        CHECK(n > 400);
        CHECK_NEAR(worst_gmacs, 0, 0);
        CHECK_NEAR(worst_ms, 0, 0);
        free(gmacs);
        free(ms);
        free(json);
        free(rows);
        plain_free(&t);
    }
    test_remove_dir(dir);
    free(dir);
}

TEST_CASE(manifest_cost_should_override_the_table_and_warn_only_beyond_one_percent)
{
    char *dir = test_temp_dir();
    /* a: 4.1 against 4.5 differs by 0.4 / 4.5 = 8.9%: a warning.
     * b: 2.01 against 2.0 differs by 0.5%: none. c is not in the table. */
    const char *manifest = "{\"models\": ["
                           "{\"name\": \"a\", \"accuracy\": 0.7, \"gmacs\": 4.1},"
                           "{\"name\": \"b\", \"accuracy\": 0.6, \"gmacs\": 2.01},"
                           "{\"name\": \"c\", \"accuracy\": 0.5, \"gmacs\": 1}]}";
    const char *table = "model,infer_samples_per_sec,infer_gmacs\n"
                        "a,100,4.5\n"
                        "b,\"1,000\",2.0\n";
    warnings w = {0};
    cascade_costs_options options = {.warning = collect, .warning_context = &w};
    double costs[3];
    cascade_error error;
    REQUIRE(costs_of(dir, manifest, table, &options, costs, &error) == CASCADE_OK);
    CHECK_NEAR(costs[0], 4.1, 0);
    CHECK_NEAR(costs[1], 2.01, 0);
    CHECK_NEAR(costs[2], 1, 0);
    CHECK_EQ_INT(w.count, 1);
    CHECK_STR_CONTAINS(w.last, "model \"a\": the manifest's \"gmacs\" 4.1 overrides 4.5");
    CHECK_STR_CONTAINS(w.last, "line 2");
    CHECK_STR_CONTAINS(w.last, "8.9%");
    /* Without manifest values the table gives them: time is 1000 / rate. */
    const char *bare = "{\"models\": [{\"name\": \"a\", \"accuracy\": 0.7},"
                       "{\"name\": \"b\", \"accuracy\": 0.6}]}";
    options.cost = "time";
    w.count = 0;
    REQUIRE(costs_of(dir, bare, table, &options, costs, &error) == CASCADE_OK);
    CHECK_NEAR(costs[0], 10.0, 0);
    CHECK_NEAR(costs[1], 1.0, 0);
    CHECK_EQ_INT(w.count, 0);
    /* Any numeric column by name. */
    options.cost = "infer_samples_per_sec";
    REQUIRE(costs_of(dir, bare, table, &options, costs, &error) == CASCADE_OK);
    CHECK_NEAR(costs[1], 1000, 0);
    test_remove_dir(dir);
    free(dir);
}

TEST_CASE(cost_table_should_name_a_model_it_lacks_and_a_column_it_lacks)
{
    char *dir = test_temp_dir();
    const char *table = "model,infer_gmacs\na,1\n";
    cascade_costs_options options = {0};
    double costs[2];
    cascade_error error;
    CHECK_EQ_INT(costs_of(dir, "{\"models\": [{\"name\": \"a\", \"accuracy\": 1},"
                               "{\"name\": \"zz\", \"accuracy\": 1}]}",
                          table, &options, costs, &error), CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(error.message, "model \"zz\" is not in the table");
    CHECK_STR_CONTAINS(error.file, "table.csv");
    options.cost = "param_count";
    CHECK_EQ_INT(costs_of(dir, "{\"models\": [{\"name\": \"a\", \"accuracy\": 1}]}", table,
                          &options, costs, &error), CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(error.message, "no \"param_count\" column");
    /* Without a table, a missing manifest field names the model and field. */
    cascade_costs_options none = {0};
    CHECK_EQ_INT(costs_of(dir, "{\"models\": [{\"name\": \"a\", \"accuracy\": 1}]}", NULL,
                          &none, costs, &error), CASCADE_ERR_NOT_FOUND);
    CHECK_STR_CONTAINS(error.message, "model \"a\" has no \"gmacs\"");
    test_remove_dir(dir);
    free(dir);
}

TEST_CASE(cost_table_should_key_on_the_manifest_img_size_and_strip_tags)
{
    char *dir = test_temp_dir();
    const char *table = "model,infer_img_size,infer_gmacs\n"
                        "resnet18,160,0.93\n"
                        "resnet18,224,1.82\n"
                        "resnet18,288,3.01\n"
                        "resnet50,224,4.11\n";
    cascade_costs_options options = {0};
    double costs[2];
    cascade_error error;
    REQUIRE(costs_of(dir, "{\"models\": [{\"name\": \"resnet18\", \"accuracy\": 0.7, "
                          "\"img_size\": 288}]}", table, &options, costs, &error) == CASCADE_OK);
    CHECK_NEAR(costs[0], 3.01, 0);
    CHECK_EQ_INT(costs_of(dir, "{\"models\": [{\"name\": \"resnet18\", \"accuracy\": 0.7}]}",
                          table, &options, costs, &error), CASCADE_ERR_VALUE);
    CHECK_STR_CONTAINS(error.message, "\"resnet18\" appears 3 times, at image sizes 160, 224, 288");
    options.img_size = 224;
    REQUIRE(costs_of(dir, "{\"models\": [{\"name\": \"resnet18\", \"accuracy\": 0.7}]}", table,
                     &options, costs, &error) == CASCADE_OK);
    CHECK_NEAR(costs[0], 1.82, 0);
    /* resnet50.a1_in1k is resnet50 once the tag is stripped. */
    cascade_costs_options strip = {.strip_tag = 1};
    REQUIRE(costs_of(dir, "{\"models\": [{\"name\": \"resnet50.a1_in1k\", \"accuracy\": 0.8},"
                          "{\"name\": \"resnet18.tv_in1k\", \"accuracy\": 0.7, \"img_size\": 160}]}",
                     table, &strip, costs, &error) == CASCADE_OK);
    CHECK_NEAR(costs[0], 4.11, 0);
    CHECK_NEAR(costs[1], 0.93, 0);
    cascade_costs_options exact = {0};
    CHECK_EQ_INT(costs_of(dir, "{\"models\": [{\"name\": \"resnet50.a1_in1k\", \"accuracy\": 0.8}]}",
                          table, &exact, costs, &error), CASCADE_ERR_NOT_FOUND);
    test_remove_dir(dir);
    free(dir);
}

/* ---- table-only models in a dataset and the sweep ---- */

TEST_CASE(table_only_models_should_stand_alone_in_the_sweep)
{
    /* Two scored models over 200 samples and two table-only ones, one listed
     * first so that the scored models' checks cannot lean on model 0. */
    char *dir = test_temp_dir();
    size_t k = 200;
    int64_t labels[200];
    double a[200][2], b[200][2];
    uint64_t state = 3;
    for (size_t i = 0; i < k; i++) {
        labels[i] = (int64_t)(i % 2);
        double pa = 0.5 + 0.5 * test_uniform(&state), pb = 0.5 + 0.5 * test_uniform(&state);
        int right_a = test_uniform(&state) < 0.6, right_b = test_uniform(&state) < 0.9;
        a[i][labels[i]] = right_a ? pa : 1 - pa;
        a[i][1 - labels[i]] = 1 - a[i][labels[i]];
        b[i][labels[i]] = right_b ? pb : 1 - pb;
        b[i][1 - labels[i]] = 1 - b[i][labels[i]];
    }
    test_write_npy(in_dir(dir, "labels.npy"), "<i8", k, 0, labels, sizeof labels[0]);
    test_write_npy(in_dir(dir, "a.npy"), "<f8", k, 2, a, sizeof a[0][0]);
    test_write_npy(in_dir(dir, "b.npy"), "<f8", k, 2, b, sizeof b[0][0]);
    write_text(dir, "manifest.json",
               "{\"labels\": \"labels.npy\", \"models\": ["
               "{\"name\": \"huge\", \"accuracy\": 0.99, \"gmacs\": 100},"
               "{\"name\": \"a\", \"probs\": \"a.npy\", \"gmacs\": 1},"
               "{\"name\": \"tiny\", \"accuracy\": 0.55, \"gmacs\": 0.5},"
               "{\"name\": \"b\", \"probs\": \"b.npy\", \"gmacs\": 4}]}");
    cascade_dataset *d = NULL;
    cascade_error error;
    cascade_status s = cascade_dataset_load(in_dir(dir, "manifest.json"), NULL, &d, &error);
    if (s != CASCADE_OK)
        fprintf(stderr, "%s\n", error.message);
    REQUIRE(s == CASCADE_OK);
    CHECK_EQ_INT(d->samples, k);
    CHECK(d->models[0].table_only && d->models[2].table_only);
    CHECK(!d->models[1].table_only && !d->models[3].table_only);
    CHECK_EQ_INT(d->models[0].records.samples, 0);
    for (unsigned stages = 1; stages <= 3; stages++) {
        cascade_front front;
        cascade_front_init(&front);
        cascade_sweep_options options = {.max_stages = stages, .grid = 20};
        REQUIRE(cascade_sweep(d, &options, &front, NULL, &error) == CASCADE_OK);
        int huge_alone = 0, chains = 0;
        for (size_t i = 0; i < front.count; i++) {
            const cascade_point *p = &front.points[i];
            if (p->stages == 1 && p->model[0] == 0) {
                huge_alone = 1;
                CHECK_NEAR(p->accuracy, 0.99, 0);
                CHECK_NEAR(p->cost, 100, 0);
            }
            for (unsigned t = 0; t < p->stages && p->stages > 1; t++)
                CHECK(!d->models[p->model[t]].table_only);
            chains += p->stages > 1;
        }
        CHECK(huge_alone); /* the most accurate point */
        if (stages >= 2)
            CHECK(chains > 0);
        cascade_front_free(&front);
    }
    /* A chain through a table-only model cannot be evaluated. */
    cascade_point p;
    double t = 0.7;
    CHECK_EQ_INT(cascade_evaluate(d, 2, (unsigned[]){2, 3}, &t, &p, &error), CASCADE_ERR_ARGUMENT);
    CHECK_STR_CONTAINS(error.message, "\"tiny\" has no per-sample scores");
    REQUIRE(cascade_evaluate(d, 1, (unsigned[]){2}, NULL, &p, &error) == CASCADE_OK);
    CHECK_NEAR(p.accuracy, 0.55, 0);
    /* The models table gives its accuracy and no confidence. */
    char *text = NULL;
    size_t len = 0;
    FILE *memory = open_memstream(&text, &len);
    REQUIRE(cascade_write_models_csv(memory, d) == CASCADE_OK);
    fclose(memory);
    CHECK_STR_CONTAINS(text, "\nhuge,0,0,0.99,,"); /* then 100, as the shortest round trip writes it */
    free(text);
    cascade_dataset_free(d);
    test_remove_dir(dir);
    free(dir);
}

/* ---- single-model fronts from timm's tables ---- */

TEST_CASE(front_from_the_2022_tables_should_match_an_independent_pareto_front)
{
    const char *results = timm("results-imagenet.e987e290-2022-07-27.csv");
    const char *bench = timm("benchmark-infer-amp-nhwc-pt112-cu113-rtx3090.csv");
    cascade_costs_options options = {.table_path = bench};
    cascade_dataset *d = NULL;
    cascade_tables_report report;
    cascade_error error;
    REQUIRE(cascade_dataset_from_tables(results, &options, &d, &report, &error) == CASCADE_OK);
    CHECK_EQ_INT(d->model_count, 665);
    CHECK_EQ_INT(report.unmatched, 3);
    CHECK_EQ_INT(report.no_cost, 0);
    cascade_front front;
    cascade_front_init(&front);
    REQUIRE(cascade_sweep(d, NULL, &front, NULL, &error) == CASCADE_OK);

    /* Independently: join on the exact name, top1 / 100 against
     * infer_gmacs, and keep each model no other beats (cost <= and
     * accuracy >= with one strict). */
    plain_csv r = plain_read(results), b = plain_read(bench);
    double *acc = malloc(r.rows * sizeof *acc), *cost = malloc(r.rows * sizeof *cost);
    const char **name = malloc(r.rows * sizeof *name);
    size_t n = 0;
    for (size_t i = 0; i < r.rows; i++)
        for (size_t j = 0; j < b.rows; j++)
            if (strcmp(plain_cell(&r, i, "model"), plain_cell(&b, j, "model")) == 0) {
                name[n] = plain_cell(&r, i, "model");
                acc[n] = atof(plain_cell(&r, i, "top1")) / 100.0;
                cost[n] = atof(plain_cell(&b, j, "infer_gmacs"));
                n++;
            }
    CHECK_EQ_INT(n, 665);
    size_t on_front = 0;
    for (size_t i = 0; i < n; i++) {
        int beaten = 0;
        for (size_t j = 0; j < n && !beaten; j++)
            beaten = cost[j] <= cost[i] && acc[j] >= acc[i] &&
                     (cost[j] < cost[i] || acc[j] > acc[i]);
        if (beaten)
            continue;
        on_front++;
        int found = 0;
        for (size_t p = 0; p < front.count; p++)
            if (strcmp(d->models[front.points[p].model[0]].name, name[i]) == 0) {
                found = 1;
                CHECK_NEAR(front.points[p].accuracy, acc[i], 1e-15);
                CHECK_NEAR(front.points[p].cost, cost[i], 0);
            }
        if (!found)
            fprintf(stderr, "%s is on the independent front only\n", name[i]);
        CHECK(found);
    }
    printf("%zu models, %zu on the front (independently %zu)\n", n, front.count, on_front);
    CHECK_EQ_INT(front.count, on_front);
    free(acc);
    free(cost);
    free(name);
    plain_free(&r);
    plain_free(&b);
    cascade_front_free(&front);
    cascade_dataset_free(d);
}

TEST_CASE(front_from_head_results_should_account_for_every_row_with_every_benchmark)
{
    char dir_path[1024];
    snprintf(dir_path, sizeof dir_path, "%s/timm", shared_data_dir());
    DIR *dir = opendir(dir_path);
    REQUIRE(dir != NULL);
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(dir)) != NULL) {
        if (strncmp(e->d_name, "benchmark-", 10) != 0)
            continue;
        files++;
        const char *costs[] = {"gmacs", "time"};
        for (size_t c = 0; c < 2; c++) {
            cascade_costs_options options = {.cost = costs[c], .table_path = timm(e->d_name),
                                             .strip_tag = 1};
            cascade_dataset *d = NULL;
            cascade_tables_report report;
            cascade_error error;
            cascade_status s = cascade_dataset_from_tables(timm("results-imagenet.HEAD.csv"),
                                                           &options, &d, &report, &error);
            if (s != CASCADE_OK)
                fprintf(stderr, "%s: %s\n", e->d_name, error.message);
            REQUIRE(s == CASCADE_OK);
            CHECK_EQ_INT(report.models + report.unmatched + report.no_cost, report.results_rows);
            CHECK(report.models > 500);
            cascade_front front;
            cascade_front_init(&front);
            REQUIRE(cascade_sweep(d, NULL, &front, NULL, &error) == CASCADE_OK);
            /* No model may beat a front point. */
            for (size_t p = 0; p < front.count; p++)
                for (size_t m = 0; m < d->model_count; m++) {
                    const cascade_model *x = &d->models[m];
                    const cascade_point *q = &front.points[p];
                    CHECK(!(x->cost <= q->cost && x->accuracy >= q->accuracy &&
                            (x->cost < q->cost || x->accuracy > q->accuracy)));
                }
            printf("%s, %s: %zu models, %zu unmatched, %zu without a cost, %zu on the front\n",
                   e->d_name, costs[c], report.models, report.unmatched, report.no_cost,
                   front.count);
            cascade_front_free(&front);
            cascade_dataset_free(d);
        }
    }
    closedir(dir);
    CHECK(files >= 6);
}

RUN_TESTS(CASE(cost_table_should_give_every_benchmark_row_its_gmacs_and_time),
          CASE(manifest_cost_should_override_the_table_and_warn_only_beyond_one_percent),
          CASE(cost_table_should_name_a_model_it_lacks_and_a_column_it_lacks),
          CASE(cost_table_should_key_on_the_manifest_img_size_and_strip_tags),
          CASE(table_only_models_should_stand_alone_in_the_sweep),
          CASE(front_from_the_2022_tables_should_match_an_independent_pareto_front),
          CASE(front_from_head_results_should_account_for_every_row_with_every_benchmark))
