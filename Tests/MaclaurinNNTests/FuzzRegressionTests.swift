import Foundation
import MaclaurinNN
import XCTest

/// Inputs the fuzzer (Scripts/fuzz.sh, target modeljson) found crashing the JSON model reader, kept
/// as they were found: each must now give a typed `ModelError` that says what is wrong.
final class ModelJSONFuzzRegressionTests: XCTestCase {
    private func assertModelError(_ json: String, mentions words: [String], line: UInt = #line) {
        XCTAssertThrowsError(try ModelJSON.decode(Data(json.utf8)) as Sequential<Float>, line: line) { error in
            XCTAssertTrue(error is ModelError, "\(type(of: error)): \(error)", line: line)
            for word in words { XCTAssertTrue("\(error)".contains(word), "'\(word)' missing from: \(error)", line: line) }
        }
    }

    /// Crash 1: a kernel size of 4e15 overflowed the kernel's size (a trap, not an error).
    func testHugeKernelSize() {
        assertModelError(#"{"input": [8, 8, 1], "layers": [{"type": "conv2d", "filters": 1, "kernel_size": 3999999999999999, "padding": "same", "activaiv.tion": "relu"}, {"type": "taylor_expansion", "order": 8}, {"type": "dense", "units": 3, "actiwation": "so!ftmax"}]}"#,
                         mentions: ["layer 1", "kernel_size", "16777216"])
    }

    /// The same family, by hand: sizes whose products overflow or would allocate gigabytes.
    func testSizesAreBoundedBeforeAllocating() {
        assertModelError(#"{"input": [16777216, 16777216, 16777216], "layers": [{"type": "flatten"}]}"#,
                         mentions: ["layer 1", "input"])
        assertModelError(#"{"input": [4096], "layers": [{"type": "dense", "units": 16777216}]}"#,
                         mentions: ["layer 1", "kernel", "134217728"])
        assertModelError(#"{"input": [2], "layers": [{"type": "dense", "units": 9223372036854775807}]}"#,
                         mentions: ["units"])
        assertModelError(#"{"input": [8, 8, 3], "layers": [{"type": "conv2d", "filters": 16777216, "kernel_size": 4096}]}"#,
                         mentions: ["kernel"])
        assertModelError(#"{"input": [4], "layers": [{"type": "taylor_expansion", "order": 9223372036854775807}]}"#,
                         mentions: ["order"])
        assertModelError(#"{"input": [4096], "layers": [{"type": "polynomial_dense", "units": 4096, "order": 4096}]}"#,
                         mentions: ["kernel"])
        assertModelError(#"{"input": [64, 64, 1], "layers": [{"type": "conv2d", "filters": 65536, "kernel_size": 1, "padding": "same"}, {"type": "flatten"}]}"#,
                         mentions: ["layer 2", "input"])
    }
}
