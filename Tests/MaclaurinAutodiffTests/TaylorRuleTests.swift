import Foundation
import MaclaurinAutodiff
import XCTest

/// Every Taylor rule at orders K = 1...6 with D = 1...3 directions against nested first-order
/// derivatives, and the fused plain-tensor kernels against the composed recurrences.
///
/// Tolerances. A normalised coefficient y_k is a sum over the partitions of k (at most 11 for
/// k <= 6) of products of at most k + 1 factors, each the result of a recurrence of at most k
/// terms; every route that computes it (recurrence, nested jets, Faa di Bruno on nested
/// gradients) commits O(k^2) roundings of relative size u on terms of magnitude M_k (the same
/// sum with absolute values). We accept 16 k^2 u M_k, i.e. at most 576 u M_k at k = 6. Where
/// M_k is not available (nested jets), the largest |y_k| of the tensor stands in for it: the
/// inputs are O(1) with random signs, so the terms do not cancel catastrophically.
final class TaylorRuleTests: XCTestCase {
    static let maxOrder = 6
    static let maxDirections = 3

    static func bound(order k: Int) -> Double { 16 * Double(k * k) * FD.u }

    /// Coefficient k (1-based) of direction d from a `[K, D] + shape` series.
    static func coefficient(_ series: Tensor<Double>, _ k: Int, _ d: Int, shape: [Int]) -> Tensor<Double> {
        series.slice(axis: 0, (k - 1)..<k).slice(axis: 1, d..<(d + 1)).reshaped(to: shape)
    }

    /// The first `order` coefficients and `directions` directions of a `[6, 3] + shape` series.
    static func truncated(_ series: Tensor<Double>, order: Int, directions: Int) -> Tensor<Double> {
        series.slice(axis: 0, 0..<order).slice(axis: 1, 0..<directions)
    }

    // MARK: Elementwise rules against nested reverse mode (Faa di Bruno)

    /// Elementwise functions: every unary primitive, integer powers, the reciprocal (divide with a
    /// constant numerator), and the composed gelu and relu (relu away from its kink).
    static func elementwise() -> [FunctionCase] {
        var g = SeededGenerator(seed: 4)
        func unary(_ p: Primitive, _ x: Tensor<Double>) -> FunctionCase {
            FunctionCase(name: "\(p)", function: .primitive(p), inputs: [x])
        }
        let shape = [2, 3]
        var cases = [Primitive.negate, .exp, .tanh, .sigmoid, .sin, .cos, .softplus].map { unary($0, randomTensor(shape, -1.5, 1.5, &g)) }
        cases += [Primitive.log, .sqrt].map { unary($0, randomTensor(shape, 0.5, 2, &g)) }
        cases += [0, 1, 2, 3, 5].map { unary(.powInt($0), randomTensor(shape, -1.5, 1.5, &g)) }
        cases.append(FunctionCase(name: "reciprocal", function: .reciprocal, inputs: [randomAwayFromZero(shape, &g)]))
        cases.append(FunctionCase(name: "gelu", function: .gelu, inputs: [randomTensor(shape, -1.5, 1.5, &g)]))
        cases.append(FunctionCase(name: "relu", function: .relu, inputs: [randomAwayFromZero(shape, &g)]))
        return cases
    }

    /// y(t) = sum_j f^(j)(x0) / j! (x(t) - x0)^j truncated at order K, for each element and
    /// direction, with f^(j) from nested reverse mode: coefficients [K, D] + shape and their
    /// magnitudes (the same sum in absolute values).
    static func faaDiBruno(_ derivatives: [Tensor<Double>], series: Tensor<Double>, order: Int, directions: Int)
        -> (values: [Double], magnitudes: [Double]) {
        let n = derivatives[0].count
        let f = derivatives.map(\.scalars)
        let s = series.scalars
        var values = [Double](repeating: 0, count: order * directions * n), magnitudes = values
        for d in 0..<directions {
            for i in 0..<n {
                let delta = [0.0] + (0..<order).map { s[($0 * directions + d) * n + i] }
                var power = [1.0] + Array(repeating: 0.0, count: order)      // delta^0
                var absPower = power
                var factorial = 1.0
                for j in 1...order {
                    factorial *= Double(j)
                    power = Self.truncatedProduct(power, delta, order)
                    absPower = Self.truncatedProduct(absPower, delta.map(abs), order)
                    for k in 1...order {
                        values[((k - 1) * directions + d) * n + i] += f[j][i] / factorial * power[k]
                        magnitudes[((k - 1) * directions + d) * n + i] += abs(f[j][i]) / factorial * absPower[k]
                    }
                }
            }
        }
        return (values, magnitudes)
    }

