import Foundation
import MaclaurinData
import MaclaurinNN
import MaclaurinPlot
import XCTest

final class PlotKindTests: XCTestCase {
    /// Training and validation loss per epoch: two series with one vertex and one dot per epoch.
    func testLossCurves() throws {
        let training = (1...30).map { 2.0 * exp(-0.15 * Double($0)) }
        let validation = (1...30).map { 2.2 * exp(-0.12 * Double($0)) + 0.01 }
        for logScale in [false, true] {
            let chart = Plots.lossCurves(training: training, validation: validation, logScale: logScale)
            let doc = try SVGDocument(chart.svg())
            let series = doc.series()
            XCTAssertEqual(Set(series.keys), ["training loss", "validation loss"])
            for (name, values) in [("training loss", training), ("validation loss", validation)] {
                let group = try XCTUnwrap(series[name])
                XCTAssertEqual(doc.elements[group].attributes["data-points"], "30")
                XCTAssertEqual(doc.polylinePoints(in: group).count, 30)
                XCTAssertEqual(doc.descendants(of: group, named: "circle").count, 30)
                // The vertical order of the vertices follows the values (higher loss, smaller y).
                let ys = doc.polylinePoints(in: group).map(\.1)
                for a in 0..<29 { XCTAssertEqual(values[a] > values[a + 1], ys[a] < ys[a + 1], "\(name) \(a)") }
            }
            XCTAssertEqual(doc.all("g", class: "legend-entry").count, 2)
            let yAxis = try XCTUnwrap(doc.all("g").first { doc.elements[$0].attributes["class"] == "axis y" })
            XCTAssertEqual(doc.elements[yAxis].attributes["data-scale"], logScale ? "logarithmic" : "linear")
            doc.assertCoordinatesInsideViewBox()
        }
    }

    /// A swarm's cost history: best cost (non-increasing) and mean cost, on a log axis by default.
    func testSwarmHistory() throws {
        var best: [Double] = [], mean: [Double] = []
        var b = 10.0
        for i in 0..<120 {
            b = min(b, 10 * exp(-0.05 * Double(i)) * (1 + 0.3 * sin(Double(i))))
            best.append(b); mean.append(b * 3)
        }
        let chart = Plots.swarmHistory(best: best, mean: mean)
        XCTAssertEqual(chart.yScale, .logarithmic)
        let doc = try SVGDocument(chart.svg())
        let series = doc.series()
        XCTAssertEqual(Set(series.keys), ["best cost", "mean cost"])
        let group = try XCTUnwrap(series["best cost"])
        XCTAssertEqual(doc.polylinePoints(in: group).count, 120)
        XCTAssertEqual(doc.descendants(of: group, named: "circle").count, 0, "long histories are plain lines")
        let ys = doc.polylinePoints(in: group).map(\.1)
        for (a, c) in zip(ys, ys.dropFirst()) { XCTAssertGreaterThanOrEqual(c, a - 0.011, "the best cost never rises") }
        let ticks = doc.all("g").filter { doc.elements[$0].attributes["class"] == "tick" && doc.elements[doc.elements[$0].ancestors.last ?? 0].attributes["class"] == "axis y" }
            .compactMap { Double(doc.elements[$0].attributes["data-value"] ?? "") }
        XCTAssertGreaterThanOrEqual(ticks.count, 2)
        for t in ticks {
            let e = log10(t)
            XCTAssertEqual(e, e.rounded(), accuracy: 1e-12, "major ticks are powers of ten: \(t)")
        }
        doc.assertCoordinatesInsideViewBox()
    }

