import CMaclaurinKernels

/// Data parallelism on the kernels' persistent thread pool.
public enum Parallel {
    private final class Job {
        let body: (Int) -> Void
        init(_ body: @escaping (Int) -> Void) { self.body = body }
    }

    /// Calls `body(i)` for every i in 0..<count, spread over the pool's threads (each index
    /// exactly once, handed to whichever thread asks first, so a thread descheduled on a busy
    /// machine holds up at most one index). Kernels called from inside `body` run
    /// single-threaded, so independent pieces of work run side by side instead of each
    /// splitting itself.
    public static func forEach(_ count: Int, _ body: @escaping (Int) -> Void) {
        guard count > 0 else { return }
        if count == 1 { body(0); return }
        let job = Job(body)
        let context = Unmanaged.passRetained(job)
        defer { context.release() }
        mcl_parallel_dynamic(count, 1, Int(mcl_get_num_threads()), { raw, begin, end in
            guard let raw else { return }
            let job = Unmanaged<Job>.fromOpaque(raw).takeUnretainedValue()
            for i in begin..<end { job.body(i) }
        }, context.toOpaque())
    }

    /// `transform` applied to consecutive row blocks of a batch, in parallel, results in order.
    /// - Parameters:
    ///   - rows: the batch size.
    ///   - tile: rows per block (the last one may be shorter).
    public static func mapTiles<R>(rows: Int, tile: Int, _ transform: @escaping (Range<Int>) -> R) -> [R] {
        let tiles = max(1, (rows + tile - 1) / tile)
        let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: tiles)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        forEach(tiles) { t in
            results[t] = transform((t * tile)..<min(rows, (t + 1) * tile))
        }
        return results.map { r in
            guard let r else { preconditionFailure("a parallel tile produced no result") }
            return r
        }
    }
}
