@_exported import MaclaurinAutodiff

/// Per-call state of a forward pass: training or inference, and the random stream for layers
/// that sample (dropout).
public final class ForwardContext {
    /// True while training (dropout active).
    public var isTraining: Bool
    /// The seeded stream dropout masks are drawn from.
    public var generator: SeededGenerator

    public init(isTraining: Bool = false, seed: UInt64 = 0) {
        self.isTraining = isTraining
        self.generator = SeededGenerator(seed: seed)
    }

    /// Inference: no dropout.
    public static var inference: ForwardContext { ForwardContext(isTraining: false) }
}

/// A building block of a model. Layers are written against `TensorAlgebra`, so the same code runs
/// on plain tensors, on the tape and on Taylor jets.
///
/// Shapes exclude the batch axis: a `Dense(4)` on `[batch, 3]` has input shape `[3]`.
public protocol Layer<Scalar> {
    associatedtype Scalar: TensorScalar

    /// The layer type as written in model files ("dense", "conv2d", ...).
    var kind: String { get }
    /// A unique name within its model ("dense_1"); used in messages and tensor names.
    var name: String { get set }
    /// Trainable parameters in a fixed order.
    var parameters: [Tensor<Scalar>] { get set }
    /// Names of `parameters`, same order ("kernel", "bias", ...).
    var parameterNames: [String] { get }
    /// The output shape for an input shape (both without the batch axis).
    func outputShape(for inputShape: [Int]) throws -> [Int]
    /// The forward pass, with this layer's `parameters` lifted into `V` (same order).
    func forward<V: TensorAlgebra>(_ x: V, parameters: [V], context: ForwardContext) -> V where V.Scalar == Scalar
    /// Hyper-parameters for model files (everything but the weights).
    var configuration: [String: ModelValue] { get }
}

extension Layer {
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }
    public var parameterNames: [String] { [] }
    public var parameters: [Tensor<Scalar>] {
        get { [] }
        set { precondition(newValue.isEmpty, "\(kind) layer has no parameters") }
    }
}

/// A shape or value mismatch found while assembling or loading a model.
public struct ModelError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A JSON-like value for layer configurations.
public enum ModelValue: Equatable, Sendable {
    case int(Int), double(Double), string(String), bool(Bool), array([ModelValue]), object([String: ModelValue])
}
