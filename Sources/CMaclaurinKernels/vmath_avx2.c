// vmath_avx2.c: AVX2+FMA float exp / log / tanh / sigmoid / softplus (8 lanes) used by the elementwise and jet
// kernels, and the run-time check that decides whether they may be used.
#include "ck_internal.h"
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/// 1 when AVX2+FMA may be used: the CPU (and OS) support it and MCL_ISA is not "portable".
/// Computed once; a race between two first callers only computes the same value twice.
int mclck_use_avx2(void)
{
    static atomic_int cached = -1;
    int v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v >= 0) return v;
    v = 0;
#if MCLCK_X86
    __builtin_cpu_init();
    v = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    const char *e = getenv("MCL_ISA");
    if (e && strcmp(e, "portable") == 0) v = 0;
#endif
    atomic_store_explicit(&cached, v, memory_order_relaxed);
    return v;
}

#if MCLCK_X86
#include <immintrin.h>

#include "vmath_avx2.h"

/// tanh for 8 floats: odd polynomial (Cephes tanhf) for |x| < 0.625, else (1 - e)/(1 + e) with
/// e = exp(-2|x|) and the sign of x. Also returns z = 1 - tanh^2 (sech^2) without cancellation
/// when zout != NULL: (1 - t)(1 + t) for small |x|, 4e/(1 + e)^2 otherwise.
MCLCK_AVX2 static inline __m256 tanh8(__m256 x, __m256 *zout)
{
    const __m256 signmask = _mm256_set1_ps(-0.0f);
    __m256 ax = _mm256_andnot_ps(signmask, x);
    __m256 z = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
    __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
    __m256 e = mclck_exp8(_mm256_mul_ps(ax, _mm256_set1_ps(-2.0f)));
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 d = _mm256_add_ps(one, e);
    __m256 large = _mm256_div_ps(_mm256_sub_ps(one, e), d);
    large = _mm256_or_ps(large, _mm256_and_ps(signmask, x));
    __m256 is_small = _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
    __m256 t = _mm256_blendv_ps(large, small, is_small);
    if (zout) {
        __m256 zs = _mm256_mul_ps(_mm256_sub_ps(one, t), _mm256_add_ps(one, t));
        __m256 zl = _mm256_div_ps(_mm256_mul_ps(_mm256_set1_ps(4.0f), e), _mm256_mul_ps(d, d));
        *zout = _mm256_blendv_ps(zl, zs, is_small);
    }
    return t;
}

/// sigmoid for 8 floats: (x >= 0 ? 1 : e) / (1 + e) with e = exp(-|x|) (never overflows).
/// Also returns w = sigmoid(x) sigmoid(-x) = e / (1 + e)^2 when wout != NULL.
MCLCK_AVX2 static inline __m256 sigmoid8(__m256 x, __m256 *wout)
{
    __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    __m256 e = mclck_exp8(_mm256_sub_ps(_mm256_setzero_ps(), ax));
    __m256 one = _mm256_set1_ps(1.0f);
    __m256 d = _mm256_add_ps(one, e);
    __m256 num = _mm256_blendv_ps(e, one, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ));
    if (wout) *wout = _mm256_div_ps(e, _mm256_mul_ps(d, d));
    return _mm256_div_ps(num, d);
}

