import MaclaurinData
import MaclaurinNN

/// Trains an image classifier on labelled images: epochs over seeded shuffled mini-batches, each
/// step a training-mode forward pass (dropout on, masks from a seeded stream), the softmax
/// cross-entropy of the logits, reverse-mode gradients of every parameter and one optimiser update.
///
///     var trainer = try ClassifierTrainer(model: try Models.taylorCNN(inputShape: [8, 8, 1]),
///                                         optimizer: Adam<Float>(), batchSize: 64, seed: 1)
///     let (train, test) = Digits.trainTestSplit()
///     let history = try trainer.fit(on: train, test: test, epochs: 10) { print($0.test?.accuracy ?? 0); return true }
///     let trained = trainer.model
///
/// A model that ends in softmax (a `Softmax` or softmax `ActivationLayer`, or a `Dense`/`Conv2D`
/// with softmax activation, as in Keras) is trained on the logits before that softmax, so the loss
/// is computed stably; `model` still ends in softmax.
///
/// The parameters live in the trainer (`parameters`) so the optimiser updates them in place, without
/// copying 3.7 million weights per step; `model` assembles the current model when asked.
public struct ClassifierTrainer<Scalar: TensorScalar, O: Optimizer> where O.Scalar == Scalar {
    /// The model as given (architecture; its weights are those of `parameters` via `model`).
    let original: Sequential<Scalar>
    /// The model the loss is computed on: `original` without a final softmax.
    let logitsModel: Sequential<Scalar>
    /// The current parameters, in the order of `Sequential.parameters`.
    public internal(set) var parameters: [Tensor<Scalar>]
    /// The optimiser, with its state (moments, step count).
    public var optimizer: O
    /// Images per training step (the last batch of an epoch may be smaller).
    public let batchSize: Int
    /// Training steps taken so far.
    public internal(set) var step = 0
    /// Draws the order of the images of each epoch.
    var shuffleGenerator: SeededGenerator
    /// Draws the dropout masks.
    var dropoutGenerator: SeededGenerator
    /// Random shifts and flips of the training batches in `trainEpoch` (none by default).
    public var augmentation: ImageAugmentation = .none
    /// Draws the augmentation of each batch.
    var augmentationGenerator: SeededGenerator

    /// A trainer for `model` starting from its current weights.
    /// - Parameters:
    ///   - model: a classifier mapping `[batch] + inputShape` to `[batch, classes]` (logits or probabilities).
    ///   - optimizer: updates the parameters from their gradients (e.g. `Adam<Float>()`).
    ///   - batchSize: images per training step (>= 1).
    ///   - seed: seeds the shuffling and, independently, the dropout masks and the augmentation.
    /// - Throws: `ModelError` when the model does not output a vector per image.
    public init(model: Sequential<Scalar>, optimizer: O, batchSize: Int = 64, seed: UInt64 = 0) throws {
        precondition(batchSize >= 1, "batch size must be at least 1, got \(batchSize)")
        guard model.outputShape.count == 1 else {
            throw ModelError("a classifier must output one vector of class scores per image, this model outputs \(model.outputShape)")
        }
        original = model
        logitsModel = try ClassifierOutput.logitsModel(of: model)
        parameters = model.parameters
        self.optimizer = optimizer
        self.batchSize = batchSize
        var seeds = SeededGenerator(seed: seed)
        shuffleGenerator = SeededGenerator(seed: seeds.next())
        dropoutGenerator = SeededGenerator(seed: seeds.next())
        augmentationGenerator = SeededGenerator(seed: seeds.next())
    }

    /// The model with the current parameters.
    public var model: Sequential<Scalar> {
        var m = original
        m.parameters = parameters
        return m
    }

