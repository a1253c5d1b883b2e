import MaclaurinTrain
import XCTest

final class ParticleSwarmTests: XCTestCase {
    /// sum_j (x_j - shift)^2 per row.
    static func sphere(dimension: Int, shift: Double = 0.3) -> ClosureSwarmObjective<Double> {
        ClosureSwarmObjective(dimension: dimension) { x in
            let p = x.shape[0], v = x.scalars
            return (0..<p).map { i in (0..<dimension).reduce(0) { $0 + (v[i * dimension + $1] - shift) * (v[i * dimension + $1] - shift) } }
        }
    }

    func testConvergesOnSphereWithEveryRuleAndTopology() {
        let objective = Self.sphere(dimension: 8)
        let cases: [(SwarmVelocityUpdate, SwarmTopology, Double)] = [
            (.constriction, .global, 1e-10), (.constriction, .ring(radius: 1), 1e-6),
            (.spso2011, .global, 1e-6), (.spso2011, .ring(radius: 2), 1e-4),
        ]
        for (update, topology, goal) in cases {
            let swarm = ParticleSwarm<Double>(particles: 24, topology: topology, update: update, seed: 5)
            let r = swarm.minimize(objective, initialization: .uniform(low: -2, high: 2), iterations: 300)
            XCTAssertLessThan(r.bestCost, goal, "\(update) \(topology)")
            XCTAssertEqual(r.history.count, 300)
            XCTAssertEqual(r.evaluations, 300 * 24)
            XCTAssertEqual(r.stopReason, .iterations)
            for (a, b) in zip(r.history, r.history.dropFirst()) { XCTAssertLessThanOrEqual(b, a) }
            XCTAssertEqual(r.bestCost, objective.costs(r.bestPosition.reshaped(to: [1, 8]))[0], accuracy: 1e-15)
            for v in r.bestPosition.scalars { XCTAssertEqual(v, 0.3, accuracy: goal.squareRoot() * 10) }
        }
        // The ring's information spreads slowly: after few iterations it lags the global best.
        let global = ParticleSwarm<Double>(particles: 24, seed: 5).minimize(objective, initialization: .uniform(low: -2, high: 2), iterations: 30)
        let ring = ParticleSwarm<Double>(particles: 24, topology: .ring(radius: 1), seed: 5)
            .minimize(objective, initialization: .uniform(low: -2, high: 2), iterations: 30)
        XCTAssertNotEqual(global.history, ring.history)
        XCTAssertEqual(global.history[0], ring.history[0])                 // same start
    }

    func testSeededRunsAreReproducible() {
        let objective = Self.sphere(dimension: 5)
        let a = ParticleSwarm<Double>(particles: 10, seed: 9).minimize(objective, initialization: .uniform(low: -1, high: 1), iterations: 40)
        let b = ParticleSwarm<Double>(particles: 10, seed: 9).minimize(objective, initialization: .uniform(low: -1, high: 1), iterations: 40)
        let c = ParticleSwarm<Double>(particles: 10, seed: 10).minimize(objective, initialization: .uniform(low: -1, high: 1), iterations: 40)
        XCTAssertEqual(a.history, b.history)
        XCTAssertTrue(a.bestPosition.isIdentical(to: b.bestPosition))
        XCTAssertNotEqual(a.history, c.history)
    }

    func testBoundsVelocityLimitAndStoppingRules() {
        // The optimum (shift 3) lies outside the box [-1, 1]: every particle stays inside and
        // the best is the corner.
        let objective = Self.sphere(dimension: 4, shift: 3)
        for handling in [SwarmBoundaryHandling.clip, .reflect] {
            let swarm = ParticleSwarm<Double>(particles: 12, bounds: -1...1, boundaryHandling: handling, seed: 1)
            let r = swarm.minimize(objective, initialization: .uniform(low: -3, high: 3), iterations: 60)
            XCTAssertTrue(r.finalPositions.scalars.allSatisfy { (-1...1).contains($0) }, "\(handling)")
            XCTAssertTrue(r.bestPosition.scalars.allSatisfy { (-1...1).contains($0) })
            XCTAssertEqual(r.bestCost, 16, accuracy: 1e-3)
        }
        // Velocity limit: from given positions, one move changes no coordinate by more than it.
        let start = Tensor<Double>(randomUniform: [6, 4], low: -2, high: 2, generator: &rng)
        let limited = ParticleSwarm<Double>(particles: 6, velocityLimit: 1e-3, seed: 2)
            .minimize(Self.sphere(dimension: 4), initialization: .positions(start), iterations: 2)
        XCTAssertLessThanOrEqual(limited.finalPositions.maxAbsDifference(start), 1e-3 + 1e-15)
        XCTAssertGreaterThan(limited.finalPositions.maxAbsDifference(start), 0)
        // Target, stall and callback.
        let target = ParticleSwarm<Double>(particles: 16, targetCost: 1e-2, seed: 3)
            .minimize(Self.sphere(dimension: 3), initialization: .uniform(low: -2, high: 2), iterations: 500)
        XCTAssertEqual(target.stopReason, .targetReached)
        XCTAssertLessThanOrEqual(target.bestCost, 1e-2)
        XCTAssertLessThan(target.history.count, 500)
        let flat = ClosureSwarmObjective<Double>(dimension: 2) { x in Array(repeating: 1, count: x.shape[0]) }
        let stalled = ParticleSwarm<Double>(particles: 4, tolerance: 1e-9, stallIterations: 5, seed: 0)
            .minimize(flat, initialization: .uniform(low: 0, high: 1), iterations: 100)
        XCTAssertEqual(stalled.stopReason, .stalled)
        XCTAssertEqual(stalled.history.count, 6)
        var calls = 0
        let stopped = ParticleSwarm<Double>(particles: 4, seed: 0).minimize(flat, initialization: .uniform(low: 0, high: 1), iterations: 100) { i, _ in
            calls += 1; return i < 7
        }
        XCTAssertEqual(stopped.stopReason, .callback)
        XCTAssertEqual(stopped.history.count, 7)
        XCTAssertEqual(calls, 7)
    }

