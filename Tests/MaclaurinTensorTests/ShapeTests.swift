import MaclaurinTensor
import XCTest

/// Data movement: reshape, transpose, slice/pad/concatenate, broadcast, gather/scatter, and the
/// tensor value type itself. Copies are exact; adjoint pairs satisfy <A x, y> = <x, A^T y>.
final class ShapeTests: XCTestCase {
    /// All permutations of 0..<n.
    static func permutations(_ n: Int) -> [[Int]] {
        if n == 0 { return [[]] }
        return permutations(n - 1).flatMap { p in (0...p.count).map { i in var q = p; q.insert(n - 1, at: i); return q } }
    }

    func checkReshape<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 41)
        let x = randomTensor(S.self, [2, 3, 4], -1, 1, &g)
        for target in [[24], [4, 6], [2, 12], [1, 24, 1], [2, 3, 2, 2]] {
            let y = x.reshaped(to: target)
            assertIdentical(y, shape: target, doubles(x), "reshape to \(target)")
            for hole in target.indices {
                var withHole = target; withHole[hole] = -1
                assertIdentical(x.reshaped(to: withHole), shape: target, doubles(x), "reshape to \(withHole)")
            }
        }
        assertIdentical(Tensor<S>(3).reshaped(to: [1, 1]), shape: [1, 1], [3], "rank 0 to [1, 1]")
        assertIdentical(Tensor<S>([5]).reshaped(to: []), shape: [], [5], "[1] to rank 0")
        assertIdentical(Tensor<S>(zeros: [0, 3]).reshaped(to: [3, 0]), shape: [3, 0], [], "empty")
    }

    func testReshapeFloat() { checkReshape(Float.self) }
    func testReshapeDouble() { checkReshape(Double.self) }

    /// Every permutation of ranks 1-4 and all 120 of rank 5, against y[i] = x[i∘perm^-1].
    func checkTransposed<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 42)
        let shapes: [[Int]] = [[5], [3, 4], [2, 3, 4], [2, 1, 3, 5], [2, 3, 1, 4, 3], [1, 1], [3, 9, 17]]
        for shape in shapes {
            let x = randomTensor(S.self, shape, -1, 1, &g), xs = doubles(x)
            for perm in Self.permutations(shape.count) {
                let out = perm.map { shape[$0] }
                let want = (0..<xs.count).map { i -> Double in
                    let o = Index.unflatten(i, out)
                    var source = [Int](repeating: 0, count: shape.count)
                    for (k, p) in perm.enumerated() { source[p] = o[k] }
                    return xs[Index.flatten(source, shape)]
                }
                assertIdentical(x.transposed(permutation: perm), shape: out, want, "\(S.self) transpose \(shape) by \(perm)")
            }
            if shape.count >= 2 {
                var perm = Array(shape.indices); perm.swapAt(shape.count - 1, shape.count - 2)
                assertIdentical(x.transposed(), shape: perm.map { shape[$0] }, doubles(x.transposed(permutation: perm)),
                                "transposed() of \(shape)")
            }
        }
    }

    /// Ranks above the kernel's 8 axes are fine when the extra axes have extent 1 (nested jets
    /// produce such shapes): unit axes move no data.
    func testTransposedWithManyUnitAxes() {
        var g = SeededGenerator(seed: 46)
        let shape = [2, 1, 3, 1, 1, 2, 1, 1, 1, 2, 1, 1]
        let x = randomTensor(Double.self, shape, -1, 1, &g), xs = doubles(x)
        for perm in [Array(shape.indices.reversed()), [1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10], [3, 4, 0, 6, 7, 8, 2, 1, 11, 10, 5, 9]] {
            let out = perm.map { shape[$0] }
            let want = (0..<xs.count).map { i -> Double in
                let o = Index.unflatten(i, out)
                var source = [Int](repeating: 0, count: shape.count)
                for (k, p) in perm.enumerated() { source[p] = o[k] }
                return xs[Index.flatten(source, shape)]
            }
            assertIdentical(x.transposed(permutation: perm), shape: out, want, "transpose rank 12 by \(perm)")
        }
    }

    func testTransposedFloat() { checkTransposed(Float.self) }
    func testTransposedDouble() { checkTransposed(Double.self) }

    /// slice and padded are exact copies and adjoint: <slice(x), y> == <x, pad(y)>; concatenate is
    /// the inverse of slicing into parts, and its adjoint is slicing.
    func checkSlicePadConcatenate<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 43)
        for shape in [[7], [3, 5], [2, 4, 3], [2, 3, 1, 4]] {
            let x = randomTensor(S.self, shape, -1, 1, &g), xs = doubles(x)
            for axis in shape.indices {
                let n = shape[axis]
                for range in [0..<n, 0..<1, (n - 1)..<n, (n / 2)..<n, 1..<max(1, n - 1), 0..<0] where range.upperBound <= n {
                    var out = shape; out[axis] = range.count
                    let want = (0..<Index.count(out)).map { i -> Double in
                        var index = Index.unflatten(i, out); index[axis] += range.lowerBound
                        return xs[Index.flatten(index, shape)]
                    }
                    let s = x.slice(axis: axis, range)
                    assertIdentical(s, shape: out, want, "slice \(shape) axis \(axis) \(range)")
                    assertIdentical(x.slice(axis: axis - shape.count, range), shape: out, want, "slice negative axis")

                    let y = randomTensor(S.self, out, -1, 1, &g)
                    let (before, after) = (range.lowerBound, n - range.upperBound)
                    let p = y.padded(axis: axis, before: before, after: after)
                    let padded = (0..<x.count).map { i -> Double in
                        var index = Index.unflatten(i, shape)
                        guard range.contains(index[axis]) else { return 0 }
                        index[axis] -= range.lowerBound
                        return doubles(y)[Index.flatten(index, out)]
                    }
                    assertIdentical(p, shape: shape, padded, "pad \(out) axis \(axis) by (\(before), \(after))")
                    assertAdjoint(S.self, dot(doubles(s), doubles(y)), dot(xs, doubles(p)), terms: x.count,
                                  "slice/pad \(shape) axis \(axis) \(range)")
                }
                // Concatenating the three slices [0, a), [a, b), [b, n) gives x back.
                let (a, b) = (n / 3, (2 * n) / 3)
                let parts = [0..<a, a..<b, b..<n].map { x.slice(axis: axis, $0) }
                assertIdentical(Tensor.concatenate(parts, axis: axis), shape: shape, xs, "concatenate \(shape) axis \(axis)")
                assertIdentical(Tensor.concatenate(parts, axis: axis - shape.count), shape: shape, xs, "concatenate negative axis")
                assertIdentical(Tensor.concatenate([x], axis: axis), shape: shape, xs, "concatenate one part")
            }
        }
        // tiled(times:) stacks copies along a new leading axis.
        let x = randomTensor(S.self, [2, 3], -1, 1, &g)
        assertIdentical(x.tiled(times: 3), shape: [3, 2, 3], Array([doubles(x), doubles(x), doubles(x)].joined()), "tiled")
    }

    func testSlicePadConcatenateFloat() { checkSlicePadConcatenate(Float.self) }
    func testSlicePadConcatenateDouble() { checkSlicePadConcatenate(Double.self) }

    /// broadcast(to:) copies; unbroadcast(to:) is its adjoint (sums the broadcast axes).
    func checkBroadcastUnbroadcast<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 44)
        for (small, big) in [([], [2, 3]), ([3], [2, 3]), ([2, 1], [2, 4]), ([1, 3, 1], [2, 3, 5]), ([4], [4]), ([1], [3, 1, 2])] as [([Int], [Int])] {
            let x = randomTensor(S.self, small, -1, 1, &g)
            let want = (0..<Index.count(big)).map { i in doubles(x)[BroadcastingTests.sourceOffset(Index.unflatten(i, big), small)] }
            let b = x.broadcast(to: big)
            assertIdentical(b, shape: big, want, "broadcast \(small) to \(big)")
            let y = randomTensor(S.self, big, -1, 1, &g)
            let r = y.unbroadcast(to: small)
            XCTAssertEqual(r.shape, small)
            assertAdjoint(S.self, dot(doubles(b), doubles(y)), dot(doubles(x), doubles(r)), terms: y.count,
                          "broadcast/unbroadcast \(small) \(big)")
        }
    }

    func testBroadcastUnbroadcastFloat() { checkBroadcastUnbroadcast(Float.self) }
    func testBroadcastUnbroadcastDouble() { checkBroadcastUnbroadcast(Double.self) }

    /// gathering picks y[i] = x[idx[i]]; scatteringAdd accumulates repeated indices and is its adjoint.
    func checkGatherScatter<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 45)
        let source = [3, 4]
        let x = randomTensor(S.self, source, -1, 1, &g), xs = doubles(x)
        // Repeated and omitted indices.
        let indices: [Int64] = [0, 5, 5, 11, 3, 0, 7, 7, 7, 2]
        let y = x.gathering(indices, shape: [2, 5])
        assertIdentical(y, shape: [2, 5], indices.map { xs[Int($0)] }, "gather")
        let dy = randomTensor(S.self, [2, 5], -1, 1, &g), dys = doubles(dy)
        let dx = dy.scatteringAdd(indices, shape: source)
        var want = [Double](repeating: 0, count: 12), magnitude = want
        for (i, j) in indices.enumerated() { want[Int(j)] += dys[i]; magnitude[Int(j)] += abs(dys[i]) }
        // At most 3 terms land on one element: gamma_2 sum |terms|.
        let u = unitRoundoff(S.self)
        assertWithin(dx, shape: source, want, bounds: magnitude.map { 2.01 * u * $0 }, "scatterAdd")
        assertAdjoint(S.self, dot(doubles(y), dys), dot(xs, doubles(dx)), terms: indices.count, "gather/scatterAdd")
    }

    func testGatherScatterFloat() { checkGatherScatter(Float.self) }
    func testGatherScatterDouble() { checkGatherScatter(Double.self) }

    /// Construction, element access, precision conversion and copy-on-write value semantics.
    func testTensorValueSemantics() {
        let m = Tensor<Double>(rows: [[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(m.shape, [2, 3])
        XCTAssertEqual(m.rank, 2)
        XCTAssertEqual(m.count, 6)
        XCTAssertEqual(m[1, 2], 6)
        XCTAssertEqual(m[0, 1], 2)
        XCTAssertEqual(Tensor<Double>(2.5).scalar, 2.5)
        XCTAssertEqual(Tensor<Double>(2.5).shape, [])
        XCTAssertEqual(Tensor<Float>(repeating: 4, shape: [2, 2]).scalars, [4, 4, 4, 4])
        XCTAssertEqual(Tensor<Float>(ones: [3]).scalars, [1, 1, 1])
        XCTAssertEqual(Tensor<Float>(zeros: [2]).scalars, [0, 0])

        var a = m
        let b = a
        a[0, 0] = 10
        XCTAssertEqual(a[0, 0], 10, "write is visible in the written copy")
        XCTAssertEqual(b[0, 0], 1, "copies do not share writes")
        XCTAssertEqual(m[0, 0], 1)
        var r = m.reshaped(to: [6])
        r.withUnsafeMutablePointer { $0[5] = -1 }
        XCTAssertEqual(m[1, 2], 6, "a reshaped copy does not write through")
        XCTAssertTrue(m.isIdentical(to: Tensor(rows: [[1, 2, 3], [4, 5, 6]])))
        XCTAssertFalse(m.isIdentical(to: m.reshaped(to: [3, 2])), "same scalars, other shape")
        XCTAssertFalse(m.isIdentical(to: a))

        // Float -> Double is exact; Double -> Float rounds to nearest.
        let d: [Double] = [0.1, -1e-3, 3.0e38, 1 + 0x1p-30]
        let f = Tensor<Float>(Tensor<Double>(d))
        XCTAssertEqual(f.scalars, d.map { Float($0) })
        XCTAssertEqual(Tensor<Double>(f).scalars, f.scalars.map { Double($0) })
        XCTAssertEqual(Tensor<Double>([1, 2]).description, "Tensor<Double>[2][1.0, 2.0]")
    }
}
