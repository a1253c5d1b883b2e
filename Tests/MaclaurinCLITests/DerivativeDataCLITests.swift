import Foundation
import Maclaurin
import XCTest

/// `fit` and `evaluate` on derivative data (CSV and .npz), `derive --points/--out`, by running the binary.
final class DerivativeDataCLITests: ScratchFolderTestCase {
    /// 48 samples of sin(x1) cos(x2) on a grid: values, both first partials and the mixed second partial.
    private func sinCosData() -> DerivativeDataset<Double> {
        var samples: [(kind: DerivativeKind, point: [Double], target: Double)] = []
        for i in 0..<48 {
            let a = -1.5 + 3 * Double(i % 8) / 7, b = -1.2 + 2.4 * Double(i / 8) / 5
            switch i % 4 {
            case 0: samples.append((.value(output: 0), [a, b], sin(a) * cos(b)))
            case 1: samples.append((.firstPartial(output: 0, input: 0), [a, b], cos(a) * cos(b)))
            case 2: samples.append((.firstPartial(output: 0, input: 1), [a, b], -sin(a) * sin(b)))
            default: samples.append((.secondPartial(output: 0, inputs: 0, 1), [a, b], -cos(a) * sin(b)))
            }
        }
        return DerivativeDataset(inputCount: 2, samples: samples)
    }

    private func fitArguments(_ data: String, out: String, precision: String = "double") -> [String] {
        ["fit", data, "--layers", "2,6,1", "--activation", "tanh", "--optimizer", "adam", "--iterations", "40",
         "--learning-rate", "0.05", "--precision", precision, "--quiet", "--out", out]
    }

    /// `evaluate MODEL DATA` prints the per-kind errors and a total equal to the loss `fit` reported,
    /// for JSON and safetensors models, in double and float, from CSV and from .npz.
    func testEvaluateReproducesTheFitLoss() throws {
        let csv = try path("sincos.csv"), npz = try path("sincos.npz")
        try DerivativeData.write(sinCosData(), to: URL(fileURLWithPath: csv))
        try DerivativeData.write(sinCosData(), to: URL(fileURLWithPath: npz))

        for (precision, out) in [("double", "model.json"), ("double", "model.safetensors"), ("float", "model.safetensors")] {
            let model = try path(out)
            let fit = try CLI.run(fitArguments(csv, out: model, precision: precision))
            XCTAssertEqual(fit.status, 0, fit.error)
            let fitted = try XCTUnwrap(fit.json, fit.output)
            let loss = try XCTUnwrap(fitted["loss"] as? Double)
            let fitMSE = try XCTUnwrap(fitted["mse"] as? [String: Double])
            XCTAssertEqual(Set(fitMSE.keys), ["y", "dy/dx1", "dy/dx2", "d2y/dx1dx2"])

            let evaluated = try CLI.run(["evaluate", model, csv, "--precision", precision])
            XCTAssertEqual(evaluated.status, 0, evaluated.error)
            let result = try XCTUnwrap(evaluated.json, evaluated.output)
            let total = try XCTUnwrap(result["mse_total"] as? Double)
            let mse = try XCTUnwrap(result["mse"] as? [String: Double])
            XCTAssertEqual(result["count"] as? Int, 48)
            if out.hasSuffix(".safetensors") {
                XCTAssertEqual(total, loss, "\(precision): the weights are stored exactly, so the loss is the same number")
                XCTAssertEqual(mse, fitMSE)
            } else {
                XCTAssertEqual(total, loss, accuracy: 1e-12 * loss)
                for (kind, e) in fitMSE { XCTAssertEqual(try XCTUnwrap(mse[kind]), e, accuracy: 1e-12 * e, kind) }
            }
            // Equal weights: the total is the mean of the kinds' errors (summed in the model's precision).
            XCTAssertEqual(total, mse.values.reduce(0, +) / 4, accuracy: (precision == "float" ? 1e-6 : 1e-12) * total)

            let fromNPZ = try CLI.run(["evaluate", model, npz, "--precision", precision])
            XCTAssertEqual(fromNPZ.status, 0, fromNPZ.error)
            let npzTotal = try XCTUnwrap(fromNPZ.json?["mse_total"] as? Double)
            XCTAssertEqual(npzTotal, total, accuracy: (precision == "float" ? 1e-5 : 1e-12) * total, "same samples, other order")
        }

        // fit reads .npz too, and learns: the loss after 40 steps is below the loss of the initial model.
        let start = try CLI.run(["fit", npz, "--layers", "2,6,1", "--iterations", "1", "--learning-rate", "1e-9", "--quiet"])
        let trained = try CLI.run(fitArguments(npz, out: try path("npz.safetensors")))
        XCTAssertEqual(trained.status, 0, trained.error)
        let first = try XCTUnwrap(start.json?["loss"] as? Double), last = try XCTUnwrap(trained.json?["loss"] as? Double)
        XCTAssertLessThan(last, 0.5 * first)
    }