    /// One training step on a batch: forward in training mode, cross-entropy, gradients, update.
    ///
    /// The optimiser sees a deterministic objective: if it evaluates more than once per step (a line
    /// search), every evaluation uses the same batch and the same dropout masks.
    /// - Parameters:
    ///   - images: `[batch] + inputShape`.
    ///   - labels: one class index per image.
    /// - Returns: the batch's mean loss (before the update) and how many images the training-mode
    ///   logits classified correctly.
    /// - Throws: `TrainingError` naming the step and the layer when the loss or a gradient is NaN or
    ///   infinite; the parameters are then those before the step.
    @discardableResult
    public mutating func trainStep(images: Tensor<Scalar>, labels: [Int]) throws(TrainingError) -> (loss: Double, correct: Int) {
        precondition(images.rank >= 1 && images.shape[0] == labels.count && !labels.isEmpty,
                     "trainStep: \(labels.count) labels for images \(images.shape)")
        step += 1
        let (number, model, masks) = (step, logitsModel, dropoutGenerator)
        var first: (loss: Double, correct: Int)?
        var masksAfter = masks
        do {
            _ = try optimizer.step(&parameters) { p in
                let context = ForwardContext(isTraining: true)
                context.generator = masks
                let r = Self.lossAndGradients(model, parameters: p, images: images, labels: labels, context: context)
                if first == nil { first = (r.loss, r.correct); masksAfter = context.generator }
                guard r.loss.isFinite else {
                    let replay = ForwardContext(isTraining: true)
                    replay.generator = masks
                    throw Self.nonFiniteLossError(model, parameters: p, images: images, context: replay, loss: r.loss, step: number)
                }
                if let bad = r.gradients.firstIndex(where: { !$0.isFinite }) {
                    let name = model.parameterNames[bad]
                    throw TrainingError(step: number, layer: Self.layerName(of: name),
                                        message: "the gradient of '\(name)' is not finite (the loss is \(Self.text(r.loss)))")
                }
                return (r.loss, r.gradients)
            }
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError(step: number, message: "the optimiser failed: \(error)")
        }
        dropoutGenerator = masksAfter
        if let bad = parameters.firstIndex(where: { !$0.isFinite }) {
            let name = model.parameterNames[bad]
            throw TrainingError(step: number, layer: Self.layerName(of: name),
                                message: "the update made '\(name)' non-finite (is the learning rate sensible?)")
        }
        return first ?? (0, 0)
    }

    /// The mean cross-entropy, the number of correct predictions and the gradient of every
    /// parameter (no gradients when the loss is not finite).
    static func lossAndGradients(_ model: Sequential<Scalar>, parameters: [Tensor<Scalar>], images: Tensor<Scalar>,
                                 labels: [Int], context: ForwardContext) -> (loss: Double, correct: Int, gradients: [Tensor<Scalar>]) {
        let variables = parameters.map { Var<Tensor<Scalar>>(variable: $0) }
        let logits = model.forward(Var(constant: images), parameters: variables, context: context)
        let loss = categoricalCrossEntropy(logits: logits, labels: labels)
        let value = Double(loss.value.scalar)
        let correct = zip(logits.value.argmaxRows(), labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        guard value.isFinite else { return (value, correct, []) }
        let grads = gradients(of: loss, withRespectTo: variables).map(\.value)
        return (value, correct, grads)
    }

    /// The error for a non-finite loss, naming the first layer that produced a NaN or infinity
    /// (found by replaying the step layer by layer with the same dropout masks).
    static func nonFiniteLossError(_ model: Sequential<Scalar>, parameters: [Tensor<Scalar>], images: Tensor<Scalar>,
                                   context: ForwardContext, loss: Double, step: Int) -> TrainingError {
        var current = model
        current.parameters = parameters
        guard let report = current.firstNonFinite(input: images, step: step, context: context) else {
            return TrainingError(step: step, message: "the cross-entropy loss is \(Self.text(loss))")
        }
        switch report.source {
        case .input:
            return TrainingError(step: step, message: "the input batch holds a NaN or infinity")
        case .parameter(let p):
            return TrainingError(step: step, layer: report.layerName,
                                 message: "parameter '\(p)' (\(report.layerKind)) holds a NaN or infinity")
        case .output:
            return TrainingError(step: step, layer: report.layerName,
                                 message: "this \(report.layerKind) layer produced a NaN or infinity from finite inputs "
                                 + "and parameters (the loss is \(Self.text(loss)))")
        }
    }

    /// A loss for messages: "NaN" for every NaN (no "-nan"), else the number.
    static func text(_ loss: Double) -> String { loss.isNaN ? "NaN" : "\(loss)" }

    /// "conv2d_1/kernel" -> "conv2d_1" (the layer of a parameter name).
    static func layerName(of parameterName: String) -> String? {
        parameterName.split(separator: "/").first.map(String.init)
    }

    /// One epoch: every image once, in an order drawn from the seeded shuffle, `batchSize` at a time.
    /// - Parameter stepProgress: called after each step with the step's loss; return false to stop the epoch.
    /// - Returns: the mean training loss and accuracy over the epoch (training mode, dropout on).
    public mutating func trainEpoch(on data: LabeledImages,
                                    stepProgress: ((_ step: Int, _ loss: Double) -> Bool)? = nil) throws(TrainingError) -> ClassifierMetrics {
        precondition(data.count > 0, "trainEpoch: no training images")
        var order = Array(0..<data.count)
        order.shuffle(using: &shuffleGenerator)
        var totalLoss = 0.0, correct = 0, seen = 0
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let batch = data.selecting(Array(order[start..<min(start + batchSize, order.count)]))
            let images = augmentation.apply(ClassifierOutput.converted(batch.images) as Tensor<Scalar>,
                                            generator: &augmentationGenerator)
            let result = try trainStep(images: images, labels: batch.labels)
            totalLoss += result.loss * Double(batch.count)
            correct += result.correct
            seen += batch.count
            if let stepProgress, !stepProgress(step, result.loss) { break }
        }
        return ClassifierMetrics(loss: totalLoss / Double(seen), accuracy: Double(correct) / Double(seen), count: seen)
    }

