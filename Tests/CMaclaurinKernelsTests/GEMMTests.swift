import CMaclaurinKernels
import XCTest

/// The two element types of the C GEMM, with their entry points.
protocol GEMMScalar: BinaryFloatingPoint {
    // swiftlint:disable:next function_parameter_count
    static func gemm(_ transA: Int32, _ transB: Int32, _ m: Int, _ n: Int, _ k: Int, _ alpha: Self,
                     _ a: UnsafePointer<Self>, _ lda: Int, _ b: UnsafePointer<Self>, _ ldb: Int,
                     _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)
}

extension Float: GEMMScalar {
    static func gemm(_ transA: Int32, _ transB: Int32, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                     _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                     _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        mcl_s_gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

extension Double: GEMMScalar {
    static func gemm(_ transA: Int32, _ transB: Int32, _ m: Int, _ n: Int, _ k: Int, _ alpha: Double,
                     _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int,
                     _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        mcl_d_gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}

/// One GEMM problem: shapes, transposes, scalars and storage with padded leading dimensions.
struct GEMMCase<T: GEMMScalar> {
    let m, n, k: Int
    let transA, transB: Bool
    let alpha, beta: T
    let lda, ldb, ldc: Int
    var a, b, c0: [T]

    init(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: T, beta: T, pad: Int,
         rng: inout SplitMix64) {
        (self.m, self.n, self.k, self.transA, self.transB, self.alpha, self.beta) =
            (m, n, k, transA, transB, alpha, beta)
        lda = (transA ? m : k) + pad
        ldb = (transB ? k : n) + pad
        ldc = n + pad
        a = (0..<(transA ? k : m) * lda).map { _ in T(rng.symmetric()) }
        b = (0..<(transB ? n : k) * ldb).map { _ in T(rng.symmetric()) }
        // beta == 0 must ignore C entirely, so fill it with NaN in that case.
        c0 = (0..<m * ldc).map { _ in beta == 0 ? T.nan : T(rng.symmetric()) }
        // Padding columns of C hold a sentinel that must survive.
        for i in 0..<m { for j in n..<ldc { c0[i * ldc + j] = 12345 } }
    }

    func opA(_ i: Int, _ p: Int) -> Double { Double(transA ? a[p * lda + i] : a[i * lda + p]) }
    func opB(_ p: Int, _ j: Int) -> Double { Double(transB ? b[j * ldb + p] : b[p * ldb + j]) }

    /// Runs the C GEMM and returns C.
    func run() -> [T] {
        var c = c0
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    // Pointers to a dummy element stand in for empty arrays.
                    var dummy = T(0)
                    withUnsafeMutablePointer(to: &dummy) { d in
                        T.gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, pa.baseAddress ?? UnsafePointer(d),
                               lda, pb.baseAddress ?? UnsafePointer(d), ldb, beta, pc.baseAddress ?? d, ldc)
                    }
                }
            }
        }
        return c
    }

    /// Checks element (i, j) of `c` against a Double-accumulated reference, within the usual
    /// (K + 2) * eps bound relative to the sum of absolute terms.
    func check(_ c: [T], _ i: Int, _ j: Int, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        var s = 0.0, sAbs = 0.0
        for p in 0..<k {
            let t = opA(i, p) * opB(p, j)
            s += t
            sAbs += abs(t)
        }
        let old = beta == 0 ? 0 : Double(c0[i * ldc + j])
        let ref = Double(alpha) * s + Double(beta) * old
        let bound = Double(abs(alpha)) * sAbs + abs(Double(beta) * old)
        let tol = 2 * Double(k + 2) * Double(T.ulpOfOne) * bound + Double(T.leastNormalMagnitude)
        let got = Double(c[i * ldc + j])
        if abs(got - ref) <= tol { return true }
        XCTFail("\(T.self) m=\(m) n=\(n) k=\(k) tA=\(transA) tB=\(transB) alpha=\(alpha) beta=\(beta) " +
                "ld=(\(lda),\(ldb),\(ldc)) C[\(i),\(j)]=\(got), expected \(ref) +- \(tol)", file: file, line: line)
        return false
    }

    /// Runs the GEMM and checks every element (or `samples` random ones) and the padding.
    func verify(samples: Int? = nil, rng: inout SplitMix64, file: StaticString = #filePath, line: UInt = #line) {
        let c = run()
        for i in 0..<m { for j in n..<ldc where c[i * ldc + j] != 12345 {
            XCTFail("\(T.self) padding of C overwritten at (\(i), \(j))", file: file, line: line)
            return
        } }
        if let samples, m > 0, n > 0 {
            for _ in 0..<samples where !check(c, rng.below(m), rng.below(n), file: file, line: line) { return }
        } else {
            for i in 0..<m { for j in 0..<n where !check(c, i, j, file: file, line: line) { return } }
        }
    }
}

