/// Training stopped because a loss or a gradient was not finite.
public struct TrainingError: Error, CustomStringConvertible, Equatable {
    /// The step (1-based) at which it happened.
    public var step: Int
    /// The layer involved, when known.
    public var layer: String?
    /// What happened.
    public var message: String

    /// An error at `step` (1-based), optionally naming the layer.
    public init(step: Int, layer: String? = nil, message: String) {
        self.step = step; self.layer = layer; self.message = message
    }

    /// `step N[, layer 'name']: message`.
    public var description: String {
        "step \(step)" + (layer.map { ", layer '\($0)'" } ?? "") + ": " + message
    }
}

/// The state of training after one step, as the progress callback sees it.
public struct TrainingProgress {
    /// 1-based step just completed.
    public var step: Int
    /// Total steps requested.
    public var iterations: Int
    /// The loss the optimiser reported for this step.
    public var loss: Double
    /// Per-kind errors at the last evaluation of the step.
    public var perKind: [KindLoss]
}

/// What `fit` did.
public struct TrainingHistory {
    /// The loss of every step.
    public var losses: [Double] = []
    /// The kinds (with counts and weights) of the per-kind errors, once for the whole run.
    public private(set) var kinds: [KindLoss] = []
    /// The per-kind errors of every step, step-major (`kinds.count` per step): 8 bytes per kind
    /// and step, so a long run's history stays small (an array of `KindLoss` per step took about
    /// 250 bytes per step).
    public private(set) var perKindErrors: [Double] = []
    /// Per-kind errors of every step (recorded with `appendPerKind`).
    public var perKind: [[KindLoss]] {
        guard !kinds.isEmpty else { return Array(repeating: [], count: stepsWithoutKinds) }
        return stride(from: 0, to: perKindErrors.count, by: kinds.count).map { start in
            kinds.enumerated().map { k, kind in
                var entry = kind
                entry.meanSquaredError = perKindErrors[start + k]
                return entry
            }
        }
    }
    /// Steps recorded with no per-kind errors (an objective without kinds).
    private var stepsWithoutKinds = 0

    /// Records the per-kind errors of one step. The kinds must be those of the earlier steps.
    public mutating func appendPerKind(_ step: [KindLoss]) {
        if step.isEmpty && kinds.isEmpty { stepsWithoutKinds += 1; return }
        if kinds.isEmpty && perKindErrors.isEmpty && stepsWithoutKinds == 0 { kinds = step.map { var k = $0; k.meanSquaredError = 0; return k } }
        precondition(step.count == kinds.count && zip(step, kinds).allSatisfy { $0.kind == $1.kind },
                     "training history: the kinds changed between steps")
        perKindErrors.append(contentsOf: step.map(\.meanSquaredError))
    }
    /// True when the progress callback asked to stop before `iterations` steps.
    public var stoppedEarly = false
    /// Objective evaluations (line searches evaluate several times per step).
    public var evaluations = 0
    /// The last loss, or nil before any step.
    public var finalLoss: Double? { losses.last }

    /// An empty history (no step taken).
    public init() {}
}

