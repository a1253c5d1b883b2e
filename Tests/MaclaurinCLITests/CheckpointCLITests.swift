import Foundation
import XCTest

/// `--checkpoint` and `--resume` of `train` and `fit`, on real processes: a run killed with SIGKILL
/// after it wrote a checkpoint, then resumed, ends with the same model file, byte for byte, as a
/// run that was never interrupted.
final class CheckpointCLITests: ScratchFolderTestCase {
    /// Starts `maclaurin arguments...`, waits until `file` exists, then kills the process with SIGKILL.
    /// - Returns: false when the process ended on its own before the file appeared or before the kill.
    private func runAndKill(_ arguments: [String], whenExists file: String, timeout: TimeInterval = 120) throws -> Bool {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while !FileManager.default.fileExists(atPath: file) && process.isRunning && Date() < deadline {
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    /// The kill test: `train` with --checkpoint is killed (SIGKILL) once its first checkpoint exists;
    /// the checkpoint is whole (it resumes); the resumed run's model file equals, byte for byte, the
    /// one of an uninterrupted run, and it reports the same final loss and accuracy.
    func testKilledTrainResumesToTheSameModel() throws {
        let common = ["train", "--train-limit", "320", "--test-limit", "60", "--batch", "32", "--epochs", "6", "--seed", "4",
                      "--quiet"]
        let straightModel = try path("straight.safetensors")
        let straight = try CLI.run(common + ["--out", straightModel])
        XCTAssertEqual(straight.status, 0, straight.error)

        let checkpoint = try path("run.checkpoint"), resumedModel = try path("resumed.safetensors")
        let killed = try runAndKill(common + ["--checkpoint", checkpoint, "--out", resumedModel], whenExists: checkpoint)
        XCTAssertTrue(killed, "the run should still have been training when killed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: resumedModel), "killed before writing --out")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: try XCTUnwrap(folder).path)
            .filter { $0.contains(".tmp-") }
        XCTAssertTrue(leftovers.allSatisfy { $0.hasPrefix(".run.checkpoint.tmp-") }, "\(leftovers)")

        let resumed = try CLI.run(common + ["--resume", checkpoint, "--checkpoint", checkpoint, "--out", resumedModel])
        XCTAssertEqual(resumed.status, 0, resumed.error)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: resumedModel)),
                       try Data(contentsOf: URL(fileURLWithPath: straightModel)), "final weights differ")
        for key in ["accuracy", "loss", "train_loss", "steps", "epochs"] {
            XCTAssertEqual("\(resumed.json?[key] ?? "-")", "\(straight.json?[key] ?? "-")", key)
        }
    }

    /// Resuming with other settings is refused with one line naming the setting and both values.
    func testResumeWithOtherSettingsIsRefused() throws {
        let checkpoint = try path("c.checkpoint")
        let first = try CLI.run(["train", "--train-limit", "64", "--test-limit", "20", "--epochs", "1", "--quiet",
                                 "--checkpoint", checkpoint])
        XCTAssertEqual(first.status, 0, first.error)
        let other = try CLI.run(["train", "--train-limit", "64", "--test-limit", "20", "--epochs", "1", "--quiet",
                                 "--seed", "9", "--resume", checkpoint])
        XCTAssertNotEqual(other.status, 0)
        let text = other.error.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(text.split(separator: "\n").count, 1, text)
        for word in ["c.checkpoint", "seed 0", "seed 9"] { XCTAssertTrue(text.contains(word), "'\(word)' missing: \(text)") }
        let wrongKind = try CLI.run(["fit", try sinCos(), "--resume", checkpoint])
        XCTAssertTrue(wrongKind.error.contains("'train'"), wrongKind.error)
        let missing = try CLI.run(["train", "--resume", try path("none.checkpoint")])
        XCTAssertTrue(missing.error.contains("no such checkpoint"), missing.error)
    }

    /// `fit` with adam and with pso: killed once a checkpoint exists, resumed: the same model file.
    func testKilledFitResumesToTheSameModel() throws {
        let data = try sinCos()
        let runs: [[String]] = [
            ["--optimizer", "adam", "--iterations", "6000", "--checkpoint-every", "200", "--layers", "2,24,24,1"],
            ["--optimizer", "pso", "--iterations", "1500", "--checkpoint-every", "50", "--particles", "48",
             "--layers", "2,12,1"],
        ]
        for options in runs {
            let common = ["fit", data, "--quiet", "--seed", "3"] + options
            let straightModel = try path("straight.json"), resumedModel = try path("resumed.json")
            let checkpoint = try path("fit.checkpoint")
            try? FileManager.default.removeItem(atPath: checkpoint)
            let straight = try CLI.run(common + ["--out", straightModel])
            XCTAssertEqual(straight.status, 0, straight.error)
            XCTAssertTrue(try runAndKill(common + ["--checkpoint", checkpoint, "--out", resumedModel], whenExists: checkpoint),
                          "\(options): the run should still have been running when killed")
            let resumed = try CLI.run(common + ["--resume", checkpoint, "--out", resumedModel])
            XCTAssertEqual(resumed.status, 0, resumed.error)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: resumedModel)),
                           try Data(contentsOf: URL(fileURLWithPath: straightModel)), "\(options): final weights differ")
            XCTAssertEqual(resumed.json?["loss"] as? Double, straight.json?["loss"] as? Double)
        }
    }

    /// A fit that diverges after some checkpoints stops naming the step and the layer, and the last
    /// good checkpoint stays whole: it resumes (and diverges again at the same step).
    func testDivergingFitKeepsTheLastGoodCheckpoint() throws {
        let checkpoint = try path("diverge.checkpoint")
        let common = ["fit", try sinCos(), "--quiet", "--optimizer", "adam", "--activation", "exp", "--layers", "2,8,8,1",
                      "--learning-rate", "3", "--iterations", "200", "--checkpoint-every", "1"]
        let run = try CLI.run(common + ["--checkpoint", checkpoint])
        XCTAssertNotEqual(run.status, 0, "expected divergence: \(run.output)")
        let text = run.error.trimmingCharacters(in: .whitespacesAndNewlines)
        for word in ["training stopped", "step ", "layer '", "last good checkpoint", checkpoint] {
            XCTAssertTrue(text.contains(word), "'\(word)' missing: \(text)")
        }
        let step = try XCTUnwrap(text.range(of: #"step \d+"#, options: .regularExpression).map { Int(text[$0].dropFirst(5)) } ?? nil)
        XCTAssertGreaterThan(step, 1, "a checkpoint was written before the fault: \(text)")
        let again = try CLI.run(common + ["--resume", checkpoint])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.error.contains("step \(step),"), "resumed from step \(step - 1), fails at the same step: \(again.error)")
    }

    /// A small derivative data set: sin(x1) cos(x2), its value and both first partials on a grid.
    private func sinCos() throws -> String {
        let file = try path("sincos.csv")
        var text = "x1,x2,kind,value\n"
        for i in 0..<6 {
            for j in 0..<6 {
                let (a, b) = (Double(i) / 3 - 1, Double(j) / 3 - 1)
                text += "\(a),\(b),y,\(sin(a) * cos(b))\n\(a),\(b),dy/dx1,\(cos(a) * cos(b))\n\(a),\(b),dy/dx2,\(-sin(a) * sin(b))\n"
            }
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
}
