/* The max-softmax kernel: one pass per row over float32 or float16 logits.
 *
 * exp(x) for x = z - max z <= 0: n = round(x log2 e), r = x - n ln 2 (ln 2
 * split in two for accuracy), a polynomial for e^r, and 2^n put into the
 * exponent bits. Arguments are clamped at -87, where e^x is below 1e-38
 * and cannot move a sum that is >= 1.
 *
 * The scalar path (CPUs without AVX2) uses Cephes' expf polynomial (~1 ulp).
 * The AVX2 path uses a degree-5 near-minimax fit of e^r on [-ln2/2, ln2/2]
 * (relative error 1.1e-7 exactly evaluated, 1.8e-7 in float32; made by
 * scripts/fit_exp_polynomial.py), two fused
 * multiply-adds fewer than Cephes: the per-model pass is compute-bound,
 * and this made it 1.4x faster. Terms are summed four vectors at a time in
 * float, then in double: the confidence is within ~3e-7 relative of a
 * double-precision softmax (7.5e-8 measured), where a float sum of a whole
 * 1000-term row would lose ~1e-5. --precise computes in double instead.
 *
 * CPUs with AVX-512 run the AVX2 path's arithmetic sixteen lanes at a time,
 * lane for lane in the same order: the same bits, so a front does not depend
 * on which of the two a machine has. */
#include "records/softmax_kernel.h"

#include "cascade/array.h"

#include <math.h>
#include <pthread.h>
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

/* the AVX2 path's e^r = 1 + r + r^2 (Q2 + Q3 r + Q4 r^2 + Q5 r^3) */
static const float Q2 = 4.999923110e-01f, Q3 = 1.666711420e-01f, Q4 = 4.189011455e-02f,
                   Q5 = 8.312525228e-03f;
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

/* Rows of at most this many classes go eight at a time (eight_rows_avx2). */
enum { SMALL_CLASSES = 16 };

AVX2 static __m256 exp_negative8(__m256 x)
{
    const __m256 magic = _mm256_set1_ps(12582912.0f); /* 1.5 * 2^23 */
    x = _mm256_max_ps(x, _mm256_set1_ps(EXP_LOW));
    __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(LOG2E), magic);
    __m256 n = _mm256_sub_ps(t, magic);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
    __m256 p = _mm256_set1_ps(Q5);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(Q4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(Q3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(Q2));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i scale = _mm256_slli_epi32(_mm256_castps_si256(t), 23);
    return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(p), scale));
}

/* Lanes below REM (1..7) all ones: the part of a row after its last full
 * vector, loaded with a mask instead of element by element. */
AVX2 static __m256 tail_mask(size_t rem)
{
    return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem),
                                                  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
}

/* Every lane the largest of V's lanes. */
AVX2 static __m256 broadcast_max(__m256 v)
{
    v = _mm256_max_ps(v, _mm256_permute2f128_ps(v, v, 1));
    v = _mm256_max_ps(v, _mm256_shuffle_ps(v, v, 0x4e));
    return _mm256_max_ps(v, _mm256_shuffle_ps(v, v, 0xb1));
}

/* E with lane ARG - J zeroed (none when ARG is outside [J, J + 8)). */
AVX2 static __m256 drop_lane(__m256 e, size_t j, int32_t arg)
{
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i at = _mm256_set1_epi32((int32_t)((int64_t)arg - (int64_t)j));
    return _mm256_andnot_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(lane, at)), e);
}

/* The terms of a row's classes from J to VEC (whole eights) and of its
 * last REM classes after VEC, its own term (ARG) left out, summed as one
 * float vector: the masked tail first, then the eights in order. Both row
 * kernels end a row with it, so their sums match. */
