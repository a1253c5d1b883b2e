/// A cost function evaluated on a whole swarm at once.
public protocol SwarmObjective<Scalar> {
    associatedtype Scalar: TensorScalar
    /// D, the number of coordinates of a position.
    var dimension: Int { get }
    /// The cost of each row of `positions` (`[P, D]`), in row order. Must not depend on how the
    /// work is split over threads.
    func costs(_ positions: Tensor<Scalar>) -> [Double]
}

/// A swarm objective from a closure over the stacked positions `[P, D]`.
public struct ClosureSwarmObjective<Scalar: TensorScalar>: SwarmObjective {
    public let dimension: Int
    let body: (Tensor<Scalar>) -> [Double]

    /// - Parameter body: maps positions `[P, D]` to P costs.
    public init(dimension: Int, _ body: @escaping (Tensor<Scalar>) -> [Double]) {
        self.dimension = dimension; self.body = body
    }

    public func costs(_ positions: Tensor<Scalar>) -> [Double] { body(positions) }
}

/// The loss of a model on a derivative dataset (`DerivativeObjective.evaluate`) as a function of
/// its flat weight vector (`ParameterVector.flatten(model.parameters)` layout), for swarms.
///
/// Multilayer perceptrons of dense layers (linear, tanh, sigmoid) with one output, supervised on
/// values and first partials, are evaluated for the whole swarm in one batched call of a fused
/// kernel (value and input gradient of every particle on every sample, particles split over
/// `threads` threads); `hasFastPath` tells. Other models are evaluated particle by particle with
/// the general engine (plain tensors and jets).
public final class DerivativeSwarmObjective<Scalar: TensorScalar>: SwarmObjective {
    /// The architecture (its weights are only a template).
    public let model: Sequential<Scalar>
    public let objective: DerivativeObjective<Scalar>
    /// Threads for the fused kernel (default: the online CPUs). Results do not depend on it.
    public var threads: Int
    let shapes: [[Int]]
    let kernel: AnyObject?

    /// - Parameters:
    ///   - allowsFastPath: false forces the general engine (for checking the fused kernel).
    public init(model: Sequential<Scalar>, objective: DerivativeObjective<Scalar>, allowsFastPath: Bool = true,
                threads: Int? = nil) {
        self.model = model
        self.objective = objective
        self.threads = max(1, threads ?? defaultThreadCount)
        self.shapes = ParameterVector.shapes(of: model.parameters)
        var kernel: AnyObject?
        if allowsFastPath, let shape = MLPShape(model), shape.widths.last == 1 {
            if Scalar.self == Float.self, let rows = SupervisedRows<Float>(objective) {
                kernel = SwarmMLPKernel(shape: shape, rows: rows)
            } else if Scalar.self == Double.self, let rows = SupervisedRows<Double>(objective) {
                kernel = SwarmMLPKernel(shape: shape, rows: rows)
            }
        }
        self.kernel = kernel
    }

    /// A convenience: the objective of `dataset` weighted by `weighting`.
    public convenience init(model: Sequential<Scalar>, dataset: DerivativeDataset<Scalar>, weighting: KindWeighting = .equal,
                            allowsFastPath: Bool = true, threads: Int? = nil) {
        self.init(model: model, objective: DerivativeObjective(dataset: dataset, weighting: weighting),
                  allowsFastPath: allowsFastPath, threads: threads)
    }

    /// True when the swarm is evaluated by the fused kernel.
    public var hasFastPath: Bool { kernel != nil }
    public var dimension: Int { shapes.reduce(0) { $0 + $1.reduce(1, *) } }

    /// The model with the weights of `position` (`[D]`).
    public func model(at position: Tensor<Scalar>) -> Sequential<Scalar> {
        var m = model
        m.parameters = ParameterVector.unflatten(position, shapes: shapes)
        return m
    }

    /// The flat weight vector of `model`'s parameters.
    public func position(of model: Sequential<Scalar>) -> Tensor<Scalar> { ParameterVector.flatten(model.parameters) }

    public func costs(_ positions: Tensor<Scalar>) -> [Double] {
        precondition(positions.rank == 2 && positions.shape[1] == dimension,
                     "swarm positions must be [particles, \(dimension)], got \(positions.shape)")
        let p = positions.shape[0]
        var out = [Double](repeating: 0, count: p)
        guard p > 0 else { return out }
        if let k = kernel as? SwarmMLPKernel<Float>, let x = positions as? Tensor<Float> {
            x.withUnsafePointer { xp in out.withUnsafeMutableBufferPointer { o in
                if let base = o.baseAddress { k.costs(xp, particles: p, into: base, threads: threads) }
            } }
        } else if let k = kernel as? SwarmMLPKernel<Double>, let x = positions as? Tensor<Double> {
            x.withUnsafePointer { xp in out.withUnsafeMutableBufferPointer { o in
                if let base = o.baseAddress { k.costs(xp, particles: p, into: base, threads: threads) }
            } }
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
