// reduce_tmpl.h: per-type body of reduce.c (T, SFX(name), PUB(name) defined by the includer).

/// Sum of x[0..n): pairwise recursion down to blocks of <= 256, each summed with 8 independent
/// accumulators (vectorisable), so the error grows like log(n) and the order is fixed.
static T SFX(sum_contig)(const T *x, long n)
{
    if (n > 256) {
        long h = (n / 2 + 7) & ~7L;
        return SFX(sum_contig)(x, h) + SFX(sum_contig)(x + h, n - h);
    }
    T acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    long i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += x[i + l];
    for (int l = 0; i < n; i++, l++) acc[l] += x[i];
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

typedef struct {
    const T *x;
    T *y;
    int64_t *idx;
    long outer, mid, inner, nib; // nib = number of column blocks of width MCLCK_RED_IB
} SFX(red_ctx);

/// inner == 1: y[o] = pairwise sum of row o, for rows [b, e).
static void SFX(sum_rows_task)(void *p, long b, long e)
{
    SFX(red_ctx) *c = p;
    for (long o = b; o < e; o++) c->y[o] = SFX(sum_contig)(c->x + o * c->mid, c->mid);
}

/// inner > 1: task t = (o, column block); sums the mid rows of that block in groups of
/// MCLCK_RED_RB rows (sequential inside a group, groups added in order).
static void SFX(sum_cols_task)(void *p, long b, long e)
{
    SFX(red_ctx) *c = p;
    T part[MCLCK_RED_IB];
    for (long t = b; t < e; t++) {
        long o = t / c->nib, i0 = (t % c->nib) * MCLCK_RED_IB;
        long w = c->inner - i0 < MCLCK_RED_IB ? c->inner - i0 : MCLCK_RED_IB;
        const T *x = c->x + o * c->mid * c->inner + i0;
        T *y = c->y + o * c->inner + i0;
        for (long i = 0; i < w; i++) y[i] = 0;
        for (long m0 = 0; m0 < c->mid; m0 += MCLCK_RED_RB) {
            long m1 = m0 + MCLCK_RED_RB < c->mid ? m0 + MCLCK_RED_RB : c->mid;
            const T *r = x + m0 * c->inner;
            for (long i = 0; i < w; i++) part[i] = r[i];
            for (long m = m0 + 1; m < m1; m++) {
                r += c->inner;
                for (long i = 0; i < w; i++) part[i] += r[i];
            }
            for (long i = 0; i < w; i++) y[i] += part[i];
        }
    }
}

typedef struct {
    const T *x; // the rows of one (o, column block): mid rows of w values, row stride inner
    T *part;    // one partial sum of w values per group of MCLCK_RED_RB rows
    long mid, inner, w;
} SFX(group_ctx);

/// Partial sums of the row groups [b, e) (the same arithmetic as sum_cols_task).
static void SFX(sum_groups_task)(void *p, long b, long e)
{
    SFX(group_ctx) *c = p;
    for (long q = b; q < e; q++) {
        long m0 = q * MCLCK_RED_RB, m1 = m0 + MCLCK_RED_RB < c->mid ? m0 + MCLCK_RED_RB : c->mid;
        const T *r = c->x + m0 * c->inner;
        T *part = c->part + q * c->w;
        for (long i = 0; i < c->w; i++) part[i] = r[i];
        for (long m = m0 + 1; m < m1; m++) {
            r += c->inner;
            for (long i = 0; i < c->w; i++) part[i] += r[i];
        }
    }
}

/// sum_cols_task for few, tall column blocks (such as bias gradients, [rows, channels] summed
/// over rows): the group partials of each block are computed in parallel, then added in group
/// order, so the result is bit for bit that of sum_cols_task. Returns 0 without computing
/// anything if the scratch buffer cannot be allocated.
static int SFX(sum_cols_tall)(SFX(red_ctx) *c)
{
    long groups = (c->mid + MCLCK_RED_RB - 1) / MCLCK_RED_RB;
    long wmax = c->inner < MCLCK_RED_IB ? c->inner : MCLCK_RED_IB;
    T *part = mcl_thread_buffer(MCL_TBUF_FREE, sizeof(T) * (size_t)(groups * wmax));
    if (part == NULL) return 0;
    for (long t = 0; t < c->outer * c->nib; t++) {
        long o = t / c->nib, i0 = (t % c->nib) * MCLCK_RED_IB;
        long w = c->inner - i0 < MCLCK_RED_IB ? c->inner - i0 : MCLCK_RED_IB;
        SFX(group_ctx) g = {c->x + o * c->mid * c->inner + i0, part, c->mid, c->inner, w};
        long grain = (1L << 15) / (MCLCK_RED_RB * w);
        mclck_run(groups, grain < 1 ? 1 : grain, SFX(sum_groups_task), &g);
        T *y = c->y + o * c->inner + i0;
        for (long i = 0; i < w; i++) y[i] = 0;
        for (long q = 0; q < groups; q++)
            for (long i = 0; i < w; i++) y[i] += part[q * w + i];
    }
    return 1;
}

/// y[o, i] = sum over m of x[o, m, i] (mid == 0 gives 0).
void PUB(reduce_sum)(const T *x, long outer, long mid, long inner, T *y)
{
    if (outer <= 0 || inner <= 0) return;
    if (mid <= 0) {
        memset(y, 0, (size_t)(outer * inner) * sizeof(T));
        return;
    }
    SFX(red_ctx) c = {x, y, NULL, outer, mid, inner, (inner + MCLCK_RED_IB - 1) / MCLCK_RED_IB};
    if (inner == 1) {
        long g = (1L << 15) / mid;
        mclck_run(outer, g < 1 ? 1 : g, SFX(sum_rows_task), &c);
    } else {
        long w = inner < MCLCK_RED_IB ? inner : MCLCK_RED_IB, g = (1L << 15) / (mid * w);
        // Fewer column blocks than threads, each long enough to share: split the rows instead.
        if (outer * c.nib < mcl_get_num_threads() && mid * w >= (1L << 16) && SFX(sum_cols_tall)(&c)) return;
        mclck_run(outer * c.nib, g < 1 ? 1 : g, SFX(sum_cols_task), &c);
    }
}

/// Max of x[0..n) (n >= 1) and the first index attaining it; a NaN wins (first NaN).
static T SFX(max_contig)(const T *x, long n, int64_t *at)
{
    T acc[8];
    int bad[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int l = 0; l < 8; l++) acc[l] = x[0];
    long i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) {
            T v = x[i + l];
            acc[l] = v > acc[l] ? v : acc[l];
            bad[l] |= v != v;
        }
    T m = acc[0];
    int anynan = 0;
    for (int l = 0; l < 8; l++) {
        m = acc[l] > m ? acc[l] : m;
        anynan |= bad[l];
    }
    for (; i < n; i++) {
        m = x[i] > m ? x[i] : m;
        anynan |= x[i] != x[i];
    }
    for (long k = 0; k < n; k++)
        if (anynan ? x[k] != x[k] : x[k] == m) {
            if (at) *at = k;
            return x[k];
        }
    if (at) *at = 0;
    return m;
}

