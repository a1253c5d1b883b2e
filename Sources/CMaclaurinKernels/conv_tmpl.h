// conv_tmpl.h: per-type body of conv.c (T, SFX(name), PUB(name) defined by the includer).

typedef struct {
    conv_geom g;
    const T *src;
    T *dst;
    long bh, nb, phase; // col2im: band height and count, and the parity of the bands being run
} SFX(conv_ctx);

/// im2col rows [b, e) (one row per output pixel (n, oh, ow)). For a fixed kh the valid kw form
/// one contiguous run of the input row, copied with one memcpy; padding is zero-filled.
static void SFX(im2col_task)(void *ctx, long b, long e)
{
    const SFX(conv_ctx) *c = ctx;
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

/// cols[N*OH*OW, KH*KW*C] = im2col of x[N,H,W,C] (zero padding PH top, PW left). Pieces of rows
/// are handed out dynamically.
void PUB(im2col)(const T *x, long N, long H, long W, long C, long KH, long KW, long SH, long SW, long PH,
                 long PW, long OH, long OW, T *cols)
{
    if (N <= 0 || OH <= 0 || OW <= 0 || KH <= 0 || KW <= 0 || C <= 0) return;
    SFX(conv_ctx) c = {{N, H, W, C, KH, KW, SH, SW, PH, PW, OH, OW}, x, cols, 0, 0, 0};
    long rows = N * OH * OW, g = (1L << 14) / (KH * KW * C);
    if (g < 1) g = 1;
    if (rows < 2 * g) SFX(im2col_task)(&c, 0, rows);
    else mcl_parallel_dynamic(rows, g, mcl_get_num_threads(), SFX(im2col_task), &c);
}

/// d[i] += s[i] for i < n.
static inline void SFX(add_run)(T *restrict d, const T *restrict s, long n)
{
    for (long i = 0; i < n; i++) d[i] += s[i];
}

/// col2im of band `band` of image n: in phase 0 first zeroes the dx rows it and the next band
/// own; then adds every column row of the band, in (oh, ow, kh) order, to dx.
static void SFX(col2im_band)(const SFX(conv_ctx) *c, long n, long band)
{
    const conv_geom *g = &c->g;
    const long C = g->C, rowlen = g->KH * g->KW * C, WC = g->W * C;
    T *dx = c->dst + n * g->H * WC;
    if (c->phase == 0) {
        long r0 = band_row(g, c->bh, c->nb, band), r1 = band_row(g, c->bh, c->nb, band + 2);
        if (r1 > r0) memset(dx + r0 * WC, 0, (size_t)((r1 - r0) * WC) * sizeof(T));
    }
    long oh0 = band * c->bh, oh1 = oh0 + c->bh < g->OH ? oh0 + c->bh : g->OH;
    for (long oh = oh0; oh < oh1; oh++) {
        long kh0, kh1;
        conv_valid(oh, g->SH, g->PH, g->KH, g->H, &kh0, &kh1);
        const T *crow = c->src + (n * g->OH + oh) * g->OW * rowlen;
        for (long ow = 0; ow < g->OW; ow++, crow += rowlen) {
            long kw0, kw1;
            conv_valid(ow, g->SW, g->PW, g->KW, g->W, &kw0, &kw1);
            if (kw0 >= kw1) continue;
            long iw0 = ow * g->SW - g->PW + kw0, len = (kw1 - kw0) * C;
            for (long kh = kh0; kh < kh1; kh++) {
                long ih = oh * g->SH - g->PH + kh;
                SFX(add_run)(dx + ih * WC + iw0 * C, crow + (kh * g->KW + kw0) * C, len);
            }
        }
    }
}

/// col2im work units [b, e) of the current phase: unit t is band 2 * (t % per) + phase of image
/// t / per, with per = the number of bands of that parity.
static void SFX(col2im_task)(void *ctx, long b, long e)
{
    const SFX(conv_ctx) *c = ctx;
    long per = (c->nb - c->phase + 1) / 2;
    for (long t = b; t < e; t++) SFX(col2im_band)(c, t / per, 2 * (t % per) + c->phase);
}

/// dx[N,H,W,C] = col2im(cols), the adjoint of im2col (dx overwritten).
void PUB(col2im)(const T *cols, long N, long H, long W, long C, long KH, long KW, long SH, long SW, long PH,
                 long PW, long OH, long OW, T *dx)
{
    if (N <= 0 || H <= 0 || W <= 0 || C <= 0) return;
    if (OH <= 0 || OW <= 0 || KH <= 0 || KW <= 0) { // nothing to add
        memset(dx, 0, (size_t)(N * H * W * C) * sizeof(T));
        return;
    }
    SFX(conv_ctx) c = {{N, H, W, C, KH, KW, SH, SW, PH, PW, OH, OW}, cols, dx, 0, 0, 0};
    col2im_bands(&c.g, &c.bh, &c.nb);
    // Serial below about 2^15 column values per thread.
    long nt = (N * OH * OW * KH * KW * C) >> 15;
    if (nt > mcl_get_num_threads()) nt = mcl_get_num_threads();
    for (c.phase = 0; c.phase < 2 && c.phase < c.nb; c.phase++) {
        long units = N * ((c.nb - c.phase + 1) / 2);
        mcl_parallel_dynamic(units, 1, nt, SFX(col2im_task), &c);
    }
}
