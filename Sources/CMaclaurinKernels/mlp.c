// mlp.c: fused kernels of the MLP derivative paths (MaclaurinNN's MLPPlan): the layer product with
// packed weights and fused epilogues (mlp_gemm_tmpl.h), bias + activation + first and second
// derivatives in one pass, products with derivatives, the collapsed second-order (Laplacian)
// step, the per-point Hessian sandwich J^T diag(c) J (mlp_tmpl.h) and Taylor coefficients of
// activations along one direction (mlp_jet_tmpl.h).
//
// The code is written once (mlp_tmpl.h) and instantiated four times: float/double x
// portable/AVX2+FMA. For float on AVX2, tanh, sigmoid and exp use the vector math of
// vmath_avx2.c (the same functions as the elementwise and jet kernels, so values agree with the
// generic engine); otherwise libm. Every kernel is single-threaded (callers parallelise over row
// tiles) and every element is computed by the same code whatever the tile, so results do not
// depend on the tiling.
#include "ck_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/// Outputs up to which mcl_*_mlp_gemm computes dot products instead of register tiles.
#define MCL_MLP_NARROW 4
/// Inner dimensions above which mcl_*_mlp_gemm works in K blocks of MCL_MLP_KBLOCK (a packed
/// panel slice of KBLOCK x 16 floats is 16 KB, half of L1).
#define MCL_MLP_KBLOCK_MIN 1024
#define MCL_MLP_KBLOCK 256

/// Arguments of mcl_*_mlp_gemm (pointers untyped: shared by every instantiation).
typedef struct {
    long M, N, K, lda, ldc, period;
    const void *A, *packed, *bias, *scale;
    void *C, *d1, *d2;
    int act;
} mlp_gemm_args;

#if MCLCK_X86
#include <immintrin.h>

#include "vmath_avx2.h"

/// y = tanh(v), and in *s the derivative 1 - y^2 = (1 - y)(1 + y), for 8 floats. tanh(x) =
/// x P(x^2) / Q(x^2) on |x| < 9, +-1 beyond (as rounded to float); P of degree 5 and Q of degree 4
/// in x^2, coefficients from our own minimax fit of the relative error (3.6e-9 in exact arithmetic;
/// about 5 ulp, 3e-7 absolute, evaluated in float). About a third of the cost of the exp-based
/// tanh (one division, no exp); used only where derivatives are wanted. Near saturation the
/// derivative has an absolute error of a few 1e-7, as 1 - y^2 has everywhere. NaN propagates.
MCLCK_AVX2 static inline __m256 mlp_tanh8(__m256 v, __m256 *s)
{
    const __m256 one = _mm256_set1_ps(1.0f), lim = _mm256_set1_ps(9.0f), signmask = _mm256_set1_ps(-0.0f);
    __m256 ax = _mm256_andnot_ps(signmask, v);
    __m256 sat = _mm256_cmp_ps(ax, lim, _CMP_GE_OQ);
    __m256 a = _mm256_min_ps(lim, ax);  // NaN: min returns its second operand
    __m256 z = _mm256_mul_ps(a, a);
    __m256 p = _mm256_set1_ps(-1.273190581e-11f);
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(3.136388926e-08f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.834960105e-05f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(3.885722486e-03f));
    p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.369390041e-01f));
    p = _mm256_fmadd_ps(p, z, one);
    __m256 q = _mm256_set1_ps(1.310723405e-06f);
    q = _mm256_fmadd_ps(q, z, _mm256_set1_ps(3.969002573e-04f));
    q = _mm256_fmadd_ps(q, z, _mm256_set1_ps(2.730983682e-02f));
    q = _mm256_fmadd_ps(q, z, _mm256_set1_ps(4.702723324e-01f));
    q = _mm256_fmadd_ps(q, z, one);
    __m256 t = _mm256_blendv_ps(_mm256_min_ps(one, _mm256_div_ps(_mm256_mul_ps(a, p), q)), one, sat);
    *s = _mm256_mul_ps(_mm256_sub_ps(one, t), _mm256_add_ps(one, t));
    return _mm256_or_ps(t, _mm256_and_ps(signmask, v));
}

/// y = sigmoid(v), and in *w its derivative s(1 - s) = e r^2, for 8 floats, with e = exp(-|v|),
/// r = 1 / (1 + e), s = r (v >= 0) or e r (one division per vector; NaN propagates).
MCLCK_AVX2 static inline __m256 mlp_sigmoid8(__m256 v, __m256 *w)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256 e = mclck_exp8(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v)));
    __m256 r = _mm256_div_ps(one, _mm256_add_ps(one, e));
    *w = _mm256_mul_ps(e, _mm256_mul_ps(r, r));
    return _mm256_blendv_ps(_mm256_mul_ps(e, r), r, _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GE_OQ));
}

