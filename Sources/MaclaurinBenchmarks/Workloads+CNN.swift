import Maclaurin

/// W5 and W5i (BENCHMARKS.md): the Taylor CNN of the motivating Keras example at 32x32x3, batch
/// 64 of seeded random images and labels.
enum CNNWorkloads {
    /// The model and a batch: 64 seeded random images and labels.
    private static func setUp() -> (Sequential<Float>, Tensor<Float>, [Int]) {
        var g = SeededGenerator(seed: 5)
        let images = Tensor<Float>(randomUniform: [64, 32, 32, 3], generator: &g)
        let labels = (0..<64).map { _ in Int(g.next() % 10) }
        guard let model = try? Models.taylorCNN(inputShape: [32, 32, 3], classes: 10, order: 3, seed: 5, as: Float.self) else {
            preconditionFailure("the W5 Taylor CNN cannot be built")
        }
        return (model, images, labels)
    }

    /// W5: one training step (forward with dropout, cross-entropy, backward, Adam) per call.
    static func trainStep() -> Measurement {
        let (model, images, labels) = setUp()
        guard var trainer = try? ClassifierTrainer(model: model, optimizer: Adam<Float>(), batchSize: 64, seed: 5) else {
            preconditionFailure("the W5 trainer cannot be built")
        }
        var lastLoss = 0.0
        var train = measure("W5", "maclaurin_train_step", repetitions: 30) {
            do { lastLoss = try trainer.trainStep(images: images, labels: labels).loss } catch {
                preconditionFailure("W5 training step failed: \(error)")
            }
        }
        train.extra = [("loss", format(lastLoss, 4)), ("params", "\(model.parameterCount)")]
        return train
    }

    /// W5i: one inference forward pass and softmax per call (the initial weights, as the references).
    static func inference() -> Measurement {
        let (model, images, _) = setUp()
        return measure("W5i", "maclaurin_infer", repetitions: 50) {
            _ = model(images).softmax()
        }
    }
}
