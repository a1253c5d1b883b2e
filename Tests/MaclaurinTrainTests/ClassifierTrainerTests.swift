import Foundation
import MaclaurinData
import MaclaurinTrain
import XCTest

/// Small image classifiers and data for the classifier tests.
enum ClassifierFixtures {
    /// Conv2D(8, 3x3, same, relu) -> MaxPool 2 -> Dropout -> Flatten -> Dense(32, relu) -> TaylorExpansion(2) -> Dense(10).
    static func smallCNN<S: TensorScalar>(inputShape: [Int] = [8, 8, 1], dropout: Double = 0.25, seed: UInt64 = 1,
                                          as: S.Type = S.self) throws -> Sequential<S> {
        var g = SeededGenerator(seed: seed)
        let conv = Conv2D<S>(inputChannels: inputShape[2], filters: 8, kernelSize: (3, 3), padding: .same,
                             activation: .relu, generator: &g)
        let pooled = (inputShape[0] / 2) * (inputShape[1] / 2) * 8
        return try Sequential(inputShape: inputShape, layers: [
            conv, MaxPool2D<S>(poolSize: (2, 2)), Dropout<S>(rate: dropout), Flatten<S>(),
            Dense<S>(inputSize: pooled, units: 32, activation: .relu, generator: &g),
            TaylorExpansion<S>(units: 32, order: 2, parameterization: .cumulative),
            Dense<S>(inputSize: 32, units: 10, generator: &g),
        ])
    }

    /// `count` random images `[count] + shape` in [0, 1] with random labels 0..<classes.
    static func randomImages(_ count: Int, shape: [Int] = [8, 8, 1], classes: Int = 10, seed: UInt64) -> LabeledImages {
        var g = SeededGenerator(seed: seed)
        let images = Tensor<Float>(randomUniform: [count] + shape, generator: &g)
        let labels = (0..<count).map { _ in Int(g.next() % UInt64(classes)) }
        return LabeledImages(images: images, labels: labels, classNames: (0..<classes).map(String.init))
    }
}

final class ClassifierTrainerTests: XCTestCase {
    /// A few epochs on part of the digits: the loss falls and test accuracy is far above chance (0.1).
    func testLearnsDigits() throws {
        let (train, test) = Digits.trainTestSplit()
        let subset = train.subset(0..<640)
        var trainer = try ClassifierTrainer(model: try ClassifierFixtures.smallCNN(as: Float.self),
                                            optimizer: Adam<Float>(learningRate: 3e-3), batchSize: 32, seed: 3)
        let before = trainer.evaluate(on: test)
        var epochs: [Int] = []
        let reports = try trainer.fit(on: subset, test: test, epochs: 4) { epochs.append($0.epoch); return true }
        XCTAssertEqual(epochs, [1, 2, 3, 4])
        XCTAssertEqual(trainer.step, 4 * 20)
        guard let last = reports.last, let lastTest = last.test else { return XCTFail("no report") }
        XCTAssertLessThan(last.train.loss, reports[0].train.loss)
        XCTAssertLessThan(lastTest.loss, before.loss)
        XCTAssertGreaterThan(lastTest.accuracy, 0.5, "test accuracy after 4 short epochs")
        XCTAssertEqual(lastTest.count, 360)
        // The trained model, evaluated by the free function, agrees with the trainer's own evaluation.
        let again = try evaluateClassifier(trainer.model, on: test, dataName: "digits")
        XCTAssertEqual(again.accuracy, lastTest.accuracy)
        XCTAssertEqual(again.loss, lastTest.loss, accuracy: 1e-6)
    }

    /// One SGD step (no dropout) equals p - lr * dL/dp with dL/dp from central differences of the loss.
    func testStepIsGradientDescentOnCrossEntropy() throws {
        let model: Sequential<Double> = try ClassifierFixtures.smallCNN(inputShape: [4, 4, 1], dropout: 0, seed: 5)
        let data = ClassifierFixtures.randomImages(6, shape: [4, 4, 1], seed: 9)
        let images = Tensor<Double>(data.images)
        let lr = 0.1
        var trainer = try ClassifierTrainer(model: model, optimizer: SGD<Double>(learningRate: lr), batchSize: 6)
        let result = try trainer.trainStep(images: images, labels: data.labels)
        func loss(_ p: [Tensor<Double>]) -> Double {
            var m = model
            m.parameters = p
            return categoricalCrossEntropy(logits: m(images), labels: data.labels).scalar
        }
        XCTAssertEqual(result.loss, loss(model.parameters), accuracy: 1e-12)
        let p0 = model.parameters, p1 = trainer.parameters
        var g = SeededGenerator(seed: 2)
        for t in p0.indices {
            for _ in 0..<4 {
                let i = Int(g.next() % UInt64(p0[t].count))
                var plus = p0, minus = p0
                var s = plus[t].scalars; s[i] += 1e-6; plus[t] = Tensor(shape: p0[t].shape, scalars: s)
                s = minus[t].scalars; s[i] -= 1e-6; minus[t] = Tensor(shape: p0[t].shape, scalars: s)
                let numeric = (loss(plus) - loss(minus)) / 2e-6
                let step = (p0[t].scalars[i] - p1[t].scalars[i]) / lr
                XCTAssertEqual(step, numeric, accuracy: 1e-6 * max(1, abs(numeric)), "parameter \(t), element \(i)")
            }
        }
    }

