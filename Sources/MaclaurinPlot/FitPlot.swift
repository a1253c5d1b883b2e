import Foundation
import MaclaurinAutodiff
import MaclaurinData
import MaclaurinNN
import MaclaurinTensor

/// A plot that cannot be made from the inputs given (the message names what is wrong).
public struct PlotError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, naming the file and line when there is one.
    public let description: String

    /// An error with a message.
    public init(_ description: String) { self.description = description }
}

extension Plots {
    /// The network against its data: for every kind in `data` (value, first or second partial), the
    /// network's value or partial derivative beside the samples of that kind.
    ///
    /// - One input: one panel per kind, the network as a curve over the samples' input range
    ///   (`resolution` points) and the samples as dots.
    /// - Two inputs: two panels per kind. A heat map of the network's quantity over the box the
    ///   samples span (`resolution` x `resolution` cells) with the samples drawn as dots filled on
    ///   the same colour scale (a dot that matches its background is fitted well); and a parity plot,
    ///   the network at each sample against the sample, with the line y = x and the RMS error.
    ///
    /// The network's partials come from the derivative engine (`valueAndJacobian`, and `hessian` when
    /// the data has second partials), so the plot shows exactly what training sees.
    ///
    /// - Parameters:
    ///   - model: any batched function `[B, n] -> [B, m]` with n = `data.inputCount`.
    ///   - data: the samples; every kind must refer to an output below m.
    ///   - resolution: curve points (one input) or heat-map cells per side (two inputs), at least 2.
    /// - Throws: `PlotError` when the data has 3 or more inputs or refers to an output the model lacks.
    public static func fit<F: DifferentiableFunction>(_ model: F, data: DerivativeDataset<F.Scalar>, resolution: Int? = nil,
                                                     title: String = "") throws(PlotError) -> Figure {
        try makeFit(model, data: data, resolution: resolution, title: title)
    }

    static func makeFit<F: DifferentiableFunction>(_ model: F, data: DerivativeDataset<F.Scalar>, resolution: Int?,
                                                   title: String) throws(PlotError) -> Figure {
        guard data.inputCount <= 2 else {
            throw PlotError("the data has \(data.inputCount) inputs; fit plots show functions of one or two inputs")
        }
        let steps = resolution ?? (data.inputCount == 1 ? 200 : 40)
        precondition(steps >= 2, "resolution must be at least 2")
        let outputs = model(Tensor<F.Scalar>(zeros: [1, data.inputCount])).shape[1]
        if let bad = data.kinds.first(where: { $0.output >= outputs }) {
            throw PlotError("the data has samples of \(bad), but the model has \(outputs) output\(outputs == 1 ? "" : "s")")
        }
        let field = Field(model: model, secondOrder: data.maximumOrder >= 2)
        let box = (0..<data.inputCount).map { i in Self.extent(of: data, input: i) }
        return data.inputCount == 1
            ? oneInput(field, data: data, range: box[0], steps: steps, title: title)
            : twoInputs(field, data: data, box: (box[0], box[1]), steps: steps, title: title)
    }

    /// `fit(_:data:resolution:title:)` for a model read from a file: also checks that the model takes
    /// a vector of `data.inputCount` inputs.
    public static func fit<Scalar: TensorScalar>(_ model: Sequential<Scalar>, data: DerivativeDataset<Scalar>,
                                                 resolution: Int? = nil, title: String = "") throws(PlotError) -> Figure {
        guard model.inputShape == [data.inputCount] else {
            throw PlotError("the model takes inputs of shape \(model.inputShape), the data has \(data.inputCount) input column\(data.inputCount == 1 ? "" : "s")")
        }
        guard model.outputShape.count == 1 else {
            throw PlotError("the model gives outputs of shape \(model.outputShape); fit plots need a vector output")
        }
        return try makeFit(model, data: data, resolution: resolution, title: title)
    }

    /// The span of input `i` over all samples (widened when it is a single value).
    static func extent<Scalar: TensorScalar>(of data: DerivativeDataset<Scalar>, input i: Int) -> ClosedRange<Double> {
        var low = Double.infinity, high = -Double.infinity
        for g in data.groups {
            let p = g.points.scalars
            for r in 0..<g.count {
                low = min(low, Double(p[r * data.inputCount + i])); high = max(high, Double(p[r * data.inputCount + i]))
            }
        }
        if !(high > low) { let c = low.isFinite ? low : 0; return (c - 1)...(c + 1) }
        return low...high
    }

