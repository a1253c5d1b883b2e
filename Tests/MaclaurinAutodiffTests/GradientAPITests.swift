import Foundation
import MaclaurinAutodiff
import XCTest

/// The reverse-mode entry points: seeds, unreachable variables, fan-out, graph recording.
final class GradientAPITests: XCTestCase {
    func testSeedsAndUnreachableVariables() {
        let a = Var(variable: Tensor<Double>([1, 2, 3])), b = Var(variable: Tensor<Double>([4, 5]))
        // y does not depend on b: its gradient is zeros of b's shape.
        let y = a * a
        let grads = gradients(of: y, withRespectTo: [a, b])
        XCTAssertEqual(grads[0].value.scalars, [2, 4, 6], "default seed: gradient of sum(y) = 2a")
        XCTAssertEqual(grads[1].value.scalars, [0, 0])
        XCTAssertFalse(grads[1].isRecorded)
        // An explicit seed weights the outputs.
        let seeded = gradients(of: y, withRespectTo: [a], seed: Tensor([1, 0, -1]))[0]
        XCTAssertEqual(seeded.value.scalars, [2, 0, -6])
        // The gradient of a variable with respect to itself is the seed.
        XCTAssertEqual(gradients(of: a, withRespectTo: [a], seed: Tensor([7, 8, 9]))[0].value.scalars, [7, 8, 9])
        // A constant output has zero gradients.
        let c = Var<Tensor<Double>>(constant: Tensor([1, 2]))
        XCTAssertEqual(gradients(of: c * c, withRespectTo: [b])[0].value.scalars, [0, 0])
        XCTAssertFalse((c * c).isRecorded)
        XCTAssertTrue(y.isRecorded)
        XCTAssertFalse(y.detached.isRecorded)
        XCTAssertEqual(gradients(of: y.detached, withRespectTo: [a])[0].value.scalars, [0, 0, 0])
    }

    func testFanOutAccumulatesAndIntermediateTargets() {
        // f(x) = x * exp(x) + x: x is used three times; f' = exp(x)(1 + x) + 1.
        let x0 = Tensor<Double>([-0.5, 0.25, 1.5])
        let x = Var(variable: x0)
        let e = x.exp()
        let y = x * e + x
        let g = gradients(of: y, withRespectTo: [x, e])
        let want = x0.scalars.map { Foundation.exp($0) * (1 + $0) + 1 }
        for (got, w) in zip(g[0].value.scalars, want) { XCTAssertEqual(got, w, accuracy: 8 * FD.u * abs(w)) }
        // d sum(y) / d e, holding x fixed, is x.
        XCTAssertEqual(g[1].value.scalars, x0.scalars)
    }

    func testCreateGraphRecordsGradients() {
        let x = Var(variable: Tensor<Double>([0.3, -0.7]))
        let y = (x * x * x).sum()
        let plain = gradients(of: y, withRespectTo: [x])[0]
        let taped = gradients(of: y, withRespectTo: [x], createGraph: true)[0]
        XCTAssertFalse(plain.isRecorded, "without createGraph the gradient is a constant")
        XCTAssertTrue(taped.isRecorded)
        XCTAssertTrue(plain.value.isIdentical(to: taped.value))
        // d/dx sum(3 x^2) = 6 x.
        let second = gradients(of: taped.sum(), withRespectTo: [x])[0]
        XCTAssertEqual(second.value.scalars[0], 6 * 0.3, accuracy: 32 * FD.u * 6)
        XCTAssertEqual(second.value.scalars[1], 6 * -0.7, accuracy: 32 * FD.u * 6)
    }

    func testValueWithGradient() {
        let x0 = Tensor<Double>(rows: [[0.1, 0.2], [0.3, -0.4]])
        let (value, gradient) = valueWithGradient(at: x0) { x in (x.tanh() * x).sum() }
        let xs = x0.scalars
        XCTAssertEqual(value.scalar, xs.reduce(0) { $0 + Foundation.tanh($1) * $1 }, accuracy: 16 * FD.u)
        for (g, v) in zip(gradient.scalars, xs) {
            let t = Foundation.tanh(v)
            XCTAssertEqual(g, t + v * (1 - t * t), accuracy: 16 * FD.u)
        }
        XCTAssertEqual(gradient.shape, [2, 2])
    }

    /// Jet accessors: coefficient k is the k-th derivative / k!.
    func testJetCoefficientsAndDerivatives() {
        // exp(x0 + t v): derivative k = v^k exp(x0).
        let x0 = Tensor<Double>([0.5, -1]), v = Tensor<Double>(shape: [1, 2], scalars: [2, 3])
        let y = Jet(primal: x0, directions: v, order: 4).exp()
        for k in 1...4 {
            let d = y.derivative(k).scalars
            XCTAssertEqual(d[0], Foundation.pow(2, Double(k)) * Foundation.exp(0.5), accuracy: 64 * FD.u * abs(d[0]))
            XCTAssertEqual(d[1], Foundation.pow(3, Double(k)) * Foundation.exp(-1), accuracy: 64 * FD.u * abs(d[1]))
            let factorial = (1...k).reduce(1.0) { $0 * Double($1) }
            XCTAssertEqual(y.coefficient(k).scalars.map { $0 * factorial }, y.derivative(k).scalars)
        }
        XCTAssertTrue(y.derivative(0).isIdentical(to: y.primal))
        XCTAssertEqual(y.shape, [2])
        XCTAssertEqual(y.series?.shape, [4, 1, 2])
        let constant = Jet<Tensor<Double>>(constant: x0)
        XCTAssertNil(constant.series)
        XCTAssertEqual(constant.coefficient(1).scalars, [0, 0])
    }
}
