import MaclaurinTensor

/// A tensor read from a file whose precision is known only at run time.
public enum AnyTensor {
    /// 32-bit floats (`F32`, NumPy `<f4`).
    case float(Tensor<Float>)
    /// 64-bit floats (`F64`, NumPy `<f8`).
    case double(Tensor<Double>)

    /// Wraps a tensor of either precision.
    public init<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>) {
        if let float = tensor as? Tensor<Float> {
            self = .float(float)
        } else if let double = tensor as? Tensor<Double> {
            self = .double(double)
        } else {
            preconditionFailure("AnyTensor holds Float or Double tensors, not \(Scalar.self)")
        }
    }

    /// The extent of each axis.
    public var shape: [Int] {
        switch self {
        case .float(let t): return t.shape
        case .double(let t): return t.shape
        }
    }

    /// Number of scalars.
    public var count: Int {
        switch self {
        case .float(let t): return t.count
        case .double(let t): return t.count
        }
    }

    /// `"F32"` or `"F64"`, as in safetensors headers.
    public var dtypeName: String {
        switch self {
        case .float: return Float.dtypeName
        case .double: return Double.dtypeName
        }
    }

    /// Bytes per scalar: 4 or 8.
    public var scalarByteCount: Int {
        switch self {
        case .float: return 4
        case .double: return 8
        }
    }

    /// The tensor in precision `Scalar`, converted (rounded to nearest) when it is stored in the other one.
    public func tensor<Scalar: TensorScalar>(as type: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        switch self {
        case .float(let t): return (t as? Tensor<Scalar>) ?? Tensor<Scalar>(t)
        case .double(let t): return (t as? Tensor<Scalar>) ?? Tensor<Scalar>(t)
        }
    }

    /// The row-major index of the first NaN or infinity, or nil when every scalar is finite.
    public var firstNonFiniteIndex: Int? {
        func scan<S: TensorScalar>(_ t: Tensor<S>) -> Int? {
            t.withUnsafePointer { p in (0..<t.count).first { !p[$0].isFinite } }
        }
        switch self {
        case .float(let t): return scan(t)
        case .double(let t): return scan(t)
        }
    }

    /// Throws unless every scalar is finite, naming `file`, the tensor `name` and the multi-index.
    /// - Throws: `DataError` of kind `.nonFinite`, e.g. `x.npy: tensor "x": NaN at index [3, 1]`.
    public func requireFinite(file: String, name: String) throws(DataError) {
        guard let flat = firstNonFiniteIndex else { return }
        var index = [Int](repeating: 0, count: shape.count)
        var rest = flat
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        let value: String
        switch self {
        case .float(let t): value = t.withUnsafePointer { $0[flat].isNaN ? "NaN" : "\($0[flat])" }
        case .double(let t): value = t.withUnsafePointer { $0[flat].isNaN ? "NaN" : "\($0[flat])" }
        }
        throw DataError(.nonFinite, file: file, at: .tensor(name),
                        "\(value) at index \(index) (only finite numbers are allowed)")
    }
}
