import Foundation
import MaclaurinNN
import XCTest

/// The Taylor CNN builder, summary, JSON round trips, dropout, the NaN/Inf report and Sequential.
final class ModelTests: XCTestCase {
    func testTaylorCNNParameterCount() throws {
        let cifar = try Models.taylorCNN(inputShape: [32, 32, 3], classes: 10, order: 3, seed: 1, as: Float.self)
        // conv 3*3*3*32 + 32, conv 3*3*32*32 + 32, dense 15*15*32*512 + 512, Taylor 512*4*2, dense 512*10 + 10.
        let expected = (27 * 32 + 32) + (288 * 32 + 32) + (7200 * 512 + 512) + 512 * 4 * 2 + (5120 + 10)
        XCTAssertEqual(expected, 3_706_282)
        XCTAssertEqual(cifar.parameterCount, 3_706_282)
        XCTAssertEqual(cifar.layers[7].parameterCount, 4096)
        XCTAssertEqual(cifar.outputShape, [10])
        let collapsed = try Models.taylorCNN(inputShape: [32, 32, 3], order: 3, parameterization: .collapsed, seed: 1, as: Float.self)
        XCTAssertEqual(collapsed.parameterCount, 3_706_282 - 2048)
        // The 8x8 digits: 3x3x32 after pooling.
        let digits = try Models.taylorCNN(inputShape: [8, 8, 1], classes: 10, order: 2, seed: 2, as: Float.self)
        XCTAssertEqual(digits.parameterCount, (9 * 32 + 32) + (288 * 32 + 32) + (288 * 512 + 512) + 512 * 3 * 2 + 5130)
        var g = SeededGenerator(seed: 3)
        let x = Tensor<Float>(randomUniform: [5, 8, 8, 1], generator: &g)
        let logits = digits.forward(x, parameters: digits.parameters, context: ForwardContext(isTraining: true, seed: 9))
        XCTAssertEqual(logits.shape, [5, 10])
        XCTAssertTrue(logits.isFinite)
        XCTAssertEqual(digits(x).shape, [5, 10])
        XCTAssertThrowsError(try Models.taylorCNN(inputShape: [3, 3, 1], as: Float.self))
    }

    func testSummaryListsEveryLayer() throws {
        let model = try Models.taylorCNN(inputShape: [32, 32, 3], seed: 1, as: Float.self)
        let text = model.summary()
        for layer in model.layers { XCTAssertTrue(text.contains(" \(layer.name) ("), "\(layer.name) missing:\n\(text)") }
        for type in ["(Conv2D)", "(MaxPool2D)", "(Dropout)", "(Flatten)", "(Dense)", "(TaylorExpansion)", "(ActivationLayer)"] {
            XCTAssertTrue(text.contains(type), "\(type) missing")
        }
        for shape in ["(None, 32, 32, 32)", "(None, 30, 30, 32)", "(None, 15, 15, 32)", "(None, 7200)", "(None, 512)", "(None, 10)"] {
            XCTAssertTrue(text.contains(shape), "\(shape) missing")
        }
        for count in ["896", "9,248", "3,686,912", "4,096", "5,130"] { XCTAssertTrue(text.contains(count), "\(count) missing") }
        XCTAssertTrue(text.contains("Total params: 3,706,282"))
        XCTAssertEqual(text.split(separator: "\n").filter { $0.contains("(None,") }.count, model.layers.count)
    }