    /// One input: the curves are the network's value and derivatives (tanh(2x + 0.5) and its
    /// analytic derivatives), the dots are the samples.
    func testFitOfOneInput() throws {
        let model: Sequential<Double> = try ModelJSON.decode(Data("""
            {"input": 1, "layers": [{"type": "dense", "units": 1, "activation": "tanh", "kernel": [[2]], "bias": [0.5]}]}
            """.utf8))
        let f = { (x: Double) in tanh(2 * x + 0.5) }
        let df = { (x: Double) in 2 * (1 - f(x) * f(x)) }
        let d2f = { (x: Double) in -8 * f(x) * (1 - f(x) * f(x)) }
        var samples: [(kind: DerivativeKind, point: [Double], target: Double)] = []
        for k in 0..<12 { let x = -1.5 + 0.25 * Double(k); samples.append((.value(output: 0), [x], f(x) + 0.01)) }
        for k in 0..<7 { let x = -1 + 0.3 * Double(k); samples.append((.firstPartial(output: 0, input: 0), [x], df(x))) }
        for k in 0..<5 { let x = -0.9 + 0.4 * Double(k); samples.append((.secondPartial(output: 0, inputs: 0, 0), [x], d2f(x))) }
        let data = DerivativeDataset(inputCount: 1, samples: samples)
        let figure = try Plots.fit(model, data: data, resolution: 101)
        XCTAssertEqual(figure.panels.map(\.title), ["y", "dy/dx1", "d2y/dx1dx1"])
        for (panel, (reference, count)) in zip(figure.panels, [(f, 12), (df, 7), (d2f, 5)]) {
            let network = try XCTUnwrap(panel.series.first { $0.name == "network" })
            XCTAssertEqual(network.points.count, 101)
            XCTAssertEqual(network.points.first?.x ?? .nan, -1.5, accuracy: 1e-12, "the curve spans all samples' inputs")
            XCTAssertEqual(network.points.last?.x ?? .nan, 1.25, accuracy: 1e-12)
            for p in network.points { XCTAssertEqual(p.y, reference(p.x), accuracy: 1e-12, "\(panel.title) at \(p.x)") }
            XCTAssertEqual(panel.series.first { $0.name == "samples" }?.points.count, count)
        }
        let doc = try SVGDocument(figure.svg())
        XCTAssertEqual(doc.all("g", class: "panel").count, 3)
        for (k, count) in [12, 7, 5].enumerated() {
            let series = doc.series(inPanel: k)
            XCTAssertEqual(Set(series.keys), ["network", "samples"])
            XCTAssertEqual(doc.polylinePoints(in: try XCTUnwrap(series["network"])).count, 101)
            XCTAssertEqual(doc.descendants(of: try XCTUnwrap(series["samples"]), named: "circle").count, count)
        }
        doc.assertCoordinatesInsideViewBox()
    }