/// log(x) for 8 floats (Cephes logf): x = 2^e m with m in [sqrt(1/2), sqrt(2)), degree-9
/// polynomial in m - 1. Subnormals are scaled by 2^23 first. log(0) = -inf, log(x < 0) = NaN,
/// log(inf) = inf, NaN propagates.
MCLCK_AVX2 static inline __m256 log8(__m256 x)
{
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    __m256 sub = _mm256_cmp_ps(x, _mm256_set1_ps(1.17549435e-38f), _CMP_LT_OQ);
    __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, _mm256_set1_ps(8388608.0f)), sub);
    __m256i i = _mm256_castps_si256(xs);
    __m256 e = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(i, 23), _mm256_set1_epi32(126)));
    e = _mm256_sub_ps(e, _mm256_and_ps(sub, _mm256_set1_ps(23.0f)));
    __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(i, _mm256_set1_epi32(0x007fffff)),
                                                   _mm256_set1_epi32(0x3f000000))); // [0.5, 1)
    __m256 lo = _mm256_cmp_ps(m, _mm256_set1_ps(0.707106781186547524f), _CMP_LT_OQ);
    e = _mm256_sub_ps(e, _mm256_and_ps(lo, one));
    m = _mm256_sub_ps(_mm256_add_ps(m, _mm256_and_ps(lo, m)), one);
    __m256 z = _mm256_mul_ps(m, m);
    __m256 p = _mm256_set1_ps(7.0376836292e-2f);
    p = _mm256_fmadd_ps(p, m, _mm256_set1_ps(-1.1514610310e-1f));
    p = _mm256_fmadd_ps(p, m, _mm256_set1_ps(1.1676998740e-1f));
    p = _mm256_fmadd_ps(p, m, _mm256_set1_ps(-1.2420140846e-1f));
    p = _mm256_fmadd_ps(p, m, _mm256_set1_ps(1.4249322787e-1f));
    p = _mm256_fmadd_ps(p, m, _mm256_set1_ps(-1.6668057665e-1f));
    p = _mm256_fmadd_ps(p, m, _mm256_set1_ps(2.0000714765e-1f));
    p = _mm256_fmadd_ps(p, m, _mm256_set1_ps(-2.4999993993e-1f));
    p = _mm256_fmadd_ps(p, m, _mm256_set1_ps(3.3333331174e-1f));
    __m256 y = _mm256_mul_ps(_mm256_mul_ps(p, m), z);
    y = _mm256_fmadd_ps(e, _mm256_set1_ps(-2.12194440e-4f), y);
    y = _mm256_fnmadd_ps(z, _mm256_set1_ps(0.5f), y);
    y = _mm256_add_ps(m, y);
    y = _mm256_fmadd_ps(e, _mm256_set1_ps(0.693359375f), y);
    // Special values: 0 -> -inf, inf -> inf, negative or NaN -> NaN.
    y = _mm256_blendv_ps(y, _mm256_set1_ps(-INFINITY), _mm256_cmp_ps(x, zero, _CMP_EQ_OQ));
    y = _mm256_blendv_ps(y, x, _mm256_cmp_ps(x, _mm256_set1_ps(INFINITY), _CMP_EQ_OQ));
    y = _mm256_blendv_ps(y, _mm256_set1_ps(NAN), _mm256_cmp_ps(x, zero, _CMP_NGE_UQ));
    return y;
}

/// softplus(x) = max(x, 0) + log1p(e), e = exp(-|x|) (never overflows), with log1p(e) computed
/// as log(u) + (e - (u - 1)) / u, u = 1 + e (first-order correction for the rounding of u).
/// Also returns sigmoid(x) and w = sigmoid(x) sigmoid(-x) when sout / wout != NULL.
MCLCK_AVX2 static inline __m256 softplus8(__m256 x, __m256 *sout, __m256 *wout)
{
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    __m256 ax = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
    __m256 e = mclck_exp8(_mm256_sub_ps(zero, ax));
    __m256 u = _mm256_add_ps(one, e), um1 = _mm256_sub_ps(u, one); // u - 1 and e - (u - 1) exact
    __m256 lp = _mm256_add_ps(log8(u), _mm256_div_ps(_mm256_sub_ps(e, um1), u));
    if (sout) {
        __m256 num = _mm256_blendv_ps(e, one, _mm256_cmp_ps(x, zero, _CMP_GE_OQ));
        *sout = _mm256_div_ps(num, u);
        *wout = _mm256_div_ps(e, _mm256_mul_ps(u, u));
    }
    return _mm256_add_ps(_mm256_max_ps(zero, x), lp); // max(0, NaN) = NaN
}

