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
protocol KernelFloat: TensorScalar {
    /// e^x - 1, for x in any range (saturates to -1 and to a large finite value).
    static func fastExpm1(_ x: Self) -> Self
}

extension Float: KernelFloat {
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

    /// h = f(a + b[j]) and s = f'(a + b[j]) over a `[rows, cols]` block (a is overwritten by h).
    @inline(__always)
    func apply<T: KernelFloat>(_ a: UnsafeMutablePointer<T>, bias: UnsafePointer<T>, derivative s: UnsafeMutablePointer<T>,
                               rows: Int, cols: Int) {
        switch self {
        case .linear:
            for r in 0..<rows {
                let row = a + r * cols, srow = s + r * cols
                for j in 0..<cols { row[j] += bias[j]; srow[j] = 1 }
            }
        case .tanh:
            for r in 0..<rows {
                let row = a + r * cols, srow = s + r * cols
                for j in 0..<cols {
                    let h = T.fastTanh(row[j] + bias[j])
                    row[j] = h; srow[j] = 1 - h * h
                }
            }
        case .sigmoid:
            for r in 0..<rows {
                let row = a + r * cols, srow = s + r * cols
                for j in 0..<cols {
                    let h = T.fastSigmoid(row[j] + bias[j])
                    row[j] = h; srow[j] = h - h * h
                }
            }
        }
    }

    /// f''(a) from h = f(a) and s = f'(a).
    @inline(__always)
    func second<T: KernelFloat>(h: T, s: T) -> T {
        switch self {
        case .linear: 0
        case .tanh: -2 * h * s
        case .sigmoid: s * (1 - 2 * h)
        }
    }
}

/// Runs `body(begin, end)` over `[0, count)` in contiguous chunks on up to `threads` threads.
/// Each index is handled by exactly one chunk, so results that depend only on the index do not
/// depend on the thread count.
func parallelChunks(_ count: Int, threads: Int, _ body: (Int, Int) -> Void) {
    let t = Swift.max(1, Swift.min(threads, count))
    if t == 1 { body(0, count); return }
    DispatchQueue.concurrentPerform(iterations: t) { c in
        body(c * count / t, (c + 1) * count / t)
    }
}

/// The default number of worker threads for the fused kernels: the online CPUs.
var defaultThreadCount: Int { ProcessInfo.processInfo.activeProcessorCount }

