// ElementwiseKernelTests.swift: mcl_*_unary, mcl_*_binary (broadcasting), axpby, scale_shift and
// powi against references computed in extended precision.
import CMaclaurinKernels
import XCTest

#if canImport(Glibc)
import Glibc
#endif

private struct UnaryCase {
    let op: mcl_unary_op
    let name: String
    let ref: (Ref) -> Ref
    let floatRange: (Double, Double)
    let doubleRange: (Double, Double)
    let ulps: Double
}

private func refSigmoid(_ x: Ref) -> Ref { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
private func refSoftplus(_ x: Ref) -> Ref { x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) }

private let unaryCases: [UnaryCase] = [
    UnaryCase(op: MCL_NEG, name: "neg", ref: { -$0 }, floatRange: (-10, 10), doubleRange: (-10, 10), ulps: 0),
    UnaryCase(op: MCL_EXP, name: "exp", ref: { exp($0) }, floatRange: (-104, 89), doubleRange: (-745, 709), ulps: 2),
    UnaryCase(op: MCL_LOG, name: "log", ref: { log($0) }, floatRange: (1e-6, 1e6), doubleRange: (1e-6, 1e6), ulps: 2),
    UnaryCase(op: MCL_TANH, name: "tanh", ref: { tanh($0) }, floatRange: (-12, 12), doubleRange: (-25, 25), ulps: 3),
    UnaryCase(op: MCL_SIGMOID, name: "sigmoid", ref: refSigmoid, floatRange: (-110, 40), doubleRange: (-750, 50),
              ulps: 3),
    UnaryCase(op: MCL_SIN, name: "sin", ref: { sin($0) }, floatRange: (-100, 100), doubleRange: (-100, 100), ulps: 2),
    UnaryCase(op: MCL_COS, name: "cos", ref: { cos($0) }, floatRange: (-100, 100), doubleRange: (-100, 100), ulps: 2),
    UnaryCase(op: MCL_SQRT, name: "sqrt", ref: { $0.squareRoot() }, floatRange: (0, 1e6), doubleRange: (0, 1e6),
              ulps: 0.5),
    UnaryCase(op: MCL_ABS, name: "abs", ref: { abs($0) }, floatRange: (-10, 10), doubleRange: (-10, 10), ulps: 0),
    UnaryCase(op: MCL_RELU, name: "relu", ref: { $0 > 0 ? $0 : 0 }, floatRange: (-10, 10), doubleRange: (-10, 10),
              ulps: 0),
    UnaryCase(op: MCL_SOFTPLUS, name: "softplus", ref: refSoftplus, floatRange: (-100, 100),
              doubleRange: (-700, 700), ulps: 3),
    UnaryCase(op: MCL_SQUARE, name: "square", ref: { $0 * $0 }, floatRange: (-1e3, 1e3), doubleRange: (-1e3, 1e3),
              ulps: 0.5),
    UnaryCase(op: MCL_RECIPROCAL, name: "reciprocal", ref: { 1 / $0 }, floatRange: (-1e3, 1e3),
              doubleRange: (-1e3, 1e3), ulps: 0.5),
    UnaryCase(op: MCL_STEP, name: "step", ref: { $0 > 0 ? 1 : 0 }, floatRange: (-3, 3), doubleRange: (-3, 3), ulps: 0),
    UnaryCase(op: MCL_SIGN, name: "sign", ref: { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }, floatRange: (-3, 3),
              doubleRange: (-3, 3), ulps: 0),
    UnaryCase(op: MCL_ISFINITE, name: "isfinite", ref: { $0.isFinite ? 1 : 0 }, floatRange: (-3, 3),
              doubleRange: (-3, 3), ulps: 0),
]

