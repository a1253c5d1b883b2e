import Foundation
import MaclaurinNN
import XCTest

/// TaylorExpansion and PolynomialDense: the two parameterisations, basis conversions, series
/// initialisation, second-order derivatives and Taylor mode.
final class PolynomialLayerTests: XCTestCase {
    /// The Keras answer computed literally: h_p = a_p x^p, s = cumsum_p h, y = sum_p w_p s_p.
    func kerasAnswer(_ x: Tensor<Double>, a: Tensor<Double>, w: Tensor<Double>) -> Tensor<Double> {
        let (rows, units, width) = (x.shape[0], x.shape[1], a.shape[1])
        var out = [Double]()
        for b in 0..<rows { for i in 0..<units {
            var s = 0.0, y = 0.0
            for p in 0..<width {
                s += a[i, p] * Foundation.pow(x[b, i], Double(p))
                y += w[i, p] * s
            }
            out.append(y)
        } }
        return Tensor(shape: x.shape, scalars: out)
    }

    func testParameterisationsAgree() {
        let (a, w) = (Support.random([5, 4], seed: 1), Support.random([5, 4], seed: 2))
        let x = Support.random([6, 5], seed: 3, low: -2, high: 2)
        let keras = TaylorExpansion<Double>(a: a, w: w)
        XCTAssertEqual(keras.parameterNames, ["a", "w"])
        let want = kerasAnswer(x, a: a, w: w)
        Support.assertClose(keras.forward(x, parameters: keras.parameters, context: .inference), want, 1e-12, "cumulative")
        let collapsed = keras.converted(to: .collapsed)
        XCTAssertEqual(collapsed.parameterNames, ["c"])
        Support.assertClose(collapsed.forward(x, parameters: collapsed.parameters, context: .inference), want, 1e-12, "collapsed")
        // c_p = a_p sum_{q >= p} w_q, entry by entry.
        let c = collapsed.coefficients
        for i in 0..<5 { for p in 0..<4 {
            XCTAssertEqual(c[i, p], a[i, p] * (p..<4).reduce(0.0) { $0 + w[i, $1] }, accuracy: 1e-15)
        } }
        // c -> (a, w) -> c is exact, and the round trip keeps the function.
        let (a2, w2) = TaylorExpansion<Double>.expand(coefficients: c)
        XCTAssertTrue(TaylorExpansion<Double>.collapse(a: a2, w: w2).isIdentical(to: c))
        let back = collapsed.converted(to: .cumulative)
        Support.assertClose(back.forward(x, parameters: back.parameters, context: .inference), want, 1e-12, "round trip")
        // The same on a conv feature map: one polynomial per channel (last axis).
        let image = Support.random([2, 3, 3, 5], seed: 4)
        let rows = image.reshaped(to: [-1, 5])
        Support.assertClose(keras.forward(image, parameters: keras.parameters, context: .inference).reshaped(to: [-1, 5]),
                            kerasAnswer(rows, a: a, w: w), 1e-12, "channels")
    }

    func testBasisConversionsAreExact() {
        // Known closed forms.
        XCTAssertEqual(PolynomialBasis.chebyshev.monomialMatrix(order: 6)[6], [-1, 0, 18, 0, -48, 0, 32])
        XCTAssertEqual(PolynomialBasis.chebyshev.monomialMatrix(order: 5)[5], [0, 5, 0, -20, 0, 16])
        XCTAssertEqual(PolynomialBasis.hermite.monomialMatrix(order: 4)[4], [3, 0, -6, 0, 1])
        XCTAssertEqual(PolynomialBasis.hermite.monomialMatrix(order: 5)[5], [0, 15, 0, -10, 0, 1])
        // x^4 = (3 T_0 + 4 T_2 + T_4) / 8 and x^4 = He_4 + 6 He_2 + 3 He_0.
        XCTAssertEqual(PolynomialBasis.chebyshev.basisMatrix(order: 4)[4], [3.0 / 8, 0, 0.5, 0, 1.0 / 8])
        XCTAssertEqual(PolynomialBasis.hermite.basisMatrix(order: 4)[4], [3, 0, 6, 0, 1])
        for basis in PolynomialBasis.allCases {
            for n in 0...12 {
                let m = basis.monomialMatrix(order: n), r = basis.basisMatrix(order: n)
                for i in 0...n { for j in 0...n {
                    let product = (0...n).reduce(0.0) { $0 + r[i][$1] * m[$1][j] }
                    XCTAssertEqual(product, i == j ? 1 : 0, "\(basis) order \(n): (R M)[\(i)][\(j)]")
                } }
            }
            // Integer coefficients survive monomial -> basis -> monomial bit for bit.
            let integers: [Double] = [3, -1, 4, 1, -5, 9, 2, -6]
            XCTAssertEqual(basis.monomialCoefficients(basis.coefficients(fromMonomial: integers)), integers, "\(basis)")
        }
    }

