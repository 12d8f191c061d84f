/* Private to src/records: the max-softmax kernel of the per-model pass. */
#ifndef CASCADE_RECORDS_SOFTMAX_KERNEL_H
#define CASCADE_RECORDS_SOFTMAX_KERNEL_H

#include <stddef.h>
#include <stdint.h>

/* Rows [begin, end) of a [rows][classes] float32 (or raw float16) logits
 * array: the argmax (first index on ties) and the max softmax
 * 1 / sum_j exp(z_j - max z), with a vectorised exp (AVX2 or AVX-512 when
 * the CPU has it) within about 3e-7 relative of double precision. Returns
 * the first row holding a NaN or Inf, or -1 when every row is finite; rows
 * from that one on are not computed. */
long long cascade_max_softmax_f32(const float *logits, size_t classes, size_t begin,
                                  size_t end, int32_t *prediction, double *confidence);
long long cascade_max_softmax_f16(const uint16_t *logits, size_t classes, size_t begin,
                                  size_t end, int32_t *prediction, double *confidence);

/* The kernels, slowest first. Each vector kernel gives the same bits on
 * any CPU that runs it: AVX-512 does AVX2's arithmetic sixteen lanes at a
 * time. The scalar one (CPUs without AVX2) has its own exp. */
typedef enum cascade_softmax_kernel {
    CASCADE_KERNEL_SCALAR,
    CASCADE_KERNEL_AVX2,
    CASCADE_KERNEL_AVX512
} cascade_softmax_kernel;

/* The widest kernel this CPU can run: the one the two functions above use. */
cascade_softmax_kernel cascade_softmax_best_kernel(void);

/* The functions above with a given kernel, for tests and benchmarks: one
 * past cascade_softmax_best_kernel() runs the scalar kernel instead. */
long long cascade_max_softmax_f32_using(cascade_softmax_kernel kernel, const float *logits,
                                        size_t classes, size_t begin, size_t end,
                                        int32_t *prediction, double *confidence);
long long cascade_max_softmax_f16_using(cascade_softmax_kernel kernel, const uint16_t *logits,
                                        size_t classes, size_t begin, size_t end,
                                        int32_t *prediction, double *confidence);

#endif
