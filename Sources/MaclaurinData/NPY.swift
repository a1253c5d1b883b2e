import Foundation
import MaclaurinTensor

/// NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), C order.
///
/// Reads little- and big-endian `f4`, `f8` (as `.float` / `.double`) and the integer and boolean
/// dtypes `i1 i2 i4 i8 u1 u2 u4 u8 b1`, converted: the 1- and 2-byte ones to `Float` (exact), the
/// 4- and 8-byte ones to `Double` (exact up to 2^53). Writes `<f4` or `<f8` with the smallest version
/// that fits the header (1.0 unless the header exceeds 65,535 bytes), header padded to 64 bytes as
/// NumPy does.
public enum NPY {
    /// The six bytes every `.npy` file starts with.
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// The array in the file at `url`, in its own precision.
    /// - Throws: `DataError` naming the file and byte offset (missing, empty, truncated, bad magic or
    ///   header, unsupported dtype or Fortran order, shape that disagrees with the data length).
    public static func read(_ url: URL) throws(DataError) -> AnyTensor {
        try decode(try FileBytes.read(url), file: DataError.displayName(of: url))
    }

    /// The array in the file at `url`, converted to `Scalar`.
    public static func read<Scalar: TensorScalar>(_ url: URL, as type: Scalar.Type) throws(DataError) -> Tensor<Scalar> {
        try decode(try FileBytes.read(url), file: DataError.displayName(of: url), as: type)
    }

