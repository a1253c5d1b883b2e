import Foundation

/// Where the particles of a swarm start.
public enum SwarmInitialization<Scalar: TensorScalar> {
    /// Each particle a fresh zero-mean initialisation of the model's layers: every parameter of
    /// rank >= 2 Glorot-uniform, U(-l, l) with l = sqrt(6 / (fanIn + fanOut)) (fanOut the last
    /// extent, fanIn the product of the others); lower-rank parameters (biases) U(-l, l) with
    /// the l of their layer's first such parameter (l = 1 if none).
    case layerInitializers(Sequential<Scalar>)
    /// Every coordinate U(low, high).
    case uniform(low: Double, high: Double)
    /// Particle 0 at `center` (`[D]`), the others at center + U(-radius, radius) per coordinate.
    case around(Tensor<Scalar>, radius: Double)
    /// Explicit positions `[P, D]` (P must equal the swarm's particle count).
    case positions(Tensor<Scalar>)
}

/// Why a swarm stopped.
public enum SwarmStopReason: Sendable, Equatable {
    /// All iterations ran.
    case iterations
    /// The best cost reached `targetCost`.
    case targetReached
    /// No progress beyond `tolerance` for `stallIterations` iterations.
    case stalled
    /// The progress callback returned false.
    case callback
}

/// The outcome of `ParticleSwarm.minimize`.
public struct SwarmResult<Scalar: TensorScalar> {
    /// The best position found, `[D]`.
    public var bestPosition: Tensor<Scalar>
    /// Its cost.
    public var bestCost: Double
    /// The best cost after each iteration (one swarm evaluation each).
    public var history: [Double]
    /// Objective evaluations (particles x iterations).
    public var evaluations: Int
    /// Why the run ended.
    public var stopReason: SwarmStopReason
    /// The positions of the last evaluated swarm, `[P, D]`.
    public var finalPositions: Tensor<Scalar>
}

/// Who informs whom in a particle swarm.
public enum SwarmTopology: Sendable, Equatable {
    /// Every particle sees the best of the swarm.
    case global
    /// Particle i sees particles i - radius ... i + radius (indices modulo P).
    case ring(radius: Int)
}

/// The velocity rule of a particle swarm (see `ParticleSwarm`).
public enum SwarmVelocityUpdate: Sendable, Equatable {
    /// v = w v + c1 r1 (p - x) + c2 r2 (l - x).
    case inertia(weight: Double, cognitive: Double, social: Double)
    /// SPSO-2011: v = w v + x' - x, x' drawn in the ball around the centre of gravity G.
    case hypersphere(weight: Double, acceleration: Double)
    /// w = 0.7298, c1 = c2 = 1.49618.
    public static let constriction = SwarmVelocityUpdate.inertia(weight: 0.7298, cognitive: 1.49618, social: 1.49618)
    /// SPSO-2011: w = 1 / (2 ln 2), c = 0.5 + ln 2, hypersphere sampling.
    public static let spso2011 = SwarmVelocityUpdate.hypersphere(weight: 1 / (2 * log(2.0)), acceleration: 0.5 + log(2.0))
}

/// What happens to a swarm coordinate that leaves the bounds.
public enum SwarmBoundaryHandling: Sendable, Equatable {
    /// Set to the bound; that velocity coordinate becomes 0.
    case clip
    /// Mirrored back inside (then clipped if still outside); the velocity coordinate flips sign.
    case reflect
}

