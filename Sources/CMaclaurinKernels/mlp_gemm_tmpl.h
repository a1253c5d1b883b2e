// mlp_gemm_tmpl.h: one instantiation of the MLP layer product mcl_*_mlp_gemm (see mlp.c, which
// includes it after mlp_tmpl.h: the epilogues call that template's activate and scale).
// Defined by the includer: T, SFX(name), TGT (function attribute).
//
// Register tile MR x NR with NR = 2 vectors of 32 bytes (6 x 16 floats, 6 x 8 doubles): 12
// accumulators, two packed B vectors and one broadcast A value per step, as the AVX2 GEMM's
// micro-kernel. A is read in place through MR row pointers (short last panels repeat a valid
// row and drop its results), B from the packed panels, and every C element is the sum over k
// in increasing order, whatever M, the tile or the thread.

enum { SFX(gvl) = 32 / (int)sizeof(T), SFX(gnr) = 2 * SFX(gvl), SFX(gmr) = 6 };
typedef T SFX(gvec) __attribute__((vector_size(32)));
#define V SFX(gvec)
#define VL SFX(gvl)
#define NR SFX(gnr)
#define MR SFX(gmr)

/// Unaligned vector load and store (macros: vectors passed by value would change the ABI of the
/// portable instantiation).
#define GLOAD(v, p) memcpy(&(v), (p), sizeof(V))
#define GSTORE(p, v) memcpy((p), &(v), sizeof(V))

/// c[i * ldc + j] = sum_k a_i[k] b[k * NR + j] for i < MR, j < NR (b: one packed panel), with row
/// i of A in S segments of L scalars, segment s at a[i] + s * lds (S = 1 for a plain matrix; the
/// KH window rows of a convolution otherwise). k runs over the segments in order. With `acc`,
/// c[i * ldc + j] += that sum instead (a K block after the first). Then, in registers, + bias[j]
/// when `bias` is not NULL and relu (NaN propagating, as mcl_*_mlp_activate) when `relu`.
TGT static inline __attribute__((always_inline)) void SFX(tile)(long S, long L, long lds, const T *const *a,
                                                                const T *b, T *c, long ldc, int acc,
                                                                const T *bias, int relu)
{
    V c00 = {0}, c01 = {0}, c10 = {0}, c11 = {0}, c20 = {0}, c21 = {0};
    V c30 = {0}, c31 = {0}, c40 = {0}, c41 = {0}, c50 = {0}, c51 = {0};
    for (long s = 0; s < S; s++) {
        const T *a0 = a[0] + s * lds, *a1 = a[1] + s * lds, *a2 = a[2] + s * lds;
        const T *a3 = a[3] + s * lds, *a4 = a[4] + s * lds, *a5 = a[5] + s * lds;
        for (long k = 0; k < L; k++, b += NR) {
            V b0, b1;
            GLOAD(b0, b);
            GLOAD(b1, b + VL);
            T x;
            x = a0[k]; c00 += x * b0; c01 += x * b1;
            x = a1[k]; c10 += x * b0; c11 += x * b1;
            x = a2[k]; c20 += x * b0; c21 += x * b1;
            x = a3[k]; c30 += x * b0; c31 += x * b1;
            x = a4[k]; c40 += x * b0; c41 += x * b1;
            x = a5[k]; c50 += x * b0; c51 += x * b1;
        }
    }
    if (acc) {
        V p0, p1;
#define GACC(r, x0, x1) GLOAD(p0, c + (r) * ldc); GLOAD(p1, c + (r) * ldc + VL); x0 += p0; x1 += p1;
        GACC(0, c00, c01) GACC(1, c10, c11) GACC(2, c20, c21) GACC(3, c30, c31) GACC(4, c40, c41) GACC(5, c50, c51)
#undef GACC
    }
    if (bias) {
        V p0, p1;
        GLOAD(p0, bias);
        GLOAD(p1, bias + VL);
        c00 += p0; c01 += p1; c10 += p0; c11 += p1; c20 += p0; c21 += p1;
        c30 += p0; c31 += p1; c40 += p0; c41 += p1; c50 += p0; c51 += p1;
    }
    if (relu) {
        MLP_VRELU(c00); MLP_VRELU(c01); MLP_VRELU(c10); MLP_VRELU(c11); MLP_VRELU(c20); MLP_VRELU(c21);
        MLP_VRELU(c30); MLP_VRELU(c31); MLP_VRELU(c40); MLP_VRELU(c41); MLP_VRELU(c50); MLP_VRELU(c51);
    }
    GSTORE(c, c00); GSTORE(c + VL, c01); c += ldc;
    GSTORE(c, c10); GSTORE(c + VL, c11); c += ldc;
    GSTORE(c, c20); GSTORE(c + VL, c21); c += ldc;
    GSTORE(c, c30); GSTORE(c + VL, c31); c += ldc;
    GSTORE(c, c40); GSTORE(c + VL, c41); c += ldc;
    GSTORE(c, c50); GSTORE(c + VL, c51);
}