/// Trains `model` on values and derivatives: `iterations` steps of `optimizer` on `objective`.
///
/// - Parameters:
///   - history: the history of the steps already taken, when resuming from a checkpoint (the model
///     and the optimiser then hold the state after those steps); training runs steps
///     `history.losses.count + 1 ... iterations`.
///   - checkpoints: called every `checkpoints.every` steps (and after the last step) with the state
///     a resumed run needs.
///   - progress: called after every step; return false to stop early.
/// - Throws: `TrainingError` naming the step (and the layer) when the loss or a gradient is NaN
///   or infinite; the model keeps the parameters of the last finite step.
public func fit<Scalar: TensorScalar, O: Optimizer>(
    _ model: inout Sequential<Scalar>, objective: DerivativeObjective<Scalar>, optimizer: inout O, iterations: Int,
    resuming history: TrainingHistory = TrainingHistory(), checkpoints: FitCheckpoints<Scalar, O>? = nil,
    progress: ((TrainingProgress) -> Bool)? = nil
) throws(TrainingError) -> TrainingHistory where O.Scalar == Scalar {
    precondition(iterations >= 0 && history.losses.count <= iterations,
                 "iterations must be >= 0 and at least the \(history.losses.count) steps already taken")
    var history = history
    let names = model.parameterNames
    var parameters = model.parameters
    guard iterations > history.losses.count else { return history }
    for step in (history.losses.count + 1)...iterations {
        var lastPerKind: [KindLoss] = []
        var template = model
        let loss: Double
        do {
            loss = try optimizer.step(&parameters) { p in
                template.parameters = p
                let e = objective.lossAndGradients(template)
                history.evaluations += 1
                lastPerKind = e.perKind
                guard e.loss.isFinite else {
                    throw TrainingError(step: step, layer: firstNonFiniteLayer(template, objective: objective),
                                        message: "the loss is \(e.loss)")
                }
                if let bad = ParameterVector.firstNonFinite(e.gradients) {
                    throw TrainingError(step: step, layer: names[bad].split(separator: "/").first.map(String.init),
                                        message: "the gradient of '\(names[bad])' is not finite")
                }
                return (e.loss, e.gradients)
            }
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError(step: step, message: "\(error)")
        }
        if let bad = ParameterVector.firstNonFinite(parameters) {
            throw TrainingError(step: step, layer: names[bad].split(separator: "/").first.map(String.init),
                                message: "the update made '\(names[bad])' non-finite")
        }
        model.parameters = parameters
        history.losses.append(loss)
        history.appendPerKind(lastPerKind)
        if let checkpoints, step % checkpoints.every == 0 || step == iterations {
            try checkpoints.save(model, optimizer, history)
        }
        if let progress, !progress(TrainingProgress(step: step, iterations: iterations, loss: loss, perKind: lastPerKind)) {
            history.stoppedEarly = step < iterations
            break
        }
    }
    return history
}

/// When and how `fit` saves checkpoints.
public struct FitCheckpoints<Scalar: TensorScalar, O: Optimizer> where O.Scalar == Scalar {
    /// Steps between checkpoints (a checkpoint also follows the last step).
    public var every: Int
    /// Saves the model, the optimiser and the history after a step; a thrown error stops training.
    public var save: (Sequential<Scalar>, O, TrainingHistory) throws(TrainingError) -> Void

    /// Checkpoints every `every` steps (>= 1) through `save`.
    public init(every: Int, save: @escaping (Sequential<Scalar>, O, TrainingHistory) throws(TrainingError) -> Void) {
        precondition(every >= 1, "checkpoints need every >= 1, got \(every)")
        self.every = every
        self.save = save
    }
}

/// Trains on a dataset with kinds weighted by `weighting` (see `fit(_:objective:optimizer:iterations:progress:)`).
public func fit<Scalar: TensorScalar, O: Optimizer>(
    _ model: inout Sequential<Scalar>, on dataset: DerivativeDataset<Scalar>, weighting: KindWeighting = .equal,
    optimizer: inout O, iterations: Int, progress: ((TrainingProgress) -> Bool)? = nil
) throws(TrainingError) -> TrainingHistory where O.Scalar == Scalar {
    try fit(&model, objective: DerivativeObjective(dataset: dataset, weighting: weighting), optimizer: &optimizer,
            iterations: iterations, progress: progress)
}

/// The first layer whose parameters or outputs (on the dataset's points) are not finite.
func firstNonFiniteLayer<Scalar: TensorScalar>(_ model: Sequential<Scalar>, objective: DerivativeObjective<Scalar>) -> String? {
    for layer in model.layers where ParameterVector.firstNonFinite(layer.parameters) != nil { return layer.name }
    for group in objective.dataset.groups {
        var h = group.points
        for layer in model.layers {
            h = layer.forward(h, parameters: layer.parameters, context: .inference)
            if !h.isFinite { return layer.name }
        }
    }
    return nil
}
