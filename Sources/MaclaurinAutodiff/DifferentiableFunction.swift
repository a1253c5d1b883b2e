/// A batched function from `[batch, inputs]` to `[batch, outputs]` that can be evaluated on any
/// `TensorAlgebra` value, and therefore differentiated in every mode. Rows must be independent
/// (row b of the output depends only on row b of the input), as for every layer stack.
///
/// The derivative methods are requirements with default implementations (the generic engine,
/// DifferentiableFunction+Tiled.swift), so a conformer with a faster special case (e.g.
/// `Sequential` models made of dense layers) is used through generic code too;
/// `usingGenericEngine` always reaches the defaults.
public protocol DifferentiableFunction<Scalar> {
    associatedtype Scalar: TensorScalar
    func callAsFunction<V: TensorAlgebra>(_ x: V) -> V where V.Scalar == Scalar

    /// The value `[B, m]` and the Jacobian `[B, m, n]` (J[b, i, j] = d y_i / d x_j) at each point.
    func valueAndJacobian(at x: Tensor<Scalar>, mode: JacobianMode) -> (value: Tensor<Scalar>, jacobian: Tensor<Scalar>)
    /// The Hessian of every output at each point, `[B, m, n, n]`.
    func hessian(at x: Tensor<Scalar>) -> Tensor<Scalar>
    /// The Laplacian (trace of the Hessian) of every output, `[B, m]`.
    func laplacian(at x: Tensor<Scalar>) -> Tensor<Scalar>
    /// d^k/dt^k f(x + t v) at t = 0 for k = 0...order, `[B, m, order + 1]`.
    func directionalDerivatives(at x: Tensor<Scalar>, direction: Tensor<Scalar>, order: Int) -> Tensor<Scalar>
}

/// How `valueAndJacobian` differentiates.
public enum JacobianMode: String, Sendable, CaseIterable {
    /// Forward when inputs <= outputs, else reverse.
    case automatic
    /// One order-1 jet per input direction (all directions in one pass).
    case forward
    /// One reverse pass per output.
    case reverse
}

extension DifferentiableFunction {
    /// `[D, B, n]` unit directions e_d for every point.
    static func unitDirections(points b: Int, inputs n: Int) -> Tensor<Scalar> {
        var v = Tensor<Scalar>(zeros: [n, b, n])
        v.withUnsafeMutablePointer { p in
            for d in 0..<n { for i in 0..<b { p[(d * b + i) * n + d] = 1 } }
        }
        return v
    }

    static func checkPoints(_ x: Tensor<Scalar>) {
        precondition(x.rank == 2, "points must be a matrix [points, inputs], got shape \(x.shape)")
    }

    /// The value `[B, m]` and the Jacobian `[B, m, n]` (J[b, i, j] = d y_i / d x_j) at each point.
    func blockValueAndJacobian(at x: Tensor<Scalar>, mode: JacobianMode)
        -> (value: Tensor<Scalar>, jacobian: Tensor<Scalar>) {
        Self.checkPoints(x)
        let (b, n) = (x.shape[0], x.shape[1])
        var useForward = mode == .forward
        if mode == .automatic {
            let m = self(Tensor(zeros: [1, n])).shape[1]
            useForward = n <= m
        }
        if useForward {
            let y = self(Jet(primal: x, directions: Self.unitDirections(points: b, inputs: n), order: 1))
            let m = y.shape[1]
            let j = y.coefficient(1).transposed(permutation: [1, 2, 0])       // [D, B, m] -> [B, m, D]
            return (y.primal, j.reshaped(to: [b, m, n]))
        }
        let v = Var(variable: x)
        let y = self(v)
        let m = y.shape[1]
        var rows: [Tensor<Scalar>] = []
        for i in 0..<m {
            let g = gradients(of: y, withRespectTo: [v], seed: Self.oneHotColumn(i, shape: y.shape))[0].value
            rows.append(g.reshaped(to: [b, 1, n]))
        }
        return (y.value, Tensor.concatenate(rows, axis: 1))
    }

    static func oneHotColumn(_ i: Int, shape: [Int]) -> Tensor<Scalar> {
        var s = Tensor<Scalar>(zeros: shape)
        let (rows, cols) = (shape[0], shape[1])
        s.withUnsafeMutablePointer { p in for r in 0..<rows { p[r * cols + i] = 1 } }
        return s
    }

    /// The Hessian of every output at each point, `[B, m, n, n]`, by forward-over-reverse: a reverse
    /// pass over order-1 jets in the n input directions.
    func blockHessian(at x: Tensor<Scalar>) -> Tensor<Scalar> {
        Self.checkPoints(x)
        let (b, n) = (x.shape[0], x.shape[1])
        let v = Var(variable: Jet(primal: x, directions: Self.unitDirections(points: b, inputs: n), order: 1))
        let y = self(v)
        let m = y.shape[1]
        var blocks: [Tensor<Scalar>] = []
        for i in 0..<m {
            let seed = Jet<Tensor<Scalar>>(constant: Self.oneHotColumn(i, shape: y.shape))
            let g = gradients(of: y, withRespectTo: [v], seed: seed)[0].value
            // Series [1, D, B, n]: d/dx_d of the gradient row. A gradient without a series does
            // not depend on x (linear or piecewise-linear f): its Hessian is zero.
            let h = g.series == nil ? Tensor(zeros: [b, n, n])
                : g.coefficient(1).transposed(permutation: [1, 0, 2])        // [B, D, n]
            blocks.append(h.reshaped(to: [b, 1, n, n]))
        }
        return Tensor.concatenate(blocks, axis: 1)
    }

    /// The Laplacian (trace of the Hessian) of every output, `[B, m]`, from order-2 jets in the n
    /// unit directions (no Hessian is formed): sum_d d^2/dt^2 f(x + t e_d).
    func blockLaplacian(at x: Tensor<Scalar>) -> Tensor<Scalar> {
        Self.checkPoints(x)
        let (b, n) = (x.shape[0], x.shape[1])
        let y = self(Jet(primal: x, directions: Self.unitDirections(points: b, inputs: n), order: 2))
        return y.derivative(2).sum(alongAxes: [0]).reshaped(to: y.shape)
    }

    /// d^k/dt^k f(x + t v) at t = 0 for k = 0...order, `[B, m, order + 1]` (entry 0 is the value;
    /// not divided by k!). `direction` is one vector `[n]` for every point, or `[B, n]`.
    func blockDirectionalDerivatives(at x: Tensor<Scalar>, direction v: Tensor<Scalar>, order: Int) -> Tensor<Scalar> {
        let y = self(Jet(primal: x, directions: v.reshaped(to: [1] + x.shape), order: order))
        let parts = (0...order).map { k -> Tensor<Scalar> in
            (k == 0 ? y.primal : y.derivative(k).reshaped(to: y.shape)).reshaped(to: y.shape + [1])
        }
        return Tensor.concatenate(parts, axis: 2)
    }
}
