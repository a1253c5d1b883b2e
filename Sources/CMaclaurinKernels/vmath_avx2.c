// vmath_avx2.c: AVX2+FMA float exp / tanh / sigmoid (8 lanes) used by the elementwise and jet
// kernels, and the run-time check that decides whether they may be used.
#include "ck_internal.h"
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
