/// Text helpers for writing SVG: XML escaping and deterministic, locale-free number formatting.
public enum SVGText {
    /// `text` with the five XML special characters replaced by entities (`&amp;` `&lt;` `&gt;`
    /// `&quot;` `&apos;`) and control characters other than tab and newline dropped (XML 1.0 forbids
    /// them), so any string is safe in element content and in quoted attribute values.
    public static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                let v = scalar.value
                if v < 0x20 || v == 0xFFFE || v == 0xFFFF { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A coordinate with at most two decimals, no trailing zeros, no exponent (`12.5`, `-3`, `0.07`).
    /// Non-finite input gives `0` (callers drop non-finite points before drawing).
    public static func coordinate(_ value: Double) -> String {
        fixed(value, decimals: 2)
    }

    /// `value` rounded to `decimals` places, trailing zeros removed; plain digits, independent of locale.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        precondition(decimals >= 0 && decimals <= 12, "decimals must be in 0...12")
        guard value.isFinite, abs(value) < 1e15 else { return value.isFinite ? "\(value)" : "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        if scaled == 0 { return "0" }
        let whole = Int64(scaled)
        let power = Int64(scale)
        var text = String(whole / power)
        var fraction = String(whole % power)
        if decimals > 0 {
            fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
            if !fraction.isEmpty { text += "." + fraction }
        }
        return (value < 0 ? "-" : "") + text
    }

    /// A data value for a `data-*` attribute or a label: the shortest decimal that round-trips
    /// (Swift's `description`), `nan`, `inf` or `-inf` when not finite.
    public static func number(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return "\(value)"
    }
}

/// An SVG document built element by element: a thin string builder that escapes what it is given.
struct SVGBuilder {
    private(set) var text = ""

    /// Opens `<name attributes...>`.
    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        text += "<" + name + Self.attributes(attributes) + ">\n"
    }

    /// Closes `</name>`.
    mutating func close(_ name: String) {
        text += "</" + name + ">\n"
    }

    /// A self-closing element `<name attributes.../>`.
    mutating func element(_ name: String, _ attributes: [(String, String)]) {
        text += "<" + name + Self.attributes(attributes) + "/>\n"
    }

    /// An element holding escaped text.
    mutating func element(_ name: String, _ attributes: [(String, String)], text content: String) {
        text += "<" + name + Self.attributes(attributes) + ">" + SVGText.escaped(content) + "</" + name + ">\n"
    }

    /// Markup already escaped (built by this type's callers from escaped parts).
    mutating func raw(_ markup: String) {
        text += markup
    }

    static func attributes(_ list: [(String, String)]) -> String {
        list.map { " " + $0.0 + "=\"" + SVGText.escaped($0.1) + "\"" }.joined()
    }
}
