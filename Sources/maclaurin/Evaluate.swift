import ArgumentParser
import Foundation
import Maclaurin

/// `maclaurin evaluate`: test-split accuracy and loss of a trained classifier.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the accuracy and loss of a classifier on a test split, as JSON.",
        discussion: """
            Prints one JSON line: "accuracy" (fraction of test images classified correctly), "loss" \
            (mean softmax cross-entropy; null when it is not finite), "count" (test images). The \
            model runs in inference mode (dropout off), in Float.
            """
    )

    @Argument(help: ArgumentHelp("A model file: .safetensors as written by 'maclaurin train --out', or the JSON model format.",
                                 valueName: "MODEL.safetensors|MODEL.json"))
    var modelFile: String

    @Option(help: ArgumentHelp("The data whose test split is used.", valueName: ImageDataset.syntax))
    var dataset = "digits"

    @Option(help: "Images per forward pass.")
    var batch = 256

    @Option(help: "Use only the first N test images.")
    var limit: Int?

    func validate() throws {
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() throws {
        let data = try ImageDataset(parsing: dataset)
        let net = try loadModelFile(modelFile)
        let test = try data.testSplit(limit: limit)
        try checkModel(net, named: modelFile, fits: test, dataName: data.name)
        let metrics = try evaluateClassifier(net, on: test, dataName: data.name, batchSize: batch)
        print(try JSONOutput.string(["accuracy": metrics.accuracy, "loss": jsonNumber(metrics.loss), "count": metrics.count,
                                     "dataset": dataset, "model": modelFile]))
    }
}
