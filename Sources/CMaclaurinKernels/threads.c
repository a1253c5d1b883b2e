// threads.c: the persistent worker pool behind mcl_parallel_for, the thread-count setting and
// per-thread scratch buffers.
//
// Protocol. One 64-bit atomic word `state` holds (generation:32 | chunk count:16 | next chunk:16).
// The caller stores the job (fn, ctx, n) and then publishes a new generation with next = 0.
// Every participant (the caller and the workers) claims chunks by compare-and-swap on `state`,
// which fails as soon as the generation changes, so a late worker can never run a chunk of a
// job that has already been replaced. The caller runs chunks too and then waits until `done`
// reaches the chunk count, so it never waits for a worker that has not woken up yet: if every
// worker is asleep or descheduled, the caller simply does all the chunks.
//
// Workers spin on `state` for a short while after each job (low latency for back-to-back
// calls), then sleep on a condition variable. A worker increments `sleepers` before its final
// check of `state` and the caller reads `sleepers` after publishing (both sequentially
// consistent), so a wake-up cannot be lost. Workers beyond the current thread count (after
// mcl_set_num_threads lowered it) park on a second condition variable instead, so they cost
// nothing per job.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "mcl_runtime.h"

#define MCL_MAX_THREADS 256
#define MCL_SPIN_NS 200000L  // CPU time an idle worker spins before sleeping

typedef void (*mcl_task_fn)(void *ctx, long begin, long end);

#define STATE(gen, nch, next) (((uint64_t)(gen) << 32) | ((uint64_t)(nch) << 16) | (uint64_t)(next))
#define STATE_GEN(s) ((uint32_t)((s) >> 32))
#define STATE_NCH(s) ((unsigned)(((s) >> 16) & 0xffff))
#define STATE_NEXT(s) ((unsigned)((s) & 0xffff))

static struct {
    _Alignas(64) _Atomic uint64_t state;  // own cache line: polled by spinning workers
    _Atomic(mcl_task_fn) fn;
    _Atomic(void *) ctx;
    atomic_long n;
    _Alignas(64) atomic_long done;  // chunks of the current job that have finished
    atomic_int sleepers;            // workers blocked (or about to block) on `wake`
    atomic_int busy;        // 1 while some thread is running a parallel job
    atomic_int nthreads;    // 0 until first use
    int nworkers;           // workers started so far (only touched while holding `busy`)
    pthread_mutex_t lock;
    pthread_cond_t wake;      // a new job was published (for `sleepers`)
    pthread_cond_t activate;  // the thread count was raised (for workers beyond it)
} g_pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER,
            .activate = PTHREAD_COND_INITIALIZER};

static _Thread_local int tls_in_pool;  // set on workers and on a caller during its job

/// CPU time consumed by the calling thread, in nanoseconds.
static long thread_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/// The number of CPUs this process may run on (online CPUs, restricted by the affinity mask).
static int default_thread_count(void) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int n = online > 0 ? (int)online : 1;
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int allowed = CPU_COUNT(&set);
        if (allowed > 0 && allowed < n) n = allowed;
    }
#endif
    return n < MCL_MAX_THREADS ? n : MCL_MAX_THREADS;
}

/// Number of threads kernels may use (>= 1).
int mcl_get_num_threads(void) {
    int n = atomic_load_explicit(&g_pool.nthreads, memory_order_relaxed);
    if (n == 0) {
        n = default_thread_count();
        int expected = 0;
        if (!atomic_compare_exchange_strong(&g_pool.nthreads, &expected, n)) n = expected;
    }
    return n;
}

/// Sets the number of threads kernels may use; values < 1 mean 1. Wakes parked workers that
/// the new count makes active.
void mcl_set_num_threads(int n) {
    if (n < 1) n = 1;
    if (n > MCL_MAX_THREADS) n = MCL_MAX_THREADS;
    pthread_mutex_lock(&g_pool.lock);
    atomic_store_explicit(&g_pool.nthreads, n, memory_order_relaxed);
    pthread_cond_broadcast(&g_pool.activate);
    pthread_mutex_unlock(&g_pool.lock);
}

