import MaclaurinTrain
import XCTest

/// Small helpers shared by the training tests.
enum Fixtures {
    static func mlp<S: TensorScalar>(_ sizes: [Int], hidden: Activation = .tanh, output: Activation = .linear,
                                     seed: UInt64 = 7) -> Sequential<S> {
        var g = SeededGenerator(seed: seed)
        var layers: [any Layer<S>] = []
        for i in 0..<(sizes.count - 1) {
            var d = Dense<S>(inputSize: sizes[i], units: sizes[i + 1], activation: i == sizes.count - 2 ? output : hidden,
                             generator: &g)
            d.bias = Tensor(randomUniform: [sizes[i + 1]], low: -0.5, high: 0.5, generator: &g)
            layers.append(d)
        }
        do { return try Sequential(inputShape: [sizes[0]], layers: layers) } catch { preconditionFailure("\(error)") }
    }

    static func points<S: TensorScalar>(_ n: Int, _ d: Int, seed: UInt64) -> Tensor<S> {
        var g = SeededGenerator(seed: seed)
        return Tensor(randomUniform: [n, d], low: -2, high: 2, generator: &g)
    }

    static func random<S: TensorScalar>(_ n: Int, seed: UInt64) -> Tensor<S> {
        var g = SeededGenerator(seed: seed)
        return Tensor(randomNormal: [n], generator: &g)
    }

    /// A dataset of the given kinds, `count` random points each, with random targets.
    static func dataset<S: TensorScalar>(inputs: Int, kinds: [DerivativeKind], count: Int, seed: UInt64 = 3) -> DerivativeDataset<S> {
        DerivativeDataset(inputCount: inputs, groups: kinds.enumerated().map { i, k in
            DerivativeGroup(kind: k, points: points(count, inputs, seed: seed + UInt64(i)),
                            targets: random(count, seed: seed + 100 + UInt64(i)))
        })
    }

    static func relativeError(_ a: Double, _ b: Double, floor: Double = 1e-8) -> Double {
        abs(a - b) / max(abs(a), abs(b), floor)
    }
}

final class DerivativeObjectiveTests: XCTestCase {
    /// The tape gradient of a loss on values, first partials and (mixed and diagonal) second
    /// partials of a two-output network equals central finite differences in Double.
    func testTapeGradientMatchesFiniteDifferences() {
        var model: Sequential<Double> = Fixtures.mlp([3, 5, 4, 2], hidden: .tanh)
        model.layers[1] = Fixtures.mlp([5, 4], hidden: .sigmoid, output: .sigmoid, seed: 9).layers[0]
        let kinds: [DerivativeKind] = [.value(output: 0), .value(output: 1), .firstPartial(output: 0, input: 2),
                                       .firstPartial(output: 1, input: 0), .secondPartial(output: 0, inputs: 0, 1),
                                       .secondPartial(output: 1, inputs: 2, 2)]
        let data: DerivativeDataset<Double> = Fixtures.dataset(inputs: 3, kinds: kinds, count: 6)
        let objective = DerivativeObjective(dataset: data, weighting: .custom([.value(output: 1): 0.5]))
        let eval = objective.lossAndGradientsOnTape(model)
        XCTAssertEqual(eval.loss, objective.evaluate(model).loss, accuracy: 1e-12)
        let flat = ParameterVector.flatten(model.parameters).scalars
        let shapes = ParameterVector.shapes(of: model.parameters)
        let analytic = ParameterVector.flatten(eval.gradients).scalars
        let h = 1e-6
        var worst = 0.0
        for i in 0..<flat.count {
            func loss(_ delta: Double) -> Double {
                var p = flat; p[i] += delta
                var m = model
                m.parameters = ParameterVector.unflatten(Tensor(p), shapes: shapes)
                return objective.evaluate(m).loss
            }
            let fd = (loss(h) - loss(-h)) / (2 * h)
            worst = max(worst, abs(fd - analytic[i]) / max(abs(fd), 1e-3))
        }
        XCTAssertLessThan(worst, 1e-6, "gradient vs finite differences")
    }

