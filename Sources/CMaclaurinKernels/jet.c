// jet.c: Taylor-mode (jet) kernels: mcl_*_jet_unary (exp, log, tanh, sigmoid, sin, cos,
// softplus, sqrt, reciprocal) and mcl_*_jet_mul (Cauchy product).
//
// Layout (see the header): primal x0[n]; normalised coefficients xs[(k-1)*D*n + d*n + i],
// k = 1..K, for D directions sharing the primal.
//
// Method: the O(K^2) recurrences of Griewank & Walther, "Evaluating Derivatives", ch. 13, derived
// from an ODE satisfied by f (recurrences in jet_tmpl.h). The work is organised in tiles of up to
// 256 elements (fewer when K is large):
//   primal (and auxiliary primal values) of the tile, computed once for all directions;
//   for each direction d:
//     copy the K coefficient rows of the tile into a local scratch (so the power-of-two strides
//       between coefficient rows in memory never cause cache-set conflicts),
//     run the recurrence for k = 1..K, each step over the tile's lane groups of 64 bytes (16 floats
//       / 8 doubles) as whole vectors, with the O(k) sum of one lane group in registers,
//     copy the K output rows out.
// Scratch lives in a 24 KB stack buffer (heap only for K > 32 or when one lane group per tile
// does not fit). Every lane does the same arithmetic whatever the split over threads or tiles.
// The code is written once (jet_tmpl.h) with GCC vector types and instantiated four times:
// float/double x portable/AVX2+FMA (the compiler maps the vector type to SSE2 or AVX2 registers).
// With AVX2 the primal of exp/tanh/sigmoid (and for float log/softplus) uses the vector math of
// vmath_avx2*.c; otherwise libm, once per element per call (not per direction).
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE 1 /* sincos / sincosf */
#endif
#include "ck_internal.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GLIBC__)
#define MCLCK_HAVE_SINCOS 1
#else
#define MCLCK_HAVE_SINCOS 0
#endif

/// Largest tile (elements).
#define MCLCK_JET_TILE 256
/// Bytes of stack scratch per task (5 arrays of K+1 rows of a tile); fits L1 with room to spare.
#define MCLCK_JET_SCRATCH 24576
/// Largest K whose 1/k table is on the stack (larger K: heap).
#define MCLCK_JET_KSTACK 32
/// Bytes per vector of the recurrences (several independent FMA chains per vector).
#ifndef MCLCK_JET_VB
#define MCLCK_JET_VB 128
#endif

/// Arguments of a jet kernel call, shared by every instantiation (pointers untyped).
typedef struct {
    int op, K;
    const void *a0, *as, *b0, *bs;
    long n, D;
    void *y0, *ys;
} jet_ctx;

/// Elements per parallel chunk: about 2^16 multiply-adds of recurrence work, at least a tile.
static long jet_grain(long D, int K)
{
    long work = 4 + D * (2 + (long)K * (K + 1));
    long g = (1L << 16) / work;
    return g < MCLCK_JET_TILE ? MCLCK_JET_TILE : g;
}

#define MCLCK_JET_AVX2_PRIMAL 0
#define MCLCK_JET_AVX2_LOG 0
#define TGT
#define T float
#define M(fn) fn##f
#define SFX(name) name##_f_port
#include "jet_tmpl.h"
#undef SFX
#undef M
#undef T

#define T double
#define M(fn) fn
#define SFX(name) name##_d_port
#include "jet_tmpl.h"
#undef SFX
#undef M
#undef T
#undef TGT
#undef MCLCK_JET_AVX2_PRIMAL
#undef MCLCK_JET_AVX2_LOG

#if MCLCK_X86
#define TGT MCLCK_AVX2
#define MCLCK_JET_AVX2_PRIMAL 1
#define MCLCK_JET_AVX2_LOG 1
#define T float
#define M(fn) fn##f
#define VM(fn) mclck_avx2_##fn##_f
#define SFX(name) name##_f_avx2
#include "jet_tmpl.h"
#undef SFX
#undef VM
#undef M
#undef T
#undef MCLCK_JET_AVX2_LOG

#define MCLCK_JET_AVX2_LOG 0
#define T double
#define M(fn) fn
#define VM(fn) mclck_avx2_##fn##_d
#define SFX(name) name##_d_avx2
#include "jet_tmpl.h"
#undef SFX
#undef VM
#undef M
#undef T
#undef MCLCK_JET_AVX2_LOG
#undef MCLCK_JET_AVX2_PRIMAL
#undef TGT
#define MCLCK_PICK(name, T) (mclck_use_avx2() ? name##_##T##_avx2 : name##_##T##_port)
#else
#define MCLCK_PICK(name, T) name##_##T##_port
#endif

/// Float jet of y = f(x) (mcl_jet_op) for all K coefficients and D directions.
void mcl_s_jet_unary(int op, const float *x0, const float *xs, long n, long D, int K, float *y0, float *ys)
{
    if (n <= 0 || op < MCL_JET_EXP || op > MCL_JET_RECIPROCAL) return;
    jet_ctx c = {op, K < 0 ? 0 : K, x0, xs, NULL, NULL, n, D < 0 ? 0 : D, y0, ys};
    mclck_run(n, jet_grain(c.D, c.K), MCLCK_PICK(jet_unary_task, f), &c);
}

/// Double jet of y = f(x) (mcl_jet_op) for all K coefficients and D directions.
void mcl_d_jet_unary(int op, const double *x0, const double *xs, long n, long D, int K, double *y0,
                     double *ys)
{
    if (n <= 0 || op < MCL_JET_EXP || op > MCL_JET_RECIPROCAL) return;
    jet_ctx c = {op, K < 0 ? 0 : K, x0, xs, NULL, NULL, n, D < 0 ? 0 : D, y0, ys};
    mclck_run(n, jet_grain(c.D, c.K), MCLCK_PICK(jet_unary_task, d), &c);
}

/// Float Cauchy product y = a * b of two jets: y_k = sum_{j=0..k} a_j b_{k-j}.
void mcl_s_jet_mul(const float *a0, const float *as, const float *b0, const float *bs, long n, long D, int K,
                   float *y0, float *ys)
{
    if (n <= 0) return;
    jet_ctx c = {0, K < 0 ? 0 : K, a0, as, b0, bs, n, D < 0 ? 0 : D, y0, ys};
    mclck_run(n, jet_grain(c.D, c.K), MCLCK_PICK(jet_mul_task, f), &c);
}

/// Double Cauchy product y = a * b of two jets: y_k = sum_{j=0..k} a_j b_{k-j}.
void mcl_d_jet_mul(const double *a0, const double *as, const double *b0, const double *bs, long n, long D,
                   int K, double *y0, double *ys)
{
    if (n <= 0) return;
    jet_ctx c = {0, K < 0 ? 0 : K, a0, as, b0, bs, n, D < 0 ? 0 : D, y0, ys};
    mclck_run(n, jet_grain(c.D, c.K), MCLCK_PICK(jet_mul_task, d), &c);
}
