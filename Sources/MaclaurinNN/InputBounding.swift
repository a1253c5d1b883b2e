/// How a polynomial layer keeps its input in a range where powers stay tame, z = bound(x),
/// before evaluating the polynomial in z.
public enum InputBounding: Equatable, Sendable {
    /// z = x.
    case none
    /// z = tanh(s x) / s, with one scale s per unit (initially `scale`), learnable or fixed.
    /// z is close to x for |x| << 1/|s| and |z| < 1/|s| always, so with s >= 1 it suits the
    /// Chebyshev basis.
    case tanh(scale: Double = 1, learnable: Bool = true)
    /// z = (x - mean(x)) / sqrt(var(x) + epsilon), per sample over the last axis (no parameters,
    /// no running statistics, so rows stay independent). Suits the Hermite basis.
    case normalization(epsilon: Double = 1e-5)

    /// Whether the bounding adds a learnable scale parameter `[units]`.
    public var hasLearnableScale: Bool {
        if case .tanh(_, true) = self { return true }
        return false
    }

    /// The initial scale tensor `[units]` (learnable tanh bounding only).
    func initialScale<Scalar: TensorScalar>(units: Int) -> Tensor<Scalar>? {
        guard case let .tanh(s, true) = self else { return nil }
        return Tensor(repeating: Scalar(s), shape: [units])
    }

    /// z = bound(x); `scale` is the learnable scale lifted into V (nil unless `hasLearnableScale`).
    public func apply<V: TensorAlgebra>(_ x: V, scale: V?) -> V {
        switch self {
        case .none:
            return x
        case let .tanh(s, _):
            if let scale { return (x * scale).tanh() / scale }
            return (x * V.Scalar(s)).tanh() * V.Scalar(1 / s)
        case let .normalization(epsilon):
            let centred = x - x.mean(alongAxes: [-1])
            let variance = centred.squared().mean(alongAxes: [-1])
            return centred / (variance + V.Scalar(epsilon)).sqrt()
        }
    }

    /// The model-file form: "none", or an object {"type": "tanh", "scale": 1, "learnable": true}
    /// / {"type": "normalization", "epsilon": 1e-5}.
    public var configurationValue: ModelValue {
        switch self {
        case .none: .string("none")
        case let .tanh(s, learnable): .object(["type": .string("tanh"), "scale": .double(s), "learnable": .bool(learnable)])
        case let .normalization(e): .object(["type": .string("normalization"), "epsilon": .double(e)])
        }
    }

    /// Parses the model-file form (a name, or an object with "type"); nil means `.none`.
    public init(json: Any?) throws {
        guard let json else { self = .none; return }
        let type: String
        var fields: [String: Any] = [:]
        if let name = json as? String {
            type = name
        } else if let object = json as? [String: Any], let name = object["type"] as? String {
            type = name; fields = object
        } else {
            throw ModelError("\"bounding\" must be a name or an object with \"type\"")
        }
        switch type.lowercased() {
        case "none", "": self = .none
        case "tanh":
            let scale = (fields["scale"] as? Double) ?? 1
            guard scale.isFinite, scale != 0 else { throw ModelError("tanh bounding needs a finite, non-zero \"scale\"") }
            let learnable = fields["learnable"].map { ModelJSON.isBoolean($0) ? ($0 as? Bool) : nil } ?? true
            guard let learnable else { throw ModelError("tanh bounding: \"learnable\" must be true or false") }
            self = .tanh(scale: scale, learnable: learnable)
        case "normalization", "normalisation":
            let epsilon = (fields["epsilon"] as? Double) ?? 1e-5
            guard epsilon > 0 else { throw ModelError("normalization bounding needs \"epsilon\" > 0") }
            self = .normalization(epsilon: epsilon)
        default:
            throw ModelError("unknown bounding '\(type)' (expected none, tanh or normalization)")
        }
    }
}
