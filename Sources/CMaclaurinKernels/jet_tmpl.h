// jet_tmpl.h: one instantiation of the jet kernels (see jet.c). Defined by the includer: T, M(fn)
// (libm name for T), SFX(name), TGT (function attribute: empty or AVX2+FMA), VM(fn) (AVX2 vector
// math for T), MCLCK_JET_AVX2_PRIMAL (1: exp/tanh/sigmoid primals through VM) and
// MCLCK_JET_AVX2_LOG (1: log/softplus primals through VM too; float only).
//
// Notation: x_k, y_k normalised Taylor coefficients (x_k = x^(k)/k! along one direction);
// Xs_k = k x_k; inv_k = 1/k. Recurrences (from y' = g * x' style ODEs, Cauchy products):
//   exp:        y' = y x'                 y_k = inv_k sum_{j=1..k} Xs_j y_{k-j}
//   log:        x y' = x'                 y_k = (x_k - inv_k sum_{j=1..k-1} (j y_j) x_{k-j}) / x_0
//   tanh:       y' = z x', z = 1 - y^2    y_k = inv_k sum Xs_j z_{k-j},  z_k = -sum_{j=0..k} y_j y_{k-j}
//   sigmoid:    y' = w x', w = y - y^2    w_k = (1 - 2 y_0) y_k - sum_{j=1..k-1} y_j y_{k-j}
//   sin/cos:    s' = c x', c' = -s x'     s_k = inv_k sum Xs_j c_{k-j}, c_k = -inv_k sum Xs_j s_{k-j}
//   softplus:   y' = s x', s = sigmoid(x) (its jet carried along with its w)
//   sqrt:       y^2 = x                   y_k = (x_k - sum_{j=1..k-1} y_j y_{k-j}) / (2 y_0)
//   reciprocal: y x = 1                   y_k = -y_0 sum_{j=0..k-1} y_j x_{k-j}
// Symmetric sums sum_{j} y_j y_{k-j} are evaluated over half the terms.
// The primal-level auxiliaries z_0 = sech^2 x_0 and w_0 = sigmoid(x_0) sigmoid(-x_0) are computed
// from e = exp(-|x|) where 1 - y^2 would cancel.

enum { SFX(VL) = MCLCK_JET_VB / (int)sizeof(T) };
typedef T SFX(vec) __attribute__((vector_size(MCLCK_JET_VB)));
#define V SFX(vec)
#define VL SFX(VL)

// Scratch layout for one tile of TB elements (TB a multiple of VL): arrays X, Xs, Y, A, B of K+1
// rows each; row k holds coefficient k of the tile as rs = TB / VL vectors. ROW(P, k) is row k.
// Vectors are passed by pointer (by value they would change the ABI between ISAs).
#define ROW(P, k) ((P) + (long)(k) * rs)

/// out = sum_{j=jlo..jhi} P_j Q_{k-j} for lane group g (0 when jhi < jlo).
TGT static inline __attribute__((always_inline)) void SFX(dot)(V *out, const V *P, const V *Q, int k, int jlo,
                                                              int jhi, long rs, long g)
{
    V s = (V){0};
    for (int j = jlo; j <= jhi; j++) s += ROW(P, j)[g] * ROW(Q, k - j)[g];
    *out = s;
}

/// out = sum_{j=lo..k-lo} Y_j Y_{k-j} for lane group g (lo = 0 or 1), over half the terms.
TGT static inline __attribute__((always_inline)) void SFX(symsum)(V *out, const V *Y, int k, int lo, long rs, long g)
{
    V q = (V){0};
    for (int j = lo; 2 * j < k; j++) q += ROW(Y, j)[g] * ROW(Y, k - j)[g];
    q = q + q;
    if (!(k & 1)) q += ROW(Y, k / 2)[g] * ROW(Y, k / 2)[g];
    *out = q;
}

