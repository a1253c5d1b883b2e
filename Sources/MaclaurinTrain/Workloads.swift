import Foundation

/// W4 of BENCHMARKS.md, one Sobolev training step: MLP 2-64-64-1 tanh (Float), batch 1024 of
/// f(x1, x2) = sin(x1) cos(x2) on [-2, 2]^2, loss MSE(y) + MSE(dy/dx) over both partials (the
/// JAX reference's loss: kinds weighted y 1, dy/dx1 0.5, dy/dx2 0.5), the gradient of that loss
/// with respect to all weights (through the input gradient), and one Adam update (lr 1e-3).
///
///     let w4 = W4Workload()
///     let loss = w4.run()        // one timed unit
public final class W4Workload {
    /// The model being trained.
    public private(set) var model: Sequential<Float>
    /// The W4 loss (y, dy/dx1, dy/dx2 at the same 1024 points).
    public let objective: DerivativeObjective<Float>
    /// Adam with PyTorch defaults (as the reference).
    public private(set) var optimizer = Adam<Float>(learningRate: 1e-3)
    var parameters: [Tensor<Float>]

    /// - Parameters:
    ///   - batch: points per step (1024 in the benchmark).
    ///   - useFastPath: false runs the general engine (`Jet<Var<Tensor>>` on the tape) instead of
    ///     the fused kernel, for comparison.
    public init(batch: Int = 1024, seed: UInt64 = 0, useFastPath: Bool = true) {
        model = WorkloadModels.mlp([2, 64, 64, 1], seed: seed)
        var g = SeededGenerator(seed: seed &+ 1)
        let x = Tensor<Float>(randomUniform: [batch, 2], low: -2, high: 2, generator: &g)
        let (y, d1, d2) = WorkloadModels.sinCos(x)
        let data = DerivativeDataset(inputCount: 2, groups: [
            DerivativeGroup(kind: .value(output: 0), points: x, targets: y),
            DerivativeGroup(kind: .firstPartial(output: 0, input: 0), points: x, targets: d1),
            DerivativeGroup(kind: .firstPartial(output: 0, input: 1), points: x, targets: d2),
        ])
        var objective = DerivativeObjective(dataset: data, weighting: .custom([
            .value(output: 0): 1, .firstPartial(output: 0, input: 0): 0.5, .firstPartial(output: 0, input: 1): 0.5,
        ]))
        objective.allowsFastPath = useFastPath
        self.objective = objective
        parameters = model.parameters
    }

    /// One step (loss, gradient through the input gradient, Adam update); returns the loss at
    /// the parameters before the update.
    @discardableResult
    public func run() -> Double {
        let e = objective.lossAndGradients(model)
        optimizer.update(&parameters, gradients: e.gradients)
        model.parameters = parameters
        return e.loss
    }
}

/// W6 of BENCHMARKS.md, particle swarm training: MLP 2-16-1 tanh (65 weights), 256 samples of
/// sin(x1) cos(x2) on [-2, 2]^2 (128 values, 64 dy/dx1, 64 dy/dx2; loss = MSE over all 256
/// supervised quantities, i.e. kinds weighted by sample count), 64 particles x 500 iterations,
/// all particles evaluated in one batched call per iteration. Particles start from U(-1, 1)
/// (zero-mean, as the motivating question's initialisation and one of the reference's), or
/// from fresh layer initialisations.
///
///     let w6 = W6Workload()
///     let loss = w6.run()        // one whole swarm run
public final class W6Workload<Scalar: TensorScalar> {
    /// The swarm settings.
    public let swarm: ParticleSwarm<Scalar>
    /// The swarm objective (fused kernel).
    public let objective: DerivativeSwarmObjective<Scalar>
    /// Swarm iterations per run.
    public let iterations: Int
    /// Where particles start.
    public let initialization: SwarmInitialization<Scalar>
    /// The result of the last `run()`.
    public private(set) var lastResult: SwarmResult<Scalar>?

