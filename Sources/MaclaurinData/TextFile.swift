import Foundation

/// Reading text data files (CSV and the like) with errors that give `file:line:column`.
///
/// Lines and columns are 1-based; columns count bytes of UTF-8, as compilers do.
public enum TextFile {
    /// The contents of the text file at `url` (a leading UTF-8 byte order mark is dropped).
    /// - Throws: `DataError` `.notFound`, `.empty`, or `.notUTF8` at the line and column of the
    ///   first byte that is not valid UTF-8.
    public static func read(_ url: URL) throws(DataError) -> String {
        let data = try FileBytes.read(url)
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let bad = firstInvalidUTF8Offset(bytes) {
            let (line, column) = position(of: bad, in: bytes)
            throw DataError(.notUTF8, url: url, at: .line(line, column: column),
                            "byte 0x\(String(bytes[bad], radix: 16, uppercase: true)) is not valid UTF-8 "
                            + "(save the file as UTF-8)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The 1-based line and column of byte `offset` in `bytes`.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1, lineStart = 0
        for i in 0..<offset where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        return (line, offset - lineStart + 1)
    }

    /// Parses one field of a text file as a number.
    ///
    /// Accepts decimal and scientific notation with optional surrounding spaces
    /// (`-1.5`, ` 2e-3 `); rejects empty fields, other text, and (unless `allowNonFinite`)
    /// `nan`, `inf` and values that overflow to infinity.
    /// - Parameters:
    ///   - field: the text of the field.
    ///   - file: the file name for errors.
    ///   - line: the 1-based line of the field.
    ///   - column: the 1-based column where the field starts.
    /// - Throws: `DataError` `.invalidValue` (`expected a number, found "abc"`) or `.nonFinite`.
    public static func number<S: StringProtocol>(_ field: S, file: String, line: Int, column: Int,
                                                 allowNonFinite: Bool = false) throws(DataError) -> Double {
        let text = field.trimmingCharacters(in: .whitespaces)
        let isNumeric = !text.isEmpty && text.unicodeScalars.allSatisfy {
            ("0"..."9").contains($0) || $0 == "." || $0 == "-" || $0 == "+" || $0 == "e" || $0 == "E"
        }
        let lowered = text.lowercased()
        let isSpecial = ["nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"]
            .contains(lowered)
        guard isNumeric || isSpecial, let value = Double(lowered) else {
            throw DataError(.invalidValue, file: file, at: .line(line, column: column),
                            text.isEmpty ? "expected a number, found an empty field"
                                         : "expected a number, found \(DataError.quoted(text))")
        }
        guard allowNonFinite || value.isFinite else {
            throw DataError(.nonFinite, file: file, at: .line(line, column: column),
                            "\(DataError.quoted(text)) is not a finite number (NaN and infinity are not allowed)")
        }
        return value
    }
}
