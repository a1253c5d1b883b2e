// conv_tmpl.h: per-type body of conv.c (T, SFX(name), PUB(name) defined by the includer).

typedef struct {
    conv_geom g;
    const T *src;
    T *dst;
} SFX(conv_ctx);

/// im2col rows [b, e) (one row per output pixel (n, oh, ow)). For a fixed kh the valid kw form
/// one contiguous run of the input row, copied with one memcpy; padding is zero-filled.
static void SFX(im2col_task)(void *ctx, long b, long e)
{
    SFX(conv_ctx) *c = ctx;
    const conv_geom *g = &c->g;
    long C = g->C, KWC = g->KW * C, rowlen = g->KH * KWC;
    for (long r = b; r < e; r++) {
        long ow = r % g->OW, t = r / g->OW, oh = t % g->OH, n = t / g->OH;
        T *out = c->dst + r * rowlen;
        long kw0, kw1, kh0, kh1;
        conv_valid(ow, g->SW, g->PW, g->KW, g->W, &kw0, &kw1);
        conv_valid(oh, g->SH, g->PH, g->KH, g->H, &kh0, &kh1);
        long iw0 = ow * g->SW - g->PW + kw0;
        for (long kh = 0; kh < g->KH; kh++) {
            T *o = out + kh * KWC;
            if (kh < kh0 || kh >= kh1 || kw0 >= kw1) {
                memset(o, 0, (size_t)KWC * sizeof(T));
                continue;
            }
            long ih = oh * g->SH - g->PH + kh;
            if (kw0 > 0) memset(o, 0, (size_t)(kw0 * C) * sizeof(T));
            memcpy(o + kw0 * C, c->src + ((n * g->H + ih) * g->W + iw0) * C, (size_t)((kw1 - kw0) * C) * sizeof(T));
            if (kw1 < g->KW) memset(o + kw1 * C, 0, (size_t)((g->KW - kw1) * C) * sizeof(T));
        }
    }
}

/// cols[N*OH*OW, KH*KW*C] = im2col of x[N,H,W,C] (zero padding PH top, PW left).
void PUB(im2col)(const T *x, long N, long H, long W, long C, long KH, long KW, long SH, long SW, long PH,
                 long PW, long OH, long OW, T *cols)
{
    if (N <= 0 || OH <= 0 || OW <= 0 || KH <= 0 || KW <= 0 || C <= 0) return;
    SFX(conv_ctx) c = {{N, H, W, C, KH, KW, SH, SW, PH, PW, OH, OW}, x, cols};
    long g = (1L << 14) / (KH * KW * C);
    mclck_run(N * OH * OW, g < 1 ? 1 : g, SFX(im2col_task), &c);
}

/// col2im rows [b, e) of dx (one row per (n, ih)): zero the row, then for kh (ascending) with
/// ih = oh*SH - PH + kh for an integer oh in range, and kw (ascending), add the column entries
/// of every ow whose window covers iw = ow*SW - PW + kw.
static void SFX(col2im_task)(void *ctx, long b, long e)
{
    SFX(conv_ctx) *c = ctx;
    const conv_geom *g = &c->g;
    long C = g->C, KWC = g->KW * C, rowlen = g->KH * KWC;
    for (long r = b; r < e; r++) {
        long ih = r % g->H, n = r / g->H;
        T *dx = c->dst + r * g->W * C;
        memset(dx, 0, (size_t)(g->W * C) * sizeof(T));
        for (long kh = 0; kh < g->KH; kh++) {
            long th = ih + g->PH - kh;
            if (th < 0 || th % g->SH) continue;
            long oh = th / g->SH;
            if (oh >= g->OH) continue;
            const T *crow = c->src + (n * g->OH + oh) * g->OW * rowlen + kh * KWC;
            for (long kw = 0; kw < g->KW; kw++) {
                long ow0, ow1; // ow with 0 <= ow*SW - PW + kw < W
                long lo = g->PW - kw, hi = g->W + g->PW - kw; // lo <= ow*SW < hi
                ow0 = lo <= 0 ? 0 : (lo + g->SW - 1) / g->SW;
                ow1 = hi <= 0 ? 0 : (hi + g->SW - 1) / g->SW;
                if (ow1 > g->OW) ow1 = g->OW;
                for (long ow = ow0; ow < ow1; ow++) {
                    T *d = dx + (ow * g->SW - g->PW + kw) * C;
                    const T *s = crow + ow * rowlen + kw * C;
                    for (long ch = 0; ch < C; ch++) d[ch] += s[ch];
                }
            }
        }
    }
}

/// dx[N,H,W,C] = col2im(cols), the adjoint of im2col (dx overwritten).
void PUB(col2im)(const T *cols, long N, long H, long W, long C, long KH, long KW, long SH, long SW, long PH,
                 long PW, long OH, long OW, T *dx)
{
    if (N <= 0 || H <= 0 || W <= 0 || C <= 0) return;
    SFX(conv_ctx) c = {{N, H, W, C, KH, KW, SH, SW, PH, PW, OH, OW}, cols, dx};
    long g = (1L << 14) / (W * C * (KH > 0 ? KH : 1) * (KW > 0 ? KW : 1));
    mclck_run(N * H, g < 1 ? 1 : g, SFX(col2im_task), &c);
}
