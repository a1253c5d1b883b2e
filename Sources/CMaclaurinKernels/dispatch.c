// dispatch.c: run-time choice of the instruction set (AVX-512, AVX2+FMA or portable C),
// capped by the MCL_ISA environment variable.
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mcl_runtime.h"

static atomic_int g_isa_level = -1;

/// The best level the CPU (and OS, which must save the wide registers) supports.
static int detect_hardware_level(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return MCL_ISA_PORTABLE;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq"))
        return MCL_ISA_AVX512;
    return MCL_ISA_AVX2;
#else
    return MCL_ISA_PORTABLE;
#endif
}

/// The level named by MCL_ISA (portable|avx2|avx512), or the highest level when it is unset
/// or not recognised.
static int environment_cap(void) {
    const char *s = getenv("MCL_ISA");
    if (s == NULL) return MCL_ISA_AVX512;
    if (strcmp(s, "portable") == 0) return MCL_ISA_PORTABLE;
    if (strcmp(s, "avx2") == 0) return MCL_ISA_AVX2;
    return MCL_ISA_AVX512;
}

/// min(hardware level, MCL_ISA cap), detected on first use. Racing first calls compute the
/// same value, so a relaxed cache is enough.
int mcl_isa_level(void) {
    int level = atomic_load_explicit(&g_isa_level, memory_order_relaxed);
    if (level < 0) {
        level = detect_hardware_level();
        int cap = environment_cap();
        if (cap < level) level = cap;
        atomic_store_explicit(&g_isa_level, level, memory_order_relaxed);
    }
    return level;
}

/// The chosen level's name: "avx512", "avx2" or "portable".
const char *mcl_isa_name(void) {
    switch (mcl_isa_level()) {
    case MCL_ISA_AVX512: return "avx512";
    case MCL_ISA_AVX2: return "avx2";
    default: return "portable";
    }
}
