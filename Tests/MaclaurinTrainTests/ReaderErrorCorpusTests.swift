import Foundation
import MaclaurinData
import MaclaurinTrain
import XCTest

/// The error corpus of the model-file and checkpoint readers, for the items of the issue's list the
/// other corpora (Tests/MaclaurinDataTests, DerivativeCSVTests, ClassifierModelFileTests) leave out:
/// empty files, wrong magic, non-UTF-8 text, NaN/Inf weights, truncation and checkpoints from
/// another run. Every case must throw a typed error naming the file.
final class ReaderErrorCorpusTests: ScratchFolderTestCase {
    private func write(_ bytes: Data, _ name: String) throws -> URL {
        let url = try file(name)
        try bytes.write(to: url)
        return url
    }

    private func assertModelFileError(_ bytes: Data, _ name: String, mentions: [String], line: UInt = #line) throws {
        let url = try write(bytes, name)
        XCTAssertThrowsError(try ModelFile.load(contentsOf: url, as: Float.self), line: line) { error in
            XCTAssertTrue(error is ModelError || error is DataError, "\(type(of: error)): \(error)", line: line)
            for word in [name] + mentions {
                XCTAssertTrue("\(error)".contains(word), "'\(word)' missing from: \(error)", line: line)
            }
        }
    }

    private static let mlp = #"{"input": [2], "layers": [{"type": "dense", "units": 1}]}"#

    func testModelFiles() throws {
        try assertModelFileError(Data(), "empty.safetensors", mentions: ["empty"])
        try assertModelFileError(Data(), "empty.json", mentions: ["JSON"])
        try assertModelFileError(Data("PK\u{3}\u{4}not a model at all".utf8), "zip.safetensors", mentions: ["absurd"])
        var latin1 = Data(#"{"input": [2], "layers": [{"type": "dense", "units": 1, "name": "caf"#.utf8)
        latin1.append(contentsOf: [0xE9] + Array(#""}]}"#.utf8))
        try assertModelFileError(latin1, "latin1.json", mentions: ["JSON"])
        try assertModelFileError(Data(#"{"input": [2], "layers": [{"type": "dense", "units": 1, "kernel": [[1e999], [0]], "bias": [0]}]}"#.utf8),
                                 "infinite.json", mentions: [])

        let weights: [(String, AnyTensor)] = [("dense_1/kernel", AnyTensor(Tensor<Float>(shape: [2, 1], scalars: [1, .nan]))),
                                              ("dense_1/bias", AnyTensor(Tensor<Float>([0])))]
        let nan = try SafeTensors.encode(weights, metadata: [ModelFile.architectureKey: Self.mlp])
        try assertModelFileError(nan, "nan.safetensors", mentions: ["dense_1/kernel", "NaN"])
        try assertModelFileError(nan.prefix(nan.count - 3), "truncated.safetensors", mentions: [])
        var badArchitecture = try SafeTensors.encode([], metadata: [ModelFile.architectureKey: "{\"input\": [2], \"layers\": ["])
        try assertModelFileError(badArchitecture, "architecture.safetensors", mentions: ["maclaurin.model", "invalid"])
        // Non-UTF-8 bytes in the JSON header (metadata value): the header must be UTF-8.
        badArchitecture = try SafeTensors.encode([], metadata: [ModelFile.architectureKey: "xxxx"])
        if let at = badArchitecture.range(of: Data("xxxx".utf8)) { badArchitecture.replaceSubrange(at, with: [0xFF, 0xFE, 0x78, 0x78]) }
        try assertModelFileError(badArchitecture, "header.safetensors", mentions: ["UTF-8"])
    }

    func testCheckpoints() throws {
        func assertCheckpointError(_ bytes: Data, _ name: String, mentions: [String], line: UInt = #line) throws {
            let url = try write(bytes, name)
            XCTAssertThrowsError(try Checkpoint.read(url), line: line) { error in
                XCTAssertTrue(error is CheckpointError || error is DataError, "\(type(of: error)): \(error)", line: line)
                for word in [name] + mentions {
                    XCTAssertTrue("\(error)".contains(word), "'\(word)' missing from: \(error)", line: line)
                }
            }
        }
        try assertCheckpointError(Data(), "empty.ckpt", mentions: ["empty"])
        try assertCheckpointError(Data(repeating: 0xFF, count: 64), "magic.ckpt", mentions: ["absurd"])
        try assertCheckpointError(try SafeTensors.encode([], metadata: ["maclaurin.checkpoint": "9", "maclaurin.kind": "fit"]),
                                  "future.ckpt", mentions: ["format \"9\""])
        var checkpoint = Checkpoint(kind: "fit", settings: ["seed": "1"])
        checkpoint.values["step"] = "-3"
        checkpoint.values["generator"] = "0 0 0 0"
        checkpoint.setDoubles([.nan], for: "model/dense_1/bias")
        let url = try write(Data(), "state.ckpt")
        try checkpoint.write(to: url)
        let bytes = try Data(contentsOf: url)
        try assertCheckpointError(bytes.prefix(bytes.count - 1), "cut.ckpt", mentions: [])

        let read = try Checkpoint.read(url)
        XCTAssertThrowsError(try read.integer("step")) { XCTAssertTrue("\($0)".contains("\"-3\""), "\($0)") }
        XCTAssertThrowsError(try read.generator("generator")) { XCTAssertTrue("\($0)".contains("non-zero"), "\($0)") }
        XCTAssertThrowsError(try read.tensor("model/dense_1/bias", as: Float.self)) { XCTAssertTrue("\($0)".contains("F64"), "\($0)") }
        let model: Sequential<Double> = try Models.mlp(sizes: [2, 1], seed: 0)
        XCTAssertThrowsError(try read.model(model)) { XCTAssertTrue("\($0)".contains("dense_1"), "\($0)") }
        var adam = Adam<Double>()
        XCTAssertThrowsError(try adam.restore(from: read, prefix: "optimizer", shapes: [[2, 1], [1]]))

        // Counters a run increments are bounded (Int.max would overflow at the next step), and
        // damaged epoch rows (a count that is not a whole number) are refused instead of trapping.
        var counters = Checkpoint(kind: "train", settings: [:])
        counters.values["optimizer/iteration"] = String(Int.max)
        XCTAssertThrowsError(try adam.restore(from: counters, prefix: "optimizer", shapes: [[2, 1], [1]]))
        XCTAssertNil(ClassifierEpochReport(row: [1, 0.5, .infinity, 1, 0.5, 10, 1], epoch: 1, epochs: 1, steps: 1))
        XCTAssertNil(ClassifierEpochReport(row: [1, 0.5, 1e300, 1, 0.5, 10, 1], epoch: 1, epochs: 1, steps: 1))
        XCTAssertNil(ClassifierEpochReport(row: [1, 0.5, 64, 1, 0.5, 2.5, 1], epoch: 1, epochs: 1, steps: 1))
        let row = [1, 0.5, 64, 1.25, 0.75, 10, 2]
        XCTAssertEqual(ClassifierEpochReport(row: row, epoch: 1, epochs: 1, steps: 2)?.row, row)
    }
}