/// Runs the recurrence of `op` on ng lane groups: X, Xs rows 1..K and the primal rows (Y row 0;
/// A, B row 0 as set by SFX(primal)) given; fills Y rows 1..K (A, B rows >= 1: auxiliary jets).
/// Loop order k, then lane group, then j: the j trip count is the same for every lane group of a
/// given k, so the branches stay predictable.
TGT static inline __attribute__((always_inline)) void SFX(recur)(int op, int K, const T *inv, const V *X,
                                                                 const V *Xs, V *Y, V *A, V *B, long rs, long ng)
{
    V s, q;
    switch (op) {
    case MCL_JET_EXP:
        for (int k = 1; k <= K; k++)
            for (long g = 0; g < ng; g++) {
                SFX(dot)(&s, Xs, Y, k, 1, k, rs, g);
                ROW(Y, k)[g] = s * inv[k];
            }
        break;
    case MCL_JET_LOG: // A_0 = 1/x_0; B_j = j y_j
        for (int k = 1; k <= K; k++)
            for (long g = 0; g < ng; g++) {
                SFX(dot)(&s, B, X, k, 1, k - 1, rs, g);
                V y = A[g] * (ROW(X, k)[g] - s * inv[k]);
                ROW(Y, k)[g] = y;
                ROW(B, k)[g] = y * (T)k;
            }
        break;
    case MCL_JET_TANH: // A = z = 1 - y^2
        for (int k = 1; k <= K; k++)
            for (long g = 0; g < ng; g++) {
                SFX(dot)(&s, Xs, A, k, 1, k, rs, g);
                ROW(Y, k)[g] = s * inv[k];
                if (k < K) {
                    SFX(symsum)(&q, Y, k, 0, rs, g);
                    ROW(A, k)[g] = -q;
                }
            }
        break;
    case MCL_JET_SIGMOID: // A = w = y - y^2
        for (int k = 1; k <= K; k++)
            for (long g = 0; g < ng; g++) {
                SFX(dot)(&s, Xs, A, k, 1, k, rs, g);
                V y = s * inv[k];
                ROW(Y, k)[g] = y;
                if (k < K) {
                    SFX(symsum)(&q, Y, k, 1, rs, g);
                    ROW(A, k)[g] = ((T)1 - (T)2 * Y[g]) * y - q;
                }
            }
        break;
    case MCL_JET_SIN:
    case MCL_JET_COS: { // Y = the requested function, B = the other one
        const T sy = op == MCL_JET_SIN ? (T)1 : (T)-1;
        for (int k = 1; k <= K; k++)
            for (long g = 0; g < ng; g++) {
                SFX(dot)(&s, Xs, B, k, 1, k, rs, g);
                SFX(dot)(&q, Xs, Y, k, 1, k, rs, g);
                ROW(Y, k)[g] = s * (sy * inv[k]);
                ROW(B, k)[g] = q * (-sy * inv[k]);
            }
        break;
    }
    case MCL_JET_SOFTPLUS: // A = sigmoid jet (A_0 = s_0), B = its w (B_0 = w_0)
        for (int k = 1; k <= K; k++)
            for (long g = 0; g < ng; g++) {
                SFX(dot)(&s, Xs, A, k, 1, k, rs, g);
                ROW(Y, k)[g] = s * inv[k];
                if (k < K) {
                    SFX(dot)(&s, Xs, B, k, 1, k, rs, g);
                    V a = s * inv[k];
                    ROW(A, k)[g] = a;
                    SFX(symsum)(&q, A, k, 1, rs, g);
                    ROW(B, k)[g] = ((T)1 - (T)2 * A[g]) * a - q;
                }
            }
        break;
    case MCL_JET_SQRT: // A_0 = 1 / (2 y_0)
        for (int k = 1; k <= K; k++)
            for (long g = 0; g < ng; g++) {
                SFX(symsum)(&q, Y, k, 1, rs, g);
                ROW(Y, k)[g] = (ROW(X, k)[g] - q) * A[g];
            }
        break;
    case MCL_JET_RECIPROCAL:
        for (int k = 1; k <= K; k++)
            for (long g = 0; g < ng; g++) {
                SFX(dot)(&s, Y, X, k, 0, k - 1, rs, g);
                ROW(Y, k)[g] = -Y[g] * s;
            }
        break;
    default: break;
    }
}

