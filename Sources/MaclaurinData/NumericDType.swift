import MaclaurinTensor

/// A NumPy numeric dtype parsed from a descr string such as `<f4`, `>i8` or `|u1`.
struct NumericDType: Equatable {
    /// `f` (IEEE float), `i` (signed), `u` (unsigned) or `b` (bool).
    var kind: Character
    /// Bytes per scalar.
    var size: Int
    /// True for `>` (big-endian) data.
    var bigEndian: Bool

    /// Parses a descr; nil for dtypes this reader does not support.
    init?(descr: String) {
        guard descr.count >= 3, let order = descr.first else { return nil }
        let kind = descr[descr.index(after: descr.startIndex)]
        guard let size = Int(descr.dropFirst(2)) else { return nil }
        switch order {
        case "<", "=": bigEndian = false
        case ">": bigEndian = true
        case "|": guard size == 1 else { return nil }; bigEndian = false
        default: return nil
        }
        switch (kind, size) {
        case ("f", 4), ("f", 8), ("i", 1), ("i", 2), ("i", 4), ("i", 8),
             ("u", 1), ("u", 2), ("u", 4), ("u", 8), ("b", 1):
            break
        default:
            return nil
        }
        self.kind = kind
        self.size = size
    }

    /// True when `Double` holds every value exactly (or `f8`); false when `Float` does (`f4`, 1-2 byte ints).
    var prefersDouble: Bool { kind == "f" ? size == 8 : size >= 4 }

    /// Converts `count` scalars of this dtype from `source` into `out`.
    func convert<Scalar: TensorScalar>(_ source: UnsafeRawBufferPointer, count: Int, to out: UnsafeMutablePointer<Scalar>) {
        switch (kind, size) {
        case ("f", 4):
            if !bigEndian, 1.littleEndian == 1, Scalar.self == Float.self {
                if count > 0, let base = source.baseAddress { UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: 4 * count) }
                return
            }
            for i in 0..<count { out[i] = Scalar(Float(bitPattern: load(source, i, UInt32.self))) }
        case ("f", _):
            if !bigEndian, 1.littleEndian == 1, Scalar.self == Double.self {
                if count > 0, let base = source.baseAddress { UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: 8 * count) }
                return
            }
            for i in 0..<count { out[i] = Scalar(Double(bitPattern: load(source, i, UInt64.self))) }
        case ("i", 1): for i in 0..<count { out[i] = Scalar(load(source, i, Int8.self)) }
        case ("i", 2): for i in 0..<count { out[i] = Scalar(load(source, i, Int16.self)) }
        case ("i", 4): for i in 0..<count { out[i] = Scalar(load(source, i, Int32.self)) }
        case ("i", _): for i in 0..<count { out[i] = Scalar(load(source, i, Int64.self)) }
        case ("u", 1): for i in 0..<count { out[i] = Scalar(load(source, i, UInt8.self)) }
        case ("u", 2): for i in 0..<count { out[i] = Scalar(load(source, i, UInt16.self)) }
        case ("u", 4): for i in 0..<count { out[i] = Scalar(load(source, i, UInt32.self)) }
        case ("u", _): for i in 0..<count { out[i] = Scalar(load(source, i, UInt64.self)) }
        default: for i in 0..<count { out[i] = load(source, i, UInt8.self) != 0 ? 1 : 0 }
        }
    }

    @inline(__always)
    private func load<T: FixedWidthInteger>(_ source: UnsafeRawBufferPointer, _ i: Int, _ type: T.Type) -> T {
        let raw = source.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
        return bigEndian ? T(bigEndian: raw) : T(littleEndian: raw)
    }
}
