/// A continuous colour scale (viridis: dark violet at the bottom, yellow at the top).
public struct ColorScale: Sendable, Equatable {
    /// The value drawn with the first colour; values outside the range take the end colours.
    public var range: ClosedRange<Double>
    /// The label beside the colour bar.
    public var label: String

    /// A colour scale over `range` (widened to a small interval when it is a single value).
    public init(range: ClosedRange<Double>, label: String = "") {
        var r = range
        if r.upperBound - r.lowerBound <= 1e-12 * max(1, abs(r.lowerBound)) {
            let pad = max(1e-6, abs(r.lowerBound) * 0.05)
            r = (r.lowerBound - pad)...(r.upperBound + pad)
        }
        self.range = r; self.label = label
    }

    /// A colour scale covering the finite values given (0...1 when there are none).
    public init(covering values: [Double], label: String = "") {
        let finite = values.filter(\.isFinite)
        self.init(range: (finite.min() ?? 0)...(finite.max() ?? 1), label: label)
    }

    /// Viridis anchor colours (at 0, 1/8, ..., 1).
    static let anchors: [(Double, Double, Double)] = [
        (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
        (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
    ]

    /// The colour of `value` as `#rrggbb`; non-finite values are grey.
    public func color(for value: Double) -> String {
        guard value.isFinite else { return "#999999" }
        let t = min(1, max(0, (value - range.lowerBound) / (range.upperBound - range.lowerBound)))
        return Self.color(atFraction: t)
    }

    /// The colour at `t` in 0...1 along the scale.
    static func color(atFraction t: Double) -> String {
        let position = t * Double(anchors.count - 1)
        let i = min(anchors.count - 2, Int(position))
        let f = position - Double(i)
        let a = anchors[i], b = anchors[i + 1]
        return hex(a.0 + (b.0 - a.0) * f, a.1 + (b.1 - a.1) * f, a.2 + (b.2 - a.2) * f)
    }
}

/// The categorical palette for series without a colour (ten well-separated colours).
public let seriesPalette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

/// `#rrggbb` from components in 0...255.
func hex(_ r: Double, _ g: Double, _ b: Double) -> String {
    let digits = Array("0123456789abcdef")
    var s = "#"
    for c in [r, g, b] {
        let v = Int(min(255, max(0, c.rounded())))
        s.append(digits[v / 16]); s.append(digits[v % 16])
    }
    return s
}
