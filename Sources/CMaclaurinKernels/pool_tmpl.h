// pool_tmpl.h: per-type body of pool.c (T, SFX(name), PUB(name) defined by the includer).

typedef struct {
    pool_geom g;
    const T *src;
    T *dst;
    int64_t *arg;
} SFX(pool_ctx);

/// Portable max pooling of channels [c0, C) of output pixels [b, e): start from the window's
/// first element, then take a later element only if strictly greater (first maximum in (kh, kw)
/// order) or NaN over non-NaN. The winning window position is tracked per channel and turned into
/// the flat input index at the end.
static void SFX(maxpool_rows)(const pool_geom *g, const T *src, T *dst, int64_t *arg, long b, long e, long c0)
{
    enum { CB = 64 }; // channels per block (the running maxima stay in registers / L1)
    const long C = g->C, KK = g->KH * g->KW;
    for (long r = b; r < e; r++) {
        long ow = r % g->OW, t = r / g->OW, oh = t % g->OH, n = t / g->OH;
        long base = ((n * g->H + oh * g->SH) * g->W + ow * g->SW) * C;
        for (long ch0 = c0; ch0 < C; ch0 += CB) {
            long w = C - ch0 < CB ? C - ch0 : CB;
            T best[CB];
            int32_t pos[CB];
            const T *x = src + base + ch0;
            for (long ch = 0; ch < w; ch++) best[ch] = x[ch], pos[ch] = 0;
            for (long p = 1; p < KK; p++) {
                const T *xp = x + (p / g->KW * g->W + p % g->KW) * C;
                for (long ch = 0; ch < w; ch++) {
                    T v = xp[ch], cur = best[ch];
                    int take = (v > cur) | ((v != v) & (cur == cur)); // no branches: selects
                    best[ch] = take ? v : cur;
                    pos[ch] = take ? (int32_t)p : pos[ch];
                }
            }
            T *y = dst + r * C + ch0;
            int64_t *am = arg + r * C + ch0;
            for (long ch = 0; ch < w; ch++) {
                long p = pos[ch];
                y[ch] = best[ch];
                am[ch] = base + ch0 + ch + (p / g->KW * g->W + p % g->KW) * C;
            }
        }
    }
}

/// mcl_parallel_dynamic body: max pooling of output pixels [b, e).
static void SFX(maxpool_task)(void *ctx, long b, long e)
{
    SFX(pool_ctx) *c = ctx;
    long done = SFX(maxpool_fast)(&c->g, c->src, c->dst, c->arg, b, e);
    if (done < c->g.C) SFX(maxpool_rows)(&c->g, c->src, c->dst, c->arg, b, e, done);
}

/// y[N,OH,OW,C] = max over each KH x KW window of x[N,H,W,C]; argmax = flat index into x.
void PUB(maxpool2d)(const T *x, long N, long H, long W, long C, long KH, long KW, long SH, long SW, long OH,
                    long OW, T *y, int64_t *argmax)
{
    if (N <= 0 || OH <= 0 || OW <= 0 || C <= 0 || KH <= 0 || KW <= 0) return;
    SFX(pool_ctx) c = {{N, H, W, C, KH, KW, SH, SW, OH, OW}, x, y, argmax};
    long pixels = N * OH * OW, g = (1L << 14) / (KH * KW * C);
    if (g < 1) g = 1;
    if (pixels < 2 * g) SFX(maxpool_task)(&c, 0, pixels);
    else mcl_parallel_dynamic(pixels, g, mcl_get_num_threads(), SFX(maxpool_task), &c);
}

/// Average pooling for output pixels [b, e): window sum in (kh, kw) order, divided by KH*KW.
static void SFX(avgpool_task)(void *ctx, long b, long e)
{
    SFX(pool_ctx) *c = ctx;
    const pool_geom *g = &c->g;
    long C = g->C;
    T cnt = (T)(g->KH * g->KW);
    for (long r = b; r < e; r++) {
        long ow = r % g->OW, t = r / g->OW, oh = t % g->OH, n = t / g->OH;
        T *y = c->dst + r * C;
        long base = ((n * g->H + oh * g->SH) * g->W + ow * g->SW) * C;
        for (long ch = 0; ch < C; ch++) y[ch] = 0;
        for (long kh = 0; kh < g->KH; kh++)
            for (long kw = 0; kw < g->KW; kw++) {
                const T *x = c->src + base + (kh * g->W + kw) * C;
                for (long ch = 0; ch < C; ch++) y[ch] += x[ch];
            }
        for (long ch = 0; ch < C; ch++) y[ch] /= cnt;
    }
}