/// tanh(x) and sech^2(x) = 1 - tanh^2 without cancellation (scalar).
static inline void SFX(tanh_sech2)(T x, T *y, T *z)
{
    T ax = M(fabs)(x), t = M(tanh)(x);
    *y = t;
    if (ax < (T)0.625) {
        *z = ((T)1 - t) * ((T)1 + t);
    } else {
        T e = M(exp)(-2 * ax), d = 1 + e;
        *z = 4 * e / (d * d);
    }
}

/// sigmoid(x) and sigmoid(x) sigmoid(-x) from e = exp(-|x|) (scalar; no overflow).
static inline void SFX(sigmoid_w)(T x, T *s, T *w)
{
    T e = M(exp)(-M(fabs)(x)), d = 1 + e;
    *s = (x >= 0 ? (T)1 : e) / d;
    *w = e / (d * d);
}

/// Primal rows of a tile of m elements: y = f(x) and the auxiliary primal values the recurrence
/// reads from row 0 of A and B: log A = 1/x; tanh A = sech^2; sigmoid A = s(x)s(-x);
/// sin B = cos; cos B = sin; softplus A = sigmoid, B = its w; sqrt A = 1/(2y).
/// Lanes m..(rounded up to VL) are set to 0.
TGT static void SFX(primal)(int op, const T *x, long m, T *y, T *a, T *b)
{
    long i;
#if MCLCK_JET_AVX2_PRIMAL
    if (op == MCL_JET_EXP) { VM(exp)(x, y, m); goto pad; }
    if (op == MCL_JET_TANH) { VM(tanh_sech2)(x, y, a, m); goto pad; }
    if (op == MCL_JET_SIGMOID) { VM(sigmoid_w)(x, y, a, m); goto pad; }
#if MCLCK_JET_AVX2_LOG
    if (op == MCL_JET_SOFTPLUS) { VM(softplus_sw)(x, y, a, b, m); goto pad; }
    if (op == MCL_JET_LOG) {
        VM(log)(x, y, m);
        for (i = 0; i < m; i++) a[i] = (T)1 / x[i];
        goto pad;
    }
#endif
#endif
    for (i = 0; i < m; i++) {
        T v = x[i];
        switch (op) {
        case MCL_JET_EXP: y[i] = M(exp)(v); break;
        case MCL_JET_LOG: y[i] = M(log)(v); a[i] = (T)1 / v; break;
        case MCL_JET_TANH: SFX(tanh_sech2)(v, &y[i], &a[i]); break;
        case MCL_JET_SIGMOID: SFX(sigmoid_w)(v, &y[i], &a[i]); break;
#if MCLCK_HAVE_SINCOS
        case MCL_JET_SIN: M(sincos)(v, &y[i], &b[i]); break;
        case MCL_JET_COS: M(sincos)(v, &b[i], &y[i]); break;
#else
        case MCL_JET_SIN: y[i] = M(sin)(v); b[i] = M(cos)(v); break;
        case MCL_JET_COS: y[i] = M(cos)(v); b[i] = M(sin)(v); break;
#endif
        case MCL_JET_SOFTPLUS:
            SFX(sigmoid_w)(v, &a[i], &b[i]);
            y[i] = (v > 0 ? v : 0) + M(log1p)(M(exp)(-M(fabs)(v)));
            break;
        case MCL_JET_SQRT: y[i] = M(sqrt)(v); a[i] = (T)0.5 / y[i]; break;
        case MCL_JET_RECIPROCAL: y[i] = (T)1 / v; break;
        default: break;
        }
    }
    goto pad; // (keeps the label used when the AVX2 branches are compiled out)
pad:
    for (i = m; i % VL; i++) y[i] = a[i] = b[i] = 0;
}

