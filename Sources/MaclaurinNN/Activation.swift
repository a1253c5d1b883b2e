/// Elementwise activation functions with derivatives of every order.
///
/// `relu`'s derivatives of order >= 2 are zero wherever they exist (everywhere but 0), so Taylor
/// mode and Hessians through relu see a piecewise-linear function.
public enum Activation: String, CaseIterable, Sendable {
    case linear, sigmoid, tanh, relu, softplus, sin, gelu, exp, softmax

    /// Applies the activation (softmax acts along the last axis).
    public func callAsFunction<V: TensorAlgebra>(_ x: V) -> V {
        switch self {
        case .linear: x
        case .sigmoid: x.sigmoid()
        case .tanh: x.tanh()
        case .relu: x.relu()
        case .softplus: x.softplus()
        case .sin: x.sin()
        case .gelu: x.gelu()
        case .exp: x.exp()
        case .softmax: x.softmax()
        }
    }

    /// Parses a name as written in model files and on the command line (Keras names accepted:
    /// "linear"/"identity"/"none", "swish" is not supported).
    public init(named name: String) throws {
        let key = name.lowercased()
        if ["identity", "none", ""].contains(key) { self = .linear; return }
        guard let a = Activation(rawValue: key) else {
            throw ModelError("unknown activation '\(name)' (expected one of: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self = a
    }
}

/// An activation as a layer of its own.
public struct ActivationLayer<Scalar: TensorScalar>: Layer {
    public var name: String
    public var activation: Activation
    public var kind: String { "activation" }

    public init(_ activation: Activation, name: String = "") {
        self.activation = activation; self.name = name
    }
    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    public func forward<V: TensorAlgebra>(_ x: V, parameters: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        activation(x)
    }
    public var configuration: [String: ModelValue] { ["activation": .string(activation.rawValue)] }
}