AVX2 static inline __attribute__((always_inline)) __m256 rest_of_row(
    const float *z, size_t j, size_t vec, size_t rem, __m256 vm, int32_t arg)
{
    __m256 rest = _mm256_setzero_ps();
    if (rem) {
        __m256 mask = tail_mask(rem);
        __m256 tail = _mm256_maskload_ps(z + vec, _mm256_castps_si256(mask));
        rest = drop_lane(_mm256_and_ps(exp_negative8(_mm256_sub_ps(tail, vm)), mask), vec, arg);
    }
    for (; j < vec; j += 8)
        rest = _mm256_add_ps(rest, drop_lane(exp_negative8(_mm256_sub_ps(_mm256_loadu_ps(z + j),
                                                                         vm)), j, arg));
    return rest;
}

/* One row in a float buffer: returns 0 when a value is not finite. */
AVX2 static int row_avx2(const float *z, size_t classes, int32_t *prediction, double *confidence)
{
    size_t vec = classes & ~(size_t)7, rem = classes - vec;
    const __m256 zero = _mm256_setzero_ps(), low = _mm256_set1_ps(-INFINITY);
    __m256 mask = rem ? tail_mask(rem) : zero;
    /* masked-off lanes read as 0, then stand aside as -inf for the max */
    __m256 tail = rem ? _mm256_maskload_ps(z + vec, _mm256_castps_si256(mask)) : zero;
    __m256 vmax = _mm256_blendv_ps(low, tail, mask);
    /* v * 0 is NaN exactly when v is NaN or infinite, and a NaN stays */
    __m256 bad = _mm256_fmadd_ps(tail, zero, zero);
    for (size_t j = 0; j < vec; j += 8) {
        __m256 v = _mm256_loadu_ps(z + j);
        bad = _mm256_fmadd_ps(v, zero, bad);
        vmax = _mm256_max_ps(vmax, v);
    }
    if (_mm256_movemask_ps(_mm256_cmp_ps(bad, bad, _CMP_UNORD_Q)))
        return 0;
    __m256 vm = broadcast_max(vmax);
    /* the first class at the maximum, as a scalar scan would find it */
    int32_t arg = -1;
    for (size_t j = 0; j < vec && arg < 0; j += 8) {
        int hit = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(z + j), vm, _CMP_EQ_OQ));
        if (hit)
            arg = (int32_t)j + __builtin_ctz((unsigned)hit);
    }
    if (arg < 0)
        arg = (int32_t)vec + __builtin_ctz((unsigned)_mm256_movemask_ps(
                  _mm256_and_ps(_mm256_cmp_ps(tail, vm, _CMP_EQ_OQ), mask)));
    /* Four vectors summed in float (an error of ~2 ulp), then in double: a
     * float sum over a whole row of 1000 terms would lose ~1e-5. The
     * maximum's own term, e^0 = 1, is left out of the float sums and added
     * in double at the end: next to a 1 in float, the terms of a confident
     * row (1 - confidence ~ 1e-8) would lose most of their digits, and
     * samples that close would be put in the wrong order. */
    __m256d sum_lo = _mm256_setzero_pd(), sum_hi = _mm256_setzero_pd();
    size_t j = 0;
    for (; j + 32 <= vec; j += 32) {
        __m256 e0 = exp_negative8(_mm256_sub_ps(_mm256_loadu_ps(z + j), vm));
        __m256 e1 = exp_negative8(_mm256_sub_ps(_mm256_loadu_ps(z + j + 8), vm));
        __m256 e2 = exp_negative8(_mm256_sub_ps(_mm256_loadu_ps(z + j + 16), vm));
        __m256 e3 = exp_negative8(_mm256_sub_ps(_mm256_loadu_ps(z + j + 24), vm));
        if ((size_t)arg - j < 32) {
            e0 = drop_lane(e0, j, arg);
            e1 = drop_lane(e1, j + 8, arg);
            e2 = drop_lane(e2, j + 16, arg);
            e3 = drop_lane(e3, j + 24, arg);
        }
        __m256 e = _mm256_add_ps(_mm256_add_ps(e0, e1), _mm256_add_ps(e2, e3));
        sum_lo = _mm256_add_pd(sum_lo, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        sum_hi = _mm256_add_pd(sum_hi, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    __m256 rest = rest_of_row(z, j, vec, rem, vm, arg);
    sum_lo = _mm256_add_pd(sum_lo, _mm256_cvtps_pd(_mm256_castps256_ps128(rest)));
    sum_hi = _mm256_add_pd(sum_hi, _mm256_cvtps_pd(_mm256_extractf128_ps(rest, 1)));
    double parts[4];
    _mm256_storeu_pd(parts, _mm256_add_pd(sum_lo, sum_hi));
    *prediction = arg;
    *confidence = 1.0 / (1.0 + ((parts[0] + parts[1]) + (parts[2] + parts[3])));
    return 1;
}

/* Rows of few classes, eight at a time, one row a lane: a row of 10
 * classes fills a vector and a half, and the work per row (a horizontal
 * max, the argmax, the sum) cost more than its exps. Lane r holds row
 * I + r, class j comes from a gather. The same arithmetic as row_avx2 per
 * row: the max's own term left out of the float sums, terms summed in
 * float two classes at a time, then in double. Returns 0 when a value of
 * the eight rows is not finite (row_avx2 then finds which). */
AVX2 static inline __attribute__((always_inline)) int eight_rows_body(
    const float *z, size_t classes, int32_t *prediction, double *confidence)
{
    const __m256i index = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                             _mm256_set1_epi32((int)classes));
    const __m256 zero = _mm256_setzero_ps();
    __m256 v[SMALL_CLASSES];
    __m256 vmax = _mm256_set1_ps(-INFINITY), bad = zero;
    for (size_t j = 0; j < classes; j++) {
        v[j] = _mm256_i32gather_ps(z + j, index, 4);
        bad = _mm256_fmadd_ps(v[j], zero, bad);
        vmax = _mm256_max_ps(vmax, v[j]);
    }
    if (_mm256_movemask_ps(_mm256_cmp_ps(bad, bad, _CMP_UNORD_Q)))
        return 0;
    /* the first class at the maximum: from the last class down */
    __m256i arg = _mm256_setzero_si256();
    for (size_t j = classes; j-- > 0;)
        arg = _mm256_blendv_epi8(arg, _mm256_set1_epi32((int)j),
                                 _mm256_castps_si256(_mm256_cmp_ps(v[j], vmax, _CMP_EQ_OQ)));
    __m256d sum_lo = _mm256_setzero_pd(), sum_hi = _mm256_setzero_pd();
    for (size_t j = 0; j < classes; j += 2) {
        __m256 e = zero;
        for (size_t t = j; t < j + 2 && t < classes; t++) {
            __m256 term = exp_negative8(_mm256_sub_ps(v[t], vmax));
            __m256 own = _mm256_castsi256_ps(_mm256_cmpeq_epi32(arg, _mm256_set1_epi32((int)t)));
            e = _mm256_add_ps(e, _mm256_andnot_ps(own, term));
        }
        sum_lo = _mm256_add_pd(sum_lo, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        sum_hi = _mm256_add_pd(sum_hi, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    const __m256d one = _mm256_set1_pd(1.0);
    _mm256_storeu_si256((__m256i *)prediction, arg);
    _mm256_storeu_pd(confidence, _mm256_div_pd(one, _mm256_add_pd(one, sum_lo)));
    _mm256_storeu_pd(confidence + 4, _mm256_div_pd(one, _mm256_add_pd(one, sum_hi)));
    return 1;
}

/* eight_rows_body() with the class count a constant, one copy per count:
 * its loops then unroll and its sixteen vectors stay in registers, where a
 * run-time count kept them on the stack (66 instructions a row of 10
 * classes by callgrind). The same operations in the same order: the same
 * bits. */
AVX2 static int eight_rows_avx2(const float *z, size_t classes, int32_t *prediction,
                                double *confidence)
{
    switch (classes) {
#define EIGHT_ROWS_OF(n) \
    case n: \
        return eight_rows_body(z, n, prediction, confidence);
        EIGHT_ROWS_OF(2) EIGHT_ROWS_OF(3) EIGHT_ROWS_OF(4) EIGHT_ROWS_OF(5) EIGHT_ROWS_OF(6)
        EIGHT_ROWS_OF(7) EIGHT_ROWS_OF(8) EIGHT_ROWS_OF(9) EIGHT_ROWS_OF(10) EIGHT_ROWS_OF(11)
        EIGHT_ROWS_OF(12) EIGHT_ROWS_OF(13) EIGHT_ROWS_OF(14) EIGHT_ROWS_OF(15) EIGHT_ROWS_OF(16)
#undef EIGHT_ROWS_OF
    default:
        return eight_rows_body(z, classes, prediction, confidence);
    }
}

AVX2 static long long rows_f32_avx2(const float *logits, size_t classes, size_t begin,
                                    size_t end, int32_t *prediction, double *confidence)
{
    size_t i = begin;
    if (classes <= SMALL_CLASSES) {
        for (; i + 8 <= end; i += 8)
            if (!eight_rows_avx2(logits + i * classes, classes, &prediction[i], &confidence[i]))
                break; /* the row loop below names the bad row */
        /* The last one to seven rows go eight at a time too, padded with
         * zeros: row_avx2 sums in another order, and a row's bits must not
         * depend on where a call's rows begin and end (threads, blocks). */
        if (i + 8 > end && i < end) {
            float padded[8 * SMALL_CLASSES] = {0};
            int32_t padded_prediction[8];
            double padded_confidence[8];
            memcpy(padded, logits + i * classes, (end - i) * classes * sizeof *padded);
            if (eight_rows_avx2(padded, classes, padded_prediction, padded_confidence)) {
                memcpy(&prediction[i], padded_prediction, (end - i) * sizeof *prediction);
                memcpy(&confidence[i], padded_confidence, (end - i) * sizeof *confidence);
                i = end;
            }
        }
    }
    for (; i < end; i++)
        if (!row_avx2(logits + i * classes, classes, &prediction[i], &confidence[i]))
            return (long long)i;
    return -1;
}

/* One row of float32 logits: row_avx2 or row_avx512. */
typedef int row_kernel(const float *z, size_t classes, int32_t *prediction, double *confidence);

AVX2 static long long rows_f16_avx2(row_kernel *row_of, const uint16_t *logits, size_t classes,
                                    size_t begin, size_t end, int32_t *prediction,
                                    double *confidence, float *row)
{
    size_t vec = classes & ~(size_t)7;
    for (size_t i = begin; i < end; i++) {
        const uint16_t *h = logits + i * classes;
        for (size_t j = 0; j < vec; j += 8)
            _mm256_storeu_ps(row + j, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(h + j))));
        for (size_t j = vec; j < classes; j++)
            row[j] = _cvtsh_ss(h[j]);
        if (!row_of(row, classes, &prediction[i], &confidence[i]))
            return (long long)i;
    }
    return -1;
}

/* The AVX2 path sixteen lanes at a time, for CPUs with AVX-512. Every
 * operation of row_avx2 and eight_rows_body is done lane by lane in the
 * same order, so the bits are the same. Where row_avx2 adds a 32-class
 * block's four vectors as (e0 + e1) + (e2 + e3), the two wide vectors
 * [e0|e1] and [e2|e3] are regrouped as [e0|e2] and [e1|e3] first; the max
 * and the first class at it do not depend on the order they are found in.
 * build/tests/bench_softmax times both: a sixth to a third less time a
 * logit here (docs/performance.md). */
#define AVX512 __attribute__((target("avx512f,avx512dq,avx2,fma,f16c")))

AVX512 static __m512 exp_negative16(__m512 x)
{
    const __m512 magic = _mm512_set1_ps(12582912.0f); /* 1.5 * 2^23 */
    x = _mm512_max_ps(x, _mm512_set1_ps(EXP_LOW));
    __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(LOG2E), magic);
    __m512 n = _mm512_sub_ps(t, magic);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
    __m512 p = _mm512_set1_ps(Q5);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(Q4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(Q3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(Q2));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    __m512i scale = _mm512_slli_epi32(_mm512_castps_si512(t), 23);
    return _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(p), scale));
}

