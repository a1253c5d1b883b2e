import MaclaurinNN
import XCTest

/// The plain-tensor (inference) paths of Dense and Conv2D fuse bias and activation around the GEMM;
/// the composed primitives still run on the tape. Both must compute the same function.
final class FusedInferenceTests: XCTestCase {
    /// Runs `layer` on plain tensors and through the composed primitives (constant `Var`s).
    private func bothPaths(_ layer: any Layer<Double>, _ x: Tensor<Double>) -> (fused: Tensor<Double>, composed: Tensor<Double>) {
        let fused = layer.forward(x, parameters: layer.parameters, context: .inference)
        let composed = layer.forward(Var<Tensor<Double>>(constant: x), parameters: layer.parameters.map { Var(constant: $0) },
                                     context: .inference).value
        return (fused, composed)
    }

    func testConv2DFusedMatchesComposed() {
        var g = SeededGenerator(seed: 4)
        let cases: [(channels: Int, filters: Int, kernel: (Int, Int), strides: (Int, Int), padding: Padding, activation: Activation, bias: Bool)] = [
            (3, 5, (3, 3), (1, 1), .same, .relu, true), (2, 4, (3, 2), (2, 1), .valid, .linear, true),
            (4, 3, (1, 1), (1, 1), .valid, .tanh, true), (3, 2, (2, 2), (2, 2), .same, .relu, false),
            (1, 6, (5, 5), (1, 1), .same, .sigmoid, true),
            // Wide outputs (whole register panels and an edge panel), padding on every side with
            // strides, and "same" with an even window (padding at the bottom and right only).
            (4, 19, (3, 3), (2, 2), .same, .relu, true), (3, 9, (2, 2), (1, 1), .same, .linear, true),
            (5, 16, (3, 3), (1, 2), .valid, .relu, true),
        ]
        for c in cases {
            var conv = Conv2D<Double>(inputChannels: c.channels, filters: c.filters, kernelSize: c.kernel, strides: c.strides,
                                      padding: c.padding, activation: c.activation, useBias: c.bias, generator: &g)
            if c.bias, let bias = conv.bias { conv.bias = bias + Tensor(randomUniform: bias.shape, low: -1, high: 1, generator: &g) }
            let x = Tensor<Double>(randomUniform: [3, 7, 6, c.channels], low: -1, high: 1, generator: &g)
            let (fused, composed) = bothPaths(conv, x)
            XCTAssertEqual(fused.shape, composed.shape, "\(c)")
            XCTAssertLessThanOrEqual(fused.maxAbsDifference(composed), 1e-13, "\(c)")
            if c.activation == .relu { XCTAssertTrue(fused.scalars.contains(0) && fused.scalars.allSatisfy { $0 >= 0 }) }
        }
    }

    /// The Taylor CNN's two convolutions in Float (32 filters: whole register panels; windows read
    /// in place from the image, and from a zero-padded copy for "same").
    func testConv2DFusedMatchesComposedInFloat() {
        var g = SeededGenerator(seed: 8)
        for (channels, padding) in [(3, Padding.same), (32, .valid)] {
            var conv = Conv2D<Float>(inputChannels: channels, filters: 32, kernelSize: (3, 3), padding: padding,
                                     activation: .relu, generator: &g)
            conv.bias = Tensor(randomUniform: [32], low: -0.5, high: 0.5, generator: &g)
            let x = Tensor<Float>(randomUniform: [3, 11, 10, channels], low: -1, high: 1, generator: &g)
            let fused = conv.forward(x, parameters: conv.parameters, context: .inference)
            let composed = conv.forward(Var<Tensor<Float>>(constant: x), parameters: conv.parameters.map { Var(constant: $0) },
                                        context: .inference).value
            XCTAssertEqual(fused.shape, composed.shape)
            XCTAssertLessThanOrEqual(fused.maxAbsDifference(composed), 1e-5, "\(channels) channels, \(padding)")
        }
    }

    /// 3x3 stride-1 convolutions with 8+ channels in and out go through Winograd's F(2x2, 3x3):
    /// odd output sizes (tiles past the edge), same padding, channel and filter counts that are
    /// not whole vectors, with and without bias, against the composed primitives.
    func testConv2DWinogradMatchesComposed() {
        var g = SeededGenerator(seed: 14)
        for (channels, filters, padding, activation, bias) in [(8, 8, Padding.same, Activation.relu, true),
                                                                (10, 9, .valid, .linear, true), (16, 19, .same, .relu, false)] {
            var conv = Conv2D<Double>(inputChannels: channels, filters: filters, kernelSize: (3, 3), padding: padding,
                                      activation: activation, useBias: bias, generator: &g)
            if bias, let b = conv.bias { conv.bias = b + Tensor(randomUniform: b.shape, low: -0.5, high: 0.5, generator: &g) }
            let x = Tensor<Double>(randomUniform: [2, 9, 8, channels], low: -1, high: 1, generator: &g)
            let (fused, composed) = bothPaths(conv, x)
            XCTAssertEqual(fused.shape, composed.shape)
            XCTAssertLessThanOrEqual(fused.maxAbsDifference(composed), 1e-12, "\(channels) -> \(filters), \(padding)")
            if activation == .relu { XCTAssertTrue(fused.scalars.contains(0) && fused.scalars.allSatisfy { $0 >= 0 }) }
        }
    }

