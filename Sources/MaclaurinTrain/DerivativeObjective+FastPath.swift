import Foundation
import MaclaurinTensor

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
        // Tiles report their own (scaled) kind weights: report this objective's.
        let perKind = result.perKind.map { k -> KindLoss in
            var k = k
            if let group = dataset.groups.firstIndex(where: { $0.kind == k.kind }) { k.weight = weights[group] }
            return k
        }
        return ObjectiveEvaluation(loss: result.loss, perKind: perKind, gradients: g)
    }

    func kernel<T: KernelFloat>(_: T.Type, _ shape: MLPShape) -> TiledSobolevKernel<T>? {
        cache.lock.lock(); defer { cache.lock.unlock() }
        if let k = cache.kernel as? TiledSobolevKernel<T>, k.shape == shape { return k }
        guard !cache.dataIneligible else { return nil }
        let tiles = Self.tileCount(samples: dataset.sampleCount)
        var kernels: [MLPSobolevKernel<T>] = []
        for t in 0..<tiles {
            guard let rows = SupervisedRows<T>(tiles == 1 ? self : tile(t, of: tiles)) else { cache.dataIneligible = true; return nil }
            kernels.append(MLPSobolevKernel(shape: shape, rows: rows, threads: tiles == 1 ? defaultThreadCount : 1))
        }
        let k = TiledSobolevKernel(shape: shape, kernels: kernels)
        cache.kernel = k
        return k
    }

    /// Tiles of the fused kernel for `samples` samples: one below 1,536 samples (its products
    /// then split over threads), else one per 768 samples, at most 8. A fixed function of the
    /// data (not of the thread count), so results do not depend on the thread count.
    static func tileCount(samples: Int) -> Int { samples < 1536 ? 1 : Swift.min(8, samples / 1536) }

    /// Tile `t` of `tiles`: every group cut into `tiles` consecutive runs of samples (samples at
    /// the same point in different groups stay in the same tile when the groups list their
    /// points in the same order), with weights scaled so that the tiles' losses and gradients
    /// add up to this objective's.
    func tile(_ t: Int, of tiles: Int) -> DerivativeObjective<Scalar> {
        var groups: [DerivativeGroup<Scalar>] = [], weights: [DerivativeKind: Double] = [:]
        for (g, group) in dataset.groups.enumerated() {
            let count = group.count, lo = count * t / tiles, hi = count * (t + 1) / tiles
            guard hi > lo else { continue }
            groups.append(DerivativeGroup(kind: group.kind, points: group.points.slice(axis: 0, lo..<hi),
                                          targets: group.targets.slice(axis: 0, lo..<hi)))
            weights[group.kind] = self.weights[g] * Double(hi - lo) / Double(count)
        }
        return DerivativeObjective(dataset: DerivativeDataset(inputCount: dataset.inputCount, groups: groups),
                                   weighting: .custom(weights))
    }
}

/// The fused kernel over fixed tiles of the data, run side by side on the thread pool (one
/// single-threaded kernel per tile: one parallel region per step instead of one per product
/// and pass); losses, per-kind errors and gradients are added tile by tile in tile order.
final class TiledSobolevKernel<T: KernelFloat> {
    let shape: MLPShape
    let kernels: [MLPSobolevKernel<T>]

    init(shape: MLPShape, kernels: [MLPSobolevKernel<T>]) {
        precondition(!kernels.isEmpty, "tiled Sobolev kernel: no tiles")
        self.shape = shape; self.kernels = kernels
    }

    func lossAndGradients(_ parameters: [Tensor<T>]) -> (loss: Double, perKind: [KindLoss], gradients: [Tensor<T>]) {
        if kernels.count == 1 { return kernels[0].lossAndGradients(parameters) }
        let results = MaclaurinTensor.Parallel.mapTiles(rows: kernels.count, tile: 1) { [kernels] r in
            kernels[r.lowerBound].lossAndGradients(parameters)
        }
        var loss = 0.0, gradients = results[0].gradients
        var perKind = results[0].perKind.map { k -> KindLoss in var k = k; k.meanSquaredError *= Double(k.count); return k }
        for (i, r) in results.enumerated() {
            loss += r.loss
            guard i > 0 else { continue }
            for j in gradients.indices { gradients[j] = gradients[j] + r.gradients[j] }
            for (j, k) in r.perKind.enumerated() {
                if let at = perKind.firstIndex(where: { $0.kind == k.kind }) {
                    perKind[at].meanSquaredError += k.meanSquaredError * Double(k.count)
                    perKind[at].count += k.count
                } else {
                    var k = k; k.meanSquaredError *= Double(k.count); perKind.insert(k, at: Swift.min(j, perKind.count))
                }
            }
        }
        for j in perKind.indices { perKind[j].meanSquaredError /= Double(Swift.max(1, perKind[j].count)) }
        return (loss, perKind, gradients)
    }
}
