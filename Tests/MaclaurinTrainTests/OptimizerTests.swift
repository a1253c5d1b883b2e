import Foundation
import MaclaurinTrain
import XCTest

final class OptimizerTests: XCTestCase {
    /// Gradients g_t = t * [1, -2, 0.5] + p (depends on the parameters, so a wrong update order shows).
    static func gradient(_ p: [Double], _ t: Int) -> [Double] {
        zip([1.0, -2, 0.5], p).map { Double(t) * $0 + $1 }
    }

    func testSGDMatchesPyTorchFormulas() {
        for (momentum, nesterov, decay) in [(0.0, false, 0.0), (0.9, false, 0.0), (0.9, true, 0.01), (0.5, false, 0.1)] {
            var sgd = SGD<Double>(learningRate: 0.1, momentum: momentum, nesterov: nesterov, weightDecay: decay)
            var params = [Tensor<Double>([0.3, -0.7, 1.1])]
            var ref = [0.3, -0.7, 1.1], buf = [0.0, 0, 0]
            for t in 1...4 {
                var g = Self.gradient(ref, t)
                sgd.update(&params, gradients: [Tensor(Self.gradient(params[0].scalars, t))])
                for i in 0..<3 {
                    g[i] += decay * ref[i]
                    if momentum > 0 {
                        buf[i] = t == 1 ? g[i] : momentum * buf[i] + g[i]
                        ref[i] -= 0.1 * (nesterov ? g[i] + momentum * buf[i] : buf[i])
                    } else {
                        ref[i] -= 0.1 * g[i]
                    }
                }
                for i in 0..<3 { XCTAssertEqual(params[0].scalars[i], ref[i], accuracy: 1e-14, "momentum \(momentum) step \(t)") }
            }
            XCTAssertEqual(sgd.iteration, 4)
        }
    }

