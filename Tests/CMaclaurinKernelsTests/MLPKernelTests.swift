// MLPKernelTests.swift: the fused MLP kernels (mcl_*_mlp_*) against naive references: the layer
// product with packed weights and its epilogues, activations with first and second derivatives
// (closed forms in extended precision), Taylor coefficients (against mcl_*_jet_unary, itself
// checked against Faa di Bruno), the Hessian sandwich, the collapsed step and outer products.
import CMaclaurinKernels
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The mcl_s_mlp_* / mcl_d_mlp_* entry points behind one generic name.
protocol MLPKernelScalar: KScalar {
    static func mlpPackedSize(_ k: Int, _ n: Int) -> Int
    static func mlpPack(_ t: Int32, _ k: Int, _ n: Int, _ b: UnsafePointer<Self>, _ ldb: Int, _ p: UnsafeMutablePointer<Self>)
    static func mlpGemm(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Self>, _ lda: Int, _ p: UnsafePointer<Self>,
                        _ c: UnsafeMutablePointer<Self>, _ ldc: Int, _ act: Int32, _ bias: UnsafePointer<Self>?,
                        _ d1: UnsafeMutablePointer<Self>?, _ d2: UnsafeMutablePointer<Self>?, _ scale: UnsafePointer<Self>?,
                        _ period: Int)
    static func mlpActivate(_ act: Int32, _ rows: Int, _ cols: Int, _ z: UnsafePointer<Self>, _ bias: UnsafePointer<Self>?,
                            _ h: UnsafeMutablePointer<Self>, _ d1: UnsafeMutablePointer<Self>?, _ d2: UnsafeMutablePointer<Self>?)
    static func mlpJet(_ act: Int32, _ n: Int, _ k: Int32, _ kin: Int32, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>)
    static func mlpSandwich(_ n: Int, _ rows: Int, _ cols: Int, _ j: UnsafePointer<Self>, _ jsd: Int, _ jsr: Int,
                            _ c: UnsafePointer<Self>, _ csr: Int, _ h: UnsafeMutablePointer<Self>, _ ldh: Int)
    static func mlpCollapsed(_ dirs: Int, _ n: Int, _ t: UnsafeMutablePointer<Self>, _ s: UnsafeMutablePointer<Self>,
                             _ d1: UnsafePointer<Self>, _ d2: UnsafePointer<Self>?)
    static func mlpOuter(_ blocks: Int, _ rows: Int, _ cols: Int, _ w: UnsafePointer<Self>, _ s: UnsafePointer<Self>?,
                         _ lds: Int, _ d: UnsafePointer<Self>?, _ y: UnsafeMutablePointer<Self>, _ ldyk: Int, _ ldyr: Int)
}

