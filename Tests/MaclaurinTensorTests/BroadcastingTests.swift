import Foundation
import MaclaurinTensor
import XCTest

/// Broadcasting binary operations against a literal index-by-index reference.
final class BroadcastingTests: XCTestCase {
    /// Operand shape pairs: rank 0, size-1 axes on either side, leading-axis broadcast, equal
    /// shapes, many non-mergeable axes (8, the kernel limit), empty tensors, and extents that are
    /// not multiples of any SIMD width.
    static let shapePairs: [([Int], [Int])] = [
        ([], []), ([], [3]), ([2, 3], []), ([1], [5]), ([3], [2, 3]), ([2, 3], [3]),
        ([2, 1], [1, 3]), ([4, 1, 3], [2, 1]), ([2, 3, 4], [2, 3, 4]), ([2, 1, 4, 1], [3, 1, 5]),
        ([1, 1], [1, 1]), ([5, 1, 1, 2], [1, 3, 4, 1]), ([2, 1, 2, 1, 2, 1, 2, 1], [1, 2, 1, 2, 1, 2, 1, 2]),
        ([0, 3], [3]), ([2, 0], [1, 1]), ([33, 17], [17]), ([7, 1, 65], [1, 9, 65]), ([1, 130], [3, 1]),
        ([6, 1, 1], [6, 5, 7]), ([1, 4, 1, 3], [2, 1, 5, 1]),
    ]

