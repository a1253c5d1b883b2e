/// Value and Jacobian on the fused path.
///
/// Forward mode (n directions stacked as row blocks): T_1 = W_1 (row d of W_1 for direction e_d)
/// times f'_1, then T_l = (T_{l-1} W_l) f'_l, one GEMM per layer for all directions.
/// Reverse mode (m outputs stacked): the adjoint of z_{L-1}'s activation for output i is
/// f'_L[:, i] W_L[:, i]^T f'_{L-1}, then G_{l-1} = (G_l W_l^T) f'_{l-1}, one GEMM per layer for all
/// outputs, and J[:, i, :] = G_1 W_1^T written in place.
extension MLPPlan {
    /// The value `[B, m]` and the Jacobian `[B, m, n]` at each point.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func valueAndJacobian(at x: Tensor<Scalar>, mode: JacobianMode) -> (value: Tensor<Scalar>, jacobian: Tensor<Scalar>) {
        checkPoints(x)
        let (points, n, m) = (x.shape[0], inputs, outputs)
        let forwardMode = mode == .forward || (mode == .automatic && n <= m)
        var value = Tensor<Scalar>(uninitializedShape: [points, m])
        var jacobian = Tensor<Scalar>(uninitializedShape: [points, m, n])
        let stacked = forwardMode ? n : m
        let perRow = 2 * widest + totalWidth + 2 * stacked * max(widest, n)
        x.withUnsafePointer { xp in
            value.withUnsafeMutablePointer { vp in
                jacobian.withUnsafeMutablePointer { jp in
                    Self.forEachTile(points: points, scalarsPerRow: perRow) { r, ws in
                        let rows = r.count
                        let y = forward(xp + r.lowerBound * n, rows: rows, derivatives: 1, ws)
                        K.copy(y, to: vp + r.lowerBound * m, rows * m)
                        if forwardMode {
                            forwardJacobianTile(rows: rows, into: jp + r.lowerBound * m * n, ws)
                        } else {
                            reverseJacobianTile(rows: rows, into: jp + r.lowerBound * m * n, ws)
                        }
                    }
                }
            }
        }
        return (value, jacobian)
    }

    /// Forward mode on a tile after `forward` (derivatives 1): J[b, i, d] for the tile's rows.
    func forwardJacobianTile(rows: Int, into j: UnsafeMutablePointer<Scalar>, _ ws: MLPWorkspace<Scalar>) {
        let n = inputs, free = MLPSlot.free(layers.count)
        let first = layers[0]
        var t = ws.buffer(free, n * rows * widest), other = ws.buffer(free + 1, n * rows * widest)
        K.outer(blocks: n, rows: rows, cols: first.outputs, w: kernel(0), s: nil, lds: 0,
                d: first.isNonlinear ? d1(0, rows: rows, ws) : nil, y: t, ldyk: rows * first.outputs, ldyr: first.outputs)
        for l in 1..<layers.count {
            let layer = layers[l]
            K.product(n * rows, layer.outputs, layer.inputs, t, lda: layer.inputs, packed: packed(l), other, ldc: layer.outputs,
                      scale: layer.isNonlinear ? d1(l, rows: rows, ws) : nil, period: rows)
            swap(&t, &other)
        }
        // t: [n, rows, m] -> J: [rows, m, n].
        K.permute(t, shape: [n, rows, outputs], permutation: [1, 2, 0], into: j)
    }

    /// Reverse mode on a tile after `forward` (derivatives 1): J[b, i, :] for the tile's rows.
    func reverseJacobianTile(rows: Int, into j: UnsafeMutablePointer<Scalar>, _ ws: MLPWorkspace<Scalar>) {
        let (n, m, last) = (inputs, outputs, layers.count - 1)
        let fL = layers[last].isNonlinear ? d1(last, rows: rows, ws) : nil
        if last == 0 {  // one layer: J[b, i, :] = f'(z)[b, i] W^T[i, :]
            K.outer(blocks: m, rows: rows, cols: n, w: lastKernelT, s: fL, lds: m, d: nil, y: j, ldyk: n, ldyr: m * n)
            return
        }
        let free = MLPSlot.free(layers.count)
        let size = m * rows * max(widest, n)  // adjoints, then the [m, rows, n] result
        var g = ws.buffer(free, size), other = ws.buffer(free + 1, size)
        // Adjoint of z_{L-1}: f'_L[b, i] W_L^T[i, u] f'_{L-1}[b, u].
        let below = layers[last - 1]
        K.outer(blocks: m, rows: rows, cols: below.outputs, w: lastKernelT, s: fL, lds: m,
                d: below.isNonlinear ? d1(last - 1, rows: rows, ws) : nil, y: g, ldyk: rows * below.outputs, ldyr: below.outputs)
        var l = last - 1
        while l > 0 {
            // g: adjoint of z_l [m * rows, U_l] -> adjoint of z_{l-1}.
            let layer = layers[l]
            K.product(m * rows, layer.inputs, layer.outputs, g, lda: layer.outputs, packed: packedTransposed(l), other,
                      ldc: layer.inputs, scale: layers[l - 1].isNonlinear ? d1(l - 1, rows: rows, ws) : nil, period: rows)
            swap(&g, &other)
            l -= 1
        }
        // g: adjoint of z_1; J[:, i, :] = g_i W_1^T ([m, rows, n], then transposed to [rows, m, n]).
        let u = layers[0].outputs
        if m == 1 {
            K.product(rows, n, u, g, lda: u, packed: packedTransposed(0), j, ldc: n)
        } else {
            K.product(m * rows, n, u, g, lda: u, packed: packedTransposed(0), other, ldc: n)
            K.permute(other, shape: [m, rows, n], permutation: [1, 0, 2], into: j)
        }
    }
}
