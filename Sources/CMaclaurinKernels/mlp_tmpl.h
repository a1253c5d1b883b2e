// mlp_tmpl.h: one instantiation of the fused MLP kernels (see mlp.c). Defined by the includer:
// T, M(fn) (libm name for T), SFX(name), TGT (function attribute: empty or AVX2+FMA) and
// MCLCK_MLP_F32_AVX2 (1: float activations through the vector math of vmath_avx2.c).
//
// Every kernel is single-threaded: the callers run one row tile per thread. Loops without
// transcendental calls are written so that the compiler vectorises them for TGT; the sandwich
// reduction uses explicit vectors (GCC vector types), since the compiler may not reorder sums.

enum { SFX(VL) = 32 / (int)sizeof(T), SFX(CH) = 256 };
typedef T SFX(vec) __attribute__((vector_size(32)));
#define V SFX(vec)
#define VL SFX(VL)
#define CH SFX(CH)

/// Unaligned vector load into a V variable (a macro: vectors passed by value would change the
/// ABI of the portable instantiation).
#define LOADV(v, p) memcpy(&(v), (p), sizeof(V))

/// Sum of the lanes of v in a fixed order.
TGT static inline T SFX(hsum)(const V *v)
{
    T s = 0;
    for (int l = 0; l < VL; l++) s += (*v)[l];
    return s;
}

// MARK: activations

/// tanh(x) and sech^2(x) = 1 - tanh^2 without cancellation (scalar).
static inline void SFX(tanh_sech2_1)(T x, T *y, T *z)
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

/// y = tanh(x), z = sech^2(x) for n <= CH elements.
TGT static void SFX(tanh_sech2)(const T *x, T *y, T *z, long n)
{
#if MCLCK_MLP_F32_AVX2
    mclck_avx2_tanh_sech2_f(x, y, z, n);
#else
    for (long i = 0; i < n; i++) SFX(tanh_sech2_1)(x[i], &y[i], &z[i]);
#endif
}

/// s = sigmoid(x), w = sigmoid(x) sigmoid(-x), from e = exp(-|x|) (no overflow).
TGT static void SFX(sigmoid_w)(const T *x, T *s, T *w, long n)
{
#if MCLCK_MLP_F32_AVX2
    mclck_avx2_sigmoid_w_f(x, s, w, n);
#else
    for (long i = 0; i < n; i++) {
        T e = M(exp)(-M(fabs)(x[i])), d = 1 + e;
        s[i] = (x[i] >= 0 ? (T)1 : e) / d;
        w[i] = e / (d * d);
    }
#endif
}

/// y = exp(x).
TGT static void SFX(exp_n)(const T *x, T *y, long n)
{
#if MCLCK_MLP_F32_AVX2
    mclck_avx2_exp_f(x, y, n);
#else
    for (long i = 0; i < n; i++) y[i] = M(exp)(x[i]);
#endif
}

