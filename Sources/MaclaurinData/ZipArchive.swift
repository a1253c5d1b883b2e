/// One member of a zip archive, as its central directory describes it.
struct ZipEntry {
    var name: String
    var method: UInt16
    var flags: UInt16
    var crc: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
}

/// Reading and writing zip archives (PKWARE APPNOTE 6.3): STORED and DEFLATE members on read,
/// ZIP64 sizes and offsets on read, STORED members on write.
enum ZipArchive {
    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50

    /// The members listed in the central directory of the archive `bytes`.
    static func entries(_ bytes: UnsafeRawBufferPointer, file: String) throws(DataError) -> [ZipEntry] {
        func fail(_ kind: DataError.Kind, _ offset: Int, _ message: String) -> DataError {
            DataError(kind, file: file, at: .byteOffset(offset), message)
        }
        guard bytes.count >= 22 else {
            if bytes.count >= 4, loadLittleEndian(bytes, at: 0, as: UInt32.self) == localSignature {
                throw fail(.truncated, bytes.count, "the zip archive ends before its directory")
            }
            throw fail(.badMagic, 0, "not a zip archive (too short)")
        }
        // The end record sits in the last 22 + 65,535 bytes (it may be followed by a comment).
        var end = -1
        var candidate = bytes.count - 22
        while candidate >= max(0, bytes.count - 22 - 65535) {
            if loadLittleEndian(bytes, at: candidate, as: UInt32.self) == endSignature { end = candidate; break }
            candidate -= 1
        }
        guard end >= 0 else {
            if loadLittleEndian(bytes, at: 0, as: UInt32.self) == localSignature {
                throw fail(.truncated, bytes.count, "the zip archive has no end-of-directory record (truncated?)")
            }
            throw fail(.badMagic, 0, "not a zip archive (no end-of-directory record)")
        }
        var count = Int(loadLittleEndian(bytes, at: end + 10, as: UInt16.self))
        var directorySize = Int(loadLittleEndian(bytes, at: end + 12, as: UInt32.self))
        var directoryOffset = Int(loadLittleEndian(bytes, at: end + 16, as: UInt32.self))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            let locator = end - 20
            guard locator >= 0, loadLittleEndian(bytes, at: locator, as: UInt32.self) == zip64LocatorSignature else {
                throw fail(.badHeader, end, "the end record points to a ZIP64 record that is missing")
            }
            let record = Int(clamping: loadLittleEndian(bytes, at: locator + 8, as: UInt64.self))
            guard record >= 0, record <= locator - 56,
                  loadLittleEndian(bytes, at: record, as: UInt32.self) == zip64EndSignature else {
                throw fail(.badHeader, locator, "the ZIP64 end record is missing or out of range")
            }
            count = Int(clamping: loadLittleEndian(bytes, at: record + 32, as: UInt64.self))
            directorySize = Int(clamping: loadLittleEndian(bytes, at: record + 40, as: UInt64.self))
            directoryOffset = Int(clamping: loadLittleEndian(bytes, at: record + 48, as: UInt64.self))
        }
        guard directoryOffset <= end, directorySize <= end - directoryOffset, count <= directorySize / 46 else {
            throw fail(.absurdSize, end, "the central directory (\(count) entries, \(directorySize) bytes at "
                       + "byte \(directoryOffset)) does not fit in the file")
        }
        var entries: [ZipEntry] = []
        var at = directoryOffset
        let limit = directoryOffset + directorySize
        for _ in 0..<count {
            guard at + 46 <= limit, loadLittleEndian(bytes, at: at, as: UInt32.self) == centralSignature else {
                throw fail(.badHeader, at, "expected a central directory entry")
            }
            let flags = loadLittleEndian(bytes, at: at + 8, as: UInt16.self)
            let method = loadLittleEndian(bytes, at: at + 10, as: UInt16.self)
            let crc = loadLittleEndian(bytes, at: at + 16, as: UInt32.self)
            var compressed = Int(loadLittleEndian(bytes, at: at + 20, as: UInt32.self))
            var uncompressed = Int(loadLittleEndian(bytes, at: at + 24, as: UInt32.self))
            let nameLength = Int(loadLittleEndian(bytes, at: at + 28, as: UInt16.self))
            let extraLength = Int(loadLittleEndian(bytes, at: at + 30, as: UInt16.self))
            let commentLength = Int(loadLittleEndian(bytes, at: at + 32, as: UInt16.self))
            var local = Int(loadLittleEndian(bytes, at: at + 42, as: UInt32.self))
            let next = at + 46 + nameLength + extraLength + commentLength
            guard next <= limit else { throw fail(.truncated, at, "a central directory entry overruns the directory") }
            let nameBytes = Array(bytes[(at + 46)..<(at + 46 + nameLength)])
            let name = firstInvalidUTF8Offset(nameBytes) == nil
                ? String(decoding: nameBytes, as: UTF8.self)
                : String(String.UnicodeScalarView(nameBytes.map { Unicode.Scalar($0) }))
            // ZIP64 extra field: 8-byte values for exactly the fields that hold 0xFFFFFFFF.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = loadLittleEndian(bytes, at: extra, as: UInt16.self)
                let size = Int(loadLittleEndian(bytes, at: extra + 2, as: UInt16.self))
                if id == 1 {
                    var field = extra + 4
                    func take(_ value: inout Int) {
                        if value == 0xFFFF_FFFF, field + 8 <= extra + 4 + size, field + 8 <= extraEnd {
                            value = Int(clamping: loadLittleEndian(bytes, at: field, as: UInt64.self))
                            field += 8
                        }
                    }
                    take(&uncompressed)
                    take(&compressed)
                    take(&local)
                }
                extra += 4 + size
            }
            entries.append(ZipEntry(name: name, method: method, flags: flags, crc: crc, compressedSize: compressed,
                                    uncompressedSize: uncompressed, localHeaderOffset: local))
            at = next
        }
        return entries
    }

    /// The uncompressed bytes of `entry`; `member` names it in errors (e.g. `a.npz(w.npy)`).
    static func contents(of entry: ZipEntry, in bytes: UnsafeRawBufferPointer, file: String,
                         member: String) throws(DataError) -> [UInt8] {
        let local = entry.localHeaderOffset
        guard local >= 0, local <= bytes.count - 30,
              loadLittleEndian(bytes, at: local, as: UInt32.self) == localSignature else {
            throw DataError(.badHeader, file: file, at: .byteOffset(max(0, local)),
                            "member \(DataError.quoted(entry.name)) has no local header at this offset")
        }
        guard entry.flags & 1 == 0 else {
            throw DataError(.unsupported, file: member, "encrypted zip members are not supported")
        }
        let nameLength = Int(loadLittleEndian(bytes, at: local + 26, as: UInt16.self))
        let extraLength = Int(loadLittleEndian(bytes, at: local + 28, as: UInt16.self))
        let start = local + 30 + nameLength + extraLength
        guard entry.compressedSize >= 0, start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw DataError(.truncated, file: file, at: .byteOffset(bytes.count),
                            "member \(DataError.quoted(entry.name)) announces \(entry.compressedSize) bytes "
                            + "at byte \(start), past the end of the archive")
        }
        let stored = UnsafeRawBufferPointer(rebasing: bytes[start..<start + entry.compressedSize])
        let output: [UInt8]
        switch entry.method {
        case 0:
            guard entry.uncompressedSize == entry.compressedSize else {
                throw DataError(.badHeader, file: file, at: .byteOffset(local),
                                "stored member \(DataError.quoted(entry.name)) has different packed and unpacked sizes")
            }
            output = Array(stored)
        case 8:
            // DEFLATE cannot expand data more than about 1032:1; a larger claim is a lie or an attack.
            guard entry.uncompressedSize <= 1032 * entry.compressedSize + 64 else {
                throw DataError(.absurdSize, file: file, at: .byteOffset(local),
                                "member \(DataError.quoted(entry.name)) claims \(entry.uncompressedSize) bytes "
                                + "from \(entry.compressedSize) compressed ones")
            }
            output = try Inflater.inflate(stored, expectedCount: entry.uncompressedSize, file: file, base: start)
        default:
            throw DataError(.unsupported, file: member,
                            "compression method \(entry.method) is not supported (stored and deflate are)")
        }
        let crc = CRC32.checksum(output)
        guard crc == entry.crc else {
            throw DataError(.corrupt, file: file, at: .byteOffset(start),
                            "member \(DataError.quoted(entry.name)) fails its CRC-32 check")
        }
        return output
    }

    /// A zip archive of STORED members, in the given order, with fixed timestamps (1980-01-01).
    static func encode(_ members: [(name: String, bytes: [UInt8])], file: String) throws(DataError) -> [UInt8] {
        var archive: [UInt8] = []
        var directory: [UInt8] = []
        for member in members {
            let name = Array(member.name.utf8)
            let offset = archive.count
            guard member.bytes.count < 0xFFFF_FFFF, offset < 0xFFFF_FFFF, name.count <= 0xFFFF else {
                throw DataError(.absurdSize, file: file, at: .tensor(member.name),
                                "too large for a zip archive without ZIP64 (4 GiB)")
            }
            let crc = CRC32.checksum(member.bytes)
            let utf8Flag: UInt16 = name.allSatisfy { $0 < 0x80 } ? 0 : 0x0800
            func common(_ out: inout [UInt8]) {
                appendLittleEndian(UInt16(20), to: &out)        // version needed to extract
                appendLittleEndian(utf8Flag, to: &out)          // flags
                appendLittleEndian(UInt16(0), to: &out)         // method: stored
                appendLittleEndian(UInt16(0), to: &out)         // time 00:00:00
                appendLittleEndian(UInt16(0x21), to: &out)      // date 1980-01-01
                appendLittleEndian(crc, to: &out)
                appendLittleEndian(UInt32(member.bytes.count), to: &out)
                appendLittleEndian(UInt32(member.bytes.count), to: &out)
                appendLittleEndian(UInt16(name.count), to: &out)
                appendLittleEndian(UInt16(0), to: &out)         // extra field length
            }
            appendLittleEndian(localSignature, to: &archive)
            common(&archive)
            archive += name
            archive += member.bytes
            appendLittleEndian(centralSignature, to: &directory)
            appendLittleEndian(UInt16(20), to: &directory)     // version made by
            common(&directory)
            directory += [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]        // comment length, disk, attributes
            appendLittleEndian(UInt32(offset), to: &directory)
            directory += name
        }
        guard members.count < 0xFFFF, archive.count < 0xFFFF_FFFF else {
            throw DataError(.absurdSize, file: file, "too large for a zip archive without ZIP64")
        }
        let directoryOffset = archive.count
        archive += directory
        appendLittleEndian(endSignature, to: &archive)
        archive += [0, 0, 0, 0]                                 // disk numbers
        appendLittleEndian(UInt16(members.count), to: &archive)
        appendLittleEndian(UInt16(members.count), to: &archive)
        appendLittleEndian(UInt32(directory.count), to: &archive)
        appendLittleEndian(UInt32(directoryOffset), to: &archive)
        archive += [0, 0]                                       // comment length
        return archive
    }
}