    func testChebyshevAndHermiteEvaluation() {
        let c = Support.random([3, 6], seed: 5)
        let z = Support.random([7, 3], seed: 6)
        let cheb = TaylorExpansion<Double>(coefficients: c, basis: .chebyshev)
        let herm = TaylorExpansion<Double>(coefficients: c, basis: .hermite)
        let yc = cheb.forward(z, parameters: cheb.parameters, context: .inference)
        let yh = herm.forward(z, parameters: herm.parameters, context: .inference)
        for b in 0..<7 { for i in 0..<3 {
            let t = z[b, i]
            // T_p(cos theta) = cos(p theta) on [-1, 1].
            let wantC = (0..<6).reduce(0.0) { $0 + c[i, $1] * Foundation.cos(Double($1) * Foundation.acos(t)) }
            XCTAssertEqual(yc[b, i], wantC, accuracy: 1e-13)
            let he = [1, t, t * t - 1, t * t * t - 3 * t, Foundation.pow(t, 4) - 6 * t * t + 3,
                      Foundation.pow(t, 5) - 10 * t * t * t + 15 * t]
            XCTAssertEqual(yh[b, i], (0..<6).reduce(0.0) { $0 + c[i, $1] * he[$1] }, accuracy: 1e-13)
        } }
        // The Maclaurin coefficients describe the same function (Horner on them).
        let mono = TaylorExpansion<Double>(coefficients: cheb.maclaurinCoefficients)
        Support.assertClose(mono.forward(z, parameters: mono.parameters, context: .inference), yc, 1e-13, "chebyshev -> monomial")
    }

    func testSeriesFromOurTaylorMode() {
        let tanh = SeriesFunction.tanh.maclaurinCoefficients(order: 9)
        let want = [0, 1, 0, -1.0 / 3, 0, 2.0 / 15, 0, -17.0 / 315, 0, 62.0 / 2835]
        for (g, w) in zip(tanh, want) { XCTAssertEqual(g, w, accuracy: 1e-15) }
        let known: [SeriesFunction: [Double]] = [
            .sigmoid: [0.5, 0.25, 0, -1.0 / 48, 0, 1.0 / 480],
            .sin: [0, 1, 0, -1.0 / 6, 0, 1.0 / 120],
            .cos: [1, 0, -0.5, 0, 1.0 / 24, 0],
            .exp: [1, 1, 0.5, 1.0 / 6, 1.0 / 24, 1.0 / 120],
            .softplus: [Foundation.log(2), 0.5, 0.125, 0, -1.0 / 192, 0],
            .identity: [0, 1, 0, 0, 0, 0],
        ]
        for (f, w) in known {
            let got = f.maclaurinCoefficients(order: 5)
            for (k, (g, e)) in zip(got, w).enumerated() { XCTAssertEqual(g, e, accuracy: 1e-15, "\(f) coefficient \(k)") }
        }
        // A layer initialised from tanh's series is tanh near 0 (error ~ x^11), in every basis
        // and parameterisation.
        let x = Support.random([4, 3], seed: 7, low: -0.1, high: 0.1)
        for basis in PolynomialBasis.allCases { for p in TaylorParameterization.allCases {
            let layer = TaylorExpansion<Double>(units: 3, order: 9, parameterization: p, basis: basis, initialization: .series(.tanh))
            Support.assertClose(layer.forward(x, parameters: layer.parameters, context: .inference),
                                x.applying(.tanh), 1e-13, "\(basis) \(p) tanh init")
        } }
    }

    func testIdentityInitialisationAndBounding() {
        let x = Support.random([5, 4], seed: 8, low: -3, high: 3)
        for basis in PolynomialBasis.allCases { for p in TaylorParameterization.allCases {
            let layer = TaylorExpansion<Double>(units: 4, order: 3, parameterization: p, basis: basis)
            Support.assertClose(layer.forward(x, parameters: layer.parameters, context: .inference), x, 1e-15, "\(basis) \(p) identity")
        } }
        // tanh bounding: z = tanh(s x) / s, so identity init gives exactly that, and huge inputs stay finite.
        let bounded = TaylorExpansion<Double>(units: 4, order: 3, bounding: .tanh(scale: 2, learnable: true),
                                              initialization: .series(.exp))
        XCTAssertEqual(bounded.parameterNames, ["c", "scale"])
        let huge = x * 1e200
        let y = bounded.forward(huge, parameters: bounded.parameters, context: .inference)
        XCTAssertTrue(y.isFinite)
        let unbounded = TaylorExpansion<Double>(units: 4, order: 3, initialization: .series(.exp))
        XCTAssertFalse(unbounded.forward(huge, parameters: unbounded.parameters, context: .inference).isFinite,
                       "without bounding x^3 overflows")
        let yx = bounded.forward(x, parameters: bounded.parameters, context: .inference)
        for b in 0..<5 { for i in 0..<4 {
            let z = Foundation.tanh(2 * x[b, i]) / 2
            XCTAssertEqual(yx[b, i], 1 + z + z * z / 2 + z * z * z / 6, accuracy: 1e-14)
        } }
        // Normalisation: zero mean, unit variance per row before the polynomial.
        let norm = TaylorExpansion<Double>(units: 4, order: 2, bounding: .normalization(epsilon: 1e-12))
        let z = norm.forward(x, parameters: norm.parameters, context: .inference)
        for b in 0..<5 {
            let row = (0..<4).map { z[b, $0] }
            let mean = row.reduce(0, +) / 4
            XCTAssertEqual(mean, 0, accuracy: 1e-14)
            XCTAssertEqual(row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 4, 1, accuracy: 1e-10)
        }
    }

