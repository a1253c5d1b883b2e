import Foundation
import MaclaurinData
import MaclaurinTensor
import XCTest

final class SafeTensorsTests: XCTestCase {
    var folder: URL?

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDown() { removeTemporaryFolder(folder) }

    private func url(_ name: String) throws -> URL { try XCTUnwrap(folder).appendingPathComponent(name) }

    /// A safetensors file assembled by hand: 8-byte length, the header text as given, the data.
    private func handMade(_ header: String, _ data: [UInt8] = [], name: String = "t.safetensors") throws -> URL {
        let text = Array(header.utf8)
        let target = try url(name)
        try Data(littleEndianBytes(UInt64(text.count)) + text + data).write(to: target)
        return target
    }

    private let sample: [(String, AnyTensor)] = [
        ("b", AnyTensor(Tensor<Float>(shape: [2], scalars: [1, -2]))),
        ("a", AnyTensor(Tensor<Double>(0.5))),
        ("c", AnyTensor(Tensor<Float>(shape: [1, 2], scalars: [3, 4]))),
    ]

    func testByteExactLayout() throws {
        let target = try url("exact.safetensors")
        try SafeTensors.write(sample, metadata: ["note": "x\"y", "format": "pt"], to: target)
        var header = #"{"__metadata__":{"format":"pt","note":"x\"y"},"#
            + #""a":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"#
            + #""b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"#
            + #""c":{"dtype":"F32","shape":[1,2],"data_offsets":[16,24]}}"#
        while header.utf8.count % 8 != 0 { header += " " }
        let expected = littleEndianBytes(UInt64(header.utf8.count)) + Array(header.utf8)
            + littleEndianBytes(Double(0.5).bitPattern)
            + [Float(1), -2, 3, 4].flatMap { littleEndianBytes($0.bitPattern) }
        XCTAssertEqual([UInt8](try Data(contentsOf: target)), expected)
        XCTAssertEqual([UInt8](try SafeTensors.encode(sample.reversed(), metadata: ["format": "pt", "note": "x\"y"])),
                       expected, "input order must not matter")
    }

    func testRoundTrip() throws {
        let target = try url("round.safetensors")
        let big = Tensor<Float>(shape: [3, 5, 2], scalars: (0..<30).map { Float($0) / 3 - 4 })
        try SafeTensors.write(sample + [("layer.0/weight", AnyTensor(big)), ("empty", AnyTensor(Tensor<Double>(zeros: [0, 4])))],
                              metadata: ["epochs": "12"], to: target)
        let (tensors, metadata) = try SafeTensors.read(target)
        XCTAssertEqual(metadata, ["epochs": "12"])
        XCTAssertEqual(Set(tensors.keys), ["a", "b", "c", "layer.0/weight", "empty"])
        XCTAssertEqual(tensors["a"]?.shape, [])
        XCTAssertEqual(tensors["a"]?.tensor(as: Double.self).scalar, 0.5)
        XCTAssertEqual(tensors["b"]?.dtypeName, "F32")
        XCTAssertTrue(try XCTUnwrap(tensors["layer.0/weight"]).tensor(as: Float.self).isIdentical(to: big))
        XCTAssertEqual(tensors["empty"]?.shape, [0, 4])
        XCTAssertEqual(tensors["empty"]?.dtypeName, "F64")
    }

    func testReadsHandMadeHeaders() throws {
        // Any key order and spacing, escapes in names, integer dtypes, an empty tensor, no metadata.
        let header = #"{ "w\u00e9" : {"shape": [2], "data_offsets": [8, 16], "dtype": "F32"},"#
            + #" "n": {"dtype": "I64", "shape": [1], "data_offsets": [0, 8]}, "z": {"dtype":"F64","shape":[0],"data_offsets":[16,16]} }"#
        let data = littleEndianBytes(Int64(-42)) + [Float(0.25), 8].flatMap { littleEndianBytes($0.bitPattern) }
        let (tensors, metadata) = try SafeTensors.read(try handMade(header, data))
        XCTAssertTrue(metadata.isEmpty)
        XCTAssertEqual(tensors["wé"]?.tensor(as: Float.self).scalars, [0.25, 8])
        XCTAssertEqual(tensors["n"]?.dtypeName, "F64")
        XCTAssertEqual(tensors["n"]?.tensor(as: Double.self).scalars, [-42])
        XCTAssertEqual(tensors["z"]?.count, 0)
    }

