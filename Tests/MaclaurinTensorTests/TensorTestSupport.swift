import MaclaurinTensor
import XCTest

/// Shared helpers for the tensor tests: row-major index arithmetic for naive references,
/// deterministic random inputs, and comparisons with explicit error bounds.
///
/// Every reference is computed in `Double` by the most literal loop over indices; each
/// tolerance is an error bound stated next to the comparison (exact where the operation is a
/// copy or a correctly rounded IEEE operation, otherwise a multiple of the unit roundoff scaled
/// by the condition of the computation).
enum Index {
    /// Row-major multi-index of flat position `flat` in `shape`.
    static func unflatten(_ flat: Int, _ shape: [Int]) -> [Int] {
        var index = [Int](repeating: 0, count: shape.count)
        var rest = flat
        for a in stride(from: shape.count - 1, through: 0, by: -1) {
            index[a] = rest % shape[a]
            rest /= shape[a]
        }
        return index
    }

    /// Row-major flat position of `index` in `shape`.
    static func flatten(_ index: [Int], _ shape: [Int]) -> Int {
        var flat = 0
        for (i, extent) in zip(index, shape) { flat = flat * extent + i }
        return flat
    }

    static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }
}

/// The unit roundoff of `S` as a `Double` (2^-24 for Float, 2^-53 for Double).
func unitRoundoff<S: TensorScalar>(_: S.Type) -> Double { Double(S.ulpOfOne) / 2 }

/// Uniform random scalars in [low, high) as Doubles already rounded to `S` (so the Double
/// reference sees exactly the values the kernel sees).
func randomScalars<S: TensorScalar>(_: S.Type, _ count: Int, _ low: Double, _ high: Double,
                                    _ g: inout SeededGenerator) -> [Double] {
    (0..<count).map { _ in Double(S(low + (high - low) * g.nextUnit())) }
}

/// A tensor of uniform random values in [low, high).
func randomTensor<S: TensorScalar>(_: S.Type, _ shape: [Int], _ low: Double = -1, _ high: Double = 1,
                                   _ g: inout SeededGenerator) -> Tensor<S> {
    Tensor(shape: shape, scalars: randomScalars(S.self, Index.count(shape), low, high, &g).map { S($0) })
}

func doubles<S: TensorScalar>(_ t: Tensor<S>) -> [Double] { t.scalars.map { Double($0) } }

/// Asserts shape equality and bitwise-equal scalars (NaN equal to NaN).
func assertIdentical<S: TensorScalar>(_ got: Tensor<S>, shape: [Int], _ want: [Double], _ what: String,
                                      file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.shape, shape, "\(what): shape", file: file, line: line)
    guard got.count == want.count else {
        XCTFail("\(what): \(got.count) scalars, want \(want.count)", file: file, line: line)
        return
    }
    for (i, (g, w)) in zip(got.scalars, want).enumerated() {
        let same = g == S(w) || (g.isNaN && w.isNaN)
        if !same {
            XCTFail("\(what): element \(i) is \(g), want \(S(w)) exactly", file: file, line: line)
            return
        }
    }
}

/// Asserts |got_i - want_i| <= bound_i for every element (and equal shapes).
func assertWithin<S: TensorScalar>(_ got: Tensor<S>, shape: [Int], _ want: [Double], bounds: [Double],
                                   _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.shape, shape, "\(what): shape", file: file, line: line)
    guard got.count == want.count, bounds.count == want.count else {
        XCTFail("\(what): \(got.count) scalars, want \(want.count)", file: file, line: line)
        return
    }
    for (i, g) in got.scalars.enumerated() {
        let err = abs(Double(g) - want[i])
        if !(err <= bounds[i]) {
            XCTFail("\(what): element \(i) is \(g), want \(want[i]) (error \(err) > bound \(bounds[i]))",
                    file: file, line: line)
            return
        }
    }
}

/// sum_i a_i b_i in Double with the sum of |a_i b_i| (for rounding bounds).
func dot(_ a: [Double], _ b: [Double]) -> (value: Double, magnitude: Double) {
    precondition(a.count == b.count, "dot of \(a.count) and \(b.count) values")
    var s = 0.0, m = 0.0
    for (x, y) in zip(a, b) { s += x * y; m += abs(x * y) }
    return (s, m)
}

/// Asserts <lhs> == <rhs> for two inner products that are equal in exact arithmetic, i.e.
/// <A x, y> = <x, A^T y>. Each side is a sum of at most n elementary products x_i A_ij y_j whose
/// absolute values sum to M = <|A| |x|, |y|>, rounded in `S` (by the operator) and in Double (by
/// the inner product), so each is within gamma_n M of the exact value (Higham, "Accuracy and
/// Stability of Numerical Algorithms", 2nd ed., 3.1). M defaults to the magnitude of the left
/// side, which is exact when A only copies (slice, gather, broadcast, im2col).
func assertAdjoint<S: TensorScalar>(_: S.Type, _ lhs: (value: Double, magnitude: Double),
                                    _ rhs: (value: Double, magnitude: Double), magnitude: Double? = nil,
                                    terms n: Int, _ what: String,
                                    file: StaticString = #filePath, line: UInt = #line) {
    let u = unitRoundoff(S.self)
    let gamma = Double(n + 2) * u / (1 - Double(n + 2) * u)
    let bound = 2 * gamma * (magnitude ?? lhs.magnitude) + Double.leastNormalMagnitude
    XCTAssertLessThanOrEqual(abs(lhs.value - rhs.value), bound, "\(what): <A x, y> != <x, A^T y>", file: file, line: line)
}
