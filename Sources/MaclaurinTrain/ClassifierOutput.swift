import MaclaurinData
import MaclaurinNN

/// Helpers shared by classifier training and evaluation: the logits of a model that ends in
/// softmax, data/model compatibility checks, batched inference-mode evaluation.
enum ClassifierOutput {
    /// `model` without a final softmax: a trailing `Softmax` layer or softmax `ActivationLayer` is
    /// dropped, a trailing `Dense` or `Conv2D` with softmax activation becomes linear. Parameters
    /// are unchanged (same list, same order).
    static func logitsModel<Scalar: TensorScalar>(of model: Sequential<Scalar>) throws -> Sequential<Scalar> {
        guard let last = model.layers.last else { return model }
        var layers = model.layers
        if last is Softmax<Scalar> || (last as? ActivationLayer<Scalar>)?.activation == .softmax {
            layers.removeLast()
        } else if var dense = last as? Dense<Scalar>, dense.activation == .softmax {
            dense.activation = .linear
            layers[layers.count - 1] = dense
        } else if var conv = last as? Conv2D<Scalar>, conv.activation == .softmax {
            conv.activation = .linear
            layers[layers.count - 1] = conv
        } else {
            return model
        }
        return try Sequential(inputShape: model.inputShape, layers: layers)
    }

    /// Throws a `ModelError` unless images of `data` are the model's input and it outputs one score per class.
    static func checkCompatibility<Scalar: TensorScalar>(_ model: Sequential<Scalar>, with data: LabeledImages,
                                                         dataName: String) throws {
        guard model.inputShape == data.imageShape else {
            throw ModelError("the model takes inputs of shape \(model.inputShape) but the images of \(dataName) "
                             + "have shape \(data.imageShape)")
        }
        guard model.outputShape == [data.classCount] else {
            throw ModelError("the model outputs shape \(model.outputShape) but \(dataName) has \(data.classCount) classes "
                             + "(expected an output of shape [\(data.classCount)])")
        }
    }

    /// Mean cross-entropy and accuracy of the logits of `model` with `parameters` on `data`,
    /// in inference mode (dropout off), `batchSize` images per forward pass.
    static func evaluate<Scalar: TensorScalar>(_ model: Sequential<Scalar>, parameters: [Tensor<Scalar>],
                                               on data: LabeledImages, batchSize: Int) -> ClassifierMetrics {
        precondition(batchSize >= 1, "evaluation batch size must be at least 1")
        guard data.count > 0 else { return ClassifierMetrics(loss: 0, accuracy: 0, count: 0) }
        var totalLoss = 0.0, correct = 0
        let context = ForwardContext.inference
        for start in stride(from: 0, to: data.count, by: batchSize) {
            let batch = data.subset(start..<min(start + batchSize, data.count))
            let logits = model.forward(converted(batch.images) as Tensor<Scalar>, parameters: parameters, context: context)
            totalLoss += Double(categoricalCrossEntropy(logits: logits, labels: batch.labels).scalar) * Double(batch.count)
            correct += zip(logits.argmaxRows(), batch.labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        }
        return ClassifierMetrics(loss: totalLoss / Double(data.count), accuracy: Double(correct) / Double(data.count),
                                 count: data.count)
    }

    /// Float images in the model's precision (no copy when it is Float).
    static func converted<Scalar: TensorScalar>(_ images: Tensor<Float>) -> Tensor<Scalar> {
        (images as? Tensor<Scalar>) ?? Tensor<Scalar>(images)
    }
}

/// Checks that `model` can classify `data`: its input shape is the images' shape and it outputs
/// one score per class.
/// - Parameter dataName: how the message names the data ("digits", a folder).
/// - Throws: `ModelError` naming both shapes.
public func checkClassifier<Scalar: TensorScalar>(_ model: Sequential<Scalar>, fits data: LabeledImages,
                                                  dataName: String) throws {
    try ClassifierOutput.checkCompatibility(model, with: data, dataName: dataName)
}
