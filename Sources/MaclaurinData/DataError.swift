import Foundation

/// An error in a data file given by the user, naming the file and the place in it.
///
/// The description reads like a compiler diagnostic:
/// - text: `digits.csv:12:3: expected a number, found "abc"`
/// - binary: `data_batch_1.bin: byte 30730: ...` or `data_batch_1.bin: record 10 (byte 30730): ...`
/// - containers: `model.safetensors: tensor "dense.weight": ...`
///
/// Members of an archive are named like archive members in linkers: `arrays.npz(w.npy)`.
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// What went wrong, for callers that branch on it.
    public enum Kind: String, Equatable, Sendable {
        /// The file or folder does not exist.
        case notFound
        /// The operating system refused a read, write, rename or sync.
        case io
        /// The file has no bytes.
        case empty
        /// The file ends before the structure it announces.
        case truncated
        /// The file does not start with the format's magic bytes.
        case badMagic
        /// The header is not well formed (syntax, missing or unknown fields).
        case badHeader
        /// A feature of the format this reader does not support (dtype, compression, order).
        case unsupported
        /// A shape and dtype disagree with the number of data bytes, or a shape is invalid.
        case shapeMismatch
        /// A value is out of its allowed range (a label above 9, a negative offset).
        case invalidValue
        /// NaN or infinity where only finite numbers are allowed.
        case nonFinite
        /// A size that cannot be right (larger than the file, or overflowing).
        case absurdSize
        /// Text that is not valid UTF-8.
        case notUTF8
        /// A checksum does not match.
        case corrupt
    }

    /// Where in the file the problem is.
    public enum Location: Equatable, Sendable {
        /// The file as a whole.
        case wholeFile
        /// A line (1-based) and optionally a column (1-based) of a text file.
        case line(Int, column: Int?)
        /// A byte offset (0-based) in a binary file.
        case byteOffset(Int)
        /// A fixed-size record (0-based index) and the byte offset where it starts.
        case record(Int, byteOffset: Int)
        /// A named tensor in a container file.
        case tensor(String)
    }

    /// What went wrong.
    public var kind: Kind
    /// The file, as the user named it (or `archive(member)` for archive members).
    public var file: String
    /// Where in the file.
    public var location: Location
    /// The explanation, without the file and place.
    public var message: String

    /// An error of `kind` at `location` in `file`.
    public init(_ kind: Kind, file: String, at location: Location = .wholeFile, _ message: String) {
        self.kind = kind
        self.file = file
        self.location = location
        self.message = message
    }

    /// An error of `kind` at `location` in the file at `url`.
    public init(_ kind: Kind, url: URL, at location: Location = .wholeFile, _ message: String) {
        self.init(kind, file: DataError.displayName(of: url), at: location, message)
    }

    /// `file:place: message`.
    public var description: String {
        switch location {
        case .wholeFile:
            return "\(file): \(message)"
        case .line(let line, let column?):
            return "\(file):\(line):\(column): \(message)"
        case .line(let line, nil):
            return "\(file):\(line): \(message)"
        case .byteOffset(let offset):
            return "\(file): byte \(offset): \(message)"
        case .record(let index, let offset):
            return "\(file): record \(index) (byte \(offset)): \(message)"
        case .tensor(let name):
            return "\(file): tensor \"\(name)\": \(message)"
        }
    }

    /// The same text as `description`, for `localizedDescription`.
    public var errorDescription: String? { description }

    /// How errors name the file at `url`: the path as the user gave it (relative paths stay relative).
    public static func displayName(of url: URL) -> String {
        url.isFileURL ? url.relativePath : url.absoluteString
    }

    /// A short, printable rendering of untrusted text for messages: quoted, at most `limit` characters.
    static func quoted<S: StringProtocol>(_ text: S, limit: Int = 40) -> String {
        let shown = text.count > limit ? String(text.prefix(limit)) + "..." : String(text)
        return "\"" + shown.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\"
            ? String($0) : $0.escaped(asASCII: true) }.joined() + "\""
    }
}
