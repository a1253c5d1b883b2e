/// How the mean squared errors of the kinds in a dataset are combined into one loss.
///
/// loss = sum_k w_k MSE_k, where MSE_k = mean over the samples of kind k of (prediction - target)^2.
public enum KindWeighting: Sendable, Equatable {
    /// w_k = 1 / K for K kinds: every kind counts the same, however many samples it has.
    case equal
    /// w_k = N_k / N: the mean squared error over all samples pooled.
    case bySampleCount
    /// Explicit weights (kinds not listed weigh 1); not normalised.
    case custom([DerivativeKind: Double])

    /// The weight of each kind of `dataset`, in `dataset.kinds` order.
    public func weights<S: TensorScalar>(for dataset: DerivativeDataset<S>) -> [Double] {
        switch self {
        case .equal: return dataset.groups.map { _ in 1 / Double(dataset.groups.count) }
        case .bySampleCount: return dataset.groups.map { Double($0.count) / Double(dataset.sampleCount) }
        case .custom(let w): return dataset.groups.map { w[$0.kind] ?? 1 }
        }
    }
}

/// The mean squared error of one kind.
public struct KindLoss: Sendable, Equatable {
    /// The kind.
    public var kind: DerivativeKind
    /// mean over its samples of (prediction - target)^2.
    public var meanSquaredError: Double
    /// Number of samples of the kind.
    public var count: Int
    /// Its weight in the loss.
    public var weight: Double
}

/// A loss with the gradient with respect to every parameter.
public struct ObjectiveEvaluation<Scalar: TensorScalar> {
    /// sum_k w_k MSE_k.
    public var loss: Double
    /// Each kind's mean squared error.
    public var perKind: [KindLoss]
    /// d loss / d parameter, same order and shapes as the model's parameters.
    public var gradients: [Tensor<Scalar>]
}

/// The weighted per-kind mean squared error of a model on a `DerivativeDataset`, with exact
/// gradients with respect to all weights from the derivative engine:
///
/// - values: the model evaluated on the tape (`Var<Tensor>`);
/// - first partials d y_J / d x_I: Taylor mode on the tape, `Jet<Var<Tensor>>` of order 1, one
///   direction per sample (e_I), all first-partial samples in one pass;
/// - second partials d^2 y_J / d x_I d x_K: order-2 jets in the directions e_I, e_K and e_I + e_K
///   per sample (polarisation: H_IK = c2(e_I + e_K) - c2(e_I) - c2(e_K) with c2 the normalised
///   second coefficient), all second-partial samples in one pass.
///
/// The weights enter as `Jet(constantValue: Var(variable: w))`, so one reverse sweep gives the
/// gradient of the whole loss. For multilayer perceptrons of dense layers (tanh, sigmoid or
/// linear) supervised on values and first partials of one output, `lossAndGradients` uses a
/// fused reverse-over-reverse kernel instead (see `hasFastPath(for:)`), tested against the tape.
public struct DerivativeObjective<Scalar: TensorScalar> {
    /// The data.
    public let dataset: DerivativeDataset<Scalar>
    /// How kinds are weighted.
    public let weighting: KindWeighting
    /// Whether eligible models use the fused kernel (default true).
    public var allowsFastPath = true
    let weights: [Double]
    let parts: [Part]
    let cache = FastPathCache()

    /// All samples of one derivative order, concatenated in group order.
    struct Part {
        var order: Int
        var points: Tensor<Scalar>
        /// `[D, N, n]` jet directions (order >= 1).
        var directions: Tensor<Scalar>
        var targets: Tensor<Scalar>
        /// w_k / N_k for each sample.
        var sampleWeights: Tensor<Scalar>
        /// (group index, row range) of each kind inside the part.
        var ranges: [(group: Int, rows: Range<Int>)]
        /// Output column of each sample (and direction slot for order 2), as flat gather indices.
        var outputIndex: [Int64]
        var count: Int { targets.count }
    }

    /// An objective for `dataset` with the given weighting.
    public init(dataset: DerivativeDataset<Scalar>, weighting: KindWeighting = .equal) {
        self.dataset = dataset
        self.weighting = weighting
        let weights = weighting.weights(for: dataset)
        self.weights = weights
        let n = dataset.inputCount, m = dataset.outputCount
        self.parts = (0...2).compactMap { order -> Part? in
            let groups = dataset.groups.enumerated().filter { $0.element.kind.order == order }
            guard !groups.isEmpty else { return nil }
            let points = Tensor.concatenate(groups.map(\.element.points), axis: 0)
            let total = points.shape[0]
            let slots = order == 2 ? 3 : 1
            var directions = Tensor<Scalar>(zeros: [slots, total, n])
            var sampleWeights: [Scalar] = [], ranges: [(Int, Range<Int>)] = [], outputIndex: [Int64] = []
            var row = 0
            directions.withUnsafeMutablePointer { v in
                for (gi, g) in groups {
                    ranges.append((gi, row..<(row + g.count)))
                    sampleWeights += Array(repeating: Scalar(weights[gi] / Double(g.count)), count: g.count)
                    for r in row..<(row + g.count) {
                        let inputs = g.kind.inputs
                        if order >= 1 { v[r * n + inputs[0]] = 1 }
                        if order == 2 {
                            v[(total + r) * n + inputs[1]] = 1
                            v[(2 * total + r) * n + inputs[0]] += 1
                            v[(2 * total + r) * n + inputs[1]] += 1
                        }
                    }
                    row += g.count
                }
            }
            var outputOfRow: [Int64] = []
            for (_, g) in groups { outputOfRow += Array(repeating: Int64(g.kind.output), count: g.count) }
            outputIndex = (0..<slots).flatMap { s in (0..<total).map { r in Int64((s * total + r) * m) + outputOfRow[r] } }
            return Part(order: order, points: points, directions: directions,
                        targets: Tensor.concatenate(groups.map(\.element.targets), axis: 0),
                        sampleWeights: Tensor(sampleWeights), ranges: ranges, outputIndex: outputIndex)
        }
    }

