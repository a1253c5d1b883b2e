// mlp_jet_tmpl.h: one instantiation of mcl_*_mlp_jet, the Taylor coefficients of an activation
// along one direction (see mlp.c, which includes it after mlp_tmpl.h: the primal and its
// auxiliary derivatives come from that template's act_chunk). Defined by the includer: T,
// SFX(name), TGT.
//
// The recurrences are those of the jet kernels (jet_tmpl.h; Griewank & Walther ch. 13) for one
// direction: with Xs_k = k x_k,
//   tanh:     y_k = (1/k) sum_{j=1..k} Xs_j a_{k-j},  a = 1 - y^2: a_k = -sum_{j=0..k} y_j y_{k-j}
//   sigmoid:  the same with a = y - y^2: a_k = (1 - 2 y_0) y_k - sum_{j=1..k-1} y_j y_{k-j}
//   exp:      y_k = (1/k) sum Xs_j y_{k-j}
//   sin:      y_k = (1/k) sum Xs_j c_{k-j},  c_k = -(1/k) sum Xs_j y_{k-j}  (c = cos)
//   softplus: y_k = (1/k) sum Xs_j s_{k-j} with s the sigmoid jet (and its a)
// Coefficient k depends on all earlier ones, so one lane group is a long chain of dependent
// multiply-adds. The kernel runs JG groups of lanes side by side (independent chains) and, for
// orders up to 8, is compiled once per order so that the recurrence is straight-line code on
// vectors the compiler keeps in registers where it can (no loop branches, no store-to-load
// round trips), letting the processor overlap successive groups.

enum { SFX(jvl) = 32 / (int)sizeof(T), SFX(jg) = 4 };
typedef T SFX(jvec) __attribute__((vector_size(32)));
#define V SFX(jvec)
#define VL SFX(jvl)
#define JG SFX(jg)
#define GL (JG * VL)
#define KM MCL_MLP_JET_MAX_ORDER
#define FORG for (int g = 0; g < JG; g++)

/// Q[g] = sum_{j=j0..k-j0} Y[j][g] Y[k-j][g] (half the terms, doubled, plus the middle one).
#define SYMSUM(Q, Y, k, j0)                                                                        \
    do {                                                                                           \
        FORG Q[g] = (V){0};                                                                        \
        for (int j = (j0); 2 * j < (k); j++) FORG Q[g] += Y[j][g] * Y[(k) - j][g];                  \
        FORG Q[g] += Q[g];                                                                         \
        if (!((k)&1)) FORG Q[g] += Y[(k) / 2][g] * Y[(k) / 2][g];                                  \
    } while (0)

/// S[g] = sum_{j=1..min(k, KIN)} Xs[j][g] Z[k-j][g] (input coefficients above KIN are zero), as
/// two interleaved partial sums (odd and even j: half the latency of one chain).
#define CONV(S, Z, k)                                                                              \
    do {                                                                                           \
        const int top_ = (k) < KIN ? (k) : KIN;                                                    \
        V e_[JG];                                                                                  \
        FORG S[g] = Xs[1][g] * Z[(k)-1][g], e_[g] = (V){0};                                        \
        for (int j = 2; j <= top_; j += 2) {                                                       \
            FORG e_[g] += Xs[j][g] * Z[(k)-j][g];                                                  \
            if (j < top_) FORG S[g] += Xs[j + 1][g] * Z[(k)-j - 1][g];                             \
        }                                                                                          \
        FORG S[g] += e_[g];                                                                        \
    } while (0)

/// Loads GL lanes from p (cnt valid, the rest 0) into the JG vectors d.
#define GLOADG(d, p)                                                                               \
    do {                                                                                           \
        if (cnt == GL) {                                                                           \
            memcpy((d), (p), sizeof(V) * JG);                                                      \
        } else {                                                                                   \
            T pad_[GL] = {0};                                                                      \
            memcpy(pad_, (p), (size_t)cnt * sizeof(T));                                            \
            memcpy((d), pad_, sizeof(V) * JG);                                                     \
        }                                                                                          \
    } while (0)

