import Foundation

/// The JSON model format of `maclaurin derive` and `maclaurin fit`:
///
///     {"input": 2, "layers": [{"type": "dense", "units": 2, "activation": "sigmoid",
///                              "kernel": [[1, 1], [1, 1]], "bias": [1, 1]}, ...]}
///
/// `kernel` is `[inputs][units]` as in Keras (y = act(x . kernel + bias)). `input` is an integer
/// (vector inputs) or an array (e.g. `[8, 8, 1]` for images). Weights are optional when loading
/// an architecture to train (then initialised with `seed`).
public enum ModelJSON {
    /// Reads a model file. Errors name the file and the layer.
    public static func load<Scalar: TensorScalar>(contentsOf url: URL, as: Scalar.Type = Scalar.self,
                                                  seed: UInt64 = 0) throws -> Sequential<Scalar> {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError("\(url.path): cannot read the file (\(error.localizedDescription))")
        }
        do { return try decode(data, seed: seed) } catch let e as ModelError {
            throw ModelError("\(url.path): \(e.description)")
        }
    }

    /// Parses a model from JSON bytes.
    public static func decode<Scalar: TensorScalar>(_ data: Data, seed: UInt64 = 0) throws -> Sequential<Scalar> {
        let object: Any
        do { object = try JSONDecoder().decode(JSONTree.self, from: data).value } catch {
            throw ModelError("not valid JSON (\(Self.describe(error)))")
        }
        guard let root = object as? [String: Any] else { throw ModelError("the top level must be a JSON object") }
        let inputShape: [Int]
        if let n = root["input"] as? Int { inputShape = [n] } else if let s = root["input"] as? [Int] { inputShape = s } else {
            throw ModelError("missing \"input\" (an integer or an array of integers)")
        }
        guard inputShape.allSatisfy({ $0 > 0 && $0 <= maxExtent }) else { throw ModelError("\"input\" has a bad extent: \(inputShape)") }
        guard let specs = root["layers"] as? [[String: Any]], !specs.isEmpty else {
            throw ModelError("missing \"layers\" (a non-empty array of objects)")
        }
        var generator = SeededGenerator(seed: seed)
        var layers: [any Layer<Scalar>] = []
        var shape = inputShape
        for (i, spec) in specs.enumerated() {
            let where_ = "layer \(i + 1)" + ((spec["name"] as? String).map { " ('\($0)')" } ?? "")
            do {
                let layer: any Layer<Scalar> = try LayerRegistry.make(spec, inputShape: shape, generator: &generator)
                shape = try layer.outputShape(for: shape)
                layers.append(layer)
            } catch let e as ModelError {
                throw ModelError("\(where_): \(e.description)")
            }
        }
        return try Sequential(inputShape: inputShape, layers: layers)
    }

    /// The largest extent, count or size any integer of a model file may give (2^24).
    public static let maxExtent = 1 << 24
    /// The most scalars a layer's parameters or its input (per example) may hold in a model file
    /// (2^27, 512 MB of Float): beyond that a file is taken as corrupt rather than allocated.
    public static let maxElements = 1 << 27

    /// Fails unless the product of `factors` (non-negative) is at most `maxElements`, without overflowing.
    static func checkElementCount(_ factors: [Int], _ what: @autoclosure () -> String) throws {
        var product = 1
        for f in factors {
            let (next, overflow) = product.multipliedReportingOverflow(by: Swift.max(f, 0))
            guard !overflow, next <= maxElements else {
                throw ModelError("\(what()) would hold more than \(maxElements) numbers (\(factors.map(String.init).joined(separator: " x ")))")
            }
            product = next
        }
    }

    /// Writes a model as JSON.
    /// - Parameters:
    ///   - includeWeights: false writes the architecture only (every layer then loads initialised),
    ///     as stored in the metadata of safetensors model files.
    ///   - prettyPrinted: indented, one field per line; false writes one line.
    public static func encode<Scalar: TensorScalar>(_ model: Sequential<Scalar>, includeWeights: Bool = true,
                                                    prettyPrinted: Bool = true) throws -> Data {
        var layers: [[String: Any]] = []
        for layer in model.layers {
            var spec: [String: Any] = ["type": layer.kind, "name": layer.name]
            for (k, v) in layer.configuration { spec[k] = v.jsonObject }
            if includeWeights {
                for (name, t) in zip(layer.parameterNames, layer.parameters) { spec[name] = nested(t) }
            }
            layers.append(spec)
        }
        let input: Any = model.inputShape.count == 1 ? model.inputShape[0] : model.inputShape
        return try JSONSerialization.data(withJSONObject: ["input": input, "layers": layers],
                                          options: prettyPrinted ? [.prettyPrinted, .sortedKeys] : [.sortedKeys])
    }

    /// A tensor as nested arrays of numbers.
    static func nested<Scalar: TensorScalar>(_ t: Tensor<Scalar>) -> Any {
        let values = t.scalars.map { Double($0) }
        func build(_ axis: Int, _ offset: Int) -> Any {
            if axis == t.rank { return values[offset] }
            let stride = t.shape[(axis + 1)...].reduce(1, *)
            return (0..<t.shape[axis]).map { build(axis + 1, offset + $0 * stride) }
        }
        return t.rank == 0 ? values[0] : build(0, 0)
    }

    /// Reads nested arrays of numbers of exactly `shape`.
    public static func tensor<Scalar: TensorScalar>(_ value: Any?, shape: [Int], field: String) throws -> Tensor<Scalar> {
        guard let value else { throw ModelError("missing \"\(field)\"") }
        var out: [Scalar] = []
        out.reserveCapacity(shape.reduce(1, *))
        func walk(_ v: Any, _ axis: Int) throws {
            if axis == shape.count {
                guard let n = v as? NSNumber, !isBoolean(v) else { throw ModelError("\"\(field)\" holds a non-number") }
                let d = n.doubleValue
                guard d.isFinite else { throw ModelError("\"\(field)\" holds a non-finite number") }
                out.append(Scalar(d)); return
            }
            guard let a = v as? [Any], a.count == shape[axis] else {
                throw ModelError("\"\(field)\" must have shape \(shape) (axis \(axis) differs)")
            }
            for e in a { try walk(e, axis + 1) }
        }
        try walk(value, 0)
        return Tensor(shape: shape, scalars: out)
    }

    /// True for JSON `true`/`false`. (`v is Bool` cannot tell: on Linux it is also true for the
    /// numbers 0 and 1, which bridge to Bool.)
    static func isBoolean(_ v: Any) -> Bool {
        guard let n = v as? NSNumber else { return v is Bool }
        return String(cString: n.objCType) == "c"
    }

    static func describe(_ error: Error) -> String {
        if case let DecodingError.dataCorrupted(context) = error {
            return context.debugDescription + (context.underlyingError.map { ": " + describe($0) } ?? "")
        }
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }
}