/// y[N,OH,OW,C] = mean over each KH x KW window of x[N,H,W,C].
void PUB(avgpool2d)(const T *x, long N, long H, long W, long C, long KH, long KW, long SH, long SW, long OH,
                    long OW, T *y)
{
    if (N <= 0 || OH <= 0 || OW <= 0 || C <= 0 || KH <= 0 || KW <= 0) return;
    SFX(pool_ctx) c = {{N, H, W, C, KH, KW, SH, SW, OH, OW}, x, y, NULL};
    long g = (1L << 14) / (KH * KW * C);
    mclck_run(N * OH * OW, g < 1 ? 1 : g, SFX(avgpool_task), &c);
}

/// avgpool backward for input rows [b, e) (one per (n, ih)): zero the row, then for kh ascending
/// (ih = oh*SH + kh, oh in range) and kw ascending, add dy[n,oh,ow,:] / (KH*KW) at
/// iw = ow*SW + kw for every ow in range.
static void SFX(avgpool_bwd_task)(void *ctx, long b, long e)
{
    SFX(pool_ctx) *c = ctx;
    const pool_geom *g = &c->g;
    long C = g->C;
    T inv = (T)1 / (T)(g->KH * g->KW);
    for (long r = b; r < e; r++) {
        long ih = r % g->H, n = r / g->H;
        T *dx = c->dst + r * g->W * C;
        memset(dx, 0, (size_t)(g->W * C) * sizeof(T));
        for (long kh = 0; kh < g->KH; kh++) {
            long th = ih - kh;
            if (th < 0 || th % g->SH) continue;
            long oh = th / g->SH;
            if (oh >= g->OH) continue;
            const T *dyrow = c->src + (n * g->OH + oh) * g->OW * C;
            for (long kw = 0; kw < g->KW; kw++) {
                long ow1 = g->W - kw <= 0 ? 0 : (g->W - kw + g->SW - 1) / g->SW; // ow*SW + kw < W
                if (ow1 > g->OW) ow1 = g->OW;
                for (long ow = 0; ow < ow1; ow++) {
                    T *d = dx + (ow * g->SW + kw) * C;
                    const T *s = dyrow + ow * C;
                    for (long ch = 0; ch < C; ch++) d[ch] += s[ch] * inv;
                }
            }
        }
    }
}

/// dx[N,H,W,C] = adjoint of avgpool2d applied to dy[N,OH,OW,C] (dx overwritten).
void PUB(avgpool2d_backward)(const T *dy, long N, long H, long W, long C, long KH, long KW, long SH, long SW,
                             long OH, long OW, T *dx)
{
    if (N <= 0 || H <= 0 || W <= 0 || C <= 0) return;
    SFX(pool_ctx) c = {{N, H, W, C, KH, KW, SH, SW, OH, OW}, dy, dx, NULL};
    long g = (1L << 14) / (W * C * (KH > 0 ? KH : 1));
    mclck_run(N * H, g < 1 ? 1 : g, SFX(avgpool_bwd_task), &c);
}

typedef struct {
    const T *x;
    const int64_t *idx;
    T *y;
} SFX(gather_ctx);

/// Parallel task: elements [b, e) of gather.
static void SFX(gather_task)(void *ctx, long b, long e)
{
    SFX(gather_ctx) *c = ctx;
    for (long i = b; i < e; i++) c->y[i] = c->x[c->idx[i]];
}

/// y[i] = x[idx[i]] for i < n.
void PUB(gather)(const T *x, const int64_t *idx, long n, T *y)
{
    SFX(gather_ctx) c = {x, idx, y};
    mclck_run(n, 1L << 15, SFX(gather_task), &c);
}

/// dx[idx[i]] += dy[i] for i = 0..n-1 in order (dx not cleared; repeated indices accumulate).
/// Serial: proving that pieces of an arbitrary index list never meet costs an extra pass over it,
/// which is as much as the scatter itself (pieces of a pooling argmax cut mid-row overlap in
/// range even though no element repeats), so on 2 cores splitting does not pay.
void PUB(scatter_add)(const T *dy, const int64_t *idx, long n, T *dx)
{
    for (long i = 0; i < n; i++) dx[idx[i]] += dy[i];
}
