import Foundation
import MaclaurinTensor

/// safetensors files: an 8-byte little-endian header length N, N bytes of JSON header, the data.
///
/// Header: `{"__metadata__": {string: string}, "name": {"dtype": "F32", "shape": [2, 3],
/// "data_offsets": [begin, end]}, ...}` with offsets relative to the data that follows the header.
/// Writes `F32`/`F64`, 64-bit tensors first and then by name (deterministic, and every tensor aligned
/// to its scalar size), header padded with spaces to a multiple of 8 bytes. Reads `F32`, `F64` and,
/// converted like NumPy integers, `I8 I16 I32 I64 U8 U16 U32 U64 BOOL`.
public enum SafeTensors {
    /// Largest header accepted, as in the reference implementation (100 MB).
    public static let maxHeaderLength = 100_000_000

    /// The tensors and metadata in the file at `url`.
    /// - Throws: `DataError` naming the file and a byte offset or tensor name.
    public static func read(_ url: URL) throws(DataError)
        -> (tensors: [String: AnyTensor], metadata: [String: String]) {
        try decode(try FileBytes.read(url), file: DataError.displayName(of: url))
    }

    /// Writes `tensors` and `metadata` to `url` atomically.
    /// - Throws: `DataError` for a repeated or reserved name, or a failed write.
    public static func write(_ tensors: [(String, AnyTensor)], metadata: [String: String] = [:],
                             to url: URL) throws(DataError) {
        try AtomicFile.write(try encode(tensors, metadata: metadata, file: DataError.displayName(of: url)), to: url)
    }

    /// The bytes of a safetensors file holding `tensors` and `metadata`; `file` names it in errors.
    public static func encode(_ tensors: [(String, AnyTensor)], metadata: [String: String] = [:],
                              file: String = "<safetensors>") throws(DataError) -> Data {
        var seen = Set<String>()
        for (name, _) in tensors {
            guard name != "__metadata__" else {
                throw DataError(.invalidValue, file: file, at: .tensor(name), "the name __metadata__ is reserved")
            }
            guard seen.insert(name).inserted else {
                throw DataError(.invalidValue, file: file, at: .tensor(name), "two tensors have this name")
            }
        }
        let ordered = tensors.sorted { a, b in
            a.1.scalarByteCount != b.1.scalarByteCount ? a.1.scalarByteCount > b.1.scalarByteCount : a.0 < b.0
        }
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { key in jsonQuoted(key) + ":" + jsonQuoted(metadata[key] ?? "") }
            entries.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for (name, tensor) in ordered {
            let end = offset + tensor.count * tensor.scalarByteCount
            entries.append(jsonQuoted(name) + ":{\"dtype\":\"\(tensor.dtypeName)\",\"shape\":["
                           + tensor.shape.map(String.init).joined(separator: ",")
                           + "],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        header += repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        var prelude: [UInt8] = []
        appendLittleEndian(UInt64(header.count), to: &prelude)
        var data = Data(prelude + header)
        data.reserveCapacity(data.count + offset)
        for (_, tensor) in ordered {
            switch tensor {
            case .float(let t): appendLittleEndianScalars(t, to: &data)
            case .double(let t): appendLittleEndianScalars(t, to: &data)
            }
        }
        return data
    }

    /// Decodes the bytes of a safetensors file; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws(DataError)
        -> (tensors: [String: AnyTensor], metadata: [String: String]) {
        let result: Result<([String: AnyTensor], [String: String]), DataError> = data.withUnsafeBytes { raw in
            Result { () throws(DataError) -> ([String: AnyTensor], [String: String]) in try decode(raw, file: file) }
        }
        let (tensors, metadata) = try result.get()
        return (tensors, metadata)
    }

    /// One tensor entry of the header.
    private struct Entry {
        var name: String
        var dtype: NumericDType
        var shape: [Int]
        var begin: Int
        var end: Int
        var count: Int
    }

    private static func decode(_ raw: UnsafeRawBufferPointer,
                               file: String) throws(DataError) -> ([String: AnyTensor], [String: String]) {
        guard raw.count > 0 else { throw DataError(.empty, file: file, "the file is empty") }
        guard raw.count >= 8 else {
            throw DataError(.truncated, file: file, at: .byteOffset(raw.count),
                            "the file ends inside the 8-byte header length")
        }
        let announced = loadLittleEndian(raw, at: 0, as: UInt64.self)
        guard announced <= UInt64(maxHeaderLength) else {
            throw DataError(.absurdSize, file: file, at: .byteOffset(0),
                            "header length \(announced) is absurd (limit \(maxHeaderLength) bytes); not a safetensors file?")
        }
        let headerLength = Int(announced)
        guard headerLength >= 2 else {
            throw DataError(.badHeader, file: file, at: .byteOffset(0), "header length \(headerLength) is too short for JSON")
        }
        guard headerLength <= raw.count - 8 else {
            throw DataError(.truncated, file: file, at: .byteOffset(raw.count),
                            "the header announces \(headerLength) bytes but only \(raw.count - 8) follow")
        }
        let headerBytes = Array(raw[8..<(8 + headerLength)])
        if let bad = firstInvalidUTF8Offset(headerBytes) {
            throw DataError(.notUTF8, file: file, at: .byteOffset(8 + bad), "the JSON header is not valid UTF-8")
        }
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw DataError(.badMagic, file: file, at: .byteOffset(8),
                            "the header does not start with '{'; not a safetensors file?")
        }
        guard case .object(let members) = try JSONParser.parse(headerBytes, file: file, base: 8) else {
            throw DataError(.badHeader, file: file, at: .byteOffset(8), "the header is not a JSON object")
        }
        let bufferStart = 8 + headerLength
        let bufferLength = raw.count - bufferStart
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        var names = Set<String>()
        for (name, value) in members {
            guard names.insert(name).inserted else {
                throw DataError(.badHeader, file: file, at: .tensor(name), "the header lists this name twice")
            }
            if name == "__metadata__" {
                guard case .object(let pairs) = value else {
                    throw DataError(.badHeader, file: file, at: .tensor(name), "__metadata__ must be an object")
                }
                for (key, item) in pairs {
                    guard case .string(let text) = item else {
                        throw DataError(.badHeader, file: file, at: .tensor(name),
                                        "metadata value of \(DataError.quoted(key)) must be a string, found \(item.typeName)")
                    }
                    metadata[key] = text
                }
                continue
            }
            entries.append(try entry(name, value, file: file, bufferLength: bufferLength))
        }
        // The tensors must tile the data buffer exactly: no overlap, no gap, nothing left over.
        var expected = 0
        for entry in entries.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard entry.begin == expected else {
                throw DataError(.badHeader, file: file, at: .tensor(entry.name),
                                entry.begin < expected
                                    ? "data_offsets [\(entry.begin), \(entry.end)] overlap another tensor's bytes"
                                    : "data_offsets [\(entry.begin), \(entry.end)] leave a gap after byte \(expected)")
            }
            expected = entry.end
        }
        guard expected == bufferLength else {
            throw DataError(.shapeMismatch, file: file, at: .byteOffset(bufferStart + expected),
                            "\(bufferLength - expected) bytes after the last tensor belong to none")
        }
        var tensors: [String: AnyTensor] = [:]
        for entry in entries {
            let bytes = UnsafeRawBufferPointer(rebasing: raw[(bufferStart + entry.begin)..<(bufferStart + entry.end)])
            if entry.dtype.prefersDouble {
                var t = Tensor<Double>(uninitializedShape: entry.shape)
                t.withUnsafeMutablePointer { entry.dtype.convert(bytes, count: entry.count, to: $0) }
                tensors[entry.name] = .double(t)
            } else {
                var t = Tensor<Float>(uninitializedShape: entry.shape)
                t.withUnsafeMutablePointer { entry.dtype.convert(bytes, count: entry.count, to: $0) }
                tensors[entry.name] = .float(t)
            }
        }
        return (tensors, metadata)
    }

