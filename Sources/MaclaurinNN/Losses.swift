/// Losses written in primitives, so they can be differentiated in every mode (and their
/// gradients differentiated again, for training on derivatives).

/// Mean squared error over all elements: mean((predicted - expected)^2). For a constant target
/// on the tape, pass `V(constant: target)`.
public func meanSquaredError<V: TensorAlgebra>(predicted: V, expected: V) -> V {
    precondition(predicted.shape == expected.shape,
                 "meanSquaredError: predicted \(predicted.shape) and expected \(expected.shape) differ")
    return (predicted - expected).squared().mean()
}

/// Softmax cross-entropy from logits and class indices, averaged over the batch:
/// L = (1/B) sum_b (logSumExp(z_b) - z_b[label_b]).
///
/// Numerically stable for any finite logits (the log-sum-exp is max-shifted), and its gradient
/// is (softmax(z) - onehot(label)) / B. The true-class logits are picked with `gather`.
/// - Parameters:
///   - logits: `[batch, classes]`.
///   - labels: one class index in 0..<classes per row.
public func categoricalCrossEntropy<V: TensorAlgebra>(logits: V, labels: [Int]) -> V {
    precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                 "categoricalCrossEntropy: logits \(logits.shape) for \(labels.count) labels")
    let (b, c) = (logits.shape[0], logits.shape[1])
    let indices = labels.enumerated().map { row, label -> Int64 in
        precondition(label >= 0 && label < c, "categoricalCrossEntropy: label \(label) is not in 0..<\(c)")
        return Int64(row * c + label)
    }
    let picked = logits.gathering(GatherIndex(indices: indices, sourceShape: [b, c], resultShape: [b, 1]))
    return (logits.logSumExp() - picked).mean()
}

/// Softmax cross-entropy from logits and target distributions (one-hot or soft), averaged over
/// the batch: L = (1/B) sum_b sum_k t_{b,k} (logSumExp(z_b) - z_{b,k}).
public func categoricalCrossEntropy<V: TensorAlgebra>(logits: V, targets: Tensor<V.Scalar>) -> V {
    precondition(logits.shape == targets.shape && logits.rank == 2,
                 "categoricalCrossEntropy: logits \(logits.shape) and targets \(targets.shape) differ")
    let logProbabilities = logits - logits.logSumExp()
    return -(logProbabilities * V(constant: targets)).sum() / V.Scalar(logits.shape[0])
}

/// Cross-entropy of a model that already ends in softmax (Keras's `Dense(10, activation="softmax")`
/// with `categorical_crossentropy`): L = -(1/B) sum_b log(p_b[label_b] + epsilon).
/// Prefer logits with `categoricalCrossEntropy(logits:labels:)`, which needs no epsilon.
public func categoricalCrossEntropy<V: TensorAlgebra>(probabilities: V, labels: [Int], epsilon: V.Scalar = 1e-7) -> V {
    precondition(probabilities.rank == 2 && probabilities.shape[0] == labels.count,
                 "categoricalCrossEntropy: probabilities \(probabilities.shape) for \(labels.count) labels")
    let (b, c) = (probabilities.shape[0], probabilities.shape[1])
    let indices = labels.enumerated().map { row, label -> Int64 in
        precondition(label >= 0 && label < c, "categoricalCrossEntropy: label \(label) is not in 0..<\(c)")
        return Int64(row * c + label)
    }
    let picked = probabilities.gathering(GatherIndex(indices: indices, sourceShape: [b, c], resultShape: [b, 1]))
    return -(picked + epsilon).log().mean()
}

/// The fraction of rows whose largest logit (or probability) is at the label's index.
public func accuracy<Scalar: TensorScalar>(logits: Tensor<Scalar>, labels: [Int]) -> Double {
    precondition(logits.rank == 2 && logits.shape[0] == labels.count,
                 "accuracy: logits \(logits.shape) for \(labels.count) labels")
    guard !labels.isEmpty else { return 0 }
    let predicted = logits.argmaxRows()
    return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
}
