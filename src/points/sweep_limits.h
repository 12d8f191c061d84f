/* Private to src/points: the limits both sweeps (cascade_sweep and
 * cascade_sweep_ensemble) put on their options. */
#ifndef CASCADE_POINTS_SWEEP_LIMITS_H
#define CASCADE_POINTS_SWEEP_LIMITS_H

#include "cascade/sweep.h"

/* OPTIONS' chain length and grid within bounds. */
cascade_status sweep_check_limits(const cascade_sweep_options *options, cascade_error *error);
/* DATASET's score over chains of up to STAGES stages: accuracy always,
 * the others for pairs, and for longer chains with two classes only. */
cascade_status sweep_check_score(const cascade_dataset *dataset, unsigned stages,
                                 cascade_error *error);

#endif
