/// The cost of every particle of a swarm for a multilayer perceptron (dense layers, tanh /
/// sigmoid / linear, one output) on values and first partials, in one call: the fast path of
/// `DerivativeSwarmObjective`, checked against `DerivativeObjective.evaluate`.
///
/// Each particle is a flat weight vector (per layer the kernel `[in, out]` row-major, then the
/// bias), the layout of `ParameterVector.flatten(model.parameters)`. Per particle, all samples
/// are processed together in feature-major layout (one row per unit, samples along the row), so
/// every inner loop runs over samples and vectorises:
/// h_l[j, :] = f(b_l[j] + sum_i W_l[i, j] h_{l-1}[i, :]), and for the input gradient (reverse
/// mode, on the rows with partials) d_L = f_L', g_{l-1}[i, :] = sum_j W_l[i, j] d_l[j, :],
/// d_{l-1} = g_{l-1} f_{l-1}'. Particles are split in contiguous blocks over threads; each
/// particle's cost is computed by one thread in a fixed order, so results do not depend on the
/// thread count.
final class SwarmMLPKernel<T: KernelFloat> {
    let shape: MLPShape
    let rows: SupervisedRows<T>
    /// Points `[n, R]`, targets and weights (gradient ones `[n, Rg]`), feature-major.
    let pointsT: [T], valueWeights: [T], valueTargets: [T], gradientWeightsT: [T], gradientTargetsT: [T]

    init(shape: MLPShape, rows: SupervisedRows<T>) {
        precondition(shape.widths.last == 1 && shape.widths[0] == rows.inputCount, "swarm kernel: shape \(shape.widths) vs \(rows.inputCount) inputs")
        self.shape = shape; self.rows = rows
        let (r, rg, n) = (rows.rowCount, rows.gradientRowCount, rows.inputCount)
        let p = rows.points.scalars
        pointsT = (0..<n).flatMap { i in (0..<r).map { p[$0 * n + i] } }
        valueWeights = rows.valueWeights
        valueTargets = rows.valueTargets
        gradientWeightsT = (0..<n).flatMap { i in (0..<rg).map { rows.gradientWeights[$0 * n + i] } }
        gradientTargetsT = (0..<n).flatMap { i in (0..<rg).map { rows.gradientTargets[$0 * n + i] } }
    }

    /// Costs of `particles` rows of `positions` (`[P, D]` row-major) into `costs`.
    func costs(_ positions: UnsafePointer<T>, particles: Int, into costs: UnsafeMutablePointer<Double>, threads: Int) {
        let d = shape.parameterCount
        let out = UnsafeMutablePointer(mutating: costs)
        parallelChunks(particles, threads: threads) { begin, end in
            let scratch = Scratch(shape: shape, rows: rows.rowCount)
            for p in begin..<end { out[p] = cost(positions + p * d, scratch) }
        }
    }

    /// Work buffers of one thread: h_l and s_l per layer (`[n_l, R]`), g and d (`[max width, Rg]`).
    final class Scratch {
        var h: [UnsafeMutablePointer<T>] = [], s: [UnsafeMutablePointer<T>] = []
        let g: UnsafeMutablePointer<T>, d: UnsafeMutablePointer<T>
        init(shape: MLPShape, rows: Int) {
            for l in 1...shape.layerCount {
                h.append(.allocate(capacity: shape.widths[l] * rows))
                s.append(.allocate(capacity: shape.widths[l] * rows))
            }
            let widest = shape.widths.max() ?? 1
            g = .allocate(capacity: widest * rows)
            d = .allocate(capacity: widest * rows)
        }
        deinit {
            for p in h + s { p.deallocate() }
            g.deallocate(); d.deallocate()
        }
    }

    /// One particle's loss.
    func cost(_ weights: UnsafePointer<T>, _ scratch: Scratch) -> Double {
        if shape.layerCount == 2 && shape.activations[1] == .linear { return costOneHiddenLayer(weights, scratch) }
        let layers = shape.layerCount, widths = shape.widths
        let (r, rg, n) = (rows.rowCount, rows.gradientRowCount, rows.inputCount)
        var offsets: [(w: Int, b: Int)] = []
        var o = 0
        for l in 0..<layers {
            offsets.append((o, o + widths[l] * widths[l + 1]))
            o += widths[l] * widths[l + 1] + widths[l + 1]
        }
        return pointsT.withUnsafeBufferPointer { xb in
            let x = xb.baseAddress ?? UnsafePointer(scratch.g)
            // Forward.
            for l in 0..<layers {
                let (wIn, wOut) = (widths[l], widths[l + 1])
                let w = weights + offsets[l].w, b = weights + offsets[l].b
                let input = l == 0 ? x : UnsafePointer(scratch.h[l - 1])
                let hl = scratch.h[l], sl = scratch.s[l]
                for j in 0..<wOut {
                    let row = hl + j &* r
                    row.update(repeating: b[j], count: r)
                    for i in 0..<wIn { axpy(w[i &* wOut &+ j], input + i &* r, row, count: r) }
                }
                shape.activations[l].apply(hl, derivative: sl, count: wOut &* r)
            }
            // Input gradient on the first rg samples: g_{l-1} = W_l d_l, d_{l-1} = g_{l-1} s_{l-1}.
            if rg > 0 {
                var dl = UnsafePointer(scratch.s[layers - 1]), dStride = r     // d_L = s_L
                for l in stride(from: layers - 1, through: 0, by: -1) {
                    let (wIn, wOut) = (widths[l], widths[l + 1])
                    let w = weights + offsets[l].w
                    let g = scratch.g
                    for i in 0..<wIn {
                        let grow = g + i &* rg
                        grow.update(repeating: 0, count: rg)
                        for j in 0..<wOut { axpy(w[i &* wOut &+ j], dl + j &* dStride, grow, count: rg) }
                    }
                    if l > 0 {
                        let sPrev = scratch.s[l - 1], d = scratch.d
                        for i in 0..<wIn { multiply(g + i &* rg, sPrev + i &* r, into: d + i &* rg, count: rg) }
                        dl = UnsafePointer(d); dStride = rg
                    }
                }
            }
            // Loss: scratch.g holds dy/dx `[n, rg]`, h_L the values.
            var loss = valueWeights.withUnsafeBufferPointer { cy in valueTargets.withUnsafeBufferPointer { yt in
                weightedSquaredError(scratch.h[layers - 1], yt.baseAddress, cy.baseAddress, count: r)
            } }
            if rg > 0 {
                loss += gradientWeightsT.withUnsafeBufferPointer { cg in gradientTargetsT.withUnsafeBufferPointer { gt in
                    weightedSquaredError(scratch.g, gt.baseAddress, cg.baseAddress, count: n * rg)
                } }
            }
            return Double(loss)
        }
    }
}

