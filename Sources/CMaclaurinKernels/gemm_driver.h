// gemm_driver.h: the blocked GEMM driver, written once and instantiated per element type and
// instruction set by the kernel files (gemm_portable.c, gemm_avx2.c), so that the packing loops
// are compiled for the same target as the micro-kernel and the kernel call can be inlined.
// The includer defines:
//   T                  element type
//   P(name)            static-name prefix for this instantiation
//   ENTRY              the exported entry point (declared in gemm_kernels.h)
//   MR, NR             register tile; KERNEL(kc, a, rsa, csa, b, c, ldc, alpha, beta) computes
//                      one MR x NR tile as described in gemm_kernels.h
//   MC, KC, NC         cache blocking (MC a multiple of MR, NC a multiple of NR)
//   DOT_ROWS, AXPY_ROWS  matrix-vector kernels (gemv_template.h)
//   PACK_T (optional)  PACK_T(dst, src, ld, kc, W) packs a full transposed panel
//                      (dst[k * W + c] = src[c * ld + k]) and returns 1, or returns 0 if it
//                      does not handle width W
//
// Loop nest (GotoBLAS/BLIS): for each nc-wide column block of C (jc) and kc-deep slice of K
// (pc), B[pc:pc+kc, jc:jc+nc] is packed into nr-wide panels (shared and in parallel when large,
// else by each task for itself); then the
// M x nc block of C is split into a grid of gm x gn tasks run by mcl_parallel_dynamic. A task walks
// its rows in mc-row blocks (packing A into mr-row panels, or reading A in place for narrow
// problems), then nr-wide B panels (held in L1), then mr-row micro-tiles.
//
// Every C element is computed by one task: its products are accumulated in increasing k within
// each kc slice by the micro-kernel and added to C slice after slice. The slicing depends only
// on (M, N, K), never on the thread count, so results are identical for any number of threads.
// Narrow problems keep the whole packed B block in L1 and walk the A rows once instead.
//
// Products with a small C and a long K (weight gradients, op(A) = A^T with K = batch x pixels)
// are split along K instead (gemm_ksplit.h): a fixed number of K segments, each multiplied
// into its own partial C by one thread, then summed in segment order.

typedef struct {
    int ta, tb, pack_a, b_local;
    int tc;  // C is stored transposed: element (i, j) of the product is C[j * ldc + i]
    long M, N, K, lda, ldb, ldc;
    T alpha, beta;
    const T *A, *B;
    T *C;
    // The current (jc, pc) block, its packed B and its task grid.
    long jc, nc, pc, kc, gm, gn;
    T beta_k;  // beta for the first K slice, 1 afterwards
    T *bpack;  // shared packed B block (NULL when b_local: each task packs its own panels)
} P(gemm_job);

/// Packs a panel of w (<= W) vectors into kc rows of W values, zero-padded past w:
/// dst[k * W + c] = src[k * ld + c] when `rows` (the vectors run along src's rows), else
/// src[c * ld + k] (they run down its columns: a transposing copy). Inlined with constant W.
static inline __attribute__((always_inline)) void P(pack_panel_w)(T *restrict dst, const T *restrict src,
                                                                  long ld, long kc, long w, int rows,
                                                                  const long W) {
    if (w == W) {
        if (rows)
            for (long k = 0; k < kc; k++)
                for (long c = 0; c < W; c++) dst[k * W + c] = src[k * ld + c];
        else
            for (long k = 0; k < kc; k++)
                for (long c = 0; c < W; c++) dst[k * W + c] = src[c * ld + k];
        return;
    }
    for (long k = 0; k < kc; k++) {
        for (long c = 0; c < w; c++) dst[k * W + c] = rows ? src[k * ld + c] : src[c * ld + k];
        for (long c = w; c < W; c++) dst[k * W + c] = 0;
    }
}

/// pack_panel_w for the register-tile widths in use, with W a compile-time constant (or the
/// ISA's PACK_T for full transposed panels).
static void P(pack_panel)(T *restrict dst, const T *restrict src, long ld, long kc, long w, int rows, long W) {
#ifdef PACK_T
    if (!rows && w == W && PACK_T(dst, src, ld, kc, W)) return;
#endif
    switch (W) {
    case 4: P(pack_panel_w)(dst, src, ld, kc, w, rows, 4); break;
    case 6: P(pack_panel_w)(dst, src, ld, kc, w, rows, 6); break;
    case 8: P(pack_panel_w)(dst, src, ld, kc, w, rows, 8); break;
    case 16: P(pack_panel_w)(dst, src, ld, kc, w, rows, 16); break;
    default: P(pack_panel_w)(dst, src, ld, kc, w, rows, W); break;  // not reached with the kernels in use
    }
}

