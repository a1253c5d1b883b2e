// elementwise_tmpl.h: per-type body of elementwise.c. Included with T (element type), SFX(name)
// (file-local name), PUB(name) (public mcl_s_/mcl_d_ name), M(fn) (libm function for T), VM(fn)
// (AVX2 vector math for T; log and softplus exist for float only) and MCLCK_IS_FLOAT defined.

#if __has_builtin(__builtin_elementwise_sqrt)
#define SFX_SQRT(v) __builtin_elementwise_sqrt(v) /* no errno: vectorisable */
#else
#define SFX_SQRT(v) M(sqrt)(v)
#endif

// MARK: unary

#define UNARY_LOOP(EXPR)                                                                           \
    for (long i = 0; i < n; i++) {                                                                 \
        T v = x[i];                                                                                \
        y[i] = (EXPR);                                                                             \
    }

/// sigmoid(v) = (v >= 0 ? 1 : e) / (1 + e) with e = exp(-|v|) <= 1: never overflows.
static inline T SFX(sigmoid1)(T v)
{
    T e = M(exp)(-M(fabs)(v));
    return (v >= 0 ? (T)1 : e) / ((T)1 + e);
}

/// y[i] = op(x[i]) for i < n; the switch is outside the loops so each loop can be vectorised.
static void SFX(unary_range)(int op, const T *x, T *y, long n)
{
    switch (op) {
    case MCL_NEG: UNARY_LOOP(-v); break;
    case MCL_EXP:
#if MCLCK_X86
        if (mclck_use_avx2()) { VM(exp)(x, y, n); break; }
#endif
        UNARY_LOOP(M(exp)(v));
        break;
    case MCL_LOG:
#if MCLCK_IS_FLOAT && MCLCK_X86
        if (mclck_use_avx2()) { mclck_avx2_log_f(x, y, n); break; }
#endif
        UNARY_LOOP(M(log)(v));
        break;
    case MCL_TANH:
#if MCLCK_X86
        if (mclck_use_avx2()) { VM(tanh)(x, y, n); break; }
#endif
        UNARY_LOOP(M(tanh)(v));
        break;
    case MCL_SIGMOID:
#if MCLCK_X86
        if (mclck_use_avx2()) { VM(sigmoid)(x, y, n); break; }
#endif
        UNARY_LOOP(SFX(sigmoid1)(v));
        break;
    case MCL_SIN: UNARY_LOOP(M(sin)(v)); break;
    case MCL_COS: UNARY_LOOP(M(cos)(v)); break;
    case MCL_SQRT: UNARY_LOOP(SFX_SQRT(v)); break;
    case MCL_ABS: UNARY_LOOP(M(fabs)(v)); break;
    case MCL_RELU: UNARY_LOOP(v > 0 ? v : (v == v ? (T)0 : v)); break; // NaN propagates
    case MCL_SOFTPLUS:
#if MCLCK_IS_FLOAT && MCLCK_X86
        if (mclck_use_avx2()) { mclck_avx2_softplus_f(x, y, n); break; }
#endif
        // max(x, 0) + log1p(exp(-|x|)): no overflow for any x; NaN propagates.
        UNARY_LOOP((v > 0 ? v : (T)0) + M(log1p)(M(exp)(-M(fabs)(v))));
        break;
    case MCL_SQUARE: UNARY_LOOP(v * v); break;
    case MCL_RECIPROCAL: UNARY_LOOP((T)1 / v); break;
    case MCL_STEP: UNARY_LOOP(v > 0 ? (T)1 : (T)0); break;
    case MCL_SIGN: UNARY_LOOP(v > 0 ? (T)1 : (v < 0 ? (T)-1 : v)); break; // sign(0) = 0, NaN stays
    case MCL_ISFINITE: UNARY_LOOP((v - v) == 0 ? (T)1 : (T)0); break;
    default: break;
    }
}
#undef UNARY_LOOP

typedef struct {
    int op;
    const T *x;
    T *y;
} SFX(unary_ctx);

