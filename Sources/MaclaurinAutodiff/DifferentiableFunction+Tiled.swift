/// The public derivative API's generic engine (the default implementations of the
/// `DifferentiableFunction` requirements). Points are independent, so every computation runs on
/// blocks of rows that stay in cache, side by side on the kernels' threads, and the blocks are
/// joined.
extension DifferentiableFunction {
    /// Rows per block: small enough for the block's activations (and jets) to stay in L2, large
    /// enough to amortise per-operation overhead, and at least one block per thread.
    static func tileRows(points: Int, width: Int) -> Int {
        let byCache = max(32, (96 * 1024) / max(1, width * MemoryLayout<Scalar>.stride))
        let byThreads = (points + KernelInfo.threads - 1) / max(1, KernelInfo.threads)
        return max(1, min(byCache, byThreads, 1024))
    }

    /// Evaluates `block` on row tiles of `x` and concatenates the results along axis 0.
    func tiled(_ x: Tensor<Scalar>, width: Int, _ block: @escaping (Tensor<Scalar>) -> [Tensor<Scalar>]) -> [Tensor<Scalar>] {
        Self.checkPoints(x)
        let rows = x.shape[0]
        let tile = Self.tileRows(points: rows, width: width)
        if tile >= rows { return block(x) }
        let parts = Parallel.mapTiles(rows: rows, tile: tile) { r in block(x.slice(axis: 0, r)) }
        return (0..<parts[0].count).map { k in Tensor.concatenate(parts.map { $0[k] }, axis: 0) }
    }

    /// The value `[B, m]` and the Jacobian `[B, m, n]` (J[b, i, j] = d y_i / d x_j) at each point,
    /// in the mode `.automatic` picks (forward when n <= m).
    public func valueAndJacobian(at x: Tensor<Scalar>) -> (value: Tensor<Scalar>, jacobian: Tensor<Scalar>) {
        valueAndJacobian(at: x, mode: .automatic)
    }

    /// The value `[B, m]` and the Jacobian `[B, m, n]` (J[b, i, j] = d y_i / d x_j) at each point.
    /// - Parameter mode: forward (jets in the n input directions) or reverse (one pass per
    ///   output); `.automatic` picks forward when n <= m.
    public func valueAndJacobian(at x: Tensor<Scalar>, mode: JacobianMode)
        -> (value: Tensor<Scalar>, jacobian: Tensor<Scalar>) {
        Self.checkPoints(x)
        let r = tiled(x, width: 64 * (1 + x.shape[1])) { [self] in
            let (v, j) = blockValueAndJacobian(at: $0, mode: mode)
            return [v, j]
        }
        return (r[0], r[1])
    }

    /// The Hessian of every output at each point, `[B, m, n, n]`, by forward-over-reverse: a
    /// reverse pass over order-1 jets in the n input directions.
    public func hessian(at x: Tensor<Scalar>) -> Tensor<Scalar> {
        Self.checkPoints(x)
        return tiled(x, width: 64 * 3 * (1 + x.shape[1])) { [self] in [blockHessian(at: $0)] }[0]
    }

    /// The Laplacian (trace of the Hessian) of every output, `[B, m]`, from order-2 jets in the
    /// n unit directions, without forming the Hessian.
    public func laplacian(at x: Tensor<Scalar>) -> Tensor<Scalar> {
        Self.checkPoints(x)
        return tiled(x, width: 64 * (1 + 2 * x.shape[1])) { [self] in [blockLaplacian(at: $0)] }[0]
    }

    /// d^k/dt^k f(x + t v) at t = 0 for k = 0...order, `[B, m, order + 1]` (entry 0 is the value;
    /// not divided by k!). `direction` is one vector `[n]` for every point, or `[B, n]`.
    public func directionalDerivatives(at x: Tensor<Scalar>, direction: Tensor<Scalar>, order: Int) -> Tensor<Scalar> {
        Self.checkPoints(x)
        precondition(order >= 1, "order must be >= 1")
        let v = direction.rank == 1 ? direction.broadcast(to: x.shape) : direction
        precondition(v.shape == x.shape, "direction \(direction.shape) does not fit points \(x.shape)")
        let joined = Tensor.concatenate([x, v], axis: 1), n = x.shape[1]
        return tiled(joined, width: 64 * (1 + order)) { [self] xv in
            [blockDirectionalDerivatives(at: xv.slice(axis: 1, 0..<n), direction: xv.slice(axis: 1, n..<(2 * n)), order: order)]
        }[0]
    }
}
