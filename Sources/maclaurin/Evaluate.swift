import ArgumentParser
import Foundation
import Maclaurin

/// `maclaurin evaluate`: test-split accuracy and loss of a trained classifier, or the per-kind
/// errors of a model on value and derivative data.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the accuracy of a classifier, or the errors of a model on derivative data, as JSON.",
        discussion: """
            With a model only: the test split of --dataset (default: digits). Prints one JSON line: \
            "accuracy" (fraction of test images classified correctly), "loss" (mean softmax \
            cross-entropy; null when it is not finite), "count" (test images). The model runs in \
            inference mode (dropout off), in Float.

            With a data file (the CSV or .npz of 'maclaurin fit'): prints one JSON line with "mse" \
            (the mean squared error of each kind present, keyed as the CSV names it: "y", "dy/dx1", ...), \
            "mse_total" (their mean: exactly the loss 'maclaurin fit' reports for the same model, data and \
            --precision) \
            and "count" (samples). Derivatives come from Taylor mode, as in training; arithmetic in \
            --precision (default: double).

            Examples:
              maclaurin evaluate cnn.safetensors --dataset digits
              maclaurin evaluate adam.json Examples/sincos.csv
              maclaurin evaluate model.safetensors data.npz --precision float
            """
    )

    @Argument(help: ArgumentHelp("A model file: .safetensors (as 'maclaurin train --out' or 'fit --out' write it) "
                                 + "or the JSON model format.", valueName: "MODEL.safetensors|MODEL.json"))
    var modelFile: String

    @Argument(help: ArgumentHelp("Value and derivative data to evaluate the model on (CSV or .npz, as for "
                                 + "'maclaurin fit'). Default: none (evaluate a classifier on --dataset).",
                                 valueName: "DATA.csv|DATA.npz"))
    var data: String?

    @Option(help: ArgumentHelp("The images whose test split a classifier is evaluated on (default: digits).",
                               valueName: ImageDataset.syntax))
    var dataset: String?

    @Option(help: "Images per forward pass, for classifiers.")
    var batch = 256

    @Option(help: "Use only the first N test images, for classifiers (default: all).")
    var limit: Int?

    @Option(help: "Arithmetic for derivative data: double or float. Classifiers run in float.")
    var precision: Precision = .double

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if data != nil && (dataset != nil || limit != nil) {
            throw ValidationError("--dataset and --limit select images for a classifier; they do not apply with a data file")
        }
    }

    func run() throws {
        guard let data else { return try runClassifier() }
        switch precision {
        case .double: try run(Double.self, data: data)
        case .float: try run(Float.self, data: data)
        }
    }

    func runClassifier() throws {
        let data = try ImageDataset(parsing: dataset ?? "digits")
        let net = try loadModelFile(modelFile)
        let test = try data.testSplit(limit: limit)
        try checkModel(net, named: modelFile, fits: test, dataName: data.name)
        let metrics = try evaluateClassifier(net, on: test, dataName: data.name, batchSize: batch)
        print(try JSONOutput.string(["accuracy": metrics.accuracy, "loss": jsonNumber(metrics.loss), "count": metrics.count,
                                     "dataset": dataset ?? "digits", "model": modelFile]))
    }

    /// Per-kind mean squared errors of the model on the data file, in precision `S`.
    func run<S: TensorScalar>(_: S.Type, data: String) throws {
        let net: Sequential<S> = try loadModelFile(modelFile, as: S.self)
        let file: DerivativeDataFile<S>
        do { file = try DerivativeDataFile(contentsOf: URL(fileURLWithPath: data)) } catch { throw CLIError("\(error)") }
        guard net.inputShape.count == 1, net.outputShape.count == 1 else {
            throw CLIError("\(modelFile): derivative data needs a model with vector inputs and outputs; this one maps "
                           + "\(net.inputShape) to \(net.outputShape)")
        }
        do {
            try file.checkFits(inputCount: net.inputShape[0], outputCount: net.outputShape[0], model: modelFile)
        } catch { throw CLIError("\(error)") }
        let (loss, perKind) = DerivativeObjective(dataset: file.dataset).evaluate(net)
        let mse = Dictionary(uniqueKeysWithValues: perKind.map { ("\($0.kind)", jsonNumber($0.meanSquaredError)) })
        print(try JSONOutput.string(["mse": mse, "mse_total": jsonNumber(loss), "count": file.dataset.sampleCount,
                                     "data": data, "model": modelFile]))
    }
}