AVX512 static int row_avx512(const float *z, size_t classes, int32_t *prediction,
                             double *confidence)
{
    size_t whole = classes & ~(size_t)15;
    __mmask16 last = (__mmask16)((1u << (classes - whole)) - 1);
    const __m512 zero = _mm512_setzero_ps();
    __m512 vmax = _mm512_set1_ps(-INFINITY), bad = zero;
    for (size_t j = 0; j < whole; j += 16) {
        __m512 v = _mm512_loadu_ps(z + j);
        bad = _mm512_fmadd_ps(v, zero, bad);
        vmax = _mm512_max_ps(vmax, v);
    }
    __m512 tail = _mm512_maskz_loadu_ps(last, z + whole);
    bad = _mm512_fmadd_ps(tail, zero, bad);
    vmax = _mm512_mask_max_ps(vmax, last, vmax, tail);
    if (_mm512_cmp_ps_mask(bad, bad, _CMP_UNORD_Q))
        return 0;
    __m512 vm = _mm512_set1_ps(_mm512_reduce_max_ps(vmax));
    int32_t arg = -1;
    for (size_t j = 0; j < whole && arg < 0; j += 16) {
        unsigned hit = _mm512_cmp_ps_mask(_mm512_loadu_ps(z + j), vm, _CMP_EQ_OQ);
        if (hit)
            arg = (int32_t)j + __builtin_ctz(hit);
    }
    if (arg < 0)
        arg = (int32_t)whole + __builtin_ctz(_mm512_mask_cmp_ps_mask(last, tail, vm, _CMP_EQ_OQ));
    /* row_avx2's sums: blocks of 32 classes, then the eights left and the
     * tail in one float vector; its sum_lo and sum_hi are this one's halves */
    __m512d sum = _mm512_setzero_pd();
    size_t vec = classes & ~(size_t)7, j = 0;
    for (; j + 32 <= vec; j += 32) {
        __m512 a = exp_negative16(_mm512_sub_ps(_mm512_loadu_ps(z + j), vm));
        __m512 b = exp_negative16(_mm512_sub_ps(_mm512_loadu_ps(z + j + 16), vm));
        size_t own = (size_t)arg - j;
        if (own < 16)
            a = _mm512_maskz_mov_ps((__mmask16)~(1u << own), a);
        else if (own < 32)
            b = _mm512_maskz_mov_ps((__mmask16)~(1u << (own - 16)), b);
        __m512 pairs = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(1, 0, 1, 0)),
                                     _mm512_shuffle_f32x4(a, b, _MM_SHUFFLE(3, 2, 3, 2)));
        __m256 e = _mm256_add_ps(_mm512_castps512_ps256(pairs), _mm512_extractf32x8_ps(pairs, 1));
        sum = _mm512_add_pd(sum, _mm512_cvtps_pd(e));
    }
    __m256 rest = rest_of_row(z, j, vec, classes - vec, _mm512_castps512_ps256(vm), arg);
    sum = _mm512_add_pd(sum, _mm512_cvtps_pd(rest));
    double parts[4];
    _mm256_storeu_pd(parts, _mm256_add_pd(_mm512_castpd512_pd256(sum),
                                          _mm512_extractf64x4_pd(sum, 1)));
    *prediction = arg;
    *confidence = 1.0 / (1.0 + ((parts[0] + parts[1]) + (parts[2] + parts[3])));
    return 1;
}

