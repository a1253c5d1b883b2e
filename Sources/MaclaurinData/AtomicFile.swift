import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that readers see either the old contents or the complete new ones, never a mix.
///
/// Protocol: create a temporary file in the target's folder, write, `fsync` it, `rename` it over the
/// target (atomic within one file system), then `fsync` the folder so the rename itself is durable.
/// On any error the temporary file is removed and the target is left as it was.
public enum AtomicFile {
    /// The open temporary file handed to a `write(to:_:)` producer.
    public final class Sink {
        fileprivate let descriptor: Int32
        fileprivate let file: String
        /// Bytes written so far.
        public private(set) var byteCount = 0
        /// False once the producer has returned: a sink kept past that point must not write.
        fileprivate var isOpen = true

        fileprivate init(descriptor: Int32, file: String) {
            self.descriptor = descriptor
            self.file = file
        }

        /// Appends raw bytes.
        public func write(_ bytes: UnsafeRawBufferPointer) throws(DataError) {
            if let failure = writeAll(bytes) { throw failure }
        }

        /// Appends the bytes of `data`.
        public func write(_ data: Data) throws(DataError) {
            if let failure = data.withUnsafeBytes({ writeAll($0) }) { throw failure }
        }

        /// Appends `bytes`.
        public func write(_ bytes: [UInt8]) throws(DataError) {
            if let failure = bytes.withUnsafeBytes({ writeAll($0) }) { throw failure }
        }

        /// Writes all of `bytes`, retrying short writes; returns the error instead of throwing it.
        private func writeAll(_ bytes: UnsafeRawBufferPointer) -> DataError? {
            precondition(isOpen, "AtomicFile.Sink used after its producer returned")
            guard var cursor = bytes.baseAddress else { return nil }
            var remaining = bytes.count
            while remaining > 0 {
                let written = systemWrite(descriptor, cursor, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    return DataError(.io, file: file, at: .byteOffset(byteCount), "write failed: \(errnoText())")
                }
                cursor += written
                remaining -= written
                byteCount += written
            }
            return nil
        }
    }

    /// Replaces the file at `url` with `data` atomically and durably.
    /// - Throws: `DataError` of kind `.io` or `.notFound` (missing folder); the old file is then intact.
    public static func write(_ data: Data, to url: URL) throws(DataError) {
        try write(to: url) { (sink: Sink) throws(DataError) in try sink.write(data) }
    }

    /// Replaces the file at `url` with whatever `produce` writes to the sink, atomically and durably.
    ///
    /// If `produce` throws, the temporary file is removed, the target is untouched and the error is
    /// rethrown. Use this form to stream large files without building them in memory first.
    public static func write(to url: URL, _ produce: (Sink) throws(DataError) -> Void) throws(DataError) {
        let file = DataError.displayName(of: url)
        let target = url.standardizedFileURL.path
        let folder = (target as NSString).deletingLastPathComponent
        let name = (target as NSString).lastPathComponent
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw DataError(.notFound, file: file, "cannot write: the folder \(folder) does not exist")
        }
        var template = Array((folder + "/." + name + ".tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return mkstemp(base)
        }
        guard descriptor >= 0 else {
            throw DataError(.io, file: file, "cannot create a temporary file in \(folder): \(errnoText())")
        }
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var closed = false
        do throws(DataError) {
            // mkstemp creates mode 0600; give the new file the old file's mode, or the usual 0644.
            var info = stat()
            let mode: mode_t = stat(target, &info) == 0 ? info.st_mode & 0o7777 : 0o644
            _ = fchmod(descriptor, mode)
            let sink = Sink(descriptor: descriptor, file: file)
            defer { sink.isOpen = false }
            try produce(sink)
            guard fsync(descriptor) == 0 else {
                throw DataError(.io, file: file, "fsync of the temporary file failed: \(errnoText())")
            }
            closed = true
            guard close(descriptor) == 0 else {
                throw DataError(.io, file: file, "close of the temporary file failed: \(errnoText())")
            }
            guard rename(temporary, target) == 0 else {
                throw DataError(.io, file: file, "cannot rename the temporary file over the target: \(errnoText())")
            }
        } catch {
            if !closed { _ = close(descriptor) }
            _ = unlink(temporary)
            throw error
        }
        syncFolder(folder)
    }

    /// Flushes a folder's entries (the rename) to disk; failures are ignored (some file systems refuse).
    private static func syncFolder(_ folder: String) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        _ = close(descriptor)
    }
}

/// `write(2)`, named apart from the `write` methods above.
@inline(__always)
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}

/// The text of the current `errno`.
func errnoText() -> String {
    String(cString: strerror(errno))
}