    /// - Parameters:
    ///   - update: the velocity rule (default: constriction constants).
    ///   - threads: threads evaluating the swarm (nil: the kernels' thread count).
    ///   - uniformStart: the box particles start in; nil starts from layer initialisations.
    ///   - pruning: `ParticleSwarm.prunesEvaluations` (same result; less work).
    public init(particles: Int = 64, iterations: Int = 500, update: SwarmVelocityUpdate = .constriction,
                topology: SwarmTopology = .global, uniformStart: ClosedRange<Double>? = -1...1, seed: UInt64 = 0,
                threads: Int? = nil, pruning: Bool = true) {
        var g = SeededGenerator(seed: 1000 &+ seed)
        let x = Tensor<Scalar>(randomUniform: [256, 2], low: -2, high: 2, generator: &g)
        let (y, d1, d2) = WorkloadModels.sinCos(x)
        let data = DerivativeDataset(inputCount: 2, groups: [
            DerivativeGroup(kind: .value(output: 0), points: x.slice(axis: 0, 0..<128), targets: y.slice(axis: 0, 0..<128)),
            DerivativeGroup(kind: .firstPartial(output: 0, input: 0), points: x.slice(axis: 0, 128..<192),
                            targets: d1.slice(axis: 0, 128..<192)),
            DerivativeGroup(kind: .firstPartial(output: 0, input: 1), points: x.slice(axis: 0, 192..<256),
                            targets: d2.slice(axis: 0, 192..<256)),
        ])
        let model: Sequential<Scalar> = WorkloadModels.mlp([2, 16, 1], seed: seed)
        objective = DerivativeSwarmObjective(model: model, dataset: data, weighting: .bySampleCount, threads: threads)
        swarm = ParticleSwarm(particles: particles, topology: topology, update: update, prunesEvaluations: pruning, seed: seed)
        self.iterations = iterations
        initialization = uniformStart.map { .uniform(low: $0.lowerBound, high: $0.upperBound) } ?? .layerInitializers(model)
    }

    /// One whole swarm run; returns the final (best) loss.
    @discardableResult
    public func run() -> Double {
        let r = swarm.minimize(objective, initialization: initialization, iterations: iterations)
        lastResult = r
        return r.bestCost
    }

    /// The mean squared error of the value of `model` against sin(x1) cos(x2) on a 64 x 64 grid
    /// over [-2, 2]^2 (the reference's test error).
    public static func gridError(_ model: Sequential<Scalar>) -> Double {
        let g = (0..<64).map { -2 + 4 * Double($0) / 63 }
        let points = Tensor<Scalar>(shape: [64 * 64, 2], scalars: g.flatMap { a in g.flatMap { b in [Scalar(a), Scalar(b)] } })
        let y = model(points).scalars
        var s = 0.0
        for i in 0..<(64 * 64) {
            let e = Double(y[i]) - sin(Double(points[i, 0])) * cos(Double(points[i, 1]))
            s += e * e
        }
        return s / 4096
    }
}

/// Models and targets of the benchmark workloads.
public enum WorkloadModels {
    /// A tanh MLP with a linear output, weights N(0, 2 / (in + out)) and biases N(0, 0.01) (the
    /// references' recipe).
    public static func mlp<S: TensorScalar>(_ sizes: [Int], activation: Activation = .tanh, seed: UInt64 = 0) -> Sequential<S> {
        var g = SeededGenerator(seed: seed)
        var layers: [any Layer<S>] = []
        for i in 0..<(sizes.count - 1) {
            let (a, b) = (sizes[i], sizes[i + 1])
            let w = Tensor<S>(randomNormal: [a, b], standardDeviation: S((2 / Double(a + b)).squareRoot()), generator: &g)
            let bias = Tensor<S>(randomNormal: [b], standardDeviation: 0.1, generator: &g)
            layers.append(Dense(kernel: w, bias: bias, activation: i == sizes.count - 2 ? .linear : activation))
        }
        do { return try Sequential(inputShape: [sizes[0]], layers: layers) } catch {
            preconditionFailure("inconsistent workload sizes \(sizes): \(error)")
        }
    }

    /// f = sin(x1) cos(x2), df/dx1 = cos(x1) cos(x2), df/dx2 = -sin(x1) sin(x2) at points `[N, 2]`.
    public static func sinCos<S: TensorScalar>(_ x: Tensor<S>) -> (Tensor<S>, Tensor<S>, Tensor<S>) {
        let n = x.shape[0]
        let x1 = x.slice(axis: 1, 0..<1).reshaped(to: [n]), x2 = x.slice(axis: 1, 1..<2).reshaped(to: [n])
        let (s1, c1, s2, c2) = (x1.applying(.sin), x1.applying(.cos), x2.applying(.sin), x2.applying(.cos))
        return (s1 * c2, c1 * c2, -(s1 * s2))
    }
}
