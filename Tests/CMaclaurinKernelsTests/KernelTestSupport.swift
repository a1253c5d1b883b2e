// KernelTestSupport.swift: shared helpers for the C kernel tests: a seeded RNG, the reference
// precision, error measures, and `KScalar`, which maps each kernel to its mcl_s_/mcl_d_ entry
// point so every test is written once for both precisions.
import CMaclaurinKernels
import XCTest

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reference precision: x87 extended where available (so references for double are better than
/// double), else Double.
#if arch(x86_64) || arch(i386)
typealias Ref = Float80
#else
typealias Ref = Double
#endif

/// SplitMix64: small, seeded, reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    init(state: UInt64) { self.state = state }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    mutating func symmetric() -> Double { Double(next() >> 11) * 0x1p-52 - 1 }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Odd sizes used throughout (below, at and above vector widths, tiles and thread grains).
let oddSizes = [1, 7, 17, 33, 1000, 4099]

func op32<E: RawRepresentable>(_ e: E) -> Int32 where E.RawValue: BinaryInteger { Int32(e.rawValue) }

/// Runs body with the thread count set to n, restoring it afterwards.
func withThreads<R>(_ n: Int32, _ body: () throws -> R) rethrows -> R {
    let old = mcl_get_num_threads()
    mcl_set_num_threads(n)
    defer { mcl_set_num_threads(old) }
    return try body()
}

protocol KScalar: BinaryFloatingPoint where Self.RawSignificand: FixedWidthInteger {
    static var label: String { get }
    var ref: Ref { get }
    init(ref: Ref)
    static func unary(_ op: Int32, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, _ n: Int)
    static func binary(_ op: Int32, _ a: UnsafePointer<Self>, _ sa: [Int], _ b: UnsafePointer<Self>, _ sb: [Int],
                       _ y: UnsafeMutablePointer<Self>, _ shape: [Int])
    static func axpby(_ n: Int, _ a: Self, _ x: UnsafePointer<Self>, _ b: Self, _ y: UnsafeMutablePointer<Self>)
    static func scaleShift(_ n: Int, _ x: UnsafePointer<Self>, _ s: Self, _ t: Self, _ y: UnsafeMutablePointer<Self>)
    static func powi(_ x: UnsafePointer<Self>, _ p: Int32, _ y: UnsafeMutablePointer<Self>, _ n: Int)
    static func reduceSum(_ x: UnsafePointer<Self>, _ o: Int, _ m: Int, _ i: Int, _ y: UnsafeMutablePointer<Self>)
    static func reduceMax(_ x: UnsafePointer<Self>, _ o: Int, _ m: Int, _ i: Int, _ y: UnsafeMutablePointer<Self>,
                          _ idx: UnsafeMutablePointer<Int64>?)
    static func permute(_ x: UnsafePointer<Self>, _ shape: [Int], _ perm: [Int32], _ y: UnsafeMutablePointer<Self>)
    static func im2col(_ x: UnsafePointer<Self>, _ g: ConvGeom, _ cols: UnsafeMutablePointer<Self>)
    static func col2im(_ cols: UnsafePointer<Self>, _ g: ConvGeom, _ dx: UnsafeMutablePointer<Self>)
    static func maxpool(_ x: UnsafePointer<Self>, _ g: ConvGeom, _ y: UnsafeMutablePointer<Self>,
                        _ arg: UnsafeMutablePointer<Int64>)
    static func avgpool(_ x: UnsafePointer<Self>, _ g: ConvGeom, _ y: UnsafeMutablePointer<Self>)
    static func avgpoolBackward(_ dy: UnsafePointer<Self>, _ g: ConvGeom, _ dx: UnsafeMutablePointer<Self>)
    static func gather(_ x: UnsafePointer<Self>, _ idx: UnsafePointer<Int64>, _ n: Int, _ y: UnsafeMutablePointer<Self>)
    static func scatterAdd(_ dy: UnsafePointer<Self>, _ idx: UnsafePointer<Int64>, _ n: Int,
                           _ dx: UnsafeMutablePointer<Self>)
    static func jetUnary(_ op: Int32, _ x0: UnsafePointer<Self>, _ xs: UnsafePointer<Self>, _ n: Int, _ D: Int,
                         _ K: Int32, _ y0: UnsafeMutablePointer<Self>, _ ys: UnsafeMutablePointer<Self>)
    static func jetMul(_ a0: UnsafePointer<Self>, _ as_: UnsafePointer<Self>, _ b0: UnsafePointer<Self>,
                       _ bs: UnsafePointer<Self>, _ n: Int, _ D: Int, _ K: Int32, _ y0: UnsafeMutablePointer<Self>,
                       _ ys: UnsafeMutablePointer<Self>)
}

/// Convolution / pooling geometry (padding fields unused by pooling).
struct ConvGeom {
    var N = 1, H = 1, W = 1, C = 1, KH = 1, KW = 1, SH = 1, SW = 1, PH = 0, PW = 0, OH = 1, OW = 1
}

extension Float: KScalar {
    static var label: String { "float" }
    var ref: Ref { Ref(self) }
    init(ref: Ref) { self.init(ref) }
    static func unary(_ op: Int32, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        mcl_s_unary(op, x, y, n)
    }
    static func binary(_ op: Int32, _ a: UnsafePointer<Float>, _ sa: [Int], _ b: UnsafePointer<Float>, _ sb: [Int],
                       _ y: UnsafeMutablePointer<Float>, _ shape: [Int]) {
        mcl_s_binary(op, a, sa, b, sb, y, shape, Int32(shape.count))
    }
    static func axpby(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ b: Float, _ y: UnsafeMutablePointer<Float>) {
        mcl_s_axpby(n, a, x, b, y)
    }
    static func scaleShift(_ n: Int, _ x: UnsafePointer<Float>, _ s: Float, _ t: Float, _ y: UnsafeMutablePointer<Float>) {
        mcl_s_scale_shift(n, x, s, t, y)
    }
    static func powi(_ x: UnsafePointer<Float>, _ p: Int32, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        mcl_s_powi(x, p, y, n)
    }
    static func reduceSum(_ x: UnsafePointer<Float>, _ o: Int, _ m: Int, _ i: Int, _ y: UnsafeMutablePointer<Float>) {
        mcl_s_reduce_sum(x, o, m, i, y)
    }
    static func reduceMax(_ x: UnsafePointer<Float>, _ o: Int, _ m: Int, _ i: Int, _ y: UnsafeMutablePointer<Float>,
                          _ idx: UnsafeMutablePointer<Int64>?) {
        mcl_s_reduce_max(x, o, m, i, y, idx)
    }
    static func permute(_ x: UnsafePointer<Float>, _ shape: [Int], _ perm: [Int32], _ y: UnsafeMutablePointer<Float>) {
        mcl_s_permute(x, shape, perm, Int32(shape.count), y)
    }
    static func im2col(_ x: UnsafePointer<Float>, _ g: ConvGeom, _ cols: UnsafeMutablePointer<Float>) {
        mcl_s_im2col(x, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW, cols)
    }
    static func col2im(_ cols: UnsafePointer<Float>, _ g: ConvGeom, _ dx: UnsafeMutablePointer<Float>) {
        mcl_s_col2im(cols, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW, dx)
    }
    static func maxpool(_ x: UnsafePointer<Float>, _ g: ConvGeom, _ y: UnsafeMutablePointer<Float>,
                        _ arg: UnsafeMutablePointer<Int64>) {
        mcl_s_maxpool2d(x, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.OH, g.OW, y, arg)
    }
    static func avgpool(_ x: UnsafePointer<Float>, _ g: ConvGeom, _ y: UnsafeMutablePointer<Float>) {
        mcl_s_avgpool2d(x, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.OH, g.OW, y)
    }
    static func avgpoolBackward(_ dy: UnsafePointer<Float>, _ g: ConvGeom, _ dx: UnsafeMutablePointer<Float>) {
        mcl_s_avgpool2d_backward(dy, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.OH, g.OW, dx)
    }
    static func gather(_ x: UnsafePointer<Float>, _ idx: UnsafePointer<Int64>, _ n: Int, _ y: UnsafeMutablePointer<Float>) {
        mcl_s_gather(x, idx, n, y)
    }
    static func scatterAdd(_ dy: UnsafePointer<Float>, _ idx: UnsafePointer<Int64>, _ n: Int,
                           _ dx: UnsafeMutablePointer<Float>) {
        mcl_s_scatter_add(dy, idx, n, dx)
    }
    static func jetUnary(_ op: Int32, _ x0: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ n: Int, _ D: Int,
                         _ K: Int32, _ y0: UnsafeMutablePointer<Float>, _ ys: UnsafeMutablePointer<Float>) {
        mcl_s_jet_unary(op, x0, xs, n, D, K, y0, ys)
    }
    static func jetMul(_ a0: UnsafePointer<Float>, _ as_: UnsafePointer<Float>, _ b0: UnsafePointer<Float>,
                       _ bs: UnsafePointer<Float>, _ n: Int, _ D: Int, _ K: Int32, _ y0: UnsafeMutablePointer<Float>,
                       _ ys: UnsafeMutablePointer<Float>) {
        mcl_s_jet_mul(a0, as_, b0, bs, n, D, K, y0, ys)
    }
}

extension Double: KScalar {
    static var label: String { "double" }
    var ref: Ref { Ref(self) }
    init(ref: Ref) { self.init(ref) }
    static func unary(_ op: Int32, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        mcl_d_unary(op, x, y, n)
    }
    static func binary(_ op: Int32, _ a: UnsafePointer<Double>, _ sa: [Int], _ b: UnsafePointer<Double>, _ sb: [Int],
                       _ y: UnsafeMutablePointer<Double>, _ shape: [Int]) {
        mcl_d_binary(op, a, sa, b, sb, y, shape, Int32(shape.count))
    }
    static func axpby(_ n: Int, _ a: Double, _ x: UnsafePointer<Double>, _ b: Double, _ y: UnsafeMutablePointer<Double>) {
        mcl_d_axpby(n, a, x, b, y)
    }
    static func scaleShift(_ n: Int, _ x: UnsafePointer<Double>, _ s: Double, _ t: Double,
                           _ y: UnsafeMutablePointer<Double>) {
        mcl_d_scale_shift(n, x, s, t, y)
    }
    static func powi(_ x: UnsafePointer<Double>, _ p: Int32, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        mcl_d_powi(x, p, y, n)
    }
    static func reduceSum(_ x: UnsafePointer<Double>, _ o: Int, _ m: Int, _ i: Int, _ y: UnsafeMutablePointer<Double>) {
        mcl_d_reduce_sum(x, o, m, i, y)
    }
    static func reduceMax(_ x: UnsafePointer<Double>, _ o: Int, _ m: Int, _ i: Int, _ y: UnsafeMutablePointer<Double>,
                          _ idx: UnsafeMutablePointer<Int64>?) {
        mcl_d_reduce_max(x, o, m, i, y, idx)
    }
    static func permute(_ x: UnsafePointer<Double>, _ shape: [Int], _ perm: [Int32], _ y: UnsafeMutablePointer<Double>) {
        mcl_d_permute(x, shape, perm, Int32(shape.count), y)
    }
    static func im2col(_ x: UnsafePointer<Double>, _ g: ConvGeom, _ cols: UnsafeMutablePointer<Double>) {
        mcl_d_im2col(x, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW, cols)
    }
    static func col2im(_ cols: UnsafePointer<Double>, _ g: ConvGeom, _ dx: UnsafeMutablePointer<Double>) {
        mcl_d_col2im(cols, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.PH, g.PW, g.OH, g.OW, dx)
    }
    static func maxpool(_ x: UnsafePointer<Double>, _ g: ConvGeom, _ y: UnsafeMutablePointer<Double>,
                        _ arg: UnsafeMutablePointer<Int64>) {
        mcl_d_maxpool2d(x, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.OH, g.OW, y, arg)
    }
    static func avgpool(_ x: UnsafePointer<Double>, _ g: ConvGeom, _ y: UnsafeMutablePointer<Double>) {
        mcl_d_avgpool2d(x, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.OH, g.OW, y)
    }
    static func avgpoolBackward(_ dy: UnsafePointer<Double>, _ g: ConvGeom, _ dx: UnsafeMutablePointer<Double>) {
        mcl_d_avgpool2d_backward(dy, g.N, g.H, g.W, g.C, g.KH, g.KW, g.SH, g.SW, g.OH, g.OW, dx)
    }
    static func gather(_ x: UnsafePointer<Double>, _ idx: UnsafePointer<Int64>, _ n: Int,
                       _ y: UnsafeMutablePointer<Double>) {
        mcl_d_gather(x, idx, n, y)
    }
    static func scatterAdd(_ dy: UnsafePointer<Double>, _ idx: UnsafePointer<Int64>, _ n: Int,
                           _ dx: UnsafeMutablePointer<Double>) {
        mcl_d_scatter_add(dy, idx, n, dx)
    }
    static func jetUnary(_ op: Int32, _ x0: UnsafePointer<Double>, _ xs: UnsafePointer<Double>, _ n: Int, _ D: Int,
                         _ K: Int32, _ y0: UnsafeMutablePointer<Double>, _ ys: UnsafeMutablePointer<Double>) {
        mcl_d_jet_unary(op, x0, xs, n, D, K, y0, ys)
    }
    static func jetMul(_ a0: UnsafePointer<Double>, _ as_: UnsafePointer<Double>, _ b0: UnsafePointer<Double>,
                       _ bs: UnsafePointer<Double>, _ n: Int, _ D: Int, _ K: Int32, _ y0: UnsafeMutablePointer<Double>,
                       _ ys: UnsafeMutablePointer<Double>) {
        mcl_d_jet_mul(a0, as_, b0, bs, n, D, K, y0, ys)
    }
}

extension KScalar {
    /// Unit roundoff-sized epsilon (ulp of 1) as a Ref.
    static var epsRef: Ref { Ref(Double(Self.ulpOfOne)) }
}

/// Error of `got` against the reference value in units of the last place of T at the reference
/// (subnormal ulp below the normal range). NaN vs NaN and equal infinities count as 0.
func ulpError<T: KScalar>(_ got: T, _ ref: Ref) -> Double {
    if ref.isNaN { return got.isNaN ? 0 : .infinity }
    if got.isNaN { return .infinity }
    let r = T(ref: ref)
    if r.isInfinite || got.isInfinite { return got == r ? 0 : .infinity }
    let ulp = r == 0 ? T.leastNonzeroMagnitude : r.ulp
    return Double(abs(got.ref - ref) / ulp.ref)
}

/// Uniform random values in [lo, hi).
func randomArray<T: KScalar>(_ n: Int, _ lo: Double, _ hi: Double, _ rng: inout SplitMix64) -> [T] {
    (0..<n).map { _ in T(ref: Ref(Double.random(in: lo..<hi, using: &rng))) }
}

/// Maximum of |got - ref| / (tolerance scale) over the arrays; reports the index on failure.
func assertClose<T: KScalar>(_ got: [T], _ ref: [Ref], scale: [Ref], tol: Ref, _ what: String,
                             file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(got.count, ref.count, what, file: file, line: line)
    for i in 0..<min(got.count, ref.count) {
        let err = abs(got[i].ref - ref[i])
        if !(err <= tol * scale[i]) && !(got[i].isNaN && ref[i].isNaN) {
            XCTFail("\(what) [\(T.label)] i=\(i): got \(got[i]) want \(ref[i]) (err \(err), allowed \(tol * scale[i]))",
                    file: file, line: line)
            return
        }
    }
}
