// gemm_portable.c: plain-C GEMM micro-kernels (any CPU). Written so that compilers vectorise
// the inner loops with whatever baseline SIMD the target has.
#include "gemm_kernels.h"

#define S_MR 4
#define S_NR 8
#define D_MR 4
#define D_NR 4

// Defines NAME: the mr x nr micro-kernel of gemm_kernels.h in type T.
#define DEFINE_PORTABLE_KERNEL(NAME, T, MR, NR)                                                        \
    static void NAME(long kc, const T *a, long rsa, long csa, const T *b, T *c, long ldc, T alpha,    \
                     T beta) {                                                                         \
        T acc[MR][NR] = {{0}};                                                                         \
        for (long k = 0; k < kc; k++) {                                                                \
            const T *bk = b + k * NR;                                                                  \
            for (int i = 0; i < MR; i++) {                                                             \
                T ai = a[i * rsa + k * csa];                                                           \
                for (int j = 0; j < NR; j++) acc[i][j] += ai * bk[j];                                  \
            }                                                                                          \
        }                                                                                              \
        for (int i = 0; i < MR; i++) {                                                                 \
            T *ci = c + i * ldc;                                                                       \
            if (beta == 0)                                                                             \
                for (int j = 0; j < NR; j++) ci[j] = alpha * acc[i][j];                                \
            else                                                                                       \
                for (int j = 0; j < NR; j++) ci[j] = alpha * acc[i][j] + beta * ci[j];                 \
        }                                                                                              \
    }

DEFINE_PORTABLE_KERNEL(s_kernel_portable, float, S_MR, S_NR)
DEFINE_PORTABLE_KERNEL(d_kernel_portable, double, D_MR, D_NR)

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

const mcl_s_gemm_params mcl_s_gemm_portable_params = {S_MR, S_NR, 128, 256, 4096, s_kernel_portable,
                                                          s_dot_rows_portable, s_axpy_rows_portable};
const mcl_d_gemm_params mcl_d_gemm_portable_params = {D_MR, D_NR, 64, 256, 2048, d_kernel_portable,
                                                          d_dot_rows_portable, d_axpy_rows_portable};