/// Particle swarm optimisation over a flat vector (e.g. a network's weights): synchronous
/// updates, the whole swarm evaluated by one `SwarmObjective.costs` call per iteration.
///
/// Inertia update (Shi & Eberhart; `constriction` = Clerc & Kennedy's constants):
/// v = w v + c1 r1 (p - x) + c2 r2 (l - x), x += v, with r1, r2 ~ U(0, 1) per coordinate, p the
/// particle's best position and l its neighbourhood's best.
/// Hypersphere update (SPSO-2011, Clerc): G = x + c ((p - x) + (l - x)) / 3 (G = x + c (p - x) / 2
/// when the particle is its neighbourhood's best), x' a random point of the ball of centre G and
/// radius |G - x|, v = w v + x' - x, x += v. Simplifications: x' = G + u |G - x| e with u ~ U(0, 1)
/// and e uniform on the unit sphere (the radius, not the volume, is uniform: a volume-uniform
/// point, radius u^(1/D), keeps the swarm from converging in many dimensions, e.g. on an 8-D
/// sphere); SPSO-2011's adaptive random topology is replaced by `topology`, its confinement by
/// `boundaryHandling`, and its initial velocities by U(lower - x, upper - x) when bounded, else 0.
///
/// Random numbers come from one seeded generator, drawn serially in particle order, so a run is
/// reproducible for a seed whatever the number of threads the objective uses.
public struct ParticleSwarm<Scalar: TensorScalar> {
    /// P, the number of particles.
    public var particles: Int
    /// Who informs whom.
    public var topology: SwarmTopology
    /// The velocity rule and its constants.
    public var update: SwarmVelocityUpdate
    /// Box for every coordinate (nil: unbounded).
    public var bounds: ClosedRange<Double>?
    /// What happens at the bounds.
    public var boundaryHandling: SwarmBoundaryHandling
    /// Largest |v| per coordinate (nil: no clamping).
    public var velocityLimit: Double?
    /// Stop when the best cost improved by less than tolerance (1 + |best|) for `stallIterations`
    /// consecutive iterations (nil: never).
    public var tolerance: Double?
    /// See `tolerance`.
    public var stallIterations: Int
    /// Stop as soon as the best cost is <= this.
    public var targetCost: Double?
    /// Passes each particle's best cost as a bound to `SwarmObjective.costs(_:bounds:)`, so that
    /// evaluations that cannot improve it may stop early. The run is the same either way (a
    /// particle only moves its best on a cost below its bound, and such costs are exact).
    public var prunesEvaluations: Bool
    /// Seeds the one random stream of the run.
    public var seed: UInt64

    /// A swarm with the given settings (defaults: 64 particles, global best, constriction
    /// constants, unbounded, pruning on).
    public init(particles: Int = 64, topology: SwarmTopology = .global, update: SwarmVelocityUpdate = .constriction,
                bounds: ClosedRange<Double>? = nil, boundaryHandling: SwarmBoundaryHandling = .reflect,
                velocityLimit: Double? = nil, tolerance: Double? = nil, stallIterations: Int = 20,
                targetCost: Double? = nil, prunesEvaluations: Bool = true, seed: UInt64 = 0) {
        precondition(particles >= 1, "a swarm needs at least one particle")
        if case .ring(let k) = topology { precondition(k >= 1, "a ring topology needs radius >= 1") }
        precondition(velocityLimit.map { $0 > 0 } ?? true, "the velocity limit must be > 0")
        precondition(stallIterations >= 1, "stallIterations must be >= 1")
        self.particles = particles; self.topology = topology; self.update = update; self.bounds = bounds
        self.boundaryHandling = boundaryHandling; self.velocityLimit = velocityLimit; self.tolerance = tolerance
        self.stallIterations = stallIterations; self.targetCost = targetCost
        self.prunesEvaluations = prunesEvaluations; self.seed = seed
    }

    /// Minimises `objective` for at most `iterations` swarm evaluations.
    /// - Parameter progress: called after each iteration with (iteration, best cost); return
    ///   false to stop.
    public func minimize<O: SwarmObjective>(_ objective: O, initialization: SwarmInitialization<Scalar>, iterations: Int,
                                            progress: ((Int, Double) -> Bool)? = nil) -> SwarmResult<Scalar>
    where O.Scalar == Scalar {
        var state = start(dimension: objective.dimension, initialization: initialization)
        run(objective, state: &state, iterations: iterations, progress: progress)
        return state.result
    }