    /// Trains for `epochs` epochs, evaluating on `test` (inference mode) after each.
    /// - Parameters:
    ///   - completedEpochs: epochs already run (by a run this trainer was restored from, see
    ///     `restore(from:)`); training runs epochs `completedEpochs + 1 ... epochs`.
    ///   - evaluationBatchSize: images per forward pass when evaluating.
    ///   - progress: called after every epoch; return false to stop.
    /// - Returns: one report per epoch run.
    /// - Throws: `TrainingError` (see `trainStep`); the trainer keeps the parameters of the last good step.
    public mutating func fit(on train: LabeledImages, test: LabeledImages?, epochs: Int, completedEpochs: Int = 0,
                             evaluationBatchSize: Int = 256,
                             progress: ((ClassifierEpochReport) -> Bool)? = nil) throws(TrainingError) -> [ClassifierEpochReport] {
        precondition(epochs >= 0 && (0...max(epochs, 0)).contains(completedEpochs),
                     "epochs must be >= 0 and completedEpochs in 0...epochs, got \(epochs) and \(completedEpochs)")
        var reports: [ClassifierEpochReport] = []
        for epoch in completedEpochs..<epochs {
            let clock = ContinuousClock(), start = clock.now
            let trainMetrics = try trainEpoch(on: train)
            let testMetrics = test.map { evaluate(on: $0, batchSize: evaluationBatchSize) }
            let elapsed = start.duration(to: clock.now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            let report = ClassifierEpochReport(epoch: epoch + 1, epochs: epochs, steps: step, train: trainMetrics,
                                               test: testMetrics, seconds: seconds)
            reports.append(report)
            if let progress, !progress(report) { break }
        }
        return reports
    }

    /// Loss and accuracy of the current parameters on `data`, in inference mode (dropout off).
    public func evaluate(on data: LabeledImages, batchSize: Int = 256) -> ClassifierMetrics {
        ClassifierOutput.evaluate(logitsModel, parameters: parameters, on: data, batchSize: batchSize)
    }
}

/// Loss and accuracy of a classifier on a set of images.
public struct ClassifierMetrics: Equatable, Sendable {
    /// The mean softmax cross-entropy.
    public var loss: Double
    /// The fraction of images whose highest score is at their label.
    public var accuracy: Double
    /// The number of images.
    public var count: Int

    /// Metrics as measured.
    public init(loss: Double, accuracy: Double, count: Int) {
        self.loss = loss; self.accuracy = accuracy; self.count = count
    }
}

/// What one epoch of `ClassifierTrainer.fit` did.
public struct ClassifierEpochReport: Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Epochs requested.
    public var epochs: Int
    /// Training steps taken since the trainer started.
    public var steps: Int
    /// Mean loss and accuracy over the epoch's batches (training mode, dropout on).
    public var train: ClassifierMetrics
    /// Loss and accuracy on the test images (inference mode), when test images were given.
    public var test: ClassifierMetrics?
    /// Wall time of the epoch, evaluation included.
    public var seconds: Double
}

/// Loss and accuracy of `model` on `data` in inference mode, `batchSize` images per forward pass.
/// A model ending in softmax is evaluated on its logits (same predictions, stable loss).
/// - Throws: `ModelError` when the data does not fit the model (image shape, number of classes).
public func evaluateClassifier<Scalar: TensorScalar>(_ model: Sequential<Scalar>, on data: LabeledImages,
                                                     dataName: String = "the data", batchSize: Int = 256) throws -> ClassifierMetrics {
    try checkClassifier(model, fits: data, dataName: dataName)
    return ClassifierOutput.evaluate(try ClassifierOutput.logitsModel(of: model), parameters: model.parameters,
                                     on: data, batchSize: batchSize)
}
