import Foundation
import XCTest

/// A test case with a fresh scratch folder per test (removed afterwards), for the files the
/// model-file, checkpoint and reader tests write and read.
class ScratchFolderTestCase: XCTestCase {
    var folder: URL?

    override func setUpWithError() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("maclaurin-\(type(of: self))-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        folder = url
    }

    override func tearDown() {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    /// The URL of `name` inside the scratch folder.
    func file(_ name: String) throws -> URL { try XCTUnwrap(folder).appendingPathComponent(name) }
}
