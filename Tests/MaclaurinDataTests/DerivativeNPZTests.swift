import Foundation
import MaclaurinData
import MaclaurinTensor
import XCTest

/// The derivative `.npz` layout (x, y, dy, d2y; NaN = missing), `DerivativeData` dispatch and the
/// checks of `DerivativeDataFile` against a model's sizes.
final class DerivativeNPZTests: XCTestCase {
    var folder: URL?

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDown() { removeTemporaryFolder(folder) }

    private func url(_ name: String) throws -> URL { try XCTUnwrap(folder).appendingPathComponent(name) }

    /// Each kind's samples as sorted (point..., target) rows, to compare datasets whatever the row order.
    private func samples<S: TensorScalar>(_ d: DerivativeDataset<S>) -> [DerivativeKind: [[Double]]] {
        var out: [DerivativeKind: [[Double]]] = [:]
        for g in d.groups {
            let p = g.points.scalars.map(Double.init), t = g.targets.scalars.map(Double.init)
            out[g.kind] = (0..<g.count).map { r in Array(p[(r * d.inputCount)..<((r + 1) * d.inputCount)]) + [t[r]] }
                .sorted { $0.lexicographicallyPrecedes($1) }
        }
        return out
    }

    /// Two outputs, all three orders, samples sharing points and a repeated sample at one point.
    private func mixedDataset() -> DerivativeDataset<Double> {
        DerivativeDataset(inputCount: 2, samples: [
            (.value(output: 0), [0.5, -1], 0.25),
            (.value(output: 1), [0.5, -1], -3),
            (.firstPartial(output: 0, input: 1), [0.5, -1], 1.5),
            (.firstPartial(output: 0, input: 0), [2, 3], 7),
            (.firstPartial(output: 1, input: 0), [2, 3], -0.125),
            (.firstPartial(output: 0, input: 0), [2, 3], 8),            // the same kind twice at one point
            (.secondPartial(output: 0, inputs: 1, 0), [-4, 0.75], 0.5),
            (.secondPartial(output: 1, inputs: 1, 1), [1e-300, 1], 2),
            (.value(output: 0), [9, 9], 1e-17),
        ])
    }

    func testWriteThenReadGivesTheSameSamples() throws {
        let data = mixedDataset()
        let file = try url("mixed.npz")
        try DerivativeData.write(data, to: file)
        let back: DerivativeDataset<Double> = try DerivativeData.load(contentsOf: file)
        XCTAssertEqual(back.inputCount, 2)
        XCTAssertEqual(back.kinds, data.kinds)
        XCTAssertEqual(samples(back), samples(data))

        // The arrays themselves: full rank, shared rows, NaN elsewhere, Hessian symmetric.
        let arrays = try NPZ.read(file)
        XCTAssertEqual(Set(arrays.keys), ["x", "y", "dy", "d2y"])
        let rows = try XCTUnwrap(arrays["x"]).shape[0]
        XCTAssertEqual(rows, 6, "5 distinct points, one of them twice for the repeated dy/dx1")
        XCTAssertEqual(arrays["y"]?.shape, [rows, 2])
        XCTAssertEqual(arrays["dy"]?.shape, [rows, 2, 2])
        XCTAssertEqual(arrays["d2y"]?.shape, [rows, 2, 2, 2])
        let finite = (arrays["y"]?.tensor(as: Double.self).scalars ?? []).filter { !$0.isNaN }
        XCTAssertEqual(finite.sorted(), [-3, 1e-17, 0.25])
        let h = try XCTUnwrap(arrays["d2y"]).tensor(as: Double.self).scalars
        XCTAssertEqual(h.filter { $0 == 0.5 }.count, 2, "d2y/dx1dx2 is written at [.., 0, 1] and [.., 1, 0]")

        // CSV through the same entry point, and the Float reader.
        let csv = try url("mixed.csv")
        try DerivativeData.write(data, to: csv)
        XCTAssertEqual(samples(try DerivativeData.load(contentsOf: csv, as: Double.self)), samples(data))
        let single: DerivativeDataset<Float> = try DerivativeData.load(contentsOf: file)
        XCTAssertEqual(single[.value(output: 0)]?.targets.scalars.sorted(), [Float(1e-17), 0.25])
    }

    func testOneOutputShapesAndVectorX() throws {
        let file = try url("one.npz")
        let nan = Double.nan
        try NPZ.write(["x": AnyTensor(Tensor<Double>([1, 2, 3])),                 // (N,): one input
                       "y": AnyTensor(Tensor<Double>([10, nan, 30])),             // (N,): one output
                       "dy": AnyTensor(Tensor<Double>(shape: [3, 1], scalars: [nan, 2, 3])),
                       "d2y": AnyTensor(Tensor<Float>(shape: [3, 1, 1], scalars: [-1, .nan, .nan]))], to: file)
        let data: DerivativeDataset<Double> = try DerivativeData.load(contentsOf: file)
        XCTAssertEqual(data.inputCount, 1)
        XCTAssertEqual(data[.value(output: 0)]?.points.scalars, [1, 3])
        XCTAssertEqual(data[.value(output: 0)]?.targets.scalars, [10, 30])
        XCTAssertEqual(data[.firstPartial(output: 0, input: 0)]?.points.scalars, [2, 3])
        XCTAssertEqual(data[.secondPartial(output: 0, first: 0, second: 0)]?.targets.scalars, [-1])
        XCTAssertEqual(data.sampleCount, 5)
    }

