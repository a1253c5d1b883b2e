// maclaurin_kernels.h: the C kernel layer of Maclaurin.
//
// Every array is dense and row-major. Every function exists for float (`mcl_s_*`) and double
// (`mcl_d_*`). Hot paths select an implementation at run time (AVX-512, AVX2+FMA, portable C)
// with __builtin_cpu_supports; MCL_ISA=portable|avx2|avx512 in the environment caps the choice
// (used by the tests to exercise every path the machine can run).
//
// Threading: kernels that are worth it split work over a persistent pool of worker threads
// (mcl_set_num_threads; default: the number of online CPUs). Results never depend on the
// thread count: work is split so that every output element is computed by exactly one thread
// in a fixed order.
#ifndef MACLAURIN_KERNELS_H
#define MACLAURIN_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// MARK: - CPU dispatch and threads

/// The instruction set the dispatcher chose: "avx512", "avx2" or "portable".
const char *mcl_isa_name(void);
/// Number of threads kernels may use (>= 1).
int mcl_get_num_threads(void);
/// Sets the number of threads kernels may use; values < 1 mean 1.
void mcl_set_num_threads(int n);
/// Runs fn(ctx, begin, end) over [0, n) split into contiguous chunks of at least `grain`
/// items, on the pool. Returns when every chunk is done. Safe to call from one thread at a time
/// per pool; nested calls from inside a worker run serially.
void mcl_parallel_for(long n, long grain, void (*fn)(void *ctx, long begin, long end), void *ctx);
/// Runs fn(ctx, begin, end) over [0, n) in pieces of `grain` items (the last may be shorter),
/// handed out one at a time to whichever of up to `nt` threads of the pool asks first, so a
/// thread that is descheduled on a busy machine holds up at most one piece. Runs fn(ctx, 0, n)
/// on the caller when one thread suffices or when called from inside a pool job. Only the
/// assignment of pieces to threads varies from run to run: kernels whose pieces write disjoint
/// outputs stay deterministic.
void mcl_parallel_dynamic(long n, long grain, long nt, void (*fn)(void *ctx, long begin, long end), void *ctx);

/// Raises glibc's mmap and trim thresholds once, so that large, short-lived tensor buffers are
/// reused from the heap instead of being mapped and unmapped on every step (allocator.c).
void mcl_configure_allocator(void);

// MARK: - GEMM

/// C[M,N] = alpha * op(A) * op(B) + beta * C, row-major. op(A) is A (M x K, lda >= K) when
/// transA == 0, else A^T with A stored K x M (lda >= M). Likewise op(B): K x N (ldb >= N) or
/// B^T with B stored N x K (ldb >= K). beta == 0 ignores the old contents of C (NaN-safe).
void mcl_s_gemm(int transA, int transB, long M, long N, long K, float alpha, const float *A, long lda,
                const float *B, long ldb, float beta, float *C, long ldc);
void mcl_d_gemm(int transA, int transB, long M, long N, long K, double alpha, const double *A, long lda,
                const double *B, long ldb, double beta, double *C, long ldc);

// MARK: - Elementwise

/// Unary operations on n elements: y[i] = op(x[i]). y may alias x.
typedef enum {
    MCL_NEG = 0, MCL_EXP, MCL_LOG, MCL_TANH, MCL_SIGMOID, MCL_SIN, MCL_COS, MCL_SQRT,
    MCL_ABS, MCL_RELU, MCL_SOFTPLUS, MCL_SQUARE, MCL_RECIPROCAL, MCL_STEP /* x > 0 ? 1 : 0 */,
    MCL_SIGN, MCL_ISFINITE /* 1 if finite else 0 */
} mcl_unary_op;
void mcl_s_unary(int op, const float *x, float *y, long n);
void mcl_d_unary(int op, const double *x, double *y, long n);

/// Binary operations with broadcasting. `shape` has `ndim` (<= 8) output extents; `astride`
/// and `bstride` give each operand's element stride per output axis (0 on broadcast axes).
/// The output is dense with that shape.
typedef enum {
    MCL_ADD = 0, MCL_SUB, MCL_MUL, MCL_DIV, MCL_MAX, MCL_MIN, MCL_POW /* real pow */,
    MCL_GREATER /* a > b ? 1 : 0 */
} mcl_binary_op;
void mcl_s_binary(int op, const float *a, const long *astride, const float *b, const long *bstride,
                  float *y, const long *shape, int ndim);