    /// The model's prediction of every sample of `part` (shape `[N]`), computed on `V`
    /// (plain tensors for evaluation, taped values for gradients).
    func predictions<V: TensorAlgebra>(_ part: Part, model: Sequential<Scalar>, parameters: [V],
                                       context: ForwardContext) -> V where V.Scalar == Scalar {
        let m = dataset.outputCount
        let outputs: V
        switch part.order {
        case 0:
            outputs = model.forward(V(constant: part.points), parameters: parameters, context: context)
        default:
            let x = Jet<V>(primal: V(constant: part.points), directions: V(constant: part.directions), order: part.order)
            let y = model.forward(x, parameters: parameters.map { Jet(constantValue: $0) }, context: context)
            outputs = y.coefficient(part.order)                 // [D, N, m'] normalised coefficients
        }
        let width = outputs.shape[outputs.rank - 1]
        precondition(width >= m, "the dataset refers to output \(m) but the model has \(width) outputs")
        let index = width == m ? part.outputIndex : part.outputIndex.map { i -> Int64 in
            let (cell, column) = (i / Int64(m), i % Int64(m))
            return cell * Int64(width) + column
        }
        let picked = outputs.reshaped(to: [-1]).gathering(
            GatherIndex(indices: index, sourceShape: [outputs.count], resultShape: [index.count]))
        switch part.order {
        case 0, 1: return picked
        default:
            // H_IK = c2(e_I + e_K) - c2(e_I) - c2(e_K).
            let c = picked.reshaped(to: [3, part.count])
            return (c * V(constant: Tensor(shape: [3, 1], scalars: [-1, -1, 1]))).sum(alongAxes: [0]).reshaped(to: [part.count])
        }
    }

    /// sum over samples of w_k / N_k (prediction - target)^2, and the residuals.
    func weightedLoss<V: TensorAlgebra>(_ part: Part, predictions: V) -> (loss: V, residuals: Tensor<Scalar>)
    where V.Scalar == Scalar {
        let r = predictions - V(constant: part.targets)
        return ((r * r * V(constant: part.sampleWeights)).sum(), r.plain)
    }

    func kindLosses(residuals: [(Part, Tensor<Scalar>)]) -> [KindLoss] {
        var out: [KindLoss] = []
        for (part, r) in residuals {
            r.withUnsafePointer { p in
                for (group, rows) in part.ranges {
                    var s = 0.0
                    for i in rows { s += Double(p[i]) * Double(p[i]) }
                    out.append(KindLoss(kind: dataset.groups[group].kind, meanSquaredError: s / Double(max(rows.count, 1)),
                                        count: rows.count, weight: weights[group]))
                }
            }
        }
        return out.sorted { $0.kind < $1.kind }
    }

    /// The loss and per-kind errors of `model` (no gradients; plain tensors and jets).
    public func evaluate(_ model: Sequential<Scalar>, context: ForwardContext = .inference) -> (loss: Double, perKind: [KindLoss]) {
        let params = model.parameters
        var total = 0.0, residuals: [(Part, Tensor<Scalar>)] = []
        for part in parts {
            let r = weightedLoss(part, predictions: predictions(part, model: model, parameters: params, context: context))
            total += Double(r.loss.scalar)
            residuals.append((part, r.residuals))
        }
        return (total, kindLosses(residuals: residuals))
    }

    /// The loss, per-kind errors and the gradient with respect to every parameter of `model`.
    ///
    /// Uses the fused kernel when `allowsFastPath` and `hasFastPath(for:)`; otherwise
    /// `lossAndGradientsOnTape`. Both give the same numbers up to rounding.
    public func lossAndGradients(_ model: Sequential<Scalar>, context: ForwardContext = .inference) -> ObjectiveEvaluation<Scalar> {
        if allowsFastPath, let fast = fastLossAndGradients(model) { return fast }
        return lossAndGradientsOnTape(model, context: context)
    }

    /// The general engine: every parameter a tape variable, values on `Var`, derivatives on
    /// `Jet<Var>`, one reverse sweep.
    public func lossAndGradientsOnTape(_ model: Sequential<Scalar>, context: ForwardContext = .inference)
        -> ObjectiveEvaluation<Scalar> {
        let variables = model.parameters.map { Var(variable: $0) }
        var total: Var<Tensor<Scalar>>?
        var residuals: [(Part, Tensor<Scalar>)] = []
        for part in parts {
            let r = weightedLoss(part, predictions: predictions(part, model: model, parameters: variables, context: context))
            total = total.map { $0 + r.loss } ?? r.loss
            residuals.append((part, r.residuals))
        }
        guard let total else { return ObjectiveEvaluation(loss: 0, perKind: [], gradients: model.parameters.map { Tensor(zeros: $0.shape) }) }
        let grads = gradients(of: total, withRespectTo: variables).map(\.value)
        return ObjectiveEvaluation(loss: Double(total.value.scalar), perKind: kindLosses(residuals: residuals), gradients: grads)
    }
}
