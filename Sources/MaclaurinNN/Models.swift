/// Ready-made architectures.
public enum Models {
    /// The motivating Keras user's "expandable" Taylor-series CNN:
    ///
    ///     Conv2D(32, 3x3, same, relu) -> Conv2D(32, 3x3, valid, relu) -> MaxPool2D(2) -> Dropout(0.25)
    ///     -> Flatten -> Dense(512, relu) -> Dropout(0.5) -> TaylorExpansion(order) -> relu -> Dense(classes)
    ///
    /// The output is logits (apply softmax, or use `categoricalCrossEntropy(logits:labels:)`).
    /// With the Keras answer's parameterisation and input 32x32x3 it has 3,706,282 parameters
    /// (the Taylor layer holds 512 x (order + 1) x 2 = 4,096 of them for order 3).
    /// - Parameters:
    ///   - inputShape: `[height, width, channels]`, at least 4x4 (e.g. `[32, 32, 3]`, or `[8, 8, 1]` digits).
    ///   - classes: the number of classes.
    ///   - order: the Taylor order n.
    ///   - parameterization: `.cumulative` (Keras answer, default) or `.collapsed`.
    ///   - basis, bounding, initialization: stability options of `TaylorExpansion`.
    ///   - seed: seeds the Glorot-uniform initialisation of the conv and dense kernels.
    public static func taylorCNN<Scalar: TensorScalar>(
        inputShape: [Int], classes: Int = 10, order: Int = 3, parameterization: TaylorParameterization = .cumulative,
        basis: PolynomialBasis = .monomial, bounding: InputBounding = .none,
        initialization: TaylorInitialization = .identity, seed: UInt64 = 0, as: Scalar.Type = Scalar.self
    ) throws -> Sequential<Scalar> {
        guard inputShape.count == 3, inputShape[0] >= 4, inputShape[1] >= 4, inputShape[2] >= 1 else {
            throw ModelError("taylorCNN needs an input shape [height, width, channels] of at least 4x4, got \(inputShape)")
        }
        guard classes >= 1, order >= 0 else { throw ModelError("taylorCNN needs classes >= 1 and order >= 0") }
        var g = SeededGenerator(seed: seed)
        let conv1 = Conv2D<Scalar>(inputChannels: inputShape[2], filters: 32, kernelSize: (3, 3), padding: .same,
                                   activation: .relu, generator: &g)
        let conv2 = Conv2D<Scalar>(inputChannels: 32, filters: 32, kernelSize: (3, 3), padding: .valid,
                                   activation: .relu, generator: &g)
        let pool = MaxPool2D<Scalar>(poolSize: (2, 2))
        let pooled = try pool.outputShape(for: try conv2.outputShape(for: try conv1.outputShape(for: inputShape)))
        let dense = Dense<Scalar>(inputSize: pooled.reduce(1, *), units: 512, activation: .relu, generator: &g)
        let taylor = TaylorExpansion<Scalar>(units: 512, order: order, parameterization: parameterization, basis: basis,
                                             bounding: bounding, initialization: initialization)
        let output = Dense<Scalar>(inputSize: 512, units: classes, generator: &g)
        return try Sequential(inputShape: inputShape, layers: [
            conv1, conv2, pool, Dropout<Scalar>(rate: 0.25), Flatten<Scalar>(),
            dense, Dropout<Scalar>(rate: 0.5), taylor, ActivationLayer<Scalar>(.relu), output,
        ])
    }

    /// A multilayer perceptron `sizes[0] -> sizes[1] -> ... -> sizes.last`: Dense layers with
    /// `activation` on every hidden layer and `outputActivation` on the last (Glorot-uniform
    /// kernels, zero biases, seeded).
    /// - Parameter sizes: the input size then each layer's units, e.g. `[2, 64, 64, 1]`.
    public static func mlp<Scalar: TensorScalar>(sizes: [Int], activation: Activation = .tanh,
                                                 outputActivation: Activation = .linear, seed: UInt64 = 0,
                                                 as: Scalar.Type = Scalar.self) throws -> Sequential<Scalar> {
        guard sizes.count >= 2, sizes.allSatisfy({ $0 > 0 }) else {
            throw ModelError("mlp needs at least an input and an output size, all positive, got \(sizes)")
        }
        var g = SeededGenerator(seed: seed)
        var layers: [any Layer<Scalar>] = []
        for i in 1..<sizes.count {
            layers.append(Dense<Scalar>(inputSize: sizes[i - 1], units: sizes[i],
                                        activation: i == sizes.count - 1 ? outputActivation : activation, generator: &g))
        }
        return try Sequential(inputShape: [sizes[0]], layers: layers)
    }
}
