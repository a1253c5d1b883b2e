import Foundation
import MaclaurinData
import MaclaurinTensor
import XCTest

final class DigitsTests: XCTestCase {
    func testCountsShapesAndRanges() {
        let digits = Digits.load()
        XCTAssertEqual(digits.count, 1797)
        XCTAssertEqual(digits.images.shape, [1797, 8, 8, 1])
        XCTAssertEqual(digits.classNames, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
        let pixels = digits.images.scalars
        XCTAssertEqual(pixels.min(), 0)
        XCTAssertEqual(pixels.max(), 1)
        // Every pixel is k/16 for an integer k in 0...16.
        XCTAssertTrue(pixels.allSatisfy { ($0 * 16).rounded() == $0 * 16 && $0 >= 0 && $0 <= 1 })
        XCTAssertTrue(digits.labels.allSatisfy { (0...9).contains($0) })
    }

    func testEveryClassIsWellRepresented() {
        let histogram = Digits.load().classHistogram
        XCTAssertEqual(histogram.count, 10)
        XCTAssertEqual(histogram.reduce(0, +), 1797)
        // The set is nearly balanced: about 180 images per class.
        XCTAssertTrue(histogram.allSatisfy { (170...190).contains($0) }, "\(histogram)")
        let (train, test) = Digits.trainTestSplit()
        XCTAssertTrue(train.classHistogram.allSatisfy { $0 > 100 }, "\(train.classHistogram)")
        XCTAssertTrue(test.classHistogram.allSatisfy { $0 > 20 }, "\(test.classHistogram)")
    }

    func testSplitIsFirst1437ThenLast360() {
        let all = Digits.load()
        let (train, test) = Digits.trainTestSplit()
        XCTAssertEqual(train.count, 1437)
        XCTAssertEqual(test.count, 360)
        XCTAssertEqual(train.images.shape, [1437, 8, 8, 1])
        XCTAssertEqual(test.images.shape, [360, 8, 8, 1])
        XCTAssertEqual(train.labels, Array(all.labels[..<1437]))
        XCTAssertEqual(test.labels, Array(all.labels[1437...]))
        XCTAssertEqual(test.images.scalars, Array(all.images.scalars[(1437 * 64)...]))
        // Pixel placement: image n, row y, column x is raw byte 65 n + 8 y + x, divided by 16.
        let raw = Digits.rawRecords
        for (n, y, x) in [(0, 0, 2), (1436, 7, 7), (1796, 3, 4)] {
            XCTAssertEqual(all.images[n, y, x, 0], Float(raw[65 * n + 8 * y + x]) / 16)
        }
        XCTAssertEqual(test.images[359, 3, 4, 0], all.images[1796, 3, 4, 0])
    }

    /// The embedded bytes equal the published CSV (read with gzip when the shared copy is present).
    func testEmbeddedBytesEqualTheCompressedCSV() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let archive = root.appendingPathComponent("../shared/data/digits.csv.gz").standardizedFileURL
        guard FileManager.default.fileExists(atPath: archive.path),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/gzip") else {
            throw XCTSkip("\(archive.path) or /usr/bin/gzip is not available")
        }
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/gzip")
        gzip.arguments = ["-dc", archive.path]
        let pipe = Pipe()
        gzip.standardOutput = pipe
        try gzip.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        gzip.waitUntilExit()
        XCTAssertEqual(gzip.terminationStatus, 0)
        let rows = text.split(separator: "\n")
        XCTAssertEqual(rows.count, 1797)
        let values = rows.flatMap { $0.split(separator: ",").map { UInt8(String($0)) } }
        XCTAssertEqual(values.count, 1797 * 65)
        XCTAssertEqual(values.compactMap { $0 }, Digits.rawRecords)
    }

    func testLabeledImagesHelpers() {
        let digits = Digits.load()
        let picked = digits.selecting([5, 0, 5])
        XCTAssertEqual(picked.labels, [digits.labels[5], digits.labels[0], digits.labels[5]])
        XCTAssertEqual(Array(picked.images.scalars[64..<128]), Array(digits.images.scalars[0..<64]))
        XCTAssertEqual(picked.imageShape, [8, 8, 1])
        let oneHot = picked.oneHotLabels(as: Double.self)
        XCTAssertEqual(oneHot.shape, [3, 10])
        for row in 0..<3 {
            for column in 0..<10 {
                XCTAssertEqual(oneHot[row, column], column == picked.labels[row] ? 1 : 0)
            }
        }
    }
}
