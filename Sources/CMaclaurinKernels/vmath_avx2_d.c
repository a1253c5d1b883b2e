// vmath_avx2_d.c: AVX2+FMA double exp / tanh / sigmoid (4 lanes) used by the elementwise and jet
// kernels when mclck_use_avx2(). Same structure as the float versions in vmath_avx2.c.
#include "ck_internal.h"

#if MCLCK_X86
#include <immintrin.h>

/// e^x for 4 doubles: x = n ln2 + r (|r| <= ln2/2, two-part ln2 with FMA), Taylor polynomial of
/// degree 13 (truncation < 1e-17 relative) evaluated as 1 + (r + r^2 P(r)), then scaling by 2^n in
/// two steps so results in the subnormal range are rounded once. NaN propagates; x > 709.79 gives
/// +inf, x < -745.2 gives 0.
MCLCK_AVX2 static inline __m256d exp4(__m256d x)
{
    x = _mm256_min_pd(_mm256_set1_pd(710.0), x); // NaN-preserving operand order
    x = _mm256_max_pd(_mm256_set1_pd(-746.0), x);
    __m256d n = _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(1.4426950408889634074)),
                                _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256d r = _mm256_fnmadd_pd(n, _mm256_set1_pd(6.93147180369123816490e-01), x);
    r = _mm256_fnmadd_pd(n, _mm256_set1_pd(1.90821492927058770002e-10), r);
    // P(r) = sum_{k=2..13} r^(k-2) / k!
    static const double c[12] = {1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0,
                                 1.0 / 362880.0,     1.0 / 40320.0,     1.0 / 5040.0,     1.0 / 720.0,
                                 1.0 / 120.0,        1.0 / 24.0,        1.0 / 6.0,        0.5};
    __m256d p = _mm256_set1_pd(c[0]);
    for (int k = 1; k < 12; k++) p = _mm256_fmadd_pd(p, r, _mm256_set1_pd(c[k]));
    __m256d y = _mm256_add_pd(_mm256_fmadd_pd(p, _mm256_mul_pd(r, r), r), _mm256_set1_pd(1.0));
    __m128i ni = _mm256_cvtpd_epi32(n); // in [-1077, 1025] (garbage for NaN: y is NaN)
    __m128i n1 = _mm_srai_epi32(ni, 1), n2 = _mm_sub_epi32(ni, n1);
    __m256i bias = _mm256_set1_epi64x(1023);
    __m256d s1 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(n1), bias), 52));
    __m256d s2 = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(n2), bias), 52));
    return _mm256_mul_pd(_mm256_mul_pd(y, s1), s2);
}

/// tanh for 4 doubles: x + x z P(z)/Q(z), z = x^2 (Cephes rational) for |x| < 0.625, else
/// (1 - e)/(1 + e) with e = exp(-2|x|) and the sign of x. zout (optional) = 1 - tanh^2 without
/// cancellation: (1 - t)(1 + t) for small |x|, 4e/(1 + e)^2 otherwise.
MCLCK_AVX2 static inline __m256d tanh4(__m256d x, __m256d *zout)
{
    const __m256d signmask = _mm256_set1_pd(-0.0), one = _mm256_set1_pd(1.0);
    __m256d ax = _mm256_andnot_pd(signmask, x);
    __m256d z = _mm256_mul_pd(x, x);
    __m256d p = _mm256_fmadd_pd(_mm256_set1_pd(-9.64399179425052238628e-1), z,
                                _mm256_set1_pd(-9.92877231001918586564e1));
    p = _mm256_fmadd_pd(p, z, _mm256_set1_pd(-1.61468768441708447952e3));
    __m256d q = _mm256_add_pd(z, _mm256_set1_pd(1.12811678491632931402e2));
    q = _mm256_fmadd_pd(q, z, _mm256_set1_pd(2.23548839060100448583e3));
    q = _mm256_fmadd_pd(q, z, _mm256_set1_pd(4.84406305325125486048e3));
    __m256d small = _mm256_fmadd_pd(_mm256_mul_pd(x, z), _mm256_div_pd(p, q), x);
    __m256d e = exp4(_mm256_mul_pd(ax, _mm256_set1_pd(-2.0)));
    __m256d d = _mm256_add_pd(one, e);
    __m256d large = _mm256_div_pd(_mm256_sub_pd(one, e), d);
    large = _mm256_or_pd(large, _mm256_and_pd(signmask, x));
    __m256d is_small = _mm256_cmp_pd(ax, _mm256_set1_pd(0.625), _CMP_LT_OQ);
    __m256d t = _mm256_blendv_pd(large, small, is_small);
    if (zout) {
        __m256d zs = _mm256_mul_pd(_mm256_sub_pd(one, t), _mm256_add_pd(one, t));
        __m256d zl = _mm256_div_pd(_mm256_mul_pd(_mm256_set1_pd(4.0), e), _mm256_mul_pd(d, d));
        *zout = _mm256_blendv_pd(zl, zs, is_small);
    }
    return t;
}