/// h = f(v), d1 = f'(v), d2 = f''(v) for n <= CH elements; d1, d2 may be NULL; v is not
/// modified and does not alias the outputs.
TGT static void SFX(act_chunk)(int act, long n, const T *restrict v, T *restrict h, T *restrict d1,
                               T *restrict d2)
{
    _Alignas(64) T a[CH], b[CH];
    long i;
    switch (act) {
    case MCL_MLP_TANH:
#if MCLCK_MLP_F32_AVX2
        if (d1 || d2) {
            mlp_avx2_tanh(v, h, d1, d2, n);
            break;
        }
#endif
        if (!d1 && !d2) {
#if MCLCK_MLP_F32_AVX2
            mclck_avx2_tanh_f(v, h, n);
#else
            for (i = 0; i < n; i++) h[i] = M(tanh)(v[i]);
#endif
            break;
        }
        SFX(tanh_sech2)(v, h, a, n);
        if (d1) for (i = 0; i < n; i++) d1[i] = a[i];
        if (d2) for (i = 0; i < n; i++) d2[i] = -2 * h[i] * a[i];
        break;
    case MCL_MLP_SIGMOID:
#if MCLCK_MLP_F32_AVX2
        if (d1 || d2) {
            mlp_avx2_sigmoid(v, h, d1, d2, n);
            break;
        }
#endif
        SFX(sigmoid_w)(v, h, a, n);
        if (d1) for (i = 0; i < n; i++) d1[i] = a[i];
        if (d2) for (i = 0; i < n; i++) d2[i] = a[i] * (1 - 2 * h[i]);
        break;
    case MCL_MLP_SOFTPLUS:
        // max(x, 0) + log1p(exp(-|x|)), as the elementwise kernel; f' = sigmoid, f'' = s(1 - s).
        for (i = 0; i < n; i++) h[i] = (v[i] > 0 ? v[i] : (T)0) + M(log1p)(M(exp)(-M(fabs)(v[i])));
        if (d1 || d2) {
            SFX(sigmoid_w)(v, a, b, n);
            if (d1) for (i = 0; i < n; i++) d1[i] = a[i];
            if (d2) for (i = 0; i < n; i++) d2[i] = b[i];
        }
        break;
    case MCL_MLP_SIN:
        for (i = 0; i < n; i++) h[i] = M(sin)(v[i]);
        if (d1) for (i = 0; i < n; i++) d1[i] = M(cos)(v[i]);
        if (d2) for (i = 0; i < n; i++) d2[i] = -h[i];
        break;
    case MCL_MLP_RELU:
        for (i = 0; i < n; i++) h[i] = v[i] > 0 ? v[i] : (v[i] == v[i] ? (T)0 : v[i]);  // NaN propagates
        if (d1) for (i = 0; i < n; i++) d1[i] = v[i] > 0 ? (T)1 : (T)0;
        if (d2) for (i = 0; i < n; i++) d2[i] = 0;
        break;
    case MCL_MLP_GELU: {
        // g = x (1 + t) / 2, t = tanh(u), u = c (x + k x^3); with s = 1 - t^2, u' = c (1 + 3 k x^2),
        // u'' = 6 c k x: g' = (1 + t) / 2 + x s u' / 2, g'' = s u' + x s (u'' - 2 t u'^2) / 2.
        const T c = (T)0.7978845608028654, k = (T)0.044715;
        for (i = 0; i < n; i++) a[i] = (v[i] + v[i] * v[i] * v[i] * k) * c;
        SFX(tanh_sech2)(a, a, b, n);  // a = t, b = s (in place: each lane reads before it writes)
        for (i = 0; i < n; i++) h[i] = v[i] * (a[i] + 1) * (T)0.5;
        if (d1)
            for (i = 0; i < n; i++) {
                T up = c * (1 + 3 * k * v[i] * v[i]);
                d1[i] = (T)0.5 * (1 + a[i]) + (T)0.5 * v[i] * b[i] * up;
            }
        if (d2)
            for (i = 0; i < n; i++) {
                T up = c * (1 + 3 * k * v[i] * v[i]), upp = 6 * c * k * v[i];
                d2[i] = b[i] * up + (T)0.5 * v[i] * b[i] * (upp - 2 * a[i] * up * up);
            }
        break;
    }
    case MCL_MLP_EXP:
        SFX(exp_n)(v, h, n);
        if (d1) for (i = 0; i < n; i++) d1[i] = h[i];
        if (d2) for (i = 0; i < n; i++) d2[i] = h[i];
        break;
    default:  // MCL_MLP_LINEAR
        for (i = 0; i < n; i++) h[i] = v[i];
        if (d1) for (i = 0; i < n; i++) d1[i] = 1;
        if (d2) for (i = 0; i < n; i++) d2[i] = 0;
        break;
    }
}

/// mcl_*_mlp_activate (see the header). Narrow rows are gathered several to a chunk, so that the
/// activation runs on long vectors.
TGT static void SFX(activate)(int act, long rows, long cols, const T *z, const T *bias, T *h, T *d1, T *d2)
{
    _Alignas(64) T v[CH];
    if (cols <= CH / 2) {
        const long per = CH / cols;
        for (long r = 0; r < rows; r += per) {
            long nr = rows - r < per ? rows - r : per, o = r * cols;
            for (long q = 0; q < nr; q++) {
                T *vq = v + q * cols;
                const T *zq = z + o + q * cols;
                if (bias)
                    for (long i = 0; i < cols; i++) vq[i] = zq[i] + bias[i];
                else
                    for (long i = 0; i < cols; i++) vq[i] = zq[i];
            }
            SFX(act_chunk)(act, nr * cols, v, h + o, d1 ? d1 + o : NULL, d2 ? d2 + o : NULL);
        }
        return;
    }
    for (long r = 0; r < rows; r++)
        for (long c0 = 0; c0 < cols; c0 += CH) {
            long n = cols - c0 < CH ? cols - c0 : CH, o = r * cols + c0;
            if (bias)
                for (long i = 0; i < n; i++) v[i] = z[o + i] + bias[c0 + i];
            else
                for (long i = 0; i < n; i++) v[i] = z[o + i];
            SFX(act_chunk)(act, n, v, h + o, d1 ? d1 + o : NULL, d2 ? d2 + o : NULL);
        }
}

// MARK: products with derivatives

/// mcl_*_mlp_scale: y[k * n + i] = x[k * n + i] * d[i].
/// (In place and out of place are separate loops: the compiler's overlap check would send the
/// in-place case to scalar code.)
TGT static void SFX(scale)(long blocks, long n, const T *x, const T *restrict d, T *y)
{
    for (long k = 0; k < blocks; k++) {
        T *restrict yk = y + k * n;
        if (x == y) {
            for (long i = 0; i < n; i++) yk[i] *= d[i];
        } else {
            const T *restrict xk = x + k * n;
            for (long i = 0; i < n; i++) yk[i] = xk[i] * d[i];
        }
    }
}

