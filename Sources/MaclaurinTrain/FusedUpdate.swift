import CMaclaurinKernels

/// The elementwise parameter updates of the optimisers, one pass over memory per tensor: SGD in
/// specialised Float and Double loops, Adam in the C kernel `mcl_*_adam`.
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
        let (step, rootC2) = (lr / correction1, correction2.squareRoot())
        // The C kernel (vectorised, parallel over chunks): the scalar loop took 13% of W5's step.
        withBuffers(&p, &m, &v, g, float: { p, m, v, g, n in
            mcl_s_adam(n, p, m, v, g, Float(beta1), Float(beta2), Float(epsilon), Float(weightDecay), Float(step), Float(rootC2))
        }, double: { p, m, v, g, n in
            mcl_d_adam(n, p, m, v, g, beta1, beta2, epsilon, weightDecay, step, rootC2)
        })
    }
}
