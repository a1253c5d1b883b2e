import MaclaurinTensor
import XCTest

/// Matrix products in every transpose combination, as a stack of rows, batched and with a
/// shared left operand, against a literal triple loop in Double.
///
/// Bound: an inner product of length k evaluated in any order (blocked, FMA) is within
/// gamma_k sum_l |a_il b_lj| of the exact value (Higham 3.1), gamma_k = k u / (1 - k u).
final class MatmulTests: XCTestCase {
    /// Returns the stored shape of an operand whose logical shape is rows x cols.
    static func stored(_ rows: Int, _ cols: Int, transposed: Bool) -> [Int] { transposed ? [cols, rows] : [rows, cols] }

    /// op(A) op(B) for row-major stored matrices, with the sum of |terms| per entry.
    static func reference(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, ta: Bool, tb: Bool)
        -> (values: [Double], magnitude: [Double]) {
        var c = [Double](repeating: 0, count: m * n), mag = c
        for i in 0..<m {
            for j in 0..<n {
                for l in 0..<k {
                    let x = ta ? a[l * m + i] : a[i * k + l]
                    let y = tb ? b[j * k + l] : b[l * n + j]
                    c[i * n + j] += x * y; mag[i * n + j] += abs(x * y)
                }
            }
        }
        return (c, mag)
    }

    static func bounds<S: TensorScalar>(_: S.Type, _ magnitude: [Double], k: Int) -> [Double] {
        let ku = Double(k) * unitRoundoff(S.self)
        return magnitude.map { ku / (1 - ku) * $0 + Double(S.leastNormalMagnitude) }
    }

    /// (m, n, k): degenerate, small, odd and larger-than-a-register-tile sizes.
    static let sizes: [(Int, Int, Int)] = [(1, 1, 1), (1, 5, 3), (4, 1, 7), (3, 4, 5), (7, 9, 13), (17, 33, 20), (64, 48, 70)]

    func checkMatrixProducts<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 51)
        for (m, n, k) in Self.sizes {
            for ta in [false, true] {
                for tb in [false, true] {
                    let a = randomTensor(S.self, Self.stored(m, k, transposed: ta), -1, 1, &g)
                    let b = randomTensor(S.self, Self.stored(k, n, transposed: tb), -1, 1, &g)
                    let (want, mag) = Self.reference(doubles(a), doubles(b), m: m, n: n, k: k, ta: ta, tb: tb)
                    assertWithin(a.matmul(b, transposeA: ta, transposeB: tb), shape: [m, n], want,
                                 bounds: Self.bounds(S.self, mag, k: k), "\(S.self) [\(m)x\(k)]x[\(k)x\(n)] ta=\(ta) tb=\(tb)")
                }
            }
        }
    }

    func testMatrixProductsFloat() { checkMatrixProducts(Float.self) }
    func testMatrixProductsDouble() { checkMatrixProducts(Double.self) }

    /// A left operand of rank 1 or > 2 is a stack of rows: [..., K] x [K, N] -> [..., N].
    func checkRowStacks<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 52)
        for lead in [[], [3], [2, 3], [2, 1, 4]] as [[Int]] {
            for tb in [false, true] {
                let (k, n) = (5, 6)
                let a = randomTensor(S.self, lead + [k], -1, 1, &g)
                let b = randomTensor(S.self, Self.stored(k, n, transposed: tb), -1, 1, &g)
                let rows = lead.reduce(1, *)
                let (want, mag) = Self.reference(doubles(a), doubles(b), m: rows, n: n, k: k, ta: false, tb: tb)
                assertWithin(a.matmul(b, transposeB: tb), shape: lead + [n], want, bounds: Self.bounds(S.self, mag, k: k),
                             "\(S.self) rows \(lead) tb=\(tb)")
            }
        }
    }

    func testRowStacksFloat() { checkRowStacks(Float.self) }
    func testRowStacksDouble() { checkRowStacks(Double.self) }

    /// Batched: [B..., M, K] x [B..., K, N]; shared: [M, K] x [B..., K, N] uses the same left matrix
    /// for every batch entry.
    func checkBatched<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 53)
        let (m, n, k) = (3, 4, 5)
        for batch in [[1], [2], [2, 3]] as [[Int]] {
            for shared in [false, true] {
                for ta in [false, true] {
                    for tb in [false, true] {
                        let count = batch.reduce(1, *)
                        let a = randomTensor(S.self, (shared ? [] : batch) + Self.stored(m, k, transposed: ta), -1, 1, &g)
                        let b = randomTensor(S.self, batch + Self.stored(k, n, transposed: tb), -1, 1, &g)
                        var want: [Double] = [], mag: [Double] = []
                        for i in 0..<count {
                            let ai = shared ? doubles(a) : Array(doubles(a)[(i * m * k)..<((i + 1) * m * k)])
                            let bi = Array(doubles(b)[(i * k * n)..<((i + 1) * k * n)])
                            let r = Self.reference(ai, bi, m: m, n: n, k: k, ta: ta, tb: tb)
                            want += r.values; mag += r.magnitude
                        }
                        assertWithin(a.matmul(b, transposeA: ta, transposeB: tb), shape: batch + [m, n], want,
                                     bounds: Self.bounds(S.self, mag, k: k),
                                     "\(S.self) batch \(batch) shared=\(shared) ta=\(ta) tb=\(tb)")
                    }
                }
            }
        }
    }

    func testBatchedFloat() { checkBatched(Float.self) }
    func testBatchedDouble() { checkBatched(Double.self) }

    /// An inner extent of 0 gives zeros (the empty sum), not uninitialised memory.
    func testEmptyInnerExtent() {
        let a = Tensor<Double>(zeros: [3, 0]), b = Tensor<Double>(zeros: [0, 2])
        assertIdentical(a.matmul(b), shape: [3, 2], Array(repeating: 0, count: 6), "k = 0")
    }
}