    func testEvaluateErrorsNameTheFileAndLine() throws {
        let csv = try path("two.csv")
        try Data("x1,x2,kind,value\n0,1,y,2\n# a comment\n1,2,dy2/dx1,0.5\n".utf8).write(to: URL(fileURLWithPath: csv))
        let wide = try path("wide.json"), narrow = try path("narrow.json")
        try Data(#"{"input": 3, "layers": [{"type": "dense", "units": 2}]}"#.utf8).write(to: URL(fileURLWithPath: wide))
        try Data(#"{"input": 2, "layers": [{"type": "dense", "units": 1}]}"#.utf8).write(to: URL(fileURLWithPath: narrow))

        let inputs = try CLI.run(["evaluate", wide, csv])
        XCTAssertNotEqual(inputs.status, 0)
        assertOneLineError(inputs, mentions: [csv + ":1:", "2 input columns", "wide.json", "takes 3 inputs"])
        let outputs = try CLI.run(["evaluate", narrow, csv])
        assertOneLineError(outputs, mentions: [csv + ":4:", "'dy2/dx1'", "output y2", "narrow.json has 1 output"])
        let unknownKind = try path("kind.csv")
        try Data("x1,x2,kind,value\n0,1,dy/dx3,2\n".utf8).write(to: URL(fileURLWithPath: unknownKind))
        assertOneLineError(try CLI.run(["evaluate", narrow, unknownKind]), mentions: [unknownKind + ":2:3:", "x3"])
        let mixed = try CLI.run(["evaluate", narrow, csv, "--dataset", "digits"])
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.error.contains("--dataset"), mixed.error)
        let badNPZ = try path("bad.npz")
        try NPZ.write(["x": Tensor<Double>(shape: [1, 2], scalars: [0, 1]), "dydx": Tensor<Double>([1])],
                      to: URL(fileURLWithPath: badNPZ))
        assertOneLineError(try CLI.run(["evaluate", narrow, badNPZ]), mentions: [badNPZ, "\"dydx\"", "unknown array"])
    }

    /// `derive --points FILE --out FILE.npz` writes the same numbers `derive` prints, and reads
    /// safetensors models and .npy / CSV points.
    func testDeriveReadsPointsAndWritesNPZ() throws {
        let csv = try path("sincos.csv"), model = try path("m.safetensors")
        try DerivativeData.write(sinCosData(), to: URL(fileURLWithPath: csv))
        let fit = try CLI.run(fitArguments(csv, out: model))
        XCTAssertEqual(fit.status, 0, fit.error)
        let npy = try path("X.npy"), pointsCSV = try path("X.csv")
        try NPY.write(Tensor<Double>(shape: [2, 2], scalars: [0.25, -1, 1.5, 0.5]), to: URL(fileURLWithPath: npy))
        try Data("x1,x2\n0.25,-1\n1.5,0.5\n".utf8).write(to: URL(fileURLWithPath: pointsCSV))
        let common = ["--at", "-0.5,0.75", "--hessian", "--order", "3", "--direction", "-1,2"]   // values may start with '-'

        let printed = try CLI.run(["derive", model, "--points", npy] + common)
        XCTAssertEqual(printed.status, 0, printed.error)
        let items = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(printed.output.utf8)) as? [[String: Any]])
        XCTAssertEqual(items.map { $0["x"] as? [Double] }, [[-0.5, 0.75], [0.25, -1], [1.5, 0.5]], "--at first, then the file")
        let fromCSV = try CLI.run(["derive", model, "--points", pointsCSV] + common)
        XCTAssertEqual(fromCSV.output, printed.output)