    func testMalformedArchivesNameTheArray() throws {
        let file = try url("bad.npz")
        let name = file.path
        let x = Tensor<Double>(shape: [2, 2], scalars: [0, 1, 2, 3])
        func attempt(_ arrays: [String: Tensor<Double>]) throws -> DerivativeDataset<Double> {
            try NPZ.write(arrays, to: file)
            return try DerivativeNPZ.read(contentsOf: file)
        }
        assertDataError(.badHeader, file: name, at: .tensor("dydx")) { try attempt(["x": x, "dydx": x]) }
        assertDataError(.badHeader, file: name, at: .wholeFile) { try attempt(["y": Tensor([1, 2])]) }
        assertDataError(.badHeader, file: name, at: .wholeFile) { try attempt(["x": x]) }
        let wrong = assertDataError(.shapeMismatch, file: name, at: .tensor("dy")) {
            try attempt(["x": x, "dy": Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5])])
        }
        XCTAssertTrue(wrong?.message.contains("(2, m, 2)") ?? false, wrong?.description ?? "")
        assertDataError(.nonFinite, file: name, at: .tensor("y")) { try attempt(["x": x, "y": Tensor([1, .infinity])]) }
        assertDataError(.nonFinite, file: name, at: .tensor("x")) {
            try attempt(["x": Tensor([0, .nan]), "y": Tensor([1, 2])])
        }
        assertDataError(.invalidValue, file: name, at: .wholeFile) { try attempt(["x": x, "y": Tensor([.nan, .nan])]) }
        let asymmetric = Tensor<Double>(shape: [2, 2, 2], scalars: [1, 2, 3, 4, .nan, .nan, .nan, .nan])
        let error = assertDataError(.invalidValue, file: name, at: .tensor("d2y")) { try attempt(["x": x, "d2y": asymmetric]) }
        XCTAssertTrue(error?.message.contains("symmetric") ?? false)
        // One triangle is enough.
        let lower = Tensor<Double>(shape: [2, 2, 2], scalars: [1, .nan, 3, 4, .nan, .nan, .nan, .nan])
        let data = try attempt(["x": x, "d2y": lower])
        XCTAssertEqual(data[.secondPartial(output: 0, first: 0, second: 1)]?.targets.scalars, [3])
    }

    /// A file written by real NumPy (`Scripts/make-npz-fixture.py`, np.savez_compressed, mixed
    /// dtypes): the samples present follow the script's rule and equal sin(x1) cos(x2) and its
    /// derivatives, computed here.
    func testReadsAnArchiveWrittenByNumPy() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/sincos_numpy.npz")
        let data: DerivativeDataset<Double> = try DerivativeData.load(contentsOf: fixture)
        XCTAssertEqual(data.inputCount, 2)
        let rows = 0..<12
        let expectedCounts: [DerivativeKind: Int] = [
            .value(output: 0): rows.filter { $0 % 2 == 0 }.count,
            .firstPartial(output: 0, input: 0): rows.filter { $0 % 3 == 0 }.count,
            .firstPartial(output: 0, input: 1): rows.filter { $0 % 3 == 1 }.count,
            .secondPartial(output: 0, first: 0, second: 0): rows.filter { $0 % 4 == 3 }.count,
            .secondPartial(output: 0, first: 0, second: 1): rows.filter { $0 % 4 == 3 }.count,
            .secondPartial(output: 0, first: 1, second: 1): rows.filter { $0 % 4 == 3 }.count,
        ]
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: data.groups.map { ($0.kind, $0.count) }), expectedCounts)
        for g in data.groups {
            let p = g.points.scalars, t = g.targets.scalars
            for r in 0..<g.count {
                let (a, b) = (p[2 * r], p[2 * r + 1])
                let exact: Double
                switch g.kind {
                case .value: exact = sin(a) * cos(b)
                case .firstPartial(_, 0): exact = cos(a) * cos(b)
                case .firstPartial: exact = -sin(a) * sin(b)
                case .secondPartial(_, 0, 1): exact = -cos(a) * sin(b)
                case .secondPartial: exact = -sin(a) * cos(b)
                }
                let tolerance = g.kind.order == 2 ? 1e-7 : 1e-15     // d2y is float32 in the file
                XCTAssertEqual(t[r], exact, accuracy: tolerance, "\(g.kind) at (\(a), \(b))")
            }
        }
    }

    /// NumPy reads what we write: shapes, NaN for missing entries, the values.
    func testNumPyReadsOurArchive() throws {
        let file = try url("ours.npz")
        try DerivativeData.write(mixedDataset(), to: file)
        let script = """
        import numpy as np
        a = np.load(sys.argv[1])
        assert sorted(a.files) == ['d2y', 'dy', 'x', 'y'], a.files
        x, y, dy, d2y = a['x'], a['y'], a['dy'], a['d2y']
        assert x.dtype == np.float64 and x.shape == (6, 2) and y.shape == (6, 2), (x.shape, y.shape)
        assert dy.shape == (6, 2, 2) and d2y.shape == (6, 2, 2, 2)
        r = [i for i in range(6) if (x[i] == [0.5, -1]).all()][0]
        assert y[r, 0] == 0.25 and y[r, 1] == -3 and dy[r, 0, 1] == 1.5 and np.isnan(dy[r, 0, 0])
        assert np.isnan(y).sum() == 12 - 3
        assert (d2y == np.swapaxes(d2y, 2, 3))[~np.isnan(d2y)].all()
        """
        try runPythonCheck(script, requiring: "numpy", [file.path])
    }

    func testChecksAgainstAModelNameTheLine() throws {
        let csv = try url("data.csv")
        try Data("""
            # comment
            x1,x2,kind,value
            0,1,y,2
            1,1,dy/dx2,3

            2,2,dy2/dx1,4
            3,3,y2,5
            """.utf8).write(to: csv)
        let file = try DerivativeDataFile<Double>(contentsOf: csv)
        XCTAssertEqual(file.locations[.firstPartial(output: 1, input: 0)], .line(6, column: nil))
        XCTAssertEqual(file.locations[.value(output: 1)], .line(7, column: nil))
        XCTAssertNoThrow(try file.checkFits(inputCount: 2, outputCount: 2, model: "m.json"))
        let outputs = assertDataError(.shapeMismatch, file: csv.path, at: .line(6, column: nil)) {
            try file.checkFits(inputCount: 2, outputCount: 1, model: "m.json")
        }
        XCTAssertTrue(outputs?.message.contains("'dy2/dx1' refers to output y2") ?? false, outputs?.description ?? "")
        XCTAssertTrue(outputs?.message.contains("m.json has 1 output") ?? false, outputs?.description ?? "")
        let inputs = assertDataError(.shapeMismatch, file: csv.path, at: .line(2, column: nil)) {
            try file.checkFits(inputCount: 3, outputCount: 2, model: "m.json")
        }
        XCTAssertTrue(inputs?.message.contains("takes 3 inputs") ?? false, inputs?.description ?? "")

        let npz = try url("data.npz")
        try DerivativeData.write(file.dataset, to: npz)
        let fromNPZ = try DerivativeDataFile<Double>(contentsOf: npz)
        assertDataError(.shapeMismatch, file: npz.path, at: .tensor("y")) {     // y2 comes first in kind order
            try fromNPZ.checkFits(inputCount: 2, outputCount: 1, model: "m.json")
        }
        assertDataError(.shapeMismatch, file: npz.path, at: .tensor("x")) {
            try fromNPZ.checkFits(inputCount: 1, outputCount: 2, model: "m.json")
        }
    }

    func testPointsFiles() throws {
        let csv = try url("points.csv")
        try Data("x1,x2\n# a comment\n1, 2\n\n-0.5,3e2\n".utf8).write(to: csv)
        let points: Tensor<Double> = try PointsFile.read(contentsOf: csv)
        XCTAssertEqual(points.shape, [2, 2])
        XCTAssertEqual(points.scalars, [1, 2, -0.5, 300])
        try Data("1,2\n3\n".utf8).write(to: csv)
        assertDataError(.shapeMismatch, file: csv.path, at: .line(2, column: nil)) { try PointsFile.read(contentsOf: csv, as: Double.self) }
        try Data("1,2\n3,abc\n".utf8).write(to: csv)
        assertDataError(.invalidValue, file: csv.path, at: .line(2, column: 2)) { try PointsFile.read(contentsOf: csv, as: Double.self) }
        try Data("1,inf\n".utf8).write(to: csv)
        assertDataError(.nonFinite, file: csv.path, at: .line(1, column: 2)) { try PointsFile.read(contentsOf: csv, as: Double.self) }

        let npy = try url("points.npy")
        try NPY.write(Tensor<Float>([0.25, 4, 8]), to: npy)
        let column: Tensor<Double> = try PointsFile.read(contentsOf: npy)
        XCTAssertEqual(column.shape, [3, 1])
        XCTAssertEqual(column.scalars, [0.25, 4, 8])
        let npz = try url("points.npz")
        try NPZ.write(["x": Tensor<Double>(shape: [1, 3], scalars: [1, 2, 3])], to: npz)
        XCTAssertEqual(try PointsFile.read(contentsOf: npz, as: Double.self).shape, [1, 3])
        try NPZ.write(["points": Tensor<Double>([1])], to: npz)
        assertDataError(.badHeader, file: npz.path, at: .wholeFile) { try PointsFile.read(contentsOf: npz, as: Double.self) }
    }
}
