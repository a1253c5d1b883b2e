import MaclaurinNN
import XCTest

/// The fused MLP path of `Sequential` (value, Jacobian in both modes, Hessian, Laplacian,
/// directional derivatives) against the generic engine (`usingGenericEngine`, itself checked
/// against finite differences and JAX references elsewhere), for random MLPs with every
/// activation, depths 1-4, odd widths and batch sizes (1, below, at and across tile edges), in
/// Double and Float; and models the path does not cover still get the generic results.
final class FastDerivativeTests: XCTestCase {
    static let fusedActivations: [Activation] = [.linear, .tanh, .sigmoid, .softplus, .sin, .relu, .gelu, .exp]

    /// A random MLP sizes[0] -> ... -> sizes.last with `activation` on every layer but the last,
    /// which gets `outputActivation`. Weights scaled so every activation stays in a moderate range.
    static func mlp<S: TensorScalar>(_ sizes: [Int], _ activation: Activation, output outputActivation: Activation,
                                     seed: UInt64) throws -> Sequential<S> {
        var g = SeededGenerator(seed: seed)
        var layers: [any Layer<S>] = []
        for (i, (a, b)) in zip(sizes, sizes.dropFirst()).enumerated() {
            let w = Tensor<Double>(randomUniform: [a, b], low: -1, high: 1, generator: &g) * (1.2 / Double(a).squareRoot())
            let bias = Tensor<Double>(randomUniform: [b], low: -0.5, high: 0.5, generator: &g)
            let act = i == sizes.count - 2 ? outputActivation : activation
            layers.append(Dense(kernel: Tensor<S>(w), bias: Tensor<S>(bias), activation: act))
        }
        return try Sequential(inputShape: [sizes[0]], layers: layers)
    }

