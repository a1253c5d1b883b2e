import Foundation
import MaclaurinNN
import XCTest

/// Losses and metrics against naive computations.
final class LossTests: XCTestCase {
    /// -log softmax(z)[label], computed directly in Double.
    func naiveCrossEntropy(_ logits: [[Double]], _ labels: [Int]) -> Double {
        zip(logits, labels).map { row, label in
            -Foundation.log(Foundation.exp(row[label]) / row.map { Foundation.exp($0) }.reduce(0, +))
        }.reduce(0, +) / Double(labels.count)
    }

    func testCrossEntropyMatchesNaiveLogSoftmax() {
        let z = Support.random([5, 4], seed: 1, low: -3, high: 3)
        let labels = [0, 3, 1, 1, 2]
        let rows = (0..<5).map { b in (0..<4).map { z[b, $0] } }
        XCTAssertEqual(categoricalCrossEntropy(logits: z, labels: labels).scalar, naiveCrossEntropy(rows, labels), accuracy: 1e-14)
        // One-hot targets and a softmax-output model give the same value.
        var oneHot = Tensor<Double>(zeros: [5, 4])
        for (b, l) in labels.enumerated() { oneHot[b, l] = 1 }
        XCTAssertEqual(categoricalCrossEntropy(logits: z, targets: oneHot).scalar, naiveCrossEntropy(rows, labels), accuracy: 1e-14)
        XCTAssertEqual(categoricalCrossEntropy(probabilities: z.softmax(), labels: labels, epsilon: 0).scalar,
                       naiveCrossEntropy(rows, labels), accuracy: 1e-14)
        // The gradient is (softmax - onehot) / B.
        let v = Var(variable: z)
        let g = gradients(of: categoricalCrossEntropy(logits: v, labels: labels), withRespectTo: [v])[0].value
        Support.assertClose(g, (z.softmax() - oneHot) / 5, 1e-15, "cross-entropy gradient")
    }

    func testCrossEntropyIsFiniteForHugeLogits() {
        func check<S: TensorScalar>(_: S.Type) {
            let z = Tensor<S>(rows: [[10_000, 0, -10_000], [0, 10_000, 10_000], [-10_000, -10_000, -10_000]])
            let loss = categoricalCrossEntropy(logits: z, labels: [0, 0, 2])
            XCTAssertTrue(loss.isFinite)
            // Row losses: 0, 1e4 + log 2, log 3.
            XCTAssertEqual(Double(loss.scalar), (10_000 + Foundation.log(2.0) + Foundation.log(3.0)) / 3, accuracy: 1e-3)
            let v = Var(variable: z)
            XCTAssertTrue(gradients(of: categoricalCrossEntropy(logits: v, labels: [0, 0, 2]), withRespectTo: [v])[0].value.isFinite)
        }
        check(Float.self)
        check(Double.self)
    }

    func testMeanSquaredErrorAndAccuracy() {
        let p = Support.random([3, 2], seed: 2), t = Support.random([3, 2], seed: 3)
        let naive = zip(p.scalars, t.scalars).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / 6
        XCTAssertEqual(meanSquaredError(predicted: p, expected: t).scalar, naive, accuracy: 1e-15)
        let v = Var(variable: p)
        let g = gradients(of: meanSquaredError(predicted: v, expected: Var(constant: t)), withRespectTo: [v])[0].value
        Support.assertClose(g, (p - t) * (2.0 / 6), 1e-15, "mse gradient")
        let logits = Tensor<Double>(rows: [[0.1, 0.9, 0], [2, 1, 0], [0, 0, 5], [1, 3, 2]])
        let fraction: Double = MaclaurinNN.accuracy(logits: logits, labels: [1, 0, 1, 1])
        XCTAssertEqual(fraction, 0.75)
    }
}
