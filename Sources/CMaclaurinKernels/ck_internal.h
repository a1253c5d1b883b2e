// ck_internal.h: helpers shared by the elementwise, reduction, layout, convolution, pooling and
// jet kernels of this target. Not part of the public API (lives outside include/).
#ifndef MCL_CK_INTERNAL_H
#define MCL_CK_INTERNAL_H

#include "maclaurin_kernels.h"
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#define MCLCK_X86 1
/// Attribute for functions compiled for AVX2+FMA (called only when mclck_use_avx2() != 0).
#define MCLCK_AVX2 __attribute__((target("avx2,fma")))
#else
#define MCLCK_X86 0
#define MCLCK_AVX2
#endif

/// 1 when the CPU has AVX2+FMA (and the OS saves ymm state) and MCL_ISA is not "portable".
/// The environment is read once, on the first call.
int mclck_use_avx2(void);

/// Runs fn(ctx, begin, end) over [0, n): directly on the calling thread when the range is small
/// (n < 2 * grain) or only one thread is allowed, else through mcl_parallel_for.
static inline void mclck_run(long n, long grain, void (*fn)(void *, long, long), void *ctx)
{
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    if (n < 2 * grain || mcl_get_num_threads() <= 1) {
        fn(ctx, 0, n);
        return;
    }
    mcl_parallel_for(n, grain, fn, ctx);
}

#if MCLCK_X86
// AVX2+FMA float math (vmath_avx2.c). Any n >= 0; x and y may alias. Every element is computed by
// the same vector code (tails go through a padded vector), so results do not depend on how a
// range is split. Accuracy (measured by the tests): exp, log about 1 ulp; tanh, sigmoid, softplus
// about 2 ulp.
void mclck_avx2_exp_f(const float *x, float *y, long n);
void mclck_avx2_tanh_f(const float *x, float *y, long n);
void mclck_avx2_sigmoid_f(const float *x, float *y, long n);
void mclck_avx2_log_f(const float *x, float *y, long n);
void mclck_avx2_softplus_f(const float *x, float *y, long n);
/// y = softplus(x), s = sigmoid(x), w = sigmoid(x) * sigmoid(-x) (one exp per element).
void mclck_avx2_softplus_sw_f(const float *x, float *y, float *s, float *w, long n);
/// y = tanh(x) and z = 1 - tanh(x)^2 (= sech^2 x, computed without cancellation).
void mclck_avx2_tanh_sech2_f(const float *x, float *y, float *z, long n);
/// s = sigmoid(x) and w = sigmoid(x) * sigmoid(-x) (computed without cancellation).
void mclck_avx2_sigmoid_w_f(const float *x, float *s, float *w, long n);
// AVX2+FMA double versions (vmath_avx2_d.c), same contracts; about 1 ulp (exp), 1-2 ulp (tanh,
// sigmoid).
void mclck_avx2_exp_d(const double *x, double *y, long n);
void mclck_avx2_tanh_d(const double *x, double *y, long n);
void mclck_avx2_sigmoid_d(const double *x, double *y, long n);
void mclck_avx2_tanh_sech2_d(const double *x, double *y, double *z, long n);
void mclck_avx2_sigmoid_w_d(const double *x, double *s, double *w, long n);

/// dst[r + c*dq] = src[r*sr + c] for r < rows, c < cols (transpose_avx2.c), for 4- and 8-byte
/// elements (bit-exact moves).
void mclck_avx2_transpose_4(const void *src, long sr, void *dst, long dq, long rows, long cols);
void mclck_avx2_transpose_8(const void *src, long sr, void *dst, long dq, long rows, long cols);
#endif

#endif
