// mcl_runtime.h: internal (non-public) services shared by the kernel files: the CPU dispatch
// level, per-thread scratch buffers and a spin hint. Not part of the module's public header.
#ifndef MCL_RUNTIME_H
#define MCL_RUNTIME_H

#include <stddef.h>
#include "maclaurin_kernels.h"

/// Instruction-set levels, ordered: a higher level can run every lower level's code.
/// MCL_ISA_AVX2 means AVX2 + FMA; MCL_ISA_AVX512 means AVX-512 F, VL, BW and DQ (plus AVX2 + FMA).
enum { MCL_ISA_PORTABLE = 0, MCL_ISA_AVX2 = 1, MCL_ISA_AVX512 = 2 };

/// The level the dispatcher chose (CPU support capped by MCL_ISA), computed once and cached.
int mcl_isa_level(void);

/// Per-thread scratch buffer number `slot` (0 ..< MCL_TBUF_SLOTS), 64-byte aligned, at least
/// `bytes` long. It is reused by later calls on the same thread (contents not preserved when it
/// has to grow) and freed when the thread exits. Returns NULL if the allocation fails.
/// Each slot has one owner: a kernel must not hold a slot's buffer across a call into another
/// kernel that uses the same slot (e.g. an im2col buffer passed to GEMM must not live in a GEMM
/// slot). GEMM owns the first five; other kernels use MCL_TBUF_FREE and up.
enum {
    MCL_TBUF_GEMM_A = 0,     // packed A block
    MCL_TBUF_GEMM_B = 1,     // packed B block
    MCL_TBUF_GEMM_EDGE = 2,  // last partial A panel when A is read in place
    MCL_TBUF_GEMV = 3,       // matrix-vector sums and vector copy
    MCL_TBUF_GEMM_PART = 4,  // partial products of a K-split GEMM (the caller's, shared)
    MCL_TBUF_FREE = 5,       // first slot for other kernels
    MCL_TBUF_SLOTS = 8
};
void *mcl_thread_buffer(int slot, size_t bytes);

/// Busy-wait hint for spin loops.
static inline void mcl_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