    // MARK: Errors, one per kind

    func testEmptyAndShortFiles() throws {
        let empty = try url("empty.safetensors")
        try Data().write(to: empty)
        assertDataError(.empty, file: empty.path, at: .wholeFile) { try SafeTensors.read(empty) }
        let short = try url("short.safetensors")
        try Data([8, 0, 0, 0, 0]).write(to: short)
        assertDataError(.truncated, file: short.path, at: .byteOffset(5)) { try SafeTensors.read(short) }
    }

    func testAbsurdAndTruncatedHeaderLength() throws {
        let absurd = try url("absurd.safetensors")
        try Data(littleEndianBytes(UInt64(1) << 40) + Array("{}".utf8)).write(to: absurd)
        assertDataError(.absurdSize, file: absurd.path, at: .byteOffset(0)) { try SafeTensors.read(absurd) }
        let cut = try url("cut.safetensors")
        try Data(littleEndianBytes(UInt64(100)) + Array(#"{"a":{"dtype":"F32""#.utf8)).write(to: cut)
        assertDataError(.truncated, file: cut.path, at: .byteOffset(27)) { try SafeTensors.read(cut) }
    }

    func testHeaderMustBeUTF8JSONObject() throws {
        var text = Array(#"{"na?e":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#.utf8)
        text[4] = 0xFF
        let bad = try url("utf8.safetensors")
        try Data(littleEndianBytes(UInt64(text.count)) + text + [0, 0, 0, 0]).write(to: bad)
        assertDataError(.notUTF8, file: bad.path, at: .byteOffset(12)) { try SafeTensors.read(bad) }
        let array = try handMade("[1, 2]   ", name: "array.safetensors")
        assertDataError(.badMagic, file: array.path, at: .byteOffset(8)) { try SafeTensors.read(array) }
        let broken = try handMade(#"{"a": {"dtype": "F32",, "shape": []}}"#, name: "broken.safetensors")
        let error = assertDataError(.badHeader, file: broken.path, at: .byteOffset(8 + 22)) { try SafeTensors.read(broken) }
        XCTAssertTrue(error?.message.contains("found ','") ?? false, "\(String(describing: error))")
    }

    func testOffsetsOutOfRange() throws {
        let file = try handMade(#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, [UInt8](repeating: 0, count: 8))
        assertDataError(.truncated, file: file.path, at: .tensor("w")) { try SafeTensors.read(file) }
    }

    func testOverlappingAndGappedOffsets() throws {
        let overlap = try handMade(#"{"p":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"q":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                                   [UInt8](repeating: 0, count: 12), name: "overlap.safetensors")
        let error = assertDataError(.badHeader, file: overlap.path, at: .tensor("q")) { try SafeTensors.read(overlap) }
        XCTAssertTrue(error?.message.contains("overlap") ?? false)
        let gap = try handMade(#"{"p":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"q":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                               [UInt8](repeating: 0, count: 12), name: "gap.safetensors")
        assertDataError(.badHeader, file: gap.path, at: .tensor("q")) { try SafeTensors.read(gap) }
    }

    func testShapeDtypeMismatchAndTrailingBytes() throws {
        let mismatch = try handMade(#"{"w":{"dtype":"F64","shape":[3],"data_offsets":[0,12]}}"#,
                                    [UInt8](repeating: 0, count: 12), name: "mismatch.safetensors")
        let error = assertDataError(.shapeMismatch, file: mismatch.path, at: .tensor("w")) { try SafeTensors.read(mismatch) }
        XCTAssertTrue(error?.message.contains("needs 24 bytes") ?? false)
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        let trailing = try handMade(header, [UInt8](repeating: 0, count: 6), name: "trailing.safetensors")
        assertDataError(.shapeMismatch, file: trailing.path, at: .byteOffset(8 + header.utf8.count + 4)) {
            try SafeTensors.read(trailing)
        }
        let overflow = try handMade(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#,
                                    [0, 0, 0, 0], name: "overflow.safetensors")
        assertDataError(.absurdSize, file: overflow.path, at: .tensor("w")) { try SafeTensors.read(overflow) }
    }

    func testUnsupportedDtype() throws {
        let file = try handMade(#"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, [0, 0, 0, 0])
        let error = assertDataError(.unsupported, file: file.path, at: .tensor("h")) { try SafeTensors.read(file) }
        XCTAssertTrue(error?.message.contains("\"F16\"") ?? false)
    }

    func testDuplicatesAndBadMetadata() throws {
        let twice = try handMade(#"{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#,
                                 [0, 0, 0, 0], name: "twice.safetensors")
        assertDataError(.badHeader, file: twice.path, at: .tensor("w")) { try SafeTensors.read(twice) }
        let metadata = try handMade(#"{"__metadata__":{"epochs":12}}"#, name: "meta.safetensors")
        assertDataError(.badHeader, file: metadata.path, at: .tensor("__metadata__")) { try SafeTensors.read(metadata) }
        let fields = try handMade(#"{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4],"extra":1}}"#, [0, 0, 0, 0],
                                  name: "fields.safetensors")
        assertDataError(.badHeader, file: fields.path, at: .tensor("w")) { try SafeTensors.read(fields) }
    }

    func testInvalidNamesAreRefusedOnWrite() throws {
        let target = try url("bad.safetensors")
        let one = AnyTensor(Tensor<Float>(1))
        assertDataError(.invalidValue, file: target.path, at: .tensor("x")) {
            try SafeTensors.write([("x", one), ("x", one)], to: target)
        }
        assertDataError(.invalidValue, file: target.path, at: .tensor("__metadata__")) {
            try SafeTensors.write([("__metadata__", one)], to: target)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
    }

    // MARK: Interoperability

    /// Checks our file with a plain JSON + NumPy parse of the format (needs only numpy).
    func testLayoutParsesWithJSONAndNumPy() throws {
        let target = try url("plain.safetensors")
        try SafeTensors.write(sample, metadata: ["format": "np"], to: target)
        let script = """
        import json, struct, numpy as np
        raw = open(sys.argv[1], 'rb').read()
        n = struct.unpack('<Q', raw[:8])[0]
        assert n % 8 == 0
        header = json.loads(raw[8:8 + n])
        assert header.pop('__metadata__') == {'format': 'np'}
        data = raw[8 + n:]
        kinds = {'F32': '<f4', 'F64': '<f8'}
        values = {k: np.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], kinds[v['dtype']]).reshape(v['shape'])
                  for k, v in header.items()}
        assert values['a'] == 0.5 and values['a'].shape == ()
        assert (values['b'] == [1, -2]).all() and (values['c'] == [[3, 4]]).all()
        """
        try runPythonCheck(script, requiring: "numpy", [target.path])
    }

    func testSafetensorsPackageReadsOursAndWeReadItsFiles() throws {
        let ours = try url("ours.safetensors")
        try SafeTensors.write(sample, metadata: ["format": "np"], to: ours)
        let theirs = try url("theirs.safetensors")
        let script = """
        import numpy as np
        from safetensors import safe_open
        from safetensors.numpy import load_file, save_file
        t = load_file(sys.argv[1])
        assert t['a'].dtype == np.float64 and t['a'].shape == () and t['a'] == 0.5
        assert t['b'].dtype == np.float32 and (t['b'] == [1, -2]).all()
        assert (t['c'] == [[3, 4]]).all()
        with safe_open(sys.argv[1], 'np') as f:
            assert f.metadata() == {'format': 'np'}
        save_file({'w': np.arange(6, dtype=np.float32).reshape(2, 3) / 4, 'v': np.array([1e-7, 2.5])},
                  sys.argv[2], metadata={'source': 'python'})
        """
        try runPythonCheck(script, requiring: "numpy, safetensors", [ours.path, theirs.path])
        let (tensors, metadata) = try SafeTensors.read(theirs)
        XCTAssertEqual(metadata, ["source": "python"])
        XCTAssertEqual(tensors["w"]?.shape, [2, 3])
        XCTAssertEqual(tensors["w"]?.tensor(as: Float.self).scalars, (0..<6).map { Float($0) / 4 })
        XCTAssertEqual(tensors["v"]?.tensor(as: Double.self).scalars, [1e-7, 2.5])
    }
}
