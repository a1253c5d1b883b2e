// jet_tmpl.h: one instantiation of the jet kernels (see jet.c). Defined by the includer: T, M(fn)
// (libm name for T), SFX(name), TGT (function attribute: empty or AVX2+FMA) and
// MCLCK_JET_F32_AVX2 (1: float primal through vmath_avx2.c).
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

enum { SFX(VL) = 64 / (int)sizeof(T) };
typedef T SFX(vec) __attribute__((vector_size(64)));
#define V SFX(vec)
#define VL SFX(VL)

/// Loads cnt (<= VL) lanes from p; the other lanes are 0.
TGT static inline void SFX(vload)(V *d, const T *p, long cnt)
{
    if (cnt == VL) {
        memcpy(d, p, sizeof(V));
    } else {
        T t[VL];
        for (int l = 0; l < VL; l++) t[l] = 0;
        memcpy(t, p, (size_t)cnt * sizeof(T));
        memcpy(d, t, sizeof(V));
    }
}

/// Stores the first cnt (<= VL) lanes of s to p.
/// (A full vector is stored with a constant-size copy, which compiles to vector stores; a copy of
/// variable size is a call to memcpy.)
TGT static inline void SFX(vstore)(T *p, const V *s, long cnt)
{
    if (cnt == VL) memcpy(p, s, sizeof(V));
    else memcpy(p, s, (size_t)cnt * sizeof(T));
}

/// Symmetric square sum: sum_{j=lo..k-lo} y_j y_{k-j} for lo = 0 or 1, over half the terms.
/// (Vectors are passed by pointer: by value they would change the ABI between ISAs.)
TGT static inline __attribute__((always_inline)) void SFX(symsum)(V *out, const V *Y, int k, int lo)
{
    V q = (V){0};
    for (int j = lo; 2 * j < k; j++) q += Y[j] * Y[k - j];
    q = q + q;
    if (!(k & 1)) q += Y[k / 2] * Y[k / 2];
    *out = q;
}

