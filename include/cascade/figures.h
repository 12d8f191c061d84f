/* cascade/figures.h: the routing literature's summary figures of a
 * cost-quality curve, defined exactly.
 *
 * Pair figures (RouteLLM: Ong et al., "RouteLLM: Learning to Route LLMs with
 * Preference Data", 2024). For a pair a -> b (a the cheaper), x is the
 * fraction of samples that reach b and Q(x) the best quality of the pair
 * over its thresholds with that fraction at most x: a non-decreasing,
 * right-continuous step function. The thresholds include sending nothing on
 * (x = 0, quality Q_a) and everything (x = 1, quality Q_b), Q_a and Q_b being
 * the single models' figures.
 *   PGR(x)  = (Q(x) - Q_a) / (Q_b - Q_a)
 *   APGR    = the integral of PGR over x in [0, 1], exactly on the steps
 *             (RouteLLM approximates it with 10 bins of x)
 *   CPT(p)  = the least x with PGR(x) >= p
 * All are NaN when Q_b <= Q_a: the gain to recover is not positive.
 *
 * AIQ (RouterBench: Hu et al., "RouterBench: A Benchmark for Multi-LLM
 * Routing System", 2024). H(c) is the upper concave, non-decreasing hull of
 * the points (cost, quality), extended flat past its last point; AIQ is
 * (1 / (c_max - c_min)) times the integral of H over [c_min, c_max], c_min
 * and c_max the costs of the cheapest and the costliest single model; when
 * c_max = c_min it is H(c_min).
 *
 * Quality is whatever the points' quality values hold: the functions take
 * the numbers, never recompute them, so a score other than accuracy plugs
 * in where the points are made.
 *
 * Ownership: plain values in caller-owned structs and arrays.
 */
#ifndef CASCADE_FIGURES_H
#define CASCADE_FIGURES_H

#include <stddef.h>

#include "cascade/dataset.h"
#include "cascade/points.h"
#include "cascade/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CASCADE_CPT_COUNT = 3 };
/* The PGR levels of cpt[]: 0.5, 0.8 and 0.9. */
extern const double cascade_cpt_levels[CASCADE_CPT_COUNT];

typedef struct cascade_pair_figures {
    double q_a, q_b;
    double apgr;                       /* NaN when q_b <= q_a */
    double cpt[CASCADE_CPT_COUNT];     /* NaN when q_b <= q_a or never reached */
} cascade_pair_figures;

/* The pair figures from COUNT steps (FRACTION[i] in [0, 1], QUALITY[i]),
 * in any order, plus the two ends (0, Q_A) and (1, Q_B). */
cascade_status cascade_pair_figures_from_steps(const double *fraction, const double *quality,
                                               size_t count, double q_a, double q_b,
                                               cascade_pair_figures *out,
                                               cascade_error *error);

/* The pair A -> B of DATASET (labelled, both with scores) at every distinct
 * threshold (cascade_sweep_chain), quality = accuracy. */
cascade_status cascade_pair_figures_of(const cascade_dataset *dataset, unsigned a, unsigned b,
                                       cascade_pair_figures *out, cascade_error *error);

/* AIQ of the points (COST[i], QUALITY[i]) over [C_MIN, C_MAX]. The
 * cheapest point must cost at most C_MIN (a front always holds the
 * cheapest single model); C_MIN <= C_MAX, all finite. */
cascade_status cascade_aiq(const double *cost, const double *quality, size_t count,
                           double c_min, double c_max, double *out, cascade_error *error);

/* AIQ of FRONT's points, c_min and c_max from SINGLES (every single model). */
cascade_status cascade_aiq_of_points(const cascade_point *singles, size_t single_count,
                                     const cascade_point *front, size_t front_count,
                                     double *out, cascade_error *error);

#ifdef __cplusplus
}
#endif

#endif