/* eight_rows_body sixteen rows at a time: rows 0-7's double sums are its
 * sum_lo and sum_hi for the first eight, rows 8-15's for the next. */
AVX512 static inline __attribute__((always_inline)) int sixteen_rows_body(
    const float *z, size_t classes, int32_t *prediction, double *confidence)
{
    const __m512i index = _mm512_mullo_epi32(
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        _mm512_set1_epi32((int)classes));
    const __m512 zero = _mm512_setzero_ps();
    __m512 v[SMALL_CLASSES];
    __m512 vmax = _mm512_set1_ps(-INFINITY), bad = zero;
    for (size_t j = 0; j < classes; j++) {
        v[j] = _mm512_i32gather_ps(index, z + j, 4);
        bad = _mm512_fmadd_ps(v[j], zero, bad);
        vmax = _mm512_max_ps(vmax, v[j]);
    }
    if (_mm512_cmp_ps_mask(bad, bad, _CMP_UNORD_Q))
        return 0;
    __m512i arg = _mm512_setzero_si512();
    for (size_t j = classes; j-- > 0;)
        arg = _mm512_mask_mov_epi32(arg, _mm512_cmp_ps_mask(v[j], vmax, _CMP_EQ_OQ),
                                    _mm512_set1_epi32((int)j));
    __m512d sum_first = _mm512_setzero_pd(), sum_second = _mm512_setzero_pd();
    for (size_t j = 0; j < classes; j += 2) {
        __m512 e = zero;
        for (size_t t = j; t < j + 2 && t < classes; t++) {
            __m512 term = exp_negative16(_mm512_sub_ps(v[t], vmax));
            __mmask16 own = _mm512_cmpeq_epi32_mask(arg, _mm512_set1_epi32((int)t));
            e = _mm512_add_ps(e, _mm512_maskz_mov_ps((__mmask16)~own, term));
        }
        sum_first = _mm512_add_pd(sum_first, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
        sum_second = _mm512_add_pd(sum_second, _mm512_cvtps_pd(_mm512_extractf32x8_ps(e, 1)));
    }
    const __m512d one = _mm512_set1_pd(1.0);
    _mm512_storeu_si512(prediction, arg);
    _mm512_storeu_pd(confidence, _mm512_div_pd(one, _mm512_add_pd(one, sum_first)));
    _mm512_storeu_pd(confidence + 8, _mm512_div_pd(one, _mm512_add_pd(one, sum_second)));
    return 1;
}

/* sixteen_rows_body with the class count a constant (see eight_rows_avx2) */
AVX512 static int sixteen_rows_avx512(const float *z, size_t classes, int32_t *prediction,
                                      double *confidence)
{
    switch (classes) {
#define SIXTEEN_ROWS_OF(n) \
    case n: \
        return sixteen_rows_body(z, n, prediction, confidence);
        SIXTEEN_ROWS_OF(2) SIXTEEN_ROWS_OF(3) SIXTEEN_ROWS_OF(4) SIXTEEN_ROWS_OF(5)
        SIXTEEN_ROWS_OF(6) SIXTEEN_ROWS_OF(7) SIXTEEN_ROWS_OF(8) SIXTEEN_ROWS_OF(9)
        SIXTEEN_ROWS_OF(10) SIXTEEN_ROWS_OF(11) SIXTEEN_ROWS_OF(12) SIXTEEN_ROWS_OF(13)
        SIXTEEN_ROWS_OF(14) SIXTEEN_ROWS_OF(15) SIXTEEN_ROWS_OF(16)
#undef SIXTEEN_ROWS_OF
    default:
        return sixteen_rows_body(z, classes, prediction, confidence);
    }
}

AVX512 static long long rows_f32_avx512(const float *logits, size_t classes, size_t begin,
                                        size_t end, int32_t *prediction, double *confidence)
{
    size_t i = begin;
    if (classes <= SMALL_CLASSES) {
        for (; i + 16 <= end; i += 16)
            if (!sixteen_rows_avx512(logits + i * classes, classes, &prediction[i],
                                     &confidence[i]))
                break;
        /* the last rows, or the sixteen holding a bad value, which the
         * AVX2 path names: the same bits either way */
        return rows_f32_avx2(logits, classes, i, end, prediction, confidence);
    }
    for (; i < end; i++)
        if (!row_avx512(logits + i * classes, classes, &prediction[i], &confidence[i]))
            return (long long)i;
    return -1;
}

/* The widest kernel this CPU (and its OS) can run. */
static cascade_softmax_kernel detect_kernel(void)
{
    /* F16C from CPUID itself: clang 14's __builtin_cpu_supports() does not
     * know "f16c", and the fuzzing build uses clang. */
    unsigned a, b, c, d;
    int f16c = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
    __builtin_cpu_init();
    if (!f16c || !__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return CASCADE_KERNEL_SCALAR;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))
        return CASCADE_KERNEL_AVX512;
    return CASCADE_KERNEL_AVX2;
}

