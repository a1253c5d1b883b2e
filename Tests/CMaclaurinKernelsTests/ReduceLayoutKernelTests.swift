// ReduceLayoutKernelTests.swift: reduce_sum, reduce_max (first argmax) and permute against naive
// references.
import CMaclaurinKernels
import XCTest

final class ReduceLayoutKernelTests: XCTestCase {
    /// (outer, mid, inner) shapes: odd sizes, inner == 1 (pairwise path), inner across the
    /// 1024-column block, mid across the 64-row groups, and a long row.
    private static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (3, 7, 1), (5, 1000, 1), (2, 17, 33), (1, 130, 1025), (7, 33, 17), (1, 100_003, 1), (4, 1, 7),
        (17, 2, 3), (1, 20_001, 32), (2, 3001, 70),
    ]

    private func checkSum<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 11)
        for (o, m, i) in Self.shapes {
            let x: [T] = randomArray(o * m * i, -1, 1, &rng)
            var y = [T](repeating: .nan, count: o * i)
            T.reduceSum(x, o, m, i, &y)
            var ref = [Ref](repeating: 0, count: o * i), mag = [Ref](repeating: 0, count: o * i)
            for a in 0..<o {
                for b in 0..<m {
                    for c in 0..<i {
                        ref[a * i + c] += x[(a * m + b) * i + c].ref
                        mag[a * i + c] += abs(x[(a * m + b) * i + c].ref)
                    }
                }
            }
            // Two-level / pairwise summation: error well below 32 eps * sum |x|.
            assertClose(y, ref, scale: mag, tol: 32 * T.epsRef, "reduce_sum \(o)x\(m)x\(i)")
        }
        var z: [T] = [.nan, .nan]
        T.reduceSum([], 2, 0, 1, &z)
        XCTAssertEqual(z, [0, 0], "empty sum is 0")
        // Split over threads: same bits as one thread.
        let x: [T] = randomArray(64 * 3000, -1, 1, &rng)
        // (1, 6000, 32) and (2, 2000, 48): fewer column blocks than threads, rows split instead.
        for (o, m, i) in [(64, 3000, 1), (3, 64, 1000), (1, 6000, 32), (2, 2000, 48)] {
            var y1 = [T](repeating: 0, count: o * i), y3 = y1
            withThreads(1) { T.reduceSum(x, o, m, i, &y1) }
            withThreads(3) { T.reduceSum(x, o, m, i, &y3) }
            XCTAssertEqual(y1, y3, "reduce_sum thread independence \(o)x\(m)x\(i)")
        }
    }

    func testReduceSum() {
        checkSum(Float.self)
        checkSum(Double.self)
    }

    private func checkMax<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 12)
        for (o, m, i) in Self.shapes {
            // Small integers: many ties, so "first index" matters.
            var x: [T] = (0..<(o * m * i)).map { _ in T(ref: Ref(Int.random(in: -3...3, using: &rng))) }
            if x.count > 40 { x[x.count / 3] = .nan }
            var y = [T](repeating: 0, count: o * i), yn = y
            var idx = [Int64](repeating: -7, count: o * i)
            T.reduceMax(x, o, m, i, &y, &idx)
            T.reduceMax(x, o, m, i, &yn, nil)
            for a in 0..<o {
                for c in 0..<i {
                    var best = x[a * m * i + c], at = 0
                    for b in 1..<max(m, 1) {
                        let v = x[(a * m + b) * i + c]
                        if v > best || (v.isNaN && !best.isNaN) { best = v; at = b }
                    }
                    let k = a * i + c
                    let same = y[k] == best || (y[k].isNaN && best.isNaN)
                    if !same || idx[k] != Int64(at) || !(yn[k] == y[k] || (yn[k].isNaN && y[k].isNaN)) {
                        XCTFail("reduce_max [\(T.label)] \(o)x\(m)x\(i) at (\(a),\(c)): \(y[k])@\(idx[k]) want \(best)@\(at)")
                        return
                    }
                }
            }
        }
    }

    func testReduceMaxFirstArgmax() {
        checkMax(Float.self)
        checkMax(Double.self)
    }

    // MARK: permute

    private func refPermute<T>(_ x: [T], _ shape: [Int], _ perm: [Int]) -> [T] {
        let nd = shape.count
        var xs = [Int](repeating: 1, count: nd)
        for k in stride(from: nd - 2, through: 0, by: -1) { xs[k] = xs[k + 1] * shape[k + 1] }
        let yshape = perm.map { shape[$0] }
        let total = shape.reduce(1, *)
        var y = [T]()
        y.reserveCapacity(total)
        var idx = [Int](repeating: 0, count: nd)
        for o in 0..<total {
            var rem = o, off = 0
            for k in stride(from: nd - 1, through: 0, by: -1) {
                idx[k] = rem % yshape[k]
                rem /= yshape[k]
                off += idx[k] * xs[perm[k]]
            }
            y.append(x[off])
        }
        return y
    }

    private func runPermute<T: KScalar>(_: T.Type, _ shape: [Int], _ perm: [Int], _ rng: inout SplitMix64) {
        let total = shape.reduce(1, *)
        let x: [T] = randomArray(total, -1, 1, &rng)
        var y = [T](repeating: .nan, count: total)
        T.permute(x, shape, perm.map { Int32($0) }, &y)
        XCTAssertEqual(y, refPermute(x, shape, perm), "permute \(shape) by \(perm) [\(T.label)]")
    }

    private func checkPermute<T: KScalar>(_ t: T.Type) {
        var rng = SplitMix64(seed: 13)
        runPermute(t, [1000, 1003], [1, 0], &rng)   // blocked 2-D transpose, ragged blocks
        runPermute(t, [33, 7], [1, 0], &rng)
        runPermute(t, [1, 17], [1, 0], &rng)         // degenerate: a copy
        runPermute(t, [17], [0], &rng)
        runPermute(t, [], [], &rng)
        runPermute(t, [5, 6, 7], [0, 1, 2], &rng)    // identity
        runPermute(t, [5, 6, 7], [0, 2, 1], &rng)    // batched transpose
        runPermute(t, [5, 6, 7], [2, 0, 1], &rng)
        runPermute(t, [5, 6, 7], [1, 0, 2], &rng)    // rows move, inner axis stays
        runPermute(t, [2, 33, 40, 3], [0, 3, 1, 2], &rng) // NHWC -> NCHW
        runPermute(t, [2, 3, 33, 40], [0, 2, 3, 1], &rng) // NCHW -> NHWC
        runPermute(t, [4, 1, 5, 1, 6], [4, 3, 2, 1, 0], &rng)
        for _ in 0..<20 { // random 1-8 dimensional permutations
            let nd = Int.random(in: 1...8, using: &rng)
            let shape = (0..<nd).map { _ in Int.random(in: 1...4, using: &rng) }
            runPermute(t, shape, Array(0..<nd).shuffled(using: &rng), &rng)
        }
        let x: [T] = randomArray(300 * 500, -1, 1, &rng) // split over threads: same bits
        var y1 = x, y3 = x
        withThreads(1) { T.permute(x, [300, 500], [1, 0], &y1) }
        withThreads(3) { T.permute(x, [300, 500], [1, 0], &y3) }
        XCTAssertEqual(y1, y3)
    }

    func testPermute() {
        checkPermute(Float.self)
        checkPermute(Double.self)
    }
}
