import Foundation
import MaclaurinData
import XCTest

final class DerivativeCSVTests: XCTestCase {
    func parse(_ text: String) throws(DerivativeCSVError) -> DerivativeDataset<Double> {
        try DerivativeCSV.parse(Data(text.utf8), file: "d.csv")
    }

    func expectError(_ text: String, line: Int?, column: Int?, containing words: [String],
                     file: StaticString = #filePath, at: UInt = #line) {
        expectError(Data(text.utf8), line: line, column: column, containing: words, file: file, at: at)
    }

    func expectError(_ data: Data, line: Int?, column: Int?, containing words: [String],
                     file: StaticString = #filePath, at: UInt = #line) {
        do {
            let d: DerivativeDataset<Double> = try DerivativeCSV.parse(data, file: "d.csv")
            XCTFail("expected an error, parsed \(d.sampleCount) samples", file: file, line: at)
        } catch {
            XCTAssertEqual(error.file, "d.csv", file: file, line: at)
            XCTAssertEqual(error.line, line, "line of: \(error)", file: file, line: at)
            XCTAssertEqual(error.column, column, "column of: \(error)", file: file, line: at)
            for w in words { XCTAssertTrue(error.description.contains(w), "'\(w)' not in: \(error)", file: file, line: at) }
            let prefix = ["d.csv", line.map(String.init), column.map(String.init)].compactMap { $0 }.joined(separator: ":") + ": "
            XCTAssertTrue(error.description.hasPrefix(prefix), "\(error)", file: file, line: at)
        }
    }

    func testKindSpellings() {
        let cases: [(String, DerivativeKind)] = [
            ("y", .value(output: 0)), ("y1", .value(output: 0)), ("y3", .value(output: 2)),
            ("dy/dx2", .firstPartial(output: 0, input: 1)), ("dy2/dx1", .firstPartial(output: 1, input: 0)),
            ("d2y/dx1dx2", .secondPartial(output: 0, first: 0, second: 1)),
            ("d2y/dx2dx1", .secondPartial(output: 0, first: 0, second: 1)),
            ("d2y2/dx3dx3", .secondPartial(output: 1, first: 2, second: 2)), (" dy/dx10 ", .firstPartial(output: 0, input: 9)),
        ]
        for (text, kind) in cases {
            XCTAssertEqual(DerivativeKind(parsing: text), kind, text)
            XCTAssertEqual(DerivativeKind(parsing: kind.description), kind, "round trip of \(kind)")
        }
        for bad in ["", "x", "y0", "dy/dx0", "dy/dx", "dy/x1", "d2y/dx1", "d3y/dx1dx1dx1", "dy/dx1dx2", "yy", "Y"] {
            XCTAssertNil(DerivativeKind(parsing: bad), bad)
        }
        XCTAssertLessThan(DerivativeKind.value(output: 1), .firstPartial(output: 0, input: 0))
    }

