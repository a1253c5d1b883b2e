// conv.c: im2col and its adjoint col2im for NHWC tensors, for float and double (per-type code in
// conv_tmpl.h). Column layout: cols[(n*OH + oh)*OW + ow, (kh*KW + kw)*C + c].
//
// im2col copies, for each output pixel and kh, the contiguous run of the input row under the
// window; pieces of rows are handed out dynamically. (Non-temporal stores for large column
// matrices measured no faster on the 2-core development machine.)
//
// col2im streams the column matrix once, in order: each column row (n, oh, ow) is added, one
// kh at a time, to the contiguous run of dx it came from. Work is split into bands of output
// rows of one image (one band per image when there are enough images). Bands of the same
// parity never touch the same dx row, so the even bands run in parallel (each first zeroing
// the dx rows it owns and those of the next band), then the odd bands. Every dx element thus
// receives its contributions in an order fixed by the geometry alone: deterministic, race-free
// and independent of the thread count.
#include "ck_internal.h"
#include "mcl_runtime.h"
#include <string.h>


/// Geometry shared by the kernels of this file.
typedef struct {
    long N, H, W, C, KH, KW, SH, SW, PH, PW, OH, OW;
} conv_geom;

/// The range [*k0, *k1) of kernel offsets k in [0, K) for which o*S - P + k lies in [0, L).
static void conv_valid(long o, long S, long P, long K, long L, long *k0, long *k1)
{
    long base = o * S - P;
    long lo = base < 0 ? -base : 0, hi = L - base;
    if (hi > K) hi = K;
    if (hi < 0) hi = 0;
    if (lo > hi) lo = hi;
    *k0 = lo;
    *k1 = hi;
}

/// The col2im bands: height bh (output rows) and count nb per image. One band per image when
/// there are enough images to share; else about 8 per image, each at least ceil(KH / SH) rows
/// high so that bands two apart never reach the same input row.
static void col2im_bands(const conv_geom *g, long *bh, long *nb)
{
    *bh = g->OH;
    if (g->N < 8) {
        long least = (g->KH + g->SH - 1) / g->SH, even = (g->OH + 7) / 8;
        *bh = least > even ? least : even;
        if (*bh < 1) *bh = 1;
    }
    *nb = (g->OH + *bh - 1) / *bh;
}

/// The first input row owned by band b (0 <= b <= nb): band b zeroes, before anything is added,
/// the rows from band_row(b) to band_row(b + 1); the last band owns the rows down to H.
static long band_row(const conv_geom *g, long bh, long nb, long b)
{
    if (b <= 0) return 0;
    if (b >= nb) return g->H;
    long r = b * bh * g->SH - g->PH;
    return r < 0 ? 0 : (r > g->H ? g->H : r);
}

#define MCLCK_TEMPLATE "conv_tmpl.h"
#include "ck_instantiate.h"
