import Foundation
import MaclaurinTensor
import XCTest

/// The seeded generator and the random tensor initialisers.
///
/// Statistical checks use 6-sigma acceptance bands derived from the sample size N: with fixed
/// seeds they are deterministic, and a correct generator would fail one with probability
/// about 2e-9.
final class RandomTests: XCTestCase {
    /// xoshiro256** seeded by SplitMix64 (Blackman & Vigna, prng.di.unimi.it), written from the
    /// published algorithm.
    struct ReferenceGenerator {
        var s: [UInt64]
        static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
        static func splitMix(_ state: inout UInt64) -> UInt64 {
            state = state &+ 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        init(seed: UInt64) {
            var state = seed
            s = (0..<4).map { _ in Self.splitMix(&state) }
        }
        mutating func next() -> UInt64 {
            let result = Self.rotl(s[1] &* 5, 7) &* 9
            let t = s[1] << 17
            s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]
            s[2] ^= t
            s[3] = Self.rotl(s[3], 45)
            return result
        }
    }

    func testGeneratorMatchesPublishedAlgorithm() {
        // SplitMix64's published first outputs for state 0.
        XCTAssertEqual(ReferenceGenerator(seed: 0).s, [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4,
                                                        0x06C4_5D18_8009_454F, 0xF88B_B8A8_724C_81EC])
        for seed: UInt64 in [0, 1, 42, .max] {
            var g = SeededGenerator(seed: seed), r = ReferenceGenerator(seed: seed)
            for i in 0..<1000 {
                let (a, b) = (g.next(), r.next())
                if a != b { XCTFail("seed \(seed), draw \(i): \(a) != \(b)"); break }
            }
            var h = SeededGenerator(seed: seed), q = ReferenceGenerator(seed: seed)
            for _ in 0..<1000 {
                let unit = h.nextUnit()
                XCTAssertEqual(unit, Double(q.next() >> 11) * 0x1p-53)
                XCTAssertTrue(unit >= 0 && unit < 1)
            }
        }
    }

    func checkDeterminism<S: TensorScalar>(_: S.Type) {
        func draw(_ seed: UInt64) -> [Tensor<S>] {
            var g = SeededGenerator(seed: seed)
            return [Tensor<S>(randomUniform: [3, 4], low: -2, high: 5, generator: &g),
                    Tensor<S>(randomNormal: [7], mean: 1, standardDeviation: 3, generator: &g),
                    Tensor<S>(glorotUniform: [4, 5], fanIn: 4, fanOut: 5, generator: &g)]
        }
        for (a, b) in zip(draw(7), draw(7)) { XCTAssertTrue(a.isIdentical(to: b), "same seed, same tensor") }
        for (a, b) in zip(draw(7), draw(8)) { XCTAssertFalse(a.isIdentical(to: b), "different seeds differ") }
        // Tensors are filled serially from one stream: [2] then [4] equals [6] from the same seed.
        var g1 = SeededGenerator(seed: 9), g2 = SeededGenerator(seed: 9)
        let parts = [Tensor<S>(randomNormal: [2], generator: &g1), Tensor<S>(randomNormal: [4], generator: &g1)]
        let whole = Tensor<S>(randomNormal: [6], generator: &g2)
        XCTAssertTrue(Tensor.concatenate(parts, axis: 0).isIdentical(to: whole))
    }

    func testDeterminismFloat() { checkDeterminism(Float.self) }
    func testDeterminismDouble() { checkDeterminism(Double.self) }

    /// Uniform: every sample in [low, high); mean within 6 sigma, sigma = w / sqrt(12 N); sample
    /// variance within 6 sqrt(w^4 / (180 N)) of w^2 / 12 (the uniform's fourth central moment is w^4 / 80).
    func checkUniform<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 71)
        let n = 40_000
        for (low, high) in [(0.0, 1.0), (-3.0, 5.0), (10.0, 10.5)] {
            let x = Tensor<S>(randomUniform: [n], low: S(low), high: S(high), generator: &g)
            let xs = doubles(x)
            XCTAssertTrue(xs.allSatisfy { $0 >= Double(S(low)) && $0 < Double(S(high)) }, "\(S.self) uniform in [\(low), \(high))")
            let w = high - low, mean = xs.reduce(0, +) / Double(n)
            let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            XCTAssertEqual(mean, (low + high) / 2, accuracy: 6 * w / (12 * Double(n)).squareRoot())
            XCTAssertEqual(variance, w * w / 12, accuracy: 6 * (w * w * w * w / (180 * Double(n))).squareRoot())
        }
        // Glorot/Keras: U(-l, l), l = sqrt(6 / (fanIn + fanOut)).
        let limit = (6.0 / 30.0).squareRoot()
        let w = Tensor<S>(glorotUniform: [10, 20], fanIn: 10, fanOut: 20, generator: &g)
        XCTAssertTrue(doubles(w).allSatisfy { abs($0) <= Double(S(limit)) })
        XCTAssertGreaterThan(doubles(w).map(abs).max() ?? 0, 0.9 * limit, "200 samples reach the top 10% of the range")
    }

    func testUniformFloat() { checkUniform(Float.self) }
    func testUniformDouble() { checkUniform(Double.self) }

    /// [low, high) must hold after rounding to the scalar type too: with low = 2^24 and high =
    /// 2^24 + 4 in Float, a quarter of the real-valued draws round up to `high`.
    func testUniformExcludesUpperBoundAfterRounding() {
        var g = SeededGenerator(seed: 72)
        let (low, high): (Float, Float) = (16_777_216, 16_777_220)
        let x = Tensor<Float>(randomUniform: [400], low: low, high: high, generator: &g)
        XCTAssertTrue(x.scalars.allSatisfy { $0 >= low && $0 < high }, "samples equal to high: \(x.scalars.filter { $0 >= high }.count)")
    }

    /// Normal: mean within 6 sd / sqrt(N); variance within 6 sqrt(2 / N) sd^2; the fraction within
    /// one sd of the mean within 6 sqrt(p (1 - p) / N) of p = 0.682689.
    func checkNormal<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 73)
        let n = 40_000
        for (mu, sd) in [(0.0, 1.0), (2.0, 0.5), (-1.0, 3.0)] {
            let xs = doubles(Tensor<S>(randomNormal: [n], mean: S(mu), standardDeviation: S(sd), generator: &g))
            XCTAssertTrue(xs.allSatisfy { $0.isFinite })
            let mean = xs.reduce(0, +) / Double(n)
            let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            XCTAssertEqual(mean, mu, accuracy: 6 * sd / Double(n).squareRoot(), "\(S.self) normal mean")
            XCTAssertEqual(variance, sd * sd, accuracy: 6 * (2 / Double(n)).squareRoot() * sd * sd, "\(S.self) normal variance")
            let p = 0.682689492137
            let inside = Double(xs.filter { abs($0 - mu) < sd }.count) / Double(n)
            XCTAssertEqual(inside, p, accuracy: 6 * (p * (1 - p) / Double(n)).squareRoot(), "\(S.self) normal shape")
        }
    }

    func testNormalFloat() { checkNormal(Float.self) }
    func testNormalDouble() { checkNormal(Double.self) }
}
