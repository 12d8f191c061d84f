/* Private to src/points: the limits both sweeps (cascade_sweep and
 * cascade_sweep_ensemble) put on their options. */
#ifndef CASCADE_POINTS_SWEEP_LIMITS_H
#define CASCADE_POINTS_SWEEP_LIMITS_H

#include "cascade/sweep.h"

/* OPTIONS' chain length and grid within bounds. */
cascade_status sweep_check_limits(const cascade_sweep_options *options, cascade_error *error);

#endif