    func testAdamMatchesPyTorchFormulas() {
        for decay in [0.0, 0.05] {
            var adam = Adam<Double>(learningRate: 0.01, weightDecay: decay)
            var params = [Tensor<Double>([0.3, -0.7, 1.1]), Tensor<Double>(shape: [1, 1], scalars: [2])]
            var ref = [0.3, -0.7, 1.1, 2], m = [0.0, 0, 0, 0], v = [0.0, 0, 0, 0]
            for t in 1...5 {
                let gAll = Self.gradient(Array(ref[0..<3]), t) + [Double(t) - ref[3]]
                let g = [Tensor(Array(gAll[0..<3])), Tensor(shape: [1, 1], scalars: [gAll[3]])]
                adam.update(&params, gradients: g)
                for i in 0..<4 {
                    let gi = gAll[i] + decay * ref[i]
                    m[i] = 0.9 * m[i] + 0.1 * gi
                    v[i] = 0.999 * v[i] + 0.001 * gi * gi
                    let mHat = m[i] / (1 - pow(0.9, Double(t))), vHat = v[i] / (1 - pow(0.999, Double(t)))
                    ref[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
                }
                let got = params[0].scalars + params[1].scalars
                for i in 0..<4 { XCTAssertEqual(got[i], ref[i], accuracy: 1e-13, "step \(t)") }
            }
        }
        // Float runs the same update.
        var adam = Adam<Float>(learningRate: 0.1)
        var p = [Tensor<Float>([1, -1])]
        adam.update(&p, gradients: [Tensor([0.5, -3])])
        XCTAssertEqual(p[0].scalars[0], 0.9, accuracy: 1e-6)           // first step moves by lr * sign(g)
        XCTAssertEqual(p[0].scalars[1], -0.9, accuracy: 1e-6)
    }

    func testLearningRateSchedules() {
        XCTAssertEqual(LearningRateSchedule.constant.rate(base: 0.1, step: 1000), 0.1)
        let step = LearningRateSchedule.step(every: 10, factor: 0.5)
        XCTAssertEqual(step.rate(base: 0.1, step: 9), 0.1)
        XCTAssertEqual(step.rate(base: 0.1, step: 10), 0.05, accuracy: 1e-15)
        XCTAssertEqual(step.rate(base: 0.1, step: 25), 0.025, accuracy: 1e-15)
        XCTAssertEqual(LearningRateSchedule.exponential(decay: 0.9).rate(base: 2, step: 3), 2 * 0.729, accuracy: 1e-14)
        let cosine = LearningRateSchedule.cosine(period: 100, minimum: 0.01)
        XCTAssertEqual(cosine.rate(base: 0.1, step: 0), 0.1, accuracy: 1e-15)
        XCTAssertEqual(cosine.rate(base: 0.1, step: 50), 0.055, accuracy: 1e-15)
        XCTAssertEqual(cosine.rate(base: 0.1, step: 100), 0.01, accuracy: 1e-15)
        XCTAssertEqual(cosine.rate(base: 0.1, step: 500), 0.01, accuracy: 1e-15)
        // The optimiser uses the scheduled rate: plain SGD moves by rate * g.
        var sgd = SGD<Double>(learningRate: 1, schedule: .exponential(decay: 0.5))
        var p = [Tensor<Double>([0])]
        for _ in 0..<3 { sgd.update(&p, gradients: [Tensor([1])]) }
        XCTAssertEqual(p[0].scalars[0], -(1 + 0.5 + 0.25), accuracy: 1e-15)
    }

    /// Rosenbrock f = (1 - a)^2 + 100 (b - a^2)^2 from (-1.2, 1): L-BFGS reaches (1, 1) with
    /// either line search, and the strong-Wolfe search needs few evaluations.
    func testLBFGSMinimisesRosenbrock() throws {
        func rosenbrock(_ p: [Tensor<Double>]) -> (loss: Double, gradients: [Tensor<Double>]) {
            let (a, b) = (p[0].scalars[0], p[0].scalars[1])
            let f = (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a)
            return (f, [Tensor([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)])])
        }
        for search in [LineSearch.strongWolfe(), .backtracking()] {
            var lbfgs = LBFGS<Double>(lineSearch: search)
            var p = [Tensor<Double>([-1.2, 1])]
            var last = Double.infinity
            for _ in 0..<200 {
                let f = try lbfgs.step(&p, objective: rosenbrock)
                XCTAssertLessThanOrEqual(f, last + 1e-12, "\(search): loss must not increase")
                last = f
            }
            XCTAssertEqual(p[0].scalars[0], 1, accuracy: 1e-6, "\(search)")
            XCTAssertEqual(p[0].scalars[1], 1, accuracy: 1e-6, "\(search)")
            if case .strongWolfe = search { XCTAssertLessThan(lbfgs.evaluations, 200) }
        }
    }

    /// On a convex quadratic in 20 dimensions L-BFGS (memory 10) converges far faster than
    /// gradient descent, and a throwing objective leaves the parameters unchanged.
    func testLBFGSOnQuadraticAndErrors() throws {
        let n = 20
        let diag = (0..<n).map { 1 + Double($0) }                  // condition number 20
        func quadratic(_ p: [Tensor<Double>]) -> (loss: Double, gradients: [Tensor<Double>]) {
            let x = p[0].scalars
            return (zip(diag, x).reduce(0) { $0 + 0.5 * $1.0 * ($1.1 - 1) * ($1.1 - 1) },
                    [Tensor(zip(diag, x).map { $0 * ($1 - 1) })])
        }
        var lbfgs = LBFGS<Double>()
        var p = [Tensor<Double>(zeros: [n])]
        for _ in 0..<30 { _ = try lbfgs.step(&p, objective: quadratic) }
        XCTAssertLessThan(quadratic(p).loss, 1e-14)

        struct Boom: Error {}
        let before = p[0]
        var fresh = LBFGS<Double>()
        XCTAssertThrowsError(try fresh.step(&p) { _ in throw Boom() })
        XCTAssertTrue(p[0].isIdentical(to: before))
        // A failing trial point far along the direction only shortens the step.
        var guarded = LBFGS<Double>(learningRate: 100)
        var q = [Tensor<Double>(zeros: [n])]
        var failures = 0
        let f = try guarded.step(&q) { p in
            if p[0].scalars.contains(where: { abs($0) > 5 }) { failures += 1; throw Boom() }
            return quadratic(p)
        }
        XCTAssertGreaterThan(failures, 0)
        XCTAssertLessThan(f, quadratic([Tensor(zeros: [n])]).loss)
    }
}
