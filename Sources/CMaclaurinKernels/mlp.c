// mlp.c: fused kernels of the MLP derivative paths (MaclaurinNN's MLPPlan): bias + activation +
// first and second derivatives in one pass, products with derivatives, the collapsed
// second-order (Laplacian) step and the per-point Hessian sandwich J^T diag(c) J.
//
// The code is written once (mlp_tmpl.h) and instantiated four times: float/double x
// portable/AVX2+FMA. For float on AVX2, tanh, sigmoid and exp use the vector math of
// vmath_avx2.c (the same functions as the elementwise and jet kernels, so values agree with the
// generic engine); otherwise libm. Every kernel is single-threaded (callers parallelise over row
// tiles) and every element is computed by the same code whatever the tile, so results do not
// depend on the tiling.
#include "ck_internal.h"
#include <math.h>
#include <string.h>

#define MCLCK_MLP_F32_AVX2 0
#define TGT
#define T float
#define M(fn) fn##f
#define SFX(name) mlp_##name##_f_port
#include "mlp_tmpl.h"
#undef SFX
#undef M
#undef T

#define T double
#define M(fn) fn
#define SFX(name) mlp_##name##_d_port
#include "mlp_tmpl.h"
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
#undef SFX
#undef M
#undef T
#undef MCLCK_MLP_F32_AVX2

#define MCLCK_MLP_F32_AVX2 0
#define T double
#define M(fn) fn
#define SFX(name) mlp_##name##_d_avx2
#include "mlp_tmpl.h"
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
    }

DEFINE_MLP(s, f, float)
DEFINE_MLP(d, d, double)
