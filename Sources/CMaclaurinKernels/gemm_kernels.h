// gemm_kernels.h: internal interface between the GEMM driver (gemm.c) and the per-ISA
// micro-kernels (gemm_portable.c, gemm_avx2.c).
#ifndef MCL_GEMM_KERNELS_H
#define MCL_GEMM_KERNELS_H

/// A micro-kernel computes one MR x NR tile of C:
///   C[i, j] = alpha * sum_{k < kc} A(i, k) * B(k, j) + beta * C[i, j]   (i < MR, j < NR)
/// with A(i, k) = a[i * rsa + k * csa] (a packed panel has rsa = 1, csa = MR; an unpacked
/// row-major block has rsa = lda, csa = 1) and B(k, j) = b[k * NR + j] (a packed, 32-byte
/// aligned panel). C has row stride ldc; when beta == 0 the old C is not read. kc >= 1.
/// The products of each C element are accumulated in increasing k.
typedef void (*mcl_s_ukernel)(long kc, const float *a, long rsa, long csa, const float *b, float *c,
                              long ldc, float alpha, float beta);
typedef void (*mcl_d_ukernel)(long kc, const double *a, long rsa, long csa, const double *b, double *c,
                              long ldc, double alpha, double beta);

/// Matrix-vector kernels (see gemv_template.h): dot_rows computes s[i] = sum_k X[i*ldx+k] v[k]
/// for i < rows; axpy_rows computes s[j] = sum_k v[k] X[k*ldx+j] for j < cols (k < len).
typedef void (*mcl_s_gemv_kernel)(long, long, const float *, long, const float *, float *);
typedef void (*mcl_d_gemv_kernel)(long, long, const double *, long, const double *, double *);

/// A micro-kernel with its register tile (mr x nr), cache blocking and matrix-vector kernels: mc (a multiple of mr)
/// rows of A and kc depth per packed A block, nc (a multiple of nr) columns per packed B block.
typedef struct {
    int mr, nr, mc, kc, nc;
    mcl_s_ukernel kernel;
    mcl_s_gemv_kernel dot_rows, axpy_rows;
} mcl_s_gemm_params;
typedef struct {
    int mr, nr, mc, kc, nc;
    mcl_d_ukernel kernel;
    mcl_d_gemv_kernel dot_rows, axpy_rows;
} mcl_d_gemm_params;

/// Largest mr * nr of any kernel (sizes the driver's edge-tile buffer).
#define MCL_GEMM_MAX_TILE 512

extern const mcl_s_gemm_params mcl_s_gemm_portable_params;
extern const mcl_d_gemm_params mcl_d_gemm_portable_params;
#if defined(__x86_64__) || defined(__i386__)
extern const mcl_s_gemm_params mcl_s_gemm_avx2_params;
extern const mcl_d_gemm_params mcl_d_gemm_avx2_params;
#endif

#endif
