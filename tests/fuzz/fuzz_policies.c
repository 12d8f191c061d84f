/* libFuzzer target: the policies file of a per-class front (written by
 * sweep --per-class, read by pick). A file that parses must expand every
 * policy, and write back to a file that parses to the same rules. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cascade/per_class.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_rules(const cascade_class_rule *a, const cascade_class_rule *b, size_t n)
{
    for (size_t c = 0; c < n; c++)
        if (a[c].second != b[c].second || (a[c].second >= 0 && a[c].threshold != b[c].threshold))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cascade_policy_set set;
    cascade_error error;
    if (cascade_policy_set_parse((const char *)data, size, "fuzz.json", &set, &error) !=
        CASCADE_OK) {
        if (set.count != 0 || set.policies || strchr(error.message, '\n'))
            abort(); /* a failed parse leaves a zeroed set and one line */
        return 0;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *file = open_memstream(&text, &len);
    if (!file || cascade_write_policies_json(file, &set) != CASCADE_OK)
        abort();
    fclose(file);
    cascade_policy_set back;
    if (cascade_policy_set_parse(text, len, "back.json", &back, &error) != CASCADE_OK ||
        back.count != set.count)
        abort();
    cascade_class_rule *one = malloc((set.classes + 1) * sizeof *one);
    cascade_class_rule *two = malloc((set.classes + 1) * sizeof *two);
    for (size_t p = 0; p < set.count; p++) {
        cascade_policy_set_expand(&set, p, one, NULL);
        cascade_policy_set_expand(&back, p, two, NULL);
        for (size_t c = 0; c < set.classes; c++)
            if (one[c].second >= (int32_t)set.model_count ||
                (one[c].second >= 0 && !isfinite(one[c].threshold)))
                abort();
        if (!same_rules(one, two, set.classes))
            abort();
    }
    free(one);
    free(two);
    free(text);
    cascade_policy_set_free(&back);
    cascade_policy_set_free(&set);
    return 0;
}