/// Claims and runs chunks of the job whose published state is `s` until none is left or the
/// job has been replaced.
static void run_chunks(uint64_t s) {
    const uint32_t gen = STATE_GEN(s);
    for (;;) {
        if (STATE_GEN(s) != gen) return;
        unsigned next = STATE_NEXT(s), nch = STATE_NCH(s);
        if (next >= nch) return;
        mcl_task_fn fn = atomic_load_explicit(&g_pool.fn, memory_order_relaxed);
        void *ctx = atomic_load_explicit(&g_pool.ctx, memory_order_relaxed);
        long n = atomic_load_explicit(&g_pool.n, memory_order_relaxed);
        if (atomic_compare_exchange_weak_explicit(&g_pool.state, &s, s + 1, memory_order_acq_rel,
                                                  memory_order_acquire)) {
            long q = n / nch, r = n % nch;
            long begin = next * q + (next < r ? next : r);
            long end = begin + q + (next < r ? 1 : 0);
            fn(ctx, begin, end);
            atomic_fetch_add_explicit(&g_pool.done, 1, memory_order_release);
            s = atomic_load_explicit(&g_pool.state, memory_order_acquire);
        }
    }
}

/// Blocks until the published generation differs from `seen`, spinning for a while first.
/// The spin is bounded by this thread's CPU time, not wall time, so that a worker preempted
/// while spinning (on a busy machine) does not fall asleep as soon as it runs again.
static uint64_t wait_for_job(uint32_t seen) {
    uint64_t s;
    long deadline = thread_cpu_ns() + MCL_SPIN_NS;
    for (unsigned i = 1;; i++) {
        s = atomic_load_explicit(&g_pool.state, memory_order_acquire);
        if (STATE_GEN(s) != seen) return s;
        mcl_cpu_relax();
        if ((i & 255) == 0 && thread_cpu_ns() > deadline) break;
    }
    pthread_mutex_lock(&g_pool.lock);
    atomic_fetch_add(&g_pool.sleepers, 1);
    while (STATE_GEN(s = atomic_load(&g_pool.state)) == seen) pthread_cond_wait(&g_pool.wake, &g_pool.lock);
    atomic_fetch_sub(&g_pool.sleepers, 1);
    pthread_mutex_unlock(&g_pool.lock);
    return s;
}

/// Parks worker `id` while it is beyond the thread count (it is then not woken for jobs).
static void wait_until_active(int id) {
    pthread_mutex_lock(&g_pool.lock);
    while (id >= mcl_get_num_threads()) pthread_cond_wait(&g_pool.activate, &g_pool.lock);
    pthread_mutex_unlock(&g_pool.lock);
}

/// A worker's life: wait for a new generation, help with its chunks, repeat. Worker `id`
/// (1-based; the caller is 0) only takes part while it is within the current thread count.
static void *worker_main(void *arg) {
    uintptr_t packed = (uintptr_t)arg;
    int id = (int)(packed >> 32);
    uint32_t seen = (uint32_t)packed;
    tls_in_pool = 1;
    for (;;) {
        if (id >= mcl_get_num_threads()) wait_until_active(id);
        uint64_t s = wait_for_job(seen);
        seen = STATE_GEN(s);
        if (id < mcl_get_num_threads()) run_chunks(s);
    }
    return NULL;
}

/// Starts workers until there are `count` (creation failures just leave fewer workers).
/// Called only while holding `busy`, before a job is published.
static void ensure_workers(int count) {
    uint32_t gen = STATE_GEN(atomic_load(&g_pool.state));
    while (g_pool.nworkers < count) {
        int id = g_pool.nworkers + 1;
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        void *arg = (void *)(((uintptr_t)id << 32) | gen);
        int rc = pthread_create(&thread, &attr, worker_main, arg);
        pthread_attr_destroy(&attr);
        if (rc != 0) return;
        g_pool.nworkers++;
    }
}

