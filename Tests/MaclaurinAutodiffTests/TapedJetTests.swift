import MaclaurinAutodiff
import MaclaurinNN
import XCTest

/// Reverse mode over Taylor mode (`Jet<Var<Tensor<Double>>>`): the gradient with respect to the
/// weights of a loss on input-derivative coefficients, as in training on derivative data, against
/// finite differences in the weights. On a tape the Taylor rules run as composed primitive
/// recurrences, so this also differentiates every recurrence.
final class TapedJetTests: XCTestCase {
    /// y = act(x W1 + b1) W2, differentiated to order 3 along 2 directions at 2 points; the loss
    /// L = sum_k <r_k, y_k> + |y_1|^2 / 2 depends on every coefficient and nonlinearly on y_1.
    func testGradientOfDerivativeLossMatchesFiniteDifferences() {
        let order = 3
        for (i, activation) in Activation.allCases.enumerated() {
            var g = SeededGenerator(seed: 800 + UInt64(i))
            let x = randomTensor([2, 3], -1, 1, &g), v = randomTensor([2, 2, 3], -1, 1, &g)
            var weights = [randomTensor([3, 4], -0.8, 0.8, &g), randomTensor([4], -0.5, 0.5, &g), randomTensor([4, 2], -0.8, 0.8, &g)]
            if activation == .relu {
                // Keep pre-activations 0.05 away from the kink: finite-difference steps move them by < 0.01.
                while (x.matmul(weights[0]) + weights[1]).scalars.contains(where: { abs($0) < 0.05 }) {
                    weights[1] = randomTensor([4], -0.5, 0.5, &g)
                }
            }
            let r = (1...order).map { _ in randomTensor([2, 2, 2], -1, 1, &g) }

            func loss<B: TensorAlgebra>(_ w: [B], _ x: Jet<B>) -> B where B.Scalar == Double {
                let lifted = w.map { Jet<B>(constantValue: $0) }
                let y = activation(x.matmul(lifted[0]) + lifted[1]).matmul(lifted[2])
                var total = (y.coefficient(1) * y.coefficient(1)).sum() * 0.5
                for k in 1...order { total = total + (y.coefficient(k) * B(constant: r[k - 1])).sum() }
                return total
            }
            func plainLoss(_ w: [Tensor<Double>]) -> Double {
                loss(w, Jet(primal: x, directions: v, order: order)).scalar
            }

            let vars = weights.map { Var(variable: $0) }
            let taped = loss(vars, Jet(primal: Var(constant: x), directions: Var(constant: v), order: order))
            XCTAssertEqual(taped.value.scalar, plainLoss(weights), accuracy: 64 * FD.u * abs(plainLoss(weights)),
                           "\(activation): taped and plain loss")
            let grads = gradients(of: taped, withRespectTo: vars)
            let fd = FD.gradient(weights) { plainLoss($0) }
            // Loss evaluations are within ~256 u of a magnitude of a few units.
            let noise = 1.5 * 256 * FD.u * max(abs(plainLoss(weights)), 1) / FD.h
            for p in weights.indices {
                assertClose(grads[p].value, fd[p], relative: 1e-7, absolute: noise, "\(activation): d loss / d weight \(p)")
            }
        }
    }
}
