// gemm.c: mcl_s_gemm / mcl_d_gemm: argument handling, the choice of implementation (AVX2 + FMA
// or portable C; there is no AVX-512 GEMM, so AVX-512 machines use the AVX2 one) and the
// threading policy.
#include "gemm_kernels.h"
#include "mcl_runtime.h"

/// Multiply-adds (M * N * K) a thread should have before another thread is worth waking.
#define MCL_GEMM_WORK_PER_THREAD (1L << 18)

/// Threads to use for an M x N x K product: 1 for small problems, growing with the work up to
/// the pool size. Only the speed depends on it, never the result.
static long gemm_threads(long M, long N, long K) {
    double work = (double)M * (double)N * (double)K;
    long nt = mcl_get_num_threads();
    double useful = 1 + work / MCL_GEMM_WORK_PER_THREAD;
    return useful < (double)nt ? (long)useful : nt;
}

// The implementation for the chosen instruction set.
#if defined(__x86_64__) || defined(__i386__)
#define GEMM_IMPL(PFX) (mcl_isa_level() >= MCL_ISA_AVX2 ? mcl_##PFX##_gemm_avx2 : mcl_##PFX##_gemm_portable)
#else
#define GEMM_IMPL(PFX) mcl_##PFX##_gemm_portable
#endif

// Defines mcl_?_gemm for element type T (see maclaurin_kernels.h).
#define DEFINE_GEMM(PFX, T)                                                                        \
    void mcl_##PFX##_gemm(int transA, int transB, long M, long N, long K, T alpha, const T *A,     \
                          long lda, const T *B, long ldb, T beta, T *C, long ldc) {                \
        if (M <= 0 || N <= 0) return;                                                              \
        if (K <= 0 || alpha == 0) { /* C = beta * C; beta == 0 clears (NaN-safe) */                 \
            for (long i = 0; i < M; i++) {                                                         \
                T *c = C + i * ldc;                                                                \
                if (beta == 0)                                                                     \
                    for (long j = 0; j < N; j++) c[j] = 0;                                         \
                else if (beta != 1)                                                                \
                    for (long j = 0; j < N; j++) c[j] *= beta;                                     \
            }                                                                                      \
            return;                                                                                \
        }                                                                                          \
        GEMM_IMPL(PFX)(transA != 0, transB != 0, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc,      \
                       gemm_threads(M, N, K));                                                     \
    }

DEFINE_GEMM(s, float)
DEFINE_GEMM(d, double)
