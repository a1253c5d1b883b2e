// allocator.c: process-wide allocator settings for tensor buffers.
#include "maclaurin_kernels.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void mcl_configure_allocator(void) {
#if defined(__GLIBC__)
    // Keep buffers up to 256 MiB in the heap (not mmap'ed) and do not trim freed memory eagerly,
    // so a training loop's per-step buffers come back from free lists.
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}
