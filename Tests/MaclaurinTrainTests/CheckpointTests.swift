import Foundation
import MaclaurinData
import MaclaurinTrain
import XCTest

/// Checkpoints: a run stopped after N steps and resumed from its checkpoint FILE ends with exactly
/// the weights (bit for bit) of the run that never stopped.
final class CheckpointTests: ScratchFolderTestCase {
    /// Bit patterns, so that -0 != 0 and NaN payloads count.
    private func bits<S: TensorScalar>(_ tensors: [Tensor<S>]) -> [[UInt64]] {
        tensors.map { $0.scalars.map { UInt64(Double($0).bitPattern) } }
    }

    func testGeneratorStateContinuesTheSequence() {
        var a = SeededGenerator(seed: 42)
        for _ in 0..<5 { _ = a.next() }
        var b = SeededGenerator(state: a.state)
        XCTAssertEqual((0..<100).map { _ in a.next() }, (0..<100).map { _ in b.next() })
    }

    /// Settings, values and tensors survive the file; other settings or another kind are refused, naming the setting.
    func testRoundTripAndSettingsCheck() throws {
        var checkpoint = Checkpoint(kind: "fit", settings: ["seed": "1", "layers": "2,4,1"])
        checkpoint.values["step"] = "7"
        var g = SeededGenerator(seed: 3)
        _ = g.next()
        checkpoint.setGenerator(g, for: "generator")
        checkpoint.setDoubles([1.5, -.infinity, 0x1p-1074], for: "history")
        let url = try file("a.checkpoint")
        try checkpoint.write(to: url)
        let read = try Checkpoint.read(url)
        XCTAssertEqual(read.kind, "fit")
        XCTAssertEqual(read.settings, checkpoint.settings)
        XCTAssertEqual(try read.integer("step"), 7)
        XCTAssertEqual(try read.generator("generator").state, g.state)
        XCTAssertEqual(try read.doubles("history").map(\.bitPattern), [1.5, -.infinity, 0x1p-1074].map(\.bitPattern))
        XCTAssertNoThrow(try read.checkSettings(kind: "fit", ["seed": "1", "layers": "2,4,1"]))
        XCTAssertThrowsError(try read.checkSettings(kind: "fit", ["seed": "2", "layers": "2,4,1"])) { error in
            XCTAssertTrue("\(error)".contains("seed 1") && "\(error)".contains("seed 2") && "\(error)".contains("a.checkpoint"), "\(error)")
        }
        XCTAssertThrowsError(try read.checkSettings(kind: "train", checkpoint.settings)) { error in
            XCTAssertTrue("\(error)".contains("'fit'"), "\(error)")
        }
        XCTAssertThrowsError(try read.integer("missing"))
        // A plain safetensors file is not a checkpoint.
        let plain = try file("plain.safetensors")
        try SafeTensors.write([("w", AnyTensor(Tensor<Float>([1, 2])))], to: plain)
        XCTAssertThrowsError(try Checkpoint.read(plain)) { XCTAssertTrue($0 is CheckpointError, "\($0)") }
    }

    /// Two epochs with dropout and shifted images, vs one epoch, a checkpoint file, a fresh trainer
    /// restored from it and the second epoch: the same parameters, bit for bit.
    func testClassifierResumesBitForBit() throws {
        let train = Digits.trainTestSplit().train.subset(0..<96)
        func trainer() throws -> ClassifierTrainer<Float, Adam<Float>> {
            var t = try ClassifierTrainer(model: try ClassifierFixtures.smallCNN(as: Float.self),
                                          optimizer: Adam<Float>(learningRate: 3e-3, schedule: .step(every: 5, factor: 0.5)),
                                          batchSize: 16, seed: 11)
            t.augmentation = ImageAugmentation(maxShift: 1, horizontalFlip: true)
            return t
        }
        var straight = try trainer()
        let reports = try straight.fit(on: train, test: nil, epochs: 2)

        var first = try trainer()
        _ = try first.fit(on: train, test: nil, epochs: 1)
        var checkpoint = Checkpoint(kind: "train", settings: [:])
        first.save(to: &checkpoint)
        let url = try file("train.checkpoint")
        try checkpoint.write(to: url)

        var resumed = try trainer()
        try resumed.restore(from: try Checkpoint.read(url))
        XCTAssertEqual(resumed.step, 6)
        let second = try resumed.fit(on: train, test: nil, epochs: 2, completedEpochs: 1)
        XCTAssertEqual(second.map(\.epoch), [2])
        XCTAssertEqual(resumed.step, straight.step)
        XCTAssertEqual(bits(resumed.parameters), bits(straight.parameters))
        XCTAssertEqual(second[0].train.loss.bitPattern, reports[1].train.loss.bitPattern)
        XCTAssertNotEqual(bits(first.parameters), bits(straight.parameters), "the second epoch changed the weights")
    }

