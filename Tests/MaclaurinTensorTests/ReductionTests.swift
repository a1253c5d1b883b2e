import MaclaurinTensor
import XCTest

/// Sums over every subset of axes, means, and maxima with their indices.
final class ReductionTests: XCTestCase {
    static let shapes: [[Int]] = [[], [1], [7], [3, 1], [2, 3, 4], [2, 1, 3, 5], [4, 33], [3, 2, 1, 2, 3]]

    /// Sum over `axes` (kept with extent 1) by a literal loop, with sum |x| for the bound.
    static func referenceSum(_ x: [Double], _ shape: [Int], axes: Set<Int>) -> (shape: [Int], sum: [Double], magnitude: [Double]) {
        let out = shape.indices.map { axes.contains($0) ? 1 : shape[$0] }
        var sum = [Double](repeating: 0, count: Index.count(out)), magnitude = sum
        for i in 0..<x.count {
            var index = Index.unflatten(i, shape)
            for a in axes { index[a] = 0 }
            let o = Index.flatten(index, out)
            sum[o] += x[i]; magnitude[o] += abs(x[i])
        }
        return (out, sum, magnitude)
    }

    /// Recursive summation of n terms in any order is within gamma_{n-1} sum |x| of the exact
    /// sum (Higham 4.2); the reduced count n is the product of the summed extents.
    func checkSums<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 31)
        let u = unitRoundoff(S.self)
        for shape in Self.shapes {
            let x = randomTensor(S.self, shape, -1, 1, &g)
            let xs = doubles(x)
            for mask in 0..<(1 << shape.count) {
                let axes = (0..<shape.count).filter { mask & (1 << $0) != 0 }
                let (out, want, magnitude) = Self.referenceSum(xs, shape, axes: Set(axes))
                let n = Double(axes.map { shape[$0] }.reduce(1, *))
                let gamma = n * u / (1 - n * u)
                assertWithin(x.sum(alongAxes: axes), shape: out, want, bounds: magnitude.map { gamma * $0 },
                             "\(S.self) sum \(shape) along \(axes)")
                // Negative axes and repeated axes name the same reduction.
                let negative = axes.map { $0 - shape.count } + axes
                assertIdentical(x.sum(alongAxes: negative), shape: out, doubles(x.sum(alongAxes: axes)),
                                "\(S.self) sum \(shape) along \(negative)")
            }
            let (_, total, magnitude) = Self.referenceSum(xs, shape, axes: Set(shape.indices))
            let n = Double(max(x.count, 1)), gamma = n * u / (1 - n * u)
            assertWithin(x.sum(), shape: [], total, bounds: magnitude.map { gamma * $0 }, "\(S.self) sum() \(shape)")
            assertWithin(x.mean(), shape: [], total.map { $0 / n }, bounds: magnitude.map { (gamma + 2 * u) * $0 / n },
                         "\(S.self) mean() \(shape)")
        }
    }

    func testSumsFloat() { checkSums(Float.self) }
    func testSumsDouble() { checkSums(Double.self) }

    /// max(alongAxis:) is a selection: values exact, index of the first maximum.
    func checkMax<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 32)
        for shape in Self.shapes where !shape.isEmpty {
            // Values on a coarse grid so that ties are frequent.
            let xs = randomScalars(S.self, Index.count(shape), -3, 3, &g).map { ($0 * 2).rounded() / 2 }
            let x = Tensor<S>(shape: shape, scalars: xs.map { S($0) })
            for axis in shape.indices {
                var out = shape; out[axis] = 1
                var values = [Double](repeating: -.infinity, count: Index.count(out))
                var indices = [Int64](repeating: -1, count: values.count)
                for i in 0..<xs.count {
                    var index = Index.unflatten(i, shape)
                    let position = index[axis]
                    index[axis] = 0
                    let o = Index.flatten(index, out)
                    if xs[i] > values[o] { values[o] = xs[i]; indices[o] = Int64(position) }
                }
                for a in [axis, axis - shape.count] {
                    let (v, idx) = x.max(alongAxis: a)
                    assertIdentical(v, shape: out, values, "\(S.self) max \(shape) axis \(a)")
                    XCTAssertEqual(idx, indices, "\(S.self) argmax \(shape) axis \(a)")
                }
            }
        }
        let m = Tensor<S>(rows: [[1, 5, 5], [7, 2, 7], [-1, -3, -2]])
        XCTAssertEqual(m.argmaxRows(), [1, 0, 0])
    }

    func testMaxFloat() { checkMax(Float.self) }
    func testMaxDouble() { checkMax(Double.self) }
}
