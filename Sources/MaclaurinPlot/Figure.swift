/// Several charts in a grid of equal panels, written as one SVG document.
///
/// The document is deterministic (the same figure always gives the same bytes), self-contained
/// (no scripts, fonts or external references) and well-formed XML: all text is escaped.
/// Each panel is `<g class="panel" data-index="i">`; see `Series` and `HeatMap` for their markup,
/// axes carry `<g class="axis x|y" data-scale="linear|logarithmic">` with one
/// `<g class="tick" data-value="v">` per tick.
public struct Figure: Sendable, Equatable {
    /// A title over the whole figure (none when empty).
    public var title: String
    /// The charts, filling the grid row by row.
    public var panels: [Chart]
    /// Panels per row.
    public var columns: Int
    /// Width of one panel, in pixels.
    public var panelWidth: Double
    /// Height of one panel, in pixels.
    public var panelHeight: Double

    /// A figure.
    /// - Parameters:
    ///   - columns: panels per row (at least 1).
    ///   - panelWidth, panelHeight: the size of each panel in pixels (at least 160 x 120).
    public init(title: String = "", panels: [Chart], columns: Int = 2, panelWidth: Double = 480, panelHeight: Double = 360) {
        precondition(columns >= 1, "a figure needs at least one column")
        precondition(panelWidth >= 160 && panelHeight >= 120, "panels must be at least 160 x 120 pixels")
        self.title = title; self.panels = panels; self.columns = columns
        self.panelWidth = panelWidth; self.panelHeight = panelHeight
    }

    /// Rows of panels.
    public var rows: Int { max(1, (panels.count + columns - 1) / columns) }

    /// The height of the figure title band.
    var titleHeight: Double { title.isEmpty ? 0 : 34 }

    /// The document width in pixels.
    public var width: Double { panelWidth * Double(min(max(panels.count, 1), columns)) }
    /// The document height in pixels.
    public var height: Double { titleHeight + panelHeight * Double(rows) }

    /// The SVG document.
    public func svg() -> String {
        var out = SVGBuilder()
        out.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        out.open("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("width", SVGText.coordinate(width)),
                         ("height", SVGText.coordinate(height)),
                         ("viewBox", "0 0 \(SVGText.coordinate(width)) \(SVGText.coordinate(height))"),
                         ("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif"), ("font-size", "12")])
        out.element("rect", [("class", "background"), ("x", "0"), ("y", "0"), ("width", SVGText.coordinate(width)),
                             ("height", SVGText.coordinate(height)), ("fill", "#ffffff")])
        if !title.isEmpty {
            out.element("text", [("class", "figure-title"), ("x", SVGText.coordinate(width / 2)), ("y", "23"),
                                 ("text-anchor", "middle"), ("font-size", "17"), ("font-weight", "bold")], text: title)
        }
        for (i, chart) in panels.enumerated() {
            let frame = Frame(x: Double(i % columns) * panelWidth, y: titleHeight + Double(i / columns) * panelHeight,
                              width: panelWidth, height: panelHeight)
            ChartRenderer(chart: chart, frame: frame, index: i).draw(into: &out)
        }
        out.close("svg")
        return out.text
    }
}

/// A rectangle in SVG pixels (y grows downwards).
struct Frame {
    var x: Double
    var y: Double
    var width: Double
    var height: Double
    var right: Double { x + width }
    var bottom: Double { y + height }
}
