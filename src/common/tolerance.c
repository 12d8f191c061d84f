/* The tolerance rule shared by the CI checks (cascade/expect.h). */
#include "cascade/expect.h"

#include <math.h>

/* Far above the rounding of a few decimal-to-binary conversions and
 * subtractions (~1e-16 relative each), far below any tolerance worth
 * writing. */
static const double slack = 1e-12;

int cascade_within_tolerance(double a, double b, double tol)
{
    double larger = fmax(fabs(a), fabs(b));
    return fabs(a - b) <= tol + slack * larger;
}
