/// A small, fast, seedable generator (xoshiro256**), seeded through SplitMix64.
///
/// Same seed, same sequence, on every platform and thread count: random tensors are always
/// filled serially from one generator.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose state is drawn from `seed` by SplitMix64.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The four 64-bit words of the generator's state, to save it (e.g. in a training checkpoint).
    public var state: [UInt64] { [s.0, s.1, s.2, s.3] }

    /// A generator continuing exactly where the one whose `state` was saved stopped.
    /// - Parameter state: four words, not all zero (xoshiro256** never reaches the zero state).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 },
                     "a SeededGenerator state is four words, not all zero; got \(state)")
        s = (state[0], state[1], state[2], state[3])
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3; s.2 ^= t
        s.3 = (s.3 << 45) | (s.3 >> 19)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal sample (Box-Muller).
    public mutating func nextNormal() -> Double {
        let u1 = Swift.max(nextUnit(), 0x1p-60), u2 = nextUnit()
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Foundation
@inline(__always) func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Foundation.cos(x) }
#endif

extension Tensor {
    /// Uniform samples in [low, high).
    public init(randomUniform shape: [Int], low: Scalar = 0, high: Scalar = 1, generator: inout SeededGenerator) {
        self.init(uninitializedShape: shape)
        let span = Double(high - low), lo = Double(low)
        // Rounding to Scalar can reach `high` (e.g. Float(1 - 2^-30) == 1); keep the interval half-open.
        let top = Swift.max(low, high.nextDown)
        let n = count
        withUnsafeMutablePointer { p in for i in 0..<n { p[i] = Swift.min(Scalar(lo + span * generator.nextUnit()), top) } }
    }

    /// Normal samples with the given mean and standard deviation.
    public init(randomNormal shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
                generator: inout SeededGenerator) {
        self.init(uninitializedShape: shape)
        let m = Double(mean), sd = Double(standardDeviation)
        let n = count
        withUnsafeMutablePointer { p in for i in 0..<n { p[i] = Scalar(m + sd * generator.nextNormal()) } }
    }

    /// Glorot (Xavier) uniform initialisation as in Keras: U(-l, l) with l = sqrt(6 / (fanIn + fanOut)).
    public init(glorotUniform shape: [Int], fanIn: Int, fanOut: Int, generator: inout SeededGenerator) {
        let limit = Scalar((6.0 / Double(fanIn + fanOut)).squareRoot())
        self.init(randomUniform: shape, low: -limit, high: limit, generator: &generator)
    }
}
