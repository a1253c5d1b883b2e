import Foundation
import MaclaurinTensor

/// NumPy `.npz` archives: a zip file of `.npy` members, one per named array.
///
/// Reads archives from `np.savez` (stored members) and `np.savez_compressed` (DEFLATE members);
/// writes stored members in sorted name order, so equal inputs give byte-identical files.
public enum NPZ {
    /// The arrays in the archive at `url`, keyed by member name without the `.npy` suffix.
    /// - Throws: `DataError`; errors inside a member name it as `archive.npz(member.npy)`.
    public static func read(_ url: URL) throws(DataError) -> [String: AnyTensor] {
        try decode(try FileBytes.read(url), file: DataError.displayName(of: url))
    }

    /// Decodes the bytes of a `.npz` archive; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws(DataError) -> [String: AnyTensor] {
        let result: Result<[String: AnyTensor], DataError> = data.withUnsafeBytes { raw in
            Result { () throws(DataError) -> [String: AnyTensor] in
                var arrays: [String: AnyTensor] = [:]
                for entry in try ZipArchive.entries(raw, file: file) where !entry.name.hasSuffix("/") {
                    let member = "\(file)(\(entry.name))"
                    let key = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
                    guard arrays[key] == nil else {
                        throw DataError(.badHeader, file: file, at: .tensor(key), "the archive holds this name twice")
                    }
                    let bytes = try ZipArchive.contents(of: entry, in: raw, file: file, member: member)
                    arrays[key] = try NPY.decode(Data(bytes), file: member)
                }
                return arrays
            }
        }
        return try result.get()
    }

    /// Writes `arrays` to `url` atomically as an uncompressed `.npz` (members `name.npy`, sorted).
    public static func write(_ arrays: [String: AnyTensor], to url: URL) throws(DataError) {
        try AtomicFile.write(try encode(arrays, file: DataError.displayName(of: url)), to: url)
    }

    /// Writes tensors of one precision to `url` atomically as an uncompressed `.npz`.
    public static func write<Scalar: TensorScalar>(_ arrays: [String: Tensor<Scalar>], to url: URL) throws(DataError) {
        try write(arrays.mapValues { AnyTensor($0) }, to: url)
    }

    /// The bytes of an uncompressed `.npz` archive holding `arrays`; `file` names it in errors.
    public static func encode(_ arrays: [String: AnyTensor], file: String = "<npz>") throws(DataError) -> Data {
        var members: [(name: String, bytes: [UInt8])] = []
        for name in arrays.keys.sorted() {
            guard !name.isEmpty, !name.contains("/"), let tensor = arrays[name] else {
                throw DataError(.invalidValue, file: file, at: .tensor(name),
                                "array names must be non-empty and contain no '/'")
            }
            members.append((name + ".npy", Array(NPY.encode(tensor))))
        }
        return Data(try ZipArchive.encode(members, file: file))
    }
}
