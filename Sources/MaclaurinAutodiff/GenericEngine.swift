/// A function seen through the generic derivative engine only: its `valueAndJacobian`,
/// `hessian`, `laplacian` and `directionalDerivatives` are the protocol's default
/// implementations (Var/Jet over tensors), even when the wrapped function has a faster special
/// case. For comparisons (benchmarks, tests) and as the fallback of special cases.
public struct GenericEngine<Base: DifferentiableFunction>: DifferentiableFunction {
    public typealias Scalar = Base.Scalar
    /// The wrapped function.
    public let base: Base

    /// Wraps `base`.
    public init(_ base: Base) { self.base = base }

    /// Evaluates the wrapped function.
    public func callAsFunction<V: TensorAlgebra>(_ x: V) -> V where V.Scalar == Scalar { base(x) }
}

extension DifferentiableFunction {
    /// This function differentiated by the generic engine, bypassing any special case:
    /// `model.usingGenericEngine.hessian(at: x)`.
    public var usingGenericEngine: GenericEngine<Self> { GenericEngine(self) }
}