    static func truncatedProduct(_ a: [Double], _ b: [Double], _ order: Int) -> [Double] {
        (0...order).map { k in (0...k).reduce(0) { $0 + a[$1] * b[k - $1] } }
    }

    func testElementwiseJetsAgainstNestedReverseMode() {
        var gen = SeededGenerator(seed: 5)
        for c in Self.elementwise() {
            let x = c.inputs[0]
            let derivatives = NestedReference.elementwiseDerivatives(c.function, at: x, order: Self.maxOrder)
            let full = randomTensor([Self.maxOrder, Self.maxDirections] + x.shape, -1, 1, &gen)
            for order in 1...Self.maxOrder {
                for directions in 1...Self.maxDirections {
                    let series = Self.truncated(full, order: order, directions: directions)
                    let y = c.function([Jet(primal: x, series: series, order: order, directions: directions)])
                    XCTAssertTrue(y.primal.isIdentical(to: c.function([x])), "\(c.name): primal")
                    let (want, magnitude) = Self.faaDiBruno(derivatives, series: series, order: order, directions: directions)
                    let got = (y.series ?? Tensor(zeros: series.shape)).scalars
                    let n = x.count
                    for (index, (g, w)) in zip(got, want).enumerated() {
                        let k = index / (directions * n) + 1
                        let tolerance = Self.bound(order: k) * magnitude[index] + 1e-300
                        if !(abs(g - w) <= tolerance) {
                            XCTFail("\(c.name) K=\(order) D=\(directions): coefficient \(k) entry \(index) is \(g), "
                                    + "want \(w) (error \(abs(g - w)) > \(tolerance))")
                            break
                        }
                    }
                }
            }
        }
    }

    // MARK: Every rule against nested order-1 jets

    /// Scale of direction d relative to direction 0 (see below).
    static let directionScales = [1.0, -0.7, 1.3]