extension Float: MLPKernelScalar {
    static func mlpPackedSize(_ k: Int, _ n: Int) -> Int { mcl_s_mlp_packed_size(k, n) }
    static func mlpPack(_ t: Int32, _ k: Int, _ n: Int, _ b: UnsafePointer<Float>, _ ldb: Int, _ p: UnsafeMutablePointer<Float>) {
        mcl_s_mlp_pack(t, k, n, b, ldb, p)
    }
    static func mlpGemm(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>, _ lda: Int, _ p: UnsafePointer<Float>,
                        _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ act: Int32, _ bias: UnsafePointer<Float>?,
                        _ d1: UnsafeMutablePointer<Float>?, _ d2: UnsafeMutablePointer<Float>?, _ scale: UnsafePointer<Float>?,
                        _ period: Int) {
        mcl_s_mlp_gemm(m, n, k, a, lda, p, c, ldc, act, bias, d1, d2, scale, period)
    }
    static func mlpActivate(_ act: Int32, _ rows: Int, _ cols: Int, _ z: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                            _ h: UnsafeMutablePointer<Float>, _ d1: UnsafeMutablePointer<Float>?, _ d2: UnsafeMutablePointer<Float>?) {
        mcl_s_mlp_activate(act, rows, cols, z, bias, h, d1, d2)
    }
    static func mlpJet(_ act: Int32, _ n: Int, _ k: Int32, _ kin: Int32, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        mcl_s_mlp_jet(act, n, k, kin, x, y)
    }
    static func mlpSandwich(_ n: Int, _ rows: Int, _ cols: Int, _ j: UnsafePointer<Float>, _ jsd: Int, _ jsr: Int,
                            _ c: UnsafePointer<Float>, _ csr: Int, _ h: UnsafeMutablePointer<Float>, _ ldh: Int) {
        mcl_s_mlp_sandwich(n, rows, cols, j, jsd, jsr, c, csr, h, ldh)
    }
    static func mlpCollapsed(_ dirs: Int, _ n: Int, _ t: UnsafeMutablePointer<Float>, _ s: UnsafeMutablePointer<Float>,
                             _ d1: UnsafePointer<Float>, _ d2: UnsafePointer<Float>?) {
        mcl_s_mlp_collapsed_step(dirs, n, t, s, d1, d2)
    }
    static func mlpOuter(_ blocks: Int, _ rows: Int, _ cols: Int, _ w: UnsafePointer<Float>, _ s: UnsafePointer<Float>?,
                         _ lds: Int, _ d: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>, _ ldyk: Int, _ ldyr: Int) {
        mcl_s_mlp_outer(blocks, rows, cols, w, s, lds, d, y, ldyk, ldyr)
    }
}

extension Double: MLPKernelScalar {
    static func mlpPackedSize(_ k: Int, _ n: Int) -> Int { mcl_d_mlp_packed_size(k, n) }
    static func mlpPack(_ t: Int32, _ k: Int, _ n: Int, _ b: UnsafePointer<Double>, _ ldb: Int, _ p: UnsafeMutablePointer<Double>) {
        mcl_d_mlp_pack(t, k, n, b, ldb, p)
    }
    static func mlpGemm(_ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Double>, _ lda: Int, _ p: UnsafePointer<Double>,
                        _ c: UnsafeMutablePointer<Double>, _ ldc: Int, _ act: Int32, _ bias: UnsafePointer<Double>?,
                        _ d1: UnsafeMutablePointer<Double>?, _ d2: UnsafeMutablePointer<Double>?, _ scale: UnsafePointer<Double>?,
                        _ period: Int) {
        mcl_d_mlp_gemm(m, n, k, a, lda, p, c, ldc, act, bias, d1, d2, scale, period)
    }
    static func mlpActivate(_ act: Int32, _ rows: Int, _ cols: Int, _ z: UnsafePointer<Double>, _ bias: UnsafePointer<Double>?,
                            _ h: UnsafeMutablePointer<Double>, _ d1: UnsafeMutablePointer<Double>?, _ d2: UnsafeMutablePointer<Double>?) {
        mcl_d_mlp_activate(act, rows, cols, z, bias, h, d1, d2)
    }
    static func mlpJet(_ act: Int32, _ n: Int, _ k: Int32, _ kin: Int32, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        mcl_d_mlp_jet(act, n, k, kin, x, y)
    }
    static func mlpSandwich(_ n: Int, _ rows: Int, _ cols: Int, _ j: UnsafePointer<Double>, _ jsd: Int, _ jsr: Int,
                            _ c: UnsafePointer<Double>, _ csr: Int, _ h: UnsafeMutablePointer<Double>, _ ldh: Int) {
        mcl_d_mlp_sandwich(n, rows, cols, j, jsd, jsr, c, csr, h, ldh)
    }
    static func mlpCollapsed(_ dirs: Int, _ n: Int, _ t: UnsafeMutablePointer<Double>, _ s: UnsafeMutablePointer<Double>,
                             _ d1: UnsafePointer<Double>, _ d2: UnsafePointer<Double>?) {
        mcl_d_mlp_collapsed_step(dirs, n, t, s, d1, d2)
    }
    static func mlpOuter(_ blocks: Int, _ rows: Int, _ cols: Int, _ w: UnsafePointer<Double>, _ s: UnsafePointer<Double>?,
                         _ lds: Int, _ d: UnsafePointer<Double>?, _ y: UnsafeMutablePointer<Double>, _ ldyk: Int, _ ldyr: Int) {
        mcl_d_mlp_outer(blocks, rows, cols, w, s, lds, d, y, ldyk, ldyr)
    }
}