/// sigmoid for 4 doubles: (x >= 0 ? 1 : e) / (1 + e), e = exp(-|x|); wout (optional) =
/// sigmoid(x) sigmoid(-x) = e / (1 + e)^2.
MCLCK_AVX2 static inline __m256d sigmoid4(__m256d x, __m256d *wout)
{
    const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
    __m256d e = exp4(_mm256_sub_pd(zero, _mm256_andnot_pd(_mm256_set1_pd(-0.0), x)));
    __m256d d = _mm256_add_pd(one, e);
    __m256d num = _mm256_blendv_pd(e, one, _mm256_cmp_pd(x, zero, _CMP_GE_OQ));
    if (wout) *wout = _mm256_div_pd(e, _mm256_mul_pd(d, d));
    return _mm256_div_pd(num, d);
}

// Loops: full vectors, then the tail through a masked (zero-filled) vector, same code per element.
#define VMATH_LOOP_D(BODY)                                                                         \
    long i = 0;                                                                                    \
    for (; i + 4 <= n; i += 4) {                                                                   \
        __m256d v = _mm256_loadu_pd(x + i);                                                        \
        BODY(v, i, _mm256_storeu_pd)                                                               \
    }                                                                                              \
    if (i < n) {                                                                                   \
        __m256i mask = _mm256_cmpgt_epi64(_mm256_set1_epi64x(n - i), _mm256_setr_epi64x(0, 1, 2, 3)); \
        __m256d v = _mm256_maskload_pd(x + i, mask);                                               \
        BODY(v, i, MASKSTORE_D)                                                                    \
    }
#define MASKSTORE_D(p, v) _mm256_maskstore_pd((p), mask, (v))

#define BODY_EXP(v, i, STORE) STORE(y + i, exp4(v));
#define BODY_TANH(v, i, STORE) STORE(y + i, tanh4(v, NULL));
#define BODY_SIGMOID(v, i, STORE) STORE(y + i, sigmoid4(v, NULL));
#define BODY_TANH_SECH2(v, i, STORE)                                                               \
    {                                                                                              \
        __m256d zz;                                                                                \
        __m256d t = tanh4(v, &zz);                                                                 \
        STORE(y + i, t);                                                                           \
        STORE(z + i, zz);                                                                          \
    }
#define BODY_SIGMOID_W(v, i, STORE)                                                                \
    {                                                                                              \
        __m256d ww;                                                                                \
        __m256d s = sigmoid4(v, &ww);                                                              \
        STORE(sg + i, s);                                                                          \
        STORE(w + i, ww);                                                                          \
    }

/// y[i] = exp(x[i]).
MCLCK_AVX2 void mclck_avx2_exp_d(const double *x, double *y, long n) { VMATH_LOOP_D(BODY_EXP) }
/// y[i] = tanh(x[i]).
MCLCK_AVX2 void mclck_avx2_tanh_d(const double *x, double *y, long n) { VMATH_LOOP_D(BODY_TANH) }
/// y[i] = 1 / (1 + exp(-x[i])).
MCLCK_AVX2 void mclck_avx2_sigmoid_d(const double *x, double *y, long n) { VMATH_LOOP_D(BODY_SIGMOID) }
/// y[i] = tanh(x[i]), z[i] = 1 - y[i]^2.
MCLCK_AVX2 void mclck_avx2_tanh_sech2_d(const double *x, double *y, double *z, long n)
{
    VMATH_LOOP_D(BODY_TANH_SECH2)
}
/// sg[i] = sigmoid(x[i]), w[i] = sigmoid(x[i]) * sigmoid(-x[i]).
MCLCK_AVX2 void mclck_avx2_sigmoid_w_d(const double *x, double *sg, double *w, long n)
{
    VMATH_LOOP_D(BODY_SIGMOID_W)
}
#endif