/// The loop of mlp_avx2_tanh / mlp_avx2_sigmoid: y = F(x), d1 = F', d2 = D2(y, d1) for n floats
/// (d1, d2 may be NULL); the tail goes through a zero-padded vector (same code for every element).
#define MLP_AVX2_LOOP(F, D2)                                                                       \
    long i = 0;                                                                                    \
    __m256 d, t;                                                                                   \
    if (d1 && d2) {                                                                                \
        for (; i + 8 <= n; i += 8) {                                                               \
            t = F(_mm256_loadu_ps(x + i), &d);                                                     \
            _mm256_storeu_ps(y + i, t);                                                            \
            _mm256_storeu_ps(d1 + i, d);                                                           \
            _mm256_storeu_ps(d2 + i, D2(t, d));                                                    \
        }                                                                                          \
    } else if (d1) {                                                                               \
        for (; i + 8 <= n; i += 8) {                                                               \
            t = F(_mm256_loadu_ps(x + i), &d);                                                     \
            _mm256_storeu_ps(y + i, t);                                                            \
            _mm256_storeu_ps(d1 + i, d);                                                           \
        }                                                                                          \
    }                                                                                              \
    if (i < n || (!d1 && d2)) {                                                                    \
        for (; i < n; i += 8) {                                                                    \
            long c = n - i < 8 ? n - i : 8;                                                        \
            __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)c),                           \
                                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));          \
            t = F(_mm256_maskload_ps(x + i, mask), &d);                                            \
            _mm256_maskstore_ps(y + i, mask, t);                                                   \
            if (d1) _mm256_maskstore_ps(d1 + i, mask, d);                                          \
            if (d2) _mm256_maskstore_ps(d2 + i, mask, D2(t, d));                                   \
        }                                                                                          \
    }

#define MLP_TANH_D2(t, d) _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), (t)), (d))
#define MLP_SIGMOID_D2(s, w) _mm256_mul_ps((w), _mm256_fnmadd_ps(_mm256_set1_ps(2.0f), (s), _mm256_set1_ps(1.0f)))

/// y = tanh(x), d1 = 1 - y^2, d2 = -2 y d1 for n floats (d1, d2 may be NULL; see mlp_tanh8).
MCLCK_AVX2 static void mlp_avx2_tanh(const float *x, float *y, float *d1, float *d2, long n)
{
    MLP_AVX2_LOOP(mlp_tanh8, MLP_TANH_D2)
}

/// y = sigmoid(x), d1 = s(1 - s), d2 = d1 (1 - 2 s) for n floats (d1, d2 may be NULL; see
/// mlp_sigmoid8).
MCLCK_AVX2 static void mlp_avx2_sigmoid(const float *x, float *y, float *d1, float *d2, long n)
{
    MLP_AVX2_LOOP(mlp_sigmoid8, MLP_SIGMOID_D2)
}
#undef MLP_AVX2_LOOP
#undef MLP_TANH_D2
#undef MLP_SIGMOID_D2
#endif

/// x = x > 0 || x is NaN ? x : 0 for a vector-extension value x (relu as mcl_*_mlp_activate,
/// through the comparison's integer mask); used by the register tiles of mlp_gemm_tmpl.h and the
/// Winograd output transform.
#define MLP_VRELU(x)                                                                               \
    do {                                                                                           \
        __typeof__((x) > 0) m_ = ((x) > 0) | ((x) != (x)), b_;                                     \
        memcpy(&b_, &(x), sizeof b_);                                                              \
        b_ &= m_;                                                                                  \
        memcpy(&(x), &b_, sizeof b_);                                                              \
    } while (0)

/// The rows and columns of input a convolution's windows cover ((OH - 1) SH + KH by (OW - 1) SW + KW),
/// and whether they leave the image (padding, or an output that needs more than the image has),
/// in which case mcl_*_conv_gemm copies each image into a zero-padded scratch image first.
static int conv_needs_padding(long H, long W, long KH, long KW, long SH, long SW, long padTop, long padLeft,
                              long OH, long OW, long *Hp, long *Wp)
{
    *Hp = (OH - 1) * SH + KH;
    *Wp = (OW - 1) * SW + KW;
    return padTop > 0 || padLeft > 0 || *Hp > H || *Wp > W;
}

/// dst[Hp, Wp, C] = the image x[H, W, C] shifted by (padTop, padLeft), zero outside it (es: bytes
/// per scalar).
static void conv_pad(const char *x, long H, long W, long C, long padTop, long padLeft, long Hp, long Wp, size_t es,
                     char *dst)
{
    const size_t row = (size_t)(Wp * C) * es;
    long c0 = padLeft < 0 ? 0 : padLeft, c1 = padLeft + W < Wp ? padLeft + W : Wp;  // columns from the image
    for (long r = 0; r < Hp; r++) {
        char *d = dst + (size_t)r * row;
        long sr = r - padTop;
        if (sr < 0 || sr >= H || c1 <= c0) {
            memset(d, 0, row);
            continue;
        }
        memset(d, 0, (size_t)(c0 * C) * es);
        memcpy(d + (size_t)(c0 * C) * es, x + ((size_t)(sr * W + c0 - padLeft) * C) * es, (size_t)((c1 - c0) * C) * es);
        memset(d + (size_t)(c1 * C) * es, 0, (size_t)((Wp - c1) * C) * es);
    }
}

