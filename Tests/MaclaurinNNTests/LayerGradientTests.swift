import Foundation
import MaclaurinNN
import XCTest

/// Every layer's reverse-mode gradients with respect to its weights and its input, against
/// central finite differences in Double.
final class LayerGradientTests: XCTestCase {
    var generator = SeededGenerator(seed: 2024)

    /// Random (not zero) biases so that the bias path is exercised with realistic values.
    func randomized<L: Layer>(_ layer: L, seed: UInt64) -> L where L.Scalar == Double {
        var l = layer
        l.parameters = l.parameters.enumerated().map { i, p in Support.random(p.shape, seed: seed + UInt64(i), low: -0.5, high: 0.5) }
        return l
    }

    func testConv2D() {
        let x = Support.random([2, 5, 6, 3], seed: 1)
        for (padding, strides, activation) in [(Padding.same, (1, 1), Activation.tanh), (.valid, (1, 1), .linear),
                                               (.same, (2, 2), .sigmoid), (.valid, (2, 1), .relu)] {
            let conv = Conv2D<Double>(inputChannels: 3, filters: 4, kernelSize: (3, 2), strides: strides, padding: padding,
                                      activation: activation, generator: &generator)
            Support.checkGradients(randomized(conv, seed: 10), input: x)
        }
        let noBias = Conv2D<Double>(inputChannels: 3, filters: 2, kernelSize: (2, 2), useBias: false, generator: &generator)
        XCTAssertEqual(noBias.parameterNames, ["kernel"])
        Support.checkGradients(noBias, input: x)
        let pointwise = Conv2D<Double>(inputChannels: 3, filters: 5, kernelSize: (1, 1), activation: .tanh, generator: &generator)
        Support.checkGradients(randomized(pointwise, seed: 20), input: x)
    }

    /// Conv2D against the defining sum, computed with loops.
    func testConv2DMatchesDefinition() throws {
        let x = Support.random([2, 5, 4, 3], seed: 3)
        for padding in Padding.allCases {
            let conv = randomized(Conv2D<Double>(inputChannels: 3, filters: 2, kernelSize: (3, 3), strides: (2, 1),
                                                 padding: padding, generator: &generator), seed: 30)
            let y = conv.forward(x, parameters: conv.parameters, context: .inference)
            let shape = try conv.outputShape(for: [5, 4, 3])
            XCTAssertEqual(y.shape, [2] + shape)
            // Keras "same": total padding max((out-1)*s + k - in, 0), the smaller half before.
            let padTop = padding == .same ? max((shape[0] - 1) * 2 + 3 - 5, 0) / 2 : 0
            let padLeft = padding == .same ? max((shape[1] - 1) * 1 + 3 - 4, 0) / 2 : 0
            let bias = try XCTUnwrap(conv.bias)
            for n in 0..<2 { for i in 0..<shape[0] { for j in 0..<shape[1] { for f in 0..<2 {
                var s = bias[f]
                for u in 0..<3 { for v in 0..<3 { for c in 0..<3 {
                    let (r, q) = (i * 2 + u - padTop, j + v - padLeft)
                    if r >= 0 && r < 5 && q >= 0 && q < 4 { s += x[n, r, q, c] * conv.kernel[u, v, c, f] }
                } } }
                XCTAssertEqual(y[n, i, j, f], s, accuracy: 1e-13, "\(padding) at \(n),\(i),\(j),\(f)")
            } } } }
        }
    }

    func testPooling() {
        let x = Support.random([2, 6, 5, 3], seed: 4)
        Support.checkGradients(MaxPool2D<Double>(poolSize: (2, 2)), input: x)
        Support.checkGradients(MaxPool2D<Double>(poolSize: (3, 2), strides: (1, 2)), input: x)
        Support.checkGradients(AvgPool2D<Double>(poolSize: (2, 2)), input: x)
        Support.checkGradients(AvgPool2D<Double>(poolSize: (3, 3), strides: (1, 1)), input: x)
        // Max pooling picks the window maximum.
        let y = MaxPool2D<Double>(poolSize: (2, 2)).forward(x, parameters: [], context: .inference)
        let m = max(max(x[1, 2, 2, 1], x[1, 2, 3, 1]), max(x[1, 3, 2, 1], x[1, 3, 3, 1]))
        XCTAssertEqual(y[1, 1, 1, 1], m)
        // On the tape the gathered values equal the plain ones.
        let taped = MaxPool2D<Double>(poolSize: (2, 2)).forward(Var(variable: x), parameters: [], context: .inference)
        XCTAssertTrue(taped.value.isIdentical(to: y))
    }

