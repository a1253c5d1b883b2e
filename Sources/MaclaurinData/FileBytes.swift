import Foundation

/// Reading whole files or byte ranges, with `DataError`s that name the file.
enum FileBytes {
    /// The size in bytes of the regular file at `url`.
    /// - Throws: `.notFound` when it does not exist, `.io` when it is a folder or cannot be inspected.
    static func size(of url: URL) throws(DataError) -> Int {
        let path = url.path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw DataError(.notFound, url: url, "no such file")
        }
        guard !isFolder.boolValue else {
            throw DataError(.io, url: url, "is a folder, expected a file")
        }
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? NSNumber { return size.intValue }
            if let size = attributes[.size] as? Int { return size }
            throw DataError(.io, url: url, "cannot read the file size")
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError(.io, url: url, "cannot inspect the file: \(error.localizedDescription)")
        }
    }

    /// All bytes of the file at `url`.
    /// - Throws: `.notFound`, `.io`, and `.empty` for a file of zero bytes.
    static func read(_ url: URL) throws(DataError) -> Data {
        let size = try size(of: url)
        guard size > 0 else { throw DataError(.empty, url: url, "the file is empty") }
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw DataError(.io, url: url, "cannot read: \(error.localizedDescription)")
        }
    }

    /// `count` bytes of the file at `url` starting at byte `offset` (which the caller has checked).
    static func read(_ url: URL, offset: Int, count: Int) throws(DataError) -> Data {
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: count) ?? Data()
            guard data.count == count else {
                throw DataError(.truncated, url: url, at: .byteOffset(offset + data.count),
                                "the file ended while reading \(count) bytes from byte \(offset)")
            }
            return data
        } catch let error as DataError {
            throw error
        } catch {
            throw DataError(.io, url: url, at: .byteOffset(offset), "cannot read: \(error.localizedDescription)")
        }
    }
}

/// The little-endian integer of type `T` at `offset` in `bytes` (the caller has checked the range).
@inline(__always)
func loadLittleEndian<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, at offset: Int, as type: T.Type) -> T {
    T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
}

/// Appends `value` to `bytes` in little-endian order.
@inline(__always)
func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

/// The product of sizes read from a file, or nil when one is negative or the product overflows.
@inline(__always)
func checkedProduct(_ values: [Int]) -> Int? {
    var product = 1
    for value in values {
        guard value >= 0 else { return nil }
        let (next, overflow) = product.multipliedReportingOverflow(by: value)
        if overflow { return nil }
        product = next
    }
    return product
}

/// The offset where the first invalid UTF-8 sequence in `bytes` starts, or nil when all of it is valid.
///
/// Rejects overlong forms, surrogates (U+D800...U+DFFF) and code points above U+10FFFF.
func firstInvalidUTF8Offset<C: RandomAccessCollection>(_ bytes: C) -> Int? where C.Element == UInt8, C.Index == Int {
    var i = bytes.startIndex
    let end = bytes.endIndex
    while i < end {
        let lead = bytes[i]
        if lead < 0x80 { i += 1; continue }
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF   // allowed range of the second byte
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return i - bytes.startIndex
        }
        guard i + length <= end else { return i - bytes.startIndex }
        guard (low...high).contains(bytes[i + 1]) else { return i - bytes.startIndex }
        for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return i - bytes.startIndex }
        i += length
    }
    return nil
}
