// gemv_template.h: matrix-vector kernels behind GEMMs with M == 1 or N == 1, written in plain C
// so that the compiler vectorises them for the target of the including file (gemm_portable.c
// for the baseline, gemm_avx2.c under an AVX2 + FMA target pragma). The includer defines T,
// LANES (independent partial sums per row) and NAME(x) (prefixes names per type and ISA).

/// s[i] = sum_k X[i * ldx + k] * v[k] for i < rows, k < len. Each row keeps LANES partial sums
/// (lane l takes k = l mod LANES in increasing order) that are then added in a fixed tree
/// order, so the result depends only on the inputs.
static void NAME(dot_rows)(long rows, long len, const T *restrict X, long ldx, const T *restrict v,
                           T *restrict s) {
    long i = 0;
    for (; i + 4 <= rows; i += 4) {  // four rows share each load of v
        const T *x0 = X + i * ldx, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
        T a0[LANES] = {0}, a1[LANES] = {0}, a2[LANES] = {0}, a3[LANES] = {0};
        long k = 0;
        for (; k + LANES <= len; k += LANES)
            for (int l = 0; l < LANES; l++) {
                a0[l] += x0[k + l] * v[k + l];
                a1[l] += x1[k + l] * v[k + l];
                a2[l] += x2[k + l] * v[k + l];
                a3[l] += x3[k + l] * v[k + l];
            }
        for (int l = 0; k + l < len; l++) {
            a0[l] += x0[k + l] * v[k + l];
            a1[l] += x1[k + l] * v[k + l];
            a2[l] += x2[k + l] * v[k + l];
            a3[l] += x3[k + l] * v[k + l];
        }
        for (int w = LANES / 2; w >= 1; w /= 2)
            for (int l = 0; l < w; l++) {
                a0[l] += a0[l + w];
                a1[l] += a1[l + w];
                a2[l] += a2[l + w];
                a3[l] += a3[l + w];
            }
        s[i] = a0[0], s[i + 1] = a1[0], s[i + 2] = a2[0], s[i + 3] = a3[0];
    }
    for (; i < rows; i++) {  // same arithmetic, one row at a time
        const T *x0 = X + i * ldx;
        T a0[LANES] = {0};
        long k = 0;
        for (; k + LANES <= len; k += LANES)
            for (int l = 0; l < LANES; l++) a0[l] += x0[k + l] * v[k + l];
        for (int l = 0; k + l < len; l++) a0[l] += x0[k + l] * v[k + l];
        for (int w = LANES / 2; w >= 1; w /= 2)
            for (int l = 0; l < w; l++) a0[l] += a0[l + w];
        s[i] = a0[0];
    }
}

/// s[j] = sum_k v[k] * X[k * ldx + j] for j < cols, k < len, each sum in increasing k.
static void NAME(axpy_rows)(long len, long cols, const T *restrict X, long ldx, const T *restrict v,
                            T *restrict s) {
    enum { BLOCK = 1024 };  // columns per pass: the partial sums stay in L1
    for (long j0 = 0; j0 < cols; j0 += BLOCK) {
        long nb = cols - j0 < BLOCK ? cols - j0 : BLOCK;
        T *sj = s + j0;
        for (long j = 0; j < nb; j++) sj[j] = 0;
        long k = 0;
        for (; k + 4 <= len; k += 4) {  // four rows per pass over the sums
            const T *x0 = X + k * ldx + j0, *x1 = x0 + ldx, *x2 = x1 + ldx, *x3 = x2 + ldx;
            T v0 = v[k], v1 = v[k + 1], v2 = v[k + 2], v3 = v[k + 3];
            for (long j = 0; j < nb; j++) {
                T t = sj[j];
                t += v0 * x0[j];
                t += v1 * x1[j];
                t += v2 * x2[j];
                t += v3 * x3[j];
                sj[j] = t;
            }
        }
        for (; k < len; k++) {
            const T *x0 = X + k * ldx + j0;
            T v0 = v[k];
            for (long j = 0; j < nb; j++) sj[j] += v0 * x0[j];
        }
    }
}
