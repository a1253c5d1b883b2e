import ArgumentParser
import Foundation
import Maclaurin

/// `maclaurin fit`: trains an MLP on value and derivative samples from a CSV or .npz file.
struct Fit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit an MLP to values and partial derivatives in a CSV or .npz file; optionally write the model.",
        discussion: """
            DATA.csv has a header: input columns x1..xn, a column kind and a column value. kind is y, \
            dy/dxI or d2y/dxIdxJ (yJ, dyJ/dxI, ... for several outputs); kinds mix freely. DATA.npz (NumPy) \
            holds arrays x (N, n) and any of y (N, m), dy (N, m, n), d2y (N, m, n, n), NaN marking a \
            missing entry (with one output, y (N,), dy (N, n), d2y (N, n, n) also do). The loss is the \
            mean squared error per kind, weighted equally; derivatives come from Taylor mode, so weight \
            gradients are exact. Optimisers: pso (particle swarm, constriction coefficients, whole swarm \
            batched), adam, lbfgs (full batch), pso+adam (swarm, then Adam from the best particle). \
            Progress goes to standard error; the final result is one JSON object on standard output: \
            "loss" and "mse" per kind, as 'maclaurin evaluate MODEL DATA' prints them ("mse_total" = "loss").

            Examples:
              maclaurin fit Examples/sincos.csv --optimizer pso --out pso.json
              maclaurin fit data.npz --layers 2,32,32,1 --activation sigmoid --out m.json
              maclaurin fit data.csv --optimizer pso+adam --out model.safetensors
            """
    )

    @Argument(help: ArgumentHelp("The data file: CSV (x1..xn, kind, value) or NumPy .npz (x, y, dy, d2y).",
                                 valueName: "DATA.csv|DATA.npz"))
    var data: String

    @Option(help: ArgumentHelp("Layer sizes, inputs first, e.g. 2,16,1 (the default).", valueName: "n,h,...,m"))
    var layers: String = "2,16,1"

    @Option(help: "Hidden activation (linear, sigmoid, tanh, relu, softplus, sin, gelu, exp; default tanh); the output is linear.")
    var activation: String = "tanh"

    @Option(help: "pso, adam (the default), lbfgs or pso+adam.")
    var optimizer: FitOptimizer = .adam

    @Option(help: "Iterations (swarm iterations for pso and pso+adam). Default: pso 500, adam 3000, lbfgs 300.")
    var iterations: Int?

    @Option(help: "Adam iterations after the swarm, for pso+adam.")
    var refineIterations: Int = 1000

    @Option(help: "Particles, for pso and pso+adam.")
    var particles: Int = 64

    @Option(help: "Learning rate, for adam and pso+adam.")
    var learningRate: Double = 0.01

    @Option(help: "Seed for initialisation and the swarm.")
    var seed: UInt64 = 0

    @Option(help: "Arithmetic: double (default) or float.")
    var precision: Precision = .double

    @Option(help: ArgumentHelp("Where to write the trained model: .json (the JSON model format) or .safetensors. "
                               + "Default: not written.", valueName: "MODEL.json|MODEL.safetensors"))
    var out: String?

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(help: "Progress as JSON objects on standard output, one per report.")
    var json = false

    func validate() throws {
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        if particles < 2 { throw ValidationError("--particles must be at least 2") }
        if !(learningRate > 0) { throw ValidationError("--learning-rate must be positive") }
    }

    func run() throws {
        switch precision {
        case .double: try run(Double.self)
        case .float: try run(Float.self)
        }
    }

    func run<S: TensorScalar>(_: S.Type) throws {
        let dataset: DerivativeDataset<S> = try DerivativeData.load(contentsOf: URL(fileURLWithPath: data))
        let sizes = try layers.split(separator: ",").map { part -> Int in
            guard let n = Int(part.trimmingCharacters(in: .whitespaces)), n > 0 else {
                throw CLIError("--layers \(layers): '\(part)' is not a positive integer")
            }
            return n
        }
        guard sizes.count >= 2 else { throw CLIError("--layers \(layers): give at least the input and output sizes") }
        guard sizes[0] == dataset.inputCount else {
            throw CLIError("--layers \(layers): \(data) has \(dataset.inputCount) input columns, the network takes \(sizes[0])")
        }
        let outputs = (dataset.groups.map { $0.kind.output }.max() ?? 0) + 1
        guard sizes[sizes.count - 1] >= outputs else {
            throw CLIError("--layers \(layers): \(data) has \(outputs) outputs, the network gives \(sizes[sizes.count - 1])")
        }
        var model: Sequential<S> = try Models.mlp(sizes: sizes, activation: try Activation(named: activation), seed: seed)
        let objective = DerivativeObjective(dataset: dataset)
        let steps = iterations ?? optimizer.defaultIterations
        let reporter = ProgressReporter(total: optimizer == .psoAdam ? steps + refineIterations : steps, quiet: quiet, json: json)
        let report: (TrainingProgress, Int) -> Bool = { p, offset in
            reporter.report(step: p.step + offset, [("loss", p.loss)] + p.perKind.map { ("\($0.kind)", $0.meanSquaredError) })
            return true
        }
        let swarm = ParticleSwarm<S>(particles: particles, seed: seed)
        switch optimizer {
        case .adam:
            var adam = Adam<S>(learningRate: learningRate)
            _ = try fit(&model, objective: objective, optimizer: &adam, iterations: steps) { report($0, 0) }
        case .lbfgs:
            var lbfgs = LBFGS<S>()
            _ = try fit(&model, objective: objective, optimizer: &lbfgs, iterations: steps) { report($0, 0) }
        case .pso:
            let swarmObjective = DerivativeSwarmObjective(model: model, objective: objective)
            let result = swarm.minimize(swarmObjective, initialization: .layerInitializers(model), iterations: steps) { i, cost in
                reporter.report(step: i, [("loss", cost)]); return true
            }
            model = swarmObjective.model(at: result.bestPosition)
        case .psoAdam:
            let swarmObjective = DerivativeSwarmObjective(model: model, objective: objective)
            let result = swarm.minimize(swarmObjective, initialization: .layerInitializers(model), iterations: steps) { i, cost in
                reporter.report(step: i, [("loss", cost)]); return true
            }
            model = swarmObjective.model(at: result.bestPosition)
            var adam = Adam<S>(learningRate: learningRate)
            _ = try fit(&model, objective: objective, optimizer: &adam, iterations: refineIterations) { report($0, steps) }
        }
        let (loss, perKind) = objective.evaluate(model)
        if let out {
            try ModelFile.save(model, to: URL(fileURLWithPath: out))
        }
        var result: [String: Any] = ["loss": loss, "mse": Dictionary(uniqueKeysWithValues: perKind.map { ("\($0.kind)", $0.meanSquaredError) })]
        if let out { result["model"] = out }
        print(try JSONOutput.string(result))
    }
}

enum FitOptimizer: String, ExpressibleByArgument, CaseIterable {
    case pso, adam, lbfgs
    case psoAdam = "pso+adam"

    var defaultIterations: Int {
        switch self {
        case .pso, .psoAdam: 500
        case .adam: 3000
        case .lbfgs: 300
        }
    }
}
