// elementwise.c: unary and broadcasting binary operations, axpby, scale_shift and powi, for float
// and double. The per-type code is in elementwise_tmpl.h, included once per precision; this file
// holds what does not depend on the element type.
#include "ck_internal.h"
#include <math.h>
#include <string.h>

#define MCLCK_MAXDIM 8

/// Simplifies a broadcast iteration space in place: drops extent-1 axes and merges adjacent axes
/// (outer p, inner i) when both operands can view them as one axis (stride[p] == stride[i] *
/// shape[i]). Returns the new number of axes (at least 1; a scalar becomes shape [1]).
/// The caller has checked that no extent is 0 and ndim <= MCLCK_MAXDIM.
static int coalesce_binary(long *shape, long *sa, long *sb, int nd)
{
    int m = 0;
    for (int k = 0; k < nd; k++) {
        if (shape[k] == 1) continue;
        if (m > 0 && sa[m - 1] == sa[k] * shape[k] && sb[m - 1] == sb[k] * shape[k]) {
            shape[m - 1] *= shape[k];
            sa[m - 1] = sa[k];
            sb[m - 1] = sb[k];
        } else {
            shape[m] = shape[k];
            sa[m] = sa[k];
            sb[m] = sb[k];
            m++;
        }
    }
    if (m == 0) {
        shape[0] = 1;
        sa[0] = sb[0] = 0;
        m = 1;
    }
    return m;
}

/// True for the unary ops that are a handful of instructions per element (memory bound); the
/// others call a transcendental function and are worth splitting over threads much earlier.
static int unary_is_cheap(int op)
{
    return !(op == MCL_EXP || op == MCL_LOG || op == MCL_TANH || op == MCL_SIGMOID ||
             op == MCL_SIN || op == MCL_COS || op == MCL_SOFTPLUS);
}

#define T float
#define SFX(name) name##_f
#define PUB(name) mcl_s_##name
#define M(fn) fn##f
#define VM(fn) mclck_avx2_##fn##_f
#define MCLCK_IS_FLOAT 1
#include "elementwise_tmpl.h"
#undef T
#undef SFX
#undef PUB
#undef M
#undef VM
#undef MCLCK_IS_FLOAT

#define T double
#define SFX(name) name##_d
#define PUB(name) mcl_d_##name
#define M(fn) fn
#define VM(fn) mclck_avx2_##fn##_d
#define MCLCK_IS_FLOAT 0
#include "elementwise_tmpl.h"
#undef T
#undef SFX
#undef PUB
#undef M
#undef VM
#undef MCLCK_IS_FLOAT
