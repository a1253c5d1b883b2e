// gemm.c: mcl_s_gemm / mcl_d_gemm: argument handling, kernel choice and threading policy
// around the blocked driver in gemm_driver.h.
#include "gemm_kernels.h"
#include "mcl_runtime.h"

#define T float
#define P(name) mcl_s_##name
#include "gemm_driver.h"
#undef T
#undef P

#define T double
#define P(name) mcl_d_##name
#include "gemm_driver.h"
#undef T
#undef P

/// Multiply-adds (M * N * K) a thread should have before another thread is worth waking.
#define MCL_GEMM_WORK_PER_THREAD (1L << 17)

/// Threads to use for an M x N x K product: 1 for small problems, growing with the work up to
/// the pool size. Only the speed depends on it, never the result.
static long gemm_threads(long M, long N, long K) {
    double work = (double)M * (double)N * (double)K;
    long nt = mcl_get_num_threads();
    double useful = 1 + work / MCL_GEMM_WORK_PER_THREAD;
    return useful < (double)nt ? (long)useful : nt;
}

// Defines mcl_?_gemm for element type T (see maclaurin_kernels.h).
#define DEFINE_GEMM(PFX, T)                                                                            \
    void mcl_##PFX##_gemm(int transA, int transB, long M, long N, long K, T alpha, const T *A,         \
                          long lda, const T *B, long ldb, T beta, T *C, long ldc) {                    \
        if (M <= 0 || N <= 0) return;                                                                  \
        if (K <= 0 || alpha == 0) { /* C = beta * C; beta == 0 clears (NaN-safe) */                     \
            for (long i = 0; i < M; i++) {                                                             \
                T *c = C + i * ldc;                                                                    \
                if (beta == 0)                                                                         \
                    for (long j = 0; j < N; j++) c[j] = 0;                                             \
                else if (beta != 1)                                                                    \
                    for (long j = 0; j < N; j++) c[j] *= beta;                                         \
            }                                                                                          \
            return;                                                                                    \
        }                                                                                              \
        const mcl_##PFX##_gemm_params *kp = &mcl_##PFX##_gemm_portable_params;                         \
        SELECT_AVX2(PFX)                                                                               \
        long nt = gemm_threads(M, N, K);                                                               \
        if ((M == 1 || N == 1) &&                                                                      \
            mcl_##PFX##_gemv(kp, transA != 0, transB != 0, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nt)) \
            return;                                                                                    \
        mcl_##PFX##_gemm_blocked(kp, transA != 0, transB != 0, M, N, K, alpha, A, lda, B, ldb, beta,   \
                                 C, ldc, nt);                                                          \
    }

#if defined(__x86_64__) || defined(__i386__)
#define SELECT_AVX2(PFX) \
    if (mcl_isa_level() >= MCL_ISA_AVX2) kp = &mcl_##PFX##_gemm_avx2_params;
#else
#define SELECT_AVX2(PFX)
#endif

DEFINE_GEMM(s, float)
DEFINE_GEMM(d, double)