    /// Every non-elementwise case (elementwise rules are covered above with general series):
    /// random polynomial paths x_i(t) = x_i + sum_{k<=6} s_{i,k} t^k; jets of every order K <= 6
    /// and direction count D <= 3 (the first K coefficients, the first D directions) against 6
    /// nested order-1 jets along the path. Direction d is the path t -> x(a_d t), with series
    /// a_d^k s_k, so its reference is a_d^k times that of direction 0 and one nested evaluation
    /// serves all directions (nested jets cost ~3^6 operations per product). For n-ary
    /// primitives, also with all inputs but one constant.
    func testJetsAgainstNestedOrderOneJets() {
        var gen = SeededGenerator(seed: 6)
        for c in FunctionTable.primitives() + FunctionTable.composed() where c.supportsTaylor && !c.isElementwise {
            let base = c.inputs.map { randomTensor([Self.maxOrder] + $0.shape, -1, 1, &gen) }
            // [6, 3] + shape: coefficient k of direction d is a_d^k s_k.
            let full = base.map { s in
                Tensor.concatenate((1...Self.maxOrder).map { k in
                    Tensor.concatenate(Self.directionScales.map { a in
                        s.slice(axis: 0, (k - 1)..<k) * Foundation.pow(a, Double(k))
                    }, axis: 0).reshaped(to: [1, Self.maxDirections] + Array(s.shape.dropFirst()))
                }, axis: 0)
            }
            let masks = c.inputs.count == 1 ? [[true]] : [Array(repeating: true, count: c.inputs.count)]
                + c.inputs.indices.map { i in c.inputs.indices.map { $0 == i } }
            for mask in masks {
                let reference = NestedReference.taylorCoefficients(c.reference ?? c.function, c.inputs.indices.map { i in
                    [c.inputs[i]] + (mask[i] ? (1...Self.maxOrder).map { Self.coefficient(full[i], $0, 0, shape: c.inputs[i].shape) } : [])
                })
                for order in 1...Self.maxOrder {
                    for directions in 1...Self.maxDirections {
                        let jets = c.inputs.indices.map { i in
                            mask[i] ? Jet(primal: c.inputs[i], series: Self.truncated(full[i], order: order, directions: directions),
                                          order: order, directions: directions)
                                : Jet<Tensor<Double>>(constant: c.inputs[i])
                        }
                        let y = c.function(jets)
                        let what = "\(c.name) mask \(mask) K=\(order) D=\(directions)"
                        XCTAssertTrue(y.primal.isIdentical(to: c.function(c.inputs)), "\(what): primal")
                        guard let series = y.series else {
                            // A constant result (e.g. x^0) must have vanishing derivatives.
                            XCTAssertEqual(reference[1...].map(maxAbs).max(), 0, "\(what): constant result")
                            continue
                        }
                        XCTAssertEqual(series.shape, [order, directions] + y.shape, "\(what): series shape")
                        for k in 1...order {
                            for d in 0..<directions {
                                let want = reference[k] * Foundation.pow(Self.directionScales[d], Double(k))
                                let got = Self.coefficient(series, k, d, shape: y.shape)
                                assertClose(got, want, relative: Self.bound(order: k), "\(what): coefficient \(k), direction \(d)")
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: Fused kernels against the composed recurrences

    /// `Tensor.taylorElementwise` / `taylorMultiply` (fused kernels) against the composed primitive
    /// recurrences on the same values: the same recurrences in a different association, so a
    /// normwise relative 1e-12 per coefficient order (~4500 u, over the 576 u * M_k / max|y_k| of
    /// the error model above). Primals come from two implementations of f, each within 8 ulps of
    /// the condition-scaled result (see UnaryFunctionTests): 32 u normwise.
    func testFusedKernelsMatchComposedRecurrences() {
        var gen = SeededGenerator(seed: 7)
        let shape = [3, 5]
        for f in AnalyticFunction.allCases {
            let x0: Tensor<Double>
            switch f {
            case .log, .sqrt: x0 = randomTensor(shape, 0.5, 2, &gen)
            case .reciprocal: x0 = randomAwayFromZero(shape, &gen)
            case .exp, .tanh, .sigmoid, .sin, .cos, .softplus: x0 = randomTensor(shape, -2, 2, &gen)
            }
            for order in 1...Self.maxOrder {
                for directions in 1...Self.maxDirections {
                    let xs = randomTensor([order, directions] + shape, -1, 1, &gen)
                    let fused = Tensor.taylorElementwise(f, primal: x0, series: xs, order: order, directions: directions)
                    let composed = Tensor.composedTaylorElementwise(f, primal: x0, series: xs, order: order, directions: directions)
                    assertClose(fused.primal, composed.primal, relative: 32 * FD.u, "\(f) K=\(order) D=\(directions): primal")
                    XCTAssertEqual(fused.series.shape, composed.series.shape)
                    for k in 1...order {
                        let a = fused.series.slice(axis: 0, (k - 1)..<k), b = composed.series.slice(axis: 0, (k - 1)..<k)
                        assertClose(a, b, relative: 1e-12, "\(f) K=\(order) D=\(directions): coefficient \(k)")
                    }
                }
            }
        }
        for order in 1...Self.maxOrder {
            for directions in 1...Self.maxDirections {
                let (a0, b0) = (randomTensor(shape, -2, 2, &gen), randomTensor(shape, -2, 2, &gen))
                let (a, b) = (randomTensor([order, directions] + shape, -1, 1, &gen), randomTensor([order, directions] + shape, -1, 1, &gen))
                let fused = Tensor.taylorMultiply(a0, a, b0, b, order: order, directions: directions)
                let composed = Tensor.composedTaylorMultiply(a0, a, b0, b, order: order, directions: directions)
                assertClose(fused.primal, composed.primal, relative: 0, "multiply K=\(order) D=\(directions): primal")
                for k in 1...order {
                    assertClose(fused.series.slice(axis: 0, (k - 1)..<k), composed.series.slice(axis: 0, (k - 1)..<k),
                                relative: 1e-12, "multiply K=\(order) D=\(directions): coefficient \(k)")
                }
            }
        }
    }
}