extension SwarmMLPKernel {
    /// One hidden layer and a linear output, fused per hidden unit j (samples along the inner
    /// loops): a = b_j + sum_i W[i, j] x_i; h = f(a); y += v_j h; on the rows with partials
    /// d = v_j f'(a) and dy/dx_i += W[i, j] d.
    func costOneHiddenLayer(_ weights: UnsafePointer<T>, _ scratch: Scratch) -> Double {
        let (r, rg, n) = (rows.rowCount, rows.gradientRowCount, rows.inputCount)
        let m = shape.widths[1]
        let w1 = weights, b1 = weights + n &* m, v = b1 + m, c = v + m
        let a = scratch.h[0], y = scratch.h[1], d = scratch.d, g = scratch.g
        let act = shape.activations[0]
        y.update(repeating: c[0], count: r)
        g.update(repeating: 0, count: n &* rg)
        return pointsT.withUnsafeBufferPointer { xb -> Double in
            guard let x = xb.baseAddress else { return 0 }
            for j in 0..<m {
                a.update(repeating: b1[j], count: r)
                for i in 0..<n { axpy(w1[i &* m &+ j], x + i &* r, a, count: r) }
                let vj = v[j]
                switch act {
                case .tanh where T.prefersKernelTranscendentals, .sigmoid where T.prefersKernelTranscendentals:
                    act.value(a, count: r)
                    var k = 0
                    if act == .tanh {
                        while k < rg { let h = a[k]; y[k] += vj * h; d[k] = vj * (1 - h * h); k &+= 1 }
                    } else {
                        while k < rg { let h = a[k]; y[k] += vj * h; d[k] = vj * (h - h * h); k &+= 1 }
                    }
                    while k < r { y[k] += vj * a[k]; k &+= 1 }
                case .tanh:
                    var k = 0
                    while k < rg { let h = T.fastTanh(a[k]); y[k] += vj * h; d[k] = vj * (1 - h * h); k &+= 1 }
                    while k < r { y[k] += vj * T.fastTanh(a[k]); k &+= 1 }
                case .sigmoid:
                    var k = 0
                    while k < rg { let h = T.fastSigmoid(a[k]); y[k] += vj * h; d[k] = vj * (h - h * h); k &+= 1 }
                    while k < r { y[k] += vj * T.fastSigmoid(a[k]); k &+= 1 }
                case .linear:
                    axpy(vj, a, y, count: r)
                    d.update(repeating: vj, count: rg)
                }
                for i in 0..<n { axpy(w1[i &* m &+ j], d, g + i &* rg, count: rg) }
            }
            var loss = valueWeights.withUnsafeBufferPointer { cy in valueTargets.withUnsafeBufferPointer { yt in
                weightedSquaredError(y, yt.baseAddress, cy.baseAddress, count: r)
            } }
            if rg > 0 {
                loss += gradientWeightsT.withUnsafeBufferPointer { cg in gradientTargetsT.withUnsafeBufferPointer { gt in
                    weightedSquaredError(g, gt.baseAddress, cg.baseAddress, count: n &* rg)
                } }
            }
            return Double(loss)
        }
    }
}

/// sum_k c[k] (a[k] - b[k])^2 with eight independent partial sums (vectorised; fixed order).
@inline(__always)
func weightedSquaredError<T: KernelFloat>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>?, _ c: UnsafePointer<T>?, count: Int) -> T {
    guard let b, let c, count > 0 else { return 0 }
    var acc = SIMD8<T>()
    var k = 0
    while k + 8 <= count {
        let e = UnsafeRawPointer(a + k).loadUnaligned(as: SIMD8<T>.self) - UnsafeRawPointer(b + k).loadUnaligned(as: SIMD8<T>.self)
        acc += UnsafeRawPointer(c + k).loadUnaligned(as: SIMD8<T>.self) * e * e
        k += 8
    }
    var total = acc.sum()
    while k < count { let e = a[k] - b[k]; total += c[k] * e * e; k += 1 }
    return total
}

/// y[k] += a x[k].
@inline(__always)
func axpy<T: KernelFloat>(_ a: T, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
    var k = 0
    while k < count { y[k] += a * x[k]; k &+= 1 }
}

/// out[k] = a[k] b[k].
@inline(__always)
func multiply<T: KernelFloat>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, count: Int) {
    var k = 0
    while k < count { out[k] = a[k] * b[k]; k &+= 1 }
}