/// Packs B panels [p0, p1) of the current block into bpack: panel p holds
/// op(B)[pc:pc+kc, j:j+nr] for j = jc + p * nr as kc rows of nr values, zero-padded past column N.
static void P(pack_b)(const P(gemm_job) * g, T *bpack, long p0, long p1) {
    const long kc = g->kc;
    for (long p = p0; p < p1; p++) {
        long j = g->jc + p * NR, nr = g->N - j < NR ? g->N - j : NR;
        const T *src = g->tb ? g->B + j * g->ldb + g->pc : g->B + g->pc * g->ldb + j;
        P(pack_panel)(bpack + p * kc * NR, src, g->ldb, kc, nr, !g->tb, NR);
    }
}

/// mcl_parallel_for body: packs B panels [begin, end).
static void P(pack_b_task)(void *ctx, long begin, long end) {
    const P(gemm_job) *g = ctx;
    P(pack_b)(g, g->bpack, begin, end);
}

/// Packs op(A)[i0:i0+mc, pc:pc+kc] into mr-row panels: panel q holds, for each k, the mr values
/// of rows i0 + q*mr ..., zero-padded past row i0 + mc. A transposed A (stored K x M) is read
/// one stored row at a time (mc contiguous values per k, dealt out to the panels), so the
/// source streams through the cache once instead of once per panel.
static void P(pack_a)(const P(gemm_job) * g, long i0, long mc, T *dst) {
    const long kc = g->kc;
    if (g->ta) {
        const long full = mc / MR * MR;
        const T *src = g->A + g->pc * g->lda + i0;
        for (long k = 0; k < kc; k++, src += g->lda) {
            T *d = dst + k * MR;
            long q = 0;
            for (; q < full; q += MR, d += MR * kc)
                for (long c = 0; c < MR; c++) d[c] = src[q + c];
            if (q < mc) {
                for (long c = 0; c < mc - q; c++) d[c] = src[q + c];
                for (long c = mc - q; c < MR; c++) d[c] = 0;
            }
        }
        return;
    }
    for (long q = 0; q < mc; q += MR, dst += MR * kc) {
        long mr = mc - q < MR ? mc - q : MR, i = i0 + q;
        P(pack_panel)(dst, g->A + i * g->lda + g->pc, g->lda, kc, mr, 0, MR);
    }
}

/// Runs the micro-kernel on a partial mr x nr tile, or on a tile of a transposed C (c is then
/// the tile's first element, with row j of the tile at c + j), through a full-size scratch
/// tile, so the arithmetic is the same as for full tiles.
static void P(edge_tile)(const P(gemm_job) * g, const T *a, long rsa, long csa, const T *b, T *c, long mr,
                         long nr) {
    _Alignas(64) T tile[MR * NR];
    // Element (i, j) of the tile is c[i * rs + j * cs] (rows and columns swapped for a transposed C).
    const long rs = g->tc ? 1 : g->ldc, cs = g->tc ? g->ldc : 1;
    for (long i = 0; i < MR * NR; i++) tile[i] = 0;
    if (g->beta_k != 0)
        for (long i = 0; i < mr; i++)
            for (long j = 0; j < nr; j++) tile[i * NR + j] = c[i * rs + j * cs];
    KERNEL(g->kc, a, rsa, csa, b, tile, NR, g->alpha, g->beta_k);
    for (long i = 0; i < mr; i++)
        for (long j = 0; j < nr; j++) c[i * rs + j * cs] = tile[i * NR + j];
}

