/* Private to src/records: what the cost tables and the datasets built from
 * tables share. */
#ifndef CASCADE_RECORDS_COSTS_INTERNAL_H
#define CASCADE_RECORDS_COSTS_INTERNAL_H

#include "cascade/costs.h"

/* Passes a printf-style warning to O->warning, when there is one. */
void cascade_costs_warn(const cascade_costs_options *o, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The cost name O asks for: "gmacs" when none. */
const char *cascade_costs_name(const cascade_costs_options *o);

#endif
