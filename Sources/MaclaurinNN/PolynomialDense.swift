/// A fully connected layer on the powers of its input, what the motivating question tried to
/// write: y = activation(b + z W_1 + z^2 W_2 + ... + z^n W_n), z = bound(x), powers elementwise.
///
/// Each input node is expanded into z, z^2, ..., z^n and each power has its own weight matrix
/// W_k `[inputSize, units]`, stored together as `kernel` `[order, inputSize, units]`. The powers
/// are computed incrementally (z^k = z^{k-1} z) and joined along the feature axis, so the whole
/// layer is ONE matrix product `[..., n*inputSize] x [n*inputSize, units]`.
public struct PolynomialDense<Scalar: TensorScalar>: Layer {
    public var name: String
    /// `[order, inputSize, units]`: `kernel[k - 1]` is W_k.
    public var kernel: Tensor<Scalar>
    /// `[units]`.
    public var bias: Tensor<Scalar>
    /// Applied after the bias.
    public var activation: Activation
    /// How x is bounded to z before the powers are taken.
    public let bounding: InputBounding
    /// The learnable bounding scale `[inputSize]` (learnable tanh bounding only).
    public var scale: Tensor<Scalar>?
    public var kind: String { "polynomial_dense" }

    /// A layer that starts as a Keras `Dense`: W_1 Glorot-uniform, W_k = 0 for k >= 2 (the higher
    /// powers are switched on by training, which keeps the start stable), zero bias.
    public init(inputSize: Int, units: Int, order: Int, activation: Activation = .linear,
                bounding: InputBounding = .none, name: String = "", generator: inout SeededGenerator) {
        precondition(inputSize > 0 && units > 0 && order >= 1, "polynomial_dense: sizes must be > 0 and order >= 1")
        let first = Tensor<Scalar>(glorotUniform: [1, inputSize, units], fanIn: inputSize, fanOut: units, generator: &generator)
        let kernel = order == 1 ? first
            : Tensor.concatenate([first, Tensor(zeros: [order - 1, inputSize, units])], axis: 0)
        self.init(kernel: kernel, bias: Tensor(zeros: [units]), activation: activation, bounding: bounding,
                  scale: bounding.initialScale(units: inputSize), name: name)
    }

    /// A layer with the given weights; `scale` `[inputSize]` is required exactly for learnable tanh bounding.
    public init(kernel: Tensor<Scalar>, bias: Tensor<Scalar>, activation: Activation = .linear,
                bounding: InputBounding = .none, scale: Tensor<Scalar>? = nil, name: String = "") {
        precondition(kernel.rank == 3 && kernel.shape[0] >= 1 && bias.shape == [kernel.shape[2]],
                     "polynomial_dense: kernel must be [order, inputs, units] and bias [units], got \(kernel.shape), \(bias.shape)")
        precondition((scale != nil) == bounding.hasLearnableScale && (scale.map { $0.shape == [kernel.shape[1]] } ?? true),
                     "polynomial_dense: a scale [\(kernel.shape[1])] is needed exactly for learnable tanh bounding")
        self.kernel = kernel; self.bias = bias; self.activation = activation
        self.bounding = bounding; self.scale = scale; self.name = name
    }

    /// The highest power n.
    public var order: Int { kernel.shape[0] }
    /// The extent of the input's last axis.
    public var inputSize: Int { kernel.shape[1] }
    /// The number of outputs.
    public var units: Int { kernel.shape[2] }

    /// W_k `[inputSize, units]`, the weights of the k-th power (1 <= k <= order).
    public func weight(forPower k: Int) -> Tensor<Scalar> {
        precondition(k >= 1 && k <= order, "power \(k) of a layer of order \(order)")
        return kernel.slice(axis: 0, (k - 1)..<k).reshaped(to: [inputSize, units])
    }

    public var parameters: [Tensor<Scalar>] {
        get { [kernel, bias] + (scale.map { [$0] } ?? []) }
        set {
            precondition(newValue.map(\.shape) == parameters.map(\.shape),
                         "polynomial_dense '\(name)': parameters must have shapes \(parameters.map(\.shape))")
            kernel = newValue[0]; bias = newValue[1]
            if newValue.count == 3 { scale = newValue[2] }
        }
    }
    public var parameterNames: [String] { ["kernel", "bias"] + (scale == nil ? [] : ["scale"]) }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.last == inputSize else {
            throw ModelError("layer '\(name)' (polynomial_dense) expects inputs of size \(inputSize), got shape \(inputShape)")
        }
        return inputShape.dropLast() + [units]
    }

    public func forward<V: TensorAlgebra>(_ x: V, parameters p: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        precondition(x.shape.last == inputSize, "polynomial_dense '\(name)': input \(x.shape) does not end in \(inputSize)")
        let z = bounding.apply(x, scale: scale == nil ? nil : p[2])
        var powers = [z], power = z
        for _ in 1..<Swift.max(order, 1) {
            power = power * z
            powers.append(power)
        }
        let features = V.concatenate(powers, axis: -1)
        return activation(features.matmul(p[0].reshaped(to: [order * inputSize, units])) + p[1])
    }

    public var configuration: [String: ModelValue] {
        ["units": .int(units), "order": .int(order), "activation": .string(activation.rawValue),
         "bounding": bounding.configurationValue]
    }
}
