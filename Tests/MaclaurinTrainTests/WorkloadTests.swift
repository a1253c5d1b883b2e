import MaclaurinTrain
import XCTest

final class WorkloadTests: XCTestCase {
    /// One W4 step (batch reduced to 128 to keep the tape fast) on the fused kernel equals one
    /// step on the general engine (loss and updated weights, to single precision), and repeated
    /// steps reduce the loss.
    func testW4FastStepMatchesGeneralEngine() {
        let fast = W4Workload(batch: 128), general = W4Workload(batch: 128, useFastPath: false)
        XCTAssertTrue(fast.objective.hasFastPath(for: fast.model))
        let (a, b) = (fast.run(), general.run())
        XCTAssertLessThan(Fixtures.relativeError(a, b), 1e-5)
        let pa = ParameterVector.flatten(fast.model.parameters), pb = ParameterVector.flatten(general.model.parameters)
        XCTAssertLessThan(pa.maxAbsDifference(pb), 1e-6)
        var last = a
        for _ in 0..<30 { last = fast.run() }
        XCTAssertLessThan(last, a * 0.9)
        XCTAssertEqual(fast.optimizer.iteration, 31)
    }

    /// W6 at a reduced size: one swarm run gives a loss equal to the general engine's loss of
    /// the best particle, with a decreasing history.
    func testW6RunReportsTheBestParticlesLoss() {
        let w6 = W6Workload<Float>(particles: 16, iterations: 40)
        XCTAssertTrue(w6.objective.hasFastPath)
        let loss = w6.run()
        let r = w6.lastResult
        XCTAssertEqual(r?.history.count, 40)
        let best = w6.objective.model(at: r?.bestPosition ?? Tensor(zeros: [65]))
        XCTAssertLessThan(Fixtures.relativeError(loss, w6.objective.objective.evaluate(best).loss), 1e-5)
        XCTAssertLessThan(loss, r?.history.first ?? 0)
    }
}
