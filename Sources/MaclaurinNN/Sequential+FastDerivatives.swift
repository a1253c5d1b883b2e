/// Input derivatives of `Sequential` models: models made only of `Dense` layers with elementwise
/// activations (linear, tanh, sigmoid, softplus, sin, relu, gelu, exp), on vector inputs, in
/// Float or Double, take the fused MLP path (`MLPPlan`: one GEMM per layer for all directions,
/// outputs or Taylor coefficients, fused C kernels for the activations and their derivatives);
/// every other model, and gelu in Taylor mode, uses the generic engine (`usingGenericEngine`).
/// Both give the same results up to rounding.
extension Sequential {
    /// True when `valueAndJacobian`, `hessian` and `laplacian` take the fused MLP path
    /// (`directionalDerivatives` also needs every activation to have a Taylor rule: not gelu).
    public var hasFusedDerivatives: Bool { MLPPlan.denseLayers(of: self) != nil }

    /// The value `[B, m]` and the Jacobian `[B, m, n]` (J[b, i, j] = d y_i / d x_j) at each point.
    /// - Parameter mode: forward (tangents in the n input directions) or reverse (adjoints of the
    ///   m outputs); `.automatic` picks forward when n <= m.
    public func valueAndJacobian(at x: Tensor<Scalar>, mode: JacobianMode) -> (value: Tensor<Scalar>, jacobian: Tensor<Scalar>) {
        if let plan = MLPPlan(self), x.rank == 2 { return plan.valueAndJacobian(at: x, mode: mode) }
        return usingGenericEngine.valueAndJacobian(at: x, mode: mode)
    }

    /// The Hessian of every output at each point, `[B, m, n, n]`.
    public func hessian(at x: Tensor<Scalar>) -> Tensor<Scalar> {
        if let plan = MLPPlan(self), x.rank == 2 { return plan.hessian(at: x) }
        return usingGenericEngine.hessian(at: x)
    }

    /// The Laplacian (trace of the Hessian) of every output, `[B, m]`.
    public func laplacian(at x: Tensor<Scalar>) -> Tensor<Scalar> {
        if let plan = MLPPlan(self), x.rank == 2 { return plan.laplacian(at: x) }
        return usingGenericEngine.laplacian(at: x)
    }

    /// d^k/dt^k f(x + t v) at t = 0 for k = 0...order, `[B, m, order + 1]` (entry 0 is the value;
    /// not divided by k!). `direction` is one vector `[n]` for every point, or `[B, n]`.
    public func directionalDerivatives(at x: Tensor<Scalar>, direction: Tensor<Scalar>, order: Int) -> Tensor<Scalar> {
        if let plan = MLPPlan(self), plan.supportsTaylor, x.rank == 2 {
            return plan.directionalDerivatives(at: x, direction: direction, order: order)
        }
        return usingGenericEngine.directionalDerivatives(at: x, direction: direction, order: order)
    }
}