    func testDropoutFlattenSoftmaxActivation() {
        let x = Support.random([3, 4, 2], seed: 5)
        Support.checkGradients(Dropout<Double>(rate: 0.4), input: x, training: true)
        Support.checkGradients(Dropout<Double>(rate: 0.4), input: x, training: false)
        Support.checkGradients(Flatten<Double>(), input: x)
        Support.checkGradients(Softmax<Double>(), input: x)
        for a in Activation.allCases where a != .relu {
            Support.checkGradients(ActivationLayer<Double>(a), input: x)
        }
        Support.checkGradients(ActivationLayer<Double>(.relu), input: x + 0.05)
    }

    func testDense() {
        let dense = randomized(Dense<Double>(inputSize: 4, units: 3, activation: .tanh, generator: &generator), seed: 40)
        Support.checkGradients(dense, input: Support.random([5, 4], seed: 6))
    }

    func testParallel() {
        let x = Support.random([2, 4, 4, 2], seed: 7)
        let residual = Parallel<Double>.residual([
            Conv2D<Double>(inputChannels: 2, filters: 3, kernelSize: (3, 3), padding: .same, activation: .tanh, generator: &generator),
            Conv2D<Double>(inputChannels: 3, filters: 2, kernelSize: (1, 1), generator: &generator),
        ])
        Support.checkGradients(randomized(residual, seed: 50), input: x)
        var three = Parallel<Double>(branches: [
            [AvgPool2D<Double>(poolSize: (2, 2))],
            [MaxPool2D<Double>(poolSize: (2, 2))],
        ])
        three.addBranch([Conv2D<Double>(inputChannels: 2, filters: 2, kernelSize: (2, 2), strides: (2, 2), generator: &generator),
                         TaylorExpansion<Double>(units: 2, order: 2, initialization: .series(.sin))])
        XCTAssertEqual(three.parameterNames, ["branch2/conv2d_1/kernel", "branch2/conv2d_1/bias", "branch2/taylor_expansion_1/c"])
        Support.checkGradients(randomized(three, seed: 60), input: x)
        // The sum of the branches, branch by branch.
        let y = three.forward(x, parameters: three.parameters, context: .inference)
        let parts = three.branches.map { layers in
            layers.reduce(x) { h, l in l.forward(h, parameters: l.parameters, context: .inference) }
        }
        Support.assertClose(y, parts[0] + parts[1] + parts[2], 1e-15, "parallel sum")
    }

    func testTaylorExpansionVariants() {
        let dense = Support.random([3, 4], seed: 8, low: -1.5, high: 1.5)
        let image = Support.random([2, 3, 3, 4], seed: 9)
        for parameterization in TaylorParameterization.allCases {
            for basis in PolynomialBasis.allCases {
                for bounding in [InputBounding.none, .tanh(scale: 0.8, learnable: true), .tanh(scale: 1.5, learnable: false),
                                 .normalization(epsilon: 1e-3)] {
                    let layer = randomized(TaylorExpansion<Double>(units: 4, order: 3, parameterization: parameterization,
                                                                   basis: basis, bounding: bounding), seed: 70)
                    Support.checkGradients(layer, input: dense)
                    Support.checkGradients(layer, input: image)
                }
            }
        }
        Support.checkGradients(randomized(TaylorExpansion<Double>(units: 4, order: 0), seed: 80), input: dense)
        Support.checkGradients(randomized(TaylorExpansion<Double>(units: 4, order: 1, basis: .chebyshev), seed: 81), input: dense)
    }

    func testPolynomialDense() {
        let x = Support.random([4, 3], seed: 10, low: -1.2, high: 1.2)
        for bounding in [InputBounding.none, .tanh(scale: 1.3, learnable: true), .normalization(epsilon: 1e-3)] {
            for order in [1, 2, 4] {
                let layer = randomized(PolynomialDense<Double>(inputSize: 3, units: 2, order: order, activation: .tanh,
                                                               bounding: bounding, generator: &generator), seed: 90)
                Support.checkGradients(layer, input: x)
            }
        }
        // y = b + sum_k x^k W_k, against loops.
        let layer = randomized(PolynomialDense<Double>(inputSize: 3, units: 2, order: 3, generator: &generator), seed: 91)
        let y = layer.forward(x, parameters: layer.parameters, context: .inference)
        for n in 0..<4 { for j in 0..<2 {
            var s = layer.bias[j]
            for k in 1...3 { for i in 0..<3 { s += Foundation.pow(x[n, i], Double(k)) * layer.weight(forPower: k)[i, j] } }
            XCTAssertEqual(y[n, j], s, accuracy: 1e-13)
        } }
    }
}