/// Copies m elements into a scratch row and zeroes the padding up to a multiple of VL
/// (whole vectors with fixed-size copies: inline unaligned vector moves, no memcpy call).
TGT static inline void SFX(load_row)(V *row, const T *src, long m)
{
    long g = 0;
    for (; (g + 1) * VL <= m; g++) memcpy(&row[g], src + g * VL, sizeof(V));
    if (g * VL < m) {
        T t[VL];
        for (int l = 0; l < VL; l++) t[l] = g * VL + l < m ? src[g * VL + l] : 0;
        memcpy(&row[g], t, sizeof(V));
    }
}

/// Copies the first m elements of a scratch row to dst.
TGT static inline void SFX(store_row)(T *dst, const V *row, long m)
{
    long g = 0;
    for (; (g + 1) * VL <= m; g++) memcpy(dst + g * VL, &row[g], sizeof(V));
    for (long i = g * VL; i < m; i++) dst[i] = ((const T *)row)[i];
}

/// Scratch for one task: arrays X, Xs, Y, A, B of K+1 rows of rs vectors (tile TB = rs * VL
/// elements, as large as fits MCLCK_JET_SCRATCH bytes up to MCLCK_JET_TILE; for very large K a
/// heap block with one lane group per tile; heap failure aborts: there is no error channel) and
/// the table inv[k] = 1/k.
#define JET_SCRATCH                                                                                \
    _Alignas(64) unsigned char stackbuf[MCLCK_JET_SCRATCH];                                        \
    T stackinv[MCLCK_JET_KSTACK + 1];                                                              \
    long rs = MCLCK_JET_SCRATCH / (5 * (long)(K + 1) * (long)sizeof(V));                           \
    if (rs > MCLCK_JET_TILE / VL) rs = MCLCK_JET_TILE / VL;                                        \
    V *buf = (V *)(void *)stackbuf;                                                                \
    T *inv = stackinv;                                                                             \
    int heap = rs < 1 || K > MCLCK_JET_KSTACK;                                                     \
    if (heap) {                                                                                    \
        if (rs < 1) {                                                                              \
            rs = 1;                                                                                \
            buf = aligned_alloc(64, 5 * (size_t)(K + 1) * sizeof(V));                              \
        }                                                                                          \
        inv = malloc((size_t)(K + 1) * sizeof(T));                                                 \
        if (!buf || !inv) abort();                                                                 \
    }                                                                                              \
    const long TB = rs * VL;                                                                       \
    V *X = buf, *Xs = X + (K + 1) * rs, *Y = Xs + (K + 1) * rs, *A = Y + (K + 1) * rs;             \
    V *B = A + (K + 1) * rs;                                                                       \
    inv[0] = 0;                                                                                    \
    for (int k = 1; k <= K; k++) inv[k] = (T)1 / (T)k;

#define JET_SCRATCH_FREE                                                                           \
    if (heap) {                                                                                    \
        if (buf != (V *)(void *)stackbuf) free(buf);                                               \
        free(inv);                                                                                 \
    }

/// The loop over directions for one tile, with the recurrence inlined for a constant op.
#define JET_DRIVE(OPC)                                                                             \
    for (long d = 0; d < D; d++) {                                                                 \
        for (int k = 1; k <= K; k++) {                                                             \
            SFX(load_row)(ROW(X, k), xs + (k - 1) * Dn + d * n + t0, m);                           \
            for (long g = 0; g < ng; g++) ROW(Xs, k)[g] = ROW(X, k)[g] * (T)k;                     \
        }                                                                                          \
        SFX(recur)(OPC, K, inv, X, Xs, Y, A, B, rs, ng);                                           \
        for (int k = 1; k <= K; k++) SFX(store_row)(ys + (k - 1) * Dn + d * n + t0, ROW(Y, k), m);   \
    }

