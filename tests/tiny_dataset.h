/* A three-sample, two-model dataset written as CSV files in a fresh
 * temporary folder, whose decisions can be worked out by hand:
 *
 *   model a (cost 1), logits [[2, 0], [0, 0], [0, 3]]:
 *     predictions 0, 0, 1; confidences 0.8808, 0.5, 0.9526
 *   model b (cost 10), logits [[0, 1], [1, 0], [0, 1]]:
 *     predictions 1, 0, 1; confidences 0.7311 each
 *   labels 0, 0, 0 (when written)
 */
#ifndef CASCADE_TEST_TINY_DATASET_H
#define CASCADE_TEST_TINY_DATASET_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char tiny_dir[64];

static void tiny_write(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", tiny_dir, name);
    FILE *file = fopen(path, "w");
    if (!file || fputs(text, file) == EOF || fclose(file) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
}

/* Writes the files and returns the manifest's path. */
static const char *tiny_dataset(int with_labels)
{
    static char manifest[128];
    snprintf(tiny_dir, sizeof tiny_dir, "/tmp/cascade-test-tiny-XXXXXX");
    if (!mkdtemp(tiny_dir)) {
        perror("mkdtemp");
        exit(1);
    }
    tiny_write("a.csv", "2,0\n0,0\n0,3\n");
    tiny_write("b.csv", "0,1\n1,0\n0,1\n");
    tiny_write("labels.csv", "0\n0\n0\n");
    tiny_write("manifest.json", with_labels
        ? "{\"labels\": \"labels.csv\", \"models\": [{\"name\": \"a\", \"logits\": \"a.csv\", \"gmacs\": 1},"
          " {\"name\": \"b\", \"logits\": \"b.csv\", \"gmacs\": 10}]}"
        : "{\"models\": [{\"name\": \"a\", \"logits\": \"a.csv\", \"gmacs\": 1},"
          " {\"name\": \"b\", \"logits\": \"b.csv\", \"gmacs\": 10}]}");
    snprintf(manifest, sizeof manifest, "%s/manifest.json", tiny_dir);
    return manifest;
}

static void tiny_remove(void)
{
    const char *names[] = {"a.csv", "b.csv", "labels.csv", "manifest.json", "config.json"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", tiny_dir, names[i]);
        unlink(path);
    }
    rmdir(tiny_dir);
}

#endif