        let results = try path("results.npz")
        let written = try CLI.run(["derive", model, "--points", npy, "--out", results] + common)
        XCTAssertEqual(written.status, 0, written.error)
        XCTAssertEqual(written.json?["points"] as? Int, 3)
        let arrays = try NPZ.read(URL(fileURLWithPath: results))
        XCTAssertEqual(Set(arrays.keys), ["x", "value", "jacobian", "hessian", "directional"])
        XCTAssertEqual(arrays["jacobian"]?.shape, [3, 1, 2])
        XCTAssertEqual(arrays["hessian"]?.shape, [3, 1, 2, 2])
        XCTAssertEqual(arrays["directional"]?.shape, [3, 1, 4])
        for (name, key) in [("value", "value"), ("jacobian", "jacobian"), ("hessian", "hessian"), ("directional", "directional")] {
            let stored = try XCTUnwrap(arrays[name]).tensor(as: Double.self).scalars
            let json = items.flatMap { flatten($0[key]) }
            XCTAssertEqual(stored.count, json.count, name)
            for (s, j) in zip(stored, json) { XCTAssertEqual(s, j, accuracy: 1e-15 * max(1, abs(j)), name) }
        }
        // The file's Hessian is the derivative of its Jacobian: the directional second derivative
        // v^T H v equals entry 2 of the directional derivatives.
        let h = try XCTUnwrap(arrays["hessian"]).tensor(as: Double.self).scalars
        let d = try XCTUnwrap(arrays["directional"]).tensor(as: Double.self).scalars
        let v = [-1.0, 2.0]
        for b in 0..<3 {
            var vhv = 0.0
            for i in 0..<2 { for k in 0..<2 { vhv += v[i] * h[b * 4 + i * 2 + k] * v[k] } }
            XCTAssertEqual(vhv, d[b * 4 + 2], accuracy: 1e-10 * max(1, abs(vhv)))
        }

        let wrongWidth = try path("W.npy")
        try NPY.write(Tensor<Double>(shape: [1, 3], scalars: [1, 2, 3]), to: URL(fileURLWithPath: wrongWidth))
        assertOneLineError(try CLI.run(["derive", model, "--points", wrongWidth]), mentions: [wrongWidth, "3 coordinates", "2 inputs"])
        let badOut = try CLI.run(["derive", model, "--at", "0,0", "--out", try path("r.json")])
        XCTAssertNotEqual(badOut.status, 0)
        XCTAssertTrue(badOut.error.contains(".npz"), badOut.error)
    }

    private func flatten(_ value: Any?) -> [Double] {
        if let d = value as? Double { return [d] }
        if let a = value as? [Any] { return a.flatMap { flatten($0) } }
        return []
    }

    private func assertOneLineError(_ result: CLI.Result, mentions: [String], line: UInt = #line) {
        XCTAssertNotEqual(result.status, 0, line: line)
        let text = result.error.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(text.hasPrefix("Error: "), "stderr: \(result.error)", line: line)
        XCTAssertEqual(text.split(separator: "\n").count, 1, "one line: \(result.error)", line: line)
        for m in mentions { XCTAssertTrue(text.contains(m), "'\(m)' missing from: \(text)", line: line) }
    }
}