    /// The swarm before its first iteration: initial positions and velocities, the random stream
    /// seeded with `seed`.
    public func start(dimension d: Int, initialization: SwarmInitialization<Scalar>) -> SwarmState<Scalar> {
        let p = particles
        var rng = SeededGenerator(seed: seed)
        var x = initialPositions(initialization, dimension: d, generator: &rng)
        var v = [Double](repeating: 0, count: p * d)
        if let b = bounds {
            for i in x.indices { x[i] = min(max(x[i], b.lowerBound), b.upperBound) }
            if case .hypersphere = update {
                for i in x.indices { v[i] = (b.lowerBound - x[i]) + (b.upperBound - b.lowerBound) * rng.nextUnit() }
            }
        }
        return SwarmState(particles: p, dimension: d, positions: x, velocities: v, bestPositions: x,
                          bestCosts: [Double](repeating: .infinity, count: p), history: [], stalledIterations: 0,
                          generator: rng, evaluatedPositions: x, stopReason: nil)
    }

    /// Runs the iterations `state.iteration + 1 ... iterations` (fewer when a stop rule fires), or
    /// only up to iteration `pause`, so that a run can be checkpointed and resumed: running to N in
    /// pieces gives the same swarm, bit for bit, as running to N at once.
    /// - Parameters:
    ///   - iterations: the run's total number of iterations (the last one does not move the swarm).
    ///   - pause: stop after this iteration (the state is then ready for the next one).
    ///   - progress: called after each iteration with (iteration, best cost); return false to stop.
    public func run<O: SwarmObjective>(_ objective: O, state: inout SwarmState<Scalar>, iterations: Int,
                                       pausingAfter pause: Int? = nil, progress: ((Int, Double) -> Bool)? = nil)
    where O.Scalar == Scalar {
        precondition(iterations >= 1, "a swarm needs at least one iteration")
        precondition(state.particles == particles && state.dimension == objective.dimension,
                     "the swarm state is for \(state.particles) particles in \(state.dimension) dimensions, "
                     + "the swarm has \(particles) and the objective \(objective.dimension)")
        let (p, d) = (particles, objective.dimension)
        let last = min(iterations, pause ?? iterations)
        guard state.stopReason == nil, state.iteration < last else { return }
        for iteration in (state.iteration + 1)...last {
            let positions: Tensor<Scalar> = SwarmMath.tensor(state.positions, shape: [p, d])
            let costs = prunesEvaluations ? objective.costs(positions, bounds: state.bestCosts) : objective.costs(positions)
            precondition(costs.count == p, "the objective returned \(costs.count) costs for \(p) particles")
            state.evaluatedPositions = state.positions
            for i in 0..<p where costs[i].isFinite {
                if costs[i] < state.bestCosts[i] {
                    state.bestCosts[i] = costs[i]
                    for j in 0..<d { state.bestPositions[i * d + j] = state.positions[i * d + j] }
                }
            }
            let leader = SwarmMath.argmin(state.bestCosts)
            let previous = state.history.last ?? .infinity
            state.history.append(state.bestCosts[leader])
            if let target = targetCost, state.bestCosts[leader] <= target { state.stopReason = .targetReached; return }
            if let tol = tolerance {
                state.stalledIterations = previous - state.bestCosts[leader] < tol * (1 + abs(state.bestCosts[leader]))
                    ? state.stalledIterations + 1 : 0
                if state.stalledIterations >= stallIterations { state.stopReason = .stalled; return }
            }
            if let progress, !progress(iteration, state.bestCosts[leader]) { state.stopReason = .callback; return }
            if iteration == iterations { state.stopReason = .iterations; return }
            let informant = neighbourhoodBests(state.bestCosts, leader: leader)
            move(&state.positions, &state.velocities, best: state.bestPositions, informant: informant, dimension: d,
                 generator: &state.generator)
        }
    }

