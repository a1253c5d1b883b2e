import MaclaurinData

/// The state of a particle swarm between two iterations (see `ParticleSwarm.start` and
/// `ParticleSwarm.run`): enough to continue the run bit for bit, in memory or from a `Checkpoint`.
public struct SwarmState<Scalar: TensorScalar> {
    /// P, the number of particles.
    public let particles: Int
    /// D, the coordinates of a particle.
    public let dimension: Int
    /// Where the particles are, `[P * D]` row-major (evaluated at the next iteration).
    public internal(set) var positions: [Double]
    /// Their velocities, `[P * D]`.
    public internal(set) var velocities: [Double]
    /// Each particle's best position so far, `[P * D]`.
    public internal(set) var bestPositions: [Double]
    /// Each particle's best cost so far (+infinity before its first finite cost).
    public internal(set) var bestCosts: [Double]
    /// The swarm's best cost after each iteration run; its count is the iteration number.
    public internal(set) var history: [Double]
    /// Consecutive iterations without progress (see `ParticleSwarm.tolerance`).
    public internal(set) var stalledIterations: Int
    /// The run's random stream.
    public internal(set) var generator: SeededGenerator
    /// The positions evaluated at the last iteration.
    public internal(set) var evaluatedPositions: [Double]
    /// Why the run ended, nil while it can go on.
    public internal(set) var stopReason: SwarmStopReason?

    /// Iterations run so far.
    public var iteration: Int { history.count }

    /// The outcome so far: the best position and cost, the history, the last evaluated swarm.
    public var result: SwarmResult<Scalar> {
        let leader = SwarmMath.argmin(bestCosts)
        let d = dimension
        return SwarmResult(bestPosition: SwarmMath.tensor(Array(bestPositions[(leader * d)..<((leader + 1) * d)]), shape: [d]),
                           bestCost: bestCosts[leader], history: history, evaluations: history.count * particles,
                           stopReason: stopReason ?? .iterations,
                           finalPositions: SwarmMath.tensor(evaluatedPositions, shape: [particles, d]))
    }

    /// Saves the state under `prefix` (vectors as F64 tensors, counters and the generator as values).
    public func save(to checkpoint: inout Checkpoint, prefix: String) {
        checkpoint.values[prefix + "/particles"] = String(particles)
        checkpoint.values[prefix + "/dimension"] = String(dimension)
        checkpoint.values[prefix + "/stalled"] = String(stalledIterations)
        checkpoint.values[prefix + "/stop"] = stopReason.map { "\($0)" } ?? "none"
        checkpoint.setGenerator(generator, for: prefix + "/generator")
        checkpoint.setDoubles(positions, for: prefix + "/positions")
        checkpoint.setDoubles(velocities, for: prefix + "/velocities")
        checkpoint.setDoubles(bestPositions, for: prefix + "/best_positions")
        checkpoint.setDoubles(bestCosts, for: prefix + "/best_costs")
        checkpoint.setDoubles(history, for: prefix + "/history")
        checkpoint.setDoubles(evaluatedPositions, for: prefix + "/evaluated_positions")
    }

    /// The state saved under `prefix`, for a swarm of `particles` particles in `dimension` dimensions.
    /// - Throws: `CheckpointError` for missing, misshapen or inconsistent state.
    public init(from checkpoint: Checkpoint, prefix: String, particles: Int, dimension: Int) throws(CheckpointError) {
        let p = try checkpoint.integer(prefix + "/particles"), d = try checkpoint.integer(prefix + "/dimension")
        guard p == particles, d == dimension else {
            throw CheckpointError(file: checkpoint.file, "the swarm in the checkpoint has \(p) particles in \(d) dimensions, "
                                  + "this run has \(particles) in \(dimension)")
        }
        self.particles = p
        self.dimension = d
        stalledIterations = try checkpoint.integer(prefix + "/stalled")
        let stop = try checkpoint.value(prefix + "/stop")
        let reasons: [String: SwarmStopReason] = ["iterations": .iterations, "targetReached": .targetReached,
                                                   "stalled": .stalled, "callback": .callback]
        guard stop == "none" || reasons[stop] != nil else {
            throw CheckpointError(file: checkpoint.file, "unknown swarm stop reason \(DataErrorText.quoted(stop))")
        }
        stopReason = reasons[stop]
        generator = try checkpoint.generator(prefix + "/generator")
        positions = try checkpoint.doubles(prefix + "/positions", count: p * d)
        velocities = try checkpoint.doubles(prefix + "/velocities", count: p * d)
        bestPositions = try checkpoint.doubles(prefix + "/best_positions", count: p * d)
        bestCosts = try checkpoint.doubles(prefix + "/best_costs", count: p)
        history = try checkpoint.doubles(prefix + "/history")
        evaluatedPositions = try checkpoint.doubles(prefix + "/evaluated_positions", count: p * d)
    }

    /// A state from its parts (see `ParticleSwarm.start`).
    init(particles: Int, dimension: Int, positions: [Double], velocities: [Double], bestPositions: [Double],
         bestCosts: [Double], history: [Double], stalledIterations: Int, generator: SeededGenerator,
         evaluatedPositions: [Double], stopReason: SwarmStopReason?) {
        self.particles = particles; self.dimension = dimension; self.positions = positions
        self.velocities = velocities; self.bestPositions = bestPositions; self.bestCosts = bestCosts
        self.history = history; self.stalledIterations = stalledIterations; self.generator = generator
        self.evaluatedPositions = evaluatedPositions; self.stopReason = stopReason
    }
}
