// pool_tmpl.h: per-type body of pool.c (T, SFX(name), PUB(name) defined by the includer).

typedef struct {
    pool_geom g;
    const T *src;
    T *dst;
    int64_t *arg;
} SFX(pool_ctx);

/// Max pooling for output pixels [b, e): start from the window's first element, then take a
/// later element only if strictly greater (first maximum in (kh, kw) order) or NaN over non-NaN.
static void SFX(maxpool_task)(void *ctx, long b, long e)
{
    SFX(pool_ctx) *c = ctx;
    const pool_geom *g = &c->g;
    long C = g->C;
    for (long r = b; r < e; r++) {
        long ow = r % g->OW, t = r / g->OW, oh = t % g->OH, n = t / g->OH;
        T *y = c->dst + r * C;
        int64_t *am = c->arg + r * C;
        long base = ((n * g->H + oh * g->SH) * g->W + ow * g->SW) * C;
        for (long ch = 0; ch < C; ch++) {
            y[ch] = c->src[base + ch];
            am[ch] = base + ch;
        }
        for (long kh = 0; kh < g->KH; kh++)
            for (long kw = 0; kw < g->KW; kw++) {
                if (kh == 0 && kw == 0) continue;
                long off = base + (kh * g->W + kw) * C;
                const T *x = c->src + off;
                for (long ch = 0; ch < C; ch++) {
                    T v = x[ch], cur = y[ch];
                    int take = v > cur || (v != v && cur == cur);
                    y[ch] = take ? v : cur;
                    am[ch] = take ? off + ch : am[ch];
                }
            }
    }
}

/// y[N,OH,OW,C] = max over each KH x KW window of x[N,H,W,C]; argmax = flat index into x.
void PUB(maxpool2d)(const T *x, long N, long H, long W, long C, long KH, long KW, long SH, long SW, long OH,
                    long OW, T *y, int64_t *argmax)
{
    if (N <= 0 || OH <= 0 || OW <= 0 || C <= 0 || KH <= 0 || KW <= 0) return;
    SFX(pool_ctx) c = {{N, H, W, C, KH, KW, SH, SW, OH, OW}, x, y, argmax};
    long g = (1L << 14) / (KH * KW * C);
    mclck_run(N * OH * OW, g < 1 ? 1 : g, SFX(maxpool_task), &c);
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
void PUB(scatter_add)(const T *dy, const int64_t *idx, long n, T *dx)
{
    for (long i = 0; i < n; i++) dx[idx[i]] += dy[i];
}
