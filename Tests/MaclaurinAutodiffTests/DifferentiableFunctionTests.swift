import MaclaurinAutodiff
import MaclaurinNN
import XCTest

/// A small multilayer perceptron written directly against `TensorAlgebra`:
/// h_1 = act(x W_1 + b_1), h_2 = act(h_1 W_2 + b_2), y = h_2 W_3 + b_3.
struct TestMLP: DifferentiableFunction {
    typealias Scalar = Double
    var layers: [(weight: Tensor<Double>, bias: Tensor<Double>)]
    var activation: Activation

    init(sizes: [Int], activation: Activation, generator g: inout SeededGenerator) {
        layers = zip(sizes, sizes.dropFirst()).map { n, m in
            (Tensor(glorotUniform: [n, m], fanIn: n, fanOut: m, generator: &g) * 1.5, randomTensor([m], -0.5, 0.5, &g))
        }
        self.activation = activation
    }

    func callAsFunction<V: TensorAlgebra>(_ x: V) -> V where V.Scalar == Double {
        var h = x
        for (i, layer) in layers.enumerated() {
            h = h.matmul(V(constant: layer.weight)) + V(constant: layer.bias)
            if i < layers.count - 1 { h = activation(h) }
        }
        return h
    }

    /// The smallest |pre-activation| over the hidden layers at the points `x`.
    func kinkMargin(_ x: Tensor<Double>) -> Double {
        var h = x, margin = Double.infinity
        for layer in layers.dropLast() {
            h = h.matmul(layer.weight) + layer.bias
            margin = min(margin, h.scalars.map(abs).min() ?? .infinity)
            h = activation(h)
        }
        return margin
    }
}

/// The `DifferentiableFunction` API (Jacobians, Hessian, Laplacian, directional derivatives,
/// mixed partials) on a random 3-4-4-2 MLP with every activation, at 3 points.
final class DifferentiableFunctionTests: XCTestCase {
    static let (points, inputs) = (3, 3)

    /// The network and points; for relu, points are redrawn until every pre-activation is at
    /// least 0.05 from the kink, so finite differences (steps of at most 2e-3 along unit-size
    /// directions, moving pre-activations by less than 0.01) never cross it.
    static func setUp(_ activation: Activation, seed: UInt64) -> (TestMLP, Tensor<Double>) {
        var g = SeededGenerator(seed: seed)
        let f = TestMLP(sizes: [inputs, 4, 4, 2], activation: activation, generator: &g)
        var x = randomTensor([points, inputs], -1, 1, &g)
        while activation == .relu && f.kinkMargin(x) < 0.05 { x = randomTensor([points, inputs], -1, 1, &g) }
        return (f, x)
    }

    /// Row b of a [B, ...] tensor.
    static func row(_ t: Tensor<Double>, _ b: Int) -> Tensor<Double> {
        t.slice(axis: 0, b..<(b + 1)).reshaped(to: Array(t.shape.dropFirst()))
    }

    /// Rounding noise of a 5-point difference of values of size ~`scale` (see `FD`), with 64
    /// roundings per evaluation for this depth of network.
    static func noise(_ scale: Double) -> Double { 1.5 * 64 * FD.u * max(scale, 1) / FD.h }

    func testJacobians() {
        for (i, activation) in Activation.allCases.enumerated() {
            let (f, x) = Self.setUp(activation, seed: 100 + UInt64(i))
            let forward = f.valueAndJacobian(at: x, mode: .forward)
            let reverse = f.valueAndJacobian(at: x, mode: .reverse)
            let automatic = f.valueAndJacobian(at: x)
            let value = f(x)
            XCTAssertTrue(forward.value.isIdentical(to: value), "\(activation): forward value")
            XCTAssertTrue(reverse.value.isIdentical(to: value), "\(activation): reverse value")
            XCTAssertEqual(forward.jacobian.shape, [Self.points, 2, Self.inputs])
            // Both modes sum the same products over the network's paths in different orders.
            assertClose(forward.jacobian, reverse.jacobian, relative: 64 * FD.u, "\(activation): forward vs reverse Jacobian")
            assertClose(automatic.jacobian, reverse.jacobian, relative: 64 * FD.u, "\(activation): automatic Jacobian")
            // J[b, :, j] = d y[b, :] / d x[b, j] by differences of the whole batch (rows are independent).
            for j in 0..<Self.inputs {
                for b in 0..<Self.points {
                    let column = FD.derivatives { t in Self.row(f(FD.perturbed(x, b * Self.inputs + j, t)), b).scalars }
                    let want = Tensor(shape: [2], scalars: column)
                    let got = Tensor(shape: [2], scalars: (0..<2).map { forward.jacobian[b, $0, j] })
                    assertClose(got, want, relative: 1e-7, absolute: Self.noise(maxAbs(value)), "\(activation): J[\(b), :, \(j)]")
                }
            }
        }
    }

