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
        return ObjectiveEvaluation(loss: result.loss, perKind: result.perKind, gradients: g)
    }

    func kernel<T: KernelFloat>(_: T.Type, _ shape: MLPShape) -> TiledSobolevKernel<T>? {
        cache.lock.lock(); defer { cache.lock.unlock() }
        if let k = cache.kernel as? TiledSobolevKernel<T>, k.shape == shape { return k }
        guard !cache.dataIneligible else { return nil }
        let tiles = Self.tileCount(samples: dataset.sampleCount)
        var kernels: [MLPSobolevKernel<T>] = [], groups: [[Int]] = []
        for t in 0..<tiles {
            let (objective, kept) = tiles == 1 ? (self, Array(dataset.groups.indices)) : tile(t, of: tiles)
            guard let rows = SupervisedRows<T>(objective) else { cache.dataIneligible = true; return nil }
            kernels.append(MLPSobolevKernel(shape: shape, rows: rows, threads: tiles == 1 ? defaultThreadCount : 1))
            groups.append(kept)
        }
        let template = dataset.groups.indices.map { KindLoss(kind: dataset.groups[$0].kind, meanSquaredError: 0, count: 0, weight: weights[$0]) }
        let k = TiledSobolevKernel(shape: shape, kernels: kernels, groups: groups, template: template)
        cache.kernel = k
        return k
    }

    /// Tiles of the fused kernel for `samples` samples: one below 1,536 samples (its products
    /// then split over threads), else one per 1,536 samples, at most 8. A fixed function of the
    /// data (not of the thread count), so results do not depend on the thread count.
    static func tileCount(samples: Int) -> Int { samples < 1536 ? 1 : Swift.min(8, samples / 1536) }

    /// Tile `t` of `tiles`: every group cut into `tiles` consecutive runs of samples (samples at
    /// the same point in different groups stay in the same tile when the groups list their
    /// points in the same order), with group weights scaled so that the tiles' losses and
    /// gradients add up to this objective's; and the indices of this objective's groups the tile
    /// keeps (a group with fewer samples than tiles is absent from some), in order.
    func tile(_ t: Int, of tiles: Int) -> (objective: DerivativeObjective<Scalar>, groups: [Int]) {
        var groups: [DerivativeGroup<Scalar>] = [], kept: [Int] = [], weights: [DerivativeKind: Double] = [:]
        for (g, group) in dataset.groups.enumerated() {
            let count = group.count, lo = count * t / tiles, hi = count * (t + 1) / tiles
            guard hi > lo else { continue }
            groups.append(DerivativeGroup(kind: group.kind, points: group.points.slice(axis: 0, lo..<hi),
                                          targets: group.targets.slice(axis: 0, lo..<hi)))
            kept.append(g)
            weights[group.kind] = self.weights[g] * Double(hi - lo) / Double(count)  // one group per kind
        }
        let data = DerivativeDataset(inputCount: dataset.inputCount, groups: groups)
        return (DerivativeObjective(dataset: data, weighting: .custom(weights)), kept)
    }
}

/// The fused kernel over fixed tiles of the data, run side by side on the thread pool (one
/// single-threaded kernel per tile: one parallel region per step instead of one per product
/// and pass); losses, per-group errors and gradients are added tile by tile in tile order.
final class TiledSobolevKernel<T: KernelFloat> {
    let shape: MLPShape
    let kernels: [MLPSobolevKernel<T>]
    /// Per tile, the whole objective's group of each of its per-group errors.
    let groups: [[Int]]
    /// The whole objective's groups (kind and weight; errors and counts are filled in).
    let template: [KindLoss]

    init(shape: MLPShape, kernels: [MLPSobolevKernel<T>], groups: [[Int]], template: [KindLoss]) {
        precondition(!kernels.isEmpty && groups.count == kernels.count, "tiled Sobolev kernel: \(kernels.count) tiles, \(groups.count) group maps")
        self.shape = shape; self.kernels = kernels; self.groups = groups; self.template = template
    }

    func lossAndGradients(_ parameters: [Tensor<T>]) -> (loss: Double, perKind: [KindLoss], gradients: [Tensor<T>]) {
        if kernels.count == 1 { return kernels[0].lossAndGradients(parameters) }
        let results = MaclaurinTensor.Parallel.mapTiles(rows: kernels.count, tile: 1) { [kernels] r in
            kernels[r.lowerBound].lossAndGradients(parameters)
        }
        var loss = 0.0, gradients = results[0].gradients, perKind = template
        for (t, r) in results.enumerated() {
            loss += r.loss
            if t > 0 { for j in gradients.indices { gradients[j] = gradients[j] + r.gradients[j] } }
            for (k, g) in zip(r.perKind, groups[t]) {
                perKind[g].meanSquaredError += k.meanSquaredError * Double(k.count)
                perKind[g].count += k.count
            }
        }
        for g in perKind.indices { perKind[g].meanSquaredError /= Double(Swift.max(1, perKind[g].count)) }
        return (loss, perKind, gradients)
    }
}
