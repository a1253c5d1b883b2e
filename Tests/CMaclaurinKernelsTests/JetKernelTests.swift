// JetKernelTests.swift: Taylor-mode kernels (mcl_*_jet_unary, mcl_*_jet_mul).
//
// Independent references: the normalised derivatives c_m = f^(m)(x0)/m! in closed form (derivative
// polynomials for tanh and sigmoid), composed with the input series by truncated power-series
// arithmetic: y(t) = sum_m c_m (x(t) - x0)^m (Faa di Bruno, not the kernels' recurrences).
// Errors are measured against the same composition with |c_m| and |x_k| (the natural condition
// scale of each coefficient).
import CMaclaurinKernels
import XCTest

#if canImport(Glibc)
import Glibc
#endif

// MARK: references

/// Power series helpers on [Ref] truncated to a fixed length.
private func seriesMul(_ a: [Ref], _ b: [Ref]) -> [Ref] {
    var y = [Ref](repeating: 0, count: a.count)
    for k in 0..<a.count { for j in 0...k { y[k] += a[j] * b[k - j] } }
    return y
}

/// sum_m c[m] h^m truncated to c.count terms (h[0] must be 0).
private func compose(_ c: [Ref], _ h: [Ref]) -> [Ref] {
    var y = [Ref](repeating: 0, count: c.count), p = y
    p[0] = 1
    for m in 0..<c.count {
        for k in 0..<c.count { y[k] += c[m] * p[k] }
        p = seriesMul(p, h)
    }
    return y
}

/// Polynomial helpers (coefficients, lowest degree first).
private func polyEval(_ p: [Ref], _ x: Ref) -> Ref { p.reversed().reduce(0) { $0 * x + $1 } }
private func polyDeriv(_ p: [Ref]) -> [Ref] { p.count <= 1 ? [0] : (1..<p.count).map { Ref($0) * p[$0] } }
private func polyAdd(_ a: [Ref], _ b: [Ref]) -> [Ref] {
    (0..<max(a.count, b.count)).map { (($0 < a.count) ? a[$0] : 0) + (($0 < b.count) ? b[$0] : 0) }
}
private func polyMul(_ a: [Ref], _ b: [Ref]) -> [Ref] {
    var y = [Ref](repeating: 0, count: a.count + b.count - 1)
    for i in 0..<a.count { for j in 0..<b.count { y[i + j] += a[i] * b[j] } }
    return y
}

/// tanh^(m) = (1 - t^2) R_m(t): R_1 = 1, R_{m+1} = -2t R_m + (1 - t^2) R_m'.
private func tanhR(_ K: Int) -> [[Ref]] {
    var r: [[Ref]] = [[0], [1]]
    while r.count <= K {
        let p = r.last!
        r.append(polyAdd(polyMul([0, -2], p), polyMul([1, 0, -1], polyDeriv(p))))
    }
    return r
}

/// sigmoid^(m) = s(1 - s) S_m(s): S_1 = 1, S_{m+1} = (1 - 2s) S_m + (s - s^2) S_m'.
private func sigmoidS(_ K: Int) -> [[Ref]] {
    var r: [[Ref]] = [[0], [1]]
    while r.count <= K {
        let p = r.last!
        r.append(polyAdd(polyMul([1, -2], p), polyMul([0, 1, -1], polyDeriv(p))))
    }
    return r
}

private func refSigmoid(_ x: Ref) -> Ref { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
private func refSigmoidW(_ x: Ref) -> Ref { let e = exp(-abs(x)); return e / ((1 + e) * (1 + e)) }

/// c_m = f^(m)(x0) / m! for m = 0...K.
private func derivCoeffs(_ op: mcl_jet_op, _ x: Ref, _ K: Int) -> [Ref] {
    var fact: Ref = 1
    var c = [Ref]()
    for m in 0...K {
        if m > 0 { fact *= Ref(m) }
        let mm = Ref(m)
        let v: Ref
        switch op {
        case MCL_JET_EXP: v = exp(x)
        case MCL_JET_LOG: v = m == 0 ? log(x) : (m % 2 == 1 ? 1 : -1) * fact / mm / pow(x, mm)
        case MCL_JET_TANH:
            let z = 1 / (cosh(x) * cosh(x))
            v = m == 0 ? tanh(x) : z * polyEval(tanhR(K)[m], tanh(x))
        case MCL_JET_SIGMOID: v = m == 0 ? refSigmoid(x) : refSigmoidW(x) * polyEval(sigmoidS(K)[m], refSigmoid(x))
        case MCL_JET_SIN: v = [sin(x), cos(x), -sin(x), -cos(x)][m % 4]
        case MCL_JET_COS: v = [cos(x), -sin(x), -cos(x), sin(x)][m % 4]
        case MCL_JET_SOFTPLUS:
            v = m == 0 ? (x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)))
                : m == 1 ? refSigmoid(x) : refSigmoidW(x) * polyEval(sigmoidS(K)[m - 1], refSigmoid(x))
        case MCL_JET_SQRT:
            var b: Ref = 1 // (1/2)(1/2 - 1)...(1/2 - m + 1)
            for i in 0..<m { b *= Ref(0.5) - Ref(i) }
            v = b * pow(x, Ref(0.5) - mm)
        default: v = (m % 2 == 0 ? 1 : -1) * fact / pow(x, mm + 1) // reciprocal
        }
        c.append(v / fact)
    }
    return c
}

