import MaclaurinNN
import XCTest

/// Taylor mode (jets) through Conv2D, MaxPool2D, AvgPool2D, Dropout (inference), Flatten and
/// TaylorExpansion, against reverse mode and finite differences.
final class ConvTaylorModeTests: XCTestCase {
    /// [6, 6, 2] -> conv same tanh -> max pool -> conv valid sigmoid -> avg pool -> dropout
    /// -> flatten -> Taylor (cumulative, tanh-bounded) -> dense 2.
    func smallConvModel() throws -> Sequential<Double> {
        var g = SeededGenerator(seed: 77)
        var taylor = TaylorExpansion<Double>(units: 4, order: 3, parameterization: .cumulative,
                                             bounding: .tanh(scale: 0.8, learnable: true))
        taylor.parameters = taylor.parameters.enumerated().map { Support.random($0.element.shape, seed: 5 + UInt64($0.offset), low: 0.3, high: 1) }
        var conv1 = Conv2D<Double>(inputChannels: 2, filters: 3, kernelSize: (3, 3), padding: .same, activation: .tanh, generator: &g)
        conv1.bias = Support.random([3], seed: 3, low: -0.3, high: 0.3)
        return try Sequential(inputShape: [6, 6, 2], layers: [
            conv1, MaxPool2D<Double>(poolSize: (2, 2)),
            Conv2D<Double>(inputChannels: 3, filters: 4, kernelSize: (2, 2), activation: .sigmoid, generator: &g),
            AvgPool2D<Double>(poolSize: (2, 2)), Dropout<Double>(rate: 0.5), Flatten<Double>(), taylor,
            Dense<Double>(inputSize: 4, units: 2, generator: &g),
        ])
    }

    func testForwardAndReverseJacobiansAgree() throws {
        let model = try smallConvModel()
        let x = Support.random([3, 72], seed: 1)                 // rows, reshaped to [3, 6, 6, 2]
        let forward = model.valueAndJacobian(at: x, mode: .forward)
        let reverse = model.valueAndJacobian(at: x, mode: .reverse)
        XCTAssertEqual(forward.jacobian.shape, [3, 2, 72])
        Support.assertClose(forward.value, reverse.value, 1e-14, "value")
        Support.assertClose(forward.jacobian, reverse.jacobian, 1e-12, "jacobian forward vs reverse")
        // And against central differences on a few inputs.
        let h = 1e-6
        for j in [0, 17, 40, 71] {
            var e = Tensor<Double>(zeros: [3, 72])
            for b in 0..<3 { e[b, j] = h }
            let fd = (model(x + e) - model(x - e)) / (2 * h)
            for b in 0..<3 { for o in 0..<2 {
                XCTAssertEqual(forward.jacobian[b, o, j], fd[b, o], accuracy: 1e-8)
            } }
        }
    }

    func testSecondAndThirdOrderThroughConvolutions() throws {
        let model = try smallConvModel()
        let x = Support.random([2, 72], seed: 2)
        // Order-2 jets (Laplacian) against the trace of the forward-over-reverse Hessian.
        let hessian = model.hessian(at: x)
        let laplacian = model.laplacian(at: x)
        for b in 0..<2 { for o in 0..<2 {
            let trace = (0..<72).reduce(0.0) { $0 + hessian[b, o, $1, $1] }
            XCTAssertEqual(laplacian[b, o], trace, accuracy: 1e-10 * max(1, abs(trace)))
        } }
        // Directional: d2 = v^T H v; d3 against central differences of d2.
        let v = Support.random([72], seed: 3)
        let d = model.directionalDerivatives(at: x, direction: v, order: 3)
        for b in 0..<2 { for o in 0..<2 {
            var vhv = 0.0
            for i in 0..<72 { for j in 0..<72 { vhv += v[i] * hessian[b, o, i, j] * v[j] } }
            XCTAssertEqual(d[b, o, 2], vhv, accuracy: 1e-10 * max(1, abs(vhv)))
        } }
        let h = 1e-4
        let step = v.reshaped(to: [1, 72]).broadcast(to: [2, 72]) * h
        let plus = model.directionalDerivatives(at: x + step, direction: v, order: 2)
        let minus = model.directionalDerivatives(at: x - step, direction: v, order: 2)
        for b in 0..<2 { for o in 0..<2 {
            let fd = (plus[b, o, 2] - minus[b, o, 2]) / (2 * h)
            XCTAssertEqual(d[b, o, 3], fd, accuracy: 1e-6 * max(1, abs(fd)))
        } }
    }

    /// Training on derivatives: the gradient of a directional derivative with respect to the
    /// weights (reverse over Taylor, `Jet<Var<Tensor>>`) against finite differences.
    func testReverseOverTaylorThroughConvolutions() throws {
        let model = try smallConvModel()
        let x = Support.random([2, 6, 6, 2], seed: 4)
        let v = Support.random([1, 2, 6, 6, 2], seed: 5)
        func objective(_ params: [Tensor<Double>]) -> Double {
            let y = model.forward(Jet(primal: x, directions: v, order: 2), parameters: params.map { Jet(constant: $0) },
                                  context: .inference)
            return (y.coefficient(1) + y.coefficient(2)).sum().scalar
        }
        let params = model.parameters
        let vars = params.map { Var(variable: $0) }
        let jx = Jet(primal: Var<Tensor<Double>>(constant: x), directions: Var(constant: v), order: 2)
        let y = model.forward(jx, parameters: vars.map { Jet(constantValue: $0) }, context: .inference)
        let objectiveVar = (y.coefficient(1) + y.coefficient(2)).sum()
        XCTAssertEqual(objectiveVar.value.scalar, objective(params), accuracy: 1e-12)
        let grads = gradients(of: objectiveVar, withRespectTo: vars).map(\.value)
        let h = 1e-6
        for (k, p) in params.enumerated() {
            for i in Support.sampleIndices(count: p.count, limit: 6, seed: UInt64(k)) {
                var moved = params
                moved[k] = Support.perturbed(p, at: i, by: h)
                let up = objective(moved)
                moved[k] = Support.perturbed(p, at: i, by: -h)
                let fd = (up - objective(moved)) / (2 * h)
                XCTAssertEqual(grads[k].scalars[i], fd, accuracy: 1e-7 * max(1, abs(fd)), "\(model.parameterNames[k])[\(i)]")
            }
        }
    }
}