/// Computes the micro-tile at C rows ic + ir ... (ir < mc) and columns jr ... (< n1) from the
/// packed B block `bpack`; A comes from the packed block `abuf`, or in place (the partial last
/// panel from `edge`).
static inline void P(micro_tile)(const P(gemm_job) * g, const T *bpack, const T *abuf, const T *edge, long ic,
                                 long ir, long mc, long jr, long n1) {
    const long kc = g->kc;
    long mr = mc - ir < MR ? mc - ir : MR, nr = n1 - jr < NR ? n1 - jr : NR, i = ic + ir;
    const T *a, *b = bpack + (jr - g->jc) / NR * kc * NR;
    long rsa = 1, csa = MR;
    if (abuf) a = abuf + ir * kc;
    else if (mr < MR) a = edge;
    else if (g->ta) a = g->A + g->pc * g->lda + i, rsa = 1, csa = g->lda;  // in place, A stored K x M
    else a = g->A + i * g->lda + g->pc, rsa = g->lda, csa = 1;             // in place, A stored M x K
    T *c = g->tc ? g->C + jr * g->ldc + i : g->C + i * g->ldc + jr;
    if (mr == MR && nr == NR && !g->tc) KERNEL(kc, a, rsa, csa, b, c, g->ldc, g->alpha, g->beta_k);
    else P(edge_tile)(g, a, rsa, csa, b, c, mr, nr);
}

/// Computes C rows [m0, m1) x columns [n0, n1) of the current block (m0 a multiple of mr,
/// n0 - jc a multiple of nr) from the packed B block `bpack`. Returns 0 if a scratch buffer
/// could not be allocated.
static int P(macro_kernel)(const P(gemm_job) * g, const T *bpack, long m0, long m1, long n0, long n1) {
    const long kc = g->kc, mc_max = MC;
    T *abuf = NULL, *edge = NULL;
    if (g->pack_a) abuf = mcl_thread_buffer(MCL_TBUF_GEMM_A, sizeof(T) * (size_t)(mc_max * kc));
    else edge = mcl_thread_buffer(MCL_TBUF_GEMM_EDGE, sizeof(T) * (size_t)(MR * kc));
    if (abuf == NULL && edge == NULL) return 0;
    // When the whole packed B block fits in L1, keep it there and walk A once (rows outer);
    // otherwise keep one B panel in L1 and stream the A block from L2 (columns outer).
    const int rows_outer = (size_t)(kc * g->nc) * sizeof(T) <= 16384;
    for (long ic = m0; ic < m1; ic += mc_max) {
        long mc = m1 - ic < mc_max ? m1 - ic : mc_max;
        long full_rows = mc / MR * MR;  // rows in complete micro-panels
        if (abuf) P(pack_a)(g, ic, mc, abuf);
        else if (full_rows < mc) P(pack_a)(g, ic + full_rows, mc - full_rows, edge);  // A ends inside it
        if (rows_outer) {
            for (long ir = 0; ir < mc; ir += MR)
                for (long jr = n0; jr < n1; jr += NR) P(micro_tile)(g, bpack, abuf, edge, ic, ir, mc, jr, n1);
        } else {
            for (long jr = n0; jr < n1; jr += NR)
                for (long ir = 0; ir < mc; ir += MR) P(micro_tile)(g, bpack, abuf, edge, ic, ir, mc, jr, n1);
        }
    }
    return 1;
}

/// Plain triple loop (increasing k), used only if scratch memory cannot be allocated.
static void P(gemm_fallback)(const P(gemm_job) * g, long m0, long m1, long n0, long n1) {
    for (long i = m0; i < m1; i++)
        for (long j = n0; j < n1; j++) {
            T s = 0;
            for (long k = g->pc; k < g->pc + g->kc; k++) {
                T a = g->ta ? g->A[k * g->lda + i] : g->A[i * g->lda + k];
                T b = g->tb ? g->B[j * g->ldb + k] : g->B[k * g->ldb + j];
                s += a * b;
            }
            T *c = g->tc ? g->C + j * g->ldc + i : g->C + i * g->ldc + j;
            *c = g->beta_k == 0 ? g->alpha * s : g->alpha * s + g->beta_k * *c;
        }
}