/// Parallel task: elements [b, e) of a unary call.
static void SFX(unary_task)(void *p, long b, long e)
{
    SFX(unary_ctx) *c = p;
    SFX(unary_range)(c->op, c->x + b, c->y + b, e - b);
}

/// y[i] = op(x[i]) (mcl_unary_op); y may alias x. Large n is split over threads.
void PUB(unary)(int op, const T *x, T *y, long n)
{
    SFX(unary_ctx) c = {op, x, y};
    mclck_run(n, unary_is_cheap(op) ? 1L << 16 : 1L << 13, SFX(unary_task), &c);
}

// MARK: binary with broadcasting

// nr rows of n outputs (y dense): row r reads a + r*ar and b + r*br with element strides as, bs,
// specialised for the inner stride patterns that vectorise. The op is switched on once per call.
#define BIN_ROWS(EXPR)                                                                             \
    for (long r = 0; r < nr; r++, a += ar, b += br, y += n) {                                      \
        if (as == 1 && bs == 1) {                                                                  \
            for (long i = 0; i < n; i++) { T u = a[i], v = b[i]; y[i] = (EXPR); }                  \
        } else if (as == 0 && bs == 1) {                                                           \
            T u = a[0];                                                                            \
            for (long i = 0; i < n; i++) { T v = b[i]; y[i] = (EXPR); }                            \
        } else if (as == 1 && bs == 0) {                                                           \
            T v = b[0];                                                                            \
            for (long i = 0; i < n; i++) { T u = a[i]; y[i] = (EXPR); }                            \
        } else {                                                                                   \
            for (long i = 0; i < n; i++) { T u = a[i * as], v = b[i * bs]; y[i] = (EXPR); }        \
        }                                                                                          \
    }

/// y[r*n + i] = a[r*ar + i*as] op b[r*br + i*bs] for r < nr, i < n (mcl_binary_op). max/min
/// propagate NaN.
static void SFX(binary_rows)(int op, const T *a, long ar, long as, const T *b, long br, long bs, T *y, long nr,
                             long n)
{
    switch (op) {
    case MCL_ADD: BIN_ROWS(u + v); break;
    case MCL_SUB: BIN_ROWS(u - v); break;
    case MCL_MUL: BIN_ROWS(u * v); break;
    case MCL_DIV: BIN_ROWS(u / v); break;
    case MCL_MAX: BIN_ROWS((u > v || u != u) ? u : v); break;
    case MCL_MIN: BIN_ROWS((u < v || u != u) ? u : v); break;
    case MCL_POW: BIN_ROWS(M(pow)(u, v)); break;
    case MCL_GREATER: BIN_ROWS(u > v ? (T)1 : (T)0); break;
    default: break;
    }
}
#undef BIN_ROWS

typedef struct {
    int op, nd;
    const T *a, *b;
    T *y;
    long shape[MCLCK_MAXDIM + 1], sa[MCLCK_MAXDIM + 1], sb[MCLCK_MAXDIM + 1];
    long nblk, blk; // column blocks per row and their width (nblk > 1 only for long rows)
} SFX(binary_ctx);

/// Offsets into a and b of the first element of row r (rows = all axes but the last).
static void SFX(binary_row_start)(const SFX(binary_ctx) *c, long r, long *idx, long *oa, long *ob)
{
    *oa = 0, *ob = 0;
    for (int k = c->nd - 2; k >= 0; k--) {
        idx[k] = r % c->shape[k];
        r /= c->shape[k];
        *oa += idx[k] * c->sa[k];
        *ob += idx[k] * c->sb[k];
    }
}

