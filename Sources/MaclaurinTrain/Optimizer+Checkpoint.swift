import MaclaurinData

/// An optimiser whose state can be saved in a `Checkpoint` and restored exactly.
///
/// The hyperparameters (learning rate, schedule, betas...) are not saved: they belong to the run's
/// settings, which a resumed run repeats. The state is what the steps accumulated: the step count
/// (the schedule position), moments, momentum buffers, curvature pairs.
public protocol CheckpointableOptimizer: Optimizer {
    /// Saves the state under names starting with `prefix`.
    func save(to checkpoint: inout Checkpoint, prefix: String)
    /// Restores the state saved under `prefix` for parameters of the given shapes.
    /// - Throws: `CheckpointError` for missing or misshapen state.
    mutating func restore(from checkpoint: Checkpoint, prefix: String, shapes: [[Int]]) throws(CheckpointError)
}

extension Adam: CheckpointableOptimizer {
    /// Saves the step count and, once the first step has made them, the moments m and v.
    public func save(to checkpoint: inout Checkpoint, prefix: String) {
        checkpoint.values[prefix + "/iteration"] = String(iteration)
        checkpoint.setTensors(m, prefix: prefix + "/m")
        checkpoint.setTensors(v, prefix: prefix + "/v")
    }

    /// Restores the step count and the moments.
    public mutating func restore(from checkpoint: Checkpoint, prefix: String, shapes: [[Int]]) throws(CheckpointError) {
        iteration = try checkpoint.integer(prefix + "/iteration")
        let hasMoments = checkpoint.tensors[prefix + "/m/0"] != nil
        m = hasMoments ? try checkpoint.tensors(prefix: prefix + "/m", shapes: shapes) : []
        v = hasMoments ? try checkpoint.tensors(prefix: prefix + "/v", shapes: shapes) : []
    }
}

extension SGD: CheckpointableOptimizer {
    /// Saves the step count and the momentum buffers.
    public func save(to checkpoint: inout Checkpoint, prefix: String) {
        checkpoint.values[prefix + "/iteration"] = String(iteration)
        checkpoint.setTensors(buffers, prefix: prefix + "/buffer")
    }

    /// Restores the step count and the momentum buffers.
    public mutating func restore(from checkpoint: Checkpoint, prefix: String, shapes: [[Int]]) throws(CheckpointError) {
        iteration = try checkpoint.integer(prefix + "/iteration")
        buffers = checkpoint.tensors[prefix + "/buffer/0"] != nil
            ? try checkpoint.tensors(prefix: prefix + "/buffer", shapes: shapes) : []
    }
}

extension LBFGS: CheckpointableOptimizer {
    /// Saves the step and evaluation counts, the curvature pairs (s, y, rho) and the last accepted
    /// point with its loss and gradient (all in Double, as L-BFGS keeps them).
    public func save(to checkpoint: inout Checkpoint, prefix: String) {
        checkpoint.values[prefix + "/iteration"] = String(iteration)
        checkpoint.values[prefix + "/evaluations"] = String(evaluations)
        checkpoint.values[prefix + "/pairs"] = String(pairs.count)
        for (i, pair) in pairs.enumerated() {
            checkpoint.setDoubles(pair.s, for: "\(prefix)/s/\(i)")
            checkpoint.setDoubles(pair.y, for: "\(prefix)/y/\(i)")
        }
        checkpoint.setDoubles(pairs.map(\.rho), for: prefix + "/rho")
        if let last {
            checkpoint.setDoubles(last.x, for: prefix + "/last/x")
            checkpoint.setDoubles([last.loss], for: prefix + "/last/loss")
            checkpoint.setDoubles(last.g, for: prefix + "/last/g")
        }
    }

    /// Restores what `save` saved.
    public mutating func restore(from checkpoint: Checkpoint, prefix: String, shapes: [[Int]]) throws(CheckpointError) {
        let n = shapes.reduce(0) { $0 + $1.reduce(1, *) }
        iteration = try checkpoint.integer(prefix + "/iteration")
        evaluations = try checkpoint.integer(prefix + "/evaluations")
        let count = try checkpoint.integer(prefix + "/pairs", in: 0...memory)
        let rho = try checkpoint.doubles(prefix + "/rho", count: count)
        var restored: [(s: [Double], y: [Double], rho: Double)] = []
        for i in 0..<count {
            restored.append((try checkpoint.doubles("\(prefix)/s/\(i)", count: n),
                             try checkpoint.doubles("\(prefix)/y/\(i)", count: n), rho[i]))
        }
        pairs = restored
        if checkpoint.tensors[prefix + "/last/x"] != nil {
            last = (try checkpoint.doubles(prefix + "/last/x", count: n), try checkpoint.doubles(prefix + "/last/loss", count: 1)[0],
                    try checkpoint.doubles(prefix + "/last/g", count: n))
        } else {
            last = nil
        }
    }
}