/// inner == 1: y[o] = max of row o (and its first index), for rows [b, e).
static void SFX(max_rows_task)(void *p, long b, long e)
{
    SFX(red_ctx) *c = p;
    for (long o = b; o < e; o++) c->y[o] = SFX(max_contig)(c->x + o * c->mid, c->mid, c->idx ? c->idx + o : NULL);
}

/// inner > 1: task t = (o, column block); running max over m with strict '>' (first maximum
/// kept) and NaN taking over a non-NaN.
static void SFX(max_cols_task)(void *p, long b, long e)
{
    SFX(red_ctx) *c = p;
    for (long t = b; t < e; t++) {
        long o = t / c->nib, i0 = (t % c->nib) * MCLCK_RED_IB;
        long w = c->inner - i0 < MCLCK_RED_IB ? c->inner - i0 : MCLCK_RED_IB;
        const T *x = c->x + o * c->mid * c->inner + i0;
        T *y = c->y + o * c->inner + i0;
        int64_t *ix = c->idx ? c->idx + o * c->inner + i0 : NULL;
        for (long i = 0; i < w; i++) y[i] = x[i];
        if (ix) {
            for (long i = 0; i < w; i++) ix[i] = 0;
            for (long m = 1; m < c->mid; m++) {
                const T *r = x + m * c->inner;
                for (long i = 0; i < w; i++) {
                    T v = r[i], cur = y[i];
                    int take = v > cur || (v != v && cur == cur);
                    y[i] = take ? v : cur;
                    ix[i] = take ? m : ix[i];
                }
            }
        } else {
            for (long m = 1; m < c->mid; m++) {
                const T *r = x + m * c->inner;
                for (long i = 0; i < w; i++) {
                    T v = r[i], cur = y[i];
                    y[i] = (v > cur || (v != v && cur == cur)) ? v : cur;
                }
            }
        }
    }
}

/// y[o, i] = max over m of x[o, m, i]; idx (optional) = first m attaining it. NaN propagates
/// (idx = first NaN). mid == 0 gives -inf and idx -1.
void PUB(reduce_max)(const T *x, long outer, long mid, long inner, T *y, int64_t *idx)
{
    if (outer <= 0 || inner <= 0) return;
    if (mid <= 0) {
        for (long k = 0; k < outer * inner; k++) {
            y[k] = -(T)INFINITY;
            if (idx) idx[k] = -1;
        }
        return;
    }
    SFX(red_ctx) c = {x, y, idx, outer, mid, inner, (inner + MCLCK_RED_IB - 1) / MCLCK_RED_IB};
    if (inner == 1) {
        long g = (1L << 15) / mid;
        mclck_run(outer, g < 1 ? 1 : g, SFX(max_rows_task), &c);
    } else {
        long w = inner < MCLCK_RED_IB ? inner : MCLCK_RED_IB, g = (1L << 15) / (mid * w);
        mclck_run(outer * c.nib, g < 1 ? 1 : g, SFX(max_cols_task), &c);
    }
}
