import Foundation
import MaclaurinPlot
import XCTest

final class ChartTests: XCTestCase {
    /// Linear ticks: steps of 1, 2 or 5 x 10^k, covering the data, a handful of them, evenly spaced.
    func testLinearTicksAreNiceAndCoverTheData() {
        let cases: [[Double]] = [[0.13, 0.87], [-3.7, 12.2], [0, 1], [5, 5], [-0.002, -0.0011], [1e-9, 3e-9],
                                 [2.5e6, 9.1e7], [-1, 1], [0.999, 1.001], [0, 0], [17, 18.5]]
        for values in cases {
            let axis = Axis(covering: values, tickCount: 6)
            XCTAssertLessThanOrEqual(axis.lower, values.min() ?? 0, "\(values)")
            XCTAssertGreaterThanOrEqual(axis.upper, values.max() ?? 0, "\(values)")
            XCTAssertLessThan(axis.lower, axis.upper, "\(values)")
            XCTAssertTrue((3...11).contains(axis.ticks.count), "\(values): \(axis.ticks.count) ticks")
            let step = axis.ticks[1].value - axis.ticks[0].value
            let magnitude = pow(10, (log10(step)).rounded(.down))
            let mantissa = step / magnitude
            XCTAssertTrue([1, 2, 5, 10].contains { abs(mantissa - $0) < 1e-6 }, "\(values): step \(step)")
            for (a, b) in zip(axis.ticks, axis.ticks.dropFirst()) {
                XCTAssertEqual(b.value - a.value, step, accuracy: step * 1e-6, "\(values): uneven ticks")
            }
            XCTAssertEqual(axis.ticks.first?.value ?? .nan, axis.lower, accuracy: step * 1e-9)
            XCTAssertEqual(axis.ticks.last?.value ?? .nan, axis.upper, accuracy: step * 1e-9)
            // Labels parse back to the tick values (plain decimals or mantissa e exponent).
            for tick in axis.ticks {
                let parsed = Double(tick.label)
                XCTAssertNotNil(parsed, "\(values): label '\(tick.label)'")
                XCTAssertEqual(parsed ?? .nan, tick.value, accuracy: step * 1e-6, "\(values): label '\(tick.label)'")
            }
        }
    }

    /// Logarithmic ticks: labelled ticks exactly at the powers of ten spanning the positive data.
    func testLogarithmicTicksArePowersOfTen() {
        let axis = Axis(covering: [3.2e-5, 0.02, 7.5, -1, 0, .nan], scale: .logarithmic)
        XCTAssertEqual(axis.lower, 1e-5)
        XCTAssertEqual(axis.upper, 10)
        let major = axis.ticks.filter(\.isMajor)
        XCTAssertEqual(major.map(\.value), [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10])
        XCTAssertEqual(major.map(\.exponent), [-5, -4, -3, -2, -1, 0, 1])
        for tick in axis.ticks where !tick.isMajor {
            let decade = pow(10, log10(tick.value).rounded(.down))
            let m = tick.value / decade
            XCTAssertTrue((2...9).contains { abs(m - Double($0)) < 1e-9 }, "minor tick \(tick.value)")
        }
        XCTAssertEqual(axis.fraction(1e-5), 0, accuracy: 1e-12)
        XCTAssertEqual(axis.fraction(1e-2), 0.5, accuracy: 1e-12)
        XCTAssertFalse(axis.canShow(0))
        XCTAssertFalse(axis.canShow(-3))
        // Within one decade: the enclosing powers of ten and 2 and 5 between them, as plain numbers.
        let narrow = Axis(covering: [0.2, 0.5], scale: .logarithmic)
        XCTAssertEqual(narrow.ticks.filter(\.isMajor).map(\.label), ["0.1", "0.2", "0.5", "1"])
        XCTAssertEqual(narrow.ticks.filter(\.isMajor).map(\.value), [0.1, 0.2, 0.5, 1])
        // Many decades: still a readable number of labels.
        let wide = Axis(covering: [1e-30, 1e10], scale: .logarithmic)
        XCTAssertLessThanOrEqual(wide.ticks.filter { $0.isMajor }.count, 9)
    }

