// gemm_ksplit.h: GEMMs with a small C and a long K, split along K. Part of the blocked driver:
// included by gemm_driver.h (once per instantiation, after gemm_blocked) with its T, P(name), KC.
//
// The M x N grid of such a product has too few tiles to share between threads, and every kc
// slice of the blocked loop would cost a round trip through the pool. K is cut instead into S
// segments fixed by (M, N, K) alone. Threads claim segments in any order (so a descheduled
// thread does not hold the others up); each multiplies its segment into that segment's own
// partial product with the single-threaded blocked driver. Then
// C = alpha * (((P_0 + P_1) + P_2) + ...) + beta * C, summed in segment order. The result
// therefore depends only on (M, N, K) and the data, never on the thread count or on which
// thread ran which segment.

#ifndef MCL_KSPLIT_MAX
#define MCL_KSPLIT_MAX 16  // most segments: enough to share among threads, few partials to add
#endif

/// The number of K segments for an M x N x K product, or 0 when it is not split (K too short,
/// or partial products too large next to the operands).
static long P(ksplit_segments)(long M, long N, long K) {
    const long seg_min = 2 * KC;
    if (K < 2 * seg_min) return 0;
    long s = K / seg_min < MCL_KSPLIT_MAX ? K / seg_min : MCL_KSPLIT_MAX;
    // The partial products (s x M x N values, written and read once) must be cheap next to
    // the operands (K x (M + N) values).
    if ((double)M * (double)N * (double)s > 0.25 * (double)K * (double)(M + N)) return 0;
    return s;
}

typedef struct {
    int ta, tb;
    long M, N, K, lda, ldb, S;
    const T *A, *B;
    T *part;  // S partial products, M x N each, one after the other
    // The final sum.
    T alpha, beta, *C;
    long ldc;
} P(ksplit_job);

/// mcl_parallel_dynamic body: segments [begin, end); segment s covers k in
/// [K * s / S, K * (s + 1) / S).
static void P(ksplit_task)(void *ctx, long begin, long end) {
    const P(ksplit_job) *j = ctx;
    for (long s = begin; s < end; s++) {
        long k0 = j->K * s / j->S, k1 = j->K * (s + 1) / j->S;
        const T *a = j->ta ? j->A + k0 * j->lda : j->A + k0;
        const T *b = j->tb ? j->B + k0 : j->B + k0 * j->ldb;
        P(gemm_blocked)(j->ta, j->tb, j->M, j->N, k1 - k0, 1, a, j->lda, b, j->ldb, 0,
                        j->part + s * j->M * j->N, j->N, 1);
    }
}

/// mcl_parallel_for body: C rows [begin, end) = alpha * (sum of the partials in order) + beta * C.
static void P(ksum_task)(void *ctx, long begin, long end) {
    const P(ksplit_job) *j = ctx;
    enum { W = 256 };
    T acc[W];
    const long MN = j->M * j->N;
    for (long i = begin; i < end; i++) {
        for (long j0 = 0; j0 < j->N; j0 += W) {
            long w = j->N - j0 < W ? j->N - j0 : W;
            const T *p = j->part + i * j->N + j0;
            for (long c = 0; c < w; c++) acc[c] = p[c];
            for (long s = 1; s < j->S; s++) {
                p += MN;
                for (long c = 0; c < w; c++) acc[c] += p[c];
            }
            T *crow = j->C + i * j->ldc + j0;
            if (j->beta == 0)
                for (long c = 0; c < w; c++) crow[c] = j->alpha * acc[c];
            else
                for (long c = 0; c < w; c++) crow[c] = j->alpha * acc[c] + j->beta * crow[c];
        }
    }
}

/// C = alpha * op(A) op(B) + beta * C split into S K-segments, with up to `nt` threads.
/// Returns 0 (computing nothing) if the partial products could not be allocated.
static int P(gemm_ksplit)(int ta, int tb, long M, long N, long K, T alpha, const T *A, long lda, const T *B,
                          long ldb, T beta, T *C, long ldc, long S, long nt) {
    T *part = mcl_thread_buffer(MCL_TBUF_GEMM_PART, sizeof(T) * (size_t)(S * M * N));
    if (part == NULL) return 0;
    P(ksplit_job) j = {.ta = ta, .tb = tb, .M = M, .N = N, .K = K, .lda = lda, .ldb = ldb, .S = S,
                       .A = A, .B = B, .part = part, .alpha = alpha, .beta = beta, .C = C, .ldc = ldc};
    mcl_parallel_dynamic(S, 1, nt, P(ksplit_task), &j);
    long grain = (1L << 16) / (S * N) + 1;  // rows per task: about 64K values read
    if (nt > 1) mcl_parallel_for(M, grain, P(ksum_task), &j);
    else P(ksum_task)(&j, 0, M);
    return 1;
}