void mcl_d_binary(int op, const double *a, const long *astride, const double *b, const long *bstride,
                  double *y, const long *shape, int ndim);

/// y[i] = a * x[i] + b * y[i] (b == 0 ignores the old y).
void mcl_s_axpby(long n, float a, const float *x, float b, float *y);
void mcl_d_axpby(long n, double a, const double *x, double b, double *y);
/// One Adam step over n parameters in place (p, m, v, g must not overlap): g' = g + wd p,
/// m = b1 m + (1 - b1) g', v = b2 v + (1 - b2) g'^2, p -= step m / (sqrt(v) / rootc2 + eps).
void mcl_s_adam(long n, float *p, float *m, float *v, const float *g, float b1, float b2, float eps, float wd,
                float step, float rootc2);
void mcl_d_adam(long n, double *p, double *m, double *v, const double *g, double b1, double b2, double eps,
                double wd, double step, double rootc2);

/// y[i] = x[i] * s + t.
void mcl_s_scale_shift(long n, const float *x, float s, float t, float *y);
void mcl_d_scale_shift(long n, const double *x, double s, double t, double *y);

/// Integer power y = x^p for p >= 0 (p == 0 gives 1, also at x == 0).
void mcl_s_powi(const float *x, int p, float *y, long n);
void mcl_d_powi(const double *x, int p, double *y, long n);

// MARK: - Reductions and layout

/// x viewed as [outer, mid, inner]: y[o, i] = sum over m of x[o, m, i].
void mcl_s_reduce_sum(const float *x, long outer, long mid, long inner, float *y);
void mcl_d_reduce_sum(const double *x, long outer, long mid, long inner, double *y);
/// y[o, i] = max over m of x[o, m, i]; if idx != NULL, idx[o, i] = the first m that attains it.
void mcl_s_reduce_max(const float *x, long outer, long mid, long inner, float *y, int64_t *idx);
void mcl_d_reduce_max(const double *x, long outer, long mid, long inner, double *y, int64_t *idx);

/// General axis permutation: y = transpose(x, perm). x has `ndim` (<= 8) extents `shape`;
/// y's shape is shape[perm[k]].
void mcl_s_permute(const float *x, const long *shape, const int *perm, int ndim, float *y);
void mcl_d_permute(const double *x, const long *shape, const int *perm, int ndim, double *y);

// MARK: - Convolution and pooling (NHWC)

/// im2col for NHWC input x[N,H,W,C] and a KH x KW window with strides (SH, SW), zero padding
/// (PH top, PW left; bottom/right implied by OH, OW): cols[N*OH*OW, KH*KW*C], column index
/// (kh*KW + kw)*C + c. A kernel stored [KH,KW,C,F] then gives y = cols @ kernel as [N,OH,OW,F].
void mcl_s_im2col(const float *x, long N, long H, long W, long C, long KH, long KW, long SH, long SW,
                  long PH, long PW, long OH, long OW, float *cols);
void mcl_d_im2col(const double *x, long N, long H, long W, long C, long KH, long KW, long SH, long SW,
                  long PH, long PW, long OH, long OW, double *cols);
/// The adjoint of im2col: dx[N,H,W,C] = sum of cols scattered back (dx is overwritten).
void mcl_s_col2im(const float *cols, long N, long H, long W, long C, long KH, long KW, long SH, long SW,
                  long PH, long PW, long OH, long OW, float *dx);
void mcl_d_col2im(const double *cols, long N, long H, long W, long C, long KH, long KW, long SH, long SW,
                  long PH, long PW, long OH, long OW, double *dx);

/// Max pooling NHWC, window KH x KW, strides SH, SW, no padding: y[N,OH,OW,C] and argmax[N,OH,OW,C]
/// holding the flat index into x of the chosen element (first maximum in window order).
void mcl_s_maxpool2d(const float *x, long N, long H, long W, long C, long KH, long KW, long SH, long SW,
                     long OH, long OW, float *y, int64_t *argmax);
void mcl_d_maxpool2d(const double *x, long N, long H, long W, long C, long KH, long KW, long SH, long SW,
                     long OH, long OW, double *y, int64_t *argmax);