/// mcl_parallel_for body: runs tasks [begin, end) of the gm x gn grid. Task t covers the
/// (t / gn)-th of gm near-equal ranges of mr-row panels and the (t % gn)-th of gn ranges of
/// the block's nr-column panels.
static void P(compute_task)(void *ctx, long begin, long end) {
    const P(gemm_job) *g = ctx;
    const long mp = (g->M + MR - 1) / MR, np = (g->nc + NR - 1) / NR;
    for (long t = begin; t < end; t++) {
        long ti = t / g->gn, tj = t % g->gn;
        // Range boundaries round up, so earlier tasks (usually the caller's, which starts first)
        // get the extra panel and the last ones the partial edge panel.
        long m0 = (mp * ti + g->gm - 1) / g->gm * MR, m1 = (mp * (ti + 1) + g->gm - 1) / g->gm * MR;
        long n0 = g->jc + (np * tj + g->gn - 1) / g->gn * NR, n1 = g->jc + (np * (tj + 1) + g->gn - 1) / g->gn * NR;
        if (m1 > g->M) m1 = g->M;
        if (n1 > g->jc + g->nc) n1 = g->jc + g->nc;
        if (m0 >= m1 || n0 >= n1) continue;
        T *bpack = g->bpack;
        if (g->b_local) {  // pack this task's B panels into this thread's buffer
            bpack = mcl_thread_buffer(MCL_TBUF_GEMM_B, sizeof(T) * (size_t)(g->kc * np * NR));
            if (bpack) P(pack_b)(g, bpack, (n0 - g->jc) / NR, (n1 - g->jc + NR - 1) / NR);
        }
        if (bpack == NULL || !P(macro_kernel)(g, bpack, m0, m1, n0, n1)) P(gemm_fallback)(g, m0, m1, n0, n1);
    }
}

/// Chooses the task grid gm x gn = nt (a number of tasks) for an mp x np panel grid,
/// minimising the largest task.
/// Splitting N makes several tasks read (and pack) the same A rows, so it costs 1/8 extra.
static void P(choose_grid)(long nt, long mp, long np, long *gm, long *gn) {
    double best = -1;
    *gm = 1, *gn = 1;
    for (long m = nt; m >= 1; m--) {
        if (nt % m != 0) continue;
        long n = nt / m;
        double cost = (double)((mp + m - 1) / m) * (double)((np + n - 1) / n) * (n > 1 ? 1.125 : 1.0);
        if (best < 0 || cost < best) best = cost, *gm = m, *gn = n;
    }
}

/// C = alpha * op(A) op(B) + beta * C for M, N, K >= 1 and alpha != 0, using up to `nt` threads.
static void P(gemm_blocked)(int ta, int tb, long M, long N, long K, T alpha, const T *A, long lda, const T *B,
                            long ldb, T beta, T *C, long ldc, long nt) {
    P(gemm_job) g = {.ta = ta, .tb = tb, .M = M, .N = N, .K = K, .lda = lda, .ldb = ldb,
                     .ldc = ldc, .alpha = alpha, .beta = beta, .A = A, .B = B, .C = C};
    // A short, wide product with a transposed B (a dense layer's input gradient: a batch of
    // rows times a large weight matrix, transposed) is computed as C^T = op(B)^T op(A)^T: the
    // large operand becomes the tall A, read in place along its rows instead of packed with a
    // transposing copy on every call, and only the small one is packed; the tiles go to C
    // transposed. Every element gets the same products in the same order.
    if (tb && M <= 4 * NR && N >= 4 * M && K >= 8 * MR) {
        g.tc = 1;
        g.ta = !tb, g.tb = !ta, g.M = N, g.N = M, g.lda = ldb, g.ldb = lda, g.A = B, g.B = A;
        M = g.M, N = g.N;
    }
    // Read A in place when its panels are reused by few B panels (packing would not pay off):
    // rows contiguous in k, or for a transposed A the mr values of each k next to each other.
    g.pack_a = N > 4 * NR;
    long kc_max = KC + KC / 4;  // allow 25% over kc rather than a thin extra slice
    long npc = (K + kc_max - 1) / kc_max;
    long kc_step = (K + npc - 1) / npc;  // balanced K slices
    long nc_max = N < NC ? (N + NR - 1) / NR * NR : NC;
    // A small B block is packed by every task for itself (in parallel, into its own cache);
    // a large one once, shared, by all threads.
    g.b_local = kc_step * nc_max < 32768;
    if (!g.b_local) g.bpack = mcl_thread_buffer(MCL_TBUF_GEMM_B, sizeof(T) * (size_t)(kc_step * nc_max));
    for (g.jc = 0; g.jc < N; g.jc += NC) {
        g.nc = N - g.jc < NC ? N - g.jc : NC;
        long np = (g.nc + NR - 1) / NR, mp = (M + MR - 1) / MR;
        // Tall products are cut into more tasks than threads, handed out dynamically, so that
        // a thread descheduled on a busy machine holds up at most one task (each task still
        // has at least one mc-row block).
        long tasks = nt > 1 && mp >= 4 * nt * (MC / MR) ? 4 * nt : nt;
        P(choose_grid)(tasks, mp, np, &g.gm, &g.gn);
        for (g.pc = 0; g.pc < K; g.pc += kc_step) {
            g.kc = K - g.pc < kc_step ? K - g.pc : kc_step;
            g.beta_k = g.pc == 0 ? beta : 1;
            if (g.bpack != NULL) {
                if (nt > 1) mcl_parallel_for(np, 1, P(pack_b_task), &g);
                else P(pack_b)(&g, g.bpack, 0, np);
            }
            if (g.gm * g.gn > 1) mcl_parallel_dynamic(g.gm * g.gn, 1, nt, P(compute_task), &g);
            else P(compute_task)(&g, 0, 1);
        }
    }
}

