import Foundation
import MaclaurinPlot
import XCTest

final class RunLogTests: XCTestCase {
    /// `maclaurin train --json` lines: training and test loss and accuracy per epoch; null is a
    /// non-finite value; the final summary line is skipped.
    func testTrainLines() throws {
        let text = """
            {"epoch":1,"seconds":1.5,"test_accuracy":0.8,"test_loss":0.9,"train_accuracy":0.7,"train_loss":1.2}
            {"epoch":2,"seconds":1.4,"test_accuracy":0.9,"test_loss":null,"train_accuracy":0.85,"train_loss":0.6}

            {"epoch":3,"seconds":1.4,"test_accuracy":0.95,"test_loss":0.3,"train_accuracy":0.9,"train_loss":0.4}
            {"accuracy":0.95,"dataset":"digits","epochs":3,"loss":0.3,"model":"taylor-cnn"}
            """
        let log = try RunLog.parse(Data(text.utf8), file: "run.jsonl")
        XCTAssertEqual(log.source, .train)
        XCTAssertEqual(log.losses.map(\.name), ["training loss", "test loss"])
        XCTAssertEqual(log.losses[0].values, [1.2, 0.6, 0.4])
        XCTAssertEqual(log.losses[0].steps, [1, 2, 3])
        XCTAssertTrue(log.losses[1].values[1].isNaN)
        XCTAssertEqual(log.accuracies.map(\.name), ["training accuracy", "test accuracy"])
        let doc = try SVGDocument(log.figure(logScale: true).svg())
        XCTAssertEqual(doc.all("g", class: "panel").count, 2)
        let test = try XCTUnwrap(doc.series(inPanel: 0)["test loss"])
        XCTAssertEqual(doc.elements[test].attributes["data-points"], "2")
        XCTAssertEqual(doc.elements[test].attributes["data-dropped"], "1")
        XCTAssertEqual(Set(doc.series(inPanel: 1).keys), ["training accuracy", "test accuracy"])
        doc.assertCoordinatesInsideViewBox()
    }

    /// `maclaurin fit --optimizer pso+adam --json`: the swarm's lines (loss only), then Adam's (loss
    /// and the error of each kind); "nan" strings are non-finite values.
    func testFitLinesOfASwarmThenAdam() throws {
        let text = """
            {"loss":0.5,"of":40,"seconds":0.1,"step":10}
            {"loss":0.2,"of":40,"seconds":0.2,"step":20}
            {"dy/dx1":0.01,"loss":0.05,"of":40,"seconds":0.3,"step":30,"y":0.09}
            {"dy/dx1":"nan","loss":0.02,"of":40,"seconds":0.4,"step":40,"y":0.03}
            {"loss":0.02,"mse":{"dy/dx1":0.01,"y":0.03},"model":"m.json"}
            """
        let log = try RunLog.parse(Data(text.utf8))
        XCTAssertEqual(log.source, .fit)
        XCTAssertEqual(log.losses.map(\.name), ["swarm best cost", "loss", "mse dy/dx1", "mse y"])
        XCTAssertEqual(log.losses[0].steps, [10, 20])
        XCTAssertEqual(log.losses[1].steps, [30, 40])
        XCTAssertEqual(log.losses[3].values, [0.09, 0.03])
        XCTAssertTrue(log.losses[2].values[1].isNaN)
        XCTAssertTrue(log.accuracies.isEmpty)
        let doc = try SVGDocument(log.figure().svg())
        XCTAssertEqual(doc.series().count, 4)
        // A pure swarm run is titled as one.
        let swarm = try RunLog.parse(Data(text.split(separator: "\n").prefix(2).joined(separator: "\n").utf8))
        XCTAssertEqual(swarm.figure().panels.first?.title, "Particle swarm")
    }

    /// Errors name the file and the line.
    func testMalformedLinesAreReportedWithTheirLine() {
        let cases: [(String, String)] = [
            ("{\"epoch\":1,\"train_loss\":1}\nEpoch 2 loss 0.5\n", "log.jsonl:2: not a JSON object"),
            ("{\"step\":1,\"loss\":\"lots\"}\n", "log.jsonl:1: \"loss\" is \"lots\", not a number"),
            ("{\"step\":1,\"of\":3}\n", "log.jsonl:1: a \"step\" line without \"loss\""),
            ("{\"loss\":1}\n", "log.jsonl: no progress lines"),
            ("", "log.jsonl: no progress lines"),
            ("{\"epoch\":1,\"train_loss\":1}\n{\"step\":1,\"loss\":1}\n", "log.jsonl:2: a 'fit' line after 'train' lines"),
            ("[1, 2]\n", "log.jsonl:1: not a JSON object"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try RunLog.parse(Data(text.utf8), file: "log.jsonl")) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(error) does not start with \(expected)")
            }
        }
        XCTAssertThrowsError(try RunLog.read(contentsOf: URL(fileURLWithPath: "/nonexistent/run.jsonl"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/run.jsonl: cannot read the file"), "\(error)")
        }
    }
}