/// y[i] = x[idx[i]] for i < n (gather), and its adjoint dx[idx[i]] += dy[i] (dx not cleared).
void mcl_s_gather(const float *x, const int64_t *idx, long n, float *y);
void mcl_d_gather(const double *x, const int64_t *idx, long n, double *y);
void mcl_s_scatter_add(const float *dy, const int64_t *idx, long n, float *dx);
void mcl_d_scatter_add(const double *dy, const int64_t *idx, long n, double *dx);
/// Average pooling NHWC (no padding) and its adjoint (dx overwritten).
void mcl_s_avgpool2d(const float *x, long N, long H, long W, long C, long KH, long KW, long SH, long SW,
                     long OH, long OW, float *y);
void mcl_d_avgpool2d(const double *x, long N, long H, long W, long C, long KH, long KW, long SH, long SW,
                     long OH, long OW, double *y);
void mcl_s_avgpool2d_backward(const float *dy, long N, long H, long W, long C, long KH, long KW, long SH,
                              long SW, long OH, long OW, float *dx);
void mcl_d_avgpool2d_backward(const double *dy, long N, long H, long W, long C, long KH, long KW, long SH,
                              long SW, long OH, long OW, double *dx);

// MARK: - Taylor-mode (jet) kernels
//
// A jet of order K with D directions over n elements: the primal x0[n] and the normalised Taylor
// coefficients xs[(k-1)*D*n + d*n + i] for k = 1..K (coefficient k is the k-th derivative along
// the direction divided by k!). The primal is shared by all directions. Each kernel writes the
// jet of y = f(x) in the same layout (y0[n], ys[K*D*n]); outputs never alias inputs.
typedef enum {
    MCL_JET_EXP = 0, MCL_JET_LOG, MCL_JET_TANH, MCL_JET_SIGMOID, MCL_JET_SIN, MCL_JET_COS,
    MCL_JET_SOFTPLUS, MCL_JET_SQRT, MCL_JET_RECIPROCAL
} mcl_jet_op;
void mcl_s_jet_unary(int op, const float *x0, const float *xs, long n, long D, int K, float *y0, float *ys);
void mcl_d_jet_unary(int op, const double *x0, const double *xs, long n, long D, int K, double *y0,
                     double *ys);
/// Cauchy product of two jets in the layout above: y_k = sum_{j=0..k} a_j b_{k-j}.
/// Either operand may be broadcast against the other only as a whole (both have n elements).
void mcl_s_jet_mul(const float *a0, const float *as, const float *b0, const float *bs, long n, long D,
                   int K, float *y0, float *ys);
void mcl_d_jet_mul(const double *a0, const double *as, const double *b0, const double *bs, long n, long D,
                   int K, double *y0, double *ys);

// MARK: - Fused MLP derivative kernels
//
// Building blocks of the fused derivative paths for stacks of dense layers with elementwise
// activations (mlp.c). A "stack" holds `blocks` blocks of rows x cols values one after another
// (tangents for several directions, adjoints for several outputs, Taylor coefficients): element
// (k, r, c) is at k * rows * cols + r * cols + c. These kernels are single-threaded: callers run
// one tile of rows per thread.
typedef enum {
    MCL_MLP_LINEAR = 0, MCL_MLP_TANH, MCL_MLP_SIGMOID, MCL_MLP_SOFTPLUS, MCL_MLP_SIN, MCL_MLP_RELU,
    MCL_MLP_GELU /* tanh form */, MCL_MLP_EXP
} mcl_mlp_activation;

/// Scalars of the packed form of a K x N layer operand for mcl_*_mlp_gemm (layout private).
long mcl_s_mlp_packed_size(long K, long N);
long mcl_d_mlp_packed_size(long K, long N);
/// Columns per panel of that packed form: panel p (columns p * width ..., K * width scalars) starts
/// at packed + p * K * width, so products over a range of whole panels can run separately
/// (N itself when N <= 4: the narrow form is not in panels).
long mcl_s_mlp_panel_columns(long N);
long mcl_d_mlp_panel_columns(long N);
/// Packs op(B), K x N: B row-major K x N (ldb >= N) or, with transB, B^T with B stored N x K
/// (ldb >= K), into `packed` (mcl_*_mlp_packed_size(K, N) scalars). Done once per weight matrix.
void mcl_s_mlp_pack(int transB, long K, long N, const float *B, long ldb, float *packed);
void mcl_d_mlp_pack(int transB, long K, long N, const double *B, long ldb, double *packed);