    func testHessianAndLaplacian() {
        for (i, activation) in Activation.allCases.enumerated() {
            let (f, x) = Self.setUp(activation, seed: 200 + UInt64(i))
            let h = f.hessian(at: x)
            XCTAssertEqual(h.shape, [Self.points, 2, Self.inputs, Self.inputs], "\(activation): Hessian shape")
            guard h.shape == [Self.points, 2, Self.inputs, Self.inputs] else { continue }
            assertClose(h, h.transposed(), relative: 64 * FD.u, "\(activation): Hessian symmetry")
            // H[b, o, j, :] = d J[b, o, :] / d x[b, j] by differences of the reverse-mode Jacobian.
            let jacobianScale = maxAbs(f.valueAndJacobian(at: x, mode: .reverse).jacobian)
            for b in 0..<Self.points {
                for j in 0..<Self.inputs {
                    // Row b of J at x + t e_(b, j), flattened [outputs * inputs].
                    let fd = FD.derivatives { t in
                        Self.row(f.valueAndJacobian(at: FD.perturbed(x, b * Self.inputs + j, t), mode: .reverse).jacobian, b).scalars
                    }
                    let got = (0..<(2 * Self.inputs)).map { e in h[b, e / Self.inputs, j, e % Self.inputs] }
                    assertClose(Tensor(shape: [2 * Self.inputs], scalars: got), Tensor(shape: [2 * Self.inputs], scalars: fd),
                                relative: 1e-7, absolute: Self.noise(jacobianScale), "\(activation): H[\(b), :, \(j), :]")
                }
            }
            // Laplacian = trace of the Hessian (order-2 jets vs forward-over-reverse).
            let trace = Tensor(shape: [Self.points, 2], scalars: (0..<(Self.points * 2)).map { r in
                (0..<Self.inputs).reduce(0) { $0 + h[r / 2, r % 2, $1, $1] }
            })
            assertClose(f.laplacian(at: x), trace, relative: 64 * FD.u, absolute: 64 * FD.u * maxAbs(h),
                        "\(activation): Laplacian vs trace(H)")
        }
    }

    func testDirectionalDerivatives() {
        for (i, activation) in Activation.allCases.enumerated() {
            let (f, x) = Self.setUp(activation, seed: 300 + UInt64(i))
            var g = SeededGenerator(seed: 400 + UInt64(i))
            let shared = randomTensor([Self.inputs], -1, 1, &g)
            let perPoint = randomTensor([Self.points, Self.inputs], -1, 1, &g)
            let h = f.hessian(at: x)
            for (name, v) in [("shared", shared), ("per point", perPoint)] {
                let vs = v.rank == 1 ? v.broadcast(to: x.shape) : v
                let d = f.directionalDerivatives(at: x, direction: v, order: 2)
                XCTAssertEqual(d.shape, [Self.points, 2, 3])
                let value = f(x)
                func along(_ t: Double) -> Tensor<Double> { f(x + vs * t) }
                let first = Tensor(shape: [Self.points, 2], scalars: FD.derivatives { along($0).scalars })
                // Order 2 is d/dt of order 1 at x + t v (order 1 checked above).
                let second = Tensor(shape: [Self.points, 2], scalars: FD.derivatives { t in
                    f.directionalDerivatives(at: x + vs * t, direction: v, order: 1).slice(axis: 2, 1..<2).scalars
                })
                let part = { (k: Int) in d.slice(axis: 2, k..<(k + 1)).reshaped(to: [Self.points, 2]) }
                XCTAssertTrue(part(0).isIdentical(to: value), "\(activation) \(name): order 0 is the value")
                assertClose(part(1), first, relative: 1e-7, absolute: Self.noise(maxAbs(value)), "\(activation) \(name): order 1")
                assertClose(part(2), second, relative: 1e-7, absolute: Self.noise(maxAbs(part(1))), "\(activation) \(name): order 2")
                // Order 2 is also v^T H v exactly.
                let quadratic = Tensor(shape: [Self.points, 2], scalars: (0..<(2 * Self.points)).map { e in
                    let (b, o) = (e / 2, e % 2)
                    var s = 0.0
                    for p in 0..<Self.inputs { for q in 0..<Self.inputs { s += vs[b, p] * h[b, o, p, q] * vs[b, q] } }
                    return s
                })
                assertClose(part(2), quadratic, relative: 256 * FD.u, "\(activation) \(name): order 2 vs v^T H v")
            }
        }
    }

    func testMixedPartialsMatchJacobianAndHessian() {
        for (i, activation) in Activation.allCases.enumerated() {
            let (f, x) = Self.setUp(activation, seed: 500 + UInt64(i))
            let partials = f.mixedPartials(at: x, upToOrder: 2)
            XCTAssertEqual(partials.count, Self.inputs + Self.inputs * (Self.inputs + 1) / 2, "\(activation): number of multi-indices")
            let j = f.valueAndJacobian(at: x, mode: .reverse).jacobian
            let h = f.hessian(at: x)
            for a in 0..<Self.inputs {
                var e = [Int](repeating: 0, count: Self.inputs); e[a] = 1
                let want = j.slice(axis: 2, a..<(a + 1)).reshaped(to: [Self.points, 2])
                if let got = partials[e] {
                    assertClose(got, want, relative: 1e-12, "\(activation): partial \(e)")
                } else { XCTFail("\(activation): no partial \(e)") }
                for b in a..<Self.inputs {
                    var m = [Int](repeating: 0, count: Self.inputs); m[a] += 1; m[b] += 1
                    let want = Tensor(shape: [Self.points, 2], scalars: (0..<(2 * Self.points)).map { h[$0 / 2, $0 % 2, a, b] })
                    // Interpolation solves a 6x6 system with entries <= 4: a condition number of
                    // order 10 on top of the Hessian's own rounding.
                    if let got = partials[m] {
                        assertClose(got, want, relative: 1e-12, absolute: 1e-12 * maxAbs(h), "\(activation): partial \(m)")
                    } else { XCTFail("\(activation): no partial \(m)") }
                }
            }
        }
    }
}
