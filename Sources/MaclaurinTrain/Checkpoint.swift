import Foundation
import MaclaurinData
import MaclaurinNN

/// A training checkpoint: everything a run needs to continue bit for bit as if it had never stopped.
///
/// One safetensors file: the tensors (weights under `model/<layer>/<parameter>`, optimiser moments,
/// swarm positions, loss histories...) and, in the header's `__metadata__`, three kinds of strings:
/// - `maclaurin.checkpoint`: the format version, `maclaurin.kind`: what wrote it (`train`, `fit`);
/// - `setting.<name>`: the settings of the run (data, architecture, optimiser, seed...), which a
///   resumed run must repeat exactly (`checkSettings`);
/// - `value.<name>`: counters and small state (step, epoch, random generator states in hex).
///
/// Written with `AtomicFile` (temporary file, fsync, rename, fsync of the folder), so a process killed
/// at any moment leaves either the previous checkpoint or the new one, whole.
public struct Checkpoint {
    /// The `__metadata__` key holding the format version.
    public static let versionKey = "maclaurin.checkpoint"
    /// The format version written.
    public static let version = "1"

    /// What wrote the checkpoint (`train`, `fit`): a run of one kind cannot resume the other.
    public var kind: String
    /// The settings a resumed run must repeat exactly.
    public var settings: [String: String]
    /// Counters and small state, as text.
    public var values: [String: String] = [:]
    /// The tensors.
    public var tensors: [String: AnyTensor] = [:]
    /// The file it was read from, for messages ("<checkpoint>" for one built in memory).
    public var file = "<checkpoint>"

    /// An empty checkpoint of `kind` for a run with `settings`.
    public init(kind: String, settings: [String: String]) {
        self.kind = kind
        self.settings = settings
    }

    /// Writes the checkpoint to `url` atomically and durably.
    /// - Throws: `DataError` for a failed write (the previous file is then intact).
    public func write(to url: URL) throws(DataError) {
        var metadata = [Self.versionKey: Self.version, "maclaurin.kind": kind]
        for (key, value) in settings { metadata["setting." + key] = value }
        for (key, value) in values { metadata["value." + key] = value }
        try SafeTensors.write(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, metadata: metadata, to: url)
    }

    /// Reads a checkpoint written by `write(to:)`.
    /// - Throws: `DataError` for an unreadable or malformed file, `CheckpointError` for a safetensors
    ///   file that is not a checkpoint.
    public static func read(_ url: URL) throws -> Checkpoint {
        let file = DataError.displayName(of: url)
        let (tensors, metadata) = try SafeTensors.read(url)
        guard let version = metadata[versionKey], let kind = metadata["maclaurin.kind"] else {
            throw CheckpointError(file: file, "not a Maclaurin checkpoint (the safetensors metadata has no \"\(versionKey)\")")
        }
        guard version == Self.version else {
            throw CheckpointError(file: file, "checkpoint format \(DataErrorText.quoted(version)) is not supported (this build reads \(Self.version))")
        }
        var checkpoint = Checkpoint(kind: kind, settings: [:])
        checkpoint.file = file
        checkpoint.tensors = tensors
        for (key, value) in metadata {
            if key.hasPrefix("setting.") { checkpoint.settings[String(key.dropFirst(8))] = value }
            if key.hasPrefix("value.") { checkpoint.values[String(key.dropFirst(6))] = value }
        }
        return checkpoint
    }

    /// Fails unless the checkpoint was written by a run of `kind` with exactly `expected` settings.
    /// - Throws: `CheckpointError` naming the first setting (in name order) that differs, with both values.
    public func checkSettings(kind expected: String, _ settings: [String: String]) throws(CheckpointError) {
        guard kind == expected else {
            throw CheckpointError(file: file, "this checkpoint was written by '\(kind)', not '\(expected)'")
        }
        for key in Set(settings.keys).union(self.settings.keys).sorted() where settings[key] != self.settings[key] {
            throw CheckpointError(file: file, "the checkpoint was written with \(key) \(self.settings[key] ?? "(unset)"), "
                                  + "this run has \(key) \(settings[key] ?? "(unset)"); resume with the same settings")
        }
    }

    // MARK: Typed access

    /// The text value `key`.
    public func value(_ key: String) throws(CheckpointError) -> String {
        guard let text = values[key] else { throw CheckpointError(file: file, "the value \"\(key)\" is missing") }
        return text
    }

    /// The integer value `key`, required to lie in `range` (by default 0...2^40: counters that a run
    /// keeps incrementing, so a damaged file cannot make them overflow).
    public func integer(_ key: String, in range: ClosedRange<Int> = 0...(1 << 40)) throws(CheckpointError) -> Int {
        let text = try value(key)
        guard let n = Int(text), range.contains(n) else {
            throw CheckpointError(file: file, "the value \"\(key)\" is \(DataErrorText.quoted(text)), expected an integer in \(range)")
        }
        return n
    }

