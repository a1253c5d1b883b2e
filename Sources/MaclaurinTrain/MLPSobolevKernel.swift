/// The fused Sobolev loss of a multilayer perceptron (dense layers, tanh / sigmoid / linear, one
/// output) on values and first partials, with its exact gradient by hand-derived
/// reverse-over-reverse: the fast path of `DerivativeObjective`, checked against the tape.
///
/// Forward, all R rows: a_l = h_{l-1} W_l + b_l, h_l = f_l(a_l), s_l = f_l'(a_l) (h_0 = x, y = h_L;
/// s_l is recomputed from h_l where needed). Input gradient, the Rg rows with partials:
/// d_L = s_L; g_{l-1} = d_l W_l^T; d_{l-1} = g_{l-1} s_{l-1}; dy/dx = g_0.
/// Loss: sum cy (y - Y)^2 + sum cg (g_0 - G)^2. Adjoints (written ~): ~g_0 = 2 cg (g_0 - G);
/// for l = 1...L: ~d_l = ~g_{l-1} W_l, ~g_l = ~d_l s_l; then ~h_L = 2 cy (y - Y) and for
/// l = L...1: ~a_l = ~h_l s_l + (~d_l g_l) f_l''(a_l) (with g_L = 1), ~b_l = column sums of ~a_l,
/// ~W_l = [~g_{l-1}; h_{l-1}]^T [d_l; ~a_l] (one GEMM over Rg + R rows), ~h_{l-1} = ~a_l W_l^T.
///
/// Products with an inner extent <= 4 (the input layer) or a one-unit output are loops; the
/// others go to the GEMM kernel. Elementwise passes run over fixed 64-row blocks on the kernel
/// thread pool (column sums add the blocks in order), so results do not depend on the thread
/// count. Buffers are allocated once and reused.
final class MLPSobolevKernel<T: KernelFloat> {
    let shape: MLPShape
    let rows: SupervisedRows<T>
    let threads: Int
    /// Per level k = 0...L: `[Rg + R, n_k]` holding ~g_k (first Rg rows) then h_k (h_0 = x).
    var lower: [UnsafeMutablePointer<T>] = []
    /// Per layer (index l for layer l + 1): `[Rg + R, n_{l+1}]` holding d_{l+1} then ~a_{l+1}, and ~d_{l+1} `[Rg, n_{l+1}]`.
    var upper: [UnsafeMutablePointer<T>] = [], dBar: [UnsafeMutablePointer<T>] = []
    /// Per level k = 0..<L: g_k `[Rg, n_k]` and ~h_k `[R, n_k]`.
    var g: [UnsafeMutablePointer<T>] = [], hBar: [UnsafeMutablePointer<T>] = []
    let valueResiduals: UnsafeMutablePointer<T>, gradientResiduals: UnsafeMutablePointer<T>, outputSeed: UnsafeMutablePointer<T>
    /// Per-block column sums `[blocks, max width]`.
    let partialSums: UnsafeMutablePointer<T>
    private var owned: [UnsafeMutablePointer<T>] = []
    static var block: Int { 64 }

