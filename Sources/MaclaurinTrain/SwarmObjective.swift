/// A cost function evaluated on a whole swarm at once.
public protocol SwarmObjective<Scalar> {
    associatedtype Scalar: TensorScalar
    /// D, the number of coordinates of a position.
    var dimension: Int { get }
    /// The cost of each row of `positions` (`[P, D]`), in row order. Must not depend on how the
    /// work is split over threads.
    func costs(_ positions: Tensor<Scalar>) -> [Double]
    /// Like `costs`, but particle i may be reported by any value >= `bounds[i]` once its cost is
    /// known to be >= `bounds[i]` (its evaluation may stop early). Costs below the bound must be
    /// exact. The default evaluates everything.
    func costs(_ positions: Tensor<Scalar>, bounds: [Double]) -> [Double]
}

extension SwarmObjective {
    /// Evaluates everything (ignores the bounds).
    public func costs(_ positions: Tensor<Scalar>, bounds: [Double]) -> [Double] { costs(positions) }
}

/// A swarm objective from a closure over the stacked positions `[P, D]`.
public struct ClosureSwarmObjective<Scalar: TensorScalar>: SwarmObjective {
    /// D.
    public let dimension: Int
    let body: (Tensor<Scalar>) -> [Double]

    /// - Parameter body: maps positions `[P, D]` to P costs.
    public init(dimension: Int, _ body: @escaping (Tensor<Scalar>) -> [Double]) {
        self.dimension = dimension; self.body = body
    }

    /// The closure's costs.
    public func costs(_ positions: Tensor<Scalar>) -> [Double] { body(positions) }
}

/// How `DerivativeSwarmObjective` evaluates a swarm.
public enum SwarmEvaluation: Sendable, Equatable {
    /// The fused kernel: dense layers with linear / tanh / sigmoid activations, one output,
    /// values and first partials; value and input gradient of every particle on every sample in
    /// one call, particles split over threads.
    case fusedKernel
    /// One batched tensor computation (particles along a leading axis, batched matmuls, Taylor
    /// jets): any stack of dense layers, any outputs and derivative kinds.
    case batchedTensors
    /// The general engine, particle by particle: any model.
    case perParticle
}

/// The loss of a model on a derivative dataset (`DerivativeObjective.evaluate`) as a function of
/// its flat weight vector (`ParameterVector.flatten(model.parameters)` layout), for swarms.
/// The whole swarm is evaluated at once by the fastest `SwarmEvaluation` that applies.
public final class DerivativeSwarmObjective<Scalar: TensorScalar>: SwarmObjective {
    /// The architecture (its weights are only a template).
    public let model: Sequential<Scalar>
    /// The loss being minimised.
    public let objective: DerivativeObjective<Scalar>
    /// The evaluation in use.
    public let evaluation: SwarmEvaluation
    /// Threads for the fused kernel (default: the kernels' thread count). Results do not depend on it.
    public var threads: Int
    let shapes: [[Int]]
    let kernel: AnyObject?
    let batched: BatchedSwarmEvaluator<Scalar>?

    /// - Parameters:
    ///   - evaluation: the evaluation to use if it applies (nil: the fastest that applies);
    ///     otherwise the next one down the list `fusedKernel`, `batchedTensors`, `perParticle`.
    public init(model: Sequential<Scalar>, objective: DerivativeObjective<Scalar>, evaluation: SwarmEvaluation? = nil,
                threads: Int? = nil) {
        self.model = model
        self.objective = objective
        self.threads = max(1, threads ?? defaultThreadCount)
        self.shapes = ParameterVector.shapes(of: model.parameters)
        var kernel: AnyObject?
        if evaluation == nil || evaluation == .fusedKernel, let shape = MLPShape(model), shape.widths.last == 1 {
            if Scalar.self == Float.self, let rows = SupervisedRows<Float>(objective) {
                kernel = SwarmMLPKernel(shape: shape, rows: rows)
            } else if Scalar.self == Double.self, let rows = SupervisedRows<Double>(objective) {
                kernel = SwarmMLPKernel(shape: shape, rows: rows)
            }
        }
        self.kernel = kernel
        batched = kernel == nil && evaluation != .perParticle ? BatchedSwarmEvaluator(model: model, objective: objective) : nil
        self.evaluation = kernel != nil ? .fusedKernel : batched != nil ? .batchedTensors : .perParticle
    }

    /// A convenience: the objective of `dataset` weighted by `weighting`.
    public convenience init(model: Sequential<Scalar>, dataset: DerivativeDataset<Scalar>, weighting: KindWeighting = .equal,
                            evaluation: SwarmEvaluation? = nil, threads: Int? = nil) {
        self.init(model: model, objective: DerivativeObjective(dataset: dataset, weighting: weighting),
                  evaluation: evaluation, threads: threads)
    }

    /// True when the swarm is evaluated by the fused kernel.
    public var hasFastPath: Bool { evaluation == .fusedKernel }
    /// D, the number of weights.
    public var dimension: Int { shapes.reduce(0) { $0 + $1.reduce(1, *) } }

    /// The model with the weights of `position` (`[D]`).
    public func model(at position: Tensor<Scalar>) -> Sequential<Scalar> {
        var m = model
        m.parameters = ParameterVector.unflatten(position, shapes: shapes)
        return m
    }

    /// The flat weight vector of `model`'s parameters.
    public func position(of model: Sequential<Scalar>) -> Tensor<Scalar> { ParameterVector.flatten(model.parameters) }

    /// The loss of each particle (`[P, D]` positions).
    public func costs(_ positions: Tensor<Scalar>) -> [Double] { evaluate(positions, bounds: nil) }

    /// With the fused kernel and one hidden layer, evaluation of a particle stops at the first
    /// 64-sample block at which its partial loss reaches its bound.
    public func costs(_ positions: Tensor<Scalar>, bounds: [Double]) -> [Double] { evaluate(positions, bounds: bounds) }

    func evaluate(_ positions: Tensor<Scalar>, bounds: [Double]?) -> [Double] {
        precondition(bounds.map { $0.count == positions.shape[0] } ?? true, "one bound per particle")
        precondition(positions.rank == 2 && positions.shape[1] == dimension,
                     "swarm positions must be [particles, \(dimension)], got \(positions.shape)")
        let p = positions.shape[0]
        var out = [Double](repeating: 0, count: p)
        guard p > 0 else { return out }
        let bound = bounds ?? []
        if let k = kernel as? SwarmMLPKernel<Float>, let x = positions as? Tensor<Float> {
            x.withUnsafePointer { xp in out.withUnsafeMutableBufferPointer { o in bound.withUnsafeBufferPointer { b in
                if let base = o.baseAddress {
                    k.costs(xp, particles: p, bounds: bounds == nil ? nil : b.baseAddress, into: base, threads: threads)
                }
            } } }
        } else if let k = kernel as? SwarmMLPKernel<Double>, let x = positions as? Tensor<Double> {
            x.withUnsafePointer { xp in out.withUnsafeMutableBufferPointer { o in bound.withUnsafeBufferPointer { b in
                if let base = o.baseAddress {
                    k.costs(xp, particles: p, bounds: bounds == nil ? nil : b.baseAddress, into: base, threads: threads)
                }
            } } }
        } else if let batched {
            out = batched.costs(positions)
        } else {
            let d = dimension
            for i in 0..<p {
                let row = positions.reshaped(to: [p * d]).slice(axis: 0, (i * d)..<((i + 1) * d))
                out[i] = objective.evaluate(model(at: row)).loss
            }
        }
        return out
    }
}
