/// A fully connected layer, y = activation(x . kernel + bias), as in Keras.
///
/// `kernel` has shape `[inputSize, units]`; the input may have any leading axes (`[..., inputSize]`).
public struct Dense<Scalar: TensorScalar>: Layer {
    public var name: String
    public var kernel: Tensor<Scalar>
    public var bias: Tensor<Scalar>
    public var activation: Activation
    public var kind: String { "dense" }

    /// A layer with Glorot-uniform kernel and zero bias (Keras defaults).
    public init(inputSize: Int, units: Int, activation: Activation = .linear, name: String = "",
                generator: inout SeededGenerator) {
        self.init(kernel: Tensor(glorotUniform: [inputSize, units], fanIn: inputSize, fanOut: units, generator: &generator),
                  bias: Tensor(zeros: [units]), activation: activation, name: name)
    }

    /// A layer with the given weights.
    public init(kernel: Tensor<Scalar>, bias: Tensor<Scalar>, activation: Activation = .linear, name: String = "") {
        precondition(kernel.rank == 2 && bias.shape == [kernel.shape[1]],
                     "dense: kernel \(kernel.shape) and bias \(bias.shape) do not fit")
        self.kernel = kernel; self.bias = bias; self.activation = activation; self.name = name
    }

    public var inputSize: Int { kernel.shape[0] }
    public var units: Int { kernel.shape[1] }

    public var parameters: [Tensor<Scalar>] {
        get { [kernel, bias] }
        set {
            precondition(newValue.count == 2 && newValue[0].shape == kernel.shape && newValue[1].shape == bias.shape,
                         "dense '\(name)': parameters must be kernel \(kernel.shape) and bias \(bias.shape)")
            kernel = newValue[0]; bias = newValue[1]
        }
    }
    public var parameterNames: [String] { ["kernel", "bias"] }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.last == inputSize else {
            throw ModelError("layer '\(name)' (dense) expects inputs of size \(inputSize), got shape \(inputShape)")
        }
        return inputShape.dropLast() + [units]
    }

    public func forward<V: TensorAlgebra>(_ x: V, parameters p: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        if V.self == Tensor<Scalar>.self && x.rank >= 1 {
            // Inference on plain tensors: bias and activation fused around the GEMM.
            let rows = x.plain.reshaped(to: [-1, inputSize])
            let y = FusedLinear.forward(rows, p[0].plain, bias: p[1].plain, activation: activation)
            return V(constant: y.reshaped(to: Array(x.shape.dropLast()) + [units]))
        }
        return activation(x.matmul(p[0]) + p[1])
    }

    public var configuration: [String: ModelValue] {
        ["units": .int(units), "activation": .string(activation.rawValue)]
    }
}
