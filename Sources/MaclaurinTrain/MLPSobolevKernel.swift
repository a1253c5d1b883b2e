/// The fused Sobolev loss of a multilayer perceptron (dense layers, tanh / sigmoid / linear, one
/// output) on values and first partials, with its exact gradient by hand-derived
/// reverse-over-reverse: the fast path of `DerivativeObjective`, checked against the tape.
///
/// Forward, all R rows: a_l = h_{l-1} W_l + b_l, h_l = f_l(a_l), s_l = f_l'(a_l) (h_0 = x, y = h_L).
/// Input gradient, the Rg rows with partials: d_L = s_L; g_{l-1} = d_l W_l^T; d_{l-1} = g_{l-1} s_{l-1};
/// dy/dx = g_0. Loss: sum cy (y - Y)^2 + sum cg (g_0 - G)^2. Adjoints (written ~):
/// ~g_0 = 2 cg (g_0 - G); for l = 1...L: ~d_l = ~g_{l-1} W_l, ~W_l = ~g_{l-1}^T d_l,
/// ~g_l = ~d_l s_l, ~s_l = ~d_l g_l (~s_L = ~d_L); then ~h_L = 2 cy (y - Y) and for l = L...1:
/// ~a_l = ~h_l s_l + ~s_l f_l''(a_l), ~b_l = column sums of ~a_l, ~W_l += h_{l-1}^T ~a_l,
/// ~h_{l-1} = ~a_l W_l^T. Six GEMMs per hidden-to-hidden layer; buffers are reused across calls.
final class MLPSobolevKernel<T: KernelFloat> {
    let shape: MLPShape
    let rows: SupervisedRows<T>
    let threads: Int
    /// Per layer l (index l - 1): h_l and s_l `[R, n_l]`; d_l, ~d_l `[Rg, n_l]`; ~a_l `[R, n_l]`;
    /// g_{l-1}, ~g_{l-1} `[Rg, n_{l-1}]`; ~h_{l-1} `[R, n_{l-1}]`.
    var h: [UnsafeMutablePointer<T>] = [], s: [UnsafeMutablePointer<T>] = []
    var d: [UnsafeMutablePointer<T>] = [], dBar: [UnsafeMutablePointer<T>] = [], sBar: [UnsafeMutablePointer<T>] = []
    var aBar: [UnsafeMutablePointer<T>] = []
    var g: [UnsafeMutablePointer<T>] = [], gBar: [UnsafeMutablePointer<T>] = [], hBar: [UnsafeMutablePointer<T>] = []
    let valueResiduals: UnsafeMutablePointer<T>
    let gradientResiduals: UnsafeMutablePointer<T>
    private var owned: [UnsafeMutablePointer<T>] = []

