import MaclaurinTensor
import XCTest

/// `isFinite` (bit-pattern scan) and `init(repeating:shape:)` (byte fills) against per-element references.
final class TensorFiniteAndFillTests: XCTestCase {
    func testIsFiniteFindsEveryNonFiniteValueAnywhere() {
        check(Float.self)
        check(Double.self)
    }

    private func check<S: TensorScalar>(_: S.Type) {
        let sizes = [0, 1, 3, 4096, 4097, 10_000]
        let specials: [S] = [.nan, .infinity, -.infinity, -.nan]
        let finite: [S] = [0, -0, 1, -1, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                           .leastNonzeroMagnitude, .leastNormalMagnitude]
        for n in sizes {
            let values = (0..<n).map { finite[$0 % finite.count] }
            XCTAssertTrue(Tensor<S>(shape: [n], scalars: values).isFinite, "\(S.self) n=\(n) all finite")
            for position in Set([0, n / 2, 4095, 4096, n - 1]) where position >= 0 && position < n {
                for special in specials {
                    var bad = values
                    bad[position] = special
                    XCTAssertFalse(Tensor<S>(shape: [n], scalars: bad).isFinite, "\(S.self) n=\(n) \(special) at \(position)")
                }
            }
        }
    }

    func testRepeatingFillsEveryElementWithTheExactValue() {
        for n in [0, 1, 2, 7, 64, 1000, 4099] {
            for value: Float in [0, -0.0, 1.5, -3, .infinity, .leastNonzeroMagnitude] {
                let t = Tensor<Float>(repeating: value, shape: [n])
                XCTAssertEqual(t.count, n)
                XCTAssertTrue(t.scalars.allSatisfy { $0.bitPattern == value.bitPattern }, "Float \(value) x \(n)")
            }
            for value: Double in [0, -0.0, 0.1, .pi] {
                let t = Tensor<Double>(repeating: value, shape: [n, 1])
                XCTAssertTrue(t.scalars.allSatisfy { $0.bitPattern == value.bitPattern }, "Double \(value) x \(n)")
            }
        }
        XCTAssertTrue(Tensor<Float>(repeating: .nan, shape: [5]).scalars.allSatisfy(\.isNaN))
        XCTAssertEqual(Tensor<Double>(zeros: [3, 2]).scalars, [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Tensor<Double>(ones: [2]).scalars, [1, 1])
    }
}