    var rng = SeededGenerator(seed: 42)

    /// Initial positions: fresh zero-mean layer initialisations within each parameter's Glorot
    /// limit, or a cloud around a centre (particle 0 exactly at it).
    func testInitialisations() {
        let model: Sequential<Double> = Fixtures.mlp([2, 16, 1])
        let data: DerivativeDataset<Double> = Fixtures.dataset(inputs: 2, kinds: [.value(output: 0)], count: 4)
        let objective = DerivativeSwarmObjective(model: model, dataset: data)
        let swarm = ParticleSwarm<Double>(particles: 200, seed: 4)
        let r = swarm.minimize(objective, initialization: .layerInitializers(model), iterations: 1)
        let x = r.finalPositions.scalars, d = objective.dimension
        XCTAssertEqual(d, 65)
        let limits = [Double](repeating: (6.0 / 18).squareRoot(), count: 48) + [Double](repeating: (6.0 / 17).squareRoot(), count: 17)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<200 {
            for j in 0..<d {
                XCTAssertLessThanOrEqual(abs(x[i * d + j]), limits[j])
                mean[j] += x[i * d + j] / 200
            }
        }
        for j in 0..<d { XCTAssertLessThan(abs(mean[j]), 4 * limits[j] / (3 * 200.0).squareRoot()) }   // 4 sigma
        let centre = objective.position(of: model)
        let around = swarm.minimize(objective, initialization: .around(centre, radius: 0.01), iterations: 1).finalPositions
        XCTAssertTrue(around.slice(axis: 0, 0..<1).reshaped(to: [d]).isIdentical(to: centre))
        XCTAssertLessThanOrEqual(around.maxAbsDifference(centre.reshaped(to: [1, d]).broadcast(to: [200, d])), 0.01)
    }

    /// The fused swarm kernel and the batched tensor evaluation give the general engine's loss
    /// for every particle: one hidden layer (fully fused path) and deeper networks, tanh and
    /// sigmoid, Float and Double, on any number of threads.
    func testSwarmEvaluationsMatchGeneralEngine() {
        let data: DerivativeDataset<Double> = Fixtures.dataset(
            inputs: 2, kinds: [.value(output: 0), .firstPartial(output: 0, input: 0), .firstPartial(output: 0, input: 1)], count: 19)
        let models: [Sequential<Double>] = [
            Fixtures.mlp([2, 16, 1]), Fixtures.mlp([2, 6, 1], hidden: .sigmoid), Fixtures.mlp([2, 7, 5, 1]),
            Fixtures.mlp([2, 4, 3, 1], hidden: .sigmoid, output: .tanh), Fixtures.mlp([2, 3, 1], hidden: .linear),
        ]
        for (mi, model) in models.enumerated() {
            let fast = DerivativeSwarmObjective(model: model, dataset: data, weighting: .bySampleCount, threads: 1)
            let batched = DerivativeSwarmObjective(model: model, dataset: data, weighting: .bySampleCount, evaluation: .batchedTensors)
            let general = DerivativeSwarmObjective(model: model, dataset: data, weighting: .bySampleCount, evaluation: .perParticle)
            XCTAssertEqual([fast.evaluation, batched.evaluation, general.evaluation], [.fusedKernel, .batchedTensors, .perParticle])
            let positions = Tensor<Double>(randomUniform: [9, fast.dimension], low: -1.5, high: 1.5, generator: &rng)
            let a = fast.costs(positions), b = general.costs(positions), c = batched.costs(positions)
            for (x, y) in zip(a, b) { XCTAssertLessThan(Fixtures.relativeError(x, y), 1e-12, "model \(mi)") }
            for (x, y) in zip(c, b) { XCTAssertLessThan(Fixtures.relativeError(x, y), 1e-12, "batched, model \(mi)") }
            fast.threads = 3
            XCTAssertEqual(fast.costs(positions), a)
            let fastF = DerivativeSwarmObjective(model: DerivativeObjectiveTests.float(model),
                                                 dataset: DerivativeObjectiveTests.float(data), weighting: .bySampleCount)
            XCTAssertTrue(fastF.hasFastPath)
            for (x, y) in zip(fastF.costs(Tensor(positions)), b) { XCTAssertLessThan(Fixtures.relativeError(x, y), 2e-5, "Float model \(mi)") }
        }
        // One and three inputs (the two-input loops are specialised).
        for inputs in [1, 3] {
            let data: DerivativeDataset<Double> = Fixtures.dataset(
                inputs: inputs, kinds: [.value(output: 0), .firstPartial(output: 0, input: inputs - 1)], count: 70)
            for model in [Fixtures.mlp([inputs, 5, 1]), Fixtures.mlp([inputs, 4, 3, 1])] as [Sequential<Double>] {
                let fast = DerivativeSwarmObjective(model: model, dataset: data)
                let general = DerivativeSwarmObjective(model: model, dataset: data, evaluation: .perParticle)
                XCTAssertTrue(fast.hasFastPath)
                let positions = Tensor<Double>(randomUniform: [5, fast.dimension], low: -1.5, high: 1.5, generator: &rng)
                for (x, y) in zip(fast.costs(positions), general.costs(positions)) {
                    XCTAssertLessThan(Fixtures.relativeError(x, y), 1e-12, "\(inputs) inputs")
                }
            }
        }
    }

