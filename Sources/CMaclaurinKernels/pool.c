// pool.c: NHWC max pooling (with argmax), average pooling and its adjoint, gather and
// scatter_add, for float and double (per-type code in pool_tmpl.h). No padding.
//
// Pooling works on whole channel rows (C contiguous values), so the inner loops vectorise over c.
// avgpool2d_backward is a gather per input row (n, ih), deterministic and race-free like col2im.
// scatter_add runs serially (indices may repeat; a fixed order keeps it deterministic).
#include "ck_internal.h"
#include <string.h>

typedef struct {
    long N, H, W, C, KH, KW, SH, SW, OH, OW;
} pool_geom;

#define T float
#define SFX(name) name##_f
#define PUB(name) mcl_s_##name
#include "pool_tmpl.h"
#undef T
#undef SFX
#undef PUB

#define T double
#define SFX(name) name##_d
#define PUB(name) mcl_d_##name
#include "pool_tmpl.h"
#undef T
#undef SFX
#undef PUB
