/// Flattens every sample to a vector, `[batch, d1, d2, ...] -> [batch, d1*d2*...]` (row-major, so
/// NHWC images flatten as Keras's channels-last `Flatten`). Free on plain tensors (a view).
public struct Flatten<Scalar: TensorScalar>: Layer {
    public var name: String
    public var kind: String { "flatten" }

    /// A flatten layer (no parameters).
    public init(name: String = "") { self.name = name }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { [inputShape.reduce(1, *)] }

    public func forward<V: TensorAlgebra>(_ x: V, parameters: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        precondition(x.rank >= 1, "flatten '\(name)': input needs a batch axis")
        return x.reshaped(to: [x.shape[0], x.count / Swift.max(x.shape[0], 1)])
    }

    public var configuration: [String: ModelValue] { [:] }
}
