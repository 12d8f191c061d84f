/* cascade/ensemble.h: cascades that ensemble the stages already run.
 *
 * In an ensembled chain m_1..m_n, stage i answers from the mean of the
 * probability vectors softmax(z / T) of m_1..m_i (T each model's fitted or
 * given temperature, 1 without calibration): its prediction is the argmax of that
 * mean (first class on ties) and its confidence is the dataset's metric of
 * it. Stage 1 is the first model alone, with its own records. The cost is
 * that of the plain chain: every earlier stage has run already.
 *
 * The mean needs every stage's class probabilities, not only its records,
 * so the score files listed in the dataset's manifest are mapped again and
 * read in blocks of samples: per worker a running float32 sum block and the
 * current model's block (OpenBLAS saxpy adds them). The sum is not divided
 * by i: the metric normalises p / sum p in double, so the sum and the mean
 * give the same prediction and confidence. Probabilities are averaged in
 * float32, which holds them to ~1e-7 relative, far below what changes an
 * argmax except at exact ties.
 *
 * Work: every chain re-reads its models' scores and takes a softmax of each
 * row, O(stages x samples x classes) per chain, with no skipping; on many
 * models restrict the sweep with candidates or front_only.
 *
 * Ownership: cascade_ensemble_records() fills a caller-provided array of
 * records that the caller releases with cascade_records_free() each;
 * cascade_sweep_ensemble() fills a caller-owned front (cascade/front.h).
 */
#ifndef CASCADE_ENSEMBLE_H
#define CASCADE_ENSEMBLE_H

#include "cascade/dataset.h"
#include "cascade/front.h"
#include "cascade/points.h"
#include "cascade/status.h"
#include "cascade/sweep.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The records of every stage of the ensembled chain CHAIN[0..STAGES-1]
 * (dataset model indices, 1 <= STAGES <= CASCADE_MAX_STAGES) into
 * OUT[STAGES]: OUT[0] a copy of CHAIN[0]'s records, OUT[s] those of the mean
 * of stages 0..s. DATASET's manifest's score files must still hold what it
 * was loaded from (their shapes are checked); without labels, every
 * correct[] is 0. */
cascade_status cascade_ensemble_records(const cascade_dataset *dataset, const unsigned *chain,
                                        unsigned stages, cascade_records *out,
                                        cascade_error *error);

/* The ensembled counterpart of cascade_sweep(): every single model, every
 * pair exactly, and chains of 3 to OPTIONS->max_stages stages on the grid
 * of OPTIONS->grid thresholds per stage, each chain swept over its own
 * ensemble records with cascade_sweep_chain(). Uses max_stages, grid,
 * candidates, front_only, threads and progress from OPTIONS (NULL for the
 * defaults); refuses all_points. No chain is skipped: the oracle bound of
 * plain records does not hold for ensembles. STATS->candidates counts the
 * single models plus the points of each chain's own front. */
cascade_status cascade_sweep_ensemble(const cascade_dataset *dataset,
                                      const cascade_sweep_options *options,
                                      cascade_front *front, cascade_sweep_stats *stats,
                                      cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
