/* The per-sample decisions of an applied cascade, as CSV. */
#include "cascade/output.h"

#include <inttypes.h>

cascade_status cascade_write_decisions_csv(FILE *file, const cascade_dataset *dataset,
                                           const unsigned *models,
                                           const cascade_decisions *decisions)
{
    int labels = dataset->has_labels;
    fputs(labels ? "index,stage,model,prediction,confidence,correct\n"
                 : "index,stage,model,prediction,confidence\n", file);
    for (size_t i = 0; i < decisions->samples; i++) {
        unsigned stage = decisions->stage[i];
        char confidence[32];
        cascade_format_double(decisions->confidence[i], confidence);
        fprintf(file, "%zu,%u,", i, stage + 1);
        cascade_csv_field(file, dataset->models[models[stage]].name, 0);
        fprintf(file, "%" PRId32 ",%s", decisions->prediction[i], confidence);
        if (labels)
            fprintf(file, ",%u", (unsigned)decisions->correct[i]);
        if (fputc('\n', file) == EOF)
            return CASCADE_ERR_IO;
    }
    return ferror(file) ? CASCADE_ERR_IO : CASCADE_OK;
}
