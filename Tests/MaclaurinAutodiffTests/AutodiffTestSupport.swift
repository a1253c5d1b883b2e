import MaclaurinAutodiff
import XCTest

/// Shared helpers for the derivative-engine tests: finite differences, comparisons with stated
/// tolerances, and the table of primitive cases.
///
/// Finite differences use the 5-point central stencil
///   f'(0) ~ (f(-2h) - 8 f(-h) + 8 f(h) - f(2h)) / (12 h),
/// whose truncation error is h^4 f^(5) / 30 and whose rounding error is at most
/// (18 / 12) e / h for an evaluation error e. With h = 1e-3 and O(1) inputs the truncation
/// error is ~1e-13 f^(5), so a relative tolerance of 1e-7 leaves six orders of margin for
/// derivatives up to ~1e5, while the rounding term is carried explicitly as `noise`.
enum FD {
    static let h = 1e-3
    static let u = Double.ulpOfOne / 2

    static func derivative(h: Double = FD.h, _ f: (Double) -> Double) -> Double {
        (f(-2 * h) - 8 * f(-h) + 8 * f(h) - f(2 * h)) / (12 * h)
    }

    /// The 5-point stencil applied to a vector-valued function (one evaluation per stencil point).
    static func derivatives(h: Double = FD.h, _ f: (Double) -> [Double]) -> [Double] {
        let (a, b, c, d) = (f(-2 * h), f(-h), f(h), f(2 * h))
        return a.indices.map { (a[$0] - 8 * b[$0] + 8 * c[$0] - d[$0]) / (12 * h) }
    }

    /// `x` with `t` added to flat element `j`.
    static func perturbed(_ x: Tensor<Double>, _ j: Int, _ t: Double) -> Tensor<Double> {
        var y = x
        y.withUnsafeMutablePointer { $0[j] += t }
        return y
    }

    /// d/dt f(x + t v) at 0, moving input `i` only.
    static func directional(_ inputs: [Tensor<Double>], _ i: Int, _ v: Tensor<Double>, h: Double = FD.h,
                            _ f: ([Tensor<Double>]) -> Double) -> Double {
        derivative(h: h) { t in
            var moved = inputs
            moved[i] = inputs[i] + v * t
            return f(moved)
        }
    }

    /// The gradient of a scalar function of several tensors by 5-point differences, element by element.
    static func gradient(_ inputs: [Tensor<Double>], h: Double = FD.h, _ f: ([Tensor<Double>]) -> Double) -> [Tensor<Double>] {
        inputs.indices.map { i in
            let x = inputs[i]
            let values = (0..<x.count).map { j in
                derivative(h: h) { t in
                    var moved = inputs
                    moved[i] = perturbed(x, j, t)
                    return f(moved)
                }
            }
            return Tensor(shape: x.shape, scalars: values)
        }
    }
}

/// <a, b> (equal shapes) with the sum of |a_i b_i|.
func inner(_ a: Tensor<Double>, _ b: Tensor<Double>) -> (value: Double, magnitude: Double) {
    precondition(a.count == b.count, "inner product of \(a.shape) and \(b.shape)")
    var s = 0.0, m = 0.0
    for (x, y) in zip(a.scalars, b.scalars) { s += x * y; m += abs(x * y) }
    return (s, m)
}

func maxAbs(_ t: Tensor<Double>) -> Double { t.scalars.reduce(0) { max($0, abs($1)) } }

/// Asserts |got_i - want_i| <= relative * max(max_j |want_j|, max_j |got_j|) + absolute for every
/// element: a normwise relative error (each entry measured against the largest entry of the
/// tensor), with an absolute floor for rounding noise that has been bounded separately.
func assertClose(_ got: Tensor<Double>, _ want: Tensor<Double>, relative: Double, absolute: Double = 0,
                 _ what: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
    guard got.shape == want.shape else {
        XCTFail("\(what()): shape \(got.shape), want \(want.shape)", file: file, line: line)
        return
    }
    let scale = max(maxAbs(want), maxAbs(got))
    let bound = relative * scale + absolute
    var worst = 0.0, at = 0
    for (i, (g, w)) in zip(got.scalars, want.scalars).enumerated() {
        let e = abs(g - w)
        if !(e <= worst) { worst = e; at = i }
    }
    if !(worst <= bound) {
        XCTFail("\(what()): element \(at) is \(got.scalars[at]), want \(want.scalars[at]); error \(worst) > \(bound) "
                + "(relative \(relative) of scale \(scale) + \(absolute))", file: file, line: line)
    }
}

func randomTensor(_ shape: [Int], _ low: Double = -1, _ high: Double = 1, _ g: inout SeededGenerator) -> Tensor<Double> {
    Tensor(randomUniform: shape, low: low, high: high, generator: &g)
}

/// Values with |x| in [0.5, 2] and random sign (divisors, relu inputs away from the kink).
func randomAwayFromZero(_ shape: [Int], _ g: inout SeededGenerator) -> Tensor<Double> {
    let m = randomTensor(shape, 0.5, 2, &g)
    let s = randomTensor(shape, -1, 1, &g).scalars.map { $0 < 0 ? -1.0 : 1.0 }
    return m * Tensor(shape: shape, scalars: s)
}
