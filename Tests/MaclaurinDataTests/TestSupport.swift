import Foundation
import MaclaurinData
import XCTest

/// A fresh temporary folder, removed by `removeTemporaryFolder`.
func makeTemporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("maclaurin-data-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Removes a folder made by `makeTemporaryFolder`.
func removeTemporaryFolder(_ url: URL?) {
    if let url { try? FileManager.default.removeItem(at: url) }
}

/// Asserts that `body` throws a `DataError` of `kind` for `file` at `location`, and that its
/// description starts with the file and the place. Returns the error for further checks.
@discardableResult
func assertDataError<T>(_ kind: DataError.Kind, file: String, at location: DataError.Location,
                        _ body: () throws -> T, line: UInt = #line) -> DataError? {
    do {
        let value = try body()
        XCTFail("expected a \(kind) error, got \(value)", line: line)
        return nil
    } catch let error as DataError {
        XCTAssertEqual(error.kind, kind, "\(error)", line: line)
        XCTAssertEqual(error.file, file, "\(error)", line: line)
        XCTAssertEqual(error.location, location, "\(error)", line: line)
        let place: String
        switch location {
        case .wholeFile: place = "\(file): "
        case .line(let l, let c?): place = "\(file):\(l):\(c): "
        case .line(let l, nil): place = "\(file):\(l): "
        case .byteOffset(let o): place = "\(file): byte \(o): "
        case .record(let r, let o): place = "\(file): record \(r) (byte \(o)): "
        case .tensor(let name): place = "\(file): tensor \"\(name)\": "
        }
        XCTAssertTrue(error.description.hasPrefix(place), "\(error.description) should start with \(place)", line: line)
        XCTAssertEqual(error.localizedDescription, error.description, line: line)
        return error
    } catch {
        XCTFail("expected a DataError, got \(error)", line: line)
        return nil
    }
}

/// Runs `python3 -c script args...`; nil when python3 cannot be started.
func runPython(_ script: String, _ arguments: [String] = []) -> (status: Int32, output: String)? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    do { try process.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// Runs a Python check that needs `modules` (e.g. "numpy, safetensors"): skips the test when python3
/// or a module is missing, fails it when the script exits with an error.
func runPythonCheck(_ script: String, requiring modules: String, _ arguments: [String] = [],
                    line: UInt = #line) throws {
    let guarded = "import sys\ntry:\n    import \(modules)\nexcept ImportError:\n    sys.exit(77)\n" + script
    guard let result = runPython(guarded, arguments) else { throw XCTSkip("python3 is not available") }
    if result.status == 77 { throw XCTSkip("python3 cannot import \(modules)") }
    XCTAssertEqual(result.status, 0, result.output, line: line)
}

/// Little-endian bytes of a value, built independently of the library's writers.
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
}

/// A `.npy` file assembled by hand: magic, version, header length, the header padded to 64 bytes, data.
func handMadeNPY(header: String, data: [UInt8], major: UInt8 = 1, pad: Bool = true) -> Data {
    var text = Array(header.utf8)
    let prelude = major == 1 ? 10 : 12
    if pad {
        text += [UInt8](repeating: 0x20, count: (64 - (prelude + text.count + 1) % 64) % 64)
        text.append(0x0A)
    }
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
    bytes += major == 1 ? littleEndianBytes(UInt16(text.count)) : littleEndianBytes(UInt32(text.count))
    return Data(bytes + text + data)
}
