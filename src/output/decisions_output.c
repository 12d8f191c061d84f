/* The per-sample decisions of an applied cascade, as CSV. */
#include "cascade/output.h"

#include <inttypes.h>

/* Sample i's model: MODELS[stage] for a chain, ANSWERED_BY[i] otherwise. */
static cascade_status write_rows(FILE *file, const cascade_dataset *dataset,
                                 const unsigned *models, const uint32_t *answered_by,
                                 const cascade_decisions *decisions)
{
    int labels = dataset->has_labels;
    fputs(labels ? "index,stage,model,prediction,confidence,correct"
                 : "index,stage,model,prediction,confidence", file);
    fputs(decisions->cost ? ",cost,quality\n" : "\n", file);
    for (size_t i = 0; i < decisions->samples; i++) {
        unsigned stage = decisions->stage[i];
        char confidence[32];
        cascade_format_double(decisions->confidence[i], confidence);
        fprintf(file, "%zu,%u,", i, stage + 1);
        cascade_csv_field(file, dataset->models[models ? models[stage] : answered_by[i]].name, 0);
        fprintf(file, "%" PRId32 ",%s", decisions->prediction[i], confidence);
        if (labels)
            fprintf(file, ",%u", (unsigned)decisions->correct[i]);
        if (decisions->cost) {
            char cost[32], quality[32];
            cascade_format_double(decisions->cost[i], cost);
            cascade_format_double(decisions->quality[i], quality);
            fprintf(file, ",%s,%s", cost, quality);
        }
        if (fputc('\n', file) == EOF)
            return CASCADE_ERR_IO;
    }
    return ferror(file) ? CASCADE_ERR_IO : CASCADE_OK;
}

cascade_status cascade_write_decisions_csv(FILE *file, const cascade_dataset *dataset,
                                           const unsigned *models,
                                           const cascade_decisions *decisions)
{
    return write_rows(file, dataset, models, NULL, decisions);
}

cascade_status cascade_write_answered_by_csv(FILE *file, const cascade_dataset *dataset,
                                             const uint32_t *answered_by,
                                             const cascade_decisions *decisions)
{
    return write_rows(file, dataset, NULL, answered_by, decisions);
}
