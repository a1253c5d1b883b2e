/// Softmax along the last axis as a layer: y_i = exp(x_i - max x) / sum_j exp(x_j - max x).
///
/// For classification, prefer ending the model with logits and using
/// `categoricalCrossEntropy(logits:labels:)`, which is numerically stable for any logits.
public struct Softmax<Scalar: TensorScalar>: Layer {
    public var name: String
    public var kind: String { "softmax" }

    /// A softmax layer (no parameters).
    public init(name: String = "") { self.name = name }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward<V: TensorAlgebra>(_ x: V, parameters: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        x.softmax()
    }

    public var configuration: [String: ModelValue] { [:] }
}
