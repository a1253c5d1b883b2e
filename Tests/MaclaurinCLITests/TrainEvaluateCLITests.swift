import Foundation
import XCTest

/// Runs the built `maclaurin` binary (it sits next to the test bundle in the build folder).
enum CLI {
    struct Result {
        var status: Int32
        var output: String
        var error: String
        /// The last line of standard output parsed as a JSON object.
        var json: [String: Any]? {
            guard let last = output.split(separator: "\n").last else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(last.utf8))) as? [String: Any]
        }
    }

    /// The folder of the test bundle, where SwiftPM also puts the executable.
    static var binary: URL {
        let bundle = Bundle(for: Marker.self).bundleURL
        let folder = bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle
        let candidate = folder.appendingPathComponent("maclaurin")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        // Fallback: next to the running test executable.
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("maclaurin")
    }

    private final class Marker {}

    /// Runs `maclaurin arguments...`; output is captured through files, so large outputs cannot block.
    static func run(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        let executable = binary
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            XCTFail("no maclaurin executable at \(executable.path)", file: file, line: line)
            return Result(status: -1, output: "", error: "")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("maclaurin-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit, "maclaurin \(arguments) was killed by a signal", file: file, line: line)
        return Result(status: process.terminationStatus,
                      output: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                      error: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }
}

final class TrainEvaluateCLITests: ScratchFolderTestCase {
    func testHelpMentionsEveryOption() throws {
        let top = try CLI.run(["--help"])
        XCTAssertEqual(top.status, 0, top.error)
        for word in ["train", "evaluate", "derive", "bench"] { XCTAssertTrue(top.output.contains(word), "--help lacks \(word)") }
        let expected: [String: [String]] = [
            "train": ["--dataset", "--model", "--order", "--epochs", "--batch", "--learning-rate", "--seed", "--out",
                      "--quiet", "--json", "--schedule", "--shift", "--train-limit", "--test-limit", "taylor-cnn", "cifar10:DIR"],
            "evaluate": ["--dataset", "--batch", "--limit", "MODEL.safetensors"],
            "derive": ["--at", "--hessian", "--order", "--direction"],
            "bench": ["--list"],
        ]
        for (command, options) in expected {
            let help = try CLI.run([command, "--help"])
            XCTAssertEqual(help.status, 0, "\(command) --help: \(help.error)")
            for option in options { XCTAssertTrue(help.output.contains(option), "\(command) --help lacks \(option)") }
        }
    }

    /// Train one short epoch, write the model, evaluate the file: same accuracy and loss.
    func testTrainWritesAModelThatEvaluateReads() throws {
        let model = try path("digits.safetensors")
        let train = try CLI.run(["train", "--epochs", "1", "--train-limit", "640", "--seed", "2", "--out", model])
        XCTAssertEqual(train.status, 0, train.error)
        XCTAssertTrue(train.output.contains("Total params: 166,762"), "summary table first:\n\(train.output)")
        XCTAssertTrue(train.output.contains("epoch 1/1"), train.output)
        let trained = try XCTUnwrap(train.json, train.output)
        let accuracy = try XCTUnwrap(trained["accuracy"] as? Double)
        let loss = try XCTUnwrap(trained["loss"] as? Double)
        XCTAssertEqual(trained["test_images"] as? Int, 360)
        XCTAssertGreaterThan(accuracy, 0.2, "one short epoch already beats chance (0.1)")

        let evaluated = try CLI.run(["evaluate", model, "--dataset", "digits"])
        XCTAssertEqual(evaluated.status, 0, evaluated.error)
        let result = try XCTUnwrap(evaluated.json, evaluated.output)
        XCTAssertEqual(result["accuracy"] as? Double, accuracy)
        XCTAssertEqual(try XCTUnwrap(result["loss"] as? Double), loss, accuracy: 1e-9 * max(1, loss))
        XCTAssertEqual(result["count"] as? Int, 360)
    }

    /// A JSON architecture (no weights) trains; --json prints one object per epoch; .json output round-trips.
    func testTrainsAJSONArchitecture() throws {
        let architecture = try path("small.json")
        try Data("""
            {"input": [8, 8, 1], "layers": [
              {"type": "conv2d", "filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu"},
              {"type": "max_pooling2d", "pool_size": 2}, {"type": "flatten"},
              {"type": "dense", "units": 16, "activation": "relu"},
              {"type": "taylor_expansion", "order": 2},
              {"type": "dense", "units": 10, "activation": "softmax"}]}
            """.utf8).write(to: URL(fileURLWithPath: architecture))
        let out = try path("trained.json")
        let run = try CLI.run(["train", "--model", architecture, "--epochs", "2", "--json", "--learning-rate", "0.01",
                               "--out", out])
        XCTAssertEqual(run.status, 0, run.error)
        let lines = run.output.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, run.output)
        let first = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(first["epoch"] as? Int, 1)
        XCTAssertNotNil(first["test_accuracy"] as? Double)
        let final = try XCTUnwrap(run.json)
        XCTAssertGreaterThan(try XCTUnwrap(final["accuracy"] as? Double), 0.5)
        let evaluated = try CLI.run(["evaluate", out])
        XCTAssertEqual(evaluated.status, 0, evaluated.error)
        XCTAssertEqual(evaluated.json?["accuracy"] as? Double, final["accuracy"] as? Double)
    }

    /// A tiny CIFAR-10 folder in the binary format: the Taylor CNN is built for 32x32x3 and trains.
    func testCIFARFolder() throws {
        let cifar = try path("cifar")
        try FileManager.default.createDirectory(atPath: cifar, withIntermediateDirectories: true)
        var state: UInt32 = 12345
        func byte() -> UInt8 {
            state = state &* 1_664_525 &+ 1_013_904_223     // a linear congruential generator is enough for pixels
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        func records(_ n: Int) -> Data {
            Data((0..<n).flatMap { r in [UInt8(r % 10)] + (0..<3072).map { _ in byte() } })
        }
        for i in 1...5 { try records(4).write(to: URL(fileURLWithPath: cifar + "/data_batch_\(i).bin")) }
        try records(6).write(to: URL(fileURLWithPath: cifar + "/test_batch.bin"))
        let run = try CLI.run(["train", "--dataset", "cifar10:" + cifar, "--epochs", "1", "--batch", "10", "--quiet", "--flip"])
        XCTAssertEqual(run.status, 0, run.error)
        XCTAssertEqual(run.output.split(separator: "\n").count, 1, "--quiet prints only the JSON line")
        let result = try XCTUnwrap(run.json)
        XCTAssertEqual(result["parameters"] as? Int, 3_706_282, "the Taylor CNN at 32x32x3")
        XCTAssertEqual(result["train_images"] as? Int, 20)
        XCTAssertEqual(result["test_images"] as? Int, 6)
    }

    func testErrorsAreOneLineAndNameTheFile() throws {
        let missing = try path("no-such-folder")
        let noCIFAR = try CLI.run(["train", "--dataset", "cifar10:" + missing])
        XCTAssertNotEqual(noCIFAR.status, 0)
        assertOneLineError(noCIFAR, mentions: [missing, "does not exist"])

        let corrupt = try path("corrupt.safetensors")
        try Data([0x10, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0x22]).write(to: URL(fileURLWithPath: corrupt))
        let badModel = try CLI.run(["evaluate", corrupt])
        XCTAssertNotEqual(badModel.status, 0)
        assertOneLineError(badModel, mentions: ["corrupt.safetensors"])

        let absent = try CLI.run(["evaluate", try path("absent.safetensors")])
        XCTAssertNotEqual(absent.status, 0)
        assertOneLineError(absent, mentions: ["absent.safetensors", "no such model file"])

        let wide = try path("wide.json")
        try Data(#"{"input": [32, 32, 3], "layers": [{"type": "flatten"}, {"type": "dense", "units": 10}]}"#.utf8)
            .write(to: URL(fileURLWithPath: wide))
        let mismatch = try CLI.run(["train", "--model", wide, "--epochs", "1"])
        XCTAssertNotEqual(mismatch.status, 0)
        assertOneLineError(mismatch, mentions: ["wide.json", "[32, 32, 3]", "[8, 8, 1]"])

        let badDataset = try CLI.run(["evaluate", wide, "--dataset", "mnist"])
        assertOneLineError(badDataset, mentions: ["mnist", "digits|cifar10:DIR"])

        let noFolder = try CLI.run(["train", "--out", try path("nowhere/model.safetensors")])
        assertOneLineError(noFolder, mentions: ["nowhere", "does not exist"])
    }

    /// A diverging run stops with the step and layer, and --out still receives the last good parameters.
    func testDivergenceStopsAndKeepsLastGoodModel() throws {
        let out = try path("diverged.safetensors")
        let run = try CLI.run(["train", "--learning-rate", "1e30", "--epochs", "1", "--quiet", "--out", out])
        XCTAssertNotEqual(run.status, 0)
        assertOneLineError(run, mentions: ["training stopped", "step ", "layer '", "last good step", out])
        // The saved parameters are finite (they load), though so large that the loss overflows: printed as null.
        let evaluated = try CLI.run(["evaluate", out])
        XCTAssertEqual(evaluated.status, 0, evaluated.error)
        let result = try XCTUnwrap(evaluated.json, evaluated.output)
        XCTAssertNotNil(result["accuracy"] as? Double)
        XCTAssertTrue(result["loss"] is Double || result["loss"] is NSNull, "\(result)")
    }

    private func assertOneLineError(_ result: CLI.Result, mentions: [String], line: UInt = #line) {
        let text = result.error.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(text.hasPrefix("Error: "), "stderr: \(result.error)", line: line)
        XCTAssertEqual(text.split(separator: "\n").count, 1, "one line: \(result.error)", line: line)
        XCTAssertFalse(text.contains("Usage"), "no usage for input errors: \(text)", line: line)
        for m in mentions { XCTAssertTrue(text.contains(m), "'\(m)' missing from: \(text)", line: line) }
    }
}