#define MCLCK_MLP_F32_AVX2 0
#define TGT
#define T float
#define M(fn) fn##f
#define SFX(name) mlp_##name##_f_port
#include "mlp_tmpl.h"
#include "mlp_gemm_tmpl.h"
#include "winograd_tmpl.h"
#include "mlp_jet_tmpl.h"
#undef SFX
#undef M
#undef T

#define T double
#define M(fn) fn
#define SFX(name) mlp_##name##_d_port
#include "mlp_tmpl.h"
#include "mlp_gemm_tmpl.h"
#include "winograd_tmpl.h"
#include "mlp_jet_tmpl.h"
#undef SFX
#undef M
#undef T
#undef TGT
#undef MCLCK_MLP_F32_AVX2

#if MCLCK_X86
#define TGT MCLCK_AVX2
#define MCLCK_MLP_F32_AVX2 1
#define T float
#define M(fn) fn##f
#define SFX(name) mlp_##name##_f_avx2
#include "mlp_tmpl.h"
#include "mlp_gemm_tmpl.h"
#include "winograd_tmpl.h"
#include "mlp_jet_tmpl.h"
#undef SFX
#undef M
#undef T
#undef MCLCK_MLP_F32_AVX2

#define MCLCK_MLP_F32_AVX2 0
#define T double
#define M(fn) fn
#define SFX(name) mlp_##name##_d_avx2
#include "mlp_tmpl.h"
#include "mlp_gemm_tmpl.h"
#include "winograd_tmpl.h"
#include "mlp_jet_tmpl.h"
#undef SFX
#undef M
#undef T
#undef MCLCK_MLP_F32_AVX2
#undef TGT
#define MLP_PICK(name, t) (mclck_use_avx2() ? mlp_##name##_##t##_avx2 : mlp_##name##_##t##_port)
#else
#define MLP_PICK(name, t) mlp_##name##_##t##_port
#endif

