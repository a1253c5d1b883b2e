/// A point of a series, in data units.
public struct PlotPoint: Sendable, Equatable {
    /// The horizontal value.
    public var x: Double
    /// The vertical value.
    public var y: Double

    /// The point (x, y).
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// A named set of points drawn as a line, as dots, or both.
///
/// In the SVG a series is `<g class="series" data-name="NAME" data-points="N" data-dropped="K">`
/// holding its `<polyline>`s (a line breaks where a point cannot be drawn) and `<circle>`s.
public struct Series: Sendable, Equatable {
    /// How the points are drawn.
    public enum Style: String, Sendable, Equatable {
        /// Joined by straight segments.
        case line
        /// A dot at each point.
        case dots
        /// Segments and a dot at each point.
        case lineAndDots
    }

    /// The name shown in the legend.
    public var name: String
    /// The points, in drawing order.
    public var points: [PlotPoint]
    /// How the points are drawn.
    public var style: Style
    /// A CSS colour (`#1f77b4`); nil takes the next colour of the palette.
    public var color: String?
    /// Dashed segments (e.g. a reference line).
    public var isDashed: Bool
    /// One value per point coloured through the chart's `colorScale` (dots only); nil uses `color`.
    public var colorValues: [Double]?

    /// A series.
    /// - Parameters:
    ///   - colorValues: when given (one per point), each dot is filled with the chart's colour scale at that value.
    public init(name: String, points: [PlotPoint], style: Style = .line, color: String? = nil, isDashed: Bool = false,
                colorValues: [Double]? = nil) {
        precondition(colorValues.map { $0.count == points.count } ?? true,
                     "series '\(name)': \(colorValues?.count ?? 0) colour values for \(points.count) points")
        self.name = name; self.points = points; self.style = style; self.color = color
        self.isDashed = isDashed; self.colorValues = colorValues
    }

    /// A series from parallel arrays of x and y values (same length).
    public init(name: String, x: [Double], y: [Double], style: Style = .line, color: String? = nil, isDashed: Bool = false) {
        precondition(x.count == y.count, "series '\(name)': \(x.count) x values for \(y.count) y values")
        self.init(name: name, points: zip(x, y).map { PlotPoint(x: $0, y: $1) }, style: style, color: color, isDashed: isDashed)
    }
}

/// A field sampled on a regular grid over a box, drawn as coloured cells under the series.
///
/// In the SVG: `<g class="heatmap" data-columns="C" data-rows="R">` with one `<rect>` per cell.
public struct HeatMap: Sendable, Equatable {
    /// The horizontal extent of the box.
    public var x: ClosedRange<Double>
    /// The vertical extent of the box.
    public var y: ClosedRange<Double>
    /// Cells across.
    public var columns: Int
    /// Cells up.
    public var rows: Int
    /// `rows * columns` values, row-major, row 0 at the bottom (smallest y); cell (r, c) is centred at
    /// x = x.lower + (c + 0.5) * width / columns, y = y.lower + (r + 0.5) * height / rows.
    public var values: [Double]

    /// A heat map; `values.count` must be `rows * columns`.
    public init(x: ClosedRange<Double>, y: ClosedRange<Double>, columns: Int, rows: Int, values: [Double]) {
        precondition(columns >= 1 && rows >= 1 && values.count == rows * columns,
                     "heat map: \(values.count) values for \(rows) x \(columns) cells")
        self.x = x; self.y = y; self.columns = columns; self.rows = rows; self.values = values
    }

    /// The centre of cell (row, column).
    public func center(row: Int, column: Int) -> PlotPoint {
        PlotPoint(x: x.lowerBound + (Double(column) + 0.5) * (x.upperBound - x.lowerBound) / Double(columns),
                  y: y.lowerBound + (Double(row) + 0.5) * (y.upperBound - y.lowerBound) / Double(rows))
    }
}

/// One chart: axes, series, optional heat map and colour bar, legend, title and axis labels.
public struct Chart: Sendable, Equatable {
    /// The title above the chart.
    public var title: String
    /// The label under the horizontal axis.
    public var xLabel: String
    /// The label beside the vertical axis.
    public var yLabel: String
    /// The series, drawn in order (later on top); the legend lists them in this order.
    public var series: [Series]
    /// The horizontal scale.
    public var xScale: AxisScale
    /// The vertical scale.
    public var yScale: AxisScale
    /// A horizontal range the axis must include (the data is always included).
    public var xRange: ClosedRange<Double>?
    /// A vertical range the axis must include (the data is always included).
    public var yRange: ClosedRange<Double>?
    /// A field drawn under the series.
    public var heatMap: HeatMap?
    /// The colour scale of the heat map and of series with `colorValues`; drawn as a colour bar.
    public var colorScale: ColorScale?
    /// Whether the legend is drawn (it is never drawn for a chart without named series).
    public var showsLegend: Bool

    /// A chart.
    public init(title: String = "", xLabel: String = "", yLabel: String = "", series: [Series] = [],
                xScale: AxisScale = .linear, yScale: AxisScale = .linear,
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                heatMap: HeatMap? = nil, colorScale: ColorScale? = nil, showsLegend: Bool = true) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.xScale = xScale; self.yScale = yScale; self.xRange = xRange; self.yRange = yRange
        self.heatMap = heatMap; self.colorScale = colorScale; self.showsLegend = showsLegend
    }

    /// The chart alone as an SVG document of `width` x `height` pixels.
    public func svg(width: Double = 640, height: Double = 420) -> String {
        Figure(panels: [self], columns: 1, panelWidth: width, panelHeight: height).svg()
    }
}
