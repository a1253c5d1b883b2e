import MaclaurinData
import MaclaurinNN

extension ClassifierTrainer where O: CheckpointableOptimizer {
    /// Saves the trainer's state: the parameters (`model/<layer>/<parameter>`), the optimiser's state
    /// (`optimizer/...`), the step count and the three random streams (shuffling, dropout masks,
    /// augmentation). With the same data, settings and epoch number, `restore(from:)` continues
    /// bit for bit.
    public func save(to checkpoint: inout Checkpoint) {
        checkpoint.setModel(model)
        optimizer.save(to: &checkpoint, prefix: "optimizer")
        checkpoint.values["step"] = String(step)
        checkpoint.setGenerator(shuffleGenerator, for: "generator/shuffle")
        checkpoint.setGenerator(dropoutGenerator, for: "generator/dropout")
        checkpoint.setGenerator(augmentationGenerator, for: "generator/augmentation")
    }

    /// Restores the state `save(to:)` wrote; the trainer must have been built for the same model
    /// architecture, batch size and optimiser settings.
    /// - Throws: `CheckpointError` for missing or misshapen state (the trainer is then unchanged).
    public mutating func restore(from checkpoint: Checkpoint) throws(CheckpointError) {
        var restored = self
        let shapes = parameters.map(\.shape)
        restored.parameters = try checkpoint.model(model).parameters
        try restored.optimizer.restore(from: checkpoint, prefix: "optimizer", shapes: shapes)
        restored.step = try checkpoint.integer("step")
        restored.shuffleGenerator = try checkpoint.generator("generator/shuffle")
        restored.dropoutGenerator = try checkpoint.generator("generator/dropout")
        restored.augmentationGenerator = try checkpoint.generator("generator/augmentation")
        self = restored
    }
}

extension ClassifierEpochReport {
    /// The numbers of a report as a row of 7 Doubles (train loss, accuracy, count, test loss,
    /// accuracy, count (-1 without test images), seconds), for checkpoint histories.
    public var row: [Double] {
        [train.loss, train.accuracy, Double(train.count), test?.loss ?? 0, test?.accuracy ?? 0,
         Double(test?.count ?? -1), seconds]
    }

    /// A report from a `row`, for epoch `epoch` of `epochs` after `steps` steps; nil when the row
    /// does not hold 7 numbers with whole, non-negative counts (e.g. from a damaged checkpoint).
    public init?(row: [Double], epoch: Int, epochs: Int, steps: Int) {
        guard row.count == 7, let trainCount = Int(exactly: row[2]), trainCount >= 0,
              let testCount = Int(exactly: row[5]), testCount >= -1 else { return nil }
        self.init(epoch: epoch, epochs: epochs, steps: steps,
                  train: ClassifierMetrics(loss: row[0], accuracy: row[1], count: trainCount),
                  test: testCount < 0 ? nil : ClassifierMetrics(loss: row[3], accuracy: row[4], count: testCount),
                  seconds: row[6])
    }
}
