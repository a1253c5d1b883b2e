/// Hessian and Laplacian on the fused path.
///
/// Hessian: every nonlinearity of an MLP is an elementwise activation and every z_l is affine in
/// h_{l-1}, so the Hessian of output i is a sum over layers,
///   H_i = sum_l J_l^T diag(g_{l,i} * f''_l(z_l)) J_l,
/// with J_l = dz_l/dx (forward tangents in the n input directions: J_1 = W_1, then
/// J_{l+1} = (J_l f'_l) W_{l+1}, one GEMM per layer) and g_{l,i} = dy_i/dh_l (reverse adjoints
/// for all outputs stacked, one GEMM per layer). Per point this costs the forward-mode
/// Jacobian plus n(n+1)/2 multiply-adds per unit of each curved layer, instead of a second
/// reverse sweep over n tangents (forward-over-reverse), about half the work for W2.
///
/// Laplacian: collapsed Taylor mode (Dangel et al., NeurIPS 2025): first-order coefficients in
/// the n unit directions and ONE summed second-order coefficient s per unit, propagated as
/// s <- f' s + f''/2 sum_d t_d^2, t_d <- f' t_d through activations and by the same GEMM as the
/// tangents through dense layers; the Laplacian is 2 s at the output.
extension MLPPlan {
    /// Layers whose activation has a nonzero second derivative.
    var curvedLayers: [Int] { layers.indices.filter { layers[$0].hasCurvature } }

    /// The Hessian of every output at each point, `[B, m, n, n]`.
    func hessian(at x: Tensor<Scalar>) -> Tensor<Scalar> {
        checkPoints(x)
        let (points, n, m) = (x.shape[0], inputs, outputs)
        var result = Tensor<Scalar>(uninitializedShape: [points, m, n, n])
        let perRow = 2 * widest + 2 * totalWidth + 2 * m * widest + m * totalWidth + 2 * n * widest + m * n * n
        x.withUnsafePointer { xp in
            result.withUnsafeMutablePointer { hp in
                Self.forEachTile(points: points, scalarsPerRow: perRow) { r, ws in
                    _ = forward(xp + r.lowerBound * n, rows: r.count, derivatives: 2, ws)
                    hessianTile(rows: r.count, into: hp + r.lowerBound * m * n * n, ws)
                }
            }
        }
        return result
    }

    /// The Hessians [rows, m, n, n] of a tile after `forward` (derivatives 2).
    func hessianTile(rows: Int, into h: UnsafeMutablePointer<Scalar>, _ ws: MLPWorkspace<Scalar>) {
        let (n, m, last) = (inputs, outputs, layers.count - 1)
        h.update(repeating: 0, count: rows * m * n * n)
        let curved = curvedLayers
        guard let firstCurved = curved.first, let lastCurved = curved.last else { return }
        let free = MLPSlot.free(layers.count)
        func cSlot(_ l: Int) -> Int { free + 2 + l }

        // Reverse: c_l = g_l f''_l for the curved layers below the last (all outputs stacked).
        if firstCurved < last {
            var g = ws.buffer(free, m * rows * widest), other = ws.buffer(free + 1, m * rows * widest)
            let fL = layers[last].isNonlinear ? d1(last, rows: rows, ws) : nil
            let below = layers[last - 1].outputs
            K.outer(blocks: m, rows: rows, cols: below, w: lastKernelT, s: fL, lds: m, d: nil, y: g, ldyk: rows * below, ldyr: below)
            var l = last - 1
            while true {
                // g: adjoint of h_l, [m * rows, U_l].
                let u = layers[l].outputs
                if layers[l].hasCurvature {
                    K.scale(blocks: m, n: rows * u, g, by: d2(l, rows: rows, ws), into: ws.buffer(cSlot(l), m * rows * u))
                }
                if l == firstCurved { break }
                if layers[l].isNonlinear { K.scale(blocks: m, n: rows * u, g, by: d1(l, rows: rows, ws), into: g) }
                K.gemm(transB: true, m * rows, layers[l].inputs, u, g, u, kernel(l), u, other, layers[l].inputs)
                swap(&g, &other)
                l -= 1
            }
        }

        // Tangents J_l = dz_l/dx [n, rows, U_l] (J_1 = W_1 shared by all rows), and the sandwiches.
        let tSlots = (free + 2 + layers.count, free + 3 + layers.count)
        let buffers = [ws.buffer(tSlots.0, n * rows * widest), ws.buffer(tSlots.1, n * rows * widest)]
        var jz = UnsafeMutablePointer(mutating: kernel(0)), jsd = layers[0].outputs, jsr = 0, current = 0
        for l in 0...lastCurved {
            let u = layers[l].outputs
            if layers[l].hasCurvature {
                for i in 0..<m {
                    let hi = h + i * n * n
                    if l < last {
                        K.sandwich(n: n, rows: rows, cols: u, j: jz, jsd: jsd, jsr: jsr,
                                   c: ws.buffer(cSlot(l), m * rows * u) + i * rows * u, csr: u, h: hi, ldh: m * n * n)
                    } else {  // the output layer: only unit i, with g = e_i
                        K.sandwich(n: n, rows: rows, cols: 1, j: jz + i, jsd: jsd, jsr: jsr,
                                   c: d2(last, rows: rows, ws) + i, csr: m, h: hi, ldh: m * n * n)
                    }
                }
            }
            if l == lastCurved { break }
            // Tangents of h_l (in buffers[current]), then J_{l+1} = (J_l f'_l) W_{l+1}.
            if l == 0 {
                current = 0
                K.outer(blocks: n, rows: rows, cols: u, w: kernel(0), s: nil, lds: 0,
                        d: layers[0].isNonlinear ? d1(0, rows: rows, ws) : nil, y: buffers[0], ldyk: rows * u, ldyr: u)
            } else if layers[l].isNonlinear {
                K.scale(blocks: n, n: rows * u, jz, by: d1(l, rows: rows, ws), into: jz)
            }
            let v = layers[l + 1].outputs
            K.gemm(n * rows, v, u, buffers[current], u, kernel(l + 1), v, buffers[1 - current], v)
            current = 1 - current
            (jz, jsd, jsr) = (buffers[current], rows * v, v)
        }
    }

