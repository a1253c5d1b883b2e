import Maclaurin

/// The fixed inputs of the MLP workloads: Glorot-normal-like weights and uniform points in
/// [-2, 2], from a seeded generator (the references use NumPy's generator with the same recipe:
/// W ~ N(0, 2/(in+out)), b ~ N(0, 0.01); the figures compared are timings, so only the sizes and
/// the recipe need to agree, not the exact numbers).
public enum WorkloadData {
    public static func mlp(_ sizes: [Int], activation: Activation = .tanh, seed: UInt64 = 0) -> Sequential<Float> {
        var g = SeededGenerator(seed: seed)
        var layers: [any Layer<Float>] = []
        for (i, (a, b)) in zip(sizes, sizes.dropFirst()).enumerated() {
            let w = Tensor<Float>(randomNormal: [a, b], standardDeviation: Float((2.0 / Double(a + b)).squareRoot()), generator: &g)
            let bias = Tensor<Float>(randomNormal: [b], standardDeviation: 0.1, generator: &g)
            layers.append(Dense(kernel: w, bias: bias, activation: i == sizes.count - 2 ? .linear : activation))
        }
        // The sizes are consistent by construction.
        guard let model = try? Sequential(inputShape: [sizes[0]], layers: layers) else {
            preconditionFailure("inconsistent workload sizes \(sizes)")
        }
        return model
    }

    public static func points(_ n: Int, _ d: Int, seed: UInt64 = 1) -> Tensor<Float> {
        var g = SeededGenerator(seed: seed)
        return Tensor(randomUniform: [n, d], low: -2, high: 2, generator: &g)
    }
}

/// One benchmark workload: a name, what it measures, and how to run it.
public struct Workload: Sendable {
    public let id: String
    public let summary: String
    public let run: @Sendable () -> [Measurement]
}

/// The registry of workloads `maclaurin bench` knows (BENCHMARKS.md ids).
public enum WorkloadRegistry {
    public static var all: [Workload] {
        [
            Workload(id: "W1", summary: "MLP 2-64-64-64-1 tanh, N=4096: value + input Jacobian") {
                jacobianWorkload("W1", sizes: [2, 64, 64, 64, 1], n: 4096)
            },
            Workload(id: "W1b", summary: "MLP 16-128-128-128-8 tanh, N=1024: Jacobian 8x16 per point") {
                jacobianWorkload("W1b", sizes: [16, 128, 128, 128, 8], n: 1024)
            },
            Workload(id: "W2", summary: "MLP 8-64-64-1 tanh, N=1024: Hessian 8x8 per point") {
                let model = WorkloadData.mlp([8, 64, 64, 1]), x = WorkloadData.points(1024, 8)
                return [
                    measure("W2", "maclaurin_hessian") { _ = model.hessian(at: x) },
                    measure("W2", "maclaurin_generic_hessian_fwd_over_rev") { _ = model.usingGenericEngine.hessian(at: x) },
                ]
            },
            Workload(id: "W3", summary: "MLP 1-64-64-1 tanh, N=1024: d^k y/dx^k for k=1..8 (Taylor mode)") {
                let model = WorkloadData.mlp([1, 64, 64, 1]), x = WorkloadData.points(1024, 1)
                let v = Tensor<Float>([1])
                return [
                    measure("W3", "maclaurin_taylor_k8") { _ = model.directionalDerivatives(at: x, direction: v, order: 8) },
                    measure("W3", "maclaurin_generic_taylor_k8") {
                        _ = model.usingGenericEngine.directionalDerivatives(at: x, direction: v, order: 8)
                    },
                ]
            },
            Workload(id: "W4", summary: "MLP 2-64-64-1 tanh, batch 1024: one Sobolev step (y, dy/dx1, dy/dx2; Adam)") {
                let w = W4Workload()
                var loss = 0.0
                var m = measure("W4", "maclaurin_sobolev_step") { loss = w.run() }
                m.extra = [("loss_last", format(loss, 6))]
                return [m]
            },
            Workload(id: "W6", summary: "PSO 64 particles x 500 iterations, 2-16-1 tanh on value + partial samples") {
                func swarm<S: TensorScalar>(_: S.Type, _ name: String) -> Measurement {
                    let w = W6Workload<S>()
                    var loss = 0.0
                    var m = measure("W6", name, repetitions: 10, warmup: 1, budget: 20) { loss = w.run() }
                    m.extra = [("final_loss", format(loss, 6))]
                    return m
                }
                return [swarm(Float.self, "maclaurin_pso_constriction_f32"), swarm(Double.self, "maclaurin_pso_constriction_f64")]
            },
            Workload(id: "W5", summary: "Taylor CNN 32x32x3, batch 64: one training step (forward with dropout, cross-entropy, backward, Adam)") {
                [CNNWorkloads.trainStep()]
            },
            Workload(id: "W5i", summary: "Taylor CNN 32x32x3, batch 64: inference forward and softmax") {
                [CNNWorkloads.inference()]
            },
            Workload(id: "W7", summary: "float32 matmul 1024 and 2048 (GFLOP/s)") { matmulWorkload() },
        ]
    }

    static func jacobianWorkload(_ id: String, sizes: [Int], n: Int) -> [Measurement] {
        let model = WorkloadData.mlp(sizes), x = WorkloadData.points(n, sizes[0])
        let generic = model.usingGenericEngine
        return [
            measure(id, "maclaurin_jacobian_reverse") { _ = model.valueAndJacobian(at: x, mode: .reverse) },
            measure(id, "maclaurin_jacobian_forward") { _ = model.valueAndJacobian(at: x, mode: .forward) },
            measure(id, "maclaurin_generic_jacobian_reverse") { _ = generic.valueAndJacobian(at: x, mode: .reverse) },
            measure(id, "maclaurin_generic_jacobian_forward") { _ = generic.valueAndJacobian(at: x, mode: .forward) },
        ]
    }

    static func matmulWorkload() -> [Measurement] {
        [1024, 2048].map { n in
            var g = SeededGenerator(seed: 0)
            let a = Tensor<Float>(randomNormal: [n, n], generator: &g), b = Tensor<Float>(randomNormal: [n, n], generator: &g)
            var m = measure("W7", "maclaurin_matmul_\(n)", repetitions: 30) { _ = a.matmul(b) }
            let flops = 2 * Double(n) * Double(n) * Double(n)
            m.extra = [("size", "\(n)"), ("GFLOPs_median", format(flops / m.medianMilliseconds / 1e6, 1)),
                       ("GFLOPs_best", format(flops / m.minimumMilliseconds / 1e6, 1))]
            return m
        }
    }
}
