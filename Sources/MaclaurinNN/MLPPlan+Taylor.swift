import CMaclaurinKernels

/// Directional derivatives of every order on the fused path (Taylor mode along one direction per
/// point): the K + 1 normalised coefficients of z_l are stacked as row blocks, so each dense
/// layer is ONE GEMM over (K + 1) * rows rows (the bias only enters coefficient 0), and each
/// activation is one call of a fused jet kernel (O(K^2) recurrences: mlp_jet_tmpl.h up to order
/// 16, jet.c beyond). relu is piecewise linear: coefficients k >= 1 are multiplied by the step
/// of coefficient 0.
extension MLPPlan {
    /// True when every activation has a Taylor rule here (gelu has none: it is left to the
    /// generic engine).
    var supportsTaylor: Bool { layers.allSatisfy { $0.activation != .gelu } }

    /// d^k/dt^k f(x + t v) at t = 0 for k = 0...order, `[B, m, order + 1]` (entry 0 is the value).
    /// `direction` is one vector `[n]` for every point, or `[B, n]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func directionalDerivatives(at x: Tensor<Scalar>, direction: Tensor<Scalar>, order: Int) -> Tensor<Scalar> {
        checkPoints(x)
        precondition(order >= 1, "order must be >= 1")
        precondition(supportsTaylor, "directionalDerivatives: no fused Taylor rule for gelu")
        let v = direction.rank == 1 ? direction.broadcast(to: x.shape) : direction
        precondition(v.shape == x.shape, "direction \(direction.shape) does not fit points \(x.shape)")
        let (points, n, m, blocks) = (x.shape[0], inputs, outputs, order + 1)
        var result = Tensor<Scalar>(uninitializedShape: [points, m, blocks])
        let perRow = 2 * blocks * widest + widest
        x.withUnsafePointer { xp in
            v.withUnsafePointer { vp in
                result.withUnsafeMutablePointer { rp in
                    Self.forEachTile(points: points, scalarsPerRow: perRow) { r, ws in
                        taylorTile(x: xp + r.lowerBound * n, direction: vp + r.lowerBound * n, rows: r.count, order: order,
                                   into: rp + r.lowerBound * m * blocks, ws)
                    }
                }
            }
        }
        return result
    }

    /// The jet kernel of an analytic activation (nil for linear, relu and gelu).
    static func jetOp(_ a: Activation) -> mcl_jet_op? {
        switch a {
        case .tanh: MCL_JET_TANH
        case .sigmoid: MCL_JET_SIGMOID
        case .softplus: MCL_JET_SOFTPLUS
        case .sin: MCL_JET_SIN
        case .exp: MCL_JET_EXP
        case .linear, .relu, .gelu, .softmax: nil
        }
    }

    /// One tile: out[r, i, k] = k! y_k[r, i] for the tile's rows.
    func taylorTile(x: UnsafePointer<Scalar>, direction v: UnsafePointer<Scalar>, rows: Int, order: Int,
                    into out: UnsafeMutablePointer<Scalar>, _ ws: MLPWorkspace<Scalar>) {
        let (n, m, blocks) = (inputs, outputs, order + 1)
        var a = ws.buffer(0, blocks * rows * widest), b = ws.buffer(1, blocks * rows * widest)
        // Layer 1: z_0 = x W + b, z_1 = v W, z_k = 0 for k >= 2 (the input is affine in t).
        let u0 = layers[0].outputs
        K.product(rows, u0, n, x, lda: n, packed: packed(0), a, ldc: u0, bias: bias(0))
        K.product(rows, u0, n, v, lda: n, packed: packed(0), a + rows * u0, ldc: u0)
        let fused = order <= Int(MCL_MLP_JET_MAX_ORDER)
        // The fused jet kernel skips the zero coefficients of the first layer; the others read them.
        if order > 1 && !(fused && layers[0].isNonlinear) { K.zero(a + 2 * rows * u0, (order - 1) * rows * u0) }
        for l in layers.indices {
            let layer = layers[l], count = rows * layer.outputs
            if fused {
                if layer.isNonlinear {
                    K.taylor(layer.code, n: count, order: order, nonzero: l == 0 ? 1 : order, a, into: b)
                    swap(&a, &b)
                }
            } else if layer.activation == .relu {
                let step = ws.buffer(2, count)
                K.activate(MCL_MLP_RELU, rows: rows, cols: layer.outputs, z: a, bias: nil, h: a, d1: step, d2: nil)
                K.scale(blocks: order, n: count, a + count, by: step, into: a + count)
            } else if let op = Self.jetOp(layer.activation) {
                K.jet(op, n: count, order: order, x0: a, xs: a + count, y0: b, ys: b + count)
                swap(&a, &b)
            }
            if l == layers.count - 1 { break }
            // z_0 = y_0 W + b, z_k = y_k W.
            let (u, next) = (layer.outputs, layers[l + 1].outputs)
            K.product(rows, next, u, a, lda: u, packed: packed(l + 1), b, ldc: next, bias: bias(l + 1))
            K.product(order * rows, next, u, a + count, lda: u, packed: packed(l + 1), b + rows * next, ldc: next)
            swap(&a, &b)
        }
        // out[r, i, k] = k! y_k[r, i] (factorials in Double, as the generic engine scales them).
        K.permute(a, shape: [blocks, rows * m], permutation: [1, 0], into: out)
        let factorials = ws.buffer(3, blocks)
        var factorial = 1.0
        for k in 0...order {
            if k > 0 { factorial *= Double(k) }
            factorials[k] = Scalar(factorial)
        }
        K.scale(blocks: rows * m, n: blocks, out, by: factorials, into: out)
    }
}
