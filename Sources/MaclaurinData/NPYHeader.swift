/// The header of a `.npy` file: a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
struct NPYHeader {
    /// The dtype string, e.g. `<f4`.
    var descr: String
    /// True for column-major data.
    var fortranOrder: Bool
    /// The array shape.
    var shape: [Int]

    /// The literal numpy writes for this header (without padding).
    var literal: String {
        let dims = shape.map(String.init)
        let tuple = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
        return "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(tuple), }"
    }

    /// Parses the dict literal `text`, found at byte `base` of `file`.
    static func parse(_ text: String, file: String, base: Int) throws(DataError) -> NPYHeader {
        var parser = PythonLiteralParser(text: Array(text.unicodeScalars), file: file, base: base)
        let value = try parser.parseDocument()
        guard case .dict(let members) = value else {
            throw DataError(.badHeader, file: file, at: .byteOffset(base), "the header is not a Python dict")
        }
        var descr: String?, fortran: Bool?, shape: [Int]?
        for (key, value) in members {
            switch (key, value) {
            case ("descr", .string(let text)): descr = text
            case ("descr", .list), ("descr", .tuple):
                throw DataError(.unsupported, file: file, at: .byteOffset(base),
                                "structured (record) dtypes are not supported; save a plain numeric array")
            case ("fortran_order", .bool(let flag)): fortran = flag
            case ("shape", .tuple(let items)):
                var dims: [Int] = []
                for item in items {
                    guard case .integer(let n) = item, n >= 0 else {
                        throw DataError(.badHeader, file: file, at: .byteOffset(base),
                                        "'shape' must be a tuple of non-negative integers")
                    }
                    dims.append(n)
                }
                shape = dims
            case ("descr", _), ("fortran_order", _), ("shape", _):
                throw DataError(.badHeader, file: file, at: .byteOffset(base), "header key '\(key)' has the wrong type")
            default:
                throw DataError(.badHeader, file: file, at: .byteOffset(base), "unexpected header key '\(key)'")
            }
        }
        guard let descr, let fortran, let shape else {
            throw DataError(.badHeader, file: file, at: .byteOffset(base),
                            "the header needs the keys 'descr', 'fortran_order' and 'shape'")
        }
        return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
    }
}

/// The subset of Python literals that `.npy` headers use.
private indirect enum PythonLiteral {
    case string(String)
    case integer(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(String, PythonLiteral)])
}

private struct PythonLiteralParser {
    let text: [Unicode.Scalar]
    var position = 0
    let file: String
    let base: Int

    init(text: [Unicode.Scalar], file: String, base: Int) {
        self.text = text
        self.file = file
        self.base = base
    }

    private func error(_ message: String) -> DataError {
        // Headers are ASCII in practice, so the scalar index is the byte offset.
        DataError(.badHeader, file: file, at: .byteOffset(base + position), message)
    }

    private var found: String {
        position < text.count ? "'\(Character(text[position]))'" : "the end of the header"
    }

    mutating func parseDocument() throws(DataError) -> PythonLiteral {
        skipSpace()
        let value = try parseValue(depth: 0)
        skipSpace()
        guard position == text.count else { throw error("unexpected \(found) after the header dict") }
        return value
    }

    private mutating func skipSpace() {
        while position < text.count, text[position].properties.isWhitespace { position += 1 }
    }

    private mutating func take(_ scalar: Unicode.Scalar) -> Bool {
        skipSpace()
        guard position < text.count, text[position] == scalar else { return false }
        position += 1
        return true
    }

    private mutating func parseValue(depth: Int) throws(DataError) -> PythonLiteral {
        guard depth < 16 else { throw error("header nested too deeply") }
        skipSpace()
        guard position < text.count else { throw error("expected a value, found the end of the header") }
        let c = text[position]
        switch c {
        case "{":
            position += 1
            var members: [(String, PythonLiteral)] = []
            while !take("}") {
                skipSpace()
                guard case .string(let key) = try parseValue(depth: depth + 1) else {
                    throw error("dict keys in the header must be strings")
                }
                guard take(":") else { throw error("expected ':' after '\(key)', found \(found)") }
                members.append((key, try parseValue(depth: depth + 1)))
                guard take(",") || (skipSpaceAndPeek() == "}") else { throw error("expected ',' or '}', found \(found)") }
            }
            return .dict(members)
        case "(", "[":
            position += 1
            let close: Unicode.Scalar = c == "(" ? ")" : "]"
            var items: [PythonLiteral] = []
            var sawComma = false
            while !take(close) {
                items.append(try parseValue(depth: depth + 1))
                sawComma = take(",")
                guard sawComma || skipSpaceAndPeek() == close else {
                    throw error("expected ',' or '\(close)', found \(found)")
                }
            }
            if c == "(" && items.count == 1 && !sawComma { return items[0] }   // (x) is x in Python
            return c == "(" ? .tuple(items) : .list(items)
        case "'", "\"":
            return .string(try parseString(quote: c))
        case "0"..."9", "-", "+":
            return .integer(try parseInteger())
        default:
            let start = position
            var word = ""
            while position < text.count, text[position].properties.isAlphabetic || text[position] == "_" {
                word.unicodeScalars.append(text[position])
                position += 1
            }
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default:
                if !word.isEmpty { position = start }
                throw error(word.isEmpty ? "expected a value, found \(found)" : "unexpected name '\(word)'")
            }
        }
    }

    private mutating func skipSpaceAndPeek() -> Unicode.Scalar? {
        skipSpace()
        return position < text.count ? text[position] : nil
    }

    private mutating func parseString(quote: Unicode.Scalar) throws(DataError) -> String {
        position += 1
        var result = ""
        while position < text.count, text[position] != quote {
            if text[position] == "\\" { position += 1 }
            guard position < text.count else { break }
            result.unicodeScalars.append(text[position])
            position += 1
        }
        guard position < text.count else { throw error("unterminated string in the header") }
        position += 1
        return result
    }

    private mutating func parseInteger() throws(DataError) -> Int {
        var digits = ""
        if text[position] == "-" || text[position] == "+" {
            digits.unicodeScalars.append(text[position])
            position += 1
        }
        while position < text.count, ("0"..."9").contains(text[position]) {
            digits.unicodeScalars.append(text[position])
            position += 1
        }
        if position < text.count, text[position] == "L" { position += 1 }   // Python 2 long suffix
        guard let value = Int(digits) else {
            throw error(digits.count > 2 ? "integer \(digits) does not fit in 64 bits" : "expected an integer")
        }
        return value
    }
}
