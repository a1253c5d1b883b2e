import Foundation
import MaclaurinData
import XCTest

final class AtomicFileTests: XCTestCase {
    var folder: URL?

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDown() { removeTemporaryFolder(folder) }

    private func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: XCTUnwrap(folder).path).sorted()
    }

    func testWritesAndReplaces() throws {
        let url = try XCTUnwrap(folder).appendingPathComponent("out.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data([1, 2, 3]))
        try AtomicFile.write(Data("replaced".utf8), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data("replaced".utf8))
        XCTAssertEqual(try entries(), ["out.bin"], "no temporary file may remain")
        let mode = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o644)
    }

    func testStreamingProducerWritesEverything() throws {
        let url = try XCTUnwrap(folder).appendingPathComponent("stream.bin")
        try AtomicFile.write(to: url) { sink throws(DataError) in
            try sink.write([1, 2])
            try sink.write(Data([3]))
            XCTAssertEqual(sink.byteCount, 3)
        }
        XCTAssertEqual(try Data(contentsOf: url), Data([1, 2, 3]))
    }

    func testFailedWriteLeavesOldFileIntact() throws {
        let url = try XCTUnwrap(folder).appendingPathComponent("keep.txt")
        try Data("old contents".utf8).write(to: url)
        let failure = DataError(.invalidValue, file: "keep.txt", "the producer gave up")
        XCTAssertThrowsError(try AtomicFile.write(to: url) { sink throws(DataError) in
            try sink.write(Data("new partial data".utf8))
            throw failure
        }) { error in XCTAssertEqual(error as? DataError, failure) }
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "old contents")
        XCTAssertEqual(try entries(), ["keep.txt"], "the temporary file must be removed")
    }

    func testFailedRenameLeavesTargetAndRemovesTemporary() throws {
        // A non-empty folder cannot be replaced by a file: rename(2) fails after the data is written.
        let target = try XCTUnwrap(folder).appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data("inside".utf8).write(to: target.appendingPathComponent("inner.txt"))
        assertDataError(.io, file: target.path, at: .wholeFile) { try AtomicFile.write(Data([9]), to: target) }
        XCTAssertEqual(try String(contentsOf: target.appendingPathComponent("inner.txt"), encoding: .utf8), "inside")
        XCTAssertEqual(try entries(), ["occupied"])
    }

    func testMissingFolderIsNamed() throws {
        let url = try XCTUnwrap(folder).appendingPathComponent("no/such/out.npy")
        let error = assertDataError(.notFound, file: url.path, at: .wholeFile) { try AtomicFile.write(Data([1]), to: url) }
        XCTAssertTrue(error?.message.contains("no/such") ?? false)
    }
}