    /// The same seed gives the same run (shuffling, dropout, augmentation); another seed another run.
    func testSeededRunsAreReproducible() throws {
        let data = ClassifierFixtures.randomImages(40, seed: 4)
        func run(seed: UInt64) throws -> [Tensor<Float>] {
            var trainer = try ClassifierTrainer(model: try ClassifierFixtures.smallCNN(as: Float.self),
                                                optimizer: Adam<Float>(), batchSize: 16, seed: seed)
            trainer.augmentation = ImageAugmentation(maxShift: 1)
            _ = try trainer.trainEpoch(on: data)
            return trainer.parameters
        }
        let a = try run(seed: 7), b = try run(seed: 7), c = try run(seed: 8)
        XCTAssertEqual(a.map(\.scalars), b.map(\.scalars))
        XCTAssertNotEqual(a.map(\.scalars), c.map(\.scalars))
    }

    /// A NaN parameter stops training at step 1, names the layer and leaves the parameters untouched.
    func testNonFiniteParameterNamesLayerAndKeepsParameters() throws {
        var model: Sequential<Float> = try ClassifierFixtures.smallCNN()
        var p = model.parameters
        let index = model.parameterNames.firstIndex(of: "dense_1/bias") ?? -1
        XCTAssertGreaterThanOrEqual(index, 0)
        var bias = p[index].scalars
        bias[3] = .nan
        p[index] = Tensor(shape: p[index].shape, scalars: bias)
        model.parameters = p
        var trainer = try ClassifierTrainer(model: model, optimizer: Adam<Float>(), batchSize: 8)
        let data = ClassifierFixtures.randomImages(8, seed: 1)
        XCTAssertThrowsError(try trainer.trainStep(images: data.images, labels: data.labels)) { error in
            guard let e = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.step, 1)
            XCTAssertEqual(e.layer, "dense_1")
            XCTAssertTrue(e.description.contains("bias"), e.description)
        }
        XCTAssertEqual(trainer.parameters.map { $0.scalars.map(\.bitPattern) }, p.map { $0.scalars.map(\.bitPattern) })
    }

    /// Finite weights whose cubic term overflows: the Taylor layer is named as the layer that produced it.
    func testOverflowIsTracedToTheLayerThatProducedIt() throws {
        var g = SeededGenerator(seed: 3)
        let model = try Sequential<Float>(inputShape: [2, 2, 1], layers: [
            Flatten<Float>(),
            Dense<Float>(kernel: Tensor(repeating: 1e13, shape: [4, 3]), bias: Tensor(zeros: [3])),
            TaylorExpansion<Float>(coefficients: Tensor(shape: [3, 4], scalars: Array(repeating: [0, 1, 0, 1], count: 3).flatMap { $0 })),
            Dense<Float>(inputSize: 3, units: 2, generator: &g),
        ])
        var trainer = try ClassifierTrainer(model: model, optimizer: Adam<Float>(), batchSize: 2)
        let images = Tensor<Float>(ones: [2, 2, 2, 1])
        XCTAssertThrowsError(try trainer.trainStep(images: images, labels: [0, 1])) { error in
            guard let e = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.layer, "taylor_expansion_1", e.description)
            XCTAssertTrue(e.description.contains("step 1"), e.description)
        }
        XCTAssertEqual(trainer.parameters.map(\.scalars), model.parameters.map(\.scalars))
    }

    /// A model ending in softmax (Keras style) is trained and evaluated on its logits: the loss is
    /// -mean log p[label] of its probabilities, and the returned model still ends in softmax.
    func testSoftmaxOutputIsHandled() throws {
        var g = SeededGenerator(seed: 8)
        let model = try Sequential<Double>(inputShape: [2, 2, 1], layers: [
            Flatten<Double>(), Dense<Double>(inputSize: 4, units: 3, activation: .softmax, generator: &g),
        ])
        let data = ClassifierFixtures.randomImages(5, shape: [2, 2, 1], classes: 3, seed: 2)
        let probabilities = model(Tensor<Double>(data.images)).scalars
        var logSum = 0.0
        for (row, label) in data.labels.enumerated() { logSum += Foundation.log(probabilities[row * 3 + label]) }
        let expected = -logSum / 5
        let metrics = try evaluateClassifier(model, on: data, batchSize: 2)
        XCTAssertEqual(metrics.loss, expected, accuracy: 1e-12)
        var trainer = try ClassifierTrainer(model: model, optimizer: Adam<Double>(), batchSize: 5)
        let step = try trainer.trainStep(images: Tensor<Double>(data.images), labels: data.labels)
        XCTAssertEqual(step.loss, expected, accuracy: 1e-12)
        let rows = trainer.model(Tensor<Double>(data.images))
        for r in 0..<5 { XCTAssertEqual((0..<3).map { rows.scalars[r * 3 + $0] }.reduce(0, +), 1, accuracy: 1e-12) }
    }

    /// Evaluation does not depend on the batch size; mismatched data is rejected with both shapes named.
    func testEvaluationBatchingAndShapeChecks() throws {
        let model: Sequential<Float> = try ClassifierFixtures.smallCNN()
        let data = ClassifierFixtures.randomImages(37, seed: 6)
        let whole = try evaluateClassifier(model, on: data, batchSize: 256)
        let pieces = try evaluateClassifier(model, on: data, batchSize: 5)
        XCTAssertEqual(whole.accuracy, pieces.accuracy)
        XCTAssertEqual(whole.loss, pieces.loss, accuracy: 1e-5)
        XCTAssertEqual(whole.count, 37)
        let wrongShape = ClassifierFixtures.randomImages(3, shape: [6, 6, 1], seed: 1)
        XCTAssertThrowsError(try evaluateClassifier(model, on: wrongShape, dataName: "tiny")) { error in
            XCTAssertTrue("\(error)".contains("[8, 8, 1]") && "\(error)".contains("[6, 6, 1]") && "\(error)".contains("tiny"), "\(error)")
        }
        let fewClasses = ClassifierFixtures.randomImages(3, classes: 4, seed: 1)
        XCTAssertThrowsError(try checkClassifier(model, fits: fewClasses, dataName: "four")) { error in
            XCTAssertTrue("\(error)".contains("4 classes"), "\(error)")
        }
    }

    /// Shifts move pixels by at most maxShift and keep them inside; flips mirror; no augmentation is the identity.
    func testAugmentation() {
        var pixels = [Float](repeating: 0, count: 2 * 5 * 5 * 2)
        pixels[(2 * 5 + 2) * 2 + 1] = 1            // image 0: centre pixel, channel 1
        pixels[50 + (1 * 5 + 0) * 2] = 3           // image 1: row 1, column 0, channel 0
        let images = Tensor<Float>(shape: [2, 5, 5, 2], scalars: pixels)
        var g = SeededGenerator(seed: 1)
        XCTAssertEqual(ImageAugmentation.none.apply(images, generator: &g).scalars, pixels)
        var moves = Set<[Int]>()
        for _ in 0..<40 {
            let out = ImageAugmentation(maxShift: 1).apply(images, generator: &g).scalars
            guard let at = out[0..<50].firstIndex(of: 1) else { return XCTFail("the centre pixel left the image") }
            XCTAssertEqual(out[0..<50].filter { $0 != 0 }.count, 1)
            XCTAssertEqual(at % 2, 1, "channel kept")
            let (row, column) = ((at / 2) / 5, (at / 2) % 5)
            XCTAssertLessThanOrEqual(abs(row - 2), 1)
            XCTAssertLessThanOrEqual(abs(column - 2), 1)
            moves.insert([row - 2, column - 2])
        }
        XCTAssertEqual(moves.count, 9, "all 9 shifts of [-1, 1]^2 occur in 40 draws")
        var mirrored = 0
        for _ in 0..<20 {
            let out = ImageAugmentation(horizontalFlip: true).apply(images, generator: &g).scalars
            if out[50 + (1 * 5 + 4) * 2] == 3 { mirrored += 1 } else { XCTAssertEqual(out[50 + (1 * 5 + 0) * 2], 3) }
        }
        XCTAssertTrue(mirrored > 0 && mirrored < 20, "flips happen about half the time, got \(mirrored)/20")
    }
}