// Loops: full vectors, then the tail through a zero-padded vector (same code for every element).
#define VMATH_LOOP(BODY)                                                                           \
    long i = 0;                                                                                    \
    for (; i + 8 <= n; i += 8) {                                                                   \
        __m256 v = _mm256_loadu_ps(x + i);                                                         \
        BODY(v, i, _mm256_storeu_ps)                                                               \
    }                                                                                              \
    if (i < n) {                                                                                   \
        long c = n - i;                                                                            \
        __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)c),                               \
                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));              \
        __m256 v = _mm256_maskload_ps(x + i, mask);                                                \
        BODY(v, i, MASKSTORE)                                                                      \
    }
#define MASKSTORE(p, v) _mm256_maskstore_ps((p), mask, (v))

#define BODY_EXP(v, i, STORE) STORE(y + i, mclck_exp8(v));
#define BODY_TANH(v, i, STORE) STORE(y + i, tanh8(v, NULL));
#define BODY_SIGMOID(v, i, STORE) STORE(y + i, sigmoid8(v, NULL));
#define BODY_LOG(v, i, STORE) STORE(y + i, log8(v));
#define BODY_SOFTPLUS(v, i, STORE) STORE(y + i, softplus8(v, NULL, NULL));
#define BODY_SOFTPLUS_SW(v, i, STORE)                                                              \
    {                                                                                              \
        __m256 ss, ww;                                                                             \
        __m256 t = softplus8(v, &ss, &ww);                                                         \
        STORE(y + i, t);                                                                           \
        STORE(sg + i, ss);                                                                         \
        STORE(w + i, ww);                                                                          \
    }
#define BODY_TANH_SECH2(v, i, STORE)                                                               \
    {                                                                                              \
        __m256 zz;                                                                                 \
        __m256 t = tanh8(v, &zz);                                                                  \
        STORE(y + i, t);                                                                           \
        STORE(z + i, zz);                                                                          \
    }
#define BODY_SIGMOID_W(v, i, STORE)                                                                \
    {                                                                                              \
        __m256 ww;                                                                                 \
        __m256 s = sigmoid8(v, &ww);                                                               \
        STORE(sg + i, s);                                                                          \
        STORE(w + i, ww);                                                                          \
    }

/// y[i] = exp(x[i]).
MCLCK_AVX2 void mclck_avx2_exp_f(const float *x, float *y, long n) { VMATH_LOOP(BODY_EXP) }
/// y[i] = tanh(x[i]).
MCLCK_AVX2 void mclck_avx2_tanh_f(const float *x, float *y, long n) { VMATH_LOOP(BODY_TANH) }
/// y[i] = 1 / (1 + exp(-x[i])).
MCLCK_AVX2 void mclck_avx2_sigmoid_f(const float *x, float *y, long n) { VMATH_LOOP(BODY_SIGMOID) }
/// y[i] = log(x[i]).
MCLCK_AVX2 void mclck_avx2_log_f(const float *x, float *y, long n) { VMATH_LOOP(BODY_LOG) }
/// y[i] = softplus(x[i]) = log(1 + exp(x[i])).
MCLCK_AVX2 void mclck_avx2_softplus_f(const float *x, float *y, long n) { VMATH_LOOP(BODY_SOFTPLUS) }
/// y[i] = softplus(x[i]), sg[i] = sigmoid(x[i]), w[i] = sigmoid(x[i]) * sigmoid(-x[i]).
MCLCK_AVX2 void mclck_avx2_softplus_sw_f(const float *x, float *y, float *sg, float *w, long n)
{
    VMATH_LOOP(BODY_SOFTPLUS_SW)
}
/// y[i] = tanh(x[i]), z[i] = 1 - y[i]^2.
MCLCK_AVX2 void mclck_avx2_tanh_sech2_f(const float *x, float *y, float *z, long n)
{
    VMATH_LOOP(BODY_TANH_SECH2)
}
/// sg[i] = sigmoid(x[i]), w[i] = sigmoid(x[i]) * sigmoid(-x[i]).
MCLCK_AVX2 void mclck_avx2_sigmoid_w_f(const float *x, float *sg, float *w, long n)
{
    VMATH_LOOP(BODY_SIGMOID_W)
}
#endif
