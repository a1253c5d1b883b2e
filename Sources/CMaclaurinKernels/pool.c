// pool.c: NHWC max pooling (with argmax), average pooling and its adjoint, gather and
// scatter_add, for float and double (per-type code in pool_tmpl.h). No padding.
//
// Pooling works on whole channel rows (C contiguous values), so the inner loops vectorise over c.
// Max pooling tracks the winning window position per channel and forms the int64 argmax at the
// end; float channels go 8 at a time through AVX2 when available.
// avgpool2d_backward is a gather per input row (n, ih), deterministic and race-free like col2im.
// scatter_add runs serially (indices may repeat; a fixed order keeps it deterministic).
#include "ck_internal.h"
#include "mcl_runtime.h"
#include <string.h>
#if MCLCK_X86
#include <immintrin.h>
#endif

typedef struct {
    long N, H, W, C, KH, KW, SH, SW, OH, OW;
} pool_geom;

#if MCLCK_X86
/// Max pooling with AVX2 of output pixels [b, e), channels [0, C - C % 8): the rule of
/// maxpool_rows (first maximum in window order, NaN over non-NaN), 8 channels per vector.
MCLCK_AVX2 static void maxpool_avx2_f(const pool_geom *g, const float *src, float *dst, int64_t *arg, long b,
                                      long e)
{
    enum { TAB = 64 }; // window positions whose offsets are tabulated
    const long C = g->C, C8 = C / 8 * 8, KK = g->KH * g->KW;
    int32_t off[TAB] = {0};
    for (long p = 0; p < KK && p < TAB; p++) off[p] = (int32_t)((p / g->KW * g->W + p % g->KW) * C);
    const __m256i offv = _mm256_loadu_si256((const __m256i *)off); // first 8 offsets (KK <= 8)
    const __m256i lane_lo = _mm256_setr_epi64x(0, 1, 2, 3), lane_hi = _mm256_setr_epi64x(4, 5, 6, 7);
    for (long r = b; r < e; r++) {
        long ow = r % g->OW, t = r / g->OW, oh = t % g->OH, n = t / g->OH;
        long base = ((n * g->H + oh * g->SH) * g->W + ow * g->SW) * C;
        const float *x = src + base;
        float *y = dst + r * C;
        int64_t *am = arg + r * C;
        for (long ch = 0; ch < C8; ch += 8) {
            __m256 best = _mm256_loadu_ps(x + ch);
            __m256i pos = _mm256_setzero_si256();
            for (long p = 1; p < KK; p++) {
                long o = p < TAB ? off[p] : (p / g->KW * g->W + p % g->KW) * C;
                __m256 v = _mm256_loadu_ps(x + o + ch);
                __m256 take = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ),
                                           _mm256_and_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q),
                                                         _mm256_cmp_ps(best, best, _CMP_ORD_Q)));
                best = _mm256_blendv_ps(best, v, take);
                pos = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(pos),
                                                           _mm256_castsi256_ps(_mm256_set1_epi32((int)p)), take));
            }
            _mm256_storeu_ps(y + ch, best);
            __m256i o32;
            if (KK <= 8) {
                o32 = _mm256_permutevar8x32_epi32(offv, pos);
            } else {
                int32_t ps[8], os[8];
                _mm256_storeu_si256((__m256i *)ps, pos);
                for (int l = 0; l < 8; l++)
                    os[l] = ps[l] < TAB ? off[ps[l]] : (int32_t)((ps[l] / g->KW * g->W + ps[l] % g->KW) * C);
                o32 = _mm256_loadu_si256((const __m256i *)os);
            }
            __m256i first = _mm256_set1_epi64x(base + ch);
            __m256i lo = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_castsi256_si128(o32)), _mm256_add_epi64(first, lane_lo));
            __m256i hi = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_extracti128_si256(o32, 1)), _mm256_add_epi64(first, lane_hi));
            _mm256_storeu_si256((__m256i *)(am + ch), lo);
            _mm256_storeu_si256((__m256i *)(am + ch + 4), hi);
        }
    }
}
#endif

/// Float max pooling of the channels the vector code handles; returns how many (a prefix).
static long maxpool_fast_f(const pool_geom *g, const float *src, float *dst, int64_t *arg, long b, long e)
{
#if MCLCK_X86
    if (g->C >= 8 && mclck_use_avx2()) {
        maxpool_avx2_f(g, src, dst, arg, b, e);
        return g->C / 8 * 8;
    }
#endif
    (void)g, (void)src, (void)dst, (void)arg, (void)b, (void)e;
    return 0;
}

/// Double max pooling has no vector path: everything goes to the portable code.
static long maxpool_fast_d(const pool_geom *g, const double *src, double *dst, int64_t *arg, long b, long e)
{
    (void)g, (void)src, (void)dst, (void)arg, (void)b, (void)e;
    return 0;
}

#define MCLCK_TEMPLATE "pool_tmpl.h"
#include "ck_instantiate.h"