final class GEMMTests: XCTestCase {
    static let sizes = [0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 63, 65, 100, 129, 257]
    static let scalars: [(Double, Double)] = [(1, 0), (1, 1), (-0.5, 0), (2, -1.5), (0.75, 0.25), (0, 0.5)]

    override func setUp() { mcl_set_num_threads(2) }

    /// Exhaustive over small sizes, every transpose combination and every scalar pair.
    func runSmallGrid<T: GEMMScalar>(_: T.Type) {
        var rng = SplitMix64(state: 1)
        let small = [0, 1, 2, 3, 5, 7, 8, 9, 17]
        for m in small { for n in small { for k in small { for t in 0..<4 {
            let (alpha, beta) = Self.scalars[rng.below(Self.scalars.count)]
            GEMMCase<T>(m: m, n: n, k: k, transA: t & 1 != 0, transB: t & 2 != 0, alpha: T(alpha), beta: T(beta),
                        pad: rng.below(3), rng: &rng).verify(rng: &rng)
        } } } }
    }

    /// Random shapes drawn from the full size list.
    func runRandomShapes<T: GEMMScalar>(_: T.Type, count: Int) {
        var rng = SplitMix64(state: 2)
        for _ in 0..<count {
            let pick = { (r: inout SplitMix64) in Self.sizes[r.below(Self.sizes.count)] }
            let (m, n, k) = (pick(&rng), pick(&rng), pick(&rng))
            let (alpha, beta) = Self.scalars[rng.below(Self.scalars.count)]
            let t = rng.below(4)
            GEMMCase<T>(m: m, n: n, k: k, transA: t & 1 != 0, transB: t & 2 != 0, alpha: T(alpha), beta: T(beta),
                        pad: rng.below(2) * rng.below(40), rng: &rng).verify(samples: 400, rng: &rng)
        }
    }

    /// Shapes large enough to cross every cache block boundary (several K slices, column
    /// blocks and row blocks, with ragged edges), checked on sampled elements.
    func runLargeShapes<T: GEMMScalar>(_: T.Type) {
        var rng = SplitMix64(state: 3)
        let shapes = [(301, 4200, 37), (1000, 70, 600), (7, 300, 1100), (600, 33, 5), (150, 150, 513),
                      (1, 5000, 300), (3000, 1, 200), (1, 2000, 1), (2, 1100, 400)]
        for (s, (m, n, k)) in shapes.enumerated() {
            GEMMCase<T>(m: m, n: n, k: k, transA: s & 1 != 0, transB: s & 2 != 0, alpha: 1.5, beta: s & 1 == 0 ? 0 : -1,
                        pad: 3, rng: &rng).verify(samples: 300, rng: &rng)
        }
    }

    func testFloatSmallGrid() { runSmallGrid(Float.self) }
    func testDoubleSmallGrid() { runSmallGrid(Double.self) }
    func testFloatRandomShapes() { runRandomShapes(Float.self, count: 800) }
    func testDoubleRandomShapes() { runRandomShapes(Double.self, count: 800) }
    func testFloatLargeShapes() { runLargeShapes(Float.self) }
    func testDoubleLargeShapes() { runLargeShapes(Double.self) }

    /// The library's typical small products (dense layers, conv as im2col GEMM).
    func testTypicalSmallProducts() {
        var rng = SplitMix64(state: 4)
        for (m, n, k) in [(1024, 64, 64), (64, 32, 288), (4096, 64, 64)] {
            for t in 0..<4 {
                GEMMCase<Float>(m: m, n: n, k: k, transA: t & 1 != 0, transB: t & 2 != 0, alpha: 1, beta: 0, pad: 0,
                                rng: &rng).verify(samples: 500, rng: &rng)
                GEMMCase<Double>(m: m, n: n, k: k, transA: t & 1 != 0, transB: t & 2 != 0, alpha: 1, beta: 1, pad: 0,
                                 rng: &rng).verify(samples: 500, rng: &rng)
            }
        }
    }

    /// beta == 0 clears NaN/Inf in C; alpha == 0 and K == 0 give beta * C.
    func testScalarSpecialCases() {
        var c: [Float] = [.nan, .infinity, -.nan, 3]
        let a: [Float] = [1, 2], b: [Float] = [3, 4]
        mcl_s_gemm(0, 0, 2, 2, 1, 1, a, 1, b, 2, 0, &c, 2)
        XCTAssertEqual(c, [3, 4, 6, 8])
        var d: [Double] = [1, 2, 3, .nan]
        mcl_d_gemm(0, 0, 2, 2, 0, 1, [0], 1, [0], 2, 2, &d, 2)
        XCTAssertEqual(Array(d[0..<3]), [2, 4, 6])
        XCTAssertTrue(d[3].isNaN)
        mcl_d_gemm(1, 1, 2, 2, 1, 0, [Double.nan, 1], 2, [1, 1], 1, 0, &d, 2)
        XCTAssertEqual(d, [0, 0, 0, 0])
    }

