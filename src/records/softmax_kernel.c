/* The max-softmax kernel: one pass per row over float32 or float16 logits.
 *
 * exp is evaluated as in Cephes' expf: n = round(x log2 e), r = x - n ln 2
 * (ln 2 split in two for accuracy), a degree-6 polynomial for e^r, and 2^n
 * put into the exponent bits. Arguments are <= 0 here (z - max z), clamped
 * at -87 where e^x is below 1e-38 and cannot move a sum that is >= 1. The
 * terms are float (error ~1 ulp) and the sum is double, because a float sum
 * of 1000 terms would lose ~1e-5. */
#include "records/softmax_kernel.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_X86_KERNEL 1
#endif

static const float EXP_LOW = -87.0f;
static const float LOG2E = 1.44269504088896341f;
static const float LN2_HI = 0.693359375f;
static const float LN2_LO = -2.12194440e-4f;
static const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f,
                   P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

static float exp_negative(float x)
{
    if (x < EXP_LOW)
        x = EXP_LOW;
    float n = nearbyintf(x * LOG2E);
    float r = x - n * LN2_HI - n * LN2_LO;
    float p = ((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5;
    p = p * r * r + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &p, sizeof bits);
    bits += (int32_t)n * (1 << 23);
    memcpy(&p, &bits, sizeof p);
    return p;
}

/* Scalar rows, for CPUs without AVX2. */
static long long rows_scalar(const float *logits, size_t classes, size_t begin, size_t end,
                             int32_t *prediction, double *confidence)
{
    for (size_t i = begin; i < end; i++) {
        const float *z = logits + i * classes;
        float max = z[0];
        int32_t arg = 0;
        for (size_t j = 0; j < classes; j++) {
            if (!isfinite(z[j]))
                return (long long)i;
            if (z[j] > max) {
                max = z[j];
                arg = (int32_t)j;
            }
        }
        double sum = 0;
        for (size_t j = 0; j < classes; j++)
            sum += exp_negative(z[j] - max);
        prediction[i] = arg;
        confidence[i] = 1.0 / sum;
    }
    return -1;
}

#ifdef HAVE_X86_KERNEL
#define AVX2 __attribute__((target("avx2,fma,f16c")))

AVX2 static __m256 exp_negative8(__m256 x)
{
    x = _mm256_max_ps(x, _mm256_set1_ps(EXP_LOW));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(LOG2E)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
    __m256 p = _mm256_set1_ps(P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P5));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i scale = _mm256_slli_epi32(_mm256_cvtps_epi32(n), 23);
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), scale));
}

/* Whether any of 8 floats is NaN or Inf: all exponent bits set. */
AVX2 static __m256i nonfinite8(__m256 z)
{
    const __m256i exponent = _mm256_set1_epi32(0x7f800000);
    return _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_castps_si256(z), exponent), exponent);
}