    func testSecondOrderDerivatives() {
        let x = Support.random([3, 4], seed: 9, low: -1.2, high: 1.2)
        var g = SeededGenerator(seed: 10)
        for basis in PolynomialBasis.allCases {
            for bounding in [InputBounding.none, .tanh(scale: 0.7, learnable: true), .normalization(epsilon: 1e-3)] {
                var layer = TaylorExpansion<Double>(units: 4, order: 4, parameterization: .cumulative, basis: basis, bounding: bounding)
                layer.parameters = layer.parameters.enumerated().map { Support.random($0.element.shape, seed: 20 + UInt64($0.offset), low: 0.5, high: 1.2) }
                Support.checkHessianVectorProduct(layer, input: x)
                Support.checkHessianVectorProduct(layer.converted(to: .collapsed), input: x)
            }
        }
        for bounding in [InputBounding.none, .tanh(scale: 1.1, learnable: true)] {
            var dense = PolynomialDense<Double>(inputSize: 4, units: 3, order: 3, activation: .tanh, bounding: bounding, generator: &g)
            dense.parameters = dense.parameters.enumerated().map { Support.random($0.element.shape, seed: 40 + UInt64($0.offset)) }
            Support.checkHessianVectorProduct(dense, input: x)
        }
    }

    /// Input Hessians (forward-over-reverse) against central differences of reverse Jacobians.
    func testInputHessianOfPolynomialModel() throws {
        var g = SeededGenerator(seed: 11)
        var taylor = TaylorExpansion<Double>(units: 3, order: 3, parameterization: .cumulative, bounding: .tanh(scale: 0.9, learnable: true))
        taylor.parameters = taylor.parameters.enumerated().map { Support.random($0.element.shape, seed: 50 + UInt64($0.offset)) }
        let model = try Sequential<Double>(inputShape: [2], layers: [
            PolynomialDense<Double>(inputSize: 2, units: 3, order: 2, activation: .sigmoid, generator: &g),
            taylor, Dense<Double>(inputSize: 3, units: 2, generator: &g),
        ])
        let x = Support.random([3, 2], seed: 12)
        let hessian = model.hessian(at: x)                                  // [B, m, n, n]
        let h = 1e-5
        for j in 0..<2 {
            var e = Tensor<Double>(zeros: [3, 2])
            for b in 0..<3 { e[b, j] = h }
            let plus = model.valueAndJacobian(at: x + e, mode: .reverse).jacobian
            let minus = model.valueAndJacobian(at: x - e, mode: .reverse).jacobian
            for b in 0..<3 { for o in 0..<2 { for i in 0..<2 {
                let fd = (plus[b, o, i] - minus[b, o, i]) / (2 * h)
                XCTAssertEqual(hessian[b, o, i, j], fd, accuracy: 1e-7 * max(1, abs(fd)))
            } } }
        }
    }

    /// A cubic has derivatives 1 c_1 + ..., 6 c_3 and then zeros: Taylor mode must say so exactly.
    func testTaylorModeOnCubic() throws {
        let c = Support.random([2, 4], seed: 13)
        let model = try Sequential<Double>(inputShape: [2], layers: [TaylorExpansion<Double>(coefficients: c)])
        let x = Support.random([3, 2], seed: 14), v = Tensor<Double>([0.7, -1.3])
        let d = model.directionalDerivatives(at: x, direction: v, order: 5)   // [B, 2, 6]
        for b in 0..<3 { for i in 0..<2 {
            let (t, s) = (x[b, i], v[i])
            XCTAssertEqual(d[b, i, 1], (c[i, 1] + 2 * c[i, 2] * t + 3 * c[i, 3] * t * t) * s, accuracy: 1e-13)
            XCTAssertEqual(d[b, i, 2], (2 * c[i, 2] + 6 * c[i, 3] * t) * s * s, accuracy: 1e-13)
            XCTAssertEqual(d[b, i, 3], 6 * c[i, 3] * s * s * s, accuracy: 1e-13)
            XCTAssertEqual(d[b, i, 4], 0, accuracy: 1e-13)
            XCTAssertEqual(d[b, i, 5], 0, accuracy: 1e-13)
        } }
    }
}
