// zz_standin_threads_gemm.c: TEMPORARY serial stand-ins, TO BE DELETED AT MERGE.
//
// The real mcl_isa_name, mcl_get_num_threads, mcl_set_num_threads, mcl_parallel_for and
// mcl_s_gemm / mcl_d_gemm are written on the `gemm` branch (dispatch.c, threads.c, gemm*.c).
// These naive versions exist only so that the `ckern` branch builds, links and tests on its own.
// When merging, delete this whole file.
#include "maclaurin_kernels.h"
#include <stdlib.h>
#include <string.h>

/// Stand-in: reports "avx2" when the CPU has AVX2+FMA and MCL_ISA is not "portable".
const char *mcl_isa_name(void)
{
#if defined(__x86_64__) || defined(__i386__)
    const char *e = getenv("MCL_ISA");
    if (e && strcmp(e, "portable") == 0) return "portable";
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "avx2";
#endif
    return "portable";
}

static int standin_threads = 1;

/// Stand-in: the thread count is only recorded; everything runs on the calling thread.
int mcl_get_num_threads(void) { return standin_threads; }

/// Stand-in: records n (values < 1 mean 1).
void mcl_set_num_threads(int n) { standin_threads = n < 1 ? 1 : n; }

/// Stand-in: runs fn over [0, n) serially in chunks of `grain` (exercises chunk boundaries).
void mcl_parallel_for(long n, long grain, void (*fn)(void *ctx, long begin, long end), void *ctx)
{
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    long parts = standin_threads > 1 ? standin_threads : 1;
    long chunk = (n + parts - 1) / parts;
    if (chunk < grain) chunk = grain;
    for (long b = 0; b < n; b += chunk) fn(ctx, b, b + chunk < n ? b + chunk : n);
}

/// Stand-in naive GEMM: C = alpha * op(A) * op(B) + beta * C (beta == 0 ignores C).
#define STANDIN_GEMM(NAME, T)                                                                      \
    void NAME(int transA, int transB, long M, long N, long K, T alpha, const T *A, long lda,        \
              const T *B, long ldb, T beta, T *C, long ldc)                                         \
    {                                                                                               \
        for (long i = 0; i < M; i++)                                                                \
            for (long j = 0; j < N; j++) {                                                          \
                T s = 0;                                                                            \
                for (long k = 0; k < K; k++) {                                                      \
                    T a = transA ? A[k * lda + i] : A[i * lda + k];                                 \
                    T b = transB ? B[j * ldb + k] : B[k * ldb + j];                                 \
                    s += a * b;                                                                     \
                }                                                                                   \
                C[i * ldc + j] = beta == 0 ? alpha * s : alpha * s + beta * C[i * ldc + j];         \
            }                                                                                       \
    }
STANDIN_GEMM(mcl_s_gemm, float)
STANDIN_GEMM(mcl_d_gemm, double)