/// Work units [t0, t1) of the coalesced iteration space (nd >= 2). With nblk == 1 a unit is a
/// row, and consecutive rows along axis nd-2 go to binary_rows together; otherwise a unit is
/// one column block of a long row.
static void SFX(binary_task)(void *p, long t0, long t1)
{
    SFX(binary_ctx) *c = p;
    const int nd = c->nd, o = nd - 2;
    const long inner = c->shape[nd - 1], sa1 = c->sa[nd - 1], sb1 = c->sb[nd - 1];
    long idx[MCLCK_MAXDIM + 1], oa, ob;
    if (c->nblk > 1) {
        for (long t = t0; t < t1; t++) {
            long r = t / c->nblk, j0 = (t % c->nblk) * c->blk;
            long n = inner - j0 < c->blk ? inner - j0 : c->blk;
            SFX(binary_row_start)(c, r, idx, &oa, &ob);
            SFX(binary_rows)(c->op, c->a + oa + j0 * sa1, 0, sa1, c->b + ob + j0 * sb1, 0, sb1, c->y + r * inner + j0,
                             1, n);
        }
        return;
    }
    SFX(binary_row_start)(c, t0, idx, &oa, &ob);
    for (long r = t0; r < t1;) {
        long run = c->shape[o] - idx[o] < t1 - r ? c->shape[o] - idx[o] : t1 - r;
        SFX(binary_rows)(c->op, c->a + oa, c->sa[o], sa1, c->b + ob, c->sb[o], sb1, c->y + r * inner, run, inner);
        r += run;
        idx[o] += run, oa += run * c->sa[o], ob += run * c->sb[o];
        for (int k = o; k > 0 && idx[k] == c->shape[k]; k--) { // carry
            oa += c->sa[k - 1] - idx[k] * c->sa[k];
            ob += c->sb[k - 1] - idx[k] * c->sb[k];
            idx[k] = 0;
            idx[k - 1]++;
        }
    }
}

/// y (dense, extents shape[0..ndim)) = a op b with per-axis element strides (0 = broadcast).
/// ndim == 0 means one element; ndim > 8 is outside the contract and computes nothing.
/// Work is split over threads by rows, or by column blocks when rows are few and long.
void PUB(binary)(int op, const T *a, const long *astride, const T *b, const long *bstride, T *y,
                 const long *shape, int ndim)
{
    if (ndim < 0 || ndim > MCLCK_MAXDIM) return;
    SFX(binary_ctx) c = {.op = op, .a = a, .b = b, .y = y};
    for (int k = 0; k < ndim; k++) {
        if (shape[k] <= 0) return;
        c.shape[k + 1] = shape[k];
        c.sa[k + 1] = astride[k];
        c.sb[k + 1] = bstride[k];
    }
    // Coalesce, then put an extent-1 axis in front, so that there are always rows (all axes
    // but the last) and columns.
    c.nd = coalesce_binary(c.shape + 1, c.sa + 1, c.sb + 1, ndim) + 1;
    c.shape[0] = 1, c.sa[0] = 0, c.sb[0] = 0;
    long inner = c.shape[c.nd - 1], rows = 1;
    for (int k = 0; k < c.nd - 1; k++) rows *= c.shape[k];
    const long work = op == MCL_POW ? 1L << 13 : 1L << 16; // outputs per task worth a thread
    c.blk = inner, c.nblk = 1;
    if (inner >= 2 * work) c.blk = work, c.nblk = (inner + work - 1) / work;
    long units = rows * c.nblk, grain = work / c.blk;
    mclck_run(units, grain < 1 ? 1 : grain, SFX(binary_task), &c);
}

// MARK: axpby, scale_shift, powi

typedef struct {
    T a, b;
    const T *x;
    T *y;
    int p;
} SFX(lin_ctx);

/// Parallel task: elements [s, e) of axpby.
static void SFX(axpby_task)(void *p, long s, long e)
{
    SFX(lin_ctx) *c = p;
    const T a = c->a, b = c->b, *x = c->x;
    T *y = c->y;
    if (b == 0)
        for (long i = s; i < e; i++) y[i] = a * x[i];
    else
        for (long i = s; i < e; i++) y[i] = a * x[i] + b * y[i];
}

