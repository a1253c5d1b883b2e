/// Draws one `Chart` into a panel of a figure.
struct ChartRenderer {
    let chart: Chart
    let frame: Frame
    let index: Int

    static let legendFont = 11.0
    static let legendRowHeight = 16.0

    /// Approximate width of `text` at `size` pixels in a sans-serif font (for layout only).
    static func textWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.58
    }

    /// Legend entries laid out in rows that fit `width`: (series index, x offset, row).
    func legendLayout(width: Double) -> [(series: Int, x: Double, row: Int)] {
        guard chart.showsLegend else { return [] }
        var placed: [(Int, Double, Int)] = []
        var x = 0.0, row = 0
        for (i, s) in chart.series.enumerated() where !s.name.isEmpty {
            let w = 30 + Self.textWidth(legendName(s), size: Self.legendFont)
            if x > 0 && x + w > width { x = 0; row += 1 }
            placed.append((i, x, row))
            x += w + 12
        }
        return placed
    }

    /// The legend text of a series: its name, and how many points could not be drawn.
    func legendName(_ s: Series) -> String {
        let dropped = s.points.count - s.points.filter { drawable($0) }.count
        return dropped == 0 ? s.name : "\(s.name) (\(dropped) not shown)"
    }

    func drawable(_ p: PlotPoint) -> Bool {
        let xOK = p.x.isFinite && (chart.xScale == .linear || p.x > 0)
        let yOK = p.y.isFinite && (chart.yScale == .linear || p.y > 0)
        return xOK && yOK
    }

    func draw(into out: inout SVGBuilder) {
        let colorBarWidth = chart.colorScale == nil ? 0.0 : 78
        let left = frame.x + (chart.yLabel.isEmpty ? 50 : 68), right = frame.right - 18 - colorBarWidth
        let legend = legendLayout(width: right - left)
        let legendRows = Double((legend.map(\.row).max() ?? -1) + 1)
        let top = frame.y + (chart.title.isEmpty ? 14 : 34) + legendRows * Self.legendRowHeight + (legendRows > 0 ? 6 : 0)
        let bottom = frame.bottom - (chart.xLabel.isEmpty ? 30 : 46)
        let plot = Frame(x: left, y: top, width: max(right - left, 10), height: max(bottom - top, 10))

        var xValues = chart.series.flatMap { $0.points.map(\.x) }
        var yValues = chart.series.flatMap { $0.points.map(\.y) }
        if let h = chart.heatMap {
            xValues += [h.x.lowerBound, h.x.upperBound]; yValues += [h.y.lowerBound, h.y.upperBound]
        }
        let xAxis = Axis(covering: xValues, including: chart.xRange, scale: chart.xScale,
                         tickCount: max(3, min(7, Int(plot.width / 70))))
        let yAxis = Axis(covering: yValues, including: chart.yRange, scale: chart.yScale,
                         tickCount: max(3, min(7, Int(plot.height / 45))))
        let px = { (v: Double) in plot.x + xAxis.fraction(v) * plot.width }
        let py = { (v: Double) in plot.bottom - yAxis.fraction(v) * plot.height }

        out.open("g", [("class", "panel"), ("data-index", "\(index)")])
        let clip = "maclaurin-clip-\(index)"
        out.raw("<defs><clipPath id=\"\(clip)\"><rect x=\"\(SVGText.coordinate(plot.x))\" y=\"\(SVGText.coordinate(plot.y))\" "
                + "width=\"\(SVGText.coordinate(plot.width))\" height=\"\(SVGText.coordinate(plot.height))\"/></clipPath></defs>\n")
        if !chart.title.isEmpty {
            out.element("text", [("class", "title"), ("x", SVGText.coordinate((plot.x + plot.right) / 2)),
                                 ("y", SVGText.coordinate(frame.y + 22)), ("text-anchor", "middle"),
                                 ("font-size", "14"), ("font-weight", "bold")], text: chart.title)
        }
        if let h = chart.heatMap { drawHeatMap(h, px: px, py: py, into: &out) }
        drawAxis(xAxis, horizontal: true, plot: plot, at: px, grid: chart.heatMap == nil, into: &out)
        drawAxis(yAxis, horizontal: false, plot: plot, at: py, grid: chart.heatMap == nil, into: &out)
        out.element("rect", [("class", "frame"), ("x", SVGText.coordinate(plot.x)), ("y", SVGText.coordinate(plot.y)),
                             ("width", SVGText.coordinate(plot.width)), ("height", SVGText.coordinate(plot.height)),
                             ("fill", "none"), ("stroke", "#444444"), ("stroke-width", "1")])
        if !chart.xLabel.isEmpty {
            out.element("text", [("class", "label x"), ("x", SVGText.coordinate((plot.x + plot.right) / 2)),
                                 ("y", SVGText.coordinate(frame.bottom - 10)), ("text-anchor", "middle")], text: chart.xLabel)
        }
        if !chart.yLabel.isEmpty {
            let cx = SVGText.coordinate(frame.x + 16), cy = SVGText.coordinate((plot.y + plot.bottom) / 2)
            out.element("text", [("class", "label y"), ("x", cx), ("y", cy), ("text-anchor", "middle"),
                                 ("transform", "rotate(-90 \(cx) \(cy))")], text: chart.yLabel)
        }
        out.open("g", [("class", "data"), ("clip-path", "url(#\(clip))")])
        for (i, s) in chart.series.enumerated() {
            drawSeries(s, color: s.color ?? seriesPalette[i % seriesPalette.count], px: px, py: py, into: &out)
        }
        out.close("g")
        if let scale = chart.colorScale {
            drawColorBar(scale, plot: plot, x: plot.right + 16, into: &out)
        }
        drawLegend(legend, origin: (plot.x, top - legendRows * Self.legendRowHeight - 4), into: &out)
        out.close("g")
    }

    func drawAxis(_ axis: Axis, horizontal: Bool, plot: Frame, at position: (Double) -> Double, grid: Bool,
                  into out: inout SVGBuilder) {
        out.open("g", [("class", horizontal ? "axis x" : "axis y"), ("data-scale", axis.scale.rawValue),
                       ("data-lower", SVGText.number(axis.lower)), ("data-upper", SVGText.number(axis.upper))])
        for tick in axis.ticks {
            let p = SVGText.coordinate(position(tick.value))
            let length = tick.isMajor ? 5.0 : 3.0
            out.open("g", [("class", tick.isMajor ? "tick" : "tick minor"), ("data-value", SVGText.number(tick.value))])
            if grid && tick.isMajor {
                let line: [(String, String)] = horizontal
                    ? [("x1", p), ("y1", SVGText.coordinate(plot.y)), ("x2", p), ("y2", SVGText.coordinate(plot.bottom))]
                    : [("x1", SVGText.coordinate(plot.x)), ("y1", p), ("x2", SVGText.coordinate(plot.right)), ("y2", p)]
                out.element("line", line + [("stroke", "#e3e3e3"), ("stroke-width", "1")])
            }
            let mark: [(String, String)] = horizontal
                ? [("x1", p), ("y1", SVGText.coordinate(plot.bottom)), ("x2", p), ("y2", SVGText.coordinate(plot.bottom + length))]
                : [("x1", SVGText.coordinate(plot.x - length)), ("y1", p), ("x2", SVGText.coordinate(plot.x)), ("y2", p)]
            out.element("line", mark + [("stroke", "#444444"), ("stroke-width", "1")])
            if tick.isMajor {
                let place: [(String, String)] = horizontal
                    ? [("x", p), ("y", SVGText.coordinate(plot.bottom + 18)), ("text-anchor", "middle")]
                    : [("x", SVGText.coordinate(plot.x - 8)), ("y", SVGText.coordinate(position(tick.value) + 4)), ("text-anchor", "end")]
                out.raw("<text" + SVGBuilder.attributes(place + [("font-size", "11"), ("fill", "#333333")]) + ">"
                        + Self.label(tick) + "</text>\n")
            }
            out.close("g")
        }
        out.close("g")
    }

    /// Tick label markup: plain text, or 10 with a superscript exponent.
    static func label(_ tick: AxisTick) -> String {
        guard let e = tick.exponent else { return SVGText.escaped(tick.label) }
        return SVGText.escaped(tick.label) + "<tspan dy=\"-5\" font-size=\"8.5\">" + SVGText.escaped(String(e).replacingMinus())
            + "</tspan>"
    }

    func drawSeries(_ s: Series, color: String, px: (Double) -> Double, py: (Double) -> Double, into out: inout SVGBuilder) {
        let kept = s.points.filter { drawable($0) }.count
        out.open("g", [("class", "series"), ("data-name", s.name), ("data-style", s.style.rawValue),
                       ("data-points", "\(kept)"), ("data-dropped", "\(s.points.count - kept)")])
        if s.style != .dots {
            var runs: [[String]] = [[]]
            for p in s.points {
                if drawable(p) { runs[runs.count - 1].append(SVGText.coordinate(px(p.x)) + "," + SVGText.coordinate(py(p.y))) }
                else if !(runs.last?.isEmpty ?? true) { runs.append([]) }
            }
            for run in runs where !run.isEmpty {
                var attributes = [("points", run.joined(separator: " ")), ("fill", "none"), ("stroke", color),
                                  ("stroke-width", "2"), ("stroke-linejoin", "round")]
                if s.isDashed { attributes.append(("stroke-dasharray", "6 4")) }
                out.element("polyline", attributes)
            }
        }
        if s.style != .line {
            for (k, p) in s.points.enumerated() where drawable(p) {
                let fill = s.colorValues.flatMap { values in chart.colorScale.map { $0.color(for: values[k]) } } ?? color
                let outline = s.colorValues == nil ? "#ffffff" : "#000000"
                out.element("circle", [("cx", SVGText.coordinate(px(p.x))), ("cy", SVGText.coordinate(py(p.y))),
                                       ("r", s.colorValues == nil ? "3" : "3.5"), ("fill", fill),
                                       ("stroke", outline), ("stroke-width", "0.8")])
            }
        }
        out.close("g")
    }

    func drawHeatMap(_ h: HeatMap, px: (Double) -> Double, py: (Double) -> Double, into out: inout SVGBuilder) {
        let scale = chart.colorScale ?? ColorScale(covering: h.values)
        out.open("g", [("class", "heatmap"), ("data-columns", "\(h.columns)"), ("data-rows", "\(h.rows)"),
                       ("shape-rendering", "crispEdges")])
        let dx = (h.x.upperBound - h.x.lowerBound) / Double(h.columns), dy = (h.y.upperBound - h.y.lowerBound) / Double(h.rows)
        for r in 0..<h.rows {
            let y0 = py(h.y.lowerBound + Double(r + 1) * dy), y1 = py(h.y.lowerBound + Double(r) * dy)
            for c in 0..<h.columns {
                let x0 = px(h.x.lowerBound + Double(c) * dx), x1 = px(h.x.lowerBound + Double(c + 1) * dx)
                // Cells overlap their right and lower neighbours by half a pixel: no seams in any renderer.
                out.raw("<rect x=\"\(SVGText.coordinate(x0))\" y=\"\(SVGText.coordinate(y0))\" width=\"\(SVGText.coordinate(x1 - x0 + 0.5))\" "
                        + "height=\"\(SVGText.coordinate(y1 - y0 + 0.5))\" fill=\"\(scale.color(for: h.values[r * h.columns + c]))\"/>\n")
            }
        }
        out.close("g")
    }

    func drawColorBar(_ scale: ColorScale, plot: Frame, x: Double, into out: inout SVGBuilder) {
        let id = "maclaurin-colors-\(index)", barWidth = 14.0
        out.open("g", [("class", "colorbar"), ("data-lower", SVGText.number(scale.range.lowerBound)),
                       ("data-upper", SVGText.number(scale.range.upperBound))])
        var stops = ""
        for k in 0...16 {
            let t = Double(k) / 16
            stops += "<stop offset=\"\(SVGText.fixed(t, decimals: 4))\" stop-color=\"\(ColorScale.color(atFraction: t))\"/>"
        }
        out.raw("<defs><linearGradient id=\"\(id)\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\(stops)</linearGradient></defs>\n")
        out.element("rect", [("x", SVGText.coordinate(x)), ("y", SVGText.coordinate(plot.y)), ("width", SVGText.coordinate(barWidth)),
                             ("height", SVGText.coordinate(plot.height)), ("fill", "url(#\(id))"), ("stroke", "#444444"),
                             ("stroke-width", "1")])
        let axis = Axis(covering: [scale.range.lowerBound, scale.range.upperBound], tickCount: max(3, min(7, Int(plot.height / 45))))
        let span = scale.range.upperBound - scale.range.lowerBound
        for tick in axis.ticks where tick.value >= scale.range.lowerBound - 1e-9 * span && tick.value <= scale.range.upperBound + 1e-9 * span {
            let y = plot.bottom - (tick.value - scale.range.lowerBound) / span * plot.height
            out.open("g", [("class", "tick"), ("data-value", SVGText.number(tick.value))])
            out.element("line", [("x1", SVGText.coordinate(x + barWidth)), ("y1", SVGText.coordinate(y)),
                                 ("x2", SVGText.coordinate(x + barWidth + 4)), ("y2", SVGText.coordinate(y)),
                                 ("stroke", "#444444"), ("stroke-width", "1")])
            out.element("text", [("x", SVGText.coordinate(x + barWidth + 6)), ("y", SVGText.coordinate(y + 4)),
                                 ("font-size", "11"), ("fill", "#333333")], text: tick.label)
            out.close("g")
        }
        if !scale.label.isEmpty {
            let cx = SVGText.coordinate(frame.right - 10), cy = SVGText.coordinate((plot.y + plot.bottom) / 2)
            out.element("text", [("class", "label colorbar"), ("x", cx), ("y", cy), ("text-anchor", "middle"),
                                 ("transform", "rotate(-90 \(cx) \(cy))")], text: scale.label)
        }
        out.close("g")
    }

    func drawLegend(_ entries: [(series: Int, x: Double, row: Int)], origin: (Double, Double), into out: inout SVGBuilder) {
        guard !entries.isEmpty else { return }
        out.open("g", [("class", "legend")])
        for e in entries {
            let s = chart.series[e.series]
            let color = s.color ?? seriesPalette[e.series % seriesPalette.count]
            let x = origin.0 + e.x, y = origin.1 + Double(e.row) * Self.legendRowHeight + 8
            out.open("g", [("class", "legend-entry"), ("data-name", s.name)])
            if s.style != .dots {
                var line = [("x1", SVGText.coordinate(x)), ("y1", SVGText.coordinate(y)), ("x2", SVGText.coordinate(x + 22)),
                            ("y2", SVGText.coordinate(y)), ("stroke", color), ("stroke-width", "2")]
                if s.isDashed { line.append(("stroke-dasharray", "6 4")) }
                out.element("line", line)
            }
            if s.style != .line {
                let fill = s.colorValues == nil ? color : ColorScale.color(atFraction: 0.6)
                out.element("circle", [("cx", SVGText.coordinate(x + 11)), ("cy", SVGText.coordinate(y)), ("r", "3.5"),
                                       ("fill", fill), ("stroke", s.colorValues == nil ? "#ffffff" : "#000000"),
                                       ("stroke-width", "0.8")])
            }
            out.element("text", [("x", SVGText.coordinate(x + 28)), ("y", SVGText.coordinate(y + 4)),
                                 ("font-size", SVGText.coordinate(Self.legendFont))], text: legendName(s))
            out.close("g")
        }
        out.close("g")
    }
}

extension String {
    /// The exponent with a true minus sign (U+2212), as typeset.
    func replacingMinus() -> String { String(map { $0 == "-" ? "\u{2212}" : $0 }) }
}