// The public entry points, once per precision (PFX: s/d, t: f/d suffix of the instantiation).
#define DEFINE_MLP(PFX, t, T)                                                                      \
    void mcl_##PFX##_mlp_activate(int act, long rows, long cols, const T *z, const T *bias, T *h, T *d1, \
                                  T *d2) {                                                         \
        if (rows <= 0 || cols <= 0) return;                                                        \
        MLP_PICK(activate, t)(act, rows, cols, z, bias, h, d1, d2);                                \
    }                                                                                              \
    void mcl_##PFX##_mlp_scale(long blocks, long n, const T *x, const T *d, T *y) {                \
        if (blocks <= 0 || n <= 0) return;                                                         \
        MLP_PICK(scale, t)(blocks, n, x, d, y);                                                    \
    }                                                                                              \
    void mcl_##PFX##_mlp_outer(long blocks, long rows, long cols, const T *w, const T *s, long lds,  \
                               const T *d, T *y, long ldyk, long ldyr) {                           \
        if (blocks <= 0 || rows <= 0 || cols <= 0) return;                                         \
        MLP_PICK(outer, t)(blocks, rows, cols, w, s, lds, d, y, ldyk, ldyr);                       \
    }                                                                                              \
    void mcl_##PFX##_mlp_collapsed_step(long dirs, long n, T *tan, T *s, const T *d1, const T *d2) { \
        if (n <= 0) return;                                                                        \
        MLP_PICK(collapsed_step, t)(dirs < 0 ? 0 : dirs, n, tan, s, d1, d2);                       \
    }                                                                                              \
    void mcl_##PFX##_mlp_sandwich(long n, long rows, long cols, const T *j, long jsd, long jsr,     \
                                  const T *c, long csr, T *h, long ldh) {                          \
        if (n <= 0 || rows <= 0 || cols <= 0) return;                                              \
        MLP_PICK(sandwich, t)(n, rows, cols, j, jsd, jsr, c, csr, h, ldh);                         \
    }                                                                                              \
    long mcl_##PFX##_mlp_panel_columns(long N) {                                                 \
        return N <= MCL_MLP_NARROW ? N : 2 * 32 / (long)sizeof(T);                                 \
    }                                                                                              \
    long mcl_##PFX##_mlp_packed_size(long K, long N) {                                             \
        return K <= 0 || N <= 0 ? 0 : mlp_packed_size_##t##_port(K, N);                            \
    }                                                                                              \
    void mcl_##PFX##_mlp_pack(int transB, long K, long N, const T *B, long ldb, T *packed) {       \
        if (K <= 0 || N <= 0) return;                                                              \
        mlp_pack_##t##_port(transB, K, N, B, ldb, packed);                                         \
    }                                                                                              \
    void mcl_##PFX##_mlp_gemm(long M, long N, long K, const T *A, long lda, const T *packed, T *C,  \
                              long ldc, int act, const T *bias, T *d1, T *d2, const T *scale,      \
                              long period) {                                                       \
        if (M <= 0 || N <= 0) return;                                                              \
        mlp_gemm_args g = {M, N, K < 0 ? 0 : K, lda, ldc, period < 1 ? 1 : period, A, packed, bias, \
                           scale, C, d1, d2, act};                                                 \
        MLP_PICK(gemm, t)(&g);                                                                     \
    }                                                                                              \
    long mcl_##PFX##_conv_scratch_size(long H, long W, long C, long KH, long KW, long SH, long SW, long padTop, \
                                       long padLeft, long OH, long OW) {                           \
        long Hp, Wp;                                                                               \
        if (!conv_needs_padding(H, W, KH, KW, SH, SW, padTop, padLeft, OH, OW, &Hp, &Wp)) return 0; \
        return Hp * Wp * C;                                                                        \
    }                                                                                              \
    void mcl_##PFX##_conv_gemm(long images, const T *x, long H, long W, long C, long KH, long KW,   \
                               long SH, long SW, long padTop, long padLeft, long OH, long OW,       \
                               const T *packed, long N, T *y, int act, const T *bias, T *scratch) { \
        if (images <= 0 || OH <= 0 || OW <= 0 || N <= 0) return;                                   \
        long Hp, Wp;                                                                               \
        const int pad = conv_needs_padding(H, W, KH, KW, SH, SW, padTop, padLeft, OH, OW, &Hp, &Wp); \
        for (long i = 0; i < images; i++) {                                                        \
            const T *img = x + i * H * W * C;                                                      \
            if (pad) conv_pad((const char *)img, H, W, C, padTop, padLeft, Hp, Wp, sizeof(T), (char *)scratch); \
            mlp_gemm_args g = {OH * OW, N, KH * KW * C, 0, N, 1, NULL, packed, bias, NULL,          \
                               y + i * OH * OW * N, NULL, NULL, act};                              \
            MLP_PICK(conv_image, t)(&g, pad ? scratch : img, pad ? Wp * C : W * C, C, KW, SH, SW, OW); \
        }                                                                                          \
    }                                                                                              \
    long mcl_##PFX##_conv_winograd_kernel_size(long C, long F) {                                  \
        return C <= 0 || F <= 0 ? 0 : mlp_wino_kernel_size_##t##_port(C, F);                       \
    }                                                                                              \
    int mcl_##PFX##_conv_winograd_kernel(long C, long F, const T *kernel, T *U) {                  \
        if (C <= 0 || F <= 0) return 1;                                                            \
        T *tmp = malloc(sizeof(T) * (size_t)(16 * C * F));                                         \
        if (tmp == NULL) return 0;                                                                 \
        mlp_wino_kernel_##t##_port(C, F, kernel, tmp, U);                                          \
        free(tmp);                                                                                 \
        return 1;                                                                                  \
    }                                                                                              \
    long mcl_##PFX##_conv_winograd_scratch_size(long C, long F, long OH, long OW) {                \
        return mlp_wino_scratch_size_##t##_port(C, F, OH, OW);                                     \
    }                                                                                              \
    void mcl_##PFX##_conv_winograd(long images, const T *x, long H, long W, long C, long padTop,    \
                                   long padLeft, long OH, long OW, const T *U, long F, T *y, int act, \
                                   const T *bias, T *scratch) {                                    \
        if (images <= 0 || OH <= 0 || OW <= 0 || F <= 0 || C <= 0) return;                         \
        for (long i = 0; i < images; i++)                                                          \
            MLP_PICK(wino_image, t)(x + i * H * W * C, H, W, C, padTop, padLeft, OH, OW, U, F,     \
                                    y + i * OH * OW * F, act, bias, scratch);                      \
    }                                                                                              \
    void mcl_##PFX##_mlp_jet(int act, long n, int K, int kin, const T *x, T *y) {                   \
        if (n <= 0 || K < 0 || K > MCL_MLP_JET_MAX_ORDER || act == MCL_MLP_GELU) return;           \
        const int kin1_ = kin < 1 ? 1 : kin; /* then at most K: kin = 0 when K = 0 */             \
        MLP_PICK(jet, t)(act, n, K, kin1_ > K ? K : kin1_, x, y);                                  \
    }

DEFINE_MLP(s, f, float)
DEFINE_MLP(d, d, double)