static cascade_softmax_kernel detected_kernel;
static void remember_kernel(void)
{
    detected_kernel = detect_kernel();
}
#endif

/* Asked once: CPUID traps to the hypervisor in a VM, some microseconds a
 * call, which was most of the time of a 10-class model's short calls. */
cascade_softmax_kernel cascade_softmax_best_kernel(void)
{
#ifdef HAVE_X86_KERNEL
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, remember_kernel);
    return detected_kernel;
#else
    return CASCADE_KERNEL_SCALAR;
#endif
}

/* KERNEL, or the scalar one where KERNEL is past what this CPU can run */
static cascade_softmax_kernel runnable(cascade_softmax_kernel kernel)
{
    return kernel <= cascade_softmax_best_kernel() ? kernel : CASCADE_KERNEL_SCALAR;
}

long long cascade_max_softmax_f32_using(cascade_softmax_kernel kernel, const float *logits,
                                        size_t classes, size_t begin, size_t end,
                                        int32_t *prediction, double *confidence)
{
    switch (runnable(kernel)) {
#ifdef HAVE_X86_KERNEL
    case CASCADE_KERNEL_AVX512:
        return rows_f32_avx512(logits, classes, begin, end, prediction, confidence);
    case CASCADE_KERNEL_AVX2:
        return rows_f32_avx2(logits, classes, begin, end, prediction, confidence);
#endif
    default:
        return rows_scalar(logits, classes, begin, end, prediction, confidence);
    }
}