/// y[i] = a * x[i] + b * y[i]; b == 0 never reads y.
void PUB(axpby)(long n, T a, const T *x, T b, T *y)
{
    SFX(lin_ctx) c = {a, b, x, y, 0};
    mclck_run(n, 1L << 16, SFX(axpby_task), &c);
}

/// Parallel task: elements [s, e) of scale_shift.
static void SFX(scale_shift_task)(void *p, long s, long e)
{
    SFX(lin_ctx) *c = p;
    const T a = c->a, b = c->b, *x = c->x;
    T *y = c->y;
    for (long i = s; i < e; i++) y[i] = x[i] * a + b;
}

/// y[i] = x[i] * s + t.
void PUB(scale_shift)(long n, const T *x, T s, T t, T *y)
{
    SFX(lin_ctx) c = {s, t, x, y, 0};
    mclck_run(n, 1L << 16, SFX(scale_shift_task), &c);
}

/// x^p by binary exponentiation, blocks of 256 elements with the loop over bits outside the loop
/// over elements (so the latter vectorises). p < 0 (outside the contract) gives 1 / x^|p|.
static void SFX(powi_task)(void *ctx, long s, long e)
{
    SFX(lin_ctx) *c = ctx;
    const int p = c->p;
    unsigned long q = p < 0 ? -(unsigned long)(long)p : (unsigned long)p;
    T base[256], acc[256];
    for (long i0 = s; i0 < e; i0 += 256) {
        long m = e - i0 < 256 ? e - i0 : 256;
        for (long i = 0; i < m; i++) { base[i] = c->x[i0 + i]; acc[i] = 1; }
        for (unsigned long r = q; r; ) {
            if (r & 1)
                for (long i = 0; i < m; i++) acc[i] *= base[i];
            r >>= 1;
            if (r)
                for (long i = 0; i < m; i++) base[i] *= base[i];
        }
        if (p < 0)
            for (long i = 0; i < m; i++) acc[i] = (T)1 / acc[i];
        for (long i = 0; i < m; i++) c->y[i0 + i] = acc[i];
    }
}

/// y[i] = x[i]^p (p == 0 gives 1 for every x, including 0 and NaN). y may alias x.
void PUB(powi)(const T *x, int p, T *y, long n)
{
    SFX(lin_ctx) c = {0, 0, x, y, p};
    mclck_run(n, 1L << 15, SFX(powi_task), &c);
}

// MARK: Adam

typedef struct {
    T *p, *m, *v;
    const T *g;
    T b1, b2, eps, wd, step, rootc2;
} SFX(adam_ctx);

/// Parallel task: elements [s, e) of adam.
static void SFX(adam_task)(void *ctx, long s, long e)
{
    const SFX(adam_ctx) *c = ctx;
    T *restrict p = c->p, *restrict m = c->m, *restrict v = c->v;
    const T *restrict g = c->g;
    const T b1 = c->b1, b2 = c->b2, eps = c->eps, wd = c->wd, step = c->step, rootc2 = c->rootc2;
    const T ob1 = 1 - b1, ob2 = 1 - b2;
    for (long i = s; i < e; i++) {
        T gi = g[i] + wd * p[i];
        T mi = b1 * m[i] + ob1 * gi;
        T vi = b2 * v[i] + ob2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= step * mi / (SFX_SQRT(vi) / rootc2 + eps);
    }
}

/// One Adam step over n parameters, in place: g' = g + wd p, m = b1 m + (1 - b1) g',
/// v = b2 v + (1 - b2) g'^2, p -= step m / (sqrt(v) / rootc2 + eps) (step = lr / (1 - b1^t),
/// rootc2 = sqrt(1 - b2^t)). The four arrays must not overlap.
void PUB(adam)(long n, T *p, T *m, T *v, const T *g, T b1, T b2, T eps, T wd, T step, T rootc2)
{
    SFX(adam_ctx) c = {p, m, v, g, b1, b2, eps, wd, step, rootc2};
    mclck_run(n, 1L << 16, SFX(adam_task), &c);
}

#undef SFX_SQRT
