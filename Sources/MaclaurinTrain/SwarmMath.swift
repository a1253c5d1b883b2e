import Foundation

/// Helpers of `ParticleSwarm`: conversions, arg-min, normal samples and box confinement.
enum SwarmMath {
    /// A tensor of `shape` from Double values (concrete loops for Float and Double).
    static func tensor<S: TensorScalar>(_ values: [Double], shape: [Int]) -> Tensor<S> {
        if S.self == Double.self, let t = Tensor<Double>(shape: shape, scalars: values) as? Tensor<S> { return t }
        if S.self == Float.self, let t = Tensor<Float>(shape: shape, scalars: values.map { Float($0) }) as? Tensor<S> { return t }
        return Tensor(shape: shape, scalars: values.map { S($0) })
    }

    /// The scalars of `t` as Double.
    static func doubles<S: TensorScalar>(_ t: Tensor<S>) -> [Double] {
        if let d = t as? Tensor<Double> { return d.scalars }
        if let f = t as? Tensor<Float> { return f.scalars.map { Double($0) } }
        return t.scalars.map { Double($0) }
    }

    /// The first index of the smallest value (NaN never wins).
    static func argmin(_ values: [Double]) -> Int {
        var best = 0
        for i in values.indices where values[i] < values[best] || values[best].isNaN { best = i }
        return best
    }

    /// Fills `out` with standard normal samples (Marsaglia's polar method, two per accepted pair).
    static func normals(_ out: inout [Double], generator rng: inout SeededGenerator) {
        var i = 0
        while i < out.count {
            let u = 2 * rng.nextUnit() - 1, w = 2 * rng.nextUnit() - 1
            let s = u * u + w * w
            guard s > 0 && s < 1 else { continue }
            let f = (-2 * log(s) / s).squareRoot()
            out[i] = u * f
            if i + 1 < out.count { out[i + 1] = w * f }
            i += 2
        }
    }

    /// Brings every coordinate of `x` back into `box`, adjusting the velocity `v`.
    static func confine(_ x: inout [Double], _ v: inout [Double], to box: ClosedRange<Double>,
                           handling: SwarmBoundaryHandling) {
        let (lo, hi) = (box.lowerBound, box.upperBound)
        for k in x.indices where x[k] < lo || x[k] > hi {
            switch handling {
            case .clip:
                x[k] = min(max(x[k], lo), hi)
                v[k] = 0
            case .reflect:
                x[k] = x[k] < lo ? 2 * lo - x[k] : 2 * hi - x[k]
                x[k] = min(max(x[k], lo), hi)
                v[k] = -v[k]
            }
        }
    }
}