    /// A model with every layer type, with random weights everywhere.
    func everyLayerModel() throws -> Sequential<Double> {
        var g = SeededGenerator(seed: 5)
        var model = try Sequential<Double>(inputShape: [6, 5, 2], layers: [
            Conv2D<Double>(inputChannels: 2, filters: 3, kernelSize: (3, 2), padding: .same, activation: .tanh, generator: &g),
            Parallel<Double>.residual([
                Conv2D<Double>(inputChannels: 3, filters: 3, kernelSize: (3, 3), padding: .same, useBias: false, generator: &g),
                TaylorExpansion<Double>(units: 3, order: 2, basis: .chebyshev, bounding: .tanh(scale: 1, learnable: false)),
                Parallel<Double>(branches: [[PolynomialDense<Double>(inputSize: 3, units: 3, order: 2, generator: &g)], []]),
            ]),
            MaxPool2D<Double>(poolSize: (2, 2), strides: (2, 1)),
            AvgPool2D<Double>(poolSize: (1, 2)),
            Dropout<Double>(rate: 0.3),
            Flatten<Double>(),
            Dense<Double>(inputSize: 18, units: 6, activation: .relu, generator: &g),
            TaylorExpansion<Double>(units: 6, order: 3, parameterization: .cumulative, basis: .hermite,
                                    bounding: .normalization(epsilon: 1e-4)),
            PolynomialDense<Double>(inputSize: 6, units: 4, order: 3, activation: .sigmoid,
                                    bounding: .tanh(scale: 0.5, learnable: true), generator: &g),
        ])
        try model.add(TaylorExpansion<Double>(units: 4, order: 2, bounding: .tanh(scale: 2, learnable: true)))
        try model.add(ActivationLayer<Double>(.gelu))
        try model.add(Softmax<Double>())
        model.parameters = model.parameters.enumerated().map { Support.random($0.element.shape, seed: 60 + UInt64($0.offset)) }
        return model
    }

    func testJSONRoundTripOfEveryLayer() throws {
        let model = try everyLayerModel()
        let data = try ModelJSON.encode(model)
        let loaded: Sequential<Double> = try ModelJSON.decode(data)
        XCTAssertEqual(loaded.layers.map(\.kind), model.layers.map(\.kind))
        XCTAssertEqual(loaded.layers.map(\.name), model.layers.map(\.name))
        XCTAssertEqual(loaded.parameterNames, model.parameterNames)
        for (a, b) in zip(loaded.parameters, model.parameters) { XCTAssertTrue(a.isIdentical(to: b), "weights survive exactly") }
        for (a, b) in zip(loaded.layers, model.layers) {
            XCTAssertEqual(a.configuration, b.configuration, "\(a.name) configuration")
        }
        let x = Support.random([3, 6, 5, 2], seed: 6)
        XCTAssertTrue(loaded(x).isIdentical(to: model(x)), "outputs after loading")
        XCTAssertEqual(try ModelJSON.encode(loaded), data, "encode(decode(json)) == json")
        // The residual block stores its branch weights under "branch<b>/<layer>/<parameter>".
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let specs = try XCTUnwrap(root["layers"] as? [[String: Any]])
        XCTAssertNotNil(specs[1]["branch1/conv2d_1/kernel"])
        XCTAssertNotNil(specs[1]["branch1/taylor_expansion_1/c"])
    }

    func testJSONArchitectureWithoutWeights() throws {
        let json = """
        {"input": [8, 8, 1], "layers": [
          {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"},
          {"type": "MaxPooling2D", "pool_size": 2},
          {"type": "dropout", "rate": 0.25},
          {"type": "parallel", "branches": [[], [{"type": "taylor_expansion", "order": 3, "initialization": "tanh"}]]},
          {"type": "flatten"},
          {"type": "polynomial_dense", "units": 5, "order": 2, "bounding": "tanh"},
          {"type": "taylor_expansion", "order": 2, "parameterization": "keras", "basis": "chebyshev",
           "bounding": {"type": "tanh", "scale": 1, "learnable": false}, "initialization": [0.5, 1, 0.25]},
          {"type": "dense", "units": 3}, {"type": "softmax"}]}
        """
        let a: Sequential<Float> = try ModelJSON.decode(Data(json.utf8), seed: 4)
        let b: Sequential<Float> = try ModelJSON.decode(Data(json.utf8), seed: 4)
        XCTAssertEqual(a.outputShape, [3])
        XCTAssertEqual(a.parameterCount, (9 * 4 + 4) + 4 * 4 + (64 * 5 * 2 + 5 + 64) + 5 * 3 * 2 + (5 * 3 + 3))
        for (p, q) in zip(a.parameters, b.parameters) { XCTAssertTrue(p.isIdentical(to: q), "seeded initialisation") }
        // The Taylor layer starts as the requested polynomial (converted to Chebyshev, in a/w form).
        let taylor = try XCTUnwrap(a.layers[6] as? TaylorExpansion<Float>)
        XCTAssertEqual(taylor.parameterization, .cumulative)
        XCTAssertEqual(taylor.maclaurinCoefficients.scalars, Array(repeating: [0.5, 1, 0.25], count: 5).flatMap { $0 })
    }

