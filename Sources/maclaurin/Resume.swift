import Foundation
import Maclaurin

/// What `train` and `fit` share for `--checkpoint` and `--resume`.
enum Resume {
    /// Reads the checkpoint of `--resume` and checks it was written by a `kind` run with `settings`.
    /// - Throws: `CLIError` naming the file (unreadable, not a checkpoint, other settings).
    static func read(_ path: String, kind: String, settings: [String: String]) throws -> Checkpoint {
        do {
            let checkpoint = try Checkpoint.read(URL(fileURLWithPath: path))
            try checkpoint.checkSettings(kind: kind, settings)
            return checkpoint
        } catch let error as DataError where error.kind == .notFound {
            throw CLIError("--resume \(path): no such checkpoint")
        } catch {
            throw CLIError("--resume: \(error)")
        }
    }

    /// Writes `checkpoint` to `path` atomically; a failure becomes a `TrainingError` at `step`, so it
    /// stops training like a fault does.
    static func write(_ checkpoint: Checkpoint, to path: String, step: Int) throws(TrainingError) {
        do { try checkpoint.write(to: URL(fileURLWithPath: path)) } catch {
            throw TrainingError(step: step, message: "cannot write the checkpoint: \(error)")
        }
    }

    /// Fails early (before training) when the folder of `path` does not exist.
    static func checkFolder(of path: String, option: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw CLIError("\(option) \(path): the folder \(folder) does not exist")
        }
    }

    /// A 64-bit FNV-1a digest of a file's bytes (in hex), so a resumed run can check it trains on the same data.
    static func digest(of path: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01B3 }
        return String(hash, radix: 16)
    }

    /// The text of a Double setting that round-trips exactly.
    static func text(_ x: Double) -> String { "\(x)" }
}