    /// The index of the best personal best in each particle's neighbourhood.
    func neighbourhoodBests(_ cost: [Double], leader: Int) -> [Int] {
        switch topology {
        case .global:
            return [Int](repeating: leader, count: cost.count)
        case .ring(let k):
            let p = cost.count
            return (0..<p).map { i in
                var bestIndex = i
                for offset in -min(k, p / 2)...min(k, (p - 1) / 2) {
                    let j = ((i + offset) % p + p) % p
                    if cost[j] < cost[bestIndex] || (cost[j] == cost[bestIndex] && j < bestIndex) { bestIndex = j }
                }
                return bestIndex
            }
        }
    }

    /// One velocity and position update of every particle.
    func move(_ x: inout [Double], _ v: inout [Double], best: [Double], informant: [Int], dimension d: Int,
              generator rng: inout SeededGenerator) {
        let p = particles
        switch update {
        case let .inertia(w, c1, c2):
            for i in 0..<p {
                let l = informant[i]
                for j in 0..<d {
                    let bits = rng.next()
                    let r1 = Double(bits >> 32) * 0x1p-32, r2 = Double(bits & 0xFFFF_FFFF) * 0x1p-32
                    let k = i * d + j
                    v[k] = w * v[k] + c1 * r1 * (best[k] - x[k]) + c2 * r2 * (best[l * d + j] - x[k])
                }
            }
        case let .hypersphere(w, c):
            var direction = [Double](repeating: 0, count: d)
            for i in 0..<p {
                let l = informant[i]
                var centre = [Double](repeating: 0, count: d)
                var radius2 = 0.0
                for j in 0..<d {
                    let k = i * d + j
                    let pull = l == i ? c * (best[k] - x[k]) / 2 : c * ((best[k] - x[k]) + (best[l * d + j] - x[k])) / 3
                    centre[j] = x[k] + pull
                    radius2 += pull * pull
                }
                SwarmMath.normals(&direction, generator: &rng)
                let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let r = radius2.squareRoot() * rng.nextUnit() / max(norm, .leastNormalMagnitude)
                for j in 0..<d {
                    let k = i * d + j
                    v[k] = w * v[k] + (centre[j] + r * direction[j]) - x[k]
                }
            }
        }
        if let vmax = velocityLimit { for k in v.indices { v[k] = min(max(v[k], -vmax), vmax) } }
        for k in x.indices { x[k] += v[k] }
        if let b = bounds { SwarmMath.confine(&x, &v, to: b, handling: boundaryHandling) }
    }

    /// The starting positions `[P * D]`.
    func initialPositions(_ initialization: SwarmInitialization<Scalar>, dimension d: Int,
                          generator rng: inout SeededGenerator) -> [Double] {
        let p = particles
        switch initialization {
        case let .uniform(low, high):
            return (0..<(p * d)).map { _ in low + (high - low) * rng.nextUnit() }
        case let .around(centre, radius):
            precondition(centre.count == d, "the swarm centre has \(centre.count) coordinates, expected \(d)")
            let c = SwarmMath.doubles(centre)
            return (0..<p).flatMap { i in c.map { i == 0 ? $0 : $0 + radius * (2 * rng.nextUnit() - 1) } }
        case .positions(let t):
            precondition(t.shape == [p, d], "initial positions must be [\(p), \(d)], got \(t.shape)")
            return SwarmMath.doubles(t)
        case .layerInitializers(let model):
            precondition(model.parameterCount == d, "the model has \(model.parameterCount) weights, the objective \(d)")
            var out: [Double] = []
            out.reserveCapacity(p * d)
            for _ in 0..<p {
                for layer in model.layers {
                    let shapes = layer.parameters.map(\.shape)
                    let matrix = shapes.first { $0.count >= 2 }
                    let layerLimit = matrix.map { s in (6 / Double(s.dropLast().reduce(1, *) + (s.last ?? 1))).squareRoot() } ?? 1
                    for s in shapes {
                        let limit = s.count >= 2 ? (6 / Double(s.dropLast().reduce(1, *) + (s.last ?? 1))).squareRoot() : layerLimit
                        for _ in 0..<s.reduce(1, *) { out.append(limit * (2 * rng.nextUnit() - 1)) }
                    }
                }
            }
            return out
        }
    }
}
