import CMaclaurinKernels
import Foundation

/// The scalar types of the fused training kernels (`Float`, `Double`), with branch-free
/// elementary functions that the compiler vectorises inside loops.
///
/// exp and expm1: y = n ln2 + r with n = round(y / ln2) (found with the 1.5 * 2^p rounding
/// constant, so no float-to-int conversion is needed), |r| <= ln2 / 2, ln2 split in a high part
/// with trailing zero bits and a low part (Cody-Waite); e^r - 1 by its Taylor polynomial (degree
/// 7 in Float, 13 in Double; truncation error below one ulp); 2^n built from its bit pattern.
/// expm1(y) = 2^n (e^r - 1) + (2^n - 1) keeps full relative accuracy near 0, which makes
/// tanh(x) = -expm1(-2|x|) / (expm1(-2|x|) + 2) (sign restored) accurate to a few ulp everywhere.
protocol KernelFloat: TensorScalar, SIMDScalar, Codable {
    /// e^x - 1, for x in any range (saturates to -1 and to a large finite value).
    static func fastExpm1(_ x: Self) -> Self
    /// True when the C kernels' tanh and sigmoid (`_unary`) are vector code and so faster than
    /// the Swift loops (which the compiler can only vectorise for the baseline SSE2 target).
    static var prefersKernelTranscendentals: Bool { get }
}

/// True when the C kernels dispatched to a vector instruction set.
let kernelsAreVectorized = String(cString: mcl_isa_name()) != "portable"

extension Float: KernelFloat {
    static var prefersKernelTranscendentals: Bool { kernelsAreVectorized }

    @inline(__always)
    static func fastExpm1(_ x: Float) -> Float {
        let y = Swift.min(Swift.max(x, -87), 88)
        let shifter: Float = 12_582_912                      // 1.5 * 2^23
        let t = y * 1.442_695_04 + shifter
        let n = t - shifter                                  // round(y / ln2)
        let r = (y - n * 0.693_359_375) - n * -2.121_944_4e-4
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        let q = p * r                                        // e^r - 1
        let bits = (t.bitPattern &- shifter.bitPattern &+ 127) &<< 23
        let s = Float(bitPattern: bits)                      // 2^n
        return s * q + (s - 1)
    }
}

extension Double: KernelFloat {
    static var prefersKernelTranscendentals: Bool { false }

    @inline(__always)
    static func fastExpm1(_ x: Double) -> Double {
        let y = Swift.min(Swift.max(x, -708), 709)
        let shifter: Double = 6_755_399_441_055_744           // 1.5 * 2^52
        let t = y * 1.442_695_040_888_963_4 + shifter
        let n = t - shifter
        let r = (y - n * 6.931_471_803_691_238_164_90e-01) - n * 1.908_214_929_270_587_700_02e-10
        var p: Double = 1.0 / 6_227_020_800
        p = p * r + 1.0 / 479_001_600
        p = p * r + 1.0 / 39_916_800
        p = p * r + 1.0 / 3_628_800
        p = p * r + 1.0 / 362_880
        p = p * r + 1.0 / 40_320
        p = p * r + 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        let q = p * r
        let bits = (t.bitPattern &- shifter.bitPattern &+ 1023) &<< 52
        let s = Double(bitPattern: bits)
        return s * q + (s - 1)
    }
}

extension KernelFloat {
    /// tanh(x), branch-free.
    @inline(__always)
    static func fastTanh(_ x: Self) -> Self {
        let e = fastExpm1(-2 * Swift.abs(x))                 // in (-1, 0]
        let t = -e / (e + 2)
        return x < 0 ? -t : t
    }

    /// 1 / (1 + e^-x), branch-free.
    @inline(__always)
    static func fastSigmoid(_ x: Self) -> Self {
        1 / (2 + fastExpm1(-x))
    }

    /// e^x.
    @inline(__always)
    static func fastExp(_ x: Self) -> Self { fastExpm1(x) + 1 }
}

/// The activations the fused kernels evaluate, with the first and second derivatives expressed
/// through the output h = f(a): tanh' = 1 - h^2, tanh'' = -2 h (1 - h^2); sigmoid' = h (1 - h),
/// sigmoid'' = h (1 - h)(1 - 2h); linear' = 1, linear'' = 0.
enum FusedActivation: Sendable {
    case linear, tanh, sigmoid

    init?(_ activation: Activation) {
        switch activation {
        case .linear: self = .linear
        case .tanh: self = .tanh
        case .sigmoid: self = .sigmoid
        default: return nil
        }
    }

    /// h = f(h) and s = f'(h) in place over `count` elements (no bias).
    @inline(__always)
    func apply<T: KernelFloat>(_ h: UnsafeMutablePointer<T>, derivative s: UnsafeMutablePointer<T>, count: Int) {
        switch self {
        case .linear:
            s.update(repeating: 1, count: count)
        case .tanh:
            if T.prefersKernelTranscendentals {
                T._unary(MCL_TANH, h, h, count)
                for k in 0..<count { let v = h[k]; s[k] = 1 - v * v }
            } else {
                for k in 0..<count { let v = T.fastTanh(h[k]); h[k] = v; s[k] = 1 - v * v }
            }
        case .sigmoid:
            if T.prefersKernelTranscendentals {
                T._unary(MCL_SIGMOID, h, h, count)
                for k in 0..<count { let v = h[k]; s[k] = v - v * v }
            } else {
                for k in 0..<count { let v = T.fastSigmoid(h[k]); h[k] = v; s[k] = v - v * v }
            }
        }
    }

