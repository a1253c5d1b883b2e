// gemm_kernels.h: internal interface between gemm.c (argument handling, ISA and thread choice)
// and the per-ISA GEMM implementations (gemm_portable.c, gemm_avx2.c), each of which
// instantiates the blocked driver of gemm_driver.h around its own micro-kernels.
//
// Micro-kernel contract (KERNEL in gemm_driver.h): one MR x NR tile of C,
//   C[i, j] = alpha * sum_{k < kc} A(i, k) * B(k, j) + beta * C[i, j]   (i < MR, j < NR)
// with A(i, k) = a[i * rsa + k * csa] (a packed panel has rsa = 1, csa = MR; rows read in
// place have rsa = lda, csa = 1; a transposed A read in place has rsa = 1, csa = lda) and B(k, j) = b[k * NR + j] (a packed, 32-byte aligned
// panel). C has row stride ldc; when beta == 0 the old C is not read. kc >= 1. The products
// of each C element are accumulated in increasing k.
#ifndef MCL_GEMM_KERNELS_H
#define MCL_GEMM_KERNELS_H

/// C = alpha * op(A) op(B) + beta * C (as mcl_?_gemm) for M, N, K >= 1 and alpha != 0, using
/// up to `nt` threads of the pool. transA / transB are 0 or 1.
#define MCL_DECLARE_GEMM_ENTRY(NAME, T)                                                            \
    void NAME(int transA, int transB, long M, long N, long K, T alpha, const T *A, long lda, const T *B, \
              long ldb, T beta, T *C, long ldc, long nt);

MCL_DECLARE_GEMM_ENTRY(mcl_s_gemm_portable, float)
MCL_DECLARE_GEMM_ENTRY(mcl_d_gemm_portable, double)
#if defined(__x86_64__) || defined(__i386__)
MCL_DECLARE_GEMM_ENTRY(mcl_s_gemm_avx2, float)
MCL_DECLARE_GEMM_ENTRY(mcl_d_gemm_avx2, double)
#endif

#endif
