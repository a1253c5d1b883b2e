/// The elementwise parameter updates of the optimisers, one pass over memory per tensor, in
/// specialised Float and Double loops.
enum FusedUpdate {
    /// Runs `body` with the buffers of `p` (written) and `others` (read/written) as Float or
    /// Double pointers; `T` is `S`.
    static func withBuffers<S: TensorScalar>(_ p: inout Tensor<S>, _ a: inout Tensor<S>, _ b: inout Tensor<S>,
                                             _ g: Tensor<S>, float: (UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafePointer<Float>, Int) -> Void,
                                             double: (UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>, UnsafePointer<Double>, Int) -> Void) {
        let n = p.count
        g.withUnsafePointer { gp in
            p.withUnsafeMutablePointer { pp in a.withUnsafeMutablePointer { ap in b.withUnsafeMutablePointer { bp in
                let (rp, ra, rb, rg) = (UnsafeMutableRawPointer(pp), UnsafeMutableRawPointer(ap), UnsafeMutableRawPointer(bp), UnsafeRawPointer(gp))
                if S.self == Float.self {
                    float(rp.assumingMemoryBound(to: Float.self), ra.assumingMemoryBound(to: Float.self),
                          rb.assumingMemoryBound(to: Float.self), rg.assumingMemoryBound(to: Float.self), n)
                } else if S.self == Double.self {
                    double(rp.assumingMemoryBound(to: Double.self), ra.assumingMemoryBound(to: Double.self),
                           rb.assumingMemoryBound(to: Double.self), rg.assumingMemoryBound(to: Double.self), n)
                } else {
                    preconditionFailure("optimisers support Float and Double parameters, not \(S.self)")
                }
            } } }
        }
    }

    static func sgd<S: TensorScalar>(_ p: inout Tensor<S>, _ g: Tensor<S>, buffer: inout Tensor<S>, lr: Double, momentum: Double,
                                     nesterov: Bool, weightDecay: Double, first: Bool) {
        var unused = Tensor<S>(zeros: [])
        let c = SGDConstants(lr: lr, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay, first: first)
        withBuffers(&p, &buffer, &unused, g, float: { p, b, _, g, n in sgdKernel(p, b, g, n, c) },
                    double: { p, b, _, g, n in sgdKernel(p, b, g, n, c) })
    }

    struct SGDConstants { var lr, momentum: Double; var nesterov: Bool; var weightDecay: Double; var first: Bool }

    static func sgdKernel<T: KernelFloat>(_ p: UnsafeMutablePointer<T>, _ b: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>,
                                          _ n: Int, _ c: SGDConstants) {
        let (lr, mu, wd) = (T(c.lr), T(c.momentum), T(c.weightDecay))
        if mu == 0 {
            for i in 0..<n { p[i] -= lr * (g[i] + wd * p[i]) }
            return
        }
        for i in 0..<n {
            let gi = g[i] + wd * p[i]
            let bi = c.first ? gi : mu * b[i] + gi
            b[i] = bi
            p[i] -= lr * (c.nesterov ? gi + mu * bi : bi)
        }
    }

    static func adam<S: TensorScalar>(_ p: inout Tensor<S>, _ g: Tensor<S>, m: inout Tensor<S>, v: inout Tensor<S>, lr: Double,
                                      beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double,
                                      correction1: Double, correction2: Double) {
        let c = AdamConstants(stepSize: lr / correction1, rootCorrection2: correction2.squareRoot(), beta1: beta1,
                              beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        withBuffers(&p, &m, &v, g, float: { p, m, v, g, n in
            inChunks(n) { lo, hi in adamKernel(p + lo, m + lo, v + lo, g + lo, hi - lo, c) }
        }, double: { p, m, v, g, n in
            inChunks(n) { lo, hi in adamKernel(p + lo, m + lo, v + lo, g + lo, hi - lo, c) }
        })
    }

    /// Calls `body(lo, hi)` on consecutive ranges covering 0..<n, in parallel on the kernels'
    /// thread pool when n is large (a 7200 x 512 kernel). The updates are elementwise, so the
    /// result does not depend on the split.
    static func inChunks(_ n: Int, _ body: @escaping (Int, Int) -> Void) {
        let chunk = 1 << 16
        if n < 2 * chunk { body(0, n); return }
        MaclaurinTensor.Parallel.forEach((n + chunk - 1) / chunk) { i in body(i * chunk, Swift.min(n, (i + 1) * chunk)) }
    }

    struct AdamConstants { var stepSize, rootCorrection2, beta1, beta2, epsilon, weightDecay: Double }

    static func adamKernel<T: KernelFloat>(_ p: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>,
                                           _ g: UnsafePointer<T>, _ n: Int, _ c: AdamConstants) {
        let (b1, b2, eps, wd) = (T(c.beta1), T(c.beta2), T(c.epsilon), T(c.weightDecay))
        let stepSize = T(c.stepSize), rootC2 = T(c.rootCorrection2)
        for i in 0..<n {
            let gi = g[i] + wd * p[i]
            let mi = b1 * m[i] + (1 - b1) * gi
            let vi = b2 * v[i] + (1 - b2) * gi * gi
            m[i] = mi; v[i] = vi
            p[i] -= stepSize * mi / (vi.squareRoot() / rootC2 + eps)
        }
    }
}