    /// Per-kind predictions agree with the engine's inference derivatives: targets set to the
    /// true value, Jacobian entry or Hessian entry give MSE ~ 0, and targets shifted by 1 give 1.
    func testPredictionsMatchJacobianAndHessian() {
        let model: Sequential<Double> = Fixtures.mlp([2, 6, 2], hidden: .tanh)
        let x: Tensor<Double> = Fixtures.points(5, 2, seed: 11)
        let (value, jacobian) = model.valueAndJacobian(at: x)
        let hessian = model.hessian(at: x)
        let kinds: [DerivativeKind] = [.value(output: 1), .firstPartial(output: 1, input: 0),
                                       .secondPartial(output: 0, inputs: 1, 0), .secondPartial(output: 1, inputs: 1, 1)]
        func truth(_ k: DerivativeKind, _ b: Int) -> Double {
            switch k {
            case .value(let o): value[b, o]
            case let .firstPartial(o, i): jacobian[b, o, i]
            case let .secondPartial(o, i, j): hessian[b, o, i, j]
            }
        }
        for shift in [0.0, 1.0] {
            let groups = kinds.map { k in
                DerivativeGroup(kind: k, points: x, targets: Tensor((0..<5).map { truth(k, $0) + shift }))
            }
            let objective = DerivativeObjective(dataset: DerivativeDataset(inputCount: 2, groups: groups))
            for kl in objective.evaluate(model).perKind {
                XCTAssertEqual(kl.meanSquaredError, shift * shift, accuracy: 1e-12, "\(kl.kind)")
                XCTAssertEqual(kl.count, 5)
            }
            XCTAssertEqual(objective.evaluate(model).loss, shift * shift, accuracy: 1e-12)
        }
    }

    /// Kind weighting: equal weights average the per-kind MSEs; by sample count pools them.
    func testWeightings() {
        let model: Sequential<Double> = Fixtures.mlp([2, 4, 1])
        var groups: [DerivativeGroup<Double>] = []
        for (k, n) in [(DerivativeKind.value(output: 0), 6), (.firstPartial(output: 0, input: 1), 2)] {
            groups.append(DerivativeGroup(kind: k, points: Fixtures.points(n, 2, seed: UInt64(n)), targets: Fixtures.random(n, seed: 5)))
        }
        let data = DerivativeDataset(inputCount: 2, groups: groups)
        let equal = DerivativeObjective(dataset: data).evaluate(model)
        let pooled = DerivativeObjective(dataset: data, weighting: .bySampleCount).evaluate(model)
        let m = equal.perKind.map(\.meanSquaredError)
        XCTAssertEqual(equal.loss, (m[0] + m[1]) / 2, accuracy: 1e-12)
        XCTAssertEqual(pooled.loss, (6 * m[0] + 2 * m[1]) / 8, accuracy: 1e-12)
    }