/// A parsed JSON document as Foundation-style values (`[String: Any]`, `[Any]`, `String`, `Bool`,
/// `NSNumber`, `NSNull`).
///
/// Read with `JSONDecoder`, whose number parsing is correctly rounded: `JSONSerialization` on
/// Linux misreads about half of all 17-digit doubles by an ulp or two, so weights would not
/// survive a save/load round trip bit for bit.
struct JSONTree: Decodable {
    let value: Any

    init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        // Numbers first: they are by far the most common values in a model file.
        if let d = try? c.decode(Double.self) {
            value = NSNumber(value: d)
        } else if let a = try? c.decode([JSONTree].self) {
            value = a.map(\.value)
        } else if let o = try? c.decode([String: JSONTree].self) {
            value = o.mapValues(\.value)
        } else if let b = try? c.decode(Bool.self) {
            value = b
        } else if let s = try? c.decode(String.self) {
            value = s
        } else if c.decodeNil() {
            value = NSNull()
        } else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
        }
    }
}

extension ModelValue {
    var jsonObject: Any {
        switch self {
        case .int(let v): v
        case .double(let v): v
        case .string(let v): v
        case .bool(let v): v
        case .array(let v): v.map(\.jsonObject)
        case .object(let v): v.mapValues(\.jsonObject)
        }
    }
}

/// Builds layers from their JSON description. New layer types register a builder here.
public enum LayerRegistry {
    public typealias Builder<Scalar: TensorScalar> = (_ spec: [String: Any], _ inputShape: [Int],
                                                      _ generator: inout SeededGenerator) throws -> any Layer<Scalar>

    /// Makes the layer described by `spec` (its "type" selects the builder).
    static func make<Scalar: TensorScalar>(_ spec: [String: Any], inputShape: [Int],
                                           generator: inout SeededGenerator) throws -> any Layer<Scalar> {
        guard let type = spec["type"] as? String else { throw ModelError("missing \"type\"") }
        let name = spec["name"] as? String ?? ""
        try ModelJSON.checkElementCount(inputShape, "the input \(inputShape)")
        switch type.lowercased() {
        case "dense":
            guard let units = spec["units"] as? Int, units > 0, units <= ModelJSON.maxExtent else {
                throw ModelError("dense needs \"units\" in 1...\(ModelJSON.maxExtent)")
            }
            guard let inputs = inputShape.last else { throw ModelError("dense needs a non-scalar input") }
            try ModelJSON.checkElementCount([inputs, units], "the kernel")
            let activation = try Activation(named: spec["activation"] as? String ?? "linear")
            if spec["kernel"] == nil && spec["bias"] == nil {
                return Dense<Scalar>(inputSize: inputs, units: units, activation: activation, name: name, generator: &generator)
            }
            let kernel: Tensor<Scalar> = try ModelJSON.tensor(spec["kernel"], shape: [inputs, units], field: "kernel")
            let bias: Tensor<Scalar> = spec["bias"] == nil ? Tensor(zeros: [units])
                : try ModelJSON.tensor(spec["bias"], shape: [units], field: "bias")
            return Dense(kernel: kernel, bias: bias, activation: activation, name: name)
        case "activation":
            return ActivationLayer<Scalar>(try Activation(named: spec["activation"] as? String ?? "linear"), name: name)
        default:
            if let layer: any Layer<Scalar> = try makeExtended(type.lowercased(), LayerSpec(fields: spec),
                                                               inputShape: inputShape, generator: &generator) {
                return layer
            }
            throw ModelError("unknown layer type '\(type)'")
        }
    }
}