    /// h = f(a) in place over `count` elements (no derivative).
    @inline(__always)
    func value<T: KernelFloat>(_ h: UnsafeMutablePointer<T>, count: Int) {
        switch self {
        case .linear: return
        case .tanh:
            if T.prefersKernelTranscendentals { T._unary(MCL_TANH, h, h, count); return }
            for k in 0..<count { h[k] = T.fastTanh(h[k]) }
        case .sigmoid:
            if T.prefersKernelTranscendentals { T._unary(MCL_SIGMOID, h, h, count); return }
            for k in 0..<count { h[k] = T.fastSigmoid(h[k]) }
        }
    }

    /// f'(a) from h = f(a).
    @inline(__always)
    func derivative<T: KernelFloat>(_ h: T) -> T {
        switch self {
        case .linear: LinearRule.derivative(h)
        case .tanh: TanhRule.derivative(h)
        case .sigmoid: SigmoidRule.derivative(h)
        }
    }

    /// out[i] = c a[i] f'(h[i]) for i in `range` (`a` nil: c f'(h[i])); the switch is outside the loop so
    /// that the loop vectorises.
    func multiplyByDerivative<T: KernelFloat>(_ a: UnsafePointer<T>?, scale c: T = 1, _ h: UnsafePointer<T>,
                                              into out: UnsafeMutablePointer<T>, range: Range<Int>) {
        switch self {
        case .linear: Self.multiply(LinearRule.self, a, c, h, out, range)
        case .tanh: Self.multiply(TanhRule.self, a, c, h, out, range)
        case .sigmoid: Self.multiply(SigmoidRule.self, a, c, h, out, range)
        }
    }

    @inline(__always)
    static func multiply<A: ActivationRule, T: KernelFloat>(_: A.Type, _ a: UnsafePointer<T>?, _ c: T, _ h: UnsafePointer<T>,
                                                            _ out: UnsafeMutablePointer<T>, _ range: Range<Int>) {
        if let a {
            for i in range { out[i] = c * a[i] * A.derivative(h[i]) }
        } else {
            for i in range { out[i] = c * A.derivative(h[i]) }
        }
    }
}

/// The derivatives of an activation in terms of its output h = f(a), as static functions so that
/// loops specialised on them contain no branch.
protocol ActivationRule {
    static func derivative<T: KernelFloat>(_ h: T) -> T
    static func second<T: KernelFloat>(_ h: T) -> T
}

/// linear' = 1, linear'' = 0.
enum LinearRule: ActivationRule {
    @inline(__always) static func derivative<T: KernelFloat>(_ h: T) -> T { 1 }
    @inline(__always) static func second<T: KernelFloat>(_ h: T) -> T { 0 }
}

/// tanh' = 1 - h^2, tanh'' = -2 h (1 - h^2).
enum TanhRule: ActivationRule {
    @inline(__always) static func derivative<T: KernelFloat>(_ h: T) -> T { 1 - h * h }
    @inline(__always) static func second<T: KernelFloat>(_ h: T) -> T { -2 * h * (1 - h * h) }
}

/// sigmoid' = h (1 - h), sigmoid'' = h (1 - h)(1 - 2h).
enum SigmoidRule: ActivationRule {
    @inline(__always) static func derivative<T: KernelFloat>(_ h: T) -> T { h - h * h }
    @inline(__always) static func second<T: KernelFloat>(_ h: T) -> T { (h - h * h) * (1 - 2 * h) }
}

/// Runs `body(begin, end)` over `[0, count)` in contiguous chunks (about four per thread, so that
/// uneven chunks and late-waking workers balance out) on the kernels' thread pool; kernels called
/// inside run serially there, as the pool requires. `threads` <= 1 runs one chunk on the caller.
/// Each index is handled by exactly one chunk, so results that depend only on the index do not
/// depend on the thread count.
func parallelChunks(_ count: Int, threads: Int, _ body: (Int, Int) -> Void) {
    let t = Swift.max(1, Swift.min(threads, count))
    if t == 1 { if count > 0 { body(0, count) }; return }
    let grain = Swift.max(1, (count + 4 * t - 1) / (4 * t))
    withoutActuallyEscaping(body) { escaping in
        let box = ChunkBody(escaping)
        withExtendedLifetime(box) {
            mcl_parallel_for(count, grain, { context, begin, end in
                guard let context else { return }
                Unmanaged<ChunkBody>.fromOpaque(context).takeUnretainedValue().body(begin, end)
            }, Unmanaged.passUnretained(box).toOpaque())
        }
    }
}

/// The closure `parallelChunks` hands to the pool.
private final class ChunkBody {
    let body: (Int, Int) -> Void
    init(_ body: @escaping (Int, Int) -> Void) { self.body = body }
}

/// The default number of worker threads for the fused kernels: the kernels' thread count.
var defaultThreadCount: Int { Int(mcl_get_num_threads()) }

