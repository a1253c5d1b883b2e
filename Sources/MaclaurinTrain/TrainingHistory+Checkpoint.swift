import MaclaurinData

extension TrainingHistory {
    /// Saves the losses, the per-kind errors and the evaluation count under `prefix`.
    public func save(to checkpoint: inout Checkpoint, prefix: String) {
        checkpoint.setDoubles(losses, for: prefix + "/losses")
        checkpoint.setDoubles(perKindErrors, for: prefix + "/per_kind")
        checkpoint.values[prefix + "/evaluations"] = String(evaluations)
    }

    /// The history saved under `prefix`; `kinds` gives the kinds (with counts and weights) of the
    /// objective, in the order the per-kind errors were recorded.
    /// - Throws: `CheckpointError` for missing or misshapen state.
    public init(from checkpoint: Checkpoint, prefix: String, kinds: [KindLoss]) throws(CheckpointError) {
        self.init()
        losses = try checkpoint.doubles(prefix + "/losses")
        let errors = try checkpoint.doubles(prefix + "/per_kind", count: losses.count * kinds.count)
        for step in 0..<losses.count {
            appendPerKind(kinds.enumerated().map { k, kind in
                var entry = kind
                entry.meanSquaredError = errors[step * kinds.count + k]
                return entry
            })
        }
        evaluations = try checkpoint.integer(prefix + "/evaluations")
    }
}