/// Runs the recurrence of `op` for one lane group: X[1..K] (Xs = k X_k) given, Y[0] preset, the
/// auxiliary primal values in pp[0], pp[1] (p1, p2); fills Y[1..K] (A, B: scratch for auxiliary jets).
TGT static inline __attribute__((always_inline)) void SFX(recur)(int op, int K, const T *inv, const V *X,
                                                                 const V *Xs, V *Y, V *A, V *B, const V *pp)
{
    const V p1 = pp[0], p2 = pp[1];
    V q;
    switch (op) {
    case MCL_JET_EXP:
        for (int k = 1; k <= K; k++) {
            V s = Xs[1] * Y[k - 1];
            for (int j = 2; j <= k; j++) s += Xs[j] * Y[k - j];
            Y[k] = s * inv[k];
        }
        break;
    case MCL_JET_LOG: // p1 = 1/x0; B_j = j y_j
        for (int k = 1; k <= K; k++) {
            V s = (V){0};
            for (int j = 1; j < k; j++) s += B[j] * X[k - j];
            Y[k] = p1 * (X[k] - s * inv[k]);
            B[k] = Y[k] * (T)k;
        }
        break;
    case MCL_JET_TANH: // A = z = 1 - y^2, p1 = z_0
        A[0] = p1;
        for (int k = 1; k <= K; k++) {
            V s = Xs[1] * A[k - 1];
            for (int j = 2; j <= k; j++) s += Xs[j] * A[k - j];
            Y[k] = s * inv[k];
            if (k < K) {
                SFX(symsum)(&q, Y, k, 0);
                A[k] = -q;
            }
        }
        break;
    case MCL_JET_SIGMOID: { // A = w = y - y^2, p1 = w_0
        V q0 = (T)1 - (T)2 * Y[0];
        A[0] = p1;
        for (int k = 1; k <= K; k++) {
            V s = Xs[1] * A[k - 1];
            for (int j = 2; j <= k; j++) s += Xs[j] * A[k - j];
            Y[k] = s * inv[k];
            if (k < K) {
                SFX(symsum)(&q, Y, k, 1);
                A[k] = q0 * Y[k] - q;
            }
        }
        break;
    }
    case MCL_JET_SIN:
    case MCL_JET_COS: { // Y = requested function, B = the other one; p1 = sin x0, p2 = cos x0
        T sy = op == MCL_JET_SIN ? (T)1 : (T)-1;
        B[0] = op == MCL_JET_SIN ? p2 : p1;
        for (int k = 1; k <= K; k++) {
            V s = Xs[1] * B[k - 1], u = Xs[1] * Y[k - 1];
            for (int j = 2; j <= k; j++) {
                s += Xs[j] * B[k - j];
                u += Xs[j] * Y[k - j];
            }
            Y[k] = s * (sy * inv[k]);
            B[k] = u * (-sy * inv[k]);
        }
        break;
    }
    case MCL_JET_SOFTPLUS: { // A = sigmoid jet (p1 = s_0), B = its w (p2 = w_0)
        V q0 = (T)1 - (T)2 * p1;
        A[0] = p1;
        B[0] = p2;
        for (int k = 1; k <= K; k++) {
            V s = Xs[1] * A[k - 1], u = Xs[1] * B[k - 1];
            for (int j = 2; j <= k; j++) {
                s += Xs[j] * A[k - j];
                u += Xs[j] * B[k - j];
            }
            Y[k] = s * inv[k];
            A[k] = u * inv[k];
            SFX(symsum)(&q, A, k, 1);
            B[k] = q0 * A[k] - q;
        }
        break;
    }
    case MCL_JET_SQRT: // p1 = 1 / (2 y0)
        for (int k = 1; k <= K; k++) {
            SFX(symsum)(&q, Y, k, 1);
            Y[k] = (X[k] - q) * p1;
        }
        break;
    case MCL_JET_RECIPROCAL:
        for (int k = 1; k <= K; k++) {
            V s = Y[0] * X[k];
            for (int j = 1; j < k; j++) s += Y[j] * X[k - j];
            Y[k] = -Y[0] * s;
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

/// Primal of a tile of m elements: y = f(x), p1/p2 = auxiliary primal values used by the
/// recurrences (see recur). Lanes m..(rounded up to VL) are set to 0.
TGT static void SFX(primal)(int op, const T *x, long m, T *y, T *p1, T *p2)
{
    long i;
#if MCLCK_JET_F32_AVX2
    if (op == MCL_JET_EXP) { mclck_avx2_exp_f(x, y, m); goto pad; }
    if (op == MCL_JET_TANH) { mclck_avx2_tanh_sech2_f(x, y, p1, m); goto pad; }
    if (op == MCL_JET_SIGMOID) { mclck_avx2_sigmoid_w_f(x, y, p1, m); goto pad; }
    if (op == MCL_JET_SOFTPLUS) {
        mclck_avx2_sigmoid_w_f(x, p1, p2, m);
        for (i = 0; i < m; i++) y[i] = (x[i] > 0 ? x[i] : 0) + M(log1p)(M(exp)(-M(fabs)(x[i])));
        goto pad;
    }
#endif
    for (i = 0; i < m; i++) {
        T v = x[i];
        switch (op) {
        case MCL_JET_EXP: y[i] = M(exp)(v); break;
        case MCL_JET_LOG: y[i] = M(log)(v); p1[i] = (T)1 / v; break;
        case MCL_JET_TANH: SFX(tanh_sech2)(v, &y[i], &p1[i]); break;
        case MCL_JET_SIGMOID: SFX(sigmoid_w)(v, &y[i], &p1[i]); break;
        case MCL_JET_SIN: p1[i] = M(sin)(v); p2[i] = M(cos)(v); y[i] = p1[i]; break;
        case MCL_JET_COS: p1[i] = M(sin)(v); p2[i] = M(cos)(v); y[i] = p2[i]; break;
        case MCL_JET_SOFTPLUS:
            SFX(sigmoid_w)(v, &p1[i], &p2[i]);
            y[i] = (v > 0 ? v : 0) + M(log1p)(M(exp)(-M(fabs)(v)));
            break;
        case MCL_JET_SQRT: y[i] = M(sqrt)(v); p1[i] = (T)0.5 / y[i]; break;
        case MCL_JET_RECIPROCAL: y[i] = (T)1 / v; break;
        default: break;
        }
    }
    goto pad; // (keeps the label used when the AVX2 branches are compiled out)
pad:
    for (i = m; i % VL; i++) y[i] = p1[i] = p2[i] = 0;
}

// The loops over directions and lane groups of one tile, with the recurrence inlined for a
// constant op (so its switch folds away).
#define JET_DRIVE(OPC)                                                                             \
    for (long d = 0; d < D; d++) {                                                                 \
        const T *xd = xs + d * n + t0;                                                             \
        T *yd = ys + d * n + t0;                                                                   \
        for (long g = 0; g < m; g += VL) {                                                         \
            long cnt = m - g < VL ? m - g : VL;                                                    \
            for (int k = 1; k <= K; k++) {                                                         \
                SFX(vload)(&X[k], xd + (k - 1) * Dn + g, cnt);                                     \
                Xs[k] = X[k] * (T)k;                                                               \
            }                                                                                      \
            V pp[2];                                                                               \
            memcpy(&Y[0], Y0t + g, sizeof(V));                                                     \
            memcpy(&pp[0], P1t + g, sizeof(V));                                                    \
            memcpy(&pp[1], P2t + g, sizeof(V));                                                    \
            SFX(recur)(OPC, K, inv, X, Xs, Y, A, B, pp);                                           \
            for (int k = 1; k <= K; k++) SFX(vstore)(yd + (k - 1) * Dn + g, &Y[k], cnt);           \
        }                                                                                          \
    }

/// Scratch for one task: 5 arrays of K+1 vectors and the table inv[k] = 1/k (stack when
/// K <= MCLCK_JET_KSTACK, else heap; heap failure aborts, as there is no error channel).
#define JET_SCRATCH                                                                                \
    V stackv[5 * (MCLCK_JET_KSTACK + 1)];                                                          \
    T stackinv[MCLCK_JET_KSTACK + 1];                                                              \
    V *buf = stackv;                                                                               \
    T *inv = stackinv;                                                                             \
    if (K > MCLCK_JET_KSTACK) {                                                                    \
        buf = aligned_alloc(64, 5 * (size_t)(K + 1) * sizeof(V));                                  \
        inv = malloc((size_t)(K + 1) * sizeof(T));                                                 \
        if (!buf || !inv) abort();                                                                 \
    }                                                                                              \
    V *X = buf, *Xs = X + (K + 1), *Y = Xs + (K + 1), *A = Y + (K + 1), *B = A + (K + 1);          \
    (void)A;                                                                                       \
    (void)B;                                                                                       \
    inv[0] = 0;                                                                                    \
    for (int k = 1; k <= K; k++) inv[k] = (T)1 / (T)k;

#define JET_SCRATCH_FREE                                                                           \
    if (K > MCLCK_JET_KSTACK) {                                                                    \
        free(buf);                                                                                 \
        free(inv);                                                                                 \
    }

/// Elements [b, e) of mcl_*_jet_unary (ctx: jet_ctx).
TGT static void SFX(jet_unary_task)(void *vctx, long b, long e)
{
    const jet_ctx *c = vctx;
    const int op = c->op, K = c->K;
    const long n = c->n, D = c->D, Dn = D * n;
    const T *x0 = c->a0, *xs = c->as;
    T *y0 = c->y0, *ys = c->ys;
    _Alignas(64) T Y0t[MCLCK_JET_TILE], P1t[MCLCK_JET_TILE], P2t[MCLCK_JET_TILE];
    JET_SCRATCH
    for (long t0 = b; t0 < e; t0 += MCLCK_JET_TILE) {
        long m = e - t0 < MCLCK_JET_TILE ? e - t0 : MCLCK_JET_TILE;
        SFX(primal)(op, x0 + t0, m, Y0t, P1t, P2t);
        memcpy(y0 + t0, Y0t, (size_t)m * sizeof(T));
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

/// Elements [b, e) of mcl_*_jet_mul: y_k = a_0 b_k + a_k b_0 + sum_{j=1..k-1} a_j b_{k-j}.
TGT static void SFX(jet_mul_task)(void *vctx, long b, long e)
{
    const jet_ctx *c = vctx;
    const int K = c->K;
    const long n = c->n, D = c->D, Dn = D * n;
    const T *a0 = c->a0, *as = c->as, *b0 = c->b0, *bs = c->bs;
    T *y0 = c->y0, *ys = c->ys;
    JET_SCRATCH
    (void)Xs;
    for (long i = b; i < e; i++) y0[i] = a0[i] * b0[i];
    for (long d = 0; d < D && K > 0; d++)
        for (long g = b; g < e; g += VL) {
            long cnt = e - g < VL ? e - g : VL;
            SFX(vload)(&X[0], a0 + g, cnt);
            SFX(vload)(&Y[0], b0 + g, cnt);
            for (int k = 1; k <= K; k++) {
                SFX(vload)(&X[k], as + (k - 1) * Dn + d * n + g, cnt);
                SFX(vload)(&Y[k], bs + (k - 1) * Dn + d * n + g, cnt);
            }
            for (int k = 1; k <= K; k++) {
                V s = X[0] * Y[k];
                for (int j = 1; j <= k; j++) s += X[j] * Y[k - j];
                SFX(vstore)(ys + (k - 1) * Dn + d * n + g, &s, cnt);
            }
        }
    JET_SCRATCH_FREE
}

#undef JET_DRIVE
#undef JET_SCRATCH
#undef JET_SCRATCH_FREE
#undef V
#undef VL
