import Foundation
import Maclaurin

/// The readers under test, one per file format; the environment variable MACLAURIN_FUZZ_TARGET picks one.
///
/// Every reader must turn any byte string into a value or a typed error: a trap (failed
/// precondition, overflow, out-of-bounds access under the address sanitizer), a hang or a huge
/// allocation is a bug, which libFuzzer reports with the input that caused it.
enum FuzzTarget: String, CaseIterable {
    case modeljson, safetensors, modelfile, csv, npy, npz, cifar, checkpoint

    /// The target named by MACLAURIN_FUZZ_TARGET.
    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["MACLAURIN_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("set MACLAURIN_FUZZ_TARGET to one of: \(allCases.map(\.rawValue).joined(separator: " "))\n".utf8))
            exit(2)
        }
        return target
    }()

    /// A private folder for the readers that take a path.
    static let folder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("maclaurin-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Runs the reader on `data`; errors are the expected outcome for most inputs.
    func run(_ data: Data) {
        switch self {
        case .modeljson:
            _ = try? ModelJSON.decode(data) as Sequential<Float>
        case .safetensors:
            _ = try? SafeTensors.decode(data, file: "fuzz.safetensors")
        case .modelfile:
            if let (tensors, metadata) = try? SafeTensors.decode(data, file: "fuzz.safetensors") {
                _ = try? ModelFile.decode(tensors: tensors, metadata: metadata, file: "fuzz.safetensors") as Sequential<Double>
            }
        case .csv:
            _ = try? DerivativeCSV.parse(data, file: "fuzz.csv", as: Double.self)
        case .npy:
            _ = try? NPY.decode(data, file: "fuzz.npy")
        case .npz:
            _ = try? NPZ.decode(data, file: "fuzz.npz")
        case .cifar:
            let file = Self.folder.appendingPathComponent("test_batch.bin")
            guard (try? data.write(to: file)) != nil else { return }
            _ = try? CIFAR10.load(directory: Self.folder, split: .test, limit: 64)
        case .checkpoint:
            let file = Self.folder.appendingPathComponent("fuzz.checkpoint")
            guard (try? data.write(to: file)) != nil else { return }
            guard let checkpoint = try? Checkpoint.read(file) else { return }
            // The shapes of the seed checkpoints (Fuzz/Corpus/checkpoint): an MLP 2,2,1, 4 particles.
            guard let mlp: Sequential<Double> = try? Models.mlp(sizes: [2, 2, 1], activation: .tanh, seed: 0) else { return }
            _ = try? checkpoint.model(mlp)
            _ = try? SwarmState<Double>(from: checkpoint, prefix: "swarm", particles: 4, dimension: mlp.parameterCount)
            var adam = Adam<Double>()
            try? adam.restore(from: checkpoint, prefix: "optimizer", shapes: mlp.parameters.map(\.shape))
            var lbfgs = LBFGS<Double>()
            try? lbfgs.restore(from: checkpoint, prefix: "optimizer", shapes: mlp.parameters.map(\.shape))
            if let rows = try? checkpoint.doubles("history"), rows.count % 7 == 0 {
                for e in 0..<(rows.count / 7) {
                    _ = ClassifierEpochReport(row: Array(rows[(e * 7)..<(e * 7 + 7)]), epoch: e + 1, epochs: e + 1, steps: e)
                }
            }
        }
    }
}

/// libFuzzer's entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    FuzzTarget.selected.run(data)
    return 0
}