    /// The fused kernel gives the tape's loss, per-kind errors and gradients: shared points (each
    /// point supervised on y and both partials), disjoint points, duplicated points, several
    /// activations and depths, in Double and Float.
    func testFastPathMatchesTape() {
        let shared: Tensor<Double> = Fixtures.points(7, 2, seed: 21)
        let sharedData = DerivativeDataset(inputCount: 2, groups: [
            DerivativeGroup(kind: .value(output: 0), points: shared, targets: Fixtures.random(7, seed: 1)),
            DerivativeGroup(kind: .firstPartial(output: 0, input: 0), points: shared, targets: Fixtures.random(7, seed: 2)),
            DerivativeGroup(kind: .firstPartial(output: 0, input: 1), points: shared, targets: Fixtures.random(7, seed: 3)),
            // A point twice under the same kind, and a value-only group.
            DerivativeGroup(kind: .firstPartial(output: 0, input: 1), points: shared.slice(axis: 0, 0..<2), targets: Fixtures.random(2, seed: 4)),
        ])
        let disjoint: DerivativeDataset<Double> = Fixtures.dataset(
            inputs: 2, kinds: [.value(output: 0), .firstPartial(output: 0, input: 0), .firstPartial(output: 0, input: 1)], count: 9)
        let valuesOnly: DerivativeDataset<Double> = Fixtures.dataset(inputs: 2, kinds: [.value(output: 0)], count: 5)
        // Enough samples (3 x 1101) that the fused kernel runs on tiles of the data, with groups
        // of an odd size (tiles of unequal length).
        let tiled: DerivativeDataset<Double> = Fixtures.dataset(
            inputs: 2, kinds: [.value(output: 0), .firstPartial(output: 0, input: 0), .firstPartial(output: 0, input: 1)], count: 1101)
        let models: [Sequential<Double>] = [
            Fixtures.mlp([2, 8, 8, 1], hidden: .tanh), Fixtures.mlp([2, 5, 1], hidden: .sigmoid, output: .tanh),
            Fixtures.mlp([2, 4, 3, 6, 1], hidden: .tanh, output: .sigmoid), Fixtures.mlp([2, 3, 1], hidden: .linear),
        ]
        for (di, data) in [sharedData, disjoint, valuesOnly, tiled].enumerated() {
            for weighting in [KindWeighting.equal, .bySampleCount] {
                let objective = DerivativeObjective(dataset: data, weighting: weighting)
                for (mi, model) in models.enumerated() {
                    XCTAssertTrue(objective.hasFastPath(for: model))
                    let fast = objective.lossAndGradients(model), tape = objective.lossAndGradientsOnTape(model)
                    XCTAssertLessThan(Fixtures.relativeError(fast.loss, tape.loss), 1e-12, "data \(di) model \(mi)")
                    XCTAssertEqual(fast.perKind.count, tape.perKind.count)
                    for (a, b) in zip(fast.perKind, tape.perKind) {
                        XCTAssertEqual(a.kind, b.kind)
                        XCTAssertEqual(a.count, b.count, "data \(di)")
                        XCTAssertEqual(a.weight, b.weight, "data \(di)")
                        XCTAssertLessThan(Fixtures.relativeError(a.meanSquaredError, b.meanSquaredError), 1e-12)
                    }
                    let gf = ParameterVector.flatten(fast.gradients), gt = ParameterVector.flatten(tape.gradients)
                    let scale = gt.scalars.map(abs).max() ?? 1
                    XCTAssertLessThan(gf.maxAbsDifference(gt) / scale, 1e-12, "data \(di) model \(mi) gradients")
                    // Float agrees with Double to single precision.
                    let f32 = DerivativeObjective(dataset: Self.float(data), weighting: weighting)
                    let modelF = Self.float(model)
                    XCTAssertTrue(f32.hasFastPath(for: modelF))
                    let ff = f32.lossAndGradients(modelF)
                    XCTAssertLessThan(Fixtures.relativeError(ff.loss, tape.loss), 1e-5)
                    let gff = Tensor<Double>(ParameterVector.flatten(ff.gradients))
                    XCTAssertLessThan(gff.maxAbsDifference(gt) / scale, 1e-5, "Float data \(di) model \(mi)")
                }
            }
        }
        // Second partials or two outputs: no fast path, same answers as the tape.
        let second: DerivativeDataset<Double> = Fixtures.dataset(inputs: 2, kinds: [.secondPartial(output: 0, inputs: 0, 1)], count: 3)
        XCTAssertFalse(DerivativeObjective(dataset: second).hasFastPath(for: models[0]))
        XCTAssertFalse(DerivativeObjective(dataset: disjoint).hasFastPath(for: Fixtures.mlp([2, 3, 2])))
    }

    static func float(_ d: DerivativeDataset<Double>) -> DerivativeDataset<Float> {
        DerivativeDataset(inputCount: d.inputCount, groups: d.groups.map {
            DerivativeGroup(kind: $0.kind, points: Tensor($0.points), targets: Tensor($0.targets))
        })
    }

    static func float(_ m: Sequential<Double>) -> Sequential<Float> {
        let layers: [any Layer<Float>] = m.layers.compactMap { l in
            (l as? Dense<Double>).map { Dense(kernel: Tensor($0.kernel), bias: Tensor($0.bias), activation: $0.activation) }
        }
        do { return try Sequential(inputShape: m.inputShape, layers: layers) } catch { preconditionFailure("\(error)") }
    }
}
