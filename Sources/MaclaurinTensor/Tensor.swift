/// A dense, row-major, n-dimensional array of `Float` or `Double` with value semantics.
///
/// Storage is copy-on-write: copies share a buffer until one of them is mutated. Every tensor is
/// contiguous; shape operations that reorder data (`transposed`) copy. Rank 0 is a scalar.
public struct Tensor<Scalar: TensorScalar> {
    /// The extent of each axis.
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage<Scalar>

    /// Number of scalars: the product of `shape`.
    public var count: Int { storage.count }
    /// Number of axes.
    public var rank: Int { shape.count }

    /// A tensor whose buffer is uninitialised; the caller must write every element.
    public init(uninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        self.shape = shape
        self.storage = TensorStorage(uninitializedCount: shape.reduce(1, *))
    }

    /// A tensor of the given shape holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Scalar]) {
        self.init(uninitializedShape: shape)
        precondition(scalars.count == count,
                     "shape \(shape) needs \(count) scalars, got \(scalars.count)")
        scalars.withUnsafeBufferPointer { src in
            if let base = src.baseAddress, count > 0 { storage.pointer.update(from: base, count: count) }
        }
    }

    /// A tensor of the given shape filled with `value`.
    public init(repeating value: Scalar, shape: [Int]) {
        self.init(uninitializedShape: shape)
        Self.fill(storage.pointer, count: count, with: value)
    }

    /// Writes `value` to `count` scalars with byte copies (memset for +0, doubling memcpy otherwise):
    /// `update(repeating:count:)` runs unspecialised in generic code, one witness call per element.
    @usableFromInline
    static func fill(_ pointer: UnsafeMutablePointer<Scalar>, count: Int, with value: Scalar) {
        guard count > 0 else { return }
        let raw = UnsafeMutableRawPointer(pointer), size = MemoryLayout<Scalar>.stride
        if value == 0 && value.sign == .plus {
            raw.initializeMemory(as: UInt8.self, repeating: 0, count: count * size)
            return
        }
        pointer[0] = value
        var filled = 1
        while filled < count {
            let chunk = Swift.min(filled, count - filled)
            (raw + filled * size).copyMemory(from: raw, byteCount: chunk * size)
            filled += chunk
        }
    }

    /// Zeros of the given shape.
    public init(zeros shape: [Int]) { self.init(repeating: 0, shape: shape) }
    /// Ones of the given shape.
    public init(ones shape: [Int]) { self.init(repeating: 1, shape: shape) }
    /// A rank-0 tensor.
    public init(_ scalar: Scalar) { self.init(repeating: scalar, shape: []) }

    /// A rank-1 tensor.
    public init(_ scalars: [Scalar]) { self.init(shape: [scalars.count], scalars: scalars) }

    /// A rank-2 tensor from rows of equal length.
    public init(rows: [[Scalar]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "rows of a matrix must have equal length")
        self.init(shape: [rows.count, columns], scalars: rows.flatMap { $0 })
    }

    /// Converts from the other precision.
    public init<Other: TensorScalar>(_ other: Tensor<Other>) {
        self.init(uninitializedShape: other.shape)
        let src = other.storage.pointer
        for i in 0..<count { storage.pointer[i] = Scalar(src[i]) }
    }

    /// The scalars in row-major order.
    public var scalars: [Scalar] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The only scalar of a tensor with one element.
    public var scalar: Scalar {
        precondition(count == 1, "scalar of a tensor of shape \(shape)")
        return storage.pointer[0]
    }

    /// Element at a multi-index (for tests and small reads; not for hot loops).
    public subscript(_ index: Int...) -> Scalar {
        get { storage.pointer[flatIndex(index)] }
        set { let i = flatIndex(index); withUnsafeMutablePointer { $0[i] = newValue } }
    }

    func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == rank, "index \(index) for shape \(shape)")
        var flat = 0
        for (i, extent) in zip(index, shape) {
            precondition(i >= 0 && i < extent, "index \(index) out of range for shape \(shape)")
            flat = flat * extent + i
        }
        return flat
    }

    /// Read access to the buffer.
    @inlinable
    public func withUnsafePointer<R>(_ body: (UnsafePointer<Scalar>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafePointer(storage.pointer)) }
    }

    /// Write access to the buffer, copying it first if it is shared.
    @inlinable
    public mutating func withUnsafeMutablePointer<R>(_ body: (UnsafeMutablePointer<Scalar>) throws -> R) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) {
            let copy = TensorStorage<Scalar>(uninitializedCount: storage.count)
            copy.pointer.update(from: storage.pointer, count: storage.count)
            storage = copy
        }
        storage.memo = nil
        return try body(storage.pointer)
    }

    /// A value computed once from this tensor's scalars (a weight matrix in a kernel's packed
    /// layout, say) and kept with its buffer: later calls with the same `key` on this tensor or
    /// on copies sharing its buffer return it without calling `make`, until the scalars are
    /// written (a write goes to a buffer nobody else holds, and drops the value). One value per
    /// buffer: another key replaces it. `make` must depend only on the scalars, shape and key.
    /// Thread-safe; `make` may run more than once when threads race.
    public func memoized<Value: AnyObject>(_ key: String, _ make: () -> Value) -> Value {
        let storage = storage
        if let memo = Memo.lock.withLock({ storage.memo }), memo.key == key, let value = memo.value as? Value {
            return value
        }
        let value = make()
        Memo.lock.withLock { storage.memo = Memo(key: key, value: value) }
        return value
    }

    /// The same scalars under another shape with the same number of elements (shares the buffer).
    public func reshaped(to newShape: [Int]) -> Tensor {
        var shape = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.map(\.element).reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(self.shape) to \(newShape)")
            shape[hole] = count / known
        }
        precondition(shape.reduce(1, *) == count, "cannot reshape \(self.shape) (\(count) scalars) to \(newShape)")
        var result = self
        result.shape = shape
        return result
    }

    /// True when both tensors have the same shape and identical scalars.
    public func isIdentical(to other: Tensor) -> Bool {
        shape == other.shape && (0..<count).allSatisfy { storage.pointer[$0] == other.storage.pointer[$0] }
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(16).map { "\($0)" }.joined(separator: ", ")
        return "Tensor<\(Scalar.self)>\(shape)[\(shown)\(count > 16 ? ", ..." : "")]"
    }
}
