import MaclaurinNN
import XCTest

/// Shared helpers: seeded random tensors and central finite-difference checks in Double.
enum Support {
    static func random(_ shape: [Int], seed: UInt64, low: Double = -1, high: Double = 1) -> Tensor<Double> {
        var g = SeededGenerator(seed: seed)
        return Tensor(randomUniform: shape, low: low, high: high, generator: &g)
    }

    /// Up to `limit` flat indices of a tensor with `count` elements (all of them when it is small).
    static func sampleIndices(count: Int, limit: Int, seed: UInt64) -> [Int] {
        if count <= limit { return Array(0..<count) }
        var g = SeededGenerator(seed: seed)
        return (0..<limit).map { _ in Int(g.next() % UInt64(count)) }
    }

    static func perturbed(_ t: Tensor<Double>, at i: Int, by h: Double) -> Tensor<Double> {
        var s = t.scalars
        s[i] += h
        return Tensor(shape: t.shape, scalars: s)
    }

    /// Relative agreement: |a - b| <= tolerance * max(1, |a|, |b|).
    static func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(a), abs(b))
    }

    static func assertClose(_ a: Tensor<Double>, _ b: Tensor<Double>, _ tolerance: Double, _ what: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.shape, b.shape, "\(what): shapes", file: file, line: line)
        guard a.shape == b.shape else { return }
        for (i, (x, y)) in zip(a.scalars, b.scalars).enumerated() where !close(x, y, tolerance) {
            XCTFail("\(what): element \(i): \(x) vs \(y) (tolerance \(tolerance))", file: file, line: line)
            return
        }
    }

    /// A fresh context per evaluation so that dropout draws the same mask every time.
    static func context(training: Bool) -> ForwardContext { ForwardContext(isTraining: training, seed: 42) }

    /// L(x, theta) = sum(layer(x; theta) * r) on plain tensors.
    static func loss<L: Layer>(_ layer: L, _ x: Tensor<Double>, _ params: [Tensor<Double>], _ r: Tensor<Double>,
                               training: Bool) -> Double where L.Scalar == Double {
        (layer.forward(x, parameters: params, context: context(training: training)) * r).sum().scalar
    }

    /// Reverse-mode gradients of L with respect to the input and every parameter, against central
    /// differences (step h) on up to `limit` coordinates of each.
    static func checkGradients<L: Layer>(_ layer: L, input x: Tensor<Double>, training: Bool = false,
                                         h: Double = 1e-5, tolerance: Double = 1e-7, limit: Int = 40,
                                         file: StaticString = #filePath, line: UInt = #line) where L.Scalar == Double {
        let params = layer.parameters
        let y = layer.forward(x, parameters: params, context: context(training: training))
        let r = random(y.shape, seed: 7)
        let xv = Var(variable: x)
        let pv = params.map { Var(variable: $0) }
        let out = layer.forward(xv, parameters: pv, context: context(training: training))
        let l = (out * Var(constant: r)).sum()
        XCTAssertEqual(l.value.scalar, loss(layer, x, params, r, training: training), accuracy: 1e-12,
                       "\(layer.kind): taped value differs from plain value", file: file, line: line)
        let grads = gradients(of: l, withRespectTo: [xv] + pv).map(\.value)
        let names = ["input"] + layer.parameterNames
        for (k, t) in ([x] + params).enumerated() {
            XCTAssertEqual(grads[k].shape, t.shape, "\(layer.kind) \(names[k]) gradient shape", file: file, line: line)
            for i in sampleIndices(count: t.count, limit: limit, seed: UInt64(k + 1)) {
                func at(_ d: Double) -> Double {
                    let moved = perturbed(t, at: i, by: d)
                    return k == 0 ? loss(layer, moved, params, r, training: training)
                        : loss(layer, x, params.enumerated().map { $0.offset == k - 1 ? moved : $0.element }, r, training: training)
                }
                let fd = (at(h) - at(-h)) / (2 * h)
                let analytic = grads[k].scalars[i]
                if !close(analytic, fd, tolerance) {
                    XCTFail("\(layer.kind) '\(layer.name)': d/d\(names[k])[\(i)] reverse \(analytic) vs finite difference \(fd)",
                            file: file, line: line)
                    return
                }
            }
        }
    }

    /// Second order: Hessian-vector products by reverse-over-reverse (`createGraph`) against
    /// central differences of the reverse-mode gradient, for the input and all parameters at once.
    static func checkHessianVectorProduct<L: Layer>(_ layer: L, input x: Tensor<Double>, h: Double = 1e-5,
                                                    tolerance: Double = 1e-6,
                                                    file: StaticString = #filePath, line: UInt = #line) where L.Scalar == Double {
        let params = layer.parameters
        let all = [x] + params
        let r = random(layer.forward(x, parameters: params, context: .inference).shape, seed: 11)
        let v = all.enumerated().map { random($0.element.shape, seed: 100 + UInt64($0.offset)) }
        func gradient(_ point: [Tensor<Double>]) -> [Tensor<Double>] {
            let vars = point.map { Var(variable: $0) }
            let out = layer.forward(vars[0], parameters: Array(vars.dropFirst()), context: .inference)
            return gradients(of: (out * Var(constant: r)).sum(), withRespectTo: vars).map(\.value)
        }
        // Reverse over reverse.
        let vars = all.map { Var(variable: $0) }
        let out = layer.forward(vars[0], parameters: Array(vars.dropFirst()), context: .inference)
        let g = gradients(of: (out * Var(constant: r)).sum(), withRespectTo: vars, createGraph: true)
        let gv = zip(g, v).map { ($0 * Var(constant: $1)).sum() }.reduce(Var(constant: Tensor(0.0)), +)
        let hv = gradients(of: gv, withRespectTo: vars).map(\.value)
        // Central differences of the gradient along v.
        let plus = gradient(zip(all, v).map { $0 + $1 * h }), minus = gradient(zip(all, v).map { $0 - $1 * h })
        let names = ["input"] + layer.parameterNames
        for k in all.indices {
            let fd = (plus[k] - minus[k]) / (2 * h)
            assertClose(hv[k], fd, tolerance, "\(layer.kind): (H v) for \(names[k])", file: file, line: line)
        }
    }
}