/// The tile of C at c (mr <= MR rows, nr <= NR columns): a whole tile straight into C (with bias
/// and relu in registers as `tile`), a partial one through a scratch tile whose mr x nr values
/// are copied back (added to C when `acc`; bias and relu are then left to the caller's epilogue).
TGT static inline __attribute__((always_inline)) void SFX(tile_at)(long S, long L, long lds, const T *const *a,
                                                                   const T *b, T *c, long ldc, long mr, long nr,
                                                                   int acc, const T *bias, int relu)
{
    if (mr == MR && nr == NR) {
        SFX(tile)(S, L, lds, a, b, c, ldc, acc, bias, relu);
        return;
    }
    _Alignas(64) T edge[MR * NR];
    SFX(tile)(S, L, lds, a, b, edge, NR, 0, NULL, 0);
    for (long q = 0; q < mr; q++)
        for (long t = 0; t < nr; t++) c[q * ldc + t] = acc ? c[q * ldc + t] + edge[q * NR + t] : edge[q * NR + t];
}

/// sum_k x[k] y[k] (vector partial sums, then the tail), for the narrow-output path.
TGT static inline T SFX(gdot)(const T *x, const T *y, long K)
{
    V s0 = {0}, s1 = {0};
    long k = 0;
    V x0, y0, x1, y1;
    for (; k + 2 * VL <= K; k += 2 * VL) {
        GLOAD(x0, x + k);
        GLOAD(y0, y + k);
        GLOAD(x1, x + k + VL);
        GLOAD(y1, y + k + VL);
        s0 += x0 * y0;
        s1 += x1 * y1;
    }
    if (k + VL <= K) {
        GLOAD(x0, x + k);
        GLOAD(y0, y + k);
        s0 += x0 * y0;
        k += VL;
    }
    s0 += s1;
    T s = 0;
    for (int l = 0; l < VL; l++) s += s0[l];
    for (; k < K; k++) s += x[k] * y[k];
    return s;
}

/// The epilogue on rows [r0, r1) of C (see mcl_*_mlp_gemm): on whole strips of rows when C is
/// dense, row by row otherwise.
TGT static void SFX(epilogue)(const mlp_gemm_args *g, T *C, long r0, long r1)
{
    const long N = g->N, ldc = g->ldc;
    const T *scale = g->scale;
    if (scale) {
        for (long r = r0; r < r1;) {
            // A run of rows whose derivative rows are consecutive (up to the end of a block).
            long q = r % g->period, len = r1 - r < g->period - q ? r1 - r : g->period - q;
            if (ldc == N) {
                SFX(scale)(1, len * N, C + r * N, scale + q * N, C + r * N);
            } else {
                for (long t = 0; t < len; t++) SFX(scale)(1, N, C + (r + t) * ldc, scale + (q + t) * N, C + (r + t) * ldc);
            }
            r += len;
        }
    } else if (g->act != MCL_MLP_LINEAR || g->bias || g->d1 || g->d2) {
        T *d1 = g->d1, *d2 = g->d2;
        if (ldc == N) {
            SFX(activate)(g->act, r1 - r0, N, C + r0 * N, g->bias, C + r0 * N, d1 ? d1 + r0 * N : NULL,
                          d2 ? d2 + r0 * N : NULL);
        } else {
            for (long r = r0; r < r1; r++)
                SFX(activate)(g->act, 1, N, C + r * ldc, g->bias, C + r * ldc, d1 ? d1 + r * N : NULL,
                              d2 ? d2 + r * N : NULL);
        }
    }
}