private struct JetOpCase {
    let op: mcl_jet_op
    let name: String
    let x0: (inout SplitMix64) -> Double
}

private let jetOps: [JetOpCase] = [
    JetOpCase(op: MCL_JET_EXP, name: "exp") { Double.random(in: -3..<3, using: &$0) },
    JetOpCase(op: MCL_JET_LOG, name: "log") { Double.random(in: 0.2..<5, using: &$0) },
    JetOpCase(op: MCL_JET_TANH, name: "tanh") { r in
        Int.random(in: 0..<8, using: &r) == 0 ? (Bool.random(using: &r) ? 9 : -9) : Double.random(in: -3..<3, using: &r)
    },
    JetOpCase(op: MCL_JET_SIGMOID, name: "sigmoid") { r in
        Int.random(in: 0..<8, using: &r) == 0 ? (Bool.random(using: &r) ? 25 : -25) : Double.random(in: -6..<6, using: &r)
    },
    JetOpCase(op: MCL_JET_SIN, name: "sin") { Double.random(in: -6..<6, using: &$0) },
    JetOpCase(op: MCL_JET_COS, name: "cos") { Double.random(in: -6..<6, using: &$0) },
    JetOpCase(op: MCL_JET_SOFTPLUS, name: "softplus") { r in
        Int.random(in: 0..<8, using: &r) == 0 ? (Bool.random(using: &r) ? 25 : -25) : Double.random(in: -6..<6, using: &r)
    },
    JetOpCase(op: MCL_JET_SQRT, name: "sqrt") { Double.random(in: 0.2..<5, using: &$0) },
    JetOpCase(op: MCL_JET_RECIPROCAL, name: "reciprocal") { r in
        (Bool.random(using: &r) ? 1 : -1) * Double.random(in: 0.3..<3, using: &r)
    },
]

/// A jet in the kernel layout.
private struct Jet<T: KScalar> {
    var x0: [T], xs: [T]
    let n: Int, D: Int, K: Int
    /// Coefficients 1...K of element i, direction d.
    func series(_ i: Int, _ d: Int) -> [T] { (1...max(K, 1)).prefix(K).map { xs[($0 - 1) * D * n + d * n + i] } }
}

private func randomJet<T: KScalar>(_ n: Int, _ D: Int, _ K: Int, _ x0: (inout SplitMix64) -> Double,
                                   _ rng: inout SplitMix64, scale: Double = 1) -> Jet<T> {
    Jet(x0: (0..<n).map { _ in T(ref: Ref(x0(&rng))) }, xs: randomArray(K * D * n, -scale, scale, &rng), n: n, D: D,
        K: K)
}

private func jetUnary<T: KScalar>(_ op: mcl_jet_op, _ x: Jet<T>) -> Jet<T> {
    var y = Jet<T>(x0: [T](repeating: .nan, count: x.n), xs: [T](repeating: .nan, count: x.K * x.D * x.n), n: x.n,
                   D: x.D, K: x.K)
    T.jetUnary(op32(op), x.x0, x.xs, x.n, x.D, Int32(x.K), &y.x0, &y.xs)
    return y
}

private func jetMul<T: KScalar>(_ a: Jet<T>, _ b: Jet<T>) -> Jet<T> {
    var y = Jet<T>(x0: [T](repeating: .nan, count: a.n), xs: [T](repeating: .nan, count: a.K * a.D * a.n), n: a.n,
                   D: a.D, K: a.K)
    T.jetMul(a.x0, a.xs, b.x0, b.xs, a.n, a.D, Int32(a.K), &y.x0, &y.xs)
    return y
}