long long cascade_max_softmax_f32(const float *logits, size_t classes, size_t begin,
                                  size_t end, int32_t *prediction, double *confidence)
{
    return cascade_max_softmax_f32_using(cascade_softmax_best_kernel(), logits, classes, begin,
                                         end, prediction, confidence);
}

long long cascade_max_softmax_f16_using(cascade_softmax_kernel kernel, const uint16_t *logits,
                                        size_t classes, size_t begin, size_t end,
                                        int32_t *prediction, double *confidence)
{
    enum { STACK_ROW = 4096 };
    float stack_row[STACK_ROW];
    float *row = classes <= STACK_ROW ? stack_row : malloc(classes * sizeof *row);
    if (!row)
        return -2;
    long long bad = -1;
    kernel = runnable(kernel);
#ifdef HAVE_X86_KERNEL
    if (kernel != CASCADE_KERNEL_SCALAR) {
        bad = rows_f16_avx2(kernel == CASCADE_KERNEL_AVX512 ? row_avx512 : row_avx2, logits,
                            classes, begin, end, prediction, confidence, row);
        goto done;
    }
#endif
    for (size_t i = begin; i < end && bad < 0; i++) {
        for (size_t j = 0; j < classes; j++)
            row[j] = cascade_half_to_float(logits[i * classes + j]);
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

long long cascade_max_softmax_f16(const uint16_t *logits, size_t classes, size_t begin,
                                  size_t end, int32_t *prediction, double *confidence)
{
    return cascade_max_softmax_f16_using(cascade_softmax_best_kernel(), logits, classes, begin,
                                         end, prediction, confidence);
}
