import Foundation
import Maclaurin

/// The `--dataset` of `train` and `evaluate`: `digits` (built in) or `cifar10:DIR`.
enum ImageDataset {
    /// The UCI digits, 8x8x1, fixed split (first 1,437 images train, last 360 test).
    case digits
    /// CIFAR-10 binary batches in a folder (or its `cifar-10-batches-bin` subfolder).
    case cifar10(folder: String)

    /// The accepted spellings, for help texts.
    static let syntax = "digits|cifar10:DIR"

    /// Parses `digits` or `cifar10:DIR`.
    init(parsing text: String) throws {
        let lower = text.lowercased()
        if lower == "digits" {
            self = .digits
        } else if lower.hasPrefix("cifar10:") || lower.hasPrefix("cifar-10:") {
            let folder = String(text[text.index(after: text.firstIndex(of: ":") ?? text.startIndex)...])
            guard !folder.isEmpty else { throw CLIError("--dataset \(text): give the CIFAR-10 folder after the colon, e.g. cifar10:data/cifar-10-batches-bin") }
            self = .cifar10(folder: folder)
        } else if lower == "cifar10" || lower == "cifar-10" {
            throw CLIError("--dataset \(text): give the CIFAR-10 folder too, e.g. cifar10:data/cifar-10-batches-bin")
        } else {
            throw CLIError("--dataset \(text): unknown dataset (expected \(Self.syntax))")
        }
    }

    /// True for the built-in digits.
    var isDigits: Bool {
        if case .digits = self { return true }
        return false
    }

    /// How messages name the data.
    var name: String {
        switch self {
        case .digits: return "digits"
        case .cifar10(let folder): return "CIFAR-10 (\(folder))"
        }
    }

    /// The training split (at most `limit` images).
    func trainSplit(limit: Int? = nil) throws -> LabeledImages {
        switch self {
        case .digits: return Self.limited(Digits.trainTestSplit().train, limit)
        case .cifar10(let folder): return try CIFAR10.load(directory: URL(fileURLWithPath: folder), split: .train, limit: limit)
        }
    }

    /// The test split (at most `limit` images).
    func testSplit(limit: Int? = nil) throws -> LabeledImages {
        switch self {
        case .digits: return Self.limited(Digits.trainTestSplit().test, limit)
        case .cifar10(let folder): return try CIFAR10.load(directory: URL(fileURLWithPath: folder), split: .test, limit: limit)
        }
    }

    static func limited(_ data: LabeledImages, _ limit: Int?) -> LabeledImages {
        guard let limit, limit < data.count else { return data }
        return data.subset(0..<limit)
    }
}

/// Reads `--model` for `train` and `evaluate`: a safetensors or JSON model file.
func loadModelFile(_ path: String, seed: UInt64 = 0) throws -> Sequential<Float> {
    try loadModelFile(path, as: Float.self, seed: seed)
}

/// Throws a one-line `CLIError` unless `model` takes the images of `data` and outputs one score per class.
func checkModel(_ model: Sequential<Float>, named modelName: String, fits data: LabeledImages, dataName: String) throws {
    do { try checkClassifier(model, fits: data, dataName: dataName) } catch {
        throw CLIError("\(modelName): \(error)")
    }
}

/// A metric for JSON output: the number, or null when it is NaN or infinite (JSON has no such numbers).
func jsonNumber(_ x: Double) -> Any { x.isFinite ? x : NSNull() }