    /// Results must be bit-identical whatever the thread count.
    func runThreadInvariance<T: GEMMScalar>(_: T.Type) {
        var rng = SplitMix64(state: 5)
        let shapes = [(257, 257, 257), (1000, 64, 64), (64, 32, 288), (5, 2000, 300), (3, 33, 700), (130, 4100, 20),
                      (1, 3000, 257), (2500, 1, 100), (1, 1500, 33), (700, 1, 1000), (2000, 40, 50)]
        for (s, (m, n, k)) in shapes.enumerated() {
            let g = GEMMCase<T>(m: m, n: n, k: k, transA: s & 1 != 0, transB: s & 2 != 0, alpha: 0.5, beta: 0.25,
                                pad: 1, rng: &rng)
            mcl_set_num_threads(1)
            let one = g.run()
            for threads in [2, 3, 4] {
                mcl_set_num_threads(Int32(threads))
                let many = g.run()
                XCTAssertTrue(one.elementsEqual(many) { $0 == $1 || ($0.isNaN && $1.isNaN) },
                              "\(T.self) \(m)x\(n)x\(k): \(threads) threads differ from 1")
            }
        }
        mcl_set_num_threads(2)
    }

    /// Products with a small C and a long K are split along K into segments summed in a fixed
    /// order (weight gradients: op(A) = A^T with K = batch x pixels; a dense layer with M = 64):
    /// correct, and bit-identical for every thread count.
    func runKSplit<T: GEMMScalar>(_: T.Type) {
        var rng = SplitMix64(state: 6)
        let shapes: [(Int, Int, Int, Bool, Bool)] = [
            (27, 32, 20000, true, false), (288, 32, 6000, true, false), (64, 100, 4100, false, false),
            (13, 7, 1030, false, true), (40, 17, 3000, true, true), (5, 9, 1025, true, false),
        ]
        for (m, n, k, ta, tb) in shapes {
            for (alpha, beta) in [(1.0, 0.0), (-0.5, 0.75)] {
                let g = GEMMCase<T>(m: m, n: n, k: k, transA: ta, transB: tb, alpha: T(alpha), beta: T(beta), pad: 2,
                                    rng: &rng)
                g.verify(samples: 200, rng: &rng)
                mcl_set_num_threads(1)
                let one = g.run()
                for threads in [2, 3, 5] {
                    mcl_set_num_threads(Int32(threads))
                    XCTAssertTrue(one.elementsEqual(g.run()) { $0 == $1 || ($0.isNaN && $1.isNaN) },
                                  "\(T.self) \(m)x\(n)x\(k) tA=\(ta) tB=\(tb): \(threads) threads differ from 1")
                }
                mcl_set_num_threads(2)
            }
        }
    }

    /// Short, wide products with a transposed B (a dense layer's input gradient, 64 x 7200 x 512)
    /// are computed as C^T = op(B)^T op(A)^T, written to C transposed: correct (ragged edges,
    /// padded leading dimensions, alpha and beta) and the same bits for any thread count.
    func runSwapped<T: GEMMScalar>(_: T.Type) {
        var rng = SplitMix64(state: 7)
        let shapes: [(Int, Int, Int, Bool)] = [(64, 700, 100, false), (5, 300, 60, true), (17, 100, 49, false),
                                               (31, 4500, 70, false)]
        for (m, n, k, ta) in shapes {
            for (alpha, beta) in [(1.0, 0.0), (0.5, -1.25)] {
                let g = GEMMCase<T>(m: m, n: n, k: k, transA: ta, transB: true, alpha: T(alpha), beta: T(beta), pad: 3,
                                    rng: &rng)
                g.verify(samples: 400, rng: &rng)
                mcl_set_num_threads(1)
                let one = g.run()
                mcl_set_num_threads(3)
                XCTAssertTrue(one.elementsEqual(g.run()) { $0 == $1 || ($0.isNaN && $1.isNaN) },
                              "\(T.self) \(m)x\(n)x\(k) tA=\(ta): 3 threads differ from 1")
                mcl_set_num_threads(2)
            }
        }
    }

    func testFloatSwappedOperands() { runSwapped(Float.self) }
    func testDoubleSwappedOperands() { runSwapped(Double.self) }

    func testFloatKSplit() { runKSplit(Float.self) }
    func testDoubleKSplit() { runKSplit(Double.self) }

    func testFloatThreadInvariance() { runThreadInvariance(Float.self) }
    func testDoubleThreadInvariance() { runThreadInvariance(Double.self) }
}