final class JetKernelTests: XCTestCase {
    /// Checks every coefficient of y against compose(c(x0), x - x0); returns the worst error in
    /// units of eps * condition scale.
    @discardableResult
    private func checkAgainstReference<T: KScalar>(_ op: mcl_jet_op, _ name: String, _ x: Jet<T>, _ y: Jet<T>,
                                                   tol: Ref) -> Ref {
        var worst: Ref = 0
        for i in 0..<x.n {
            let c = derivCoeffs(op, x.x0[i].ref, x.K)
            for d in 0..<max(x.D, 1) {
                let h = [0] + (x.D == 0 ? [] : x.series(i, d).map(\.ref))
                let hh = h + [Ref](repeating: 0, count: x.K + 1 - h.count)
                let ref = compose(c, hh), mag = compose(c.map { abs($0) }, hh.map { abs($0) })
                let got = [y.x0[i]] + (x.D == 0 ? [] : y.series(i, d))
                for k in 0..<got.count {
                    let err = abs(got[k].ref - ref[k]) / (T.epsRef * mag[k])
                    worst = max(worst, err.isNaN ? (got[k].ref == ref[k] ? 0 : .infinity) : err)
                    if !(err <= tol) && got[k].ref != ref[k] {
                        XCTFail("jet \(name) [\(T.label)] x0=\(x.x0[i]) K=\(x.K) d=\(d) k=\(k): got \(got[k]) want \(ref[k]) (\(err) eps*scale)")
                        return worst
                    }
                }
            }
        }
        return worst
    }

