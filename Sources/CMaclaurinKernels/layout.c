// layout.c: general axis permutation (up to 8 axes). A permutation only moves bits, so it is
// written once per element size (4 and 8 bytes, layout_tmpl.h) and mcl_s_/mcl_d_permute are thin
// wrappers.
//
// Plan: the output is walked in its own (dense) order with source strides; extent-1 axes are
// dropped and output-adjacent axes that are also adjacent in the source are merged. Then either
//  - the innermost output axis is contiguous in the source too: rows are copied with memcpy, or
//  - it is not: the innermost output axis and the source's contiguous axis form a 2-D transpose,
//    done in 32 x 32 cache blocks, repeated over the remaining ("batch") axes; with AVX2 each block
//    is moved as 8x8 (4-byte) or 4x4 (8-byte) register transposes (transpose_avx2.c).
#include "ck_internal.h"
#include <string.h>

#define MCLCK_PERM_MAXDIM 8
/// Side of the square blocks of the blocked transpose (elements).
#define MCLCK_PERM_BS 32L

/// The simplified permutation problem: output extents ext[0..nd) (dense, row-major) and the source
/// element stride of each output axis.
typedef struct {
    int nd;
    long ext[MCLCK_PERM_MAXDIM], src[MCLCK_PERM_MAXDIM];
} perm_plan;

/// Builds the plan for y = transpose(x, perm); returns 0 when there is nothing to copy.
static int perm_plan_make(const long *shape, const int *perm, int ndim, perm_plan *p)
{
    long xstride[MCLCK_PERM_MAXDIM], s = 1;
    for (int k = ndim - 1; k >= 0; k--) {
        if (shape[k] <= 0) return 0;
        xstride[k] = s;
        s *= shape[k];
    }
    int m = 0;
    for (int k = 0; k < ndim; k++) {
        long e = shape[perm[k]], st = xstride[perm[k]];
        if (e == 1) continue;
        if (m > 0 && p->src[m - 1] == st * e) {
            p->ext[m - 1] *= e;
            p->src[m - 1] = st;
        } else {
            p->ext[m] = e;
            p->src[m] = st;
            m++;
        }
    }
    if (m == 0) {
        p->ext[0] = 1;
        p->src[0] = 1;
        m = 1;
    }
    p->nd = m;
    return 1;
}

/// Element types that may alias float / double storage.
typedef uint32_t __attribute__((may_alias)) mclck_u32a;
typedef uint64_t __attribute__((may_alias)) mclck_u64a;

#define U mclck_u32a
#define SFX(name) name##_4
#include "layout_tmpl.h"
#undef U
#undef SFX

#define U mclck_u64a
#define SFX(name) name##_8
#include "layout_tmpl.h"
#undef U
#undef SFX

/// y = transpose(x, perm) for float.
void mcl_s_permute(const float *x, const long *shape, const int *perm, int ndim, float *y)
{
    _Static_assert(sizeof(float) == 4, "float must be 4 bytes");
    permute_4((const mclck_u32a *)(const void *)x, shape, perm, ndim, (mclck_u32a *)(void *)y);
}

/// y = transpose(x, perm) for double.
void mcl_d_permute(const double *x, const long *shape, const int *perm, int ndim, double *y)
{
    _Static_assert(sizeof(double) == 8, "double must be 8 bytes");
    permute_8((const mclck_u64a *)(const void *)x, shape, perm, ndim, (mclck_u64a *)(void *)y);
}