    /// Writes `tensor` to `url` atomically (`<f4` for `Float`, `<f8` for `Double`).
    public static func write<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, to url: URL) throws(DataError) {
        try write(AnyTensor(tensor), to: url)
    }

    /// Writes `tensor` to `url` atomically (`<f4` for `.float`, `<f8` for `.double`).
    public static func write(_ tensor: AnyTensor, to url: URL) throws(DataError) {
        try AtomicFile.write(encode(tensor), to: url)
    }

    /// The bytes of a `.npy` file holding `tensor`.
    public static func encode(_ tensor: AnyTensor) -> Data {
        let header = NPYHeader(descr: tensor.scalarByteCount == 4 ? "<f4" : "<f8", fortranOrder: false,
                               shape: tensor.shape)
        var text = Array(header.literal.utf8)
        let longHeader = text.count + 1 + 10 > 65535
        let prelude = longHeader ? 12 : 10
        let padding = (64 - (prelude + text.count + 1) % 64) % 64
        text.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        text.append(UInt8(ascii: "\n"))
        var bytes = magic + [longHeader ? 2 : 1, 0]
        if longHeader {
            appendLittleEndian(UInt32(text.count), to: &bytes)
        } else {
            appendLittleEndian(UInt16(text.count), to: &bytes)
        }
        bytes += text
        var data = Data(bytes)
        switch tensor {
        case .float(let t): appendLittleEndianScalars(t, to: &data)
        case .double(let t): appendLittleEndianScalars(t, to: &data)
        }
        return data
    }

    /// Decodes the bytes of a `.npy` file; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws(DataError) -> AnyTensor {
        let result: Result<AnyTensor, DataError> = data.withUnsafeBytes { raw in
            Result { () throws(DataError) -> AnyTensor in
                let layout = try parse(raw, file: file)
                return layout.dtype.prefersDouble
                    ? .double(decodeScalars(raw, layout, as: Double.self))
                    : .float(decodeScalars(raw, layout, as: Float.self))
            }
        }
        return try result.get()
    }

    /// Decodes the bytes of a `.npy` file converted to `Scalar`; `file` names it in errors.
    public static func decode<Scalar: TensorScalar>(_ data: Data, file: String,
                                                    as type: Scalar.Type) throws(DataError) -> Tensor<Scalar> {
        let result: Result<Tensor<Scalar>, DataError> = data.withUnsafeBytes { raw in
            Result { () throws(DataError) -> Tensor<Scalar> in
                decodeScalars(raw, try parse(raw, file: file), as: type)
            }
        }
        return try result.get()
    }

    // MARK: Parsing

    /// Where the data of a parsed file is and how it is stored.
    struct Layout {
        var dtype: NumericDType
        var shape: [Int]
        var dataOffset: Int
        var count: Int
    }

    static func parse(_ raw: UnsafeRawBufferPointer, file: String) throws(DataError) -> Layout {
        guard raw.count > 0 else { throw DataError(.empty, file: file, "the file is empty") }
        let prefix = Array(raw.prefix(magic.count))
        guard prefix == Array(magic.prefix(prefix.count)) else {
            throw DataError(.badMagic, file: file, at: .byteOffset(0),
                            "not a .npy file (it must start with \\x93NUMPY)")
        }
        guard raw.count >= 10 else {
            throw DataError(.truncated, file: file, at: .byteOffset(raw.count), "the file ends inside the .npy preamble")
        }
        let major = raw[6], minor = raw[7]
        let headerStart: Int, headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(loadLittleEndian(raw, at: 8, as: UInt16.self))
        case 2, 3:
            guard raw.count >= 12 else {
                throw DataError(.truncated, file: file, at: .byteOffset(raw.count), "the file ends inside the .npy preamble")
            }
            headerStart = 12
            headerLength = Int(loadLittleEndian(raw, at: 8, as: UInt32.self))
        default:
            throw DataError(.unsupported, file: file, at: .byteOffset(6),
                            "format version \(major).\(minor) is not supported (1.0, 2.0 and 3.0 are)")
        }
        guard headerStart + headerLength <= raw.count else {
            throw DataError(.truncated, file: file, at: .byteOffset(raw.count),
                            "the header announces \(headerLength) bytes but the file ends after \(raw.count - headerStart)")
        }
        let headerBytes = Array(raw[headerStart..<headerStart + headerLength])
        let text: String
        if major == 3 {
            if let bad = firstInvalidUTF8Offset(headerBytes) {
                throw DataError(.notUTF8, file: file, at: .byteOffset(headerStart + bad),
                                "the version 3.0 header is not valid UTF-8")
            }
            text = String(decoding: headerBytes, as: UTF8.self)
        } else {
            text = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))   // Latin-1
        }
        let header = try NPYHeader.parse(text, file: file, base: headerStart)
        guard let dtype = NumericDType(descr: header.descr) else {
            throw DataError(.unsupported, file: file, at: .byteOffset(headerStart),
                            "dtype \(DataError.quoted(header.descr)) is not supported "
                            + "(use float32, float64, int8...int64, uint8...uint64 or bool)")
        }
        guard !header.fortranOrder || header.shape.count < 2 else {
            throw DataError(.unsupported, file: file, at: .byteOffset(headerStart),
                            "Fortran-order (column-major) arrays are not supported; "
                            + "save np.ascontiguousarray(a) instead")
        }
        let dataOffset = headerStart + headerLength
        let available = raw.count - dataOffset
        guard let count = checkedProduct(header.shape),
              let needed = checkedProduct([count, dtype.size]) else {
            throw DataError(.absurdSize, file: file, at: .byteOffset(headerStart),
                            "the shape \(header.shape) is too large to exist (its size overflows 64 bits)")
        }
        guard needed <= available else {
            throw DataError(.truncated, file: file, at: .byteOffset(raw.count),
                            "shape \(header.shape) of \(header.descr) needs \(needed) data bytes, "
                            + "but only \(available) follow the header")
        }
        guard needed == available else {
            throw DataError(.shapeMismatch, file: file, at: .byteOffset(dataOffset + needed),
                            "\(available - needed) unexpected bytes after the data of shape \(header.shape)")
        }
        return Layout(dtype: dtype, shape: header.shape, dataOffset: dataOffset, count: count)
    }

    /// The scalars described by `layout`, converted to `Scalar`.
    static func decodeScalars<Scalar: TensorScalar>(_ raw: UnsafeRawBufferPointer, _ layout: Layout,
                                                    as type: Scalar.Type) -> Tensor<Scalar> {
        var tensor = Tensor<Scalar>(uninitializedShape: layout.shape)
        let source = UnsafeRawBufferPointer(rebasing: raw[layout.dataOffset..<layout.dataOffset + layout.count * layout.dtype.size])
        tensor.withUnsafeMutablePointer { out in layout.dtype.convert(source, count: layout.count, to: out) }
        return tensor
    }
}

/// Appends the scalars of `tensor` to `data` as little-endian IEEE 754 bytes.
func appendLittleEndianScalars<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>, to data: inout Data) {
    let size = MemoryLayout<Scalar>.size
    let start = data.count
    data.count += tensor.count * size
    tensor.withUnsafePointer { p in
        data.withUnsafeMutableBytes { out in
            if 1.littleEndian == 1 {
                out.baseAddress.map { ($0 + start).copyMemory(from: p, byteCount: tensor.count * size) }
                return
            }
            for i in 0..<tensor.count {
                if size == 4, let value = p[i] as? Float {
                    out.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: start + 4 * i, as: UInt32.self)
                } else if let value = p[i] as? Double {
                    out.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: start + 8 * i, as: UInt64.self)
                }
            }
        }
    }
}