    /// The broadcast shape by the NumPy rule, written independently of `Broadcasting.shape`.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        let pa = Array(repeating: 1, count: rank - a.count) + a
        let pb = Array(repeating: 1, count: rank - b.count) + b
        return zip(pa, pb).map { x, y in x == 1 ? y : x }
    }

    /// The flat position in a tensor of `shape` read by output index `out` under broadcasting.
    static func sourceOffset(_ out: [Int], _ shape: [Int]) -> Int {
        let lead = out.count - shape.count
        let index = shape.indices.map { shape[$0] == 1 ? 0 : out[$0 + lead] }
        return Index.flatten(index, shape)
    }

    static func reference(_ a: [Double], _ sa: [Int], _ b: [Double], _ sb: [Int],
                          _ f: (Double, Double) -> Double) -> (shape: [Int], values: [Double]) {
        let out = broadcastShape(sa, sb)
        let values = (0..<Index.count(out)).map { i -> Double in
            let index = Index.unflatten(i, out)
            return f(a[sourceOffset(index, sa)], b[sourceOffset(index, sb)])
        }
        return (out, values)
    }

    func testBroadcastingShapeArithmetic() {
        for (a, b) in Self.shapePairs {
            XCTAssertEqual(Broadcasting.shape(a, b), Self.broadcastShape(a, b), "shape of \(a), \(b)")
            XCTAssertEqual(Broadcasting.shape(b, a), Self.broadcastShape(a, b), "shape of \(b), \(a)")
            let out = Self.broadcastShape(a, b)
            for s in [a, b] {
                // A stride reads element sourceOffset(index) of the operand.
                let strides = Broadcasting.strides(of: s, in: out)
                for i in 0..<Index.count(out) {
                    let index = Index.unflatten(i, out)
                    let offset = zip(index, strides).reduce(0) { $0 + $1.0 * $1.1 }
                    if offset != Self.sourceOffset(index, s) {
                        XCTFail("strides \(strides) of \(s) in \(out) read \(offset) at \(index)")
                        break
                    }
                }
                // Summing the reduced axes of an `out`-shaped tensor leaves exactly `s`'s extents.
                let reduced = Set(Broadcasting.reducedAxes(from: s, to: out))
                let kept = out.indices.filter { !reduced.contains($0) }.map { out[$0] }
                XCTAssertEqual(kept.filter { $0 != 1 }, s.filter { $0 != 1 }, "reducedAxes(\(s), \(out))")
            }
        }
        XCTAssertNil(Broadcasting.shape([2, 3], [4]))
        XCTAssertNil(Broadcasting.shape([2, 1], [3, 4]))
        XCTAssertEqual(Broadcasting.denseStrides([2, 3, 4]), [12, 4, 1])
        XCTAssertEqual(Broadcasting.denseStrides([]), [])
    }

    /// add, subtract, multiply, divide, maximum, minimum and greater are correctly rounded IEEE
    /// operations (or exact selections): the kernel must match them bit for bit. pow is a libm
    /// function: within 8 ulps of the Double result, scaled by its condition |b log a| + 1.
    func checkBinary<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 11)
        let exact: [(BinaryFunction, String, (S, S) -> S)] = [
            (.add, "add", { $0 + $1 }), (.subtract, "subtract", { $0 - $1 }), (.multiply, "multiply", { $0 * $1 }),
            (.divide, "divide", { $0 / $1 }), (.maximum, "maximum", { Swift.max($0, $1) }),
            (.minimum, "minimum", { Swift.min($0, $1) }), (.greater, "greater", { $0 > $1 ? 1 : 0 }),
        ]
        for (sa, sb) in Self.shapePairs {
            let a = randomTensor(S.self, sa, -2, 2, &g)
            // Divisors away from zero; a few equal entries exercise max/min/greater ties.
            var b = randomTensor(S.self, sb, 0.5, 2, &g)
            if b.count > 0 { b = b * Tensor(shape: sb, scalars: (0..<b.count).map { $0 % 2 == 0 ? 1 : -1 }) }
            for (f, name, op) in exact {
                let (shape, want) = Self.reference(doubles(a), sa, doubles(b), sb) { Double(op(S($0), S($1))) }
                assertIdentical(a.applying(f, b), shape: shape, want, "\(S.self) \(name) \(sa) \(sb)")
            }
            let ties = a.applying(.maximum, a)
            assertIdentical(ties, shape: sa, doubles(a), "\(S.self) max(a, a) \(sa)")
            assertIdentical(a.applying(.greater, a), shape: sa, Array(repeating: 0, count: a.count), "a > a")
            // Operators are the same functions.
            assertIdentical(a + b, shape: Self.broadcastShape(sa, sb), doubles(a.applying(.add, b)), "+")
            assertIdentical(a - b, shape: Self.broadcastShape(sa, sb), doubles(a.applying(.subtract, b)), "-")
            assertIdentical(a * b, shape: Self.broadcastShape(sa, sb), doubles(a.applying(.multiply, b)), "*")
            assertIdentical(a / b, shape: Self.broadcastShape(sa, sb), doubles(a.applying(.divide, b)), "/")

            let base = randomTensor(S.self, sa, 0.25, 4, &g)
            let (shape, want) = Self.reference(doubles(base), sa, doubles(b), sb) { Foundation.pow($0, $1) }
            let (_, cond) = Self.reference(doubles(base), sa, doubles(b), sb) { abs($1 * Foundation.log($0)) + 1 }
            let u = unitRoundoff(S.self)
            assertWithin(base.applying(.pow, b), shape: shape, want,
                         bounds: zip(want, cond).map { 8 * u * abs($0) * $1 }, "\(S.self) pow \(sa) \(sb)")
        }
    }

    func testBinaryFloat() { checkBinary(Float.self) }
    func testBinaryDouble() { checkBinary(Double.self) }

    /// Scalar operators, `scaled(by:adding:)`, `raised(toInteger:)` and in-place `add`.
    /// x*s + t may be fused: within u (|x s| + |t|) + u|x s + t|. x^p by repeated or binary
    /// multiplication: within (p - 1) rounding errors, gamma_{p-1} |x|^p.
    func checkScalarOperations<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 12)
        let u = unitRoundoff(S.self)
        for shape in [[], [1], [7], [3, 5], [2, 3, 11]] {
            let x = randomTensor(S.self, shape, -3, 3, &g), xs = doubles(x)
            let (s, t) = (S(1.75), S(-0.3125))
            let affine = xs.map { $0 * Double(s) + Double(t) }
            let affineBound = xs.map { 2 * u * (abs($0 * Double(s)) + abs(Double(t))) }
            assertWithin(x.scaled(by: s, adding: t), shape: shape, affine, bounds: affineBound, "scaled \(shape)")
            assertIdentical(x * s, shape: shape, xs.map { Double(S($0) * s) }, "x * s")
            assertIdentical(s * x, shape: shape, xs.map { Double(S($0) * s) }, "s * x")
            assertIdentical(x + t, shape: shape, xs.map { Double(S($0) + t) }, "x + t")
            assertIdentical(x - t, shape: shape, xs.map { Double(S($0) - t) }, "x - t")
            assertWithin(x / s, shape: shape, xs.map { $0 / Double(s) }, bounds: xs.map { 2 * u * abs($0 / Double(s)) }, "x / s")
            assertIdentical(-x, shape: shape, xs.map { -$0 }, "-x")
            for p in 0...7 {
                let want = xs.map { Foundation.pow($0, Double(p)) }
                let gamma = Double(max(p - 1, 0) + 1) * u
                assertWithin(x.raised(toInteger: p), shape: shape, want, bounds: want.map { 1.01 * gamma * abs($0) },
                             "\(S.self) x^\(p) \(shape)")
            }
            var y = randomTensor(S.self, shape, -1, 1, &g)
            let ys = doubles(y)
            y.add(x, scaledBy: s)
            assertWithin(y, shape: shape, zip(ys, xs).map { $0 + Double(s) * $1 },
                         bounds: zip(ys, xs).map { 2 * u * (abs($0) + abs(Double(s) * $1)) }, "add(scaledBy:)")
        }
        XCTAssertEqual(Tensor<S>(zeros: [3]).raised(toInteger: 0).scalars, [1, 1, 1], "0^0 is 1")
    }

    func testScalarOperationsFloat() { checkScalarOperations(Float.self) }
    func testScalarOperationsDouble() { checkScalarOperations(Double.self) }
}