/// mcl_*_mlp_outer: y[k * ldyk + r * ldyr + c] = w[k * cols + c] * s[r * lds + k] * d[r * cols + c].
TGT static void SFX(outer)(long blocks, long rows, long cols, const T *restrict w, const T *restrict s, long lds,
                           const T *restrict d, T *restrict y, long ldyk, long ldyr)
{
    for (long k = 0; k < blocks; k++) {
        const T *wk = w + k * cols;
        for (long r = 0; r < rows; r++) {
            T *yr = y + k * ldyk + r * ldyr;
            T sc = s ? s[r * lds + k] : (T)1;
            if (d) {
                const T *dr = d + r * cols;
                for (long c = 0; c < cols; c++) yr[c] = wk[c] * sc * dr[c];
            } else if (s) {
                for (long c = 0; c < cols; c++) yr[c] = wk[c] * sc;
            } else {
                for (long c = 0; c < cols; c++) yr[c] = wk[c];
            }
        }
    }
}

/// mcl_*_mlp_collapsed_step: s = d1 s + d2 / 2 sum_k t_k^2, then t_k *= d1 (d2 NULL: 0).
TGT static void SFX(collapsed_step)(long dirs, long n, T *restrict t, T *restrict s, const T *restrict d1,
                                    const T *restrict d2)
{
    for (long i = 0; i < n; i++) s[i] *= d1[i];
    for (long k = 0; k < dirs; k++) {
        T *tk = t + k * n;
        if (d2)
            for (long i = 0; i < n; i++) {
                T q = tk[i];
                s[i] += (T)0.5 * d2[i] * (q * q);
                tk[i] = q * d1[i];
            }
        else
            for (long i = 0; i < n; i++) tk[i] *= d1[i];
    }
}

// MARK: Hessian sandwich

/// Adds sum_u x[u] * y[u] over w elements (vector part plus scalar tail) to h[a * n + b] and,
/// when a != b, to h[b * n + a]; four y rows at once share the loads of x.
TGT static inline void SFX(dot4_add)(const T *x, const T *y0, const T *y1, const T *y2, const T *y3, long w,
                                     T *h, long n, long a, long b)
{
    V s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    long u = 0;
    for (; u + VL <= w; u += VL) {
        V xv, v0, v1, v2, v3;
        LOADV(xv, x + u);
        LOADV(v0, y0 + u);
        LOADV(v1, y1 + u);
        LOADV(v2, y2 + u);
        LOADV(v3, y3 + u);
        s0 += xv * v0;
        s1 += xv * v1;
        s2 += xv * v2;
        s3 += xv * v3;
    }
    T t[4] = {SFX(hsum)(&s0), SFX(hsum)(&s1), SFX(hsum)(&s2), SFX(hsum)(&s3)};
    for (; u < w; u++) {
        t[0] += x[u] * y0[u];
        t[1] += x[u] * y1[u];
        t[2] += x[u] * y2[u];
        t[3] += x[u] * y3[u];
    }
    for (int q = 0; q < 4; q++) {
        h[a * n + b + q] += t[q];
        if (a != b + q) h[(b + q) * n + a] += t[q];
    }
}

/// One row: adds sum_u x[u] y[u] to h[a, b] (and h[b, a]).
TGT static inline void SFX(dot1_add)(const T *x, const T *y, long w, T *h, long n, long a, long b)
{
    V s = {0};
    long u = 0;
    for (; u + VL <= w; u += VL) {
        V xv, yv;
        LOADV(xv, x + u);
        LOADV(yv, y + u);
        s += xv * yv;
    }
    T t = SFX(hsum)(&s);
    for (; u < w; u++) t += x[u] * y[u];
    h[a * n + b] += t;
    if (a != b) h[b * n + a] += t;
}

/// mcl_*_mlp_sandwich: h[r][a, b] += sum_u j_a[u] c[u] j_b[u] for the rows r of a tile.
TGT static void SFX(sandwich)(long n, long rows, long cols, const T *j, long jsd, long jsr, const T *c, long csr,
                              T *h, long ldh)
{
    _Alignas(64) T cj[CH];
    for (long r = 0; r < rows; r++) {
        const T *jr = j + r * jsr, *cr = c + r * csr;
        T *hr = h + r * ldh;
        for (long u0 = 0; u0 < cols; u0 += CH) {
            long w = cols - u0 < CH ? cols - u0 : CH;
            for (long a = 0; a < n; a++) {
                const T *ja = jr + a * jsd + u0;
                for (long u = 0; u < w; u++) cj[u] = cr[u0 + u] * ja[u];
                long b = 0;
                for (; b + 4 <= a + 1; b += 4) {
                    const T *y0 = jr + b * jsd + u0;
                    SFX(dot4_add)(cj, y0, y0 + jsd, y0 + 2 * jsd, y0 + 3 * jsd, w, hr, n, a, b);
                }
                for (; b <= a; b++) SFX(dot1_add)(cj, jr + b * jsd + u0, w, hr, n, a, b);
            }
        }
    }
}

#undef LOADV
#undef V
#undef VL
#undef CH
