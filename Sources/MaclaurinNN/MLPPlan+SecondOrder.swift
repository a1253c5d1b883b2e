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
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func hessian(at x: Tensor<Scalar>) -> Tensor<Scalar> {
        checkPoints(x)
        let (points, n, m) = (x.shape[0], inputs, outputs)
        var result = Tensor<Scalar>(uninitializedShape: [points, m, n, n])
        let perRow = 2 * widest + 2 * totalWidth + 2 * m * widest + m * totalWidth + 2 * n * widest + m * n * n
        let pairs = firstLayerPairs()
        x.withUnsafePointer { xp in
            result.withUnsafeMutablePointer { hp in
                Self.forEachTile(points: points, scalarsPerRow: perRow) { r, ws in
                    _ = forward(xp + r.lowerBound * n, rows: r.count, derivatives: 2, ws)
                    hessianTile(rows: r.count, into: hp + r.lowerBound * m * n * n, pairs: pairs.map { UnsafePointer($0.pointer) }, ws)
                }
            }
        }
        return withExtendedLifetime(pairs) { result }
    }

    /// The first layer's term as one product when its tangents J_1 = W_1 are shared by all
    /// points: H += c_1 P with P[u, a n + b] = W_1[a, u] W_1[b, u] (packed), or nil when the
    /// first layer has no curvature, is the output layer, or P would be large.
    func firstLayerPairs() -> WeightBuffer<Scalar>? {
        let (n, u) = (inputs, layers[0].outputs)
        guard layers[0].hasCurvature, layers.count > 1, n * n * u <= 1 << 22 else { return nil }
        let wt = firstKernel.transposed()                                          // [U, n]
        let p = (wt.reshaped(to: [u, n, 1]) * wt.reshaped(to: [u, 1, n])).reshaped(to: [u, n * n])
        let buffer = WeightBuffer<Scalar>(count: K.packedSize(u, n * n))
        p.withUnsafePointer { K.pack(transposed: false, u, n * n, $0, ldb: n * n, into: buffer.pointer) }
        return buffer
    }

    /// The Hessians [rows, m, n, n] of a tile after `forward` (derivatives 2); `pairs` from
    /// `firstLayerPairs`.
    func hessianTile(rows: Int, into h: UnsafeMutablePointer<Scalar>, pairs: UnsafePointer<Scalar>?,
                     _ ws: MLPWorkspace<Scalar>) {
        let (n, m, last) = (inputs, outputs, layers.count - 1)
        if pairs == nil { K.zero(h, rows * m * n * n) }  // else the first layer's product writes h
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
                K.product(m * rows, layers[l].inputs, u, g, lda: u, packed: packedTransposed(l), other, ldc: layers[l].inputs)
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
            if l == 0, let pairs {
                let c = ws.buffer(cSlot(0), m * rows * u)
                for i in 0..<m {
                    K.product(rows, n * n, u, c + i * rows * u, lda: u, packed: pairs, h + i * n * n, ldc: m * n * n)
                }
            } else if layers[l].hasCurvature {
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
            K.product(n * rows, v, u, buffers[current], lda: u, packed: packed(l + 1), buffers[1 - current], ldc: v)
            current = 1 - current
            (jz, jsd, jsr) = (buffers[current], rows * v, v)
        }
    }

    /// The Laplacian of every output at each point, `[B, m]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
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
            K.zero(out, rows * m)
            return
        }
        let free = MLPSlot.free(layers.count)
        // Stacks [n + 1, rows, U]: the n tangents, then the summed second-order coefficient s.
        var a = ws.buffer(free, (n + 1) * rows * widest), b = ws.buffer(free + 1, (n + 1) * rows * widest)
        let u0 = layers[0].outputs
        K.outer(blocks: n, rows: rows, cols: u0, w: kernel(0), s: nil, lds: 0, d: nil, y: a, ldyk: rows * u0, ldyr: u0)
        K.zero(a + n * rows * u0, rows * u0)
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
                K.product((n + 1) * rows, v, u, a, lda: u, packed: packed(l + 1), b, ldc: v)
            } else {
                K.product(rows, v, u, a + n * rows * u, lda: u, packed: packed(l + 1), b + n * rows * v, ldc: v)
            }
            swap(&a, &b)
        }
        let s = a + n * rows * m
        K.scaled(s, by: 2, into: out, rows * m)
    }
}