    func testParsesMixedKindsInAnyOrderWithRoundTrip() throws {
        let text = """
        # sin(x1) cos(x2) samples
        x2,kind,x1,value\r
        0.5, dy/dx1 ,0.25,1.5\r
        -1,y,2,-0.75

        1e-3,d2y/dx2dx1,3,"4.5"
        0.5,y,0.125,2
        2,dy2/dx2,1,-1
        """
        let d = try parse(text)
        XCTAssertEqual(d.inputCount, 2)
        XCTAssertEqual(d.outputCount, 2)
        XCTAssertEqual(d.sampleCount, 5)
        XCTAssertEqual(d.kinds, [.value(output: 0), .firstPartial(output: 0, input: 0), .firstPartial(output: 1, input: 1),
                                 .secondPartial(output: 0, first: 0, second: 1)])
        let values = try XCTUnwrap(d[.value(output: 0)])
        XCTAssertEqual(values.points.scalars, [2, -1, 0.125, 0.5])       // columns reordered to x1, x2
        XCTAssertEqual(values.targets.scalars, [-0.75, 2])
        XCTAssertEqual(d[.secondPartial(output: 0, first: 0, second: 1)]?.points.scalars, [3, 1e-3])
        XCTAssertEqual(d[.firstPartial(output: 0, input: 0)]?.targets.scalars, [1.5])
        XCTAssertEqual(d.maximumOrder, 2)
        // Writing and reading again gives the same dataset bit for bit.
        let again = try parse(DerivativeCSV.write(d))
        XCTAssertEqual(again.kinds, d.kinds)
        for (a, b) in zip(again.groups, d.groups) {
            XCTAssertTrue(a.points.isIdentical(to: b.points) && a.targets.isIdentical(to: b.targets))
        }
        // With a byte-order mark, and from a file.
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mcl-deriv-\(getpid()).csv")
        try Data(("\u{FEFF}" + text).utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let fromFile: DerivativeDataset<Float> = try DerivativeCSV.read(contentsOf: url)
        XCTAssertEqual(fromFile.sampleCount, 5)
    }

    func testErrorsNameLineAndColumn() {
        let header = "x1,x2,kind,value\n"
        expectError(header + "1,2,y,abc\n", line: 2, column: 4, containing: ["'abc'", "'value'", "not a number"])
        expectError(header + "1,2,y,3\n1,zz,y,3\n", line: 3, column: 2, containing: ["'zz'", "'x2'"])
        expectError(header + "1,2,y,nan\n", line: 2, column: 4, containing: ["not a finite number"])
        expectError(header + "inf,2,y,1\n", line: 2, column: 1, containing: ["not a finite number"])
        expectError(header + "1,2,y,-Infinity\n", line: 2, column: 4, containing: ["not a finite"])
        expectError(header + "1,2,dz/dx1,1\n", line: 2, column: 3, containing: ["unknown kind 'dz/dx1'"])
        expectError(header + "1,2,dy/dx3,1\n", line: 2, column: 3, containing: ["x3", "2 inputs"])
        expectError(header + "1,2,d2y/dx1dx5,1\n", line: 2, column: 3, containing: ["x5"])
        expectError(header + "1,2,y\n", line: 2, column: nil, containing: ["expected 4 columns, found 3"])
        expectError(header + "\n# c\n1,2,y,1,5\n", line: 4, column: nil, containing: ["found 5"])
        expectError("", line: nil, column: nil, containing: ["empty"])
        expectError("\n  \n# only a comment\n", line: nil, column: nil, containing: ["empty"])
        expectError("x1,x2,value\n1,2,3\n", line: 1, column: nil, containing: ["no 'kind' column"])
        expectError("x1,kind\n1,y\n", line: 1, column: nil, containing: ["no 'value' column"])
        expectError("kind,value\ny,1\n", line: 1, column: nil, containing: ["no input columns"])
        expectError("x1,x3,kind,value\n1,2,y,1\n", line: 1, column: nil, containing: ["no 'x2'"])
        expectError("x1,x1,kind,value\n", line: 1, column: 2, containing: ["twice"])
        expectError("x1,weight,kind,value\n", line: 1, column: 2, containing: ["unexpected column 'weight'"])
        expectError(header, line: 1, column: nil, containing: ["no samples"])
        var bytes = Data((header + "1,2,y,1\n1,2,").utf8)
        bytes.append(contentsOf: [0x79, 0xC3, 0x28])                // 'y', then a broken 2-byte sequence
        bytes.append(contentsOf: Array(",1\n".utf8))
        expectError(bytes, line: 3, column: 6, containing: ["not valid UTF-8", "0xc3"])
    }

    func testMissingFile() {
        let url = URL(fileURLWithPath: "/nonexistent/maclaurin-\(getpid()).csv")
        XCTAssertThrowsError(try DerivativeCSV.read(contentsOf: url, as: Double.self)) { error in
            XCTAssertTrue("\(error)".hasPrefix(url.path + ": cannot read the file"), "\(error)")
        }
    }

    func testDatasetFromSamplesGroupsByKind() {
        let d = DerivativeDataset<Double>(inputCount: 2, samples: [
            (.firstPartial(output: 0, input: 1), [1, 2], 3), (.value(output: 0), [4, 5], 6),
            (.firstPartial(output: 0, input: 1), [7, 8], 9), (.secondPartial(output: 0, inputs: 1, 0), [0, 1], 2),
        ])
        XCTAssertEqual(d.kinds, [.value(output: 0), .firstPartial(output: 0, input: 1), .secondPartial(output: 0, first: 0, second: 1)])
        XCTAssertEqual(d[.firstPartial(output: 0, input: 1)]?.points.scalars, [1, 2, 7, 8])
        XCTAssertEqual(d[.firstPartial(output: 0, input: 1)]?.targets.scalars, [3, 9])
        XCTAssertEqual(d.sampleCount, 4)
        XCTAssertEqual(d.outputCount, 1)
        XCTAssertNil(d[.value(output: 1)])
    }
}