    /// Two inputs: per kind a heat map of the network (values at the cell centres are the model's)
    /// with the samples as dots, and a parity plot whose points are (sample, network at the sample).
    func testFitOfTwoInputs() throws {
        let model: Sequential<Double> = try ModelJSON.decode(Data("""
            {"input": 2, "layers": [{"type": "dense", "units": 1, "activation": "tanh", "kernel": [[1], [-0.5]], "bias": [0.2]}]}
            """.utf8))
        let t = { (p: [Double]) in tanh(p[0] - 0.5 * p[1] + 0.2) }
        let kinds: [(DerivativeKind, ([Double]) -> Double)] = [
            (.value(output: 0), t),
            (.firstPartial(output: 0, input: 0), { p in 1 - t(p) * t(p) }),
            (.firstPartial(output: 0, input: 1), { p in -0.5 * (1 - t(p) * t(p)) }),
            (.secondPartial(output: 0, inputs: 0, 1), { p in 0.5 * 2 * t(p) * (1 - t(p) * t(p)) }),
        ]
        var samples: [(kind: DerivativeKind, point: [Double], target: Double)] = []
        for (k, (kind, g)) in kinds.enumerated() {
            for j in 0..<(10 + k) {
                let p = [-2 + 4 * Double((j * 7 + k) % 11) / 10, -1 + 3 * Double((j * 5 + 3 * k) % 13) / 12]
                samples.append((kind, p, g(p) + 0.02 * Double(j % 3 - 1)))
            }
        }
        let data = DerivativeDataset(inputCount: 2, samples: samples)
        let figure = try Plots.fit(model, data: data, resolution: 24)
        XCTAssertEqual(figure.panels.count, 8)
        XCTAssertEqual(figure.columns, 2)
        for (k, (kind, g)) in kinds.enumerated() {
            let heat = figure.panels[2 * k], parity = figure.panels[2 * k + 1]
            let map = try XCTUnwrap(heat.heatMap)
            XCTAssertEqual(map.x, -2...2)
            XCTAssertEqual(map.y, -1...2)
            XCTAssertEqual(map.values.count, 24 * 24)
            for r in stride(from: 0, to: 24, by: 5) {
                for c in stride(from: 0, to: 24, by: 3) {
                    let p = map.center(row: r, column: c)
                    XCTAssertEqual(map.values[r * 24 + c], g([p.x, p.y]), accuracy: 1e-12, "\(kind) cell (\(r), \(c))")
                }
            }
            let group = try XCTUnwrap(data[kind])
            let dots = try XCTUnwrap(heat.series.first)
            XCTAssertEqual(dots.points.count, group.count)
            XCTAssertEqual(dots.colorValues ?? [], group.targets.scalars)
            let scale = try XCTUnwrap(heat.colorScale)
            XCTAssertLessThanOrEqual(scale.range.lowerBound, min(map.values.min() ?? 0, group.targets.scalars.min() ?? 0))
            XCTAssertGreaterThanOrEqual(scale.range.upperBound, max(map.values.max() ?? 0, group.targets.scalars.max() ?? 0))
            let points = try XCTUnwrap(parity.series.first { $0.name == "samples" }).points
            XCTAssertEqual(points.count, group.count)
            let xs = group.points.scalars
            for (j, p) in points.enumerated() {
                XCTAssertEqual(p.x, group.targets.scalars[j])
                XCTAssertEqual(p.y, g([xs[2 * j], xs[2 * j + 1]]), accuracy: 1e-12, "\(kind) sample \(j)")
            }
            XCTAssertTrue(parity.title.contains("RMS error"), parity.title)
        }
        let doc = try SVGDocument(figure.svg())
        let maps = doc.all("g", class: "heatmap")
        XCTAssertEqual(maps.count, 4)
        for m in maps { XCTAssertEqual(doc.descendants(of: m, named: "rect").count, 24 * 24) }
        XCTAssertEqual(doc.all("g", class: "colorbar").count, 4)
        for (k, _) in kinds.enumerated() {
            let samples = try XCTUnwrap(doc.series(inPanel: 2 * k)["samples"])
            XCTAssertEqual(doc.descendants(of: samples, named: "circle").count, 10 + k)
            XCTAssertEqual(Set(doc.series(inPanel: 2 * k + 1).keys), ["y = x", "samples"])
        }
        doc.assertCoordinatesInsideViewBox()
    }

    /// Functions of three inputs, and models that do not match the data, are refused with a message.
    func testFitRefusesWhatItCannotShow() throws {
        let three = DerivativeDataset<Double>(inputCount: 3, samples: [(.value(output: 0), [0, 1, 2], 1)])
        let model3: Sequential<Double> = try Models.mlp(sizes: [3, 4, 1])
        XCTAssertThrowsError(try Plots.fit(model3, data: three)) { error in
            XCTAssertTrue("\(error)".contains("3 inputs"), "\(error)")
        }
        let two = DerivativeDataset<Double>(inputCount: 2, samples: [(.value(output: 1), [0, 1], 1)])
        XCTAssertThrowsError(try Plots.fit(try Models.mlp(sizes: [3, 4, 1]) as Sequential<Double>, data: two)) { error in
            XCTAssertTrue("\(error)".contains("2 input columns"), "\(error)")
        }
        XCTAssertThrowsError(try Plots.fit(try Models.mlp(sizes: [2, 4, 1]) as Sequential<Double>, data: two)) { error in
            XCTAssertTrue("\(error)".contains("y2") && "\(error)".contains("1 output"), "\(error)")
        }
    }
}