/// A layer product with a fused epilogue: C[M, N] (row stride ldc) = A[M, K] (row stride lda,
/// read in place) times the packed operand, then on each row r:
///   scale != NULL: C[r, :] *= scale[(r % period) * N + :] (a derivative shared by `period`-row blocks);
///   otherwise, unless act is MCL_MLP_LINEAR with bias, d1 and d2 NULL: v = C[r, :] + bias,
///   C[r, :] = f(v), d1[r, :] = f'(v), d2[r, :] = f''(v) as mcl_*_mlp_activate (d1, d2 dense
///   [M, N], each may be NULL; bias may be NULL).
/// Each C element sums its K products in increasing k (for K > 1024 in blocks of 256, each block's
/// sum added to the running one), whatever M (results do not depend on the tiling).
/// Single-threaded.
void mcl_s_mlp_gemm(long M, long N, long K, const float *A, long lda, const float *packed, float *C, long ldc,
                    int act, const float *bias, float *d1, float *d2, const float *scale, long period);
void mcl_d_mlp_gemm(long M, long N, long K, const double *A, long lda, const double *packed, double *C, long ldc,
                    int act, const double *bias, double *d1, double *d2, const double *scale, long period);
/// Scalars of the scratch image mcl_*_conv_gemm needs (0 when the windows stay inside the image).
long mcl_s_conv_scratch_size(long H, long W, long C, long KH, long KW, long SH, long SW, long padTop, long padLeft,
                             long OH, long OW);
long mcl_d_conv_scratch_size(long H, long W, long C, long KH, long KW, long SH, long SW, long padTop, long padLeft,
                             long OH, long OW);
/// A convolution as a product whose A rows are read from the image (implicit GEMM, no im2col
/// columns): for each of `images` NHWC images x[H, W, C] (consecutive), y[OH * OW, N] (consecutive
/// per image) = act(windows . packed + bias) with the packed [KH * KW * C, N] kernel of
/// mcl_*_mlp_pack, strides (SH, SW) and zero padding (padTop, padLeft) as mcl_*_im2col; act is
/// MCL_MLP_LINEAR or MCL_MLP_RELU (bias may be NULL). `scratch` holds
/// mcl_*_conv_scratch_size scalars (NULL when that is 0). Each output sums its products in the
/// im2col column order; results equal mcl_*_mlp_gemm on the im2col columns (bit for bit when
/// N > 4). Single-threaded.
void mcl_s_conv_gemm(long images, const float *x, long H, long W, long C, long KH, long KW, long SH, long SW,
                     long padTop, long padLeft, long OH, long OW, const float *packed, long N, float *y, int act,
                     const float *bias, float *scratch);
void mcl_d_conv_gemm(long images, const double *x, long H, long W, long C, long KH, long KW, long SH, long SW,
                     long padTop, long padLeft, long OH, long OW, const double *packed, long N, double *y, int act,
                     const double *bias, double *scratch);
/// 3x3 stride-1 convolutions by Winograd's F(2x2, 3x3) (winograd_tmpl.h): 16 products per channel
/// pair and 2x2 outputs instead of 36. The kernel [9 * C, F] (im2col row order) is transformed
/// and packed once into mcl_*_conv_winograd_kernel_size scalars (returns 0 if its workspace
/// cannot be allocated); then mcl_*_conv_winograd computes, for each of `images` consecutive
/// NHWC images x[H, W, C] with zero padding (padTop, padLeft), y[OH * OW, F] = act(conv + bias)
/// (act MCL_MLP_LINEAR or MCL_MLP_RELU, bias may be NULL), with mcl_*_conv_winograd_scratch_size
/// scalars of scratch. Agrees with mcl_*_conv_gemm up to rounding. Single-threaded.
long mcl_s_conv_winograd_kernel_size(long C, long F);
long mcl_d_conv_winograd_kernel_size(long C, long F);
int mcl_s_conv_winograd_kernel(long C, long F, const float *kernel, float *U);
int mcl_d_conv_winograd_kernel(long C, long F, const double *kernel, double *U);
long mcl_s_conv_winograd_scratch_size(long C, long F, long OH, long OW);
long mcl_d_conv_winograd_scratch_size(long C, long F, long OH, long OW);
void mcl_s_conv_winograd(long images, const float *x, long H, long W, long C, long padTop, long padLeft, long OH,
                         long OW, const float *U, long F, float *y, int act, const float *bias, float *scratch);