    /// max |got - want| <= tolerance * max |want| (errors relative to the tensor's scale).
    static func assertClose<S: TensorScalar>(_ got: Tensor<S>, _ want: Tensor<S>, _ tolerance: Double, _ what: String,
                                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.shape, want.shape, "\(what): shape", file: file, line: line)
        guard got.shape == want.shape else { return }
        let scale = max(want.scalars.reduce(0) { max($0, abs(Double($1))) }, 1e-30)
        let error = zip(got.scalars, want.scalars).reduce(0) { max($0, abs(Double($1.0) - Double($1.1))) }
        XCTAssertTrue(error <= tolerance * scale, "\(what): max error \(error) > \(tolerance) x scale \(scale)",
                      file: file, line: line)
    }

    /// Every fused derivative of `model` at `x` against the generic engine.
    static func compare<S: TensorScalar>(_ model: Sequential<S>, _ x: Tensor<S>, tolerance: Double, _ what: String,
                                         orders: [Int] = [1, 3, 8], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(model.hasFusedDerivatives, "\(what): fused path expected", file: file, line: line)
        let generic = model.usingGenericEngine
        for mode in JacobianMode.allCases {
            let fast = model.valueAndJacobian(at: x, mode: mode), slow = generic.valueAndJacobian(at: x, mode: mode)
            assertClose(fast.value, slow.value, tolerance, "\(what) value (\(mode))", file: file, line: line)
            assertClose(fast.jacobian, slow.jacobian, tolerance, "\(what) jacobian (\(mode))", file: file, line: line)
        }
        assertClose(model.hessian(at: x), generic.hessian(at: x), tolerance, "\(what) hessian", file: file, line: line)
        assertClose(model.laplacian(at: x), generic.laplacian(at: x), tolerance, "\(what) laplacian", file: file, line: line)
        var g = SeededGenerator(seed: 99)
        let perPoint = Tensor<S>(Tensor<Double>(randomUniform: x.shape, low: -1, high: 1, generator: &g))
        let shared = Tensor<S>(Tensor<Double>(randomUniform: [x.shape[1]], low: -1, high: 1, generator: &g))
        for order in orders {
            for (v, kind) in [(perPoint, "per point"), (shared, "shared")] {
                let fast = model.directionalDerivatives(at: x, direction: v, order: order)
                let slow = generic.directionalDerivatives(at: x, direction: v, order: order)
                XCTAssertEqual(fast.shape, slow.shape, "\(what) directional shape", file: file, line: line)
                // Each order on its own scale (k! grows fast).
                for k in 0...order where fast.shape == slow.shape {
                    assertClose(fast.slice(axis: 2, k..<(k + 1)), slow.slice(axis: 2, k..<(k + 1)), tolerance,
                                "\(what) d^\(k) along a \(kind) direction (order \(order))", file: file, line: line)
                }
            }
        }
    }

    func testEveryActivationAndDepthInDouble() throws {
        let shapes: [[Int]] = [[3, 2], [2, 5, 1], [4, 7, 3, 2], [5, 9, 6, 4, 3]]
        for (a, activation) in Self.fusedActivations.enumerated() {
            for (s, sizes) in shapes.enumerated() {
                let seed = UInt64(10 * a + s)
                let model: Sequential<Double> = try Self.mlp(sizes, activation, output: s % 2 == 0 ? .linear : activation, seed: seed)
                for points in [1, 37] {
                    let x = Support.random([points, sizes[0]], seed: seed + 100)
                    Self.compare(model, x, tolerance: 1e-12, "\(activation) \(sizes) B=\(points)")
                }
            }
        }
    }

    func testEveryActivationInFloat() throws {
        for (a, activation) in Self.fusedActivations.enumerated() {
            let model: Sequential<Float> = try Self.mlp([3, 17, 9, 2], activation, output: .linear, seed: 40 + UInt64(a))
            let x = Tensor<Float>(Support.random([29, 3], seed: 41 + UInt64(a)))
            Self.compare(model, x, tolerance: 1e-5, "float \(activation)", orders: [2, 8])
        }
    }

    /// Many tiles (with a short last one), widths above the kernels' chunk of 256 columns, and
    /// more outputs than inputs (automatic forward mode).
    func testLargeBatchesAndWideLayers() throws {
        let wide: Sequential<Double> = try Self.mlp([2, 300, 5], .tanh, output: .sigmoid, seed: 7)
        Self.compare(wide, Support.random([1037, 2], seed: 8), tolerance: 1e-12, "wide", orders: [4])
        let narrow: Sequential<Float> = try Self.mlp([6, 33, 33, 1], .tanh, output: .linear, seed: 9)
        Self.compare(narrow, Tensor<Float>(Support.random([2051, 6], seed: 10)), tolerance: 1e-5, "float batch", orders: [3])
    }

    /// Orders beyond the fused Taylor kernel (MCL_MLP_JET_MAX_ORDER = 16) take the jet kernels.
    func testHighOrderTaylor() throws {
        for (a, activation) in [Activation.tanh, .relu, .sigmoid, .softplus, .sin, .exp, .linear].enumerated() {
            let model: Sequential<Double> = try Self.mlp([2, 5, 3, 1], activation, output: .linear, seed: 60 + UInt64(a))
            let x = Support.random([3, 2], seed: 61), v = Support.random([2], seed: 62)
            let fast = model.directionalDerivatives(at: x, direction: v, order: 18)
            let slow = model.usingGenericEngine.directionalDerivatives(at: x, direction: v, order: 18)
            for k in [0, 1, 9, 17, 18] {
                Self.assertClose(fast.slice(axis: 2, k..<(k + 1)), slow.slice(axis: 2, k..<(k + 1)), 1e-12, "\(activation) d^\(k)")
            }
        }
    }

    /// A point gets bit for bit the same results alone as inside a batch (whatever the tiling).
    func testResultsDoNotDependOnTheBatch() throws {
        let model: Sequential<Float> = try Self.mlp([3, 20, 11, 2], .tanh, output: .sigmoid, seed: 51)
        let x = Tensor<Float>(Support.random([301, 3], seed: 52)), v = Tensor<Float>(Support.random([3], seed: 53))
        func all(_ x: Tensor<Float>) -> [Tensor<Float>] {
            let (value, reverse) = model.valueAndJacobian(at: x, mode: .reverse)
            return [value, reverse, model.valueAndJacobian(at: x, mode: .forward).jacobian, model.hessian(at: x),
                    model.laplacian(at: x), model.directionalDerivatives(at: x, direction: v, order: 5)]
        }
        let batch = all(x)
        for b in [0, 7, 150, 300] {
            for (k, (whole, alone)) in zip(batch, all(x.slice(axis: 0, b..<(b + 1)))).enumerated() {
                XCTAssertTrue(whole.slice(axis: 0, b..<(b + 1)).isIdentical(to: alone), "result \(k), point \(b)")
            }
        }
    }

    /// Independent invariants of the fused results: symmetric Hessians whose trace is the
    /// Laplacian, and Jacobians against central differences of the value.
    func testInvariantsAndFiniteDifferences() throws {
        let model: Sequential<Double> = try Self.mlp([4, 8, 8, 3], .softplus, output: .tanh, seed: 21)
        let x = Support.random([5, 4], seed: 22)
        let h = model.hessian(at: x), lap = model.laplacian(at: x)
        for b in 0..<5 { for o in 0..<3 {
            var trace = 0.0
            for i in 0..<4 {
                trace += h[b, o, i, i]
                for j in 0..<4 { XCTAssertEqual(h[b, o, i, j], h[b, o, j, i], accuracy: 1e-13) }
            }
            XCTAssertEqual(lap[b, o], trace, accuracy: 1e-12 * max(1, abs(trace)))
        } }
        let (_, jacobian) = model.valueAndJacobian(at: x, mode: .reverse)
        let step = 1e-6
        for j in 0..<4 {
            var e = Tensor<Double>(zeros: [5, 4])
            for b in 0..<5 { e[b, j] = step }
            let fd = (model(x + e) - model(x - e)) / (2 * step)
            for b in 0..<5 { for o in 0..<3 { XCTAssertEqual(jacobian[b, o, j], fd[b, o], accuracy: 1e-8) } }
        }
    }

    /// Models outside the fused path give exactly the generic engine's results.
    func testOtherModelsUseTheGenericEngine() throws {
        var g = SeededGenerator(seed: 5)
        var taylor = TaylorExpansion<Double>(units: 4, order: 3)
        taylor.parameters = taylor.parameters.enumerated().map { Support.random($0.element.shape, seed: 6 + UInt64($0.offset)) }
        let polynomial = try Sequential<Double>(inputShape: [3], layers: [
            Dense<Double>(inputSize: 3, units: 4, activation: .tanh, generator: &g), taylor,
            Dense<Double>(inputSize: 4, units: 2, generator: &g),
        ])
        let conv = try Sequential<Double>(inputShape: [4, 4, 1], layers: [
            Conv2D<Double>(inputChannels: 1, filters: 2, kernelSize: (3, 3), activation: .tanh, generator: &g), Flatten<Double>(),
            Dense<Double>(inputSize: 8, units: 2, activation: .sigmoid, generator: &g),
        ])
        let softmax = try Sequential<Double>(inputShape: [3], layers: [Dense<Double>(inputSize: 3, units: 3, activation: .softmax, generator: &g)])
        for (model, inputs, name) in [(polynomial, 3, "taylor expansion"), (conv, 16, "conv2d"), (softmax, 3, "softmax")] {
            XCTAssertFalse(model.hasFusedDerivatives, name)
            let x = Support.random([3, inputs], seed: 8)
            let generic = model.usingGenericEngine
            XCTAssertTrue(model.valueAndJacobian(at: x).jacobian.isIdentical(to: generic.valueAndJacobian(at: x).jacobian), name)
            XCTAssertTrue(model.hessian(at: x).isIdentical(to: generic.hessian(at: x)), name)
            XCTAssertTrue(model.laplacian(at: x).isIdentical(to: generic.laplacian(at: x)), name)
            let v = Support.random([inputs], seed: 9)
            XCTAssertTrue(model.directionalDerivatives(at: x, direction: v, order: 3)
                .isIdentical(to: generic.directionalDerivatives(at: x, direction: v, order: 3)), name)
        }
        // gelu has no fused Taylor rule: directional derivatives come from the generic engine.
        let gelu: Sequential<Double> = try Self.mlp([2, 5, 1], .gelu, output: .linear, seed: 11)
        let x = Support.random([4, 2], seed: 12), v = Support.random([2], seed: 13)
        XCTAssertTrue(gelu.directionalDerivatives(at: x, direction: v, order: 4)
            .isIdentical(to: gelu.usingGenericEngine.directionalDerivatives(at: x, direction: v, order: 4)))
    }

    /// Generic code (a function generic over `DifferentiableFunction`) reaches the fused path.
    func testGenericCallersReachTheFusedPath() throws {
        func hessianThroughProtocol<F: DifferentiableFunction>(_ f: F, _ x: Tensor<F.Scalar>) -> Tensor<F.Scalar> { f.hessian(at: x) }
        let model: Sequential<Double> = try Self.mlp([3, 6, 2], .tanh, output: .linear, seed: 31)
        let x = Support.random([6, 3], seed: 32)
        XCTAssertTrue(hessianThroughProtocol(model, x).isIdentical(to: model.hessian(at: x)))
    }
}
