// vmath_avx2.h: AVX2+FMA float vector math shared by the kernel files (vmath_avx2.c, mlp.c).
// Include only under MCLCK_X86 (after ck_internal.h and <immintrin.h>).
#ifndef MCL_VMATH_AVX2_H
#define MCL_VMATH_AVX2_H

/// e^x for 8 floats: Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, degree-7 (Cephes) polynomial,
/// scaling by 2^n in two steps so that results in the subnormal range are rounded once.
/// NaN propagates; x > 88.73 gives +inf, x < -103.98 gives 0.
MCLCK_AVX2 static inline __m256 mclck_exp8(__m256 x)
{
    // min/max return their second operand when one is NaN: keep x second so NaN survives.
    x = _mm256_min_ps(_mm256_set1_ps(90.0f), x);
    x = _mm256_max_ps(_mm256_set1_ps(-110.0f), x);
    __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    __m256 r2 = _mm256_mul_ps(r, r);
    p = _mm256_add_ps(_mm256_fmadd_ps(p, r2, r), _mm256_set1_ps(1.0f)); // 1 + (r + p r^2): one late rounding
    __m256i ni = _mm256_cvtps_epi32(n);           // in [-159, 130] (garbage for NaN: p is NaN)
    __m256i n1 = _mm256_srai_epi32(ni, 1);
    __m256i n2 = _mm256_sub_epi32(ni, n1);
    __m256i bias = _mm256_set1_epi32(127);
    __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

#endif
