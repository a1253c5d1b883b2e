import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// An SVG document parsed by Foundation's XML parser into a flat list of elements, for tests.
struct SVGDocument {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
        /// Indices of the enclosing elements, outermost first.
        var ancestors: [Int]
    }

    var elements: [Element] = []

    /// Parses `svg`; fails the test (and throws) when it is not well-formed XML.
    init(_ svg: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let delegate = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = delegate
        guard parser.parse() else {
            let message = "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "unknown error") at line \(parser.lineNumber)"
            XCTFail(message, file: file, line: line)
            throw NSError(domain: "SVGDocument", code: 1, userInfo: [NSLocalizedDescriptionKey: message])
        }
        elements = delegate.elements
    }

    /// The root element's viewBox as (width, height).
    var viewBox: (Double, Double)? {
        guard let box = elements.first?.attributes["viewBox"] else { return nil }
        let parts = box.split(separator: " ").compactMap { Double($0) }
        return parts.count == 4 ? (parts[2], parts[3]) : nil
    }

    /// Elements named `name` whose class list contains `className` (any class when nil).
    func all(_ name: String? = nil, class className: String? = nil) -> [Int] {
        elements.indices.filter { i in
            (name == nil || elements[i].name == name)
                && (className == nil || (elements[i].attributes["class"] ?? "").split(separator: " ").contains { $0 == className ?? "" })
        }
    }

    /// Descendants of element `parent` named `name`.
    func descendants(of parent: Int, named name: String) -> [Int] {
        elements.indices.filter { elements[$0].ancestors.contains(parent) && elements[$0].name == name }
    }

    /// The `<g class="series">` groups by name (within panel `panel` when given).
    func series(inPanel panel: Int? = nil) -> [String: Int] {
        var out: [String: Int] = [:]
        let panelElement = panel.map { p in all("g", class: "panel").first { elements[$0].attributes["data-index"] == "\(p)" } }
        for i in all("g", class: "series") {
            if let panelElement { guard let pe = panelElement, elements[i].ancestors.contains(pe) else { continue } }
            out[elements[i].attributes["data-name"] ?? ""] = i
        }
        return out
    }

    /// The vertices of all polylines under `group`.
    func polylinePoints(in group: Int) -> [(Double, Double)] {
        descendants(of: group, named: "polyline").flatMap { i in
            (elements[i].attributes["points"] ?? "").split(separator: " ").compactMap { pair -> (Double, Double)? in
                let xy = pair.split(separator: ",").compactMap { Double($0) }
                return xy.count == 2 ? (xy[0], xy[1]) : nil
            }
        }
    }

    /// Every coordinate-like attribute of every element, as numbers (nil entries for unparsable ones).
    func coordinates() -> [(name: String, value: Double?, horizontal: Bool)] {
        var out: [(String, Double?, Bool)] = []
        for e in elements where e.name != "svg" && e.name != "stop" && e.name != "linearGradient" {
            for key in ["x", "y", "cx", "cy", "x1", "x2", "y1", "y2"] {
                guard let v = e.attributes[key] else { continue }
                out.append(("\(e.name).\(key)", Double(v), key.hasPrefix("x") || key == "cx"))
            }
            if e.name == "polyline" {
                for pair in (e.attributes["points"] ?? "").split(separator: " ") {
                    let xy = pair.split(separator: ",")
                    out.append(("polyline.x", xy.count == 2 ? Double(xy[0]) : nil, true))
                    out.append(("polyline.y", xy.count == 2 ? Double(xy[1]) : nil, false))
                }
            }
        }
        return out
    }

    /// Fails unless every coordinate is a number inside the viewBox.
    func assertCoordinatesInsideViewBox(file: StaticString = #filePath, line: UInt = #line) {
        guard let (w, h) = viewBox else { return XCTFail("no viewBox", file: file, line: line) }
        var bad = 0
        for c in coordinates() {
            guard let v = c.value, v >= 0, v <= (c.horizontal ? w : h) else {
                bad += 1
                if bad <= 5 { XCTFail("\(c.name) = \(c.value.map { "\($0)" } ?? "not a number") outside 0...\(c.horizontal ? w : h)", file: file, line: line) }
                continue
            }
        }
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var stack: [Int] = []

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.append(Element(name: name, attributes: attributes, text: "", ancestors: stack))
            stack.append(elements.count - 1)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            stack.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            for i in stack { elements[i].text += string }
        }
    }
}
