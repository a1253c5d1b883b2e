import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// `maclaurin plot history` and `maclaurin plot fit`, run as a user would, on the output of `fit`.
final class PlotCLITests: ScratchFolderTestCase {
    private func write(_ text: String, to name: String) throws -> String {
        let p = try path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: p))
        return p
    }

    /// Samples of sin(x): values at 16 points, derivatives at 8.
    private func sineData() throws -> String {
        var csv = "x1,kind,value\n"
        for k in 0..<16 { let x = -2 + 4 * Double(k) / 15; csv += "\(x),y,\(sin(x))\n" }
        for k in 0..<8 { let x = -1.8 + 3.6 * Double(k) / 7; csv += "\(x),dy/dx1,\(cos(x))\n" }
        return try write(csv, to: "sine.csv")
    }

    /// Fit with --json, keep the lines, plot them and the model: the series are the run's.
    func testPlotsAnAdamFitAndItsModel() throws {
        let data = try sineData(), model = try path("model.json")
        let fit = try CLI.run(["fit", data, "--layers", "1,8,1", "--optimizer", "adam", "--iterations", "60",
                               "--seed", "1", "--json", "--out", model])
        XCTAssertEqual(fit.status, 0, fit.error)
        let run = try write(fit.output, to: "run.jsonl")
        let steps = fit.output.split(separator: "\n").filter { $0.contains("\"step\"") }.count
        XCTAssertGreaterThan(steps, 5)

        let svg = try path("loss.svg")
        let history = try CLI.run(["plot", "history", run, "--out", svg, "--log-y"])
        XCTAssertEqual(history.status, 0, history.error)
        let loss = try SVGSummary(contentsOf: svg)
        XCTAssertEqual(loss.seriesPoints.keys.sorted(), ["loss", "mse dy/dx1", "mse y"])
        XCTAssertEqual(loss.seriesPoints["loss"], steps)
        XCTAssertEqual(loss.axisScales["axis y"], "logarithmic")
        XCTAssertTrue(loss.coordinatesInside, "coordinates inside the viewBox")

        let fitSVG = try path("fit.svg")
        let plot = try CLI.run(["plot", "fit", model, data, "--out", fitSVG, "--resolution", "50"])
        XCTAssertEqual(plot.status, 0, plot.error)
        let figure = try SVGSummary(contentsOf: fitSVG)
        XCTAssertEqual(figure.panels, 2)
        XCTAssertEqual(figure.seriesCount["network"], 2)
        XCTAssertEqual(figure.seriesCount["samples"], 2)
        XCTAssertEqual(figure.totalPoints["network"], 100)
        XCTAssertEqual(figure.totalPoints["samples"], 24)
        XCTAssertTrue(figure.coordinatesInside)
    }

    /// A particle swarm's progress lines are its best cost per iteration.
    func testPlotsASwarmHistory() throws {
        let data = try sineData()
        let fit = try CLI.run(["fit", data, "--layers", "1,4,1", "--optimizer", "pso", "--iterations", "40",
                               "--particles", "8", "--json"])
        XCTAssertEqual(fit.status, 0, fit.error)
        let run = try write(fit.output, to: "pso.jsonl"), svg = try path("pso.svg")
        let plot = try CLI.run(["plot", "history", run, "--out", svg, "--log-y", "--title", "PSO <sine>"])
        XCTAssertEqual(plot.status, 0, plot.error)
        let summary = try SVGSummary(contentsOf: svg)
        XCTAssertEqual(Array(summary.seriesPoints.keys), ["swarm best cost"])
        XCTAssertEqual(summary.seriesPoints["swarm best cost"], 20)
        XCTAssertTrue(summary.texts.contains("PSO <sine>"))
    }

    /// Two inputs: a heat map and a parity plot per kind.
    func testPlotsAModelOfTwoInputs() throws {
        let model = try write("""
            {"input": 2, "layers": [{"type": "dense", "units": 3, "activation": "tanh", "kernel": [[1, 0, 0.5], [0, 1, -0.5]],
              "bias": [0, 0.1, 0]}, {"type": "dense", "units": 1, "kernel": [[1], [1], [1]], "bias": [0]}]}
            """, to: "two.json")
        var csv = "x1,x2,kind,value\n"
        for k in 0..<9 { csv += "\(Double(k % 3) - 1),\(Double(k / 3) - 1),y,\(Double(k) / 9)\n" }
        for k in 0..<5 { csv += "\(0.4 * Double(k) - 1),0.3,dy/dx2,0.5\n" }
        let data = try write(csv, to: "two.csv"), svg = try path("two.svg")
        let plot = try CLI.run(["plot", "fit", model, data, "--out", svg, "--resolution", "12"])
        XCTAssertEqual(plot.status, 0, plot.error)
        let summary = try SVGSummary(contentsOf: svg)
        XCTAssertEqual(summary.panels, 4)
        XCTAssertEqual(summary.heatMapCells, [144, 144])
        XCTAssertEqual(summary.totalPoints["samples"], 2 * 14)
        XCTAssertTrue(summary.coordinatesInside)
    }

    /// Bad input gives a message naming the file (and line), a non-zero status, and no file.
    func testPlotErrorsNameTheFile() throws {
        let out = try path("never.svg")
        let missing = try CLI.run(["plot", "history", try path("missing.jsonl"), "--out", out])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.error.contains("missing.jsonl: cannot read the file"), missing.error)

        let bad = try write("{\"step\":1,\"of\":2,\"loss\":0.5}\nloss 0.25\n", to: "bad.jsonl")
        let malformed = try CLI.run(["plot", "history", bad, "--out", out])
        XCTAssertNotEqual(malformed.status, 0)
        XCTAssertTrue(malformed.error.contains("bad.jsonl:2: not a JSON object"), malformed.error)

        let three = try write("x1,x2,x3,kind,value\n0,0,0,y,1\n", to: "three.csv")
        let model3 = try write("{\"input\": 3, \"layers\": [{\"type\": \"dense\", \"units\": 1}]}", to: "three.json")
        let tooMany = try CLI.run(["plot", "fit", model3, three, "--out", out])
        XCTAssertNotEqual(tooMany.status, 0)
        XCTAssertTrue(tooMany.error.contains("three.json") && tooMany.error.contains("3 inputs"), tooMany.error)

        let csvError = try write("x1,kind,value\n0,y,oops\n", to: "broken.csv")
        let badCSV = try CLI.run(["plot", "fit", model3, csvError, "--out", out])
        XCTAssertNotEqual(badCSV.status, 0)
        XCTAssertTrue(badCSV.error.contains("broken.csv:2:3"), badCSV.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        let help = try CLI.run(["plot", "--help"])
        XCTAssertEqual(help.status, 0)
        for word in ["history", "fit"] { XCTAssertTrue(help.output.contains(word), "plot --help lacks \(word)") }
    }
}