/* One row in a float buffer: returns 0 when a value is not finite. */
AVX2 static int row_avx2(const float *z, size_t classes, int32_t *prediction, double *confidence)
{
    size_t vec = classes & ~(size_t)7;
    __m256 vmax = _mm256_set1_ps(z[0]);
    __m256i bad = _mm256_setzero_si256();
    for (size_t j = 0; j < vec; j += 8) {
        __m256 v = _mm256_loadu_ps(z + j);
        bad = _mm256_or_si256(bad, nonfinite8(v));
        vmax = _mm256_max_ps(vmax, v);
    }
    if (!_mm256_testz_si256(bad, bad))
        return 0;
    float lanes[8];
    _mm256_storeu_ps(lanes, vmax);
    float max = lanes[0];
    for (int l = 1; l < 8; l++)
        max = lanes[l] > max ? lanes[l] : max;
    for (size_t j = vec; j < classes; j++) {
        if (!isfinite(z[j]))
            return 0;
        max = z[j] > max ? z[j] : max;
    }
    int32_t arg = 0;
    while (z[arg] != max)
        arg++;
    __m256 vm = _mm256_set1_ps(max);
    __m256d sum_lo = _mm256_setzero_pd(), sum_hi = _mm256_setzero_pd();
    for (size_t j = 0; j < vec; j += 8) {
        __m256 e = exp_negative8(_mm256_sub_ps(_mm256_loadu_ps(z + j), vm));
        sum_lo = _mm256_add_pd(sum_lo, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        sum_hi = _mm256_add_pd(sum_hi, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double parts[4];
    _mm256_storeu_pd(parts, _mm256_add_pd(sum_lo, sum_hi));
    double sum = (parts[0] + parts[1]) + (parts[2] + parts[3]);
    for (size_t j = vec; j < classes; j++)
        sum += exp_negative(z[j] - max);
    *prediction = arg;
    *confidence = 1.0 / sum;
    return 1;
}

AVX2 static long long rows_f32_avx2(const float *logits, size_t classes, size_t begin,
                                    size_t end, int32_t *prediction, double *confidence)
{
    for (size_t i = begin; i < end; i++)
        if (!row_avx2(logits + i * classes, classes, &prediction[i], &confidence[i]))
            return (long long)i;
    return -1;
}

AVX2 static long long rows_f16_avx2(const uint16_t *logits, size_t classes, size_t begin,
                                    size_t end, int32_t *prediction, double *confidence,
                                    float *row)
{
    size_t vec = classes & ~(size_t)7;
    for (size_t i = begin; i < end; i++) {
        const uint16_t *h = logits + i * classes;
        for (size_t j = 0; j < vec; j += 8)
            _mm256_storeu_ps(row + j, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + j))));
        for (size_t j = vec; j < classes; j++)
            row[j] = _cvtsh_ss(h[j]);
        if (!row_avx2(row, classes, &prediction[i], &confidence[i]))
            return (long long)i;
    }
    return -1;
}

static int have_avx2(void)
{
    /* F16C from CPUID itself: clang 14's __builtin_cpu_supports() does not
     * know "f16c", and the fuzzing build uses clang. */
    unsigned a, b, c, d;
    int f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
    __builtin_cpu_init();
    return f16c && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

static float half_to_float(uint16_t half)
{
    uint32_t sign = (uint32_t)(half & 0x8000u) << 16, exponent = (half >> 10) & 0x1fu,
             mantissa = half & 0x3ffu, bits;
    if (exponent == 0x1f)
        bits = sign | 0x7f800000u | (mantissa << 13);
    else if (exponent)
        bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
    else if (!mantissa)
        bits = sign;
    else {
        exponent = 113;
        while (!(mantissa & 0x400u)) {
            mantissa <<= 1;
            exponent--;
        }
        bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
    }
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

long long cascade_max_softmax_f32(const float *logits, size_t classes, size_t begin,
                                  size_t end, int32_t *prediction, double *confidence)
{
#ifdef HAVE_X86_KERNEL
    if (have_avx2())
        return rows_f32_avx2(logits, classes, begin, end, prediction, confidence);
#endif
    return rows_scalar(logits, classes, begin, end, prediction, confidence);
}

long long cascade_max_softmax_f16(const uint16_t *logits, size_t classes, size_t begin,
                                  size_t end, int32_t *prediction, double *confidence)
{
    enum { STACK_ROW = 4096 };
    float stack_row[STACK_ROW];
    float *row = classes <= STACK_ROW ? stack_row : malloc(classes * sizeof *row);
    if (!row)
        return -2;
    long long bad = -1;
#ifdef HAVE_X86_KERNEL
    if (have_avx2()) {
        bad = rows_f16_avx2(logits, classes, begin, end, prediction, confidence, row);
        goto done;
    }
#endif
    for (size_t i = begin; i < end && bad < 0; i++) {
        for (size_t j = 0; j < classes; j++)
            row[j] = half_to_float(logits[i * classes + j]);
        if (rows_scalar(row, classes, 0, 1, &prediction[i], &confidence[i]) >= 0)
            bad = (long long)i;
    }
#ifdef HAVE_X86_KERNEL
done:
#endif
    if (row != stack_row)
        free(row);
    return bad;
}
