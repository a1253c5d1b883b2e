import Foundation
import MaclaurinData
import XCTest

final class TextFileTests: XCTestCase {
    var folder: URL?

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDown() { removeTemporaryFolder(folder) }

    private func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let url = try XCTUnwrap(folder).appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func testReadsUTF8AndDropsByteOrderMark() throws {
        let url = try write([0xEF, 0xBB, 0xBF] + Array("x,y\n1,é\n".utf8), "ok.csv")
        XCTAssertEqual(try TextFile.read(url), "x,y\n1,é\n")
    }

    func testNonUTF8GivesLineAndColumn() throws {
        // Line 3, column 4: a Latin-1 "é" (0xE9) where UTF-8 needs two bytes.
        let url = try write(Array("x,y\n1,2\n3,".utf8) + [0xE9] + Array("\n".utf8), "latin1.csv")
        let error = assertDataError(.notUTF8, file: url.path, at: .line(3, column: 3)) { try TextFile.read(url) }
        XCTAssertTrue(error?.message.contains("0xE9") ?? false, "\(String(describing: error))")
    }

    func testEmptyAndMissingFiles() throws {
        let empty = try write([], "empty.csv")
        assertDataError(.empty, file: empty.path, at: .wholeFile) { try TextFile.read(empty) }
        let missing = try XCTUnwrap(folder).appendingPathComponent("missing.csv")
        assertDataError(.notFound, file: missing.path, at: .wholeFile) { try TextFile.read(missing) }
    }

    func testNumbers() throws {
        XCTAssertEqual(try TextFile.number(" -1.5 ", file: "d.csv", line: 1, column: 1), -1.5)
        XCTAssertEqual(try TextFile.number("2e-3", file: "d.csv", line: 1, column: 1), 0.002)
        XCTAssertEqual(try TextFile.number("+7", file: "d.csv", line: 1, column: 1), 7)
        XCTAssertTrue(try TextFile.number("nan", file: "d.csv", line: 1, column: 1, allowNonFinite: true).isNaN)
    }

    func testNotANumberGivesTheExampleMessage() {
        let error = assertDataError(.invalidValue, file: "digits.csv", at: .line(12, column: 3)) {
            try TextFile.number("abc", file: "digits.csv", line: 12, column: 3)
        }
        XCTAssertEqual(error?.description, "digits.csv:12:3: expected a number, found \"abc\"")
        assertDataError(.invalidValue, file: "d.csv", at: .line(2, column: 5)) {
            try TextFile.number("", file: "d.csv", line: 2, column: 5)
        }
        assertDataError(.invalidValue, file: "d.csv", at: .line(2, column: 5)) {
            try TextFile.number("0x1p3", file: "d.csv", line: 2, column: 5)
        }
    }

    func testNonFiniteNumbersAreRefused() {
        for text in ["NaN", "inf", "-Infinity", "1e999"] {
            assertDataError(.nonFinite, file: "d.csv", at: .line(4, column: 1)) {
                try TextFile.number(text, file: "d.csv", line: 4, column: 1)
            }
        }
    }
}
