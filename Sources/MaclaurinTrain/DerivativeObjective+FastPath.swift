import Foundation

/// The fused kernel of an objective, built on first use and reused while the architecture stays
/// the same (its row layout and buffers depend only on the data and the layer sizes).
final class FastPathCache: @unchecked Sendable {
    let lock = NSLock()
    var kernel: AnyObject?
    /// Set when the data do not fit the fused kernel (more than one output, second partials).
    var dataIneligible = false
}

extension DerivativeObjective {
    /// True when `lossAndGradients` uses the fused kernel for `model`: a stack of `Dense` layers
    /// with linear, tanh or sigmoid activations and one output, data with values and first
    /// partials only, Float or Double.
    public func hasFastPath(for model: Sequential<Scalar>) -> Bool {
        guard let shape = MLPShape(model), shape.widths.last == 1 else { return false }
        if Scalar.self == Float.self { return kernel(Float.self, shape) != nil }
        if Scalar.self == Double.self { return kernel(Double.self, shape) != nil }
        return false
    }

    func fastLossAndGradients(_ model: Sequential<Scalar>) -> ObjectiveEvaluation<Scalar>? {
        guard let shape = MLPShape(model), shape.widths.last == 1 else { return nil }
        // The kernel is called with a concrete type so that its loops are specialised.
        let result: (loss: Double, perKind: [KindLoss], gradients: Any)
        if Scalar.self == Float.self {
            guard let k = kernel(Float.self, shape), let p = model.parameters as? [Tensor<Float>] else { return nil }
            cache.lock.lock(); defer { cache.lock.unlock() }
            let r = k.lossAndGradients(p)
            result = (r.loss, r.perKind, r.gradients)
        } else if Scalar.self == Double.self {
            guard let k = kernel(Double.self, shape), let p = model.parameters as? [Tensor<Double>] else { return nil }
            cache.lock.lock(); defer { cache.lock.unlock() }
            let r = k.lossAndGradients(p)
            result = (r.loss, r.perKind, r.gradients)
        } else {
            return nil
        }
        guard let g = result.gradients as? [Tensor<Scalar>] else { return nil }
        return ObjectiveEvaluation(loss: result.loss, perKind: result.perKind, gradients: g)
    }

    func kernel<T: KernelFloat>(_: T.Type, _ shape: MLPShape) -> MLPSobolevKernel<T>? {
        cache.lock.lock(); defer { cache.lock.unlock() }
        if let k = cache.kernel as? MLPSobolevKernel<T>, k.shape == shape { return k }
        guard !cache.dataIneligible else { return nil }
        guard let rows = SupervisedRows<T>(self) else { cache.dataIneligible = true; return nil }
        let k = MLPSobolevKernel(shape: shape, rows: rows)
        cache.kernel = k
        return k
    }
}
