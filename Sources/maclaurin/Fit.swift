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
              maclaurin fit data.csv --optimizer adam --checkpoint run.ckpt --out m.json
              maclaurin fit data.csv --optimizer adam --resume run.ckpt --out m.json
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

    @Option(help: ArgumentHelp("Write a checkpoint here every --checkpoint-every iterations (weights, optimiser or "
                               + "swarm state, history), atomically. Default: none.", valueName: "CHECKPOINT.safetensors"))
    var checkpoint: String?

    @Option(help: "Iterations between checkpoints.")
    var checkpointEvery: Int = 100

    @Option(help: ArgumentHelp("Continue the run saved in this checkpoint, bit for bit as if it had not stopped; "
                               + "give the same options as that run. Default: a new run.", valueName: "CHECKPOINT.safetensors"))
    var resume: String?

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(help: "Progress as JSON objects on standard output, one per report.")
    var json = false

    func validate() throws {
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1") }
        if particles < 2 { throw ValidationError("--particles must be at least 2") }
        if !(learningRate > 0) { throw ValidationError("--learning-rate must be positive") }
        if checkpointEvery < 1 { throw ValidationError("--checkpoint-every must be at least 1") }
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
        if let checkpoint { try Resume.checkFolder(of: checkpoint, option: "--checkpoint") }
        let settings = try checkpointSettings(steps: steps)
        let saved = try resume.map { try Resume.read($0, kind: "fit", settings: settings) }
        let phases = optimizer == .psoAdam ? ["swarm", "refine"] : [optimizer == .pso ? "swarm" : "gradient"]
        let phase = saved?.values["phase"] ?? phases[0]
        if let saved, !phases.contains(phase) {
            throw CLIError("--resume: \(saved.file): phase \"\(phase.prefix(20))\" is not one of \(optimizer.rawValue)'s (\(phases.joined(separator: ", ")))")
        }
        var history = TrainingHistory()
        do {
            if let saved, phase != "swarm" {
                model = try saved.model(model)
                history = try TrainingHistory(from: saved, prefix: "history", kinds: objective.evaluate(model).perKind)
            }
        } catch { throw CLIError("--resume: \(error)") }
        /// Checkpoints of a gradient phase ("gradient", or "refine" after the swarm of pso+adam).
        func checkpoints<O: CheckpointableOptimizer>(_: O.Type, phase: String) -> FitCheckpoints<S, O>? {
            checkpoint.map { path in
                FitCheckpoints(every: checkpointEvery) { (m: Sequential<S>, o: O, h: TrainingHistory) throws(TrainingError) in
                    var state = Checkpoint(kind: "fit", settings: settings)
                    state.values["phase"] = phase
                    state.setModel(m)
                    o.save(to: &state, prefix: "optimizer")
                    h.save(to: &state, prefix: "history")
                    try Resume.write(state, to: path, step: h.losses.count)
                }
            }
        }
        func restored<O: CheckpointableOptimizer>(_ optimizer: O) throws -> O {
            guard let saved, phase != "swarm" else { return optimizer }
            var o = optimizer
            do { try o.restore(from: saved, prefix: "optimizer", shapes: model.parameters.map(\.shape)) } catch {
                throw CLIError("--resume: \(error)")
            }
            return o
        }
        /// The swarm phase: from the start or from the checkpoint, written every --checkpoint-every iterations.
        func runSwarm() throws {
            let swarmObjective = DerivativeSwarmObjective(model: model, objective: objective)
            var state = swarm.start(dimension: swarmObjective.dimension, initialization: .layerInitializers(model))
            if let saved {
                do { state = try SwarmState(from: saved, prefix: "swarm", particles: particles, dimension: swarmObjective.dimension) }
                catch { throw CLIError("--resume: \(error)") }
            }
            while state.stopReason == nil && state.iteration < steps {
                swarm.run(swarmObjective, state: &state, iterations: steps,
                          pausingAfter: checkpoint == nil ? nil : state.iteration + checkpointEvery) { i, cost in
                    reporter.report(step: i, [("loss", cost)]); return true
                }
                if let checkpoint {
                    var snapshot = Checkpoint(kind: "fit", settings: settings)
                    snapshot.values["phase"] = "swarm"
                    state.save(to: &snapshot, prefix: "swarm")
                    try Resume.write(snapshot, to: checkpoint, step: state.iteration)
                }
            }
            model = swarmObjective.model(at: state.result.bestPosition)
        }
        do {
            switch optimizer {
            case .adam:
                var adam = try restored(Adam<S>(learningRate: learningRate))
                _ = try fit(&model, objective: objective, optimizer: &adam, iterations: steps, resuming: history,
                            checkpoints: checkpoints(Adam<S>.self, phase: "gradient")) { report($0, 0) }
            case .lbfgs:
                var lbfgs = try restored(LBFGS<S>())
                _ = try fit(&model, objective: objective, optimizer: &lbfgs, iterations: steps, resuming: history,
                            checkpoints: checkpoints(LBFGS<S>.self, phase: "gradient")) { report($0, 0) }
            case .pso:
                try runSwarm()
            case .psoAdam:
                if phase == "swarm" { try runSwarm() }
                var adam = try restored(Adam<S>(learningRate: learningRate))
                _ = try fit(&model, objective: objective, optimizer: &adam, iterations: refineIterations, resuming: history,
                            checkpoints: checkpoints(Adam<S>.self, phase: "refine")) { report($0, steps) }
            }
        } catch let error as TrainingError {
            var message = "training stopped: \(error)"
            if let checkpoint, FileManager.default.fileExists(atPath: checkpoint) {
                message += "; the last good checkpoint is \(checkpoint)"
            }
            throw CLIError(message)
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

extension Fit {
    /// The settings a checkpoint records and `--resume` must repeat (the data by a digest of its bytes).
    func checkpointSettings(steps: Int) throws -> [String: String] {
        var settings = ["data": try Resume.digest(of: data), "layers": layers, "activation": activation,
                        "optimizer": optimizer.rawValue, "iterations": String(steps), "seed": String(seed),
                        "precision": precision.rawValue]
        if optimizer == .pso || optimizer == .psoAdam { settings["particles"] = String(particles) }
        if optimizer == .adam || optimizer == .psoAdam { settings["learning-rate"] = Resume.text(learningRate) }
        if optimizer == .psoAdam { settings["refine-iterations"] = String(refineIterations) }
        return settings
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