#include "gemm_ksplit.h"

// MARK: - Matrix-vector products (M == 1 or N == 1)

typedef struct {
    int dot;                // 1: DOT_ROWS over rows of X, 0: AXPY_ROWS over columns of X
    long len, ldx, ldc;     // reduction length, X's row stride, output stride in C
    const T *X, *v;         // matrix and contiguous vector
    T *s, *C;               // raw sums (contiguous) and output
    T alpha, beta;
} P(gemv_job);

/// mcl_parallel_for body: outputs [begin, end): raw sums, then C = alpha * s + beta * C.
static void P(gemv_task)(void *ctx, long begin, long end) {
    const P(gemv_job) *g = ctx;
    if (g->dot) DOT_ROWS(end - begin, g->len, g->X + begin * g->ldx, g->ldx, g->v, g->s + begin);
    else AXPY_ROWS(g->len, end - begin, g->X + begin, g->ldx, g->v, g->s + begin);
    for (long o = begin; o < end; o++) {
        T *c = g->C + o * g->ldc;
        *c = g->beta == 0 ? g->alpha * g->s[o] : g->alpha * g->s[o] + g->beta * *c;
    }
}

/// C = alpha * op(A) op(B) + beta * C when M == 1 or N == 1 (K >= 1, alpha != 0): the
/// single row or column of C is a vector-matrix product. Returns 0 if scratch memory could not
/// be allocated.
static int P(gemv)(int ta, int tb, long M, long N, long K, T alpha, const T *A,
                   long lda, const T *B, long ldb, T beta, T *C, long ldc, long nt) {
    P(gemv_job) g = {.len = K, .alpha = alpha, .beta = beta, .C = C};
    const T *vec;
    long inc, nout;
    if (N == 1) {  // C[:, 0] = op(A) x with x = op(B)[:, 0]
        vec = B, inc = tb ? 1 : ldb, nout = M, g.ldc = ldc;
        g.dot = !ta, g.X = A, g.ldx = lda;
    } else {  // C[0, :] = a op(B) with a = op(A)[0, :]
        vec = A, inc = ta ? lda : 1, nout = N, g.ldc = 1;
        g.dot = tb, g.X = B, g.ldx = ldb;
    }
    T *buf = mcl_thread_buffer(MCL_TBUF_GEMV, sizeof(T) * (size_t)(K + nout));
    if (buf == NULL) return 0;
    g.s = buf;
    if (inc == 1) {
        g.v = vec;
    } else {
        T *v = buf + nout;
        for (long k = 0; k < K; k++) v[k] = vec[k * inc];
        g.v = v;
    }
    if (nt > 1) mcl_parallel_for(nout, 64, P(gemv_task), &g);
    else P(gemv_task)(&g, 0, nout);
    return 1;
}

/// C = alpha * op(A) op(B) + beta * C for M, N, K >= 1 and alpha != 0 with up to `nt` threads.
void ENTRY(int ta, int tb, long M, long N, long K, T alpha, const T *A, long lda, const T *B, long ldb, T beta,
           T *C, long ldc, long nt) {
    if ((M == 1 || N == 1) && P(gemv)(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nt)) return;
    long S = P(ksplit_segments)(M, N, K);
    if (S > 0 && P(gemm_ksplit)(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, S, nt)) return;
    P(gemm_blocked)(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, nt);
}
