// bench_gemm.c: times mcl_s_gemm / mcl_d_gemm on one shape and prints GFLOP/s (median and
// best of 9 samples, each long enough to be measurable). Built and run by run.sh.
// Usage: bench_gemm M N K [s|d] [threads] [transA] [transB]
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "maclaurin_kernels.h"

/// Monotonic wall-clock time in seconds.
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s M N K [s|d] [threads] [transA] [transB]\n", argv[0]);
        return 2;
    }
    long M = atol(argv[1]), N = atol(argv[2]), K = atol(argv[3]);
    int dbl = argc > 4 && argv[4][0] == 'd';
    int threads = argc > 5 ? atoi(argv[5]) : mcl_get_num_threads();
    int ta = argc > 6 ? atoi(argv[6]) : 0, tb = argc > 7 ? atoi(argv[7]) : 0;
    mcl_set_num_threads(threads);
    size_t es = dbl ? sizeof(double) : sizeof(float);
    char *A = malloc(M * K * es + 1), *B = malloc(K * N * es + 1), *C = malloc(M * N * es + 1);
    for (long i = 0; i < M * K; i++) {
        double x = rand() / (double)RAND_MAX - 0.5;
        if (dbl) ((double *)A)[i] = x; else ((float *)A)[i] = (float)x;
    }
    for (long i = 0; i < K * N; i++) {
        double x = rand() / (double)RAND_MAX - 0.5;
        if (dbl) ((double *)B)[i] = x; else ((float *)B)[i] = (float)x;
    }
    long lda = ta ? M : K, ldb = tb ? K : N;
    double flop = 2.0 * M * N * K;
    long reps = (long)(2e8 / (flop + 1e3)) + 1;  // a few ms per sample: keeps the pool warm
    double t[9];
    for (int r = -1; r < 9; r++) {  // r = -1 warms up (buffers, threads)
        double t0 = now();
        for (long i = 0; i < reps; i++) {
            if (dbl) mcl_d_gemm(ta, tb, M, N, K, 1, (double *)A, lda, (double *)B, ldb, 0, (double *)C, N);
            else mcl_s_gemm(ta, tb, M, N, K, 1, (float *)A, lda, (float *)B, ldb, 0, (float *)C, N);
        }
        if (r >= 0) t[r] = (now() - t0) / reps;
    }
    qsort(t, 9, sizeof t[0], compare);
    printf("maclaurin %s %ldx%ldx%ld threads=%d tA=%d tB=%d: median %.1f GFLOP/s (%.1f us), best %.1f\n",
           dbl ? "float64" : "float32", M, N, K, threads, ta, tb, flop / t[4] / 1e9, t[4] * 1e6, flop / t[0] / 1e9);
    free(A), free(B), free(C);
    return 0;
}
