import Foundation
import MaclaurinData
import MaclaurinTensor
import XCTest

final class DataErrorTests: XCTestCase {
    func testDescriptionsNameFileAndPlace() {
        XCTAssertEqual(DataError(.invalidValue, file: "digits.csv", at: .line(12, column: 3),
                                 "expected a number, found \"abc\"").description,
                       "digits.csv:12:3: expected a number, found \"abc\"")
        XCTAssertEqual(DataError(.notUTF8, file: "a.csv", at: .line(4, column: nil), "bad text").description,
                       "a.csv:4: bad text")
        XCTAssertEqual(DataError(.truncated, file: "x.npy", at: .byteOffset(128), "ends early").description,
                       "x.npy: byte 128: ends early")
        XCTAssertEqual(DataError(.invalidValue, file: "b.bin", at: .record(10, byteOffset: 30730), "label 12").description,
                       "b.bin: record 10 (byte 30730): label 12")
        XCTAssertEqual(DataError(.shapeMismatch, file: "m.safetensors", at: .tensor("w"), "size").description,
                       "m.safetensors: tensor \"w\": size")
        XCTAssertEqual(DataError(.notFound, file: "gone.npy", "no such file").description, "gone.npy: no such file")
    }

    func testDisplayNameKeepsRelativePaths() {
        XCTAssertEqual(DataError.displayName(of: URL(fileURLWithPath: "data/x.npy", relativeTo: URL(fileURLWithPath: "/tmp/"))),
                       "data/x.npy")
        XCTAssertEqual(DataError.displayName(of: URL(fileURLWithPath: "/tmp/x.npy")), "/tmp/x.npy")
    }

    func testRequireFiniteNamesTheIndex() throws {
        let good = AnyTensor(Tensor<Float>(shape: [2, 2], scalars: [1, 2, 3, 4]))
        XCTAssertNil(good.firstNonFiniteIndex)
        XCTAssertNoThrow(try good.requireFinite(file: "x.npy", name: "x"))
        let bad = AnyTensor(Tensor<Double>(shape: [2, 3], scalars: [0, 1, 2, 3, .infinity, 5]))
        XCTAssertEqual(bad.firstNonFiniteIndex, 4)
        let error = assertDataError(.nonFinite, file: "x.npy", at: .tensor("x")) {
            try bad.requireFinite(file: "x.npy", name: "x")
        }
        XCTAssertTrue(error?.message.contains("[1, 1]") ?? false, "\(String(describing: error))")
        let nan = AnyTensor(Tensor<Float>(shape: [3], scalars: [0, .nan, 1]))
        let nanError = assertDataError(.nonFinite, file: "y.npy", at: .tensor("y")) {
            try nan.requireFinite(file: "y.npy", name: "y")
        }
        XCTAssertTrue(nanError?.message.hasPrefix("NaN at index [1]") ?? false, "\(String(describing: nanError))")
    }

    func testAnyTensorConversions() {
        let float = Tensor<Float>(shape: [3], scalars: [0.5, -1, 3])
        let any = AnyTensor(float)
        XCTAssertEqual(any.dtypeName, "F32")
        XCTAssertEqual(any.scalarByteCount, 4)
        XCTAssertEqual(any.shape, [3])
        XCTAssertEqual(any.tensor(as: Double.self).scalars, [0.5, -1, 3])
        XCTAssertTrue(any.tensor(as: Float.self).isIdentical(to: float))
        let double = AnyTensor(Tensor<Double>(shape: [1], scalars: [0.1]))
        XCTAssertEqual(double.dtypeName, "F64")
        XCTAssertEqual(double.tensor(as: Float.self).scalars, [Float(0.1)])
    }
}