void mcl_d_conv_winograd(long images, const double *x, long H, long W, long C, long padTop, long padLeft, long OH,
                         long OW, const double *U, long F, double *y, int act, const double *bias, double *scratch);

/// Bias, activation and its first two derivatives in one pass over a rows x cols matrix of
/// pre-activations: v = z[r, c] + bias[c], h = f(v), d1 = f'(v), d2 = f''(v). bias, d1 and d2
/// may be NULL (no bias; derivative not wanted); h may alias z. relu: f' = (v > 0), f'' = 0.
void mcl_s_mlp_activate(int act, long rows, long cols, const float *z, const float *bias, float *h, float *d1,
                        float *d2);
void mcl_d_mlp_activate(int act, long rows, long cols, const double *z, const double *bias, double *h,
                        double *d1, double *d2);

/// Product with a derivative shared by every block: y[k * n + i] = x[k * n + i] * d[i] for
/// k < blocks, i < n. y may alias x.
void mcl_s_mlp_scale(long blocks, long n, const float *x, const float *d, float *y);
void mcl_d_mlp_scale(long blocks, long n, const double *x, const double *d, double *y);

/// Scaled outer products: y[k * ldyk + r * ldyr + c] = w[k * cols + c] * s[r * lds + k] * d[r * cols + c]
/// for k < blocks, r < rows, c < cols; s and d may be NULL (factor 1). Seeds tangents
/// (w = first kernel's rows, d = f') and adjoints (w = last kernel transposed, s = f').
void mcl_s_mlp_outer(long blocks, long rows, long cols, const float *w, const float *s, long lds, const float *d,
                     float *y, long ldyk, long ldyr);
void mcl_d_mlp_outer(long blocks, long rows, long cols, const double *w, const double *s, long lds,
                     const double *d, double *y, long ldyk, long ldyr);

/// Collapsed second-order Taylor step through an activation, for the Laplacian: with t_k
/// (k < dirs, n values each) the first-order coefficients of the pre-activation along `dirs`
/// directions and s their summed second-order coefficient, s = d1 s + d2 / 2 sum_k t_k^2, then
/// t_k = d1 t_k. d2 may be NULL (f'' = 0).
void mcl_s_mlp_collapsed_step(long dirs, long n, float *t, float *s, const float *d1, const float *d2);
void mcl_d_mlp_collapsed_step(long dirs, long n, double *t, double *s, const double *d1, const double *d2);

/// Per-row symmetric sandwich products, accumulated: for r < rows and a, b < n,
/// h[r * ldh + a * n + b] += sum_{u < cols} j[a * jsd + r * jsr + u] c[r * csr + u] j[b * jsd + r * jsr + u]
/// (the layer term J^T diag(c) J of a Hessian; jsr = 0 shares J between rows).
void mcl_s_mlp_sandwich(long n, long rows, long cols, const float *j, long jsd, long jsr, const float *c, long csr,
                        float *h, long ldh);
void mcl_d_mlp_sandwich(long n, long rows, long cols, const double *j, long jsd, long jsr, const double *c,
                        long csr, double *h, long ldh);

/// Largest order mcl_*_mlp_jet handles.
#define MCL_MLP_JET_MAX_ORDER 16

/// Taylor coefficients of an activation along one direction: x and y hold K + 1 blocks of n
/// values, block k the normalised coefficient k (block 0 the primal); y = f(x) as a series, for
/// every activation but gelu (not touched), 0 <= K <= MCL_MLP_JET_MAX_ORDER. Input coefficients
/// above kin (clamped to 1..K) are taken as zero and not read: kin = 1 for an affine input
/// x_0 + t x_1 (a first layer), which shortens the recurrences. y must not overlap x. Same
/// recurrences as mcl_*_jet_unary with D = 1, run on several lane groups side by side.
void mcl_s_mlp_jet(int act, long n, int K, int kin, const float *x, float *y);
void mcl_d_mlp_jet(int act, long n, int K, int kin, const double *x, double *y);

#ifdef __cplusplus
}
#endif
#endif