    /// A log-scale chart of data with zeros, negatives and NaNs is still well-formed: those points
    /// are left out, the line breaks there, the legend says how many, every coordinate is inside.
    func testLogScaleDropsPointsItCannotDraw() throws {
        let values = [1.0, 0.5, 0.0, 0.1, -2, .nan, 0.01, .infinity, 1e-3]
        let chart = Chart(title: "t", xLabel: "step", yLabel: "loss",
                          series: [Series(name: "loss", x: values.indices.map(Double.init), y: values)], yScale: .logarithmic)
        let doc = try SVGDocument(chart.svg())
        let series = try XCTUnwrap(doc.series()["loss"])
        XCTAssertEqual(doc.elements[series].attributes["data-points"], "5")
        XCTAssertEqual(doc.elements[series].attributes["data-dropped"], "4")
        XCTAssertEqual(doc.descendants(of: series, named: "polyline").count, 4, "runs [1, .5], [.1], [.01], [1e-3]")
        XCTAssertEqual(doc.polylinePoints(in: series).count, 5)
        let legend = doc.all("g", class: "legend-entry").map { doc.elements[$0].text.trimmingCharacters(in: .whitespacesAndNewlines) }
        XCTAssertEqual(legend, ["loss (4 not shown)"])
        let yAxis = try XCTUnwrap(doc.all("g", class: "axis").first { doc.elements[$0].attributes["class"] == "axis y" })
        XCTAssertEqual(doc.elements[yAxis].attributes["data-scale"], "logarithmic")
        let labelled = doc.descendants(of: yAxis, named: "g").filter { doc.elements[$0].attributes["class"] == "tick" }
        XCTAssertEqual(labelled.compactMap { Double(doc.elements[$0].attributes["data-value"] ?? "") }, [1e-3, 1e-2, 0.1, 1])
        doc.assertCoordinatesInsideViewBox()
        // Higher values sit higher on the page (smaller y) and decades are evenly spaced.
        let ys = labelled.compactMap { i in doc.descendants(of: i, named: "line").last.flatMap { Double(doc.elements[$0].attributes["y1"] ?? "") } }
        XCTAssertEqual(ys.count, 4)
        for (a, b) in zip(ys, ys.dropFirst()) { XCTAssertLessThan(b, a) }
        XCTAssertEqual(ys[0] - ys[1], ys[2] - ys[3], accuracy: 0.02)
    }

    /// Titles, labels and series names with XML's special characters come back unchanged.
    func testTextIsEscaped() throws {
        let nasty = "a < b & c > d \"quoted\" 'single' ]]> <!-- x -->"
        let chart = Chart(title: nasty, xLabel: "x & y", yLabel: "<y>",
                          series: [Series(name: nasty, x: [0, 1], y: [1, 2]), Series(name: "bell\u{7}", x: [0], y: [0])])
        let svg = chart.svg()
        let doc = try SVGDocument(svg)
        XCTAssertEqual(doc.all("text", class: "title").map { doc.elements[$0].text }, [nasty])
        XCTAssertEqual(doc.all("text", class: "label").map { doc.elements[$0].text }.sorted(), ["<y>", "x & y"])
        XCTAssertEqual(Set(doc.series().keys), [nasty, "bell"], "control characters are dropped")
        XCTAssertEqual(SVGText.escaped("<&>\"'"), "&lt;&amp;&gt;&quot;&apos;")
    }

    /// Empty charts and charts without a single finite value still make valid documents.
    func testDegenerateChartsAreWellFormed() throws {
        let charts = [
            Chart(),
            Chart(series: [Series(name: "nothing", points: [])]),
            Chart(series: [Series(name: "all nan", x: [1, 2], y: [.nan, .nan])], yScale: .logarithmic),
            Chart(series: [Series(name: "negative", x: [1, 2], y: [-1, -2], style: .dots)], xScale: .logarithmic, yScale: .logarithmic),
            Chart(series: [Series(name: "constant", x: [3, 3, 3], y: [7, 7, 7], style: .lineAndDots)]),
        ]
        for chart in charts {
            let svg = chart.svg(width: 300, height: 200)
            let doc = try SVGDocument(svg)
            doc.assertCoordinatesInsideViewBox()
        }
    }

    /// A grid of panels: every panel is present, inside its own cell, with its own series.
    func testFigureLaysOutPanelsInAGrid() throws {
        let panels = (0..<5).map { k in
            Chart(title: "panel \(k)", series: [Series(name: "s\(k)", x: [0, 1, 2], y: [0, Double(k), 1], style: .lineAndDots)])
        }
        let figure = Figure(title: "five", panels: panels, columns: 2, panelWidth: 300, panelHeight: 200)
        XCTAssertEqual(figure.rows, 3)
        let doc = try SVGDocument(figure.svg())
        XCTAssertEqual(doc.viewBox?.0, 600)
        XCTAssertEqual(doc.viewBox?.1, 34 + 600)
        for k in 0..<5 {
            let series = doc.series(inPanel: k)
            XCTAssertEqual(Array(series.keys), ["s\(k)"])
            let group = try XCTUnwrap(series["s\(k)"])
            XCTAssertEqual(doc.descendants(of: group, named: "circle").count, 3)
            for (x, y) in doc.polylinePoints(in: group) {
                XCTAssertTrue((Double(k % 2) * 300...Double(k % 2 + 1) * 300).contains(x), "panel \(k): x \(x)")
                XCTAssertTrue((34 + Double(k / 2) * 200...34 + Double(k / 2 + 1) * 200).contains(y), "panel \(k): y \(y)")
            }
        }
        doc.assertCoordinatesInsideViewBox()
        XCTAssertEqual(figure.svg(), figure.svg(), "deterministic")
    }

    /// Numbers are written without locale or exponent surprises.
    func testNumberFormatting() {
        XCTAssertEqual(SVGText.coordinate(12.345), "12.35")
        XCTAssertEqual(SVGText.coordinate(-0.001), "0")
        XCTAssertEqual(SVGText.coordinate(-3), "-3")
        XCTAssertEqual(SVGText.coordinate(100.10), "100.1")
        XCTAssertEqual(SVGText.fixed(0.07, decimals: 2), "0.07")
        XCTAssertEqual(SVGText.fixed(2.5e-5, decimals: 6), "0.000025")
        XCTAssertEqual(SVGText.number(.nan), "nan")
    }
}
