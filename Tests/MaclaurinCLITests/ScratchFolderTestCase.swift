import Foundation
import XCTest

/// A test case with a fresh scratch folder per test (removed afterwards), for the files the
/// command-line tests write and read.
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

    /// The path of `name` inside the scratch folder.
    func path(_ name: String) throws -> String { try XCTUnwrap(folder).appendingPathComponent(name).path }
}
