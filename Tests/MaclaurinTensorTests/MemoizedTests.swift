import MaclaurinTensor
import XCTest

/// `Tensor.memoized`: one derived value per buffer, shared by copies, dropped by a write.
final class MemoizedTests: XCTestCase {
    private final class Box {
        let sum: Double
        init(_ t: Tensor<Double>) { sum = t.scalars.reduce(0, +) }
    }

    func testValueIsKeptUntilTheScalarsAreWritten() {
        var t = Tensor<Double>(shape: [2, 2], scalars: [1, 2, 3, 4])
        var calls = 0
        func sum(_ x: Tensor<Double>, _ key: String = "sum") -> Double {
            x.memoized(key) { calls += 1; return Box(x) }.sum
        }
        XCTAssertEqual(sum(t), 10)
        XCTAssertEqual(sum(t), 10)
        XCTAssertEqual(calls, 1, "the second call reuses the value")

        let copy = t  // shares the buffer, and so the value
        XCTAssertEqual(sum(copy), 10)
        XCTAssertEqual(calls, 1)

        t[0, 0] = 5  // copy-on-write: t gets a new buffer; the copy keeps the old one and its value
        XCTAssertEqual(sum(t), 14)
        XCTAssertEqual(calls, 2)
        XCTAssertEqual(sum(copy), 10)
        XCTAssertEqual(calls, 2)

        t[1, 1] = 0  // t's buffer is unique now: written in place, its value dropped
        XCTAssertEqual(sum(t), 10)
        XCTAssertEqual(calls, 3)

        XCTAssertEqual(sum(t, "other key"), 10)  // another key replaces the value
        XCTAssertEqual(calls, 4)
        XCTAssertEqual(sum(t), 10)
        XCTAssertEqual(calls, 5)
    }

    func testConcurrentCallersAllGetTheValue() {
        var g = SeededGenerator(seed: 3)
        let t = Tensor<Double>(randomUniform: [64, 64], generator: &g)
        let expected = t.scalars.reduce(0, +)
        let sums = Parallel.mapTiles(rows: 64, tile: 1) { _ in t.memoized("sum") { Box(t) }.sum }
        XCTAssertEqual(sums, [Double](repeating: expected, count: 64))
    }
}