/// Coefficients 1..K of f for the m elements at x + i, y + i (blocks n apart) whose primal y_0 and
/// auxiliary values p1, p2 are given (local arrays indexed from i0); input coefficients above
/// KIN are zero and not read. K and KIN are constants in the per-order instantiations.
TGT static inline __attribute__((always_inline)) void SFX(jet_span)(int act, const int K, const int KIN, long n,
                                                                    long i0, long m,
                                                                    const T *x, T *y, const T *y0, const T *p1,
                                                                    const T *p2, const T *inv)
{
    V Xs[KM + 1][JG], Y[KM + 1][JG], A[KM + 1][JG], B[KM + 1][JG], s[JG], q[JG], q0[JG];
    for (long i = i0; i < i0 + m; i += GL) {
        long cnt = i0 + m - i < GL ? i0 + m - i : GL;
        GLOADG(Y[0], y0 + (i - i0));
        GLOADG(A[0], p1 + (i - i0));
        GLOADG(B[0], act == MCL_MLP_SOFTPLUS ? p2 + (i - i0) : p1 + (i - i0));
        for (int k = 1; k <= KIN; k++) {
            GLOADG(Xs[k], x + k * n + i);
            FORG Xs[k][g] *= (T)k;
        }
        switch (act) {
        case MCL_MLP_TANH:
        case MCL_MLP_SIGMOID:  // A: 1 - y^2 or y - y^2
            FORG q0[g] = (T)1 - (T)2 * Y[0][g];
            for (int k = 1; k <= K; k++) {
                CONV(s, A, k);
                FORG Y[k][g] = s[g] * inv[k];
                if (k == K) break;
                if (act == MCL_MLP_TANH) {
                    SYMSUM(q, Y, k, 0);
                    FORG A[k][g] = -q[g];
                } else {
                    SYMSUM(q, Y, k, 1);
                    FORG A[k][g] = q0[g] * Y[k][g] - q[g];
                }
            }
            break;
        case MCL_MLP_EXP:
            for (int k = 1; k <= K; k++) {
                CONV(s, Y, k);
                FORG Y[k][g] = s[g] * inv[k];
            }
            break;
        case MCL_MLP_SIN:  // B = cos (B[0] = p1)
            for (int k = 1; k <= K; k++) {
                CONV(s, B, k);
                CONV(q, Y, k);
                FORG Y[k][g] = s[g] * inv[k], B[k][g] = -q[g] * inv[k];
            }
            break;
        case MCL_MLP_SOFTPLUS:  // A = sigmoid jet (A[0] = p1), B = its a (B[0] = p2)
            FORG q0[g] = (T)1 - (T)2 * A[0][g];
            for (int k = 1; k <= K; k++) {
                CONV(s, A, k);
                CONV(q, B, k);
                FORG Y[k][g] = s[g] * inv[k], A[k][g] = q[g] * inv[k];
                SYMSUM(q, A, k, 1);
                FORG B[k][g] = q0[g] * A[k][g] - q[g];
            }
            break;
        default: break;
        }
        for (int k = 1; k <= K; k++) {
            if (cnt == GL) {
                memcpy(y + k * n + i, Y[k], sizeof(V) * JG);
            } else {
                T pad_[GL];
                memcpy(pad_, Y[k], sizeof(V) * JG);
                memcpy(y + k * n + i, pad_, (size_t)cnt * sizeof(T));
            }
        }
    }
}

/// mcl_*_mlp_jet: x and y hold K + 1 blocks of n (block 0 the primal); K <= KM; input
/// coefficients above kin (1 <= kin <= K) are zero and not read.
TGT static void SFX(jet)(int act, long n, int K, int kin, const T *x, T *y)
{
    if (act == MCL_MLP_LINEAR) {
        memcpy(y, x, (size_t)(kin + 1) * (size_t)n * sizeof(T));
        if (K > kin) memset(y + (kin + 1) * n, 0, (size_t)(K - kin) * (size_t)n * sizeof(T));
        return;
    }
    _Alignas(64) T p1[SFX(CH)], p2[SFX(CH)], y0[SFX(CH)];
    T inv[KM + 1];
    inv[0] = 0;
    for (int k = 1; k <= K; k++) inv[k] = (T)1 / (T)k;
    for (long c0 = 0; c0 < n; c0 += SFX(CH)) {
        long m = n - c0 < SFX(CH) ? n - c0 : SFX(CH);
        // Primal and auxiliary values: f'(x_0) (1 - y^2, s(1 - s), cos, relu's step) and, for
        // softplus, sigmoid and s(1 - s).
        SFX(act_chunk)(act, m, x + c0, y0, p1, act == MCL_MLP_SOFTPLUS ? p2 : NULL);
        memcpy(y + c0, y0, (size_t)m * sizeof(T));
        if (act == MCL_MLP_RELU) {  // piecewise linear: y_k = x_k step(x_0)
            for (int k = 1; k <= K; k++) {
                if (k <= kin) SFX(scale)(1, m, x + k * n + c0, p1, y + k * n + c0);
                else memset(y + k * n + c0, 0, (size_t)m * sizeof(T));
            }
            continue;
        }
        // Straight-line recurrences for the common orders, with an affine input (kin = 1, the
        // first layer) or a full series.
#define SPAN(KK)                                                                                   \
    do {                                                                                           \
        if (kin == 1) SFX(jet_span)(act, KK, 1, n, c0, m, x, y, y0, p1, p2, inv);                  \
        else SFX(jet_span)(act, KK, KK, n, c0, m, x, y, y0, p1, p2, inv);                          \
    } while (0)
        switch (K) {
        case 0: break;
        case 1: SPAN(1); break;
        case 2: SPAN(2); break;
        case 3: SPAN(3); break;
        case 4: SPAN(4); break;
        case 5: SPAN(5); break;
        case 6: SPAN(6); break;
        case 7: SPAN(7); break;
        case 8: SPAN(8); break;
        default: SFX(jet_span)(act, K, kin, n, c0, m, x, y, y0, p1, p2, inv); break;
        }
#undef SPAN
    }
}

#undef GLOADG
#undef SYMSUM
#undef CONV
#undef FORG
#undef KM
#undef GL
#undef JG
#undef V
#undef VL