/// What a test needs to know about an SVG file: it parses as XML, and its series, panels and cells.
private struct SVGSummary {
    var seriesPoints: [String: Int] = [:]     // data-points of the last series of each name
    var seriesCount: [String: Int] = [:]
    var totalPoints: [String: Int] = [:]      // summed over panels
    var axisScales: [String: String] = [:]
    var panels = 0
    var heatMapCells: [Int] = []
    var texts: [String] = []
    var coordinatesInside = true

    init(contentsOf path: String) throws {
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: path)))
        let collector = Collector()
        parser.delegate = collector
        guard parser.parse() else {
            throw NSError(domain: "SVGSummary", code: 1,
                          userInfo: [NSLocalizedDescriptionKey: "\(path) is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")"])
        }
        self = collector.summary
    }

    private final class Collector: NSObject, XMLParserDelegate {
        var summary = SVGSummary(empty: ())
        var box = (0.0, 0.0)
        var inHeatMap = false
        var text = ""

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            let cls = attributes["class"] ?? ""
            if name == "svg", let v = attributes["viewBox"]?.split(separator: " ").compactMap({ Double($0) }), v.count == 4 {
                box = (v[2], v[3])
            }
            if name == "g" && cls == "panel" { summary.panels += 1 }
            if name == "g" && cls == "series", let n = attributes["data-name"] {
                let points = Int(attributes["data-points"] ?? "") ?? -1
                summary.seriesPoints[n] = points
                summary.seriesCount[n, default: 0] += 1
                summary.totalPoints[n, default: 0] += points
            }
            if name == "g" && cls.hasPrefix("axis") { summary.axisScales[cls] = attributes["data-scale"] }
            if name == "g" && cls == "heatmap" { summary.heatMapCells.append(0); inHeatMap = true }
            if name == "rect" && inHeatMap { summary.heatMapCells[summary.heatMapCells.count - 1] += 1 }
            for (key, horizontal) in [("x", true), ("cx", true), ("x1", true), ("x2", true),
                                      ("y", false), ("cy", false), ("y1", false), ("y2", false)] where name != "svg" {
                guard let raw = attributes[key] else { continue }
                guard let v = Double(raw), v >= 0, v <= (horizontal ? box.0 : box.1) else { summary.coordinatesInside = false; continue }
            }
            text = ""
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "g" && inHeatMap { inHeatMap = false }
            if name == "text" { summary.texts.append(text) }
        }
    }

    private init(empty: Void) {}
}
