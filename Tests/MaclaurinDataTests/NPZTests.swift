import Foundation
import MaclaurinData
import MaclaurinTensor
import XCTest

/// An `.npz` made by Python's zipfile + `np.save` with three DEFLATE members, one per block type:
/// `a.npy` fixed Huffman (`(arange(600) % 7).reshape(20, 30)` as `<f4`), `b.npy` stored blocks
/// (`arange(12).reshape(3, 4) * 0.25` as `<f8`), `d.npy` dynamic Huffman (30 x 100 `|u1` from the
/// generator x <- (1103515245 x + 12345) mod 2^31, x0 = 1, value (x >> 16) mod 10).
private let numpyDeflateFixture = [
        "UEsDBBQAAAAIAAAAIQBzQqfXbgAAAOAJAAAFAAAAYS5ucHmb7BfqGxDJyFDGUK2eklqcXKRupaBuk2airqOgnpZfVFKUmBefX5SS",
        "ChJ3S8wpTgWKF2ckFqQC+RpGBjoKxgaaOgq1CmQCLgYwaLAHEg5ABMQNQLwAiA84jMqNyo3KjcqNyo3KjcqNyo3KkS4HAFBLAwQU",
        "AAAACAAAACEAEG3gluUAAADgAAAABQAAAGIubnB5AeAAH/+TTlVNUFkBAHYAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRl",
        "cic6IEZhbHNlLCAnc2hhcGUnOiAoMywgNCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg",
        "ICAgICAgICAgICAgCgAAAAAAAAAAAAAAAAAA0D8AAAAAAADgPwAAAAAAAOg/AAAAAAAA8D8AAAAAAAD0PwAAAAAAAPg/AAAAAAAA",
        "/D8AAAAAAAAAQAAAAAAAAAJAAAAAAAAABEAAAAAAAAAGQFBLAwQUAAAACAAAACEAtGSR9GcGAAA4DAAABQAAAGQubnB5ndY7jl3H",
        "FQXQ+n80is5aAhiQcOYBOJOhRIEjgzApKDBMo2k7sTQKTdhrX83ABBp8775bVefs36nf/vzj9z/8pZb/lP++fvr89W9vr398ef3l",
        "3x9e3728/vTl7V9vH//x1y9vnz7n+Z8+/v3rZ8+//vzxn599//YP79+9fHj//rt3L7++/H//vjmnz7rLbevuUWa/fa91PBp1tjXm",
        "aD72us6Zfpm9jV5Gb6ftPW+vo9yz71rlrNHWrH7qq9xaVy3zjtnHPbXVsdtcfY16uvWnlLva2r3Uu+ZspbTp0Zj+jer5vrtfC+rz",
        "6ay61HRW33W3U9WgmFvXVPtQhE+r2+CWfeZuo7Y2xtzaWKs50opVxxl31OsEp11nzlNvbUWhdd+yuveUM27bRzl33npa9+ZoMGnV",
        "SU4YTcczzaTvPXZp996+vHPXrrVYUfYAw1Wu9lublky1nJIyaz131zJKP0fD7djtjKPooRoPnTVVqTd1HNXWac2A9ixOvLdugG8M",
        "eQum0LxHEevA4WxULjyor0J4NWTd29KTSrSHlYm2WypuEdXrLQPip8ys3M35utHndOhqY7V5GqJ2IJ3lzHzeZe/VOw3U+bS97twA",
        "XDrZI5zmL2SU3XRl3UKKJpQz566hMkw5eXeQ+Ll4nwrHAnc5Z9NFB5dCViSkiwuTCii41gpj5KCwj6PdB+PSul56hJbH+8DkXtvq",
        "dzz8abttxB6o2BBafQLydHV3CyAzO0Sb3xXrkHQLuVLs2Cr5nUFMsNDSqkxij6OBfLe9ltN6zddOWqWs4yh1ewLZShOFyDCxeYzr",
        "eoFah9EdSOhggO3Z7c5afAhx2YR8eKc+lHgdXGPbrB46WgVrdzHTZbh5AqHdHcgtFjtTTaRsQ+SSjXd6oUMqgNutI8Av8LFVtps8",
        "VKou7JxebwAihbUHicJ1Ok3hAVdaVFwMC05Wx1uTWL10Fn94zJc9rO7eGsUOX1RDOYqEAIPTUMEr5Ondku5VgAxyjUJRNvOaheog",
        "P700e1BH7VRbnMoMiZMbSSA/mTEfAnicb6i5IKbzOlDkwExs0ZhAW9EH+4HK8TnU6hpLhLgmYNTWCPeJNS6nznrjKCAtHsvRSQJg",
        "nMTg4CV0Jum2kDqoRAgudNrpkQDjVA+YRCKyDskVdVnngBuz9TrBR3bMxV4CB2XUyXYzz1XDa01GHxg7riWGKTHwCDSHEkTydj9x",
        "gzyGVZNqEzJ6S+ALOsYGSMI96Sq5kqwieoBPDKTCQbZCMCGZ8UD3psDQcYFUDE0imOSZhO8wOpRmZDANHDnQYu/ghlpOzIcRhZ+Q",
        "R/K8mdBDqOOWAtG1RGsOQiPiqYH4EE17hEIsQysG0U7yJeookLlJQG6e5MMMvfRtqxXb2JMAtiJ35BBR7Z0aHlepruzfVWYDmkBN",
        "DWgkVKIs3dH1iDWo5Uryp0Tx28hhL0Fw5KTI8SmpdUueiD5GuBEca6lUolg60oVP+bOvpgEkIbhaEN9VY+mEsezF+gmTxzwQEWpU",
        "bP7zngx43GbUjZiJ+qnYYLED/aMPhouxZYY96C+pZmhQFp4EYMlAoxtJzfoYChmZAicF2w8fgtgYKRk5mVIwNYXnYy6CjA0gC5OJ",
        "J/mCGemZ5E0Q0YvGk2nuEC3RNk4CID4xGHMJUZhxK8NLROd0bGe8SNfSAoV2pfAzHZK2rH9SxHMBqeZbP8nnjOsEPKs4jGUdOxWZ",
        "PKdJ1HlNJblcZFbgBZ7gRJzlehElEsT4AMJJxqhYadrAkoTG+uSi6kfSivQngIDPTzM3oNgg94Ck9M2d6kQ5csmEieAFFrMX0pIt",
        "Ipl5SVyImZxqzUQYBh1lsXaJ29vJdFADcNTO2ZnSvC96lO2s/rzsF7kpVCRyJOR6JskJKvnsOZnkZpGUUx3NZzKL+9xSGCW3jLRN",
        "HiO1EiLVrRiZtWB+1RplnPi05jYS1CLSnTGxeEmh9ucZDMEhIQIjtPM+BFXErQZUopn9+UbzpCI/aq4tbGHEAi33ilzHKCkSXLEK",
        "ts8jftdDg8R5hjfRPTksP/N74gVRgjgXx5aIy5R8uHuSu0QTmXcjNOe2pMX9nAvpzPMWxUSKufqxNSnnJqcM8aqjBIYeqT8GgaSw",
        "4qwZ1bTkrhFAfSMRUzJajWpo9sz2XLbRF7/nlip8zQzmzf00Plaa2RpOfChp44melYyhCzg5m67+B1BLAQIUAxQAAAAIAAAAIQBz",
        "QqfXbgAAAOAJAAAFAAAAAAAAAAAAAACAAQAAAABhLm5weVBLAQIUAxQAAAAIAAAAIQAQbeCW5QAAAOAAAAAFAAAAAAAAAAAAAACA",
        "AZEAAABiLm5weVBLAQIUAxQAAAAIAAAAIQC0ZJH0ZwYAADgMAAAFAAAAAAAAAAAAAACAAZkBAABkLm5weVBLBQYAAAAAAwADAJkA",
        "AAAjCAAAAAA=",
].joined()