    /// The format's own example: weights equal to 1 are numbers, not booleans.
    func testJSONDenseExampleWithUnitWeights() throws {
        let json = #"{"input": 2, "layers": [{"type": "dense", "units": 2, "activation": "sigmoid", "kernel": [[1, 1], [1, 1]], "bias": [1, 0]}]}"#
        let model: Sequential<Double> = try ModelJSON.decode(Data(json.utf8))
        let y = model(Tensor<Double>(rows: [[1, 1]]))
        XCTAssertEqual(y[0, 0], 1 / (1 + Foundation.exp(-3)), accuracy: 1e-15)
        XCTAssertEqual(y[0, 1], 1 / (1 + Foundation.exp(-2)), accuracy: 1e-15)
        let flag = #"{"input": [4, 4, 1], "layers": [{"type": "conv2d", "filters": 1, "kernel_size": 2, "use_bias": 1}]}"#
        XCTAssertThrowsError(try ModelJSON.decode(Data(flag.utf8)) as Sequential<Double>)
    }

    func testJSONErrorsNameTheLayer() {
        func message(_ json: String) -> String {
            do { let _: Sequential<Float> = try ModelJSON.decode(Data(json.utf8)); return "" } catch { return "\(error)" }
        }
        let channels = message(#"{"input": [4, 4, 2], "layers": [{"type": "conv2d", "filters": 2, "kernel_size": 5}]}"#)
        XCTAssertTrue(channels.contains("layer 1") && channels.contains("does not fit"), channels)
        let partial = message(#"{"input": [3], "layers": [{"type": "taylor_expansion", "name": "t", "order": 1, "parameterization": "cumulative", "a": [[0, 1], [0, 1], [0, 1]]}]}"#)
        XCTAssertTrue(partial.contains("('t')") && partial.contains("\"w\""), partial)
        let shape = message(#"{"input": [2], "layers": [{"type": "taylor_expansion", "order": 1, "c": [[0, 1]]}]}"#)
        XCTAssertTrue(shape.contains("\"c\" must have shape [2, 2]"), shape)
        let broken = message(#"{"input": 2, "layers": ["#)
        XCTAssertTrue(broken.hasPrefix("not valid JSON"), broken)
        let rate = message(#"{"input": [2], "layers": [{"type": "dropout", "rate": 1.5}]}"#)
        XCTAssertTrue(rate.contains("rate"), rate)
        let branch = message(#"{"input": [2], "layers": [{"type": "parallel", "branches": [[{"type": "dense", "units": 3}], []]}]}"#)
        XCTAssertTrue(branch.contains("branch 1 gives shape [2] but branch 0 gives [3]"), branch)
    }

    func testDropoutIsSeededAndInvertedAndOffAtInference() {
        let x = Tensor<Double>(ones: [64, 100])
        let layer = Dropout<Double>(rate: 0.25)
        let a = layer.forward(x, parameters: [], context: ForwardContext(isTraining: true, seed: 1))
        let b = layer.forward(x, parameters: [], context: ForwardContext(isTraining: true, seed: 1))
        let c = layer.forward(x, parameters: [], context: ForwardContext(isTraining: true, seed: 2))
        XCTAssertTrue(a.isIdentical(to: b))
        XCTAssertFalse(a.isIdentical(to: c))
        let dropped = a.scalars.filter { $0 == 0 }.count
        XCTAssertEqual(Double(dropped) / 6400, 0.25, accuracy: 0.02)
        XCTAssertTrue(a.scalars.allSatisfy { $0 == 0 || abs($0 - 4.0 / 3) < 1e-15 })
        XCTAssertEqual(a.mean().scalar, 1, accuracy: 0.03)
        XCTAssertTrue(layer.forward(x, parameters: [], context: .inference).isIdentical(to: x))
        // Two dropout layers in one pass draw different masks from the same stream.
        let context = ForwardContext(isTraining: true, seed: 1)
        let first = layer.forward(x, parameters: [], context: context)
        XCTAssertFalse(layer.forward(x, parameters: [], context: context).isIdentical(to: first))
    }

    func testNonFiniteReportNamesTheLayer() throws {
        var model = try Models.taylorCNN(inputShape: [8, 8, 1], order: 3, initialization: .series(.exp), seed: 1, as: Float.self)
        var g = SeededGenerator(seed: 2)
        let x = Tensor<Float>(randomUniform: [2, 8, 8, 1], generator: &g)
        XCTAssertNil(model.firstNonFinite(input: x, step: 1))
        XCTAssertTrue(model.parametersAreFinite)
        // A huge dense output overflows x^3 in the Taylor layer (Float), with finite parameters.
        model.layers[5].parameters[1] = Tensor(repeating: 1e15, shape: [512])
        let overflow = try XCTUnwrap(model.firstNonFinite(input: x, step: 12))
        XCTAssertEqual(overflow.layerName, "taylor_expansion_1")
        XCTAssertEqual(overflow.source, .output)
        XCTAssertEqual(overflow.step, 12)
        XCTAssertTrue(overflow.description.contains("step 12") && overflow.description.contains("taylor_expansion_1"))
        // A NaN coefficient is reported as that parameter.
        model.layers[5].parameters[1] = Tensor(zeros: [512])
        var a = model.layers[7].parameters[0]
        a[3, 2] = .nan
        model.layers[7].parameters[0] = a
        XCTAssertEqual(model.firstNonFinite(input: x, step: 13)?.source, .parameter("a"))
        XCTAssertFalse(model.parametersAreFinite)
        XCTAssertEqual(model.firstNonFinite(input: x * .infinity, step: 14)?.source, .input)
    }

    func testMLPBuilder() throws {
        let mlp = try Models.mlp(sizes: [2, 16, 8, 1], activation: .sigmoid, outputActivation: .linear, seed: 3, as: Double.self)
        XCTAssertEqual(mlp.parameterCount, (2 * 16 + 16) + (16 * 8 + 8) + (8 + 1))
        XCTAssertEqual(mlp.layers.compactMap { ($0 as? Dense<Double>)?.activation }, [.sigmoid, .sigmoid, .linear])
        let again = try Models.mlp(sizes: [2, 16, 8, 1], activation: .sigmoid, seed: 3, as: Double.self)
        XCTAssertTrue(zip(mlp.parameters, again.parameters).allSatisfy { $0.isIdentical(to: $1) }, "seeded")
        XCTAssertThrowsError(try Models.mlp(sizes: [3], as: Double.self))
    }

    func testSequentialAddAndRows() throws {
        var model = try Sequential<Double>(inputShape: [4, 4, 1], layers: [AvgPool2D<Double>(poolSize: (2, 2))])
        try model.add(Flatten<Double>())
        XCTAssertThrowsError(try model.add(Dense<Double>(kernel: Tensor(zeros: [5, 2]), bias: Tensor(zeros: [2]))))
        try model.add(TaylorExpansion<Double>(units: 4, order: 1))
        XCTAssertEqual(model.layers.map(\.name), ["average_pooling2d_1", "flatten_1", "taylor_expansion_1"])
        XCTAssertThrowsError(try model.add(Softmax<Double>(name: "flatten_1")))
        // Rows [B, 16] are images [B, 4, 4, 1].
        let x = Support.random([2, 16], seed: 1)
        Support.assertClose(model(x), model(x.reshaped(to: [2, 4, 4, 1])), 0, "rows")
    }
}