/// Runs fn(ctx, begin, end) over [0, n) in min(threads, n / grain) contiguous chunks of
/// near-equal size (each >= grain), the calling thread taking chunks itself. Runs fn(ctx, 0, n)
/// directly when one chunk suffices, when called from inside a job (nesting) or when another
/// thread is using the pool.
void mcl_parallel_for(long n, long grain, void (*fn)(void *ctx, long begin, long end), void *ctx) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    long nch = n / grain;
    int nt = mcl_get_num_threads();
    if (nch > nt) nch = nt;
    int expected = 0;
    if (nch <= 1 || tls_in_pool ||
        !atomic_compare_exchange_strong_explicit(&g_pool.busy, &expected, 1, memory_order_acquire,
                                                 memory_order_relaxed)) {
        fn(ctx, 0, n);
        return;
    }
    ensure_workers(nt - 1);
    tls_in_pool = 1;
    atomic_store_explicit(&g_pool.fn, fn, memory_order_relaxed);
    atomic_store_explicit(&g_pool.ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&g_pool.n, n, memory_order_relaxed);
    atomic_store_explicit(&g_pool.done, 0, memory_order_relaxed);
    uint32_t gen = STATE_GEN(atomic_load_explicit(&g_pool.state, memory_order_relaxed)) + 1;
    uint64_t s = STATE(gen, nch, 0);
    atomic_store(&g_pool.state, s);  // seq_cst: pairs with the sleepers check below
    if (atomic_load(&g_pool.sleepers) > 0) {
        pthread_mutex_lock(&g_pool.lock);
        pthread_cond_broadcast(&g_pool.wake);
        pthread_mutex_unlock(&g_pool.lock);
    }
    run_chunks(s);
    for (unsigned i = 1; atomic_load_explicit(&g_pool.done, memory_order_acquire) < nch; i++) {
        if (i < 4096) mcl_cpu_relax();
        else sched_yield();
    }
    tls_in_pool = 0;
    atomic_store_explicit(&g_pool.busy, 0, memory_order_release);
}

// MARK: - Dynamic scheduling on top of the pool

typedef struct {
    mcl_task_fn fn;
    void *ctx;
    long n, grain;
    _Atomic long next;  // the next unclaimed piece
} dynamic_job;

/// mcl_parallel_for body: claims pieces until none is left.
static void dynamic_task(void *ctx, long begin, long end) {
    (void)begin, (void)end;
    dynamic_job *j = ctx;
    for (;;) {
        long p = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        long b = p * j->grain;
        if (b >= j->n) return;
        j->fn(j->ctx, b, j->n - b < j->grain ? j->n : b + j->grain);
    }
}

/// Runs fn(ctx, begin, end) over [0, n) in pieces of `grain` items (the last may be shorter),
/// each handed to whichever of up to `nt` threads asks first.
void mcl_parallel_dynamic(long n, long grain, long nt, void (*fn)(void *ctx, long begin, long end), void *ctx) {
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    long pieces = (n + grain - 1) / grain;
    if (nt > pieces) nt = pieces;
    if (nt <= 1 || tls_in_pool) {
        fn(ctx, 0, n);
        return;
    }
    dynamic_job j = {.fn = fn, .ctx = ctx, .n = n, .grain = grain};
    atomic_init(&j.next, 0);
    mcl_parallel_for(nt, 1, dynamic_task, &j);
}

// MARK: - Per-thread scratch buffers

typedef struct {
    void *ptr[MCL_TBUF_SLOTS];
    size_t size[MCL_TBUF_SLOTS];
} mcl_tbufs;

static pthread_key_t g_tbuf_key;
static pthread_once_t g_tbuf_once = PTHREAD_ONCE_INIT;
static _Thread_local mcl_tbufs *tls_tbufs;

/// Frees a thread's buffers when it exits.
static void free_tbufs(void *p) {
    mcl_tbufs *t = p;
    for (int i = 0; i < MCL_TBUF_SLOTS; i++) free(t->ptr[i]);
    free(t);
}

/// Creates the key whose destructor frees a thread's buffers (once per process).
static void make_tbuf_key(void) { pthread_key_create(&g_tbuf_key, free_tbufs); }

/// This thread's buffer `slot`, grown (contents dropped) to at least `bytes`, 64-byte aligned.
void *mcl_thread_buffer(int slot, size_t bytes) {
    if (slot < 0 || slot >= MCL_TBUF_SLOTS) return NULL;
    mcl_tbufs *t = tls_tbufs;
    if (t == NULL) {
        pthread_once(&g_tbuf_once, make_tbuf_key);
        t = calloc(1, sizeof *t);
        if (t == NULL) return NULL;
        pthread_setspecific(g_tbuf_key, t);
        tls_tbufs = t;
    }
    if (t->size[slot] < bytes) {
        free(t->ptr[slot]);
        size_t rounded = (bytes + 4095) & ~(size_t)4095;
        t->ptr[slot] = aligned_alloc(64, rounded);
        t->size[slot] = t->ptr[slot] ? rounded : 0;
    }
    return t->ptr[slot];
}
