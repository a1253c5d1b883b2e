// transpose_avx2.c: AVX2 in-register transposes of 8x8 (4-byte) and 4x4 (8-byte) element tiles,
// used by the blocked permute (layout.c) when mclck_use_avx2(). Pure data movement (shuffles
// never alter bit patterns, NaN payloads included).
#include "ck_internal.h"

#if MCLCK_X86
#include <immintrin.h>

/// dst[r + c*dq] = src[r*sr + c] for r < rows, c < cols, 4-byte elements: 8x8 tiles in registers,
/// ragged edges element by element.
MCLCK_AVX2 void mclck_avx2_transpose_4(const void *srcv, long sr, void *dstv, long dq, long rows, long cols)
{
    const float *src = srcv;
    float *dst = dstv;
    long r0 = 0;
    for (; r0 + 8 <= rows; r0 += 8) {
        long c0 = 0;
        for (; c0 + 8 <= cols; c0 += 8) {
            const float *s = src + r0 * sr + c0;
            __m256 a0 = _mm256_loadu_ps(s), a1 = _mm256_loadu_ps(s + sr), a2 = _mm256_loadu_ps(s + 2 * sr),
                   a3 = _mm256_loadu_ps(s + 3 * sr), a4 = _mm256_loadu_ps(s + 4 * sr),
                   a5 = _mm256_loadu_ps(s + 5 * sr), a6 = _mm256_loadu_ps(s + 6 * sr),
                   a7 = _mm256_loadu_ps(s + 7 * sr);
            __m256 t0 = _mm256_unpacklo_ps(a0, a1), t1 = _mm256_unpackhi_ps(a0, a1);
            __m256 t2 = _mm256_unpacklo_ps(a2, a3), t3 = _mm256_unpackhi_ps(a2, a3);
            __m256 t4 = _mm256_unpacklo_ps(a4, a5), t5 = _mm256_unpackhi_ps(a4, a5);
            __m256 t6 = _mm256_unpacklo_ps(a6, a7), t7 = _mm256_unpackhi_ps(a6, a7);
            __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
            __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
            __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
            __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
            float *d = dst + c0 * dq + r0;
            _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
            _mm256_storeu_ps(d + dq, _mm256_permute2f128_ps(u1, u5, 0x20));
            _mm256_storeu_ps(d + 2 * dq, _mm256_permute2f128_ps(u2, u6, 0x20));
            _mm256_storeu_ps(d + 3 * dq, _mm256_permute2f128_ps(u3, u7, 0x20));
            _mm256_storeu_ps(d + 4 * dq, _mm256_permute2f128_ps(u0, u4, 0x31));
            _mm256_storeu_ps(d + 5 * dq, _mm256_permute2f128_ps(u1, u5, 0x31));
            _mm256_storeu_ps(d + 6 * dq, _mm256_permute2f128_ps(u2, u6, 0x31));
            _mm256_storeu_ps(d + 7 * dq, _mm256_permute2f128_ps(u3, u7, 0x31));
        }
        for (long c = c0; c < cols; c++)
            for (long r = r0; r < r0 + 8; r++) dst[r + c * dq] = src[r * sr + c];
    }
    for (long c = 0; c < cols; c++)
        for (long r = r0; r < rows; r++) dst[r + c * dq] = src[r * sr + c];
}

/// As mclck_avx2_transpose_4 for 8-byte elements, with 4x4 tiles.
MCLCK_AVX2 void mclck_avx2_transpose_8(const void *srcv, long sr, void *dstv, long dq, long rows, long cols)
{
    const double *src = srcv;
    double *dst = dstv;
    long r0 = 0;
    for (; r0 + 4 <= rows; r0 += 4) {
        long c0 = 0;
        for (; c0 + 4 <= cols; c0 += 4) {
            const double *s = src + r0 * sr + c0;
            __m256d a0 = _mm256_loadu_pd(s), a1 = _mm256_loadu_pd(s + sr), a2 = _mm256_loadu_pd(s + 2 * sr),
                    a3 = _mm256_loadu_pd(s + 3 * sr);
            __m256d t0 = _mm256_unpacklo_pd(a0, a1), t1 = _mm256_unpackhi_pd(a0, a1);
            __m256d t2 = _mm256_unpacklo_pd(a2, a3), t3 = _mm256_unpackhi_pd(a2, a3);
            double *d = dst + c0 * dq + r0;
            _mm256_storeu_pd(d, _mm256_permute2f128_pd(t0, t2, 0x20));
            _mm256_storeu_pd(d + dq, _mm256_permute2f128_pd(t1, t3, 0x20));
            _mm256_storeu_pd(d + 2 * dq, _mm256_permute2f128_pd(t0, t2, 0x31));
            _mm256_storeu_pd(d + 3 * dq, _mm256_permute2f128_pd(t1, t3, 0x31));
        }
        for (long c = c0; c < cols; c++)
            for (long r = r0; r < r0 + 4; r++) dst[r + c * dq] = src[r * sr + c];
    }
    for (long c = 0; c < cols; c++)
        for (long r = r0; r < rows; r++) dst[r + c * dq] = src[r * sr + c];
}
#endif