    private static let dtypes = ["F32": "<f4", "F64": "<f8", "I8": "|i1", "I16": "<i2", "I32": "<i4", "I64": "<i8",
                                 "U8": "|u1", "U16": "<u2", "U32": "<u4", "U64": "<u8", "BOOL": "|b1"]

    /// Validates one tensor entry of the header against the data buffer.
    private static func entry(_ name: String, _ value: JSONValue, file: String,
                              bufferLength: Int) throws(DataError) -> Entry {
        func fail(_ kind: DataError.Kind, _ message: String) -> DataError {
            DataError(kind, file: file, at: .tensor(name), message)
        }
        guard case .object(let fields) = value else { throw fail(.badHeader, "expected an object, found \(value.typeName)") }
        var dtypeName: String?, shape: [Int]?, offsets: [Int]?
        for (key, field) in fields {
            switch (key, field) {
            case ("dtype", .string(let text)): dtypeName = text
            case ("shape", .array(let items)), ("data_offsets", .array(let items)):
                var numbers: [Int] = []
                for item in items {
                    guard case .integer(let n) = item, n >= 0 else {
                        throw fail(.badHeader, "\(key) must hold non-negative integers")
                    }
                    numbers.append(n)
                }
                if key == "shape" { shape = numbers } else { offsets = numbers }
            case ("dtype", _), ("shape", _), ("data_offsets", _):
                throw fail(.badHeader, "\(key) has the wrong type (\(field.typeName))")
            default:
                throw fail(.badHeader, "unexpected field \(DataError.quoted(key))")
            }
        }
        guard let dtypeName, let shape, let offsets else {
            throw fail(.badHeader, "a tensor needs the fields dtype, shape and data_offsets")
        }
        guard let descr = dtypes[dtypeName], let dtype = NumericDType(descr: descr) else {
            throw fail(.unsupported, "dtype \(DataError.quoted(dtypeName)) is not supported "
                       + "(F32, F64, I8...I64, U8...U64 and BOOL are)")
        }
        guard offsets.count == 2, offsets[0] <= offsets[1] else {
            throw fail(.badHeader, "data_offsets must be [begin, end] with begin <= end, found \(offsets)")
        }
        guard offsets[1] <= bufferLength else {
            throw fail(.truncated, "data_offsets \(offsets) reach past the \(bufferLength) data bytes in the file")
        }
        guard let count = checkedProduct(shape), let byteCount = checkedProduct([count, dtype.size]) else {
            throw fail(.absurdSize, "shape \(shape) is too large to exist (its size overflows 64 bits)")
        }
        guard byteCount == offsets[1] - offsets[0] else {
            throw fail(.shapeMismatch, "shape \(shape) of \(dtypeName) needs \(byteCount) bytes, "
                       + "data_offsets \(offsets) hold \(offsets[1] - offsets[0])")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1], count: count)
    }
}
