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
    /// Per block of `block` samples: whether any sample in it has a value target.
    let valueBlocks: [Bool]
    /// Samples per block of the one-hidden-layer path (the granularity of pruning).
    static var block: Int { 64 }

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
        valueBlocks = stride(from: 0, to: r, by: Self.block).map { lo in
            rows.valueWeights[lo..<Swift.min(lo + Self.block, r)].contains { $0 != 0 }
        }
    }

    /// Costs of `particles` rows of `positions` (`[P, D]` row-major) into `costs`. With
    /// `bounds`, a particle whose loss reaches `bounds[p]` may stop early (one hidden layer only)
    /// and report a partial loss >= `bounds[p]`.
    func costs(_ positions: UnsafePointer<T>, particles: Int, bounds: UnsafePointer<Double>?,
               into costs: UnsafeMutablePointer<Double>, threads: Int) {
        let d = shape.parameterCount
        let out = UnsafeMutablePointer(mutating: costs)
        parallelChunks(particles, threads: threads) { begin, end in
            let scratch = Scratch(shape: shape, rows: rows.rowCount)
            for p in begin..<end { out[p] = cost(positions + p * d, scratch, bound: bounds?[p] ?? .infinity) }
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

    /// One particle's loss (or, one hidden layer, a partial sum >= `bound`).
    func cost(_ weights: UnsafePointer<T>, _ scratch: Scratch, bound: Double) -> Double {
        if shape.layerCount == 2 && shape.activations[1] == .linear { return costOneHiddenLayer(weights, scratch, bound: bound) }
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
    /// dy/dx_0 += w0 d and dy/dx_1 += w1 d with d = v f'(a), for two inputs.
    @inline(__always)
    static func twoInputGradient<A: ActivationRule>(_: A.Type, _ h: UnsafePointer<T>, _ v: T, _ w0: T, _ w1: T,
                                                    _ g0: UnsafeMutablePointer<T>, _ g1: UnsafeMutablePointer<T>, _ count: Int) {
        for k in 0..<count { let d = v * A.derivative(h[k]); g0[k] += w0 * d; g1[k] += w1 * d }
    }

    /// One hidden layer and a linear output, in blocks of 64 samples: per block
    /// a_j = b_j + sum_i W[i, j] x_i for every hidden unit j, h = f(a) (one call), then
    /// y = c + sum_j v_j h_j and, on the rows with partials, dy/dx_i = sum_j W[i, j] v_j f'(a_j).
    /// The loss is accumulated block by block; once it reaches `bound` the particle cannot
    /// improve on it and the partial sum (a lower bound of the loss) is returned.
    func costOneHiddenLayer(_ weights: UnsafePointer<T>, _ scratch: Scratch, bound: Double) -> Double {
        let (r, rg, n) = (rows.rowCount, rows.gradientRowCount, rows.inputCount)
        let m = shape.widths[1], block = Self.block
        let w1 = weights, b1 = weights + n &* m, v = b1 + m, c = v + m
        let a = scratch.h[0], y = scratch.h[1], d = scratch.d, g = scratch.g
        let act = shape.activations[0]
        var loss: T = 0
        return pointsT.withUnsafeBufferPointer { xb -> Double in
            valueWeights.withUnsafeBufferPointer { cy in valueTargets.withUnsafeBufferPointer { yt in
            gradientWeightsT.withUnsafeBufferPointer { cgw in gradientTargetsT.withUnsafeBufferPointer { gt in
                guard let x = xb.baseAddress, let cy = cy.baseAddress, let yt = yt.baseAddress else { return }
                var lo = 0
                while lo < r {
                    let count = Swift.min(block, r - lo), cg = Swift.max(0, Swift.min(rg - lo, count))
                    for j in 0..<m {
                        let row = a + j &* count
                        if n == 2 {
                            // The common two-input case in one pass.
                            let (x0, x1, w0, w1j, bj) = (x + lo, x + (r &+ lo), w1[j], w1[m &+ j], b1[j])
                            for k in 0..<count { row[k] = bj + w0 * x0[k] + w1j * x1[k] }
                        } else {
                            row.update(repeating: b1[j], count: count)
                            for i in 0..<n { axpy(w1[i &* m &+ j], x + (i &* r &+ lo), row, count: count) }
                        }
                    }
                    act.value(a, count: m &* count)
                    // Blocks without value targets (derivative-only samples) skip y.
                    let needsValue = valueBlocks[lo / block]
                    if needsValue { y.update(repeating: c[0], count: count) }
                    g.update(repeating: 0, count: n &* cg)
                    for j in 0..<m {
                        let h = a + j &* count, vj = v[j]
                        if needsValue { axpy(vj, h, y, count: count) }
                        guard cg > 0 else { continue }
                        if n == 2 {
                            let (g0, g1, w0, w1j) = (g, g + cg, w1[j], w1[m &+ j])
                            switch act {
                            case .linear: Self.twoInputGradient(LinearRule.self, h, vj, w0, w1j, g0, g1, cg)
                            case .tanh: Self.twoInputGradient(TanhRule.self, h, vj, w0, w1j, g0, g1, cg)
                            case .sigmoid: Self.twoInputGradient(SigmoidRule.self, h, vj, w0, w1j, g0, g1, cg)
                            }
                        } else {
                            act.multiplyByDerivative(nil, scale: vj, h, into: d, range: 0..<cg)
                            for i in 0..<n { axpy(w1[i &* m &+ j], d, g + i &* cg, count: cg) }
                        }
                    }
                    if needsValue { loss += weightedSquaredError(y, yt + lo, cy + lo, count: count) }
                    if cg > 0, let gt = gt.baseAddress, let cgw = cgw.baseAddress {
                        for i in 0..<n {
                            loss += weightedSquaredError(g + i &* cg, gt + (i &* rg &+ lo), cgw + (i &* rg &+ lo), count: cg)
                        }
                    }
                    if Double(loss) >= bound { return }
                    lo &+= count
                }
            } } } }
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
