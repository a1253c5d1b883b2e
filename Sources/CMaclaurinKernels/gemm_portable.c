// gemm_portable.c: the GEMM for any CPU: plain-C micro-kernels (4 x 8 float, 4 x 4 double)
// written so that compilers vectorise them with the target's baseline SIMD, instantiated in
// the blocked driver.
#include "gemm_kernels.h"
#include "mcl_runtime.h"

// Defines NAME: the mr x nr micro-kernel described in gemm_kernels.h, in type T.
#define DEFINE_PORTABLE_KERNEL(NAME, T, KMR, KNR)                                                      \
    static void NAME(long kc, const T *a, long rsa, long csa, const T *b, T *c, long ldc, T alpha,    \
                     T beta) {                                                                         \
        T acc[KMR][KNR] = {{0}};                                                                       \
        for (long k = 0; k < kc; k++) {                                                                \
            const T *bk = b + k * KNR;                                                                 \
            for (int i = 0; i < KMR; i++) {                                                            \
                T ai = a[i * rsa + k * csa];                                                           \
                for (int j = 0; j < KNR; j++) acc[i][j] += ai * bk[j];                                 \
            }                                                                                          \
        }                                                                                              \
        for (int i = 0; i < KMR; i++) {                                                                \
            T *ci = c + i * ldc;                                                                       \
            if (beta == 0)                                                                             \
                for (int j = 0; j < KNR; j++) ci[j] = alpha * acc[i][j];                               \
            else                                                                                       \
                for (int j = 0; j < KNR; j++) ci[j] = alpha * acc[i][j] + beta * ci[j];                \
        }                                                                                              \
    }

DEFINE_PORTABLE_KERNEL(s_kernel_portable, float, 4, 8)
DEFINE_PORTABLE_KERNEL(d_kernel_portable, double, 4, 4)

#define T float
#define LANES 16
#define NAME(x) s_##x##_portable
#include "gemv_template.h"
#undef T
#undef LANES
#undef NAME

#define T double
#define LANES 8
#define NAME(x) d_##x##_portable
#include "gemv_template.h"
#undef T
#undef LANES
#undef NAME

#define T float
#define P(name) s_portable_##name
#define ENTRY mcl_s_gemm_portable
#define MR 4
#define NR 8
#define MC 128
#define KC 256
#define NC 4096
#define KERNEL s_kernel_portable
#define DOT_ROWS s_dot_rows_portable
#define AXPY_ROWS s_axpy_rows_portable
#include "gemm_driver.h"
#undef T
#undef P
#undef ENTRY
#undef MR
#undef NR
#undef MC
#undef KC
#undef NC
#undef KERNEL
#undef DOT_ROWS
#undef AXPY_ROWS

#define T double
#define P(name) d_portable_##name
#define ENTRY mcl_d_gemm_portable
#define MR 4
#define NR 4
#define MC 64
#define KC 256
#define NC 2048
#define KERNEL d_kernel_portable
#define DOT_ROWS d_dot_rows_portable
#define AXPY_ROWS d_axpy_rows_portable
#include "gemm_driver.h"
