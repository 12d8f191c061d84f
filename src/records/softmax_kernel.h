/* Private to src/records: the max-softmax kernel of the per-model pass. */
#ifndef CASCADE_RECORDS_SOFTMAX_KERNEL_H
#define CASCADE_RECORDS_SOFTMAX_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Rows [begin, end) of a [rows][classes] float32 (or raw float16) logits
 * array: the argmax (first index on ties) and the max softmax
 * 1 / sum_j exp(z_j - max z), with a vectorised exp (AVX2 when the CPU has
 * it) within about 3e-7 relative of double precision. Returns
 * the first row holding a NaN or Inf, or -1 when every row is finite; rows
 * from that one on are not computed. */
long long cascade_max_softmax_f32(const float *logits, size_t classes, size_t begin,
                                  size_t end, int32_t *prediction, double *confidence);
long long cascade_max_softmax_f16(const uint16_t *logits, size_t classes, size_t begin,
                                  size_t end, int32_t *prediction, double *confidence);

#endif
