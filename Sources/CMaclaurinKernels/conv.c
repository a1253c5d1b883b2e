// conv.c: im2col and its adjoint col2im for NHWC tensors, for float and double (per-type code in
// conv_tmpl.h). Column layout: cols[(n*OH + oh)*OW + ow, (kh*KW + kw)*C + c].
//
// col2im is written as a gather per input row (n, ih): every element of dx is owned by one task
// and receives its contributions in the fixed order (kh, kw), so it is deterministic and threads
// never write the same memory.
#include "ck_internal.h"
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

#define T float
#define SFX(name) name##_f
#define PUB(name) mcl_s_##name
#include "conv_tmpl.h"
#undef T
#undef SFX
#undef PUB

#define T double
#define SFX(name) name##_d
#define PUB(name) mcl_d_##name
#include "conv_tmpl.h"
#undef T
#undef SFX
#undef PUB
