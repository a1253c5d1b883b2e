import Foundation
import MaclaurinData
import MaclaurinNN

/// A trained model in one file: architecture and weights.
///
/// The format is safetensors (readable by `safetensors.torch.load_file` or `safetensors.numpy`):
/// one tensor per parameter, named `"<layer>/<parameter>"` as in Keras weight names
/// (`"conv2d_1/kernel"` `[3, 3, 3, 32]` in Keras's HWIO layout, `"dense_1/bias"`, `"taylor_expansion_1/a"`),
/// stored in the model's precision (F32 or F64), and the architecture in the header's `__metadata__`
/// under `"maclaurin.model"`: the JSON model format of `ModelJSON` without weights.
///
/// Files ending in `.json` hold the JSON model format itself (`ModelJSON`; weights optional when
/// reading, always written). Both are accepted wherever a model file is read.
public enum ModelFile {
    /// The `__metadata__` key of the architecture JSON.
    public static let architectureKey = "maclaurin.model"

    /// The two model file formats.
    public enum Format: String, Sendable {
        /// safetensors: weights as tensors, architecture in the metadata.
        case safetensors
        /// The JSON model format (`ModelJSON`).
        case json
    }

    /// The format of `url`: by extension (`.json`, `.safetensors`); for other names, JSON when the
    /// file's first non-blank byte is `{`, else safetensors.
    public static func format(of url: URL) -> Format {
        switch url.pathExtension.lowercased() {
        case "json": return .json
        case "safetensors": return .safetensors
        default: break
        }
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return .safetensors }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 64)) ?? Data()
        let first = head.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return first == UInt8(ascii: "{") ? .json : .safetensors
    }

    /// Writes `model` atomically to `url`, as JSON for a `.json` name and as safetensors otherwise.
    /// - Throws: `DataError` for a failed write (missing folder, permissions), naming the file.
    public static func save<Scalar: TensorScalar>(_ model: Sequential<Scalar>, to url: URL) throws {
        switch format(forWriting: url) {
        case .json: try AtomicFile.write(try ModelJSON.encode(model), to: url)
        case .safetensors: try AtomicFile.write(try encode(model, file: DataError.displayName(of: url)), to: url)
        }
    }

    /// The format `save` writes for `url` (by extension only).
    static func format(forWriting url: URL) -> Format {
        url.pathExtension.lowercased() == "json" ? .json : .safetensors
    }

    /// Reads a model file (safetensors or JSON, see `format(of:)`).
    /// - Parameters:
    ///   - as: the precision to load in; weights stored in the other one are rounded to nearest.
    ///   - seed: initialises layers whose weights a JSON file leaves out.
    /// - Throws: `ModelError` or `DataError` whose message names the file (and the tensor or layer).
    public static func load<Scalar: TensorScalar>(contentsOf url: URL, as: Scalar.Type = Scalar.self,
                                                  seed: UInt64 = 0) throws -> Sequential<Scalar> {
        switch format(of: url) {
        case .json:
            return try ModelJSON.load(contentsOf: url, seed: seed)
        case .safetensors:
            let file = DataError.displayName(of: url)
            let contents = try SafeTensors.read(url)
            return try decode(tensors: contents.tensors, metadata: contents.metadata, file: file)
        }
    }

    /// The bytes of the safetensors file of `model`; `file` names it in errors.
    public static func encode<Scalar: TensorScalar>(_ model: Sequential<Scalar>, file: String = "<model>") throws -> Data {
        let architecture = String(decoding: try ModelJSON.encode(model, includeWeights: false, prettyPrinted: false),
                                  as: UTF8.self)
        let tensors = zip(model.parameterNames, model.parameters).map { ($0, AnyTensor($1)) }
        return try SafeTensors.encode(tensors, metadata: [architectureKey: architecture], file: file)
    }

    /// Rebuilds a model from the tensors and metadata of a safetensors file; `file` names it in errors.
    /// - Throws: `ModelError` for a missing or invalid architecture, a missing, extra, misshapen or
    ///   non-finite tensor.
    public static func decode<Scalar: TensorScalar>(tensors: [String: AnyTensor], metadata: [String: String],
                                                    file: String) throws -> Sequential<Scalar> {
        guard let architecture = metadata[architectureKey] else {
            throw ModelError("\(file): not a Maclaurin model file: the safetensors metadata has no \"\(architectureKey)\" "
                             + "entry (the architecture)")
        }
        var model: Sequential<Scalar>
        do { model = try ModelJSON.decode(Data(architecture.utf8)) } catch let error as ModelError {
            throw ModelError("\(file): the architecture in \"\(architectureKey)\" is invalid: \(error.description)")
        }
        let names = model.parameterNames
        var parameters = model.parameters
        for (i, name) in names.enumerated() {
            guard let stored = tensors[name] else {
                throw ModelError("\(file): tensor \"\(name)\" is missing (the architecture needs \(names.count) tensors: "
                                 + "\(names.joined(separator: ", ")))")
            }
            guard stored.shape == parameters[i].shape else {
                throw ModelError("\(file): tensor \"\(name)\" has shape \(stored.shape) but the architecture needs "
                                 + "\(parameters[i].shape)")
            }
            do { try stored.requireFinite(file: file, name: name) } catch { throw ModelError(error.description) }
            parameters[i] = stored.tensor(as: Scalar.self)
        }
        let known = Set(names)
        if let extra = tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw ModelError("\(file): tensor \"\(extra)\" is not a parameter of the architecture "
                             + "(expected: \(names.joined(separator: ", ")))")
        }
        model.parameters = parameters
        return model
    }
}
