import CMaclaurinKernels
import Foundation
import XCTest

/// Records the chunks a mcl_parallel_for call hands out (from any thread).
final class ChunkLog {
    let lock = NSLock()
    var chunks: [(Int, Int)] = []
    /// Nested calls made from inside each chunk, when set (n, grain), and their logs.
    var nested: (Int, Int)?
    var nestedLogs: [ChunkLog] = []
    /// Per-index visit counts, written without locking: chunks must be disjoint.
    var visits: UnsafeMutablePointer<Int32>?

    func add(_ begin: Int, _ end: Int) {
        lock.lock()
        chunks.append((begin, end))
        lock.unlock()
    }
}

/// The C callback: logs [begin, end), counts visits, and optionally makes a nested call.
private let logChunk: @convention(c) (UnsafeMutableRawPointer?, Int, Int) -> Void = { ctx, begin, end in
    let log = Unmanaged<ChunkLog>.fromOpaque(ctx!).takeUnretainedValue()
    log.add(begin, end)
    if let visits = log.visits { for i in begin..<end { visits[i] += 1 } }
    if let (n, grain) = log.nested {
        let inner = ChunkLog()
        runParallelFor(n: n, grain: grain, log: inner)
        log.lock.lock()
        log.nestedLogs.append(inner)
        log.lock.unlock()
    }
}

private func runParallelFor(n: Int, grain: Int, log: ChunkLog) {
    mcl_parallel_for(n, grain, logChunk, Unmanaged.passUnretained(log).toOpaque())
}

final class ThreadPoolTests: XCTestCase {
    override func tearDown() { mcl_set_num_threads(2) }

    func testISAName() {
        let name = String(cString: mcl_isa_name())
        XCTAssertTrue(["avx512", "avx2", "portable"].contains(name), name)
        if ProcessInfo.processInfo.environment["MCL_ISA"] == "portable" { XCTAssertEqual(name, "portable") }
        if ProcessInfo.processInfo.environment["MCL_ISA"] == "avx2" { XCTAssertNotEqual(name, "avx512") }
    }

    func testThreadCountSetting() {
        XCTAssertGreaterThanOrEqual(mcl_get_num_threads(), 1)
        mcl_set_num_threads(3)
        XCTAssertEqual(mcl_get_num_threads(), 3)
        mcl_set_num_threads(0)
        XCTAssertEqual(mcl_get_num_threads(), 1)
        mcl_set_num_threads(-5)
        XCTAssertEqual(mcl_get_num_threads(), 1)
    }

    /// Checks that `log` partitions [0, n) into contiguous chunks of >= grain (or one chunk),
    /// at most `threads` of them.
    private func checkPartition(_ log: ChunkLog, n: Int, grain: Int, threads: Int, _ what: String) {
        let chunks = log.chunks.sorted { $0.0 < $1.0 }
        if n <= 0 { XCTAssertTrue(chunks.isEmpty, what); return }
        XCTAssertLessThanOrEqual(chunks.count, max(threads, 1), what)
        var next = 0
        for (begin, end) in chunks {
            XCTAssertEqual(begin, next, what)
            XCTAssertGreaterThan(end, begin, what)
            if chunks.count > 1 { XCTAssertGreaterThanOrEqual(end - begin, grain, what) }
            next = end
        }
        XCTAssertEqual(next, n, what)
    }

    func testParallelForCoversEveryIndexOnce() {
        for threads in [1, 2, 3, 4, 7] {
            mcl_set_num_threads(Int32(threads))
            for n in [0, 1, 2, 3, 7, 64, 1000, 10007] {
                for grain in [0, 1, 2, 7, 64, 5000] {
                    let log = ChunkLog()
                    let visits = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
                    visits.initialize(repeating: 0, count: max(n, 1))
                    log.visits = visits
                    runParallelFor(n: n, grain: grain, log: log)
                    let what = "threads=\(threads) n=\(n) grain=\(grain)"
                    checkPartition(log, n: n, grain: grain, threads: threads, what)
                    for i in 0..<n where visits[i] != 1 {
                        XCTFail("\(what): index \(i) visited \(visits[i]) times")
                        break
                    }
                    visits.deallocate()
                }
            }
        }
    }

    /// Many back-to-back calls (exercises worker hand-over between spinning and sleeping).
    func testManyConsecutiveCalls() {
        mcl_set_num_threads(2)
        for round in 0..<2000 {
            let log = ChunkLog()
            runParallelFor(n: 100 + round % 7, grain: 1, log: log)
            checkPartition(log, n: 100 + round % 7, grain: 1, threads: 2, "round \(round)")
            if round == 1000 { usleep(5000) }  // let the worker fall asleep once
        }
    }

    /// Lowering and raising the thread count between calls (parks and re-activates workers).
    func testThreadCountChangesBetweenCalls() {
        for threads in [4, 2, 1, 3, 2, 4, 2] {
            mcl_set_num_threads(Int32(threads))
            for _ in 0..<50 {
                let log = ChunkLog()
                runParallelFor(n: 997, grain: 3, log: log)
                checkPartition(log, n: 997, grain: 3, threads: threads, "threads=\(threads)")
            }
        }
    }

    /// A call from inside a chunk runs serially but still covers its range.
    func testNestedCallsRunSerially() {
        mcl_set_num_threads(2)
        let log = ChunkLog()
        log.nested = (50, 1)
        runParallelFor(n: 10, grain: 1, log: log)
        checkPartition(log, n: 10, grain: 1, threads: 2, "outer")
        XCTAssertEqual(log.nestedLogs.count, log.chunks.count)
        for inner in log.nestedLogs {
            XCTAssertEqual(inner.chunks.count, 1)
            checkPartition(inner, n: 50, grain: 1, threads: 1, "inner")
        }
    }

    /// Calls from several threads at once: one gets the pool, the others run serially.
    func testConcurrentCallers() {
        mcl_set_num_threads(2)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<50 {
                let log = ChunkLog()
                runParallelFor(n: 1000, grain: 10, log: log)
                checkPartition(log, n: 1000, grain: 10, threads: 2, "concurrent")
            }
        }
    }
}
