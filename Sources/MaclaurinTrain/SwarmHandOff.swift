/// What `fitWithSwarm` did: the swarm's run, then the gradient refinement's.
public struct SwarmHandOffResult<Scalar: TensorScalar> {
    /// The swarm stage.
    public var swarm: SwarmResult<Scalar>
    /// The gradient stage, started from the swarm's best particle.
    public var refinement: TrainingHistory
}

/// A particle swarm over the model's weights, then gradient refinement (Adam, L-BFGS, ...) from
/// the best particle: the swarm explores globally, the optimiser converges locally.
///
/// - Parameters:
///   - model: its architecture is trained; on return it holds the refined weights.
///   - initialization: where particles start (default: fresh layer initialisations).
///   - swarmIterations: swarm evaluations (each of all particles, in one batched call).
///   - optimizer, refinementIterations: the refinement.
/// - Throws: `TrainingError` if the refinement meets a NaN or an infinity.
public func fitWithSwarm<Scalar: TensorScalar, O: Optimizer>(
    _ model: inout Sequential<Scalar>, objective: DerivativeObjective<Scalar>, swarm: ParticleSwarm<Scalar>,
    initialization: SwarmInitialization<Scalar>? = nil, swarmIterations: Int, optimizer: inout O, refinementIterations: Int,
    progress: ((TrainingProgress) -> Bool)? = nil
) throws(TrainingError) -> SwarmHandOffResult<Scalar> where O.Scalar == Scalar {
    let swarmObjective = DerivativeSwarmObjective(model: model, objective: objective)
    let result = swarm.minimize(swarmObjective, initialization: initialization ?? .layerInitializers(model), iterations: swarmIterations)
    model = swarmObjective.model(at: result.bestPosition)
    let history = try fit(&model, objective: objective, optimizer: &optimizer, iterations: refinementIterations, progress: progress)
    return SwarmHandOffResult(swarm: result, refinement: history)
}
