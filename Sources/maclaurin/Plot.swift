import ArgumentParser
import Foundation
import Maclaurin

/// `maclaurin plot`: SVG charts of training runs and of fitted functions.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw SVG charts: loss curves of a run, or a fitted function against its data.",
        discussion: """
            The charts are standalone SVG files (open them in a browser). 'plot history' reads the \
            JSON lines of 'maclaurin train --json' or 'maclaurin fit --json' (loss curves; a particle \
            swarm's best cost). 'plot fit' draws a model of one or two inputs against a derivative CSV: \
            its value and partial derivatives beside the samples of each kind.

            Examples:
              maclaurin fit Examples/sincos.csv --layers 2,16,1 --optimizer adam \\
                --out model.json --json > run.jsonl
              maclaurin plot history run.jsonl --out loss.svg --log-y
              maclaurin plot fit model.json Examples/sincos.csv --out fit.svg
            """,
        subcommands: [History.self, FitPlot.self]
    )

    /// `maclaurin plot history RUN.jsonl --out loss.svg [--log-y]`.
    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "Loss curves (and accuracies, or a swarm's best cost) from the JSON lines of train or fit.",
            discussion: """
                RUN.jsonl holds what 'maclaurin train --json' (per epoch: training and test loss and \
                accuracy) or 'maclaurin fit --json' (per report: the loss and each kind's mean squared \
                error; for a swarm, the best cost) printed. Lines without "epoch" or "step" are skipped.

                Examples:
                  maclaurin train --epochs 5 --json > train.jsonl
                  maclaurin plot history train.jsonl --out train.svg
                  maclaurin fit Examples/sincos.csv --layers 2,16,1 --optimizer pso \\
                    --json > pso.jsonl
                  maclaurin plot history pso.jsonl --out swarm.svg --log-y
                """
        )

        @Argument(help: ArgumentHelp("The JSON lines of a run (standard output of train --json or fit --json).",
                                     valueName: "RUN.jsonl"))
        var runFile: String

        @Option(help: "Where to write the SVG file.")
        var out: String

        @Flag(name: .customLong("log-y"), help: "A logarithmic loss axis (ticks at powers of ten).")
        var logY = false

        @Option(help: "A title over the figure (default: none).")
        var title: String = ""

        func run() throws {
            let log: RunLog
            do { log = try RunLog.read(contentsOf: URL(fileURLWithPath: runFile)) } catch { throw CLIError("\(error)") }
            try write(log.figure(title: title, logScale: logY).svg(), to: out)
            print(try JSONOutput.string(["out": out, "series": log.losses.map(\.name) + log.accuracies.map(\.name),
                                         "points": log.losses.map(\.values.count).reduce(0, +)]))
        }
    }

    /// `maclaurin plot fit MODEL.json DATA.csv --out fit.svg`.
    struct FitPlot: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fit",
            abstract: "A model of one or two inputs against the values and derivatives in a CSV file.",
            discussion: """
                One panel per kind in DATA.csv (y, dy/dxI, d2y/dxIdxJ): for one input, the network's \
                value or partial derivative as a curve with the samples as dots; for two inputs, a heat \
                map of it over the samples' box with the samples as dots on the same colour scale, and \
                a parity plot (network against sample, with the RMS error). Derivatives are exact \
                (the derivative engine), so the plot shows what training fits. MODEL may be the JSON \
                model format or a .safetensors model file; DATA a CSV or .npz derivative data file.

                Examples:
                  maclaurin plot fit model.json Examples/sincos.csv --out fit.svg
                  maclaurin plot fit model.safetensors data.npz --out fit.svg --resolution 60
                """
        )

        @Argument(help: ArgumentHelp("A model: the JSON model format or .safetensors (e.g. written by 'maclaurin fit --out').",
                                     valueName: "MODEL"))
        var model: String

        @Argument(help: ArgumentHelp("The data file: CSV with x1..xn, kind, value, or .npz.", valueName: "DATA.csv|DATA.npz"))
        var data: String

        @Option(help: "Where to write the SVG file.")
        var out: String

        @Option(help: "Curve points (one input) or heat-map cells per side (two inputs). (default: 200 for one input, 40 for two).")
        var resolution: Int?

        @Option(help: "A title over the figure (default: none).")
        var title: String = ""

        func validate() throws {
            if let resolution, resolution < 2 || resolution > 1000 {
                throw ValidationError("--resolution must be between 2 and 1000")
            }
        }

        func run() throws {
            let dataset: DerivativeDataset<Double>
            do { dataset = try DerivativeData.load(contentsOf: URL(fileURLWithPath: data)) } catch { throw CLIError("\(error)") }
            let net = try loadModelFile(model, as: Double.self)
            let figure: Figure
            do { figure = try Plots.fit(net, data: dataset, resolution: resolution, title: title) } catch {
                throw CLIError("\(model) with \(data): \(error)")
            }
            try write(figure.svg(), to: out)
            print(try JSONOutput.string(["out": out, "panels": figure.panels.map(\.title), "kinds": dataset.kinds.map { "\($0)" }]))
        }
    }
}

/// Writes an SVG document atomically (a reader never sees half a file).
private func write(_ svg: String, to path: String) throws {
    do { try AtomicFile.write(Data(svg.utf8), to: URL(fileURLWithPath: path)) } catch { throw CLIError("--out \(path): \(error)") }
}