    /// Stores a random generator's state as four hexadecimal words.
    public mutating func setGenerator(_ generator: SeededGenerator, for key: String) {
        values[key] = generator.state.map { String($0, radix: 16) }.joined(separator: " ")
    }

    /// The random generator stored under `key`.
    public func generator(_ key: String) throws(CheckpointError) -> SeededGenerator {
        let text = try value(key)
        let words = text.split(separator: " ").compactMap { UInt64($0, radix: 16) }
        guard words.count == 4, text.split(separator: " ").count == 4, words.contains(where: { $0 != 0 }) else {
            throw CheckpointError(file: file, "the generator state \"\(key)\" is not four non-zero hexadecimal words")
        }
        return SeededGenerator(state: words)
    }

    /// The tensor `name` in precision `Scalar`, required to have `shape` when given.
    public func tensor<Scalar: TensorScalar>(_ name: String, shape: [Int]? = nil,
                                             as: Scalar.Type = Scalar.self) throws(CheckpointError) -> Tensor<Scalar> {
        guard let stored = tensors[name] else { throw CheckpointError(file: file, "the tensor \"\(name)\" is missing") }
        if let shape, stored.shape != shape {
            throw CheckpointError(file: file, "the tensor \"\(name)\" has shape \(stored.shape), expected \(shape)")
        }
        let expectedDType = Scalar.self == Double.self ? "F64" : "F32"
        guard stored.dtypeName == expectedDType else {
            throw CheckpointError(file: file, "the tensor \"\(name)\" is \(stored.dtypeName), expected \(expectedDType) "
                                  + "(bit-identical resumption needs the precision of the run)")
        }
        return stored.tensor(as: Scalar.self)
    }

    /// The Double vector `name` (any length unless `count` is given).
    public func doubles(_ name: String, count: Int? = nil) throws(CheckpointError) -> [Double] {
        let t: Tensor<Double> = try tensor(name)
        guard t.rank == 1, count.map({ $0 == t.count }) ?? true else {
            throw CheckpointError(file: file, "the tensor \"\(name)\" has shape \(t.shape), expected [\(count.map(String.init) ?? "n")]")
        }
        return t.scalars
    }

    /// Stores a Double vector.
    public mutating func setDoubles(_ values: [Double], for name: String) {
        tensors[name] = AnyTensor(Tensor<Double>(shape: [values.count], scalars: values))
    }

    /// Stores tensors under `prefix/0`, `prefix/1`, ...
    public mutating func setTensors<Scalar: TensorScalar>(_ list: [Tensor<Scalar>], prefix: String) {
        for (i, t) in list.enumerated() { tensors["\(prefix)/\(i)"] = AnyTensor(t) }
    }

    /// The tensors stored by `setTensors` under `prefix`, with the given shapes.
    public func tensors<Scalar: TensorScalar>(prefix: String, shapes: [[Int]],
                                              as: Scalar.Type = Scalar.self) throws(CheckpointError) -> [Tensor<Scalar>] {
        var out: [Tensor<Scalar>] = []
        for (i, shape) in shapes.enumerated() { out.append(try tensor("\(prefix)/\(i)", shape: shape)) }
        return out
    }
}

/// A checkpoint that cannot be used: not a checkpoint, or written by a different run.
public struct CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The checkpoint file.
    public var file: String
    /// What is wrong.
    public var message: String

    /// An error about the checkpoint `file`.
    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    /// `file: message`.
    public var description: String { "\(file): \(message)" }
}

/// Quoting of untrusted text in checkpoint messages.
enum DataErrorText {
    /// `text` in double quotes, at most 40 characters, non-printable characters escaped.
    static func quoted(_ text: String) -> String {
        let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
        return "\"" + shown.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" ? String($0) : $0.escaped(asASCII: true) }
            .joined() + "\""
    }
}

extension Checkpoint {
    /// Stores the parameters of `model` as `model/<layer>/<parameter>` in the model's precision.
    public mutating func setModel<Scalar: TensorScalar>(_ model: Sequential<Scalar>) {
        for (name, p) in zip(model.parameterNames, model.parameters) { tensors["model/" + name] = AnyTensor(p) }
    }

    /// `model` with the parameters stored by `setModel` (same architecture and precision).
    /// - Throws: `CheckpointError` for a missing, misshapen or non-finite parameter.
    public func model<Scalar: TensorScalar>(_ model: Sequential<Scalar>) throws(CheckpointError) -> Sequential<Scalar> {
        var parameters = model.parameters
        for (i, name) in model.parameterNames.enumerated() {
            parameters[i] = try tensor("model/" + name, shape: parameters[i].shape)
            guard parameters[i].isFinite else {
                throw CheckpointError(file: file, "the tensor \"model/\(name)\" holds a NaN or infinity")
            }
        }
        var restored = model
        restored.parameters = parameters
        return restored
    }
}
