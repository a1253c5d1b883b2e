import MaclaurinTrain
import XCTest

final class FitTests: XCTestCase {
    /// A network trained only on dy/dx1 and dy/dx2 samples plus one value sample recovers
    /// f = sin(x1) cos(x2): small value error on a 64 x 64 grid (f's variance there is ~0.2).
    func testDerivativeOnlyTrainingRecoversTheFunction() throws {
        var g = SeededGenerator(seed: 77)
        let x = Tensor<Double>(randomUniform: [256, 2], low: -2, high: 2, generator: &g)
        let (_, d1, d2) = WorkloadModels.sinCos(x)
        let x0 = Tensor<Double>(shape: [1, 2], scalars: [0.5, -0.3])
        let data = DerivativeDataset(inputCount: 2, groups: [
            DerivativeGroup(kind: .value(output: 0), points: x0, targets: WorkloadModels.sinCos(x0).0),
            DerivativeGroup(kind: .firstPartial(output: 0, input: 0), points: x.slice(axis: 0, 0..<128), targets: d1.slice(axis: 0, 0..<128)),
            DerivativeGroup(kind: .firstPartial(output: 0, input: 1), points: x.slice(axis: 0, 128..<256), targets: d2.slice(axis: 0, 128..<256)),
        ])
        var model: Sequential<Double> = WorkloadModels.mlp([2, 16, 1], seed: 3)
        let before = W6Workload<Double>.gridError(model)
        var adam = Adam<Double>(learningRate: 1e-2, schedule: .cosine(period: 600, minimum: 1e-4))
        let h1 = try fit(&model, on: data, optimizer: &adam, iterations: 600)
        XCTAssertEqual(h1.losses.count, 600)
        XCTAssertLessThan(h1.losses[599], h1.losses[0] / 20)
        var lbfgs = LBFGS<Double>()
        let h2 = try fit(&model, on: data, optimizer: &lbfgs, iterations: 150)
        XCTAssertLessThan(h2.finalLoss ?? 1, h1.losses[599])
        XCTAssertGreaterThan(h2.evaluations, 150)
        let after = W6Workload<Double>.gridError(model)
        XCTAssertLessThan(after, 1e-3, "grid error before training \(before)")
        XCTAssertEqual(h2.perKind.last?.map(\.kind), data.kinds)
    }

    func testNonFiniteValuesStopTrainingNamingStepAndLayer() {
        let data: DerivativeDataset<Float> = DerivativeObjectiveTests.float(Fixtures.dataset(
            inputs: 2, kinds: [.value(output: 0), .firstPartial(output: 0, input: 1)], count: 16))
        // A NaN weight in the second layer: the first step fails and names it.
        var broken = DerivativeObjectiveTests.float(Fixtures.mlp([2, 5, 4, 1]))
        var p = broken.parameters
        p[2][1, 1] = .nan
        broken.parameters = p
        var adam = Adam<Float>()
        XCTAssertThrowsError(try fit(&broken, on: data, optimizer: &adam, iterations: 5)) { error in
            guard let e = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.step, 1)
            XCTAssertEqual(e.layer, "dense_2")
            XCTAssertTrue(e.description.hasPrefix("step 1, layer 'dense_2': "), e.description)
        }
        // A huge learning rate: the loss overflows after some steps; the model keeps the last
        // finite weights.
        var model = DerivativeObjectiveTests.float(Fixtures.mlp([2, 5, 1]))
        var sgd = SGD<Float>(learningRate: 1e12)
        var steps = 0
        XCTAssertThrowsError(try fit(&model, on: data, optimizer: &sgd, iterations: 100) { _ in steps += 1; return true }) { error in
            guard let e = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.step, steps + 1)
            XCTAssertGreaterThan(e.step, 1)
            XCTAssertTrue(e.message.contains("not finite") || e.message.contains("loss is"), e.message)
        }
        XCTAssertNil(ParameterVector.firstNonFinite(model.parameters))
    }

    func testProgressCallbackStopsEarly() throws {
        let data: DerivativeDataset<Double> = Fixtures.dataset(inputs: 2, kinds: [.value(output: 0)], count: 8)
        var model: Sequential<Double> = Fixtures.mlp([2, 3, 1])
        var sgd = SGD<Double>(learningRate: 0.01, momentum: 0.9)
        var seen: [Int] = []
        let h = try fit(&model, on: data, optimizer: &sgd, iterations: 50) { p in
            seen.append(p.step)
            XCTAssertEqual(p.iterations, 50)
            return p.step < 4
        }
        XCTAssertEqual(seen, [1, 2, 3, 4])
        XCTAssertTrue(h.stoppedEarly)
        XCTAssertEqual(h.losses.count, 4)
        XCTAssertEqual(sgd.iteration, 4)
    }

    /// The W6 problem at a reduced size: the swarm's best particle handed to Adam and to L-BFGS,
    /// both of which go lower.
    func testSwarmThenGradientRefinement() throws {
        let w6 = W6Workload<Float>(particles: 32, iterations: 80, seed: 1)
        let objective = w6.objective.objective
        for useLBFGS in [false, true] {
            var model = w6.objective.model
            var refinement: TrainingHistory, swarmCost: Double
            if useLBFGS {
                var opt = LBFGS<Float>()
                let r = try fitWithSwarm(&model, objective: objective, swarm: w6.swarm, initialization: w6.initialization,
                                         swarmIterations: 80, optimizer: &opt, refinementIterations: 60)
                (refinement, swarmCost) = (r.refinement, r.swarm.bestCost)
            } else {
                var opt = Adam<Float>(learningRate: 3e-3)
                let r = try fitWithSwarm(&model, objective: objective, swarm: w6.swarm, initialization: w6.initialization,
                                         swarmIterations: 80, optimizer: &opt, refinementIterations: 300)
                (refinement, swarmCost) = (r.refinement, r.swarm.bestCost)
            }
            if useLBFGS {
                XCTAssertLessThan(refinement.losses[0], swarmCost)        // L-BFGS reports the loss after its step
            } else {
                XCTAssertEqual(refinement.losses[0], swarmCost, accuracy: 1e-5 * swarmCost)   // Adam: before
            }
            XCTAssertLessThan(objective.evaluate(model).loss, swarmCost * 0.7, "L-BFGS: \(useLBFGS)")
        }
    }
}