/// Scalars in the packed form of a K x N operand.
static inline long SFX(packed_size)(long K, long N)
{
    return N <= MCL_MLP_NARROW ? K * N : K * ((N + NR - 1) / NR) * NR;
}

/// mcl_*_mlp_pack: op(B)^T rows when N is narrow, else NR-column panels (zero-padded).
static inline void SFX(pack)(int transB, long K, long N, const T *B, long ldb, T *dst)
{
    if (N <= MCL_MLP_NARROW) {
        for (long j = 0; j < N; j++)
            for (long k = 0; k < K; k++) dst[j * K + k] = transB ? B[j * ldb + k] : B[k * ldb + j];
        return;
    }
    if (!transB) {  // rows of B in order (one pass over it), each dealt out to the panels
        const long panels = (N + NR - 1) / NR;
        for (long k = 0; k < K; k++)
            for (long p = 0; p < panels; p++) {
                const long j = p * NR, w = N - j < NR ? N - j : NR;
                T *d = dst + (p * K + k) * NR;
                memcpy(d, B + k * ldb + j, sizeof(T) * (size_t)w);
                for (long t = w; t < NR; t++) d[t] = 0;
            }
        return;
    }
    for (long p = 0; p * NR < N; p++)
        for (long k = 0; k < K; k++)
            for (long t = 0; t < NR; t++) {
                long j = p * NR + t;
                dst[(p * K + k) * NR + t] = j >= N ? (T)0 : transB ? B[j * ldb + k] : B[k * ldb + j];
            }
}

/// mcl_*_mlp_gemm for a long K (a dense layer on a large flattened input): K in blocks of
/// MCL_MLP_KBLOCK, and within a block each panel's slice of B (KBLOCK x NR, in L1) serves every
/// row tile before the next panel; each block's products are added to C (the first block
/// stores). The blocks depend on K alone, so results still do not depend on M or the tiling.
TGT static void SFX(gemm_kblocked)(const mlp_gemm_args *g)
{
    const long M = g->M, N = g->N, K = g->K, lda = g->lda, ldc = g->ldc;
    const T *A = g->A, *P = g->packed;
    T *C = g->C;
    const long panels = (N + NR - 1) / NR;
    for (long k0 = 0; k0 < K; k0 += MCL_MLP_KBLOCK) {
        const long kb = K - k0 < MCL_MLP_KBLOCK ? K - k0 : MCL_MLP_KBLOCK;
        const int acc = k0 > 0;
        for (long p = 0; p < panels; p++) {
            long j = p * NR, nr = N - j < NR ? N - j : NR;
            const T *b = P + (p * K + k0) * NR;
            for (long i = 0; i < M; i += MR) {
                long mr = M - i < MR ? M - i : MR;
                const T *rows[MR];
                for (int q = 0; q < MR; q++) rows[q] = A + (i + (q < mr ? q : 0)) * lda + k0;
                SFX(tile_at)(1, kb, 0, rows, b, C + i * ldc + j, ldc, mr, nr, acc, NULL, 0);
            }
        }
    }
    if (g->scale || g->act != MCL_MLP_LINEAR || g->bias || g->d1 || g->d2) SFX(epilogue)(g, C, 0, M);
}