    init(shape: MLPShape, rows: SupervisedRows<T>, threads: Int = 1) {
        precondition(shape.widths.last == 1 && shape.widths[0] == rows.inputCount, "Sobolev kernel: shape \(shape.widths) vs \(rows.inputCount) inputs")
        self.shape = shape; self.rows = rows; self.threads = threads
        let (r, rg) = (rows.rowCount, rows.gradientRowCount)
        func buffer(_ n: Int) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(n, 1))
            p.initialize(repeating: 0, count: Swift.max(n, 1))
            owned.append(p)
            return p
        }
        valueResiduals = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(r, 1))
        gradientResiduals = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(rg * rows.inputCount, 1))
        for l in 1...shape.layerCount {
            let (wIn, wOut) = (shape.widths[l - 1], shape.widths[l])
            h.append(buffer(r * wOut)); s.append(buffer(r * wOut)); aBar.append(buffer(r * wOut))
            d.append(buffer(rg * wOut)); dBar.append(buffer(rg * wOut)); sBar.append(buffer(rg * wOut))
            g.append(buffer(rg * wIn)); gBar.append(buffer(rg * wIn)); hBar.append(buffer(r * wIn))
        }
    }

    deinit {
        for p in owned { p.deallocate() }
        valueResiduals.deallocate(); gradientResiduals.deallocate()
    }

    @inline(__always)
    func gemm(_ ta: Bool, _ tb: Bool, _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<T>, _ lda: Int,
              _ b: UnsafePointer<T>, _ ldb: Int, beta: T = 0, _ c: UnsafeMutablePointer<T>, _ ldc: Int) {
        guard m > 0 && n > 0 else { return }
        if k == 0 { if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }; return }
        T._gemm(ta, tb, m, n, k, 1, a, lda, b, ldb, beta, c, ldc)
    }

    /// Loss, per-kind errors and gradients (kernel, bias per layer) at `parameters`.
    func lossAndGradients(_ parameters: [Tensor<T>]) -> (loss: Double, perKind: [KindLoss], gradients: [Tensor<T>]) {
        let layers = shape.layerCount, widths = shape.widths
        precondition(parameters.count == 2 * layers, "Sobolev kernel: \(parameters.count) parameter tensors for \(layers) layers")
        let (r, rg, n) = (rows.rowCount, rows.gradientRowCount, rows.inputCount)
        var grads = (0..<layers).flatMap { l in
            [Tensor<T>(zeros: [widths[l], widths[l + 1]]), Tensor<T>(zeros: [widths[l + 1]])]
        }
        var loss = 0.0
        var perKind: [KindLoss] = []
        withPointers(parameters) { p in
            let w = (0..<layers).map { p[2 * $0] }, b = (0..<layers).map { p[2 * $0 + 1] }
            rows.points.withUnsafePointer { x in
                // Forward.
                for l in 0..<layers {
                    let input = l == 0 ? x : UnsafePointer(h[l - 1])
                    gemm(false, false, r, widths[l + 1], widths[l], input, widths[l], w[l], widths[l + 1], h[l], widths[l + 1])
                    shape.activations[l].apply(h[l], bias: b[l], derivative: s[l], rows: r, cols: widths[l + 1])
                }
                // Input gradient on the first rg rows: d_L = s_L (a view), g_{l-1} = d_l W_l^T.
                if rg > 0 {
                    for l in stride(from: layers - 1, through: 0, by: -1) {
                        let dl: UnsafePointer<T> = l == layers - 1 ? UnsafePointer(s[l]) : UnsafePointer(d[l])
                        gemm(false, true, rg, widths[l], widths[l + 1], dl, widths[l + 1], w[l], widths[l + 1], g[l], widths[l])
                        if l > 0 { multiply(g[l], s[l - 1], into: d[l - 1], count: rg * widths[l]) }
                    }
                }
                // Residuals and loss; seeds ~h_L and ~g_0.
                loss = residuals(y: h[layers - 1], dx: g[0], hBarL: aBar[layers - 1], gBar0: gBar[0])
                perKind = rows.kindLosses(valueResiduals: valueResiduals, gradientResiduals: gradientResiduals)
                _ = n
                withMutablePointers(&grads) { gp in
                    // Through the input-gradient pass.
                    if rg > 0 {
                        for l in 0..<layers {
                            let (wIn, wOut) = (widths[l], widths[l + 1])
                            let dl: UnsafePointer<T> = l == layers - 1 ? UnsafePointer(s[l]) : UnsafePointer(d[l])
                            gemm(false, false, rg, wOut, wIn, gBar[l], wIn, w[l], wOut, dBar[l], wOut)
                            gemm(true, false, wIn, wOut, rg, gBar[l], wIn, dl, wOut, gp[2 * l], wOut)
                            if l < layers - 1 {
                                splitAdjoint(dBar[l], s: s[l], g: g[l + 1], gBar: gBar[l + 1], sBar: sBar[l], count: rg * wOut)
                            } else {
                                sBar[l].update(from: dBar[l], count: rg * wOut)
                            }
                        }
                    }
                    // Through the forward pass; ~h_L was written into aBar[L-1].
                    for l in stride(from: layers - 1, through: 0, by: -1) {
                        let (wIn, wOut) = (widths[l], widths[l + 1])
                        let hb: UnsafePointer<T> = l == layers - 1 ? UnsafePointer(aBar[l]) : UnsafePointer(hBar[l + 1])
                        preactivationAdjoint(l, hBar: hb, into: aBar[l], rows: r, gradientRows: rg, cols: wOut)
                        columnSums(aBar[l], rows: r, cols: wOut, into: gp[2 * l + 1])
                        let input = l == 0 ? x : UnsafePointer(h[l - 1])
                        gemm(true, false, wIn, wOut, r, input, wIn, aBar[l], wOut, beta: rg > 0 ? 1 : 0, gp[2 * l], wOut)
                        if l > 0 { gemm(false, true, r, wIn, wOut, aBar[l], wOut, w[l], wOut, hBar[l], wIn) }
                    }
                }
            }
        }
        return (loss, perKind, grads)
    }

    /// out = a * b elementwise.
    func multiply(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { out[i] = a[i] * b[i] }
    }

    /// ~g = ~d s and ~s = ~d g.
    func splitAdjoint(_ dBar: UnsafePointer<T>, s: UnsafePointer<T>, g: UnsafePointer<T>, gBar: UnsafeMutablePointer<T>,
                      sBar: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { gBar[i] = dBar[i] * s[i]; sBar[i] = dBar[i] * g[i] }
    }

    /// ~a_l = ~h_l s_l (+ ~s_l f''(a_l) on the first rg rows). `hBar` may alias `out`.
    func preactivationAdjoint(_ l: Int, hBar: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, rows r: Int,
                              gradientRows rg: Int, cols: Int) {
        let (hl, sl, sb) = (h[l], s[l], sBar[l])
        let act = shape.activations[l]
        let split = rg * cols, total = r * cols
        switch act {
        case .linear:
            for i in 0..<split { out[i] = hBar[i] * sl[i] }
        case .tanh:
            for i in 0..<split { out[i] = hBar[i] * sl[i] - 2 * sb[i] * hl[i] * sl[i] }
        case .sigmoid:
            for i in 0..<split { out[i] = hBar[i] * sl[i] + sb[i] * sl[i] * (1 - 2 * hl[i]) }
        }
        for i in split..<total { out[i] = hBar[i] * sl[i] }
    }

    /// out[j] = sum over rows of a[r, j].
    func columnSums(_ a: UnsafePointer<T>, rows: Int, cols: Int, into out: UnsafeMutablePointer<T>) {
        out.update(repeating: 0, count: cols)
        for r in 0..<rows {
            let row = a + r * cols
            for j in 0..<cols { out[j] += row[j] }
        }
    }

    /// Residuals, the loss, and the seeds ~h_L = 2 cy (y - Y), ~g_0 = 2 cg (g_0 - G).
    func residuals(y: UnsafePointer<T>, dx: UnsafePointer<T>, hBarL: UnsafeMutablePointer<T>, gBar0: UnsafeMutablePointer<T>) -> Double {
        var loss = 0.0
        rows.valueWeights.withUnsafeBufferPointer { cy in rows.valueTargets.withUnsafeBufferPointer { yt in
            var acc: T = 0
            for i in 0..<rows.rowCount {
                let e = y[i] - yt[i]
                valueResiduals[i] = e
                acc += cy[i] * e * e
                hBarL[i] = 2 * cy[i] * e
            }
            loss += Double(acc)
        } }
        let count = rows.gradientRowCount * rows.inputCount
        rows.gradientWeights.withUnsafeBufferPointer { cg in rows.gradientTargets.withUnsafeBufferPointer { gt in
            var acc: T = 0
            for i in 0..<count {
                let e = dx[i] - gt[i]
                gradientResiduals[i] = e
                acc += cg[i] * e * e
                gBar0[i] = 2 * cg[i] * e
            }
            loss += Double(acc)
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

/// Calls `body` with write pointers to the buffers of `tensors` (valid during the call).
func withMutablePointers<T: TensorScalar, R>(_ tensors: inout [Tensor<T>], _ body: ([UnsafeMutablePointer<T>]) -> R) -> R {
    var pointers: [UnsafeMutablePointer<T>] = []
    for i in tensors.indices { pointers.append(tensors[i].withUnsafeMutablePointer { $0 }) }
    return withExtendedLifetime(tensors) { body(pointers) }
}
