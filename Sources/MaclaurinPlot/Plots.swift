/// A named loss (or cost) history: the value after each of a sequence of steps.
public struct LossCurve: Sendable, Equatable {
    /// The name shown in the legend ("training loss", "test loss", ...).
    public var name: String
    /// The step (epoch or iteration) of each value.
    public var steps: [Double]
    /// The values; non-finite ones (and non-positive ones on a log scale) are not drawn and are
    /// counted in the legend.
    public var values: [Double]

    /// A curve from parallel arrays of steps and values (same length).
    public init(name: String, steps: [Double], values: [Double]) {
        precondition(steps.count == values.count, "loss curve '\(name)': \(steps.count) steps for \(values.count) values")
        self.name = name; self.steps = steps; self.values = values
    }

    /// A curve whose values belong to steps 1, 2, 3, ...
    public init(name: String, values: [Double]) {
        self.init(name: name, steps: values.indices.map { Double($0 + 1) }, values: values)
    }
}

/// Ready-made charts of training runs.
public enum Plots {
    /// More points than this are joined by a plain line; fewer also get a dot each.
    static let dotLimit = 60

    /// Loss curves against the step, one series per curve.
    ///
    /// - Parameters:
    ///   - logScale: a logarithmic loss axis (ticks at powers of ten).
    /// - Returns: a chart named `title` whose series carry the curves' names.
    public static func lossCurves(_ curves: [LossCurve], title: String = "Loss", xLabel: String = "epoch",
                                  yLabel: String = "loss", logScale: Bool = false) -> Chart {
        Chart(title: title, xLabel: xLabel, yLabel: yLabel,
              series: curves.map { c in
                  Series(name: c.name, x: c.steps, y: c.values, style: c.values.count > dotLimit ? .line : .lineAndDots)
              },
              yScale: logScale ? .logarithmic : .linear)
    }

    /// Training and validation loss per epoch (epochs 1, 2, ...).
    ///
    /// - Parameters:
    ///   - training: the training loss of each epoch.
    ///   - validation: the validation (test) loss of each epoch, if measured.
    ///   - logScale: a logarithmic loss axis.
    public static func lossCurves(training: [Double], validation: [Double]? = nil, title: String = "Loss",
                                  xLabel: String = "epoch", logScale: Bool = false) -> Chart {
        var curves = [LossCurve(name: "training loss", values: training)]
        if let validation { curves.append(LossCurve(name: "validation loss", values: validation)) }
        return lossCurves(curves, title: title, xLabel: xLabel, logScale: logScale)
    }

    /// The cost history of a particle swarm: the best cost after each iteration (as in
    /// `SwarmResult.history`) and, optionally, the swarm's mean cost.
    ///
    /// - Parameters:
    ///   - best: the best cost found up to each iteration (iterations 1, 2, ...).
    ///   - mean: the mean cost of the particles at each iteration, if recorded.
    ///   - logScale: a logarithmic cost axis (the default: costs fall by orders of magnitude).
    public static func swarmHistory(best: [Double], mean: [Double]? = nil, title: String = "Particle swarm",
                                    logScale: Bool = true) -> Chart {
        var curves = [LossCurve(name: "best cost", values: best)]
        if let mean { curves.append(LossCurve(name: "mean cost", values: mean)) }
        return lossCurves(curves, title: title, xLabel: "iteration", yLabel: "cost", logScale: logScale)
    }
}