/// f, f', f'' of each activation in extended precision (gelu in its tanh form).
private func activationReference(_ act: mcl_mlp_activation, _ x: Ref) -> (Ref, Ref, Ref) {
    func sigmoid(_ v: Ref) -> Ref { 1 / (1 + exp(-v)) }
    switch act {
    case MCL_MLP_TANH:
        let t = tanh(x)
        return (t, 1 - t * t, -2 * t * (1 - t * t))
    case MCL_MLP_SIGMOID:
        let s = sigmoid(x)
        return (s, s * (1 - s), s * (1 - s) * (1 - 2 * s))
    case MCL_MLP_SOFTPLUS:
        let s = sigmoid(x)
        return (x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)), s, s * (1 - s))
    case MCL_MLP_SIN: return (sin(x), cos(x), -sin(x))
    case MCL_MLP_RELU: return (max(x, 0), x > 0 ? 1 : 0, 0)
    case MCL_MLP_EXP: return (exp(x), exp(x), exp(x))
    case MCL_MLP_GELU:
        let c: Ref = 0.7978845608028654, k: Ref = 0.044715
        let u = c * (x + k * x * x * x), t = tanh(u), s = 1 - t * t
        let up = c * (1 + 3 * k * x * x), upp = 6 * c * k * x
        return (x * (1 + t) / 2, (1 + t) / 2 + x * s * up / 2, s * up + x * s * (upp - 2 * t * up * up) / 2)
    default: return (x, 1, 0)
    }
}

final class MLPKernelTests: XCTestCase {
    static let activations: [mcl_mlp_activation] = [MCL_MLP_LINEAR, MCL_MLP_TANH, MCL_MLP_SIGMOID, MCL_MLP_SOFTPLUS,
                                                    MCL_MLP_SIN, MCL_MLP_RELU, MCL_MLP_GELU, MCL_MLP_EXP]

