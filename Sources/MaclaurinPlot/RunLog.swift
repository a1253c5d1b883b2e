import Foundation

/// The progress of a training run as printed by `maclaurin train --json` and `maclaurin fit --json`
/// (one JSON object per line), turned into loss curves.
///
/// - `train` lines: `{"epoch": 3, "train_loss": ..., "test_loss": ..., "train_accuracy": ..., "test_accuracy": ...}`
///   give the curves "training loss" and "test loss" (and accuracies) per epoch.
/// - `fit` lines: `{"step": 150, "of": 3000, "loss": ..., "y": ..., "dy/dx1": ...}` give "loss" and one
///   curve per kind (its mean squared error) per iteration. A particle-swarm line has only "loss" (the
///   best cost so far): such lines give the curve "swarm best cost" (for `pso+adam`, the swarm's
///   iterations come first, then Adam's).
///
/// Lines without "epoch" or "step" (the final summary) are skipped, as are blank lines. A value that
/// is `null` or a string such as `"nan"` is a non-finite loss: kept, and left out of the plot.
public struct RunLog: Sendable, Equatable {
    /// What printed the log.
    public enum Source: String, Sendable, Equatable {
        /// `maclaurin train` (image classifier, per epoch).
        case train
        /// `maclaurin fit` (values and derivatives, per iteration).
        case fit
    }

    /// Which command printed the lines.
    public var source: Source
    /// Loss curves (and for `fit`, per-kind errors), in the order first seen.
    public var losses: [LossCurve]
    /// Accuracy curves (`train` only).
    public var accuracies: [LossCurve]

    /// Parses JSON lines; `file` names the source in error messages (`file:line: message`).
    public static func parse(_ data: Data, file: String = "<log>") throws(PlotError) -> RunLog {
        var losses = Curves(), accuracies = Curves()
        var source: Source?
        let text = String(decoding: data, as: UTF8.self)
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = offset + 1
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            func fail(_ message: String) -> PlotError { PlotError("\(file):\(lineNumber): \(message)") }
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                throw fail("not a JSON object (expected the lines of 'maclaurin train --json' or 'maclaurin fit --json')")
            }
            func value(_ key: String) throws(PlotError) -> Double? {
                guard let value = object[key] else { return nil }
                if value is NSNull { return .nan }
                if let s = value as? String {
                    switch s.lowercased() {
                    case "nan", "-nan": return .nan
                    case "inf", "+inf", "infinity": return .infinity
                    case "-inf", "-infinity": return -.infinity
                    default: throw fail("\"\(key)\" is \"\(s)\", not a number")
                    }
                }
                if type(of: value) == Bool.self { throw fail("\"\(key)\" is not a number") }
                if let i = value as? Int { return Double(i) }
                if let d = value as? Double { return d }
                guard let n = value as? NSNumber else { throw fail("\"\(key)\" is not a number") }
                return n.doubleValue
            }
            let lineSource: Source
            let step: Double
            if let epoch = try value("epoch") { lineSource = .train; step = epoch }
            else if let s = try value("step") { lineSource = .fit; step = s }
            else { continue }
            guard step.isFinite else { throw fail("the \(lineSource == .train ? "epoch" : "step") is not a finite number") }
            if let source, source != lineSource {
                throw fail("a '\(lineSource)' line after '\(source)' lines: give one run per file")
            }
            source = lineSource
            switch lineSource {
            case .train:
                if let v = try value("train_loss") { losses.add("training loss", step, v) }
                if let v = try value("test_loss") { losses.add("test loss", step, v) }
                if let v = try value("train_accuracy") { accuracies.add("training accuracy", step, v) }
                if let v = try value("test_accuracy") { accuracies.add("test accuracy", step, v) }
            case .fit:
                let kinds = object.keys.filter { !["step", "of", "seconds", "loss"].contains($0) }.sorted()
                guard let loss = try value("loss") else { throw fail("a \"step\" line without \"loss\"") }
                losses.add(kinds.isEmpty ? "swarm best cost" : "loss", step, loss)
                for kind in kinds {
                    guard let v = try value(kind) else { continue }
                    losses.add("mse \(kind)", step, v)
                }
            }
        }
        guard let source else {
            throw PlotError("\(file): no progress lines (write them with 'maclaurin train --json' or 'maclaurin fit --json')")
        }
        return RunLog(source: source, losses: losses.curves, accuracies: accuracies.curves)
    }

    /// Reads and parses a file.
    public static func read(contentsOf url: URL) throws(PlotError) -> RunLog {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw PlotError("\(url.path): cannot read the file (\(error.localizedDescription))")
        }
        return try parse(data, file: url.path)
    }

    /// The run as a figure: the loss curves, and beside them the accuracies when there are any.
    ///
    /// - Parameters:
    ///   - logScale: a logarithmic loss axis (the accuracy axis stays linear).
    public func figure(title: String = "", logScale: Bool = false) -> Figure {
        let xLabel = source == .train ? "epoch" : "iteration"
        let onlySwarm = losses.map(\.name) == ["swarm best cost"]
        var panels = [Plots.lossCurves(losses, title: onlySwarm ? "Particle swarm" : "Loss", xLabel: xLabel,
                                       yLabel: onlySwarm ? "best cost" : "loss", logScale: logScale)]
        if !accuracies.isEmpty {
            panels.append(Plots.lossCurves(accuracies, title: "Accuracy", xLabel: xLabel, yLabel: "accuracy"))
        }
        return Figure(title: title, panels: panels, columns: panels.count, panelWidth: 560, panelHeight: 400)
    }
}

/// Curves filled point by point, kept in the order their names first appear.
private struct Curves {
    var curves: [LossCurve] = []

    mutating func add(_ name: String, _ step: Double, _ value: Double) {
        if let i = curves.firstIndex(where: { $0.name == name }) {
            curves[i].steps.append(step); curves[i].values.append(value)
        } else {
            curves.append(LossCurve(name: name, steps: [step], values: [value]))
        }
    }
}
