import Foundation
import MaclaurinData
import MaclaurinTensor
import XCTest

final class CIFAR10Tests: XCTestCase {
    var folder: URL?

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDown() { removeTemporaryFolder(folder) }

    /// Record `index` of a synthetic data set: a label and 3072 pixel bytes from a fixed formula.
    private func record(_ index: Int) -> [UInt8] {
        var bytes = [UInt8(index % 10)]
        bytes += (0..<3072).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index &* 7 &+ ($0 >> 10) &* 101) }
        return bytes
    }

    /// Writes the six CIFAR files with the given record counts; returns the global index of each file's first record.
    @discardableResult
    private func writeSplit(train counts: [Int], test: Int, into directory: URL) throws -> [Int] {
        var next = 0
        var starts: [Int] = []
        for (file, count) in zip(CIFAR10.Split.train.fileNames + ["test_batch.bin"], counts + [test]) {
            starts.append(next)
            let bytes = (next..<next + count).flatMap(record)
            try Data(bytes).write(to: directory.appendingPathComponent(file))
            next += count
        }
        return starts
    }

    func testPixelPlacementChannelPlanesToNHWC() throws {
        let directory = try XCTUnwrap(folder)
        try writeSplit(train: [2, 1, 3, 1, 2], test: 4, into: directory)
        let train = try CIFAR10.load(directory: directory, split: .train)
        XCTAssertEqual(train.images.shape, [9, 32, 32, 3])
        XCTAssertEqual(train.labels, (0..<9).map { $0 % 10 })
        XCTAssertEqual(train.classNames.count, 10)
        // Every value: image[n, y, x, c] == record_n[1 + 1024 c + 32 y + x] / 255.
        let pixels = train.images.scalars
        for n in 0..<9 {
            let bytes = record(n)
            for y in 0..<32 {
                for x in 0..<32 {
                    for c in 0..<3 {
                        let expected = Float(bytes[1 + 1024 * c + 32 * y + x]) / 255
                        let actual = pixels[((n * 32 + y) * 32 + x) * 3 + c]
                        if actual != expected {
                            XCTFail("image \(n) y \(y) x \(x) c \(c): \(actual) != \(expected)")
                            return
                        }
                    }
                }
            }
        }
        let test = try CIFAR10.load(directory: directory, split: .test)
        XCTAssertEqual(test.images.shape, [4, 32, 32, 3])
        XCTAssertEqual(test.labels, (9..<13).map { $0 % 10 })
        XCTAssertEqual(test.images[3, 31, 0, 2], Float(record(12)[1 + 2048 + 31 * 32]) / 255)
    }

    func testLimitReadsOnlyTheFirstRecordsAcrossFiles() throws {
        let directory = try XCTUnwrap(folder)
        try writeSplit(train: [2, 2, 2, 2, 2], test: 1, into: directory)
        let all = try CIFAR10.load(directory: directory, split: .train)
        let some = try CIFAR10.load(directory: directory, split: .train, limit: 5)
        XCTAssertEqual(some.count, 5)
        XCTAssertEqual(some.labels, Array(all.labels[..<5]))
        XCTAssertEqual(some.images.scalars, Array(all.images.scalars[..<(5 * 3072)]))
        XCTAssertEqual(try CIFAR10.load(directory: directory, split: .train, limit: 100).count, 10)
        XCTAssertEqual(try CIFAR10.load(directory: directory, split: .train, limit: 0).count, 0)
    }

    func testFindsTheExtractedSubfolder() throws {
        let nested = try XCTUnwrap(folder).appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: false)
        try writeSplit(train: [1, 1, 1, 1, 1], test: 1, into: nested)
        XCTAssertEqual(try CIFAR10.load(directory: try XCTUnwrap(folder), split: .test).count, 1)
    }

    func testMissingFolderIsNamed() throws {
        let missing = try XCTUnwrap(folder).appendingPathComponent("nowhere")
        assertDataError(.notFound, file: missing.path, at: .wholeFile) {
            try CIFAR10.load(directory: missing, split: .train)
        }
    }

    func testMissingFilesAreAllNamed() throws {
        let directory = try XCTUnwrap(folder)
        try writeSplit(train: [1, 1, 1, 1, 1], test: 1, into: directory)
        for gone in ["data_batch_2.bin", "data_batch_5.bin"] {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(gone))
        }
        let error = assertDataError(.notFound, file: directory.path, at: .wholeFile) {
            try CIFAR10.load(directory: directory, split: .train)
        }
        XCTAssertTrue(error?.message.contains("data_batch_2.bin, data_batch_5.bin") ?? false, "\(String(describing: error))")
        XCTAssertEqual(try CIFAR10.load(directory: directory, split: .test).count, 1)
    }

    func testTruncatedRecordGivesItsByteOffset() throws {
        let directory = try XCTUnwrap(folder)
        try writeSplit(train: [1, 1, 1, 1, 1], test: 1, into: directory)
        let file = directory.appendingPathComponent("data_batch_3.bin")
        try Data(record(0) + record(1) + Array(record(2).prefix(100))).write(to: file)
        let error = assertDataError(.truncated, file: file.path, at: .record(2, byteOffset: 6146)) {
            try CIFAR10.load(directory: directory, split: .train)
        }
        XCTAssertTrue(error?.message.contains("6246") ?? false, "\(String(describing: error))")
    }

    func testBadLabelGivesRecordAndByteOffset() throws {
        let directory = try XCTUnwrap(folder)
        try writeSplit(train: [1, 1, 1, 1, 1], test: 3, into: directory)
        let file = directory.appendingPathComponent("test_batch.bin")
        var bytes = [UInt8](try Data(contentsOf: file))
        bytes[2 * 3073] = 10
        try Data(bytes).write(to: file)
        let error = assertDataError(.invalidValue, file: file.path, at: .record(2, byteOffset: 6146)) {
            try CIFAR10.load(directory: directory, split: .test)
        }
        XCTAssertTrue(error?.message.hasPrefix("label 10") ?? false, "\(String(describing: error))")
        // A limit that stops before the bad record reads fine.
        XCTAssertEqual(try CIFAR10.load(directory: directory, split: .test, limit: 2).count, 2)
    }

    func testRecordsPastTheFirstReadChunk() throws {
        // Files are read in chunks of 1,024 records: placement and error offsets must hold past a chunk.
        let directory = try XCTUnwrap(folder)
        try writeSplit(train: [1, 1, 1, 1, 1], test: 1030, into: directory)
        let test = try CIFAR10.load(directory: directory, split: .test)
        XCTAssertEqual(test.count, 1030)
        let bytes = record(5 + 1027)
        XCTAssertEqual(test.labels[1027], (5 + 1027) % 10)
        XCTAssertEqual(test.images[1027, 17, 9, 1], Float(bytes[1 + 1024 + 17 * 32 + 9]) / 255)
        let file = directory.appendingPathComponent("test_batch.bin")
        var raw = [UInt8](try Data(contentsOf: file))
        raw[1027 * 3073] = 200
        try Data(raw).write(to: file)
        assertDataError(.invalidValue, file: file.path, at: .record(1027, byteOffset: 1027 * 3073)) {
            try CIFAR10.load(directory: directory, split: .test)
        }
    }

    func testEmptyFileIsReported() throws {
        let directory = try XCTUnwrap(folder)
        try writeSplit(train: [1, 0, 1, 1, 1], test: 1, into: directory)
        assertDataError(.empty, file: directory.appendingPathComponent("data_batch_2.bin").path, at: .wholeFile) {
            try CIFAR10.load(directory: directory, split: .train)
        }
    }
}