/// mcl_*_mlp_gemm for one type and ISA.
TGT static void SFX(gemm)(const mlp_gemm_args *g)
{
    const long M = g->M, N = g->N, K = g->K, lda = g->lda, ldc = g->ldc;
    const T *A = g->A, *P = g->packed;
    T *C = g->C;
    const int epi = g->scale || g->act != MCL_MLP_LINEAR || g->bias || g->d1 || g->d2;
    if (N <= MCL_MLP_NARROW) {  // P holds op(B)^T: one dot product per output
        for (long r = 0; r < M; r++) {
            for (long j = 0; j < N; j++) C[r * ldc + j] = SFX(gdot)(A + r * lda, P + j * K, K);
            if (epi) SFX(epilogue)(g, C, r, r + 1);
        }
        return;
    }
    if (K > MCL_MLP_KBLOCK_MIN) {
        SFX(gemm_kblocked)(g);
        return;
    }
    const long panels = (N + NR - 1) / NR;
    for (long i = 0; i < M; i += MR) {
        long mr = M - i < MR ? M - i : MR;
        const T *rows[MR];
        for (int q = 0; q < MR; q++) rows[q] = A + (i + (q < mr ? q : 0)) * lda;
        for (long p = 0; p < panels; p++) {
            long j = p * NR, nr = N - j < NR ? N - j : NR;
            SFX(tile_at)(1, K, 0, rows, P + p * K * NR, C + i * ldc + j, ldc, mr, nr, 0, NULL, 0);
        }
        if (epi) SFX(epilogue)(g, C, i, i + mr);
    }
}


/// mcl_*_conv_gemm on one image whose window rows are in place: y[OH * OW, N] = act(windows . P
/// + bias), the window of output pixel (oh, ow) being KH segments of KW * C scalars, segment kh
/// at x + (oh * SH + kh) * ldx + ow * SW * C (ldx: scalars per image row). The rows of a tile are
/// MR consecutive output pixels; the short last tile repeats a valid pixel and drops its results.
TGT static void SFX(conv_image)(const mlp_gemm_args *g, const T *x, long ldx, long C, long KW, long SH, long SW,
                                long OW)
{
    const long M = g->M, N = g->N, K = g->K, L = KW * C, S = L > 0 ? K / L : 0;
    const T *P = g->packed;
    T *y = g->C;
    const int epi = g->act != MCL_MLP_LINEAR || g->bias;
    if (N <= MCL_MLP_NARROW) {  // P holds op(B)^T: per output, dot products over the segments
        for (long r = 0; r < M; r++) {
            const T *w = x + (r / OW) * SH * ldx + (r % OW) * SW * C;
            for (long j = 0; j < N; j++) {
                T sum = 0;
                for (long s = 0; s < S; s++) sum += SFX(gdot)(w + s * ldx, P + j * K + s * L, L);
                y[r * N + j] = sum;
            }
            if (epi) SFX(epilogue)(g, y, r, r + 1);
        }
        return;
    }
    // Bias and relu in the register tile when every panel is whole (no bias read past N); the
    // short last row tile goes through the epilogue.
    const T *bias = g->bias;
    const int relu = g->act == MCL_MLP_RELU, fused = N % NR == 0 && (relu || g->act == MCL_MLP_LINEAR);
    const long panels = (N + NR - 1) / NR;
    for (long i = 0; i < M; i += MR) {
        long mr = M - i < MR ? M - i : MR;
        const T *rows[MR];
        for (int q = 0; q < MR; q++) {
            long r = i + (q < mr ? q : 0);
            rows[q] = x + (r / OW) * SH * ldx + (r % OW) * SW * C;
        }
        for (long p = 0; p < panels; p++) {
            long j = p * NR, nr = N - j < NR ? N - j : NR;
            SFX(tile_at)(S, L, ldx, rows, P + p * K * NR, y + i * N + j, N, mr, nr, 0,
                         fused && bias ? bias + j : NULL, fused && relu);
        }
        if (epi && !(fused && mr == MR)) SFX(epilogue)(g, y, i, i + mr);
    }
}

#undef GLOAD
#undef GSTORE
#undef V
#undef VL
#undef NR
#undef MR
