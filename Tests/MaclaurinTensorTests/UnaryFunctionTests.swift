import Foundation
import MaclaurinTensor
import XCTest

/// Every `UnaryFunction` against a Double reference from the C library.
///
/// Accuracy contract checked: selections and sign manipulations (negate, abs, relu, step, sign,
/// isFinite) are exact; every other function is within 8 ulps of the condition-scaled result,
/// |y - f(x)| <= 8 u (|f(x)| + |x f'(x)|): the error a correctly rounded f would make on an
/// input perturbed by one rounding, with a factor 8 of headroom for vectorised approximations.
final class UnaryFunctionTests: XCTestCase {
    struct Case {
        var function: UnaryFunction
        var name: String
        var domain: ClosedRange<Double>
        /// f and x f'(x) (nil: the kernel must be exact).
        var f: (Double) -> Double
        var conditioning: ((Double) -> Double)?
        /// An absolute error accepted on top, in units of u: softplus(x) = log(1 + e^x) is
        /// commonly computed without log1p, which is exact to u absolutely but not relatively
        /// where softplus underflows towards 0.
        var absoluteUlps: Double = 0
    }

    static func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x)) }
    static func softplus(_ x: Double) -> Double { Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-abs(x))) }

    static let cases: [Case] = [
        Case(function: .negate, name: "negate", domain: -5...5, f: { -$0 }, conditioning: nil),
        Case(function: .exp, name: "exp", domain: -30...30, f: { Foundation.exp($0) }, conditioning: { $0 * Foundation.exp($0) }),
        Case(function: .log, name: "log", domain: 1e-3...50, f: { Foundation.log($0) }, conditioning: { _ in 1 }),
        Case(function: .tanh, name: "tanh", domain: -20...20, f: { Foundation.tanh($0) },
             conditioning: { $0 * (1 - Foundation.tanh($0) * Foundation.tanh($0)) }),
        Case(function: .sigmoid, name: "sigmoid", domain: -40...40, f: sigmoid,
             conditioning: { $0 * sigmoid($0) * (1 - sigmoid($0)) }),
        Case(function: .sin, name: "sin", domain: -10...10, f: { Foundation.sin($0) }, conditioning: { $0 * Foundation.cos($0) }),
        Case(function: .cos, name: "cos", domain: -10...10, f: { Foundation.cos($0) }, conditioning: { -$0 * Foundation.sin($0) }),
        Case(function: .sqrt, name: "sqrt", domain: 0...100, f: { $0.squareRoot() }, conditioning: { $0.squareRoot() / 2 }),
        Case(function: .abs, name: "abs", domain: -5...5, f: { abs($0) }, conditioning: nil),
        Case(function: .relu, name: "relu", domain: -5...5, f: { Swift.max($0, 0) }, conditioning: nil),
        Case(function: .softplus, name: "softplus", domain: -40...40, f: softplus, conditioning: { $0 * sigmoid($0) },
             absoluteUlps: 1),
        Case(function: .square, name: "square", domain: -5...5, f: { $0 * $0 }, conditioning: { 2 * $0 * $0 }),
        Case(function: .reciprocal, name: "reciprocal", domain: 0.05...20, f: { 1 / $0 }, conditioning: { 1 / $0 }),
        Case(function: .step, name: "step", domain: -5...5, f: { $0 > 0 ? 1 : 0 }, conditioning: nil),
        Case(function: .sign, name: "sign", domain: -5...5, f: { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }, conditioning: nil),
        Case(function: .isFinite, name: "isFinite", domain: -5...5, f: { $0.isFinite ? 1 : 0 }, conditioning: nil),
    ]

    /// Inputs: random values over the case's domain (with sign flipped for reciprocal), the
    /// domain's end points, and special values where the function is defined on them.
    static func inputs<S: TensorScalar>(_ c: Case, _: S.Type, count n: Int, _ g: inout SeededGenerator) -> [Double] {
        var xs = randomScalars(S.self, n, c.domain.lowerBound, c.domain.upperBound, &g)
        xs += [Double(S(c.domain.lowerBound)), Double(S(c.domain.upperBound))]
        switch c.function {
        case .reciprocal: xs = xs.enumerated().map { $0.offset % 2 == 0 ? $0.element : -$0.element }
        case .negate, .abs, .relu, .step, .sign, .square, .tanh, .sin, .cos, .exp: xs += [0]
        case .isFinite: xs += [0, .infinity, -.infinity, .nan, Double(S.greatestFiniteMagnitude)]
        case .sigmoid, .softplus: xs += [0, -700, 700]
        case .sqrt: xs += [0, 1, 4]
        case .log: xs += [1]
        }
        return xs
    }

    func check<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 21)
        let u = unitRoundoff(S.self)
        for c in Self.cases {
            // Lengths around SIMD widths, so vector bodies and scalar tails both run.
            for n in [1, 7, 8, 9, 31, 1000] {
                let xs = Self.inputs(c, S.self, count: n, &g)
                let x = Tensor<S>(shape: [xs.count], scalars: xs.map { S($0) })
                let y = x.applying(c.function)
                let want = xs.map { c.f($0) }
                if let cond = c.conditioning {
                    // Reference rounded to S first: a result that overflows or underflows in S is exact.
                    let floor = c.absoluteUlps * u + Double(S.leastNormalMagnitude)
                    let bounds = zip(xs, want).map { x, w in 8 * u * (abs(w) + abs(cond(x))) + floor }
                    assertWithin(y, shape: [xs.count], want.map { Double(S($0)) }, bounds: bounds,
                                 "\(S.self) \(c.name) n=\(n)")
                } else {
                    assertIdentical(y, shape: [xs.count], want, "\(S.self) \(c.name) n=\(n)")
                }
            }
        }
    }

    func testUnaryFunctionsFloat() { check(Float.self) }
    func testUnaryFunctionsDouble() { check(Double.self) }

    /// Saturating functions stay finite and exact at extreme arguments.
    func testSaturation() {
        let x = Tensor<Double>([-800, -40, 40, 800])
        XCTAssertEqual(x.applying(.sigmoid).scalars[0], 0)
        XCTAssertEqual(x.applying(.sigmoid).scalars[3], 1)
        XCTAssertEqual(x.applying(.tanh).scalars, [-1, -1, 1, 1])
        XCTAssertEqual(x.applying(.softplus).scalars[3], 800)
        XCTAssertEqual(x.applying(.softplus).scalars[0], 0)
        XCTAssertTrue(x.applying(.softplus).isFinite)
        XCTAssertFalse(Tensor<Double>([1, .nan]).isFinite)
        XCTAssertFalse(Tensor<Float>([.infinity]).isFinite)
        XCTAssertTrue(Tensor<Float>(zeros: [0]).isFinite)
    }

    func testMaxAbsDifference() {
        let a = Tensor<Double>([1, -2, 3]), b = Tensor<Double>([1.5, -2, 1])
        XCTAssertEqual(a.maxAbsDifference(b), 2)
        XCTAssertEqual(a.maxAbsDifference(a), 0)
    }
}