    /// Second partials and several outputs: no fused kernel, but still one batched computation,
    /// equal to the general engine particle by particle; a swarm run on it converges.
    func testBatchedEvaluationWithSecondPartialsAndTwoOutputs() {
        let data: DerivativeDataset<Double> = Fixtures.dataset(
            inputs: 2, kinds: [.value(output: 1), .firstPartial(output: 0, input: 1), .secondPartial(output: 1, inputs: 0, 1),
                               .secondPartial(output: 0, inputs: 0, 0)], count: 7)
        let model: Sequential<Double> = Fixtures.mlp([2, 5, 4, 2], hidden: .softplus)
        let batched = DerivativeSwarmObjective(model: model, dataset: data)
        let general = DerivativeSwarmObjective(model: model, dataset: data, evaluation: .perParticle)
        XCTAssertEqual(batched.evaluation, .batchedTensors)
        let positions = Tensor<Double>(randomUniform: [6, batched.dimension], low: -1, high: 1, generator: &rng)
        for (x, y) in zip(batched.costs(positions), general.costs(positions)) {
            XCTAssertLessThan(Fixtures.relativeError(x, y), 1e-12)
        }
        let r = ParticleSwarm<Double>(particles: 12, seed: 2).minimize(batched, initialization: .layerInitializers(model), iterations: 15)
        XCTAssertLessThan(r.bestCost, r.history[0])
    }

    /// A whole swarm run on a network does not depend on the thread count.
    func testSwarmOnNetworkIsReproducibleAcrossThreadCounts() {
        let data: DerivativeDataset<Float> = DerivativeObjectiveTests.float(Fixtures.dataset(
            inputs: 2, kinds: [.value(output: 0), .firstPartial(output: 0, input: 1)], count: 32))
        let model = DerivativeObjectiveTests.float(Fixtures.mlp([2, 8, 1]))
        var histories: [[Double]] = []
        for threads in [1, 2, 4] {
            let objective = DerivativeSwarmObjective(model: model, dataset: data, threads: threads)
            let r = ParticleSwarm<Float>(particles: 16, seed: 8).minimize(objective, initialization: .layerInitializers(model), iterations: 25)
            histories.append(r.history)
        }
        XCTAssertEqual(histories[0], histories[1])
        XCTAssertEqual(histories[0], histories[2])
        XCTAssertLessThan(histories[0].last ?? 0, histories[0][0])
    }

    /// Bounded evaluation: costs below the bound are exact, the others are reported by a value
    /// >= the bound; a pruned swarm run is identical to the unpruned one.
    func testPrunedEvaluationIsExact() {
        let w6 = W6Workload<Float>(particles: 24, iterations: 60, seed: 3)
        let objective = w6.objective
        let positions = Tensor<Float>(randomUniform: [24, 65], low: -1, high: 1, generator: &rng)
        let exact = objective.costs(positions)
        let bounds = exact.enumerated().map { i, c in i % 2 == 0 ? c * 0.3 : c * 1.5 }
        let bounded = objective.costs(positions, bounds: bounds)
        var pruned = 0
        for i in 0..<24 {
            if exact[i] < bounds[i] { XCTAssertEqual(bounded[i], exact[i]) } else {
                XCTAssertGreaterThanOrEqual(bounded[i], bounds[i])
                XCTAssertLessThanOrEqual(bounded[i], exact[i])
                if bounded[i] < exact[i] { pruned += 1 }
            }
        }
        XCTAssertGreaterThan(pruned, 0)
        var plain = w6.swarm
        plain.prunesEvaluations = false
        let a = w6.swarm.minimize(objective, initialization: w6.initialization, iterations: 60)
        let b = plain.minimize(objective, initialization: w6.initialization, iterations: 60)
        XCTAssertEqual(a.history, b.history)
        XCTAssertTrue(a.bestPosition.isIdentical(to: b.bestPosition))
        XCTAssertTrue(a.finalPositions.isIdentical(to: b.finalPositions))
    }
}