    /// C = A op(B) against sums in extended precision, for narrow and wide outputs, edge tiles,
    /// leading dimensions larger than the widths and both packings.
    func checkProduct<T: MLPKernelScalar>(_: T.Type, tol: Ref) {
        var rng = SplitMix64(seed: 7)
        // (11, 37, 1500): a long K, summed in blocks (the last one partial), with edge tiles.
        for (m, n, k) in [(1, 1, 1), (7, 3, 5), (13, 4, 64), (6, 16, 2), (17, 33, 19), (37, 70, 128), (5, 5, 300),
                          (11, 37, 1500)] {
            for transposed in [false, true] {
                let (lda, ldc) = (k + 3, n + 2)
                let a: [T] = randomArray(m * lda, -1, 1, &rng)
                let b: [T] = randomArray(k * n, -1, 1, &rng)        // [k, n], or [n, k] when transposed
                var packed = [T](repeating: .nan, count: T.mlpPackedSize(k, n))
                T.mlpPack(transposed ? 1 : 0, k, n, b, transposed ? k : n, &packed)
                var c = [T](repeating: 7, count: m * ldc)
                T.mlpGemm(m, n, k, a, lda, packed, &c, ldc, Int32(MCL_MLP_LINEAR.rawValue), nil, nil, nil, nil, 1)
                var got: [T] = [], want: [Ref] = [], scale: [Ref] = []
                for i in 0..<m {
                    for j in 0..<n {
                        var s: Ref = 0, sa: Ref = 0
                        for q in 0..<k {
                            let bq = transposed ? b[j * k + q] : b[q * n + j]
                            s += a[i * lda + q].ref * bq.ref
                            sa += abs(a[i * lda + q].ref * bq.ref)
                        }
                        got.append(c[i * ldc + j]); want.append(s); scale.append(sa + 1e-30)
                    }
                    for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], 7, "padding of C overwritten") }
                }
                assertClose(got, want, scale: scale, tol: tol * Ref(k), "mlp_gemm \(m)x\(n)x\(k) transposed=\(transposed)")
            }
        }
    }

    func testProductFloat() { checkProduct(Float.self, tol: 2 * 0x1p-24) }
    func testProductDouble() { checkProduct(Double.self, tol: 2 * 0x1p-53) }

    /// The epilogues equal the separate kernels on the plain product: activation with bias and
    /// derivatives (row strips, narrow outputs), and the product with a derivative per block.
    func checkEpilogues<T: MLPKernelScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 11)
        for (m, n, k) in [(13, 3, 9), (20, 16, 5), (9, 45, 31), (8, 20, 1100)] {
            let a: [T] = randomArray(m * k, -1, 1, &rng), b: [T] = randomArray(k * n, -1, 1, &rng)
            let bias: [T] = randomArray(n, -0.5, 0.5, &rng), period = 4
            let scale: [T] = randomArray(period * n, -2, 2, &rng)
            var packed = [T](repeating: 0, count: T.mlpPackedSize(k, n))
            T.mlpPack(0, k, n, b, n, &packed)
            var plain = [T](repeating: 0, count: m * n)
            T.mlpGemm(m, n, k, a, k, packed, &plain, n, 0, nil, nil, nil, nil, 1)
            for act in Self.activations {
                var c = [T](repeating: 0, count: m * n), d1 = c, d2 = c, h = c, e1 = c, e2 = c
                T.mlpGemm(m, n, k, a, k, packed, &c, n, Int32(act.rawValue), bias, &d1, &d2, nil, 1)
                T.mlpActivate(Int32(act.rawValue), m, n, plain, bias, &h, &e1, &e2)
                XCTAssertEqual(c, h, "epilogue value \(act)")
                XCTAssertEqual(d1, e1, "epilogue f' \(act)")
                XCTAssertEqual(d2, e2, "epilogue f'' \(act)")
            }
            var c = [T](repeating: 0, count: m * n)
            T.mlpGemm(m, n, k, a, k, packed, &c, n, 0, nil, nil, nil, scale, period)
            for i in 0..<m { for j in 0..<n { XCTAssertEqual(c[i * n + j], plain[i * n + j] * scale[(i % period) * n + j]) } }
        }
    }

    func testEpiloguesFloat() { checkEpilogues(Float.self) }
    func testEpiloguesDouble() { checkEpilogues(Double.self) }

    /// f, f', f'' of every activation against closed forms, with and without the derivatives,
    /// on rows of several widths (gathered chunks and long rows) and past the saturation of tanh.
    func checkActivations<T: MLPKernelScalar>(_: T.Type, tol: Ref) {
        var rng = SplitMix64(seed: 3)
        for (rows, cols) in [(1, 1), (5, 7), (3, 100), (2, 600)] {
            var z: [T] = randomArray(rows * cols, -6, 6, &rng)
            z[0] = 12  // saturated tanh and sigmoid
            let bias: [T] = randomArray(cols, -0.5, 0.5, &rng)
            for act in Self.activations {
                var h = [T](repeating: 0, count: rows * cols), d1 = h, d2 = h, h0 = h
                T.mlpActivate(Int32(act.rawValue), rows, cols, z, bias, &h, &d1, &d2)
                T.mlpActivate(Int32(act.rawValue), rows, cols, z, bias, &h0, nil, nil)
                var want: ([Ref], [Ref], [Ref]) = ([], [], []), scale: ([Ref], [Ref], [Ref]) = ([], [], [])
                for i in 0..<(rows * cols) {
                    let v = (z[i] + bias[i % cols]).ref
                    let (f, f1, f2) = activationReference(act, v)
                    want.0.append(f); want.1.append(f1); want.2.append(f2)
                    // Relative to the value, with a floor of 1 for functions that saturate.
                    scale.0.append(max(abs(f), 1)); scale.1.append(max(abs(f1), 1)); scale.2.append(max(abs(f2), 1))
                }
                assertClose(h, want.0, scale: scale.0, tol: tol, "mlp_activate f \(act)")
                assertClose(h0, want.0, scale: scale.0, tol: tol, "mlp_activate f (value only) \(act)")
                assertClose(d1, want.1, scale: scale.1, tol: tol, "mlp_activate f' \(act)")
                assertClose(d2, want.2, scale: scale.2, tol: tol, "mlp_activate f'' \(act)")
            }
        }
    }

    func testActivationsFloat() { checkActivations(Float.self, tol: 1e-6) }
    func testActivationsDouble() { checkActivations(Double.self, tol: 1e-14) }

    /// Taylor coefficients against the jet kernel for every order up to the maximum and lengths
    /// with tails; relu and linear against their definitions.
    func checkJet<T: MLPKernelScalar>(_: T.Type, tol: Ref) {
        var rng = SplitMix64(seed: 5)
        let pairs: [(mcl_mlp_activation, mcl_jet_op)] = [(MCL_MLP_TANH, MCL_JET_TANH), (MCL_MLP_SIGMOID, MCL_JET_SIGMOID),
                                                         (MCL_MLP_SOFTPLUS, MCL_JET_SOFTPLUS), (MCL_MLP_SIN, MCL_JET_SIN),
                                                         (MCL_MLP_EXP, MCL_JET_EXP)]
        for n in [1, 37, 300] {
            for order in [0, 1, 2, 5, 8, 9, Int(MCL_MLP_JET_MAX_ORDER)] {
              for affine in order > 1 ? [false, true] : [false] {
                var x: [T] = randomArray((order + 1) * n, -1.5, 1.5, &rng)
                let xin = x
                if affine { for i in (2 * n)..<x.count { x[i] = 0 } }
                for (act, op) in pairs {
                    var y = [T](repeating: .nan, count: (order + 1) * n)
                    // With kin = 1 the kernel must not read the (here nonzero) higher inputs.
                    T.mlpJet(Int32(act.rawValue), n, Int32(order), affine ? 1 : Int32(order), affine ? xin : x, &y)
                    // Reference: the general jet kernel in Double (so rounding differences between
                    // two Float recurrences at high orders are not counted as errors).
                    let xd = x.map { Double($0.ref) }
                    var y0 = [Double](repeating: 0, count: n), ys = [Double](repeating: 0, count: max(1, order * n))
                    xd.withUnsafeBufferPointer { xp in
                        Double.jetUnary(Int32(op.rawValue), xp.baseAddress!, xp.baseAddress! + n, n, 1, Int32(order), &y0, &ys)
                    }
                    let want = (y0 + ys.prefix(order * n)).map(\.ref)
                    // Scale per coefficient block: its largest reference value, times k (coefficient
                    // k sums k rounded products of earlier ones, so rounding grows with the order).
                    let scale = (0...order).flatMap { k -> [Ref] in
                        let block = want[(k * n)..<((k + 1) * n)]
                        return Array(repeating: Ref(max(1, k)) * max(block.map { abs($0) }.max() ?? 1, 1e-30), count: n)
                    }
                    assertClose(y, want, scale: scale, tol: tol, "mlp_jet \(act) order \(order) n \(n)")
                }
                var y = [T](repeating: .nan, count: (order + 1) * n)
                let kin = affine ? Int32(1) : Int32(order)
                T.mlpJet(Int32(MCL_MLP_RELU.rawValue), n, Int32(order), kin, affine ? xin : x, &y)
                for k in 0...order {
                    for i in 0..<n {
                        let want: T = k == 0 ? max(x[i], 0) : (x[i] > 0 ? x[k * n + i] : 0)
                        XCTAssertEqual(y[k * n + i], want, "relu jet k=\(k)")
                    }
                }
                T.mlpJet(Int32(MCL_MLP_LINEAR.rawValue), n, Int32(order), kin, affine ? xin : x, &y)
                XCTAssertEqual(y, x, "linear jet")
              }
            }
        }
    }

    func testJetFloat() { checkJet(Float.self, tol: 2e-5) }
    func testJetDouble() { checkJet(Double.self, tol: 1e-13) }

    /// h[r] += J_r^T diag(c_r) J_r with J shared or per row, the collapsed second-order step and
    /// outer products, against loops in extended precision.
    func checkSmallKernels<T: MLPKernelScalar>(_: T.Type, tol: Ref) {
        var rng = SplitMix64(seed: 9)
        for (n, rows, cols) in [(1, 3, 5), (3, 4, 17), (8, 5, 64), (6, 2, 300)] {
            for shared in [false, true] {
                let jsd = shared ? cols : rows * cols, jsr = shared ? 0 : cols
                let j: [T] = randomArray(n * (shared ? cols : rows * cols), -1, 1, &rng)
                let c: [T] = randomArray(rows * cols, -1, 1, &rng)
                let start: [T] = randomArray(rows * n * n, -1, 1, &rng)
                var h = start
                T.mlpSandwich(n, rows, cols, j, jsd, jsr, c, cols, &h, n * n)
                var want: [Ref] = [], scale: [Ref] = []
                for r in 0..<rows {
                    for a in 0..<n {
                        for b in 0..<n {
                            var s = start[r * n * n + a * n + b].ref, sa = abs(s)
                            for u in 0..<cols {
                                let term = j[a * jsd + r * jsr + u].ref * c[r * cols + u].ref * j[b * jsd + r * jsr + u].ref
                                s += term; sa += abs(term)
                            }
                            want.append(s); scale.append(sa)
                        }
                    }
                }
                assertClose(h, want, scale: scale, tol: tol * Ref(cols), "mlp_sandwich n \(n) cols \(cols) shared \(shared)")
            }
            // Collapsed step: s = d1 s + d2/2 sum_k t_k^2, t_k *= d1.
            let count = rows * cols
            var t: [T] = randomArray(n * count, -1, 1, &rng), s: [T] = randomArray(count, -1, 1, &rng)
            let d1: [T] = randomArray(count, -1, 1, &rng), d2: [T] = randomArray(count, -1, 1, &rng)
            let (t0, s0) = (t, s)
            T.mlpCollapsed(n, count, &t, &s, d1, d2)
            var wantS: [Ref] = [], scaleS: [Ref] = []
            for i in 0..<count {
                var q: Ref = 0
                for k in 0..<n { q += t0[k * count + i].ref * t0[k * count + i].ref }
                wantS.append(d1[i].ref * s0[i].ref + d2[i].ref / 2 * q)
                scaleS.append(abs(d1[i].ref * s0[i].ref) + abs(d2[i].ref) * q + 1e-30)
            }
            assertClose(s, wantS, scale: scaleS, tol: tol * Ref(n + 2), "mlp_collapsed_step")
            for k in 0..<n { for i in 0..<count { XCTAssertEqual(t[k * count + i], t0[k * count + i] * d1[i]) } }
            // Outer products y[k, r, c] = w[k, c] s[r, k] d[r, c] into a strided output.
            let w: [T] = randomArray(n * cols, -1, 1, &rng), sc: [T] = randomArray(rows * n, -1, 1, &rng)
            let dv: [T] = randomArray(rows * cols, -1, 1, &rng)
            let (ldyr, ldyk) = (n * cols + 1, cols)
            for (useS, useD) in [(false, false), (true, false), (false, true), (true, true)] {
                var y = [T](repeating: 0, count: rows * ldyr)
                T.mlpOuter(n, rows, cols, w, useS ? sc : nil, n, useD ? dv : nil, &y, ldyk, ldyr)
                for k in 0..<n { for r in 0..<rows { for c in 0..<cols {
                    let want = w[k * cols + c] * (useS ? sc[r * n + k] : 1) * (useD ? dv[r * cols + c] : 1)
                    XCTAssertEqual(y[k * ldyk + r * ldyr + c], want, "mlp_outer s \(useS) d \(useD)")
                } } }
            }
        }
    }

    func testSmallKernelsFloat() { checkSmallKernels(Float.self, tol: 2 * 0x1p-24) }
    func testSmallKernelsDouble() { checkSmallKernels(Double.self, tol: 2 * 0x1p-53) }
}