/// Elements [b, e) of mcl_*_jet_unary (ctx: jet_ctx).
TGT static void SFX(jet_unary_task)(void *vctx, long b, long e)
{
    const jet_ctx *c = vctx;
    const int op = c->op, K = c->K;
    const long n = c->n, D = c->D, Dn = D * n;
    const T *x0 = c->a0, *xs = c->as;
    T *y0 = c->y0, *ys = c->ys;
    JET_SCRATCH
    for (long t0 = b; t0 < e; t0 += TB) {
        const long m = e - t0 < TB ? e - t0 : TB, ng = (m + VL - 1) / VL;
        SFX(primal)(op, x0 + t0, m, (T *)Y, (T *)A, (T *)B);
        memcpy(y0 + t0, Y, (size_t)m * sizeof(T));
        if (K == 0) continue;
        switch (op) {
        case MCL_JET_EXP: JET_DRIVE(MCL_JET_EXP); break;
        case MCL_JET_LOG: JET_DRIVE(MCL_JET_LOG); break;
        case MCL_JET_TANH: JET_DRIVE(MCL_JET_TANH); break;
        case MCL_JET_SIGMOID: JET_DRIVE(MCL_JET_SIGMOID); break;
        case MCL_JET_SIN: JET_DRIVE(MCL_JET_SIN); break;
        case MCL_JET_COS: JET_DRIVE(MCL_JET_COS); break;
        case MCL_JET_SOFTPLUS: JET_DRIVE(MCL_JET_SOFTPLUS); break;
        case MCL_JET_SQRT: JET_DRIVE(MCL_JET_SQRT); break;
        case MCL_JET_RECIPROCAL: JET_DRIVE(MCL_JET_RECIPROCAL); break;
        default: break;
        }
    }
    JET_SCRATCH_FREE
}

/// Elements [b, e) of mcl_*_jet_mul: y_k = sum_{j=0..k} a_j b_{k-j} (a_0, b_0 the primals),
/// with the coefficient rows of a tile in X (a) and Xs (b).
TGT static void SFX(jet_mul_task)(void *vctx, long b, long e)
{
    const jet_ctx *c = vctx;
    const int K = c->K;
    const long n = c->n, D = c->D, Dn = D * n;
    const T *a0 = c->a0, *as = c->as, *b0 = c->b0, *bs = c->bs;
    T *y0 = c->y0, *ys = c->ys;
    JET_SCRATCH
    (void)A;
    (void)B;
    for (long i = b; i < e; i++) y0[i] = a0[i] * b0[i];
    for (long t0 = b; t0 < e && K > 0; t0 += TB) {
        const long m = e - t0 < TB ? e - t0 : TB, ng = (m + VL - 1) / VL;
        SFX(load_row)(X, a0 + t0, m);
        SFX(load_row)(Xs, b0 + t0, m);
        for (long d = 0; d < D; d++) {
            for (int k = 1; k <= K; k++) {
                SFX(load_row)(ROW(X, k), as + (k - 1) * Dn + d * n + t0, m);
                SFX(load_row)(ROW(Xs, k), bs + (k - 1) * Dn + d * n + t0, m);
            }
            for (int k = 1; k <= K; k++)
                for (long g = 0; g < ng; g++) SFX(dot)(&ROW(Y, k)[g], X, Xs, k, 0, k, rs, g);
            for (int k = 1; k <= K; k++) SFX(store_row)(ys + (k - 1) * Dn + d * n + t0, ROW(Y, k), m);
        }
    }
    JET_SCRATCH_FREE
}

#undef JET_DRIVE
#undef JET_SCRATCH
#undef JET_SCRATCH_FREE
#undef ROW
#undef V
#undef VL