    private func checkAllOps<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 31)
        for c in jetOps {
            var worst: Ref = 0
            for (n, D, K) in [(1, 1, 1), (7, 2, 5), (17, 1, 8), (33, 3, 4), (257, 1, 6), (40, 2, 0), (5, 0, 3)] {
                let x: Jet<T> = randomJet(n, D, K, c.x0, &rng)
                worst = max(worst, checkAgainstReference(c.op, c.name, x, jetUnary(c.op, x), tol: 16))
            }
            print("jet \(c.name) [\(T.label)] isa=\(String(cString: mcl_isa_name())) worst error \(worst) eps*scale")
        }
    }

    func testJetUnaryFloatAgainstFaaDiBruno() { checkAllOps(Float.self) }
    func testJetUnaryDoubleAgainstFaaDiBruno() { checkAllOps(Double.self) }

    /// tanh along a line x0 + v t to order 6 with the derivative polynomials written out, and the
    /// first sigmoid derivatives likewise; exp, sin and cos trivially.
    private func checkClosedForms<T: KScalar>(_: T.Type) {
        let tanhD: [(Ref) -> Ref] = [
            { 1 - $0 * $0 },
            { -2 * $0 * (1 - $0 * $0) },
            { (1 - $0 * $0) * (6 * $0 * $0 - 2) },
            { t in (1 - t * t) * (16 * t - 24 * t * t * t) },
            { t in (1 - t * t) * (16 - 120 * t * t + 120 * t * t * t * t) },
            { t in (1 - t * t) * (-272 * t + 960 * t * t * t - 720 * t * t * t * t * t) },
        ]
        let sigD: [(Ref) -> Ref] = [
            { $0 * (1 - $0) },
            { $0 * (1 - $0) * (1 - 2 * $0) },
            { s in s * (1 - s) * (1 - 6 * s + 6 * s * s) },
            { s in s * (1 - s) * (1 - 2 * s) * (1 - 12 * s + 12 * s * s) },
        ]
        // The generated polynomials used by the composition reference agree with these.
        let R = tanhR(6), S = sigmoidS(4)
        for t: Ref in [-0.9, -0.3, 0.2, 0.7] {
            for k in 1...6 { XCTAssertEqual(Double((1 - t * t) * polyEval(R[k], t)), Double(tanhD[k - 1](t)), accuracy: 1e-9) }
            for k in 1...4 { XCTAssertEqual(Double(t * (1 - t) * polyEval(S[k], t)), Double(sigD[k - 1](t)), accuracy: 1e-9) }
        }
        let K = 6, v: Ref = 0.75
        let pts: [Ref] = [-2.5, -0.6, -0.1, 0, 0.3, 0.62, 0.63, 1.7, 4]
        let n = pts.count
        var x = Jet<T>(x0: pts.map { T(ref: $0) }, xs: [T](repeating: 0, count: K * n), n: n, D: 1, K: K)
        for i in 0..<n { x.xs[i] = T(ref: v) }
        let yt = jetUnary(MCL_JET_TANH, x), ys = jetUnary(MCL_JET_SIGMOID, x), ye = jetUnary(MCL_JET_EXP, x)
        let ysin = jetUnary(MCL_JET_SIN, x), ycos = jetUnary(MCL_JET_COS, x)
        let eps = T.epsRef
        for i in 0..<n {
            let x0 = x.x0[i].ref, t = tanh(x0), s = refSigmoid(x0)
            var fact: Ref = 1, vk: Ref = 1
            for k in 1...K {
                fact *= Ref(k)
                vk *= v
                let tol = 64 * eps
                let wt = tanhD[k - 1](t) * vk / fact
                XCTAssertLessThanOrEqual(abs(yt.xs[(k - 1) * n + i].ref - wt), tol * (abs(wt) + vk / fact), "tanh k=\(k) x0=\(x0)")
                if k <= 4 {
                    let ws = sigD[k - 1](s) * vk / fact
                    XCTAssertLessThanOrEqual(abs(ys.xs[(k - 1) * n + i].ref - ws), tol * (abs(ws) + vk / fact), "sigmoid k=\(k)")
                }
                let we = exp(x0) * vk / fact
                XCTAssertLessThanOrEqual(abs(ye.xs[(k - 1) * n + i].ref - we), tol * we, "exp k=\(k)")
                let wsin = [cos(x0), -sin(x0), -cos(x0), sin(x0)][(k - 1) % 4] * vk / fact
                let wcos = [-sin(x0), -cos(x0), sin(x0), cos(x0)][(k - 1) % 4] * vk / fact
                XCTAssertLessThanOrEqual(abs(ysin.xs[(k - 1) * n + i].ref - wsin), tol * vk / fact, "sin k=\(k)")
                XCTAssertLessThanOrEqual(abs(ycos.xs[(k - 1) * n + i].ref - wcos), tol * vk / fact, "cos k=\(k)")
            }
        }
        // Saturated tanh: the coefficients are tiny but must keep their relative accuracy.
        var xs = Jet<T>(x0: [T(ref: 9), T(ref: -9)], xs: [T](repeating: 0, count: K * 2), n: 2, D: 1, K: K)
        for i in 0..<2 { xs.xs[i] = 1 }
        let ysat = jetUnary(MCL_JET_TANH, xs)
        for i in 0..<2 {
            let x0 = xs.x0[i].ref, z = 1 / (cosh(x0) * cosh(x0))
            var fact: Ref = 1
            for k in 1...K {
                fact *= Ref(k)
                let want = z * polyEval(R[k], tanh(x0)) / fact
                let got = ysat.xs[(k - 1) * 2 + i].ref
                XCTAssertLessThanOrEqual(abs(got - want), 64 * eps * abs(want), "saturated tanh k=\(k) x0=\(x0)")
            }
        }
    }

    func testJetClosedForms() {
        checkClosedForms(Float.self)
        checkClosedForms(Double.self)
    }

    // MARK: composition identities

    /// Adds two jets (coefficientwise) and a constant to the primal.
    private func jetAdd<T: KScalar>(_ a: Jet<T>, _ b: Jet<T>, primalShift: T = 0) -> Jet<T> {
        Jet(x0: zip(a.x0, b.x0).map { $0 + $1 + primalShift }, xs: zip(a.xs, b.xs).map { $0 + $1 }, n: a.n, D: a.D,
            K: a.K)
    }

    /// Asserts that y equals the jet with primal p0 and coefficients ps (scaled relative error).
    private func assertJet<T: KScalar>(_ y: Jet<T>, primal p0: [Ref], coeffs ps: [Ref], scale: Ref, tol: Ref,
                                       _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        assertClose(y.x0, p0, scale: p0.map { max(abs($0), scale) }, tol: tol * T.epsRef, what + " primal",
                    file: file, line: line)
        assertClose(y.xs, ps, scale: ps.map { max(abs($0), scale) }, tol: tol * T.epsRef, what + " coefficients",
                    file: file, line: line)
    }

    private func checkIdentities<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 32)
        let n = 37, D = 2, K = 6
        let pos: Jet<T> = randomJet(n, D, K, { Double.random(in: 0.5..<3, using: &$0) }, &rng, scale: 0.5)
        let any: Jet<T> = randomJet(n, D, K, { Double.random(in: -2..<2, using: &$0) }, &rng, scale: 0.5)
        let other: Jet<T> = randomJet(n, D, K, { Double.random(in: -2..<2, using: &$0) }, &rng, scale: 0.5)
        let zeros = [Ref](repeating: 0, count: K * D * n)

        // jet_mul against the Cauchy product written out, and a * a against squaring the series.
        for (a, b) in [(any, other), (any, any)] {
            let y = jetMul(a, b)
            var want = [Ref](repeating: 0, count: K * D * n), mag = want
            for i in 0..<n {
                for d in 0..<D {
                    let sa = [a.x0[i].ref] + a.series(i, d).map(\.ref), sb = [b.x0[i].ref] + b.series(i, d).map(\.ref)
                    let p = seriesMul(sa, sb), m = seriesMul(sa.map { abs($0) }, sb.map { abs($0) })
                    for k in 1...K {
                        want[(k - 1) * D * n + d * n + i] = p[k]
                        mag[(k - 1) * D * n + d * n + i] = m[k]
                    }
                }
            }
            assertClose(y.xs, want, scale: mag, tol: 4 * T.epsRef, "jet_mul")
            XCTAssertEqual(y.x0, zip(a.x0, b.x0).map { $0 * $1 }, "jet_mul primal")
        }
        // exp(log(x)) == x
        let el = jetUnary(MCL_JET_EXP, jetUnary(MCL_JET_LOG, pos))
        assertJet(el, primal: pos.x0.map(\.ref), coeffs: pos.xs.map(\.ref), scale: 1, tol: 64, "exp(log(x))")
        // reciprocal(x) * x == 1
        let rx = jetMul(jetUnary(MCL_JET_RECIPROCAL, pos), pos)
        assertJet(rx, primal: [Ref](repeating: 1, count: n), coeffs: zeros, scale: 1, tol: 64, "reciprocal(x) * x")
        // sqrt(x) * sqrt(x) == x
        let sq = jetUnary(MCL_JET_SQRT, pos)
        assertJet(jetMul(sq, sq), primal: pos.x0.map(\.ref), coeffs: pos.xs.map(\.ref), scale: 1, tol: 64, "sqrt^2")
        // sin^2 + cos^2 == 1
        let s = jetUnary(MCL_JET_SIN, any), c = jetUnary(MCL_JET_COS, any)
        assertJet(jetAdd(jetMul(s, s), jetMul(c, c)), primal: [Ref](repeating: 1, count: n), coeffs: zeros, scale: 1,
                  tol: 64, "sin^2 + cos^2")
        // tanh(x) == 2 sigmoid(2x) - 1
        let twoX = Jet(x0: any.x0.map { 2 * $0 }, xs: any.xs.map { 2 * $0 }, n: n, D: D, K: K)
        let sig = jetUnary(MCL_JET_SIGMOID, twoX), th = jetUnary(MCL_JET_TANH, any)
        assertJet(th, primal: sig.x0.map { 2 * $0.ref - 1 }, coeffs: sig.xs.map { 2 * $0.ref }, scale: 1, tol: 64,
                  "tanh vs sigmoid")
        // softplus(x) == log(1 + exp(x))
        let ex = jetUnary(MCL_JET_EXP, any)
        let onePlus = Jet(x0: ex.x0.map { 1 + $0 }, xs: ex.xs, n: n, D: D, K: K)
        let lg = jetUnary(MCL_JET_LOG, onePlus), sp = jetUnary(MCL_JET_SOFTPLUS, any)
        assertJet(sp, primal: lg.x0.map(\.ref), coeffs: lg.xs.map(\.ref), scale: 1, tol: 64, "softplus vs log1p(exp)")
    }

    func testJetCompositionIdentities() {
        checkIdentities(Float.self)
        checkIdentities(Double.self)
    }

    // MARK: structure: directions, threads, K edge cases

    /// Each of D directions gives exactly (bitwise) what a single-direction call gives.
    private func checkDirections<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 33)
        let n = 45, D = 4, K = 5
        for c in jetOps {
            let x: Jet<T> = randomJet(n, D, K, c.x0, &rng)
            let y = jetUnary(c.op, x)
            for d in 0..<D {
                var xs1 = [T]()
                for k in 0..<K { xs1 += x.xs[(k * D + d) * n..<(k * D + d + 1) * n] }
                let y1 = jetUnary(c.op, Jet(x0: x.x0, xs: xs1, n: n, D: 1, K: K))
                XCTAssertEqual(y1.x0, y.x0, "\(c.name) primal")
                for k in 0..<K {
                    XCTAssertEqual(Array(y1.xs[k * n..<(k + 1) * n]), Array(y.xs[(k * D + d) * n..<(k * D + d + 1) * n]),
                                   "\(c.name) [\(T.label)] direction \(d) k=\(k + 1)")
                }
            }
            // jet_mul likewise.
            let b: Jet<T> = randomJet(n, D, K, c.x0, &rng)
            let m = jetMul(x, b)
            for d in [0, D - 1] {
                var xa = [T](), xb = [T]()
                for k in 0..<K {
                    xa += x.xs[(k * D + d) * n..<(k * D + d + 1) * n]
                    xb += b.xs[(k * D + d) * n..<(k * D + d + 1) * n]
                }
                let m1 = jetMul(Jet(x0: x.x0, xs: xa, n: n, D: 1, K: K), Jet(x0: b.x0, xs: xb, n: n, D: 1, K: K))
                for k in 0..<K {
                    XCTAssertEqual(Array(m1.xs[k * n..<(k + 1) * n]), Array(m.xs[(k * D + d) * n..<(k * D + d + 1) * n]))
                }
            }
        }
    }

    func testJetDirectionsMatchSingleDirection() {
        checkDirections(Float.self)
        checkDirections(Double.self)
    }

    /// Splitting the elements over threads (chunk boundaries anywhere) changes no bit.
    private func checkThreads<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 34)
        for c in jetOps {
            let x: Jet<T> = randomJet(5003, 2, 6, c.x0, &rng)
            let y1 = withThreads(1) { jetUnary(c.op, x) }
            let y3 = withThreads(3) { jetUnary(c.op, x) }
            XCTAssertEqual(y1.x0, y3.x0, "\(c.name) [\(T.label)] primal, 1 vs 3 threads")
            XCTAssertEqual(y1.xs, y3.xs, "\(c.name) [\(T.label)] coefficients, 1 vs 3 threads")
        }
    }

    func testJetThreadIndependence() {
        checkThreads(Float.self)
        checkThreads(Double.self)
    }

    /// K > 32 (heap scratch), K == 0 (primal only, ys untouched), D == 0.
    private func checkEdgeK<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 35)
        // 1 / (1 + t/2): y_k = (-1/2)^k exactly representable.
        let K = 40, n = 19
        var x = Jet<T>(x0: [T](repeating: 1, count: n), xs: [T](repeating: 0, count: K * n), n: n, D: 1, K: K)
        for i in 0..<n { x.xs[i] = 0.5 }
        let r = jetUnary(MCL_JET_RECIPROCAL, x)
        for k in 1...K {
            XCTAssertEqual(r.xs[(k - 1) * n], T(ref: pow(Ref(-0.5), Ref(k))), "reciprocal K=40 k=\(k)")
        }
        // Composition reference at K = 35 for every op (small input series keep terms bounded).
        for c in jetOps {
            let xk: Jet<T> = randomJet(3, 2, 35, c.x0, &rng, scale: 0.05)
            checkAgainstReference(c.op, c.name + " K=35", xk, jetUnary(c.op, xk), tol: 64)
        }
        // K == 0: only the primal is written.
        let x0: Jet<T> = randomJet(33, 3, 0, { Double.random(in: -2..<2, using: &$0) }, &rng)
        var y0 = [T](repeating: .nan, count: 33), sentinel: [T] = [42]
        T.jetUnary(op32(MCL_JET_TANH), x0.x0, x0.xs, 33, 3, 0, &y0, &sentinel)
        XCTAssertEqual(sentinel, [42])
        XCTAssertTrue(zip(y0, x0.x0).allSatisfy { ulpError($0, tanh($1.ref)) <= 3 })
        T.jetMul(x0.x0, x0.xs, x0.x0, x0.xs, 33, 0, 4, &y0, &sentinel)
        XCTAssertEqual(sentinel, [42])
        XCTAssertEqual(y0, x0.x0.map { $0 * $0 })
    }

    func testJetLargeAndZeroOrder() {
        checkEdgeK(Float.self)
        checkEdgeK(Double.self)
    }
}