    /// Bias and relu applied in the register tile keep relu's NaN rule: a NaN pixel makes NaN
    /// exactly the outputs whose windows hold it.
    func testConv2DFusedReluPropagatesNaN() {
        var g = SeededGenerator(seed: 12)
        // 2 input channels: the direct kernel; 16: Winograd, whose transforms mix a 4x4 patch
        // into 2x2 outputs, NaN reaching only the outputs whose windows hold the pixel.
        for channels in [2, 16] {
            let conv = Conv2D<Float>(inputChannels: channels, filters: 32, kernelSize: (3, 3), padding: .valid,
                                     activation: .relu, generator: &g)
            var x = Tensor<Float>(randomUniform: [1, 9, 9, channels], low: -1, high: 1, generator: &g)
            x[0, 4, 4, 1] = .nan
            let y = conv.forward(x, parameters: conv.parameters, context: .inference)
            XCTAssertEqual(y.shape, [1, 7, 7, 32])
            for oh in 0..<7 {
                for ow in 0..<7 {
                    let covers = (oh...oh + 2).contains(4) && (ow...ow + 2).contains(4)
                    for f in 0..<32 { XCTAssertEqual(y[0, oh, ow, f].isNaN, covers, "\(channels) channels, (\(oh), \(ow)) filter \(f)") }
                }
            }
        }
    }

    /// A batch through a dense layer larger than the batch (the CNN's Dense(512) on a flattened
    /// input): weights packed once and memoised. The result follows the weights when they are
    /// written in place, replaced, or shared with another layer.
    func testDenseWithPackedWeightsFollowsItsWeights() {
        var g = SeededGenerator(seed: 13)
        var dense = Dense<Float>(inputSize: 1300, units: 70, activation: .relu, generator: &g)
        dense.bias = Tensor(randomUniform: [70], low: -0.2, high: 0.2, generator: &g)
        let x = Tensor<Float>(randomUniform: [9, 1300], low: -1, high: 1, generator: &g)
        func check(_ layer: Dense<Float>, _ message: String) {
            let fused = layer.forward(x, parameters: layer.parameters, context: .inference)
            let composed = layer.forward(Var<Tensor<Float>>(constant: x), parameters: layer.parameters.map { Var(constant: $0) },
                                         context: .inference).value
            XCTAssertEqual(fused.shape, [9, 70])
            XCTAssertLessThanOrEqual(fused.maxAbsDifference(composed), 1e-4, message)
        }
        check(dense, "first call")
        check(dense, "second call (memoised packing)")
        let before = dense.forward(x, parameters: dense.parameters, context: .inference)
        let copy = dense
        dense.kernel[3, 5] += 10  // written in place: the copy keeps the old weights
        check(dense, "after a write")
        check(copy, "the copy")
        XCTAssertEqual(copy.forward(x, parameters: copy.parameters, context: .inference).scalars, before.scalars)
        dense.kernel = Tensor(randomUniform: [1300, 70], low: -0.1, high: 0.1, generator: &g)
        check(dense, "after replacing the weights")
        XCTAssertGreaterThan(dense.forward(x, parameters: dense.parameters, context: .inference).maxAbsDifference(before), 0.01)
    }

    /// Images large enough that the fused path works in several chunks (about 2.4 MB of columns each).
    func testConv2DFusedChunksMatchComposed() {
        var g = SeededGenerator(seed: 6)
        var conv = Conv2D<Double>(inputChannels: 8, filters: 5, kernelSize: (3, 3), padding: .same, activation: .relu,
                                  generator: &g)
        conv.bias = Tensor(randomUniform: [5], low: -0.5, high: 0.5, generator: &g)
        let x = Tensor<Double>(randomUniform: [5, 64, 64, 8], low: -1, high: 1, generator: &g)
        let (fused, composed) = bothPaths(conv, x)
        XCTAssertEqual(fused.shape, [5, 64, 64, 5])
        XCTAssertLessThanOrEqual(fused.maxAbsDifference(composed), 1e-12)
        // Every image is computed (the last chunk included): image 4 alone gives the same result.
        let last = conv.forward(x.slice(axis: 0, 4..<5), parameters: conv.parameters, context: .inference)
        XCTAssertEqual(fused.slice(axis: 0, 4..<5).scalars, last.scalars)
    }

    func testDenseFusedMatchesComposedOnAnyLeadingAxes() {
        var g = SeededGenerator(seed: 5)
        for activation in [Activation.relu, .linear, .softmax, .tanh] {
            var dense = Dense<Double>(inputSize: 6, units: 4, activation: activation, generator: &g)
            dense.bias = Tensor(randomUniform: [4], low: -1, high: 1, generator: &g)
            for shape in [[5, 6], [2, 3, 6]] {
                let x = Tensor<Double>(randomUniform: shape, low: -2, high: 2, generator: &g)
                let (fused, composed) = bothPaths(dense, x)
                XCTAssertEqual(fused.shape, Array(shape.dropLast()) + [4])
                XCTAssertLessThanOrEqual(fused.maxAbsDifference(composed), 1e-13, "\(activation) \(shape)")
            }
        }
    }

    /// Masks hold only 0 and 1/(1 - rate), drop about `rate` of the elements, and are the same
    /// pattern in Float and Double for the same stream.
    func testDropoutMasks() {
        for rate in [0.25, 0.5, 0.9] {
            var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
            let f = Dropout<Float>.mask(shape: [101, 99], rate: rate, generator: &a)
            let d = Dropout<Double>.mask(shape: [101, 99], rate: rate, generator: &b)
            XCTAssertEqual(f.scalars.map { $0 == 0 }, d.scalars.map { $0 == 0 })
            XCTAssertTrue(d.scalars.allSatisfy { $0 == 0 || $0 == 1 / (1 - rate) })
            XCTAssertTrue(f.scalars.allSatisfy { $0 == 0 || $0 == Float(1 / (1 - rate)) })
            let dropped = Double(d.scalars.filter { $0 == 0 }.count) / Double(d.count)
            XCTAssertEqual(dropped, rate, accuracy: 0.02, "rate \(rate)")
        }
    }
}