    init(shape: MLPShape, rows: SupervisedRows<T>, threads: Int = defaultThreadCount) {
        precondition(shape.widths.last == 1 && shape.widths[0] == rows.inputCount, "Sobolev kernel: shape \(shape.widths) vs \(rows.inputCount) inputs")
        self.shape = shape; self.rows = rows; self.threads = threads
        let (r, rg) = (rows.rowCount, rows.gradientRowCount)
        var owned: [UnsafeMutablePointer<T>] = []
        func buffer(_ n: Int) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(n, 1))
            p.initialize(repeating: 0, count: Swift.max(n, 1))
            owned.append(p)
            return p
        }
        valueResiduals = buffer(r)
        gradientResiduals = buffer(rg * rows.inputCount)
        outputSeed = buffer(r)
        partialSums = buffer(((r + Self.block - 1) / Self.block) * (shape.widths.max() ?? 1))
        for (k, n) in shape.widths.enumerated() {
            lower.append(buffer((rg + r) * n))
            if k < shape.layerCount { g.append(buffer(rg * n)); hBar.append(buffer(r * n)) }
            if k > 0 { upper.append(buffer((rg + r) * n)); dBar.append(buffer(rg * n)) }
        }
        rows.points.withUnsafePointer { (lower[0] + rg * rows.inputCount).update(from: $0, count: r * rows.inputCount) }
        self.owned = owned
    }

    deinit { for p in owned { p.deallocate() } }

    /// Runs `body(rowBegin, rowEnd)` over `[0, count)` rows of `cols` columns: on the pool in
    /// 64-row blocks when there is enough work, else in one call.
    func forRows(_ count: Int, cols: Int, _ body: (Int, Int) -> Void) {
        let blocks = (count + Self.block - 1) / Self.block
        if count &* cols < 16_384 || threads <= 1 || blocks < 2 { if count > 0 { body(0, count) }; return }
        parallelChunks(blocks, threads: threads) { b, e in body(b &* Self.block, Swift.min(e &* Self.block, count)) }
    }

    /// c[rows] = a b (`a` `[m, k]`, `b` `[k, n]`) for rows in `range`, plus `bias` if given: loops for k <= 4.
    @inline(__always)
    func smallProduct(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, bias: UnsafePointer<T>?, into c: UnsafeMutablePointer<T>,
                      rows range: Range<Int>, n: Int, k: Int) {
        for i in range {
            let row = c + i &* n, ai = a + i &* k
            if let bias { for j in 0..<n { row[j] = bias[j] } } else { row.update(repeating: 0, count: n) }
            for q in 0..<k {
                let aq = ai[q], bq = b + q &* n
                for j in 0..<n { row[j] += aq * bq[j] }
            }
        }
    }

    /// c = a b or a b^T (`b` stored `[n, k]`) for all m rows, by the GEMM kernel or, for small
    /// shapes, loops.
    func product(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, transposeB: Bool, into c: UnsafeMutablePointer<T>,
                 m: Int, n: Int, k: Int) {
        guard m > 0 && n > 0 else { return }
        if k <= 4 && !transposeB {
            forRows(m, cols: n) { smallProduct(a, b, bias: nil, into: c, rows: $0..<$1, n: n, k: k) }
        } else if k == 1 && transposeB {
            forRows(m, cols: n) { lo, hi in
                for i in lo..<hi { let row = c + i &* n, ai = a[i]; for j in 0..<n { row[j] = ai * b[j] } }
            }
        } else {
            T._gemm(false, transposeB, m, n, k, 1, a, k, b, transposeB ? k : n, 0, c, n)
        }
    }

    /// Loss, per-kind errors and gradients (kernel, bias per layer) at `parameters`.
    func lossAndGradients(_ parameters: [Tensor<T>]) -> (loss: Double, perKind: [KindLoss], gradients: [Tensor<T>]) {
        let layers = shape.layerCount, n = shape.widths, act = shape.activations
        precondition(parameters.count == 2 * layers, "Sobolev kernel: \(parameters.count) parameter tensors for \(layers) layers")
        let (r, rg) = (rows.rowCount, rows.gradientRowCount)
        var grads = (0..<layers).flatMap { l in [Tensor<T>(zeros: [n[l], n[l + 1]]), Tensor<T>(zeros: [n[l + 1]])] }
        var loss = 0.0
        var perKind: [KindLoss] = []
        func h(_ k: Int) -> UnsafeMutablePointer<T> { lower[k] + rg &* n[k] }
        func aBar(_ l: Int) -> UnsafeMutablePointer<T> { upper[l] + rg &* n[l + 1] }
        withPointers(parameters) { p in
            let w = (0..<layers).map { p[2 * $0] }, b = (0..<layers).map { p[2 * $0 + 1] }
            // Forward: h_{l+1} = f(h_l W_l + b_l).
            for l in 0..<layers {
                let (k, out, f, hl, hn) = (n[l], n[l + 1], act[l], h(l), h(l + 1))
                if k <= 4 {
                    forRows(r, cols: out) { lo, hi in
                        smallProduct(hl, w[l], bias: b[l], into: hn, rows: lo..<hi, n: out, k: k)
                        f.value(hn + lo &* out, count: (hi - lo) &* out)
                    }
                } else {
                    T._gemm(false, false, r, out, k, 1, hl, k, w[l], out, 0, hn, out)
                    forRows(r, cols: out) { lo, hi in
                        for i in lo..<hi { let row = hn + i &* out; for j in 0..<out { row[j] += b[l][j] } }
                        f.value(hn + lo &* out, count: (hi - lo) &* out)
                    }
                }
            }
            // Input gradient on the first rg rows: d_L = s_L, g_l = d_{l+1} W_l^T, d_l = g_l s_l.
            if rg > 0 {
                act[layers - 1].multiplyByDerivative(nil, h(layers), into: upper[layers - 1], range: 0..<(rg &* n[layers]))
                for l in stride(from: layers - 1, through: 0, by: -1) {
                    let (gl, hl, cols) = (g[l], h(l), n[l])
                    if l > 0 && n[l + 1] == 1 {
                        // One unit: g_l = d_{l+1} W_l^T is an outer product; fused with d_l = g_l s_l.
                        let (dn, wl, dl, f) = (upper[l], w[l], upper[l - 1], act[l - 1])
                        forRows(rg, cols: cols) { lo, hi in
                            for i in lo..<hi {
                                let dv = dn[i], base = i &* cols
                                for j in 0..<cols { gl[base &+ j] = dv * wl[j] }
                                f.multiplyByDerivative(wl, scale: dv, hl + base, into: dl + base, range: 0..<cols)
                            }
                        }
                        continue
                    }
                    product(upper[l], w[l], transposeB: true, into: gl, m: rg, n: cols, k: n[l + 1])
                    guard l > 0 else { continue }
                    let (dl, f) = (upper[l - 1], act[l - 1])
                    forRows(rg, cols: cols) { lo, hi in
                        f.multiplyByDerivative(gl, hl, into: dl, range: (lo &* cols)..<(hi &* cols))
                    }
                }
            }
            loss = residuals(y: h(layers), dx: g[0], hBarL: outputSeed, gBar0: lower[0])
            perKind = rows.kindLosses(valueResiduals: valueResiduals, gradientResiduals: gradientResiduals)
            withMutablePointers(&grads) { gp in
                // Through the input-gradient pass: ~d_{l+1} = ~g_l W_l, ~g_{l+1} = ~d_{l+1} s_{l+1}.
                if rg > 0 {
                    for l in 0..<layers {
                        let (cols, db, k) = (n[l + 1], dBar[l], n[l])
                        guard l < layers - 1 else {
                            product(lower[l], w[l], transposeB: false, into: db, m: rg, n: cols, k: k)
                            continue
                        }
                        let (hn, gb, f, gPrev, wl) = (h(l + 1), lower[l + 1], act[l], lower[l], w[l])
                        if k <= 4 {
                            // Small inner extent: the product fused with ~g_{l+1} = ~d_{l+1} s_{l+1}.
                            forRows(rg, cols: cols) { lo, hi in
                                smallProduct(gPrev, wl, bias: nil, into: db, rows: lo..<hi, n: cols, k: k)
                                f.multiplyByDerivative(db, hn, into: gb, range: (lo &* cols)..<(hi &* cols))
                            }
                            continue
                        }
                        product(gPrev, wl, transposeB: false, into: db, m: rg, n: cols, k: k)
                        forRows(rg, cols: cols) { lo, hi in
                            f.multiplyByDerivative(db, hn, into: gb, range: (lo &* cols)..<(hi &* cols))
                        }
                    }
                }
                // Through the forward pass. ~h_l = ~a_{l+1} W_l^T is formed on the fly when W_l has
                // one column (an outer product), else by a product into hBar[l].
                var outer: (UnsafePointer<T>, UnsafePointer<T>)?
                for l in stride(from: layers - 1, through: 0, by: -1) {
                    let (wIn, wOut) = (n[l], n[l + 1])
                    let hb: UnsafePointer<T> = l == layers - 1 ? UnsafePointer(outputSeed) : UnsafePointer(hBar[l + 1])
                    preactivationAdjoint(l, hBar: hb, outer: outer, gradientRows: rg, rows: r, biasGradient: gp[2 * l + 1])
                    let (left, right, depth) = rg > 0 ? (UnsafePointer(lower[l]), UnsafePointer(upper[l]), rg + r)
                                                      : (UnsafePointer(h(l)), UnsafePointer(aBar(l)), r)
                    T._gemm(true, false, wIn, wOut, depth, 1, left, wIn, right, wOut, 0, gp[2 * l], wOut)
                    outer = nil
                    if l > 0 && wOut == 1 { outer = (UnsafePointer(aBar(l)), w[l]) } else if l > 0 {
                        product(aBar(l), w[l], transposeB: true, into: hBar[l], m: r, n: wIn, k: wOut)
                    }
                }
            }
        }
        return (loss, perKind, grads)
    }

    /// ~a_{l+1} = ~h s + (~d g) f'' (the second term on the first rg rows; g = 1 for the output
    /// layer) into the lower half of `upper[l]`, and its column sums (by 64-row blocks, added in
    /// block order) into `biasGradient`. With `outer` = (u, v), ~h[r, j] = u[r] v[j] instead of
    /// `hBar`.
    func preactivationAdjoint(_ l: Int, hBar given: UnsafePointer<T>, outer: (UnsafePointer<T>, UnsafePointer<T>)?,
                              gradientRows rg: Int, rows r: Int, biasGradient: UnsafeMutablePointer<T>) {
        let cols = shape.widths[l + 1], f = shape.activations[l]
        let out = upper[l] + rg &* cols, hl = lower[l + 1] + rg &* cols, db = dBar[l]
        let gl: UnsafePointer<T>? = l + 1 < shape.layerCount ? UnsafePointer(g[l + 1]) : nil
        let partial = partialSums
        forRows(r, cols: cols) { lo, hi in
            // A row of ~h when it is an outer product.
            let scratch = UnsafeMutablePointer<T>.allocate(capacity: outer == nil ? 1 : cols)
            defer { scratch.deallocate() }
            var i = lo
            while i < hi {
                let end = Swift.min(i + Self.block - i % Self.block, hi)
                let sums = partial + (i / Self.block) &* cols
                sums.update(repeating: 0, count: cols)
                for row in i..<end {
                    let base = row &* cols
                    var hRow = given + base
                    if let (u, v) = outer {
                        let ur = u[row]
                        for j in 0..<cols { scratch[j] = ur * v[j] }
                        hRow = UnsafePointer(scratch)
                    }
                    switch f {
                    case .linear: Self.adjointRow(LinearRule.self, hRow, hl + base, row < rg ? db + base : nil, gl.map { $0 + base },
                                                   out + base, sums, cols)
                    case .tanh: Self.adjointRow(TanhRule.self, hRow, hl + base, row < rg ? db + base : nil, gl.map { $0 + base },
                                                 out + base, sums, cols)
                    case .sigmoid: Self.adjointRow(SigmoidRule.self, hRow, hl + base, row < rg ? db + base : nil, gl.map { $0 + base },
                                                    out + base, sums, cols)
                    }
                }
                i = end
            }
        }
        biasGradient.update(repeating: 0, count: cols)
        for blk in 0..<((r + Self.block - 1) / Self.block) {
            let sums = partial + blk &* cols
            for j in 0..<cols { biasGradient[j] += sums[j] }
        }
    }

    /// One row of ~a = ~h f' + (~d g) f'' (`dBar` nil off the gradient rows, `g` nil: 1), added to `sums`.
    @inline(__always)
    static func adjointRow<A: ActivationRule>(_: A.Type, _ hBar: UnsafePointer<T>, _ h: UnsafePointer<T>, _ dBar: UnsafePointer<T>?,
                                              _ g: UnsafePointer<T>?, _ out: UnsafeMutablePointer<T>,
                                              _ sums: UnsafeMutablePointer<T>, _ cols: Int) {
        if let dBar, let g {
            for j in 0..<cols {
                let hv = h[j], v = hBar[j] * A.derivative(hv) + dBar[j] * g[j] * A.second(hv)
                out[j] = v; sums[j] += v
            }
        } else if let dBar {
            for j in 0..<cols {
                let hv = h[j], v = hBar[j] * A.derivative(hv) + dBar[j] * A.second(hv)
                out[j] = v; sums[j] += v
            }
        } else {
            for j in 0..<cols { let v = hBar[j] * A.derivative(h[j]); out[j] = v; sums[j] += v }
        }
    }

    /// Residuals, the loss, and the seeds ~h_L = 2 cy (y - Y), ~g_0 = 2 cg (g_0 - G).
    func residuals(y: UnsafePointer<T>, dx: UnsafePointer<T>, hBarL: UnsafeMutablePointer<T>, gBar0: UnsafeMutablePointer<T>) -> Double {
        var loss = 0.0
        rows.valueWeights.withUnsafeBufferPointer { cy in rows.valueTargets.withUnsafeBufferPointer { yt in
            for i in 0..<rows.rowCount {
                let e = y[i] - yt[i]
                valueResiduals[i] = e
                hBarL[i] = 2 * cy[i] * e
            }
            loss += Double(weightedSquaredError(y, yt.baseAddress, cy.baseAddress, count: rows.rowCount))
        } }
        let count = rows.gradientRowCount * rows.inputCount
        rows.gradientWeights.withUnsafeBufferPointer { cg in rows.gradientTargets.withUnsafeBufferPointer { gt in
            for i in 0..<count {
                let e = dx[i] - gt[i]
                gradientResiduals[i] = e
                gBar0[i] = 2 * cg[i] * e
            }
            loss += Double(weightedSquaredError(dx, gt.baseAddress, cg.baseAddress, count: count))
        } }
        return loss
    }
}

/// Calls `body` with read pointers to the buffers of `tensors` (valid during the call).
func withPointers<T: TensorScalar, R>(_ tensors: [Tensor<T>], _ body: ([UnsafePointer<T>]) -> R) -> R {
    var pointers: [UnsafePointer<T>] = []
    func nest(_ i: Int) -> R {
        if i == tensors.count { return body(pointers) }
        return tensors[i].withUnsafePointer { p in pointers.append(p); return nest(i + 1) }
    }
    return nest(0)
}

/// Calls `body` with write pointers to the buffers of `tensors`, which must not share storage
/// with anything (freshly made); the tensors are kept alive during the call.
func withMutablePointers<T: TensorScalar, R>(_ tensors: inout [Tensor<T>], _ body: ([UnsafeMutablePointer<T>]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<T>] = []
    for i in tensors.indices { pointers.append(tensors[i].withUnsafeMutablePointer { $0 }) }
    return withExtendedLifetime(tensors) { body(pointers) }
}