final class NPZTests: XCTestCase {
    var folder: URL?

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDown() { removeTemporaryFolder(folder) }

    private func url(_ name: String) throws -> URL { try XCTUnwrap(folder).appendingPathComponent(name) }

    private func write(_ bytes: [UInt8], _ name: String) throws -> URL {
        let target = try url(name)
        try Data(bytes).write(to: target)
        return target
    }

    func testRoundTripIsDeterministic() throws {
        let arrays: [String: AnyTensor] = [
            "weights": AnyTensor(Tensor<Float>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])),
            "bias": AnyTensor(Tensor<Double>(shape: [3], scalars: [0.1, 0.2, 0.3])),
            "scale": AnyTensor(Tensor<Float>(7)),
        ]
        let target = try url("model.npz")
        try NPZ.write(arrays, to: target)
        let back = try NPZ.read(target)
        XCTAssertEqual(Set(back.keys), ["weights", "bias", "scale"])
        XCTAssertEqual(back["weights"]?.tensor(as: Float.self).scalars, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(back["bias"]?.dtypeName, "F64")
        XCTAssertEqual(back["bias"]?.tensor(as: Double.self).scalars, [0.1, 0.2, 0.3])
        XCTAssertEqual(back["scale"]?.shape, [])
        XCTAssertEqual(try NPZ.encode(arrays), try Data(contentsOf: target))
        XCTAssertEqual(try NPZ.encode(arrays), try NPZ.encode(arrays))
        // Members are in sorted order, each an exact .npy file, stored uncompressed.
        let bytes = [UInt8](try Data(contentsOf: target))
        XCTAssertEqual(Array(bytes[0..<4]), [0x50, 0x4B, 0x03, 0x04])
        XCTAssertEqual(bytes[8], 0, "method must be STORED")
        XCTAssertEqual(String(decoding: bytes[30..<38], as: UTF8.self), "bias.npy")
        let npy = [UInt8](NPY.encode(arrays["bias"].unsafelyUnwrapped))
        XCTAssertEqual(Array(bytes[38..<(38 + npy.count)]), npy)
        let typed: [String: Tensor<Float>] = ["x": Tensor<Float>(shape: [1], scalars: [3])]
        try NPZ.write(typed, to: target)
        XCTAssertEqual(try NPZ.read(target)["x"]?.tensor(as: Float.self).scalars, [3])
    }

    func testReadsDeflateMembersOfEveryBlockType() throws {
        let bytes = try XCTUnwrap(Data(base64Encoded: numpyDeflateFixture))
        let arrays = try NPZ.decode(bytes, file: "fixture.npz")
        XCTAssertEqual(Set(arrays.keys), ["a", "b", "d"])
        let a = try XCTUnwrap(arrays["a"]?.tensor(as: Float.self))
        XCTAssertEqual(a.shape, [20, 30])
        XCTAssertEqual(a.scalars, (0..<600).map { Float($0 % 7) })
        let b = try XCTUnwrap(arrays["b"])
        XCTAssertEqual(b.dtypeName, "F64")
        XCTAssertEqual(b.tensor(as: Double.self).scalars, (0..<12).map { Double($0) * 0.25 })
        var x: UInt64 = 1
        let expected = (0..<3000).map { _ -> Float in
            x = (1_103_515_245 * x + 12345) % (1 << 31)
            return Float((x >> 16) % 10)
        }
        let d = try XCTUnwrap(arrays["d"]?.tensor(as: Float.self))
        XCTAssertEqual(d.shape, [30, 100])
        XCTAssertEqual(d.scalars, expected)
    }

    func testNumPyReadsOursAndWeReadSavezAndSavezCompressed() throws {
        let ours = try url("ours.npz")
        try NPZ.write(["w": AnyTensor(Tensor<Float>(shape: [2, 2], scalars: [1, -1, 0.5, 8])),
                       "v": AnyTensor(Tensor<Double>(shape: [3], scalars: [1e-300, 0, 2]))], to: ours)
        let prefix = try url("theirs").path
        let script = """
        import numpy as np, zipfile
        with zipfile.ZipFile(sys.argv[1]) as archive:
            assert archive.testzip() is None
            assert [i.compress_type for i in archive.infolist()] == [zipfile.ZIP_STORED] * 2
        f = np.load(sys.argv[1])
        assert sorted(f.files) == ['v', 'w'], f.files
        assert f['w'].dtype == np.float32 and (f['w'] == np.array([[1, -1], [0.5, 8]], np.float32)).all()
        assert f['v'].dtype == np.float64 and (f['v'] == np.array([1e-300, 0, 2])).all()
        rng = np.random.default_rng(7)
        x = rng.standard_normal((64, 50))
        y = np.round(rng.standard_normal(5000) * 3).astype(np.float32)
        z = np.repeat(np.arange(40, dtype=np.int64), 300)
        np.savez(sys.argv[2] + '_plain.npz', x=x, y=y, z=z)
        np.savez_compressed(sys.argv[2] + '_packed.npz', x=x, y=y, z=z)
        np.save(sys.argv[2] + '_x.npy', x); np.save(sys.argv[2] + '_y.npy', y); np.save(sys.argv[2] + '_z.npy', z)
        """
        try runPythonCheck(script, requiring: "numpy", [ours.path, prefix])
        let reference = ["x", "y", "z"].map { name in (name, try? NPY.read(URL(fileURLWithPath: "\(prefix)_\(name).npy"))) }
        for kind in ["plain", "packed"] {
            let arrays = try NPZ.read(URL(fileURLWithPath: "\(prefix)_\(kind).npz"))
            XCTAssertEqual(Set(arrays.keys), ["x", "y", "z"])
            for (name, tensor) in reference {
                let expected = try XCTUnwrap(tensor)
                XCTAssertEqual(arrays[name]?.shape, expected.shape, "\(kind) \(name)")
                XCTAssertEqual(arrays[name]?.dtypeName, expected.dtypeName, "\(kind) \(name)")
                XCTAssertEqual(arrays[name]?.tensor(as: Double.self).scalars, expected.tensor(as: Double.self).scalars,
                               "\(kind) \(name)")
            }
        }
    }

    // MARK: Errors, one per kind

    func testEmptyAndNotAZip() throws {
        let empty = try write([], "empty.npz")
        assertDataError(.empty, file: empty.path, at: .wholeFile) { try NPZ.read(empty) }
        let text = try write(Array("this is not a zip archive at all".utf8), "text.npz")
        assertDataError(.badMagic, file: text.path, at: .byteOffset(0)) { try NPZ.read(text) }
    }

    func testTruncatedArchive() throws {
        let whole = [UInt8](try NPZ.encode(["x": AnyTensor(Tensor<Float>(zeros: [10]))]))
        let cut = try write(Array(whole.prefix(whole.count / 2)), "cut.npz")
        assertDataError(.truncated, file: cut.path, at: .byteOffset(whole.count / 2)) { try NPZ.read(cut) }
    }

    func testChecksumMismatch() throws {
        var bytes = [UInt8](try NPZ.encode(["x": AnyTensor(Tensor<Float>(zeros: [10]))]))
        bytes[35 + 128 + 4] ^= 0x01   // a data byte of x.npy (local header 30 + name 5, npy header 128)
        let file = try write(bytes, "crc.npz")
        let error = assertDataError(.corrupt, file: file.path, at: .byteOffset(35)) { try NPZ.read(file) }
        XCTAssertTrue(error?.message.contains("CRC-32") ?? false)
    }

    func testCorruptDeflateData() throws {
        var bytes = [UInt8](try XCTUnwrap(Data(base64Encoded: numpyDeflateFixture)))
        bytes[30 + 5] = 0xFF   // the first byte of a.npy's stream: makes its first block type 3 (reserved)
        let file = try write(bytes, "broken.npz")
        let error = assertDataError(.corrupt, file: file.path, at: .byteOffset(35)) { try NPZ.read(file) }
        XCTAssertTrue(error?.message.contains("invalid DEFLATE data") ?? false, "\(String(describing: error))")
    }

    func testUnsupportedCompressionMethodNamesTheMember() throws {
        var bytes = [UInt8](try NPZ.encode(["x": AnyTensor(Tensor<Float>(zeros: [2]))]))
        let directory = Int(bytes[bytes.count - 6]) | Int(bytes[bytes.count - 5]) << 8
        bytes[directory + 10] = 12   // bzip2
        let file = try write(bytes, "bz.npz")
        let error = assertDataError(.unsupported, file: "\(file.path)(x.npy)", at: .wholeFile) { try NPZ.read(file) }
        XCTAssertTrue(error?.message.contains("method 12") ?? false)
    }

    func testErrorInsideAMemberNamesArchiveAndMember() throws {
        var bytes = [UInt8](try NPZ.encode(["w": AnyTensor(Tensor<Float>(zeros: [2]))]))
        // Corrupt the member's .npy magic and fix the CRC so that only the .npy reader objects.
        bytes[35] = UInt8(ascii: "X")
        let npyLength = 128 + 8
        let crc = referenceCRC32(Array(bytes[35..<(35 + npyLength)]))
        let directory = Int(bytes[bytes.count - 6]) | Int(bytes[bytes.count - 5]) << 8
        for (k, byte) in littleEndianBytes(crc).enumerated() {
            bytes[14 + k] = byte
            bytes[directory + 16 + k] = byte
        }
        let file = try write(bytes, "member.npz")
        assertDataError(.badMagic, file: "\(file.path)(w.npy)", at: .byteOffset(0)) { try NPZ.read(file) }
    }

    func testAbsurdDirectoryIsRejected() throws {
        var bytes = [UInt8](try NPZ.encode(["x": AnyTensor(Tensor<Float>(zeros: [2]))]))
        bytes[bytes.count - 12] = 0xFF   // total entries: 255 + ..., far more than the directory can hold
        bytes[bytes.count - 11] = 0x7F
        let file = try write(bytes, "absurd.npz")
        assertDataError(.absurdSize, file: file.path, at: .byteOffset(bytes.count - 22)) { try NPZ.read(file) }
    }

    func testInvalidNamesAreRefusedOnWrite() throws {
        let target = try url("bad.npz")
        assertDataError(.invalidValue, file: target.path, at: .tensor("a/b")) {
            try NPZ.write(["a/b": AnyTensor(Tensor<Float>(zeros: [1]))], to: target)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target.path))
    }
}

/// CRC-32 (IEEE), bit by bit: an independent reference for the tests.
func referenceCRC32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 1 ? 0xEDB8_8320 : 0) }
    }
    return ~crc
}