    /// A fault after a checkpoint: training stops naming the step and layer, the checkpoint file is
    /// untouched and still restores the state it saved.
    func testFaultLeavesTheLastCheckpointLoadable() throws {
        let train = Digits.trainTestSplit().train.subset(0..<64)
        var trainer = try ClassifierTrainer(model: try ClassifierFixtures.smallCNN(as: Float.self),
                                            optimizer: Adam<Float>(learningRate: 1e-3), batchSize: 32, seed: 2)
        _ = try trainer.fit(on: train, test: nil, epochs: 1)
        var checkpoint = Checkpoint(kind: "train", settings: [:])
        trainer.save(to: &checkpoint)
        let url = try file("good.checkpoint")
        try checkpoint.write(to: url)
        let bytes = try Data(contentsOf: url)
        let good = trainer.parameters

        trainer.optimizer.learningRate = 1e30
        XCTAssertThrowsError(try trainer.fit(on: train, test: nil, epochs: 2, completedEpochs: 1)) { error in
            guard let error = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertGreaterThan(error.step, 2)
            XCTAssertNotNil(error.layer, "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: url), bytes)
        var restored = try ClassifierTrainer(model: try ClassifierFixtures.smallCNN(as: Float.self),
                                             optimizer: Adam<Float>(learningRate: 1e-3), batchSize: 32, seed: 2)
        try restored.restore(from: try Checkpoint.read(url))
        XCTAssertEqual(bits(restored.parameters), bits(good))
    }

    /// Derivative fits with Adam and with L-BFGS: 12 steps straight vs 5 steps, checkpoint file, restore, 7 more.
    func testFitResumesBitForBitWithAdamAndLBFGS() throws {
        let data: DerivativeDataset<Double> = Fixtures.dataset(
            inputs: 2, kinds: [.value(output: 0), .firstPartial(output: 0, input: 1)], count: 12)
        let objective = DerivativeObjective(dataset: data)
        func check<O: CheckpointableOptimizer>(_ make: () -> O) throws where O.Scalar == Double {
            var straightModel: Sequential<Double> = WorkloadModels.mlp([2, 6, 1], seed: 4)
            var straightOptimizer = make()
            let straight = try fit(&straightModel, objective: objective, optimizer: &straightOptimizer, iterations: 12)

            let url = try file("fit.checkpoint")
            var model: Sequential<Double> = WorkloadModels.mlp([2, 6, 1], seed: 4)
            var optimizer = make()
            let saver = FitCheckpoints<Double, O>(every: 5) { m, o, h throws(TrainingError) in
                guard h.losses.count == 5 else { return }
                var c = Checkpoint(kind: "fit", settings: [:])
                c.setModel(m)
                o.save(to: &c, prefix: "optimizer")
                h.save(to: &c, prefix: "history")
                do { try c.write(to: url) } catch { throw TrainingError(step: h.losses.count, message: "\(error)") }
            }
            _ = try fit(&model, objective: objective, optimizer: &optimizer, iterations: 12, checkpoints: saver) { $0.step < 8 }

            let saved = try Checkpoint.read(url)
            var resumedModel = try saved.model(WorkloadModels.mlp([2, 6, 1], seed: 99) as Sequential<Double>)
            var resumedOptimizer = make()
            try resumedOptimizer.restore(from: saved, prefix: "optimizer", shapes: resumedModel.parameters.map(\.shape))
            let history = try TrainingHistory(from: saved, prefix: "history", kinds: objective.evaluate(resumedModel).perKind)
            let resumed = try fit(&resumedModel, objective: objective, optimizer: &resumedOptimizer, iterations: 12,
                                  resuming: history)
            XCTAssertEqual(bits(resumedModel.parameters), bits(straightModel.parameters), "\(O.self)")
            XCTAssertEqual(resumed.losses.map(\.bitPattern), straight.losses.map(\.bitPattern), "\(O.self)")
            XCTAssertEqual(resumed.perKind, straight.perKind, "\(O.self)")
            XCTAssertEqual(resumedOptimizer.iteration, straightOptimizer.iteration)
        }
        try check { Adam<Double>(learningRate: 0.02, schedule: .cosine(period: 12, minimum: 0)) }
        try check { LBFGS<Double>(memory: 3) }
    }

    /// A swarm run to 9 iterations at once vs in pieces with the state through a checkpoint file
    /// after iteration 4: the same best position, history and final swarm.
    func testSwarmResumesBitForBit() throws {
        let objective = ClosureSwarmObjective<Double>(dimension: 3) { x in
            (0..<x.shape[0]).map { i in (0..<3).reduce(0.0) { s, j in let v = x[i, j] - Double(j); return s + v * v } }
        }
        for update in [SwarmVelocityUpdate.constriction, .spso2011] {
            let swarm = ParticleSwarm<Double>(particles: 5, update: update, bounds: -4...4, seed: 8)
            let straight = swarm.minimize(objective, initialization: .uniform(low: -3, high: 3), iterations: 9)

            var state = swarm.start(dimension: 3, initialization: .uniform(low: -3, high: 3))
            swarm.run(objective, state: &state, iterations: 9, pausingAfter: 4)
            XCTAssertEqual(state.iteration, 4)
            var checkpoint = Checkpoint(kind: "fit", settings: [:])
            state.save(to: &checkpoint, prefix: "swarm")
            let url = try file("swarm.checkpoint")
            try checkpoint.write(to: url)
            var resumed = try SwarmState<Double>(from: try Checkpoint.read(url), prefix: "swarm", particles: 5, dimension: 3)
            swarm.run(objective, state: &resumed, iterations: 9)
            let result = resumed.result
            XCTAssertEqual(result.bestPosition.scalars.map(\.bitPattern), straight.bestPosition.scalars.map(\.bitPattern))
            XCTAssertEqual(result.history.map(\.bitPattern), straight.history.map(\.bitPattern))
            XCTAssertEqual(result.finalPositions.scalars.map(\.bitPattern), straight.finalPositions.scalars.map(\.bitPattern))
            XCTAssertEqual(result.stopReason, straight.stopReason)
            XCTAssertThrowsError(try SwarmState<Double>(from: try Checkpoint.read(url), prefix: "swarm", particles: 6, dimension: 3))
        }
    }
}