final class ElementwiseKernelTests: XCTestCase {
    private func checkUnary<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 1)
        for c in unaryCases {
            let (lo, hi) = T.self == Float.self ? c.floatRange : c.doubleRange
            var worst = 0.0
            for n in oddSizes {
                var x: [T] = randomArray(n, lo, hi, &rng)
                if c.op == MCL_TANH && n >= 1000 { // dense sampling around the small/large switch
                    for i in 0..<(n / 2) { x[i] = T(ref: Ref(Double.random(in: -1.5..<1.5, using: &rng))) }
                }
                var y = [T](repeating: .nan, count: n)
                T.unary(op32(c.op), x, &y, n)
                for i in 0..<n {
                    let e = ulpError(y[i], c.ref(x[i].ref))
                    worst = max(worst, e)
                    if !(e <= c.ulps) {
                        XCTFail("\(c.name) [\(T.label)] x=\(x[i]) got \(y[i]) want \(c.ref(x[i].ref)) (\(e) ulp)")
                        break
                    }
                }
            }
            if ["exp", "log", "tanh", "sigmoid", "softplus"].contains(c.name) {
                print("unary \(c.name) [\(T.label)] isa=\(String(cString: mcl_isa_name())) max error \(worst) ulp")
            }
        }
    }

    func testUnaryFloat() { checkUnary(Float.self) }
    func testUnaryDouble() { checkUnary(Double.self) }

    private func checkUnarySpecials<T: KScalar>(_: T.Type) {
        func f(_ op: mcl_unary_op, _ v: T) -> T {
            var y: [T] = [0]
            T.unary(op32(op), [v], &y, 1)
            return y[0]
        }
        let big = T(ref: 10_000)
        XCTAssertEqual(f(MCL_SIGMOID, big), 1)
        XCTAssertEqual(f(MCL_SIGMOID, -big), 0)
        XCTAssertEqual(f(MCL_SIGMOID, .infinity), 1)
        XCTAssertEqual(f(MCL_SIGMOID, -.infinity), 0)
        XCTAssertEqual(f(MCL_SOFTPLUS, big), big)
        XCTAssertEqual(f(MCL_SOFTPLUS, -big), 0)
        XCTAssertEqual(f(MCL_SOFTPLUS, .infinity), .infinity)
        XCTAssertEqual(f(MCL_LOG, 0), -.infinity)
        XCTAssertEqual(f(MCL_LOG, .infinity), .infinity)
        for v in [T.leastNonzeroMagnitude, T.leastNormalMagnitude / 3, T.leastNormalMagnitude, T.greatestFiniteMagnitude] {
            XCTAssertLessThanOrEqual(ulpError(f(MCL_LOG, v), log(v.ref)), 1, "log(\(v)) [\(T.label)]")
        }
        XCTAssertLessThanOrEqual(ulpError(f(MCL_SOFTPLUS, 0), log(Ref(2))), 1)
        XCTAssertLessThanOrEqual(ulpError(f(MCL_SIGMOID, 0), 0.5), 0)
        XCTAssertTrue(f(MCL_LOG, -1).isNaN)
        XCTAssertEqual(f(MCL_TANH, big), 1)
        XCTAssertEqual(f(MCL_TANH, -big), -1)
        XCTAssertEqual(f(MCL_TANH, .infinity), 1)
        XCTAssertEqual(f(MCL_TANH, -.infinity), -1)
        XCTAssertEqual(f(MCL_TANH, 0), 0)
        XCTAssertEqual(f(MCL_EXP, -.infinity), 0)
        XCTAssertEqual(f(MCL_EXP, .infinity), .infinity)
        XCTAssertEqual(f(MCL_EXP, -big), 0)
        XCTAssertEqual(f(MCL_EXP, big), .infinity)
        XCTAssertEqual(f(MCL_EXP, 0), 1)
        for op in [MCL_EXP, MCL_TANH, MCL_SIGMOID, MCL_SOFTPLUS, MCL_RELU, MCL_SIGN, MCL_LOG, MCL_SQRT] {
            XCTAssertTrue(f(op, .nan).isNaN, "op \(op.rawValue) [\(T.label)] must propagate NaN")
        }
        XCTAssertEqual(f(MCL_ISFINITE, .infinity), 0)
        XCTAssertEqual(f(MCL_ISFINITE, .nan), 0)
        XCTAssertEqual(f(MCL_ISFINITE, .greatestFiniteMagnitude), 1)
        XCTAssertEqual(f(MCL_SIGN, 0), 0)
        XCTAssertEqual(f(MCL_STEP, 0), 0)
        XCTAssertEqual(f(MCL_RELU, -1), 0)
    }

    func testUnarySpecialValues() {
        checkUnarySpecials(Float.self)
        checkUnarySpecials(Double.self)
    }

    /// y may alias x, and the result does not depend on the thread split.
    private func checkUnaryAliasAndThreads<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 2)
        let n = 70_001
        let x: [T] = randomArray(n, -6, 6, &rng)
        for c in unaryCases {
            let xin: [T] = c.op == MCL_LOG || c.op == MCL_SQRT ? x.map { abs($0) } : x
            var y1 = [T](repeating: 0, count: n)
            withThreads(1) { T.unary(op32(c.op), xin, &y1, n) }
            var y3 = xin
            withThreads(3) {
                y3.withUnsafeMutableBufferPointer { T.unary(op32(c.op), $0.baseAddress!, $0.baseAddress!, n) }
            }
            XCTAssertTrue(zip(y1, y3).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) },
                          "\(c.name) [\(T.label)] in place / 3 threads differs from 1 thread")
        }
    }

    func testUnaryAliasingAndThreadIndependence() {
        checkUnaryAliasAndThreads(Float.self)
        checkUnaryAliasAndThreads(Double.self)
    }

    // MARK: binary

    private static let binaryOps: [mcl_binary_op] = [MCL_ADD, MCL_SUB, MCL_MUL, MCL_DIV, MCL_MAX, MCL_MIN, MCL_POW,
                                                     MCL_GREATER]

    private func refBinary<T: KScalar>(_ op: mcl_binary_op, _ a: T, _ b: T) -> T {
        switch op {
        case MCL_ADD: return a + b
        case MCL_SUB: return a - b
        case MCL_MUL: return a * b
        case MCL_DIV: return a / b
        case MCL_MAX: return a.isNaN || b.isNaN ? .nan : (a > b ? a : b)
        case MCL_MIN: return a.isNaN || b.isNaN ? .nan : (a < b ? a : b)
        case MCL_POW: return T(ref: pow(a.ref, b.ref))
        default: return a > b ? 1 : 0
        }
    }

    /// One broadcasting case: operands of aCount/bCount elements, strides per output axis and
    /// base offsets (for negative strides). Every op; exact except pow (<= 2 ulp).
    private func runBinary<T: KScalar>(_: T.Type, shape: [Int], sa: [Int], sb: [Int], aCount: Int, bCount: Int,
                                       aOff: Int = 0, bOff: Int = 0, nans: Bool = false, ops: [mcl_binary_op]? = nil,
                                       _ rng: inout SplitMix64) {
        let total = shape.reduce(1, *)
        for op in ops ?? Self.binaryOps {
            let isPow = op == MCL_POW
            var a: [T] = randomArray(aCount, isPow ? 0.1 : -2, isPow ? 10 : 2, &rng)
            let b: [T] = randomArray(bCount, isPow ? -3 : -2, isPow ? 3 : 2, &rng)
            if nans && aCount > 3 { a[aCount / 2] = .nan }
            var y = [T](repeating: .nan, count: total)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    T.binary(op32(op), ap.baseAddress! + aOff, sa, bp.baseAddress! + bOff, sb, &y, shape)
                }
            }
            var idx = [Int](repeating: 0, count: shape.count)
            for o in 0..<total {
                var rem = o, ia = aOff, ib = bOff
                for k in stride(from: shape.count - 1, through: 0, by: -1) {
                    idx[k] = rem % shape[k]
                    rem /= shape[k]
                    ia += idx[k] * sa[k]
                    ib += idx[k] * sb[k]
                }
                let want = refBinary(op, a[ia], b[ib])
                let ok = isPow ? ulpError(y[o], pow(a[ia].ref, b[ib].ref)) <= 2 : (y[o] == want || (y[o].isNaN && want.isNaN))
                if !ok {
                    XCTFail("binary op \(op.rawValue) [\(T.label)] shape \(shape) sa \(sa) sb \(sb) at \(o): \(y[o]) vs \(want)")
                    return
                }
            }
        }
    }

    private func checkBinary<T: KScalar>(_ t: T.Type) {
        var rng = SplitMix64(seed: 3)
        for n in oddSizes {
            runBinary(t, shape: [n], sa: [1], sb: [1], aCount: n, bCount: n, nans: true, &rng)
            runBinary(t, shape: [n], sa: [0], sb: [1], aCount: 1, bCount: n, &rng)  // scalar a
            runBinary(t, shape: [n], sa: [1], sb: [0], aCount: n, bCount: 1, &rng)  // scalar b
            runBinary(t, shape: [n], sa: [-1], sb: [1], aCount: n, bCount: n, aOff: n - 1, &rng) // reversed a
        }
        for (r, c) in [(1, 1), (7, 17), (33, 5), (3, 1000)] {
            runBinary(t, shape: [r, c], sa: [c, 1], sb: [0, 1], aCount: r * c, bCount: c, nans: true, &rng) // row vector b
            runBinary(t, shape: [r, c], sa: [1, 0], sb: [c, 1], aCount: r, bCount: r * c, &rng)  // column vector a
            runBinary(t, shape: [r, c], sa: [1, 0], sb: [0, 1], aCount: r, bCount: c, &rng)      // outer product
            runBinary(t, shape: [r, c], sa: [1, r], sb: [c, 1], aCount: r * c, bCount: r * c, &rng) // a transposed
        }
        runBinary(t, shape: [4, 5, 6], sa: [30, 6, 1], sb: [6, 0, 1], aCount: 120, bCount: 24, &rng) // middle axis
        runBinary(t, shape: [], sa: [], sb: [], aCount: 1, bCount: 1, &rng)                         // 0-d
        runBinary(t, shape: [1, 1, 1], sa: [0, 0, 0], sb: [0, 0, 0], aCount: 1, bCount: 1, &rng)
        // 8-D with broadcasting on axes 0, 3, 6 of b and 2 of a.
        let shape = [2, 1, 3, 2, 1, 2, 3, 2]
        func dense(_ s: [Int]) -> [Int] {
            var st = [Int](repeating: 0, count: s.count), acc = 1
            for k in stride(from: s.count - 1, through: 0, by: -1) { st[k] = s[k] == 1 ? 0 : acc; acc *= s[k] }
            return st
        }
        var bshape = shape, ashape = shape
        for k in [0, 3, 6] { bshape[k] = 1 }
        ashape[2] = 1
        runBinary(t, shape: shape, sa: dense(ashape), sb: dense(bshape), aCount: ashape.reduce(1, *),
                  bCount: bshape.reduce(1, *), &rng)
        // Large enough to be split over threads (rows of 257 with a broadcast row vector).
        withThreads(3) {
            runBinary(t, shape: [600, 257], sa: [257, 1], sb: [0, 1], aCount: 600 * 257, bCount: 257, &rng)
            // Few long rows, split into column blocks (pow: narrower blocks): one coalesced row
            // (same shapes), and rows with a broadcast middle axis.
            let some = [MCL_MUL, MCL_MAX]
            runBinary(t, shape: [140_001], sa: [1], sb: [1], aCount: 140_001, bCount: 140_001, nans: true, ops: some, &rng)
            runBinary(t, shape: [2, 2, 140_001], sa: [280_002, 140_001, 1], sb: [140_001, 0, 1], aCount: 560_004,
                      bCount: 280_002, ops: some, &rng)
            runBinary(t, shape: [2, 2, 20_001], sa: [40_002, 20_001, 1], sb: [20_001, 0, 1], aCount: 80_004,
                      bCount: 40_002, ops: [MCL_POW], &rng)
            // Many short rows (a bias added to [rows, channels]), runs of rows across an outer axis.
            runBinary(t, shape: [3, 3000, 32], sa: [96_000, 32, 1], sb: [0, 0, 1], aCount: 288_000, bCount: 32,
                      ops: [MCL_ADD, MCL_SUB], &rng)
        }
    }

    func testBinaryBroadcastFloat() { checkBinary(Float.self) }
    func testBinaryBroadcastDouble() { checkBinary(Double.self) }

    // MARK: axpby, scale_shift, powi

    private func checkLinear<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 4)
        let eps = T.epsRef
        for n in oddSizes + [140_001] {
            let x: [T] = randomArray(n, -3, 3, &rng)
            let y0: [T] = randomArray(n, -3, 3, &rng)
            let (a, b): (T, T) = (T(ref: 1.25), T(ref: -0.7))
            var y = y0
            T.axpby(n, a, x, b, &y)
            let ref = (0..<n).map { a.ref * x[$0].ref + b.ref * y0[$0].ref }
            let scale = (0..<n).map { abs(a.ref * x[$0].ref) + abs(b.ref * y0[$0].ref) }
            assertClose(y, ref, scale: scale, tol: 2 * eps, "axpby")
            var yn = [T](repeating: .nan, count: n) // b == 0 must ignore the old (NaN) contents
            T.axpby(n, a, x, 0, &yn)
            XCTAssertTrue(zip(yn, x).allSatisfy { $0 == a * $1 }, "axpby b == 0 [\(T.label)]")
            var z = [T](repeating: .nan, count: n)
            T.scaleShift(n, x, a, b, &z)
            assertClose(z, x.map { $0.ref * a.ref + b.ref }, scale: x.map { abs($0.ref * a.ref) + abs(b.ref) },
                        tol: 2 * eps, "scale_shift")
        }
    }

    func testAxpbyAndScaleShift() {
        checkLinear(Float.self)
        checkLinear(Double.self)
    }

    private func checkPowi<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 5)
        for n in oddSizes {
            var x: [T] = randomArray(n, -2, 2, &rng)
            x[0] = 0
            for p: Int32 in [0, 1, 2, 3, 7, 13] {
                var y = [T](repeating: .nan, count: n)
                T.powi(x, p, &y, n)
                for i in 0..<n {
                    let want = pow(x[i].ref, Ref(p))
                    let e = ulpError(y[i], want)
                    if !(e <= Double(max(p, 1))) {
                        XCTFail("powi p=\(p) [\(T.label)] x=\(x[i]) got \(y[i]) want \(want)")
                        break
                    }
                }
            }
            var y = x
            y.withUnsafeMutableBufferPointer { T.powi($0.baseAddress!, 3, $0.baseAddress!, n) } // in place
            XCTAssertTrue((0..<n).allSatisfy { ulpError(y[$0], pow(x[$0].ref, 3)) <= 3 })
        }
        var one: [T] = [0]
        T.powi([T.nan], 0, &one, 1)
        XCTAssertEqual(one[0], 1, "x^0 == 1 even for NaN")
    }

    func testPowi() {
        checkPowi(Float.self)
        checkPowi(Double.self)
    }
}