    /// The Laplacian of every output at each point, `[B, m]`.
    func laplacian(at x: Tensor<Scalar>) -> Tensor<Scalar> {
        checkPoints(x)
        let (points, n, m) = (x.shape[0], inputs, outputs)
        var result = Tensor<Scalar>(uninitializedShape: [points, m])
        let perRow = 2 * widest + 2 * totalWidth + 2 * (n + 1) * widest
        x.withUnsafePointer { xp in
            result.withUnsafeMutablePointer { lp in
                Self.forEachTile(points: points, scalarsPerRow: perRow) { r, ws in
                    _ = forward(xp + r.lowerBound * n, rows: r.count, derivatives: 2, ws)
                    laplacianTile(rows: r.count, into: lp + r.lowerBound * m, ws)
                }
            }
        }
        return result
    }

    /// The Laplacians [rows, m] of a tile after `forward` (derivatives 2).
    func laplacianTile(rows: Int, into out: UnsafeMutablePointer<Scalar>, _ ws: MLPWorkspace<Scalar>) {
        let (n, m) = (inputs, outputs)
        guard let lastCurved = curvedLayers.last else {
            out.update(repeating: 0, count: rows * m)
            return
        }
        let free = MLPSlot.free(layers.count)
        // Stacks [n + 1, rows, U]: the n tangents, then the summed second-order coefficient s.
        var a = ws.buffer(free, (n + 1) * rows * widest), b = ws.buffer(free + 1, (n + 1) * rows * widest)
        let u0 = layers[0].outputs
        K.outer(blocks: n, rows: rows, cols: u0, w: kernel(0), s: nil, lds: 0, d: nil, y: a, ldyk: rows * u0, ldyr: u0)
        (a + n * rows * u0).update(repeating: 0, count: rows * u0)
        for l in layers.indices {
            let layer = layers[l], u = layer.outputs
            // Past the last curved layer only s is needed.
            let directions = l <= lastCurved ? n : 0
            if layer.isNonlinear {
                K.collapsedStep(directions: directions, n: rows * u, t: a, s: a + n * rows * u, d1: d1(l, rows: rows, ws),
                                d2: layer.hasCurvature ? d2(l, rows: rows, ws) : nil)
            }
            if l == layers.count - 1 { break }
            let v = layers[l + 1].outputs
            if l < lastCurved {
                K.gemm((n + 1) * rows, v, u, a, u, kernel(l + 1), v, b, v)
            } else {
                K.gemm(rows, v, u, a + n * rows * u, u, kernel(l + 1), v, b + n * rows * v, v)
            }
            swap(&a, &b)
        }
        let s = a + n * rows * m
        for i in 0..<(rows * m) { out[i] = 2 * s[i] }
    }
}