    static func oneInput<F: DifferentiableFunction>(_ field: Field<F>, data: DerivativeDataset<F.Scalar>,
                                                    range: ClosedRange<Double>, steps: Int, title: String) -> Figure {
        let xs = (0..<steps).map { range.lowerBound + Double($0) * (range.upperBound - range.lowerBound) / Double(steps - 1) }
        let grid = field.evaluate(at: xs.map { [$0] })
        let panels = data.groups.map { g -> Chart in
            let samples = g.points.scalars.map { Double($0) }
            return Chart(title: "\(g.kind)", xLabel: "x1", yLabel: "\(g.kind)", series: [
                Series(name: "network", x: xs, y: grid.values(of: g.kind)),
                Series(name: "samples", x: samples, y: g.targets.scalars.map { Double($0) }, style: .dots, color: "#d62728"),
            ])
        }
        return Figure(title: title, panels: panels, columns: min(panels.count, 3), panelWidth: 460, panelHeight: 340)
    }

    static func twoInputs<F: DifferentiableFunction>(_ field: Field<F>, data: DerivativeDataset<F.Scalar>,
                                                     box: (ClosedRange<Double>, ClosedRange<Double>), steps: Int,
                                                     title: String) -> Figure {
        let template = HeatMap(x: box.0, y: box.1, columns: steps, rows: steps, values: Array(repeating: 0, count: steps * steps))
        var centers: [[Double]] = []
        for r in 0..<steps { for c in 0..<steps { let p = template.center(row: r, column: c); centers.append([p.x, p.y]) } }
        let grid = field.evaluate(at: centers)
        var panels: [Chart] = []
        for g in data.groups {
            let p = g.points.scalars.map { Double($0) }
            let points = (0..<g.count).map { PlotPoint(x: p[2 * $0], y: p[2 * $0 + 1]) }
            let targets = g.targets.scalars.map { Double($0) }
            var heat = template
            heat.values = grid.values(of: g.kind)
            let scale = ColorScale(covering: heat.values + targets)   // the title names the quantity
            panels.append(Chart(title: "\(g.kind): network (colour), samples (dots)", xLabel: "x1", yLabel: "x2",
                                series: [Series(name: "samples", points: points, style: .dots, colorValues: targets)],
                                heatMap: heat, colorScale: scale))
            let predicted = field.evaluate(at: points.map { [$0.x, $0.y] }).values(of: g.kind)
            var squares = 0.0
            for (a, b) in zip(predicted, targets) { squares += (a - b) * (a - b) }
            let rms = (squares / Double(max(1, g.count))).squareRoot()
            let finite = (predicted + targets).filter(\.isFinite)
            let low = finite.min() ?? 0, high = finite.max() ?? 1
            panels.append(Chart(title: "\(g.kind): network vs samples (RMS error \(Self.short(rms)))",
                                xLabel: "sample \(g.kind)", yLabel: "network \(g.kind)", series: [
                                    Series(name: "y = x", x: [low, high], y: [low, high], color: "#888888", isDashed: true),
                                    Series(name: "samples", x: targets, y: predicted, style: .dots, color: "#1f77b4"),
                                ]))
        }
        return Figure(title: title, panels: panels, columns: 2, panelWidth: 500, panelHeight: 400)
    }

    /// Four significant digits, without an exponent for ordinary magnitudes.
    static func short(_ v: Double) -> String {
        guard v.isFinite else { return SVGText.number(v) }
        if v == 0 { return "0" }
        let e = Int((log10(abs(v))).rounded(.down))
        if e < -4 || e > 5 { return Axis.scientificLabel(v, step: pow10(e - 3)) }
        return SVGText.fixed(v, decimals: max(0, 3 - e))
    }
}

/// A model's values and input derivatives at a set of points.
struct Field<F: DifferentiableFunction> {
    let model: F
    let secondOrder: Bool

    struct Values {
        let value: [Double]       // [B, m]
        let jacobian: [Double]    // [B, m, n]
        let hessian: [Double]?    // [B, m, n, n]
        let points: Int, outputs: Int, inputs: Int

        /// The quantity a kind supervises, at every point.
        func values(of kind: DerivativeKind) -> [Double] {
            let (m, n) = (outputs, inputs), o = kind.output
            switch kind {
            case .value: return (0..<points).map { value[$0 * m + o] }
            case .firstPartial(_, let i): return (0..<points).map { jacobian[($0 * m + o) * n + i] }
            case let .secondPartial(_, i, k):
                guard let hessian else { preconditionFailure("second partials were not computed") }
                return (0..<points).map { hessian[(($0 * m + o) * n + i) * n + k] }
            }
        }
    }

    func evaluate(at rows: [[Double]]) -> Values {
        let x = Tensor<F.Scalar>(rows: rows.map { $0.map { F.Scalar($0) } })
        let (value, jacobian) = model.valueAndJacobian(at: x, mode: .automatic)
        let hessian = secondOrder ? model.hessian(at: x).scalars.map { Double($0) } : nil
        return Values(value: value.scalars.map { Double($0) }, jacobian: jacobian.scalars.map { Double($0) }, hessian: hessian,
                      points: rows.count, outputs: value.shape[1], inputs: x.shape[1])
    }
}
