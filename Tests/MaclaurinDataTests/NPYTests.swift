import Foundation
import MaclaurinData
import MaclaurinTensor
import XCTest

final class NPYTests: XCTestCase {
    var folder: URL?

    override func setUpWithError() throws { folder = try makeTemporaryFolder() }
    override func tearDown() { removeTemporaryFolder(folder) }

    private func url(_ name: String) throws -> URL { try XCTUnwrap(folder).appendingPathComponent(name) }

    private func write(_ data: Data, _ name: String) throws -> URL {
        let target = try url(name)
        try data.write(to: target)
        return target
    }

    // MARK: Layout and round trips

    func testWrittenLayoutMatchesTheFormat() throws {
        let tensor = Tensor<Float>(shape: [2, 3], scalars: [1, -2, 0.5, 3, 4, 1e-3])
        let target = try url("m.npy")
        try NPY.write(tensor, to: target)
        let bytes = [UInt8](try Data(contentsOf: target))
        XCTAssertEqual(Array(bytes[0..<8]), [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0, "data must start on a 64-byte boundary")
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertEqual(header.trimmingCharacters(in: .whitespacesAndNewlines),
                       "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }")
        XCTAssertEqual(bytes[10 + headerLength - 1], 0x0A)
        let data = Array(bytes[(10 + headerLength)...])
        XCTAssertEqual(data, tensor.scalars.flatMap { littleEndianBytes($0.bitPattern) })
    }

    func testRoundTripsEveryRankAndPrecision() throws {
        let cases: [AnyTensor] = [
            AnyTensor(Tensor<Float>(2.5)),
            AnyTensor(Tensor<Double>(shape: [5], scalars: [1, .pi, -0.0, 1e300, -.leastNonzeroMagnitude])),
            AnyTensor(Tensor<Float>(shape: [0, 3], scalars: [])),
            AnyTensor(Tensor<Double>(shape: [2, 1, 3, 2], scalars: (0..<12).map { Double($0) / 7 })),
        ]
        for (i, tensor) in cases.enumerated() {
            let target = try url("case\(i).npy")
            try NPY.write(tensor, to: target)
            let back = try NPY.read(target)
            XCTAssertEqual(back.shape, tensor.shape)
            XCTAssertEqual(back.dtypeName, tensor.dtypeName)
            switch (tensor, back) {
            case (.float(let a), .float(let b)): XCTAssertTrue(a.isIdentical(to: b))
            case (.double(let a), .double(let b)): XCTAssertTrue(a.isIdentical(to: b))
            default: XCTFail("precision changed for case \(i)")
            }
        }
        let scalarHeader = String(decoding: NPY.encode(cases[0]).prefix(80), as: UTF8.self)
        XCTAssertTrue(scalarHeader.contains("'shape': ()"))
        let vectorHeader = String(decoding: NPY.encode(cases[1]).prefix(80), as: UTF8.self)
        XCTAssertTrue(vectorHeader.contains("'shape': (5,)"))
        XCTAssertEqual(try NPY.read(try url("case1.npy"), as: Float.self).scalars,
                       [1, Float(Double.pi), -0.0, .infinity, -0.0])
    }

    func testLongHeadersAreWrittenAsVersion2() throws {
        // 22,000 axes of extent 1 give a header of about 66,000 bytes: too long for version 1.0.
        let tensor = Tensor<Float>(shape: [Int](repeating: 1, count: 22_000), scalars: [4.5])
        let bytes = [UInt8](NPY.encode(AnyTensor(tensor)))
        XCTAssertEqual(Array(bytes[6..<8]), [2, 0])
        let headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        XCTAssertGreaterThan(headerLength, 65535)
        XCTAssertEqual((12 + headerLength) % 64, 0)
        let back = try NPY.decode(Data(bytes), file: "long.npy")
        XCTAssertEqual(back.shape.count, 22_000)
        XCTAssertEqual(back.tensor(as: Float.self).scalars, [4.5])
    }

    // MARK: Reading other dtypes and versions

    func testReadsIntegerBoolAndBigEndianDtypes() throws {
        func check(_ descr: String, _ data: [UInt8], _ expected: [Double], double: Bool) throws {
            let file = try write(handMadeNPY(header: "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(expected.count),), }",
                                             data: data), "t.npy")
            let tensor = try NPY.read(file)
            XCTAssertEqual(tensor.dtypeName, double ? "F64" : "F32", descr)
            XCTAssertEqual(tensor.tensor(as: Double.self).scalars, expected, descr)
        }
        try check("|u1", [0, 7, 255], [0, 7, 255], double: false)
        try check("|i1", [0x80, 0xFF, 5], [-128, -1, 5], double: false)
        try check("|b1", [0, 1, 2], [0, 1, 1], double: false)
        try check("<i2", littleEndianBytes(Int16(-300)) + littleEndianBytes(Int16(300)), [-300, 300], double: false)
        try check("<u2", littleEndianBytes(UInt16(65535)), [65535], double: false)
        try check("<i4", littleEndianBytes(Int32(-70000)) + littleEndianBytes(Int32.max), [-70000, 2147483647], double: true)
        try check("<u4", littleEndianBytes(UInt32.max), [4294967295], double: true)
        try check("<i8", littleEndianBytes(Int64(-5)) + littleEndianBytes(Int64(1) << 52), [-5, 4503599627370496], double: true)
        try check("<u8", littleEndianBytes(UInt64(12345)), [12345], double: true)
        try check(">f4", Array(littleEndianBytes(Float(-1.5).bitPattern).reversed()), [-1.5], double: false)
        try check(">f8", Array(littleEndianBytes(Double(0.1).bitPattern).reversed()), [0.1], double: true)
        try check(">i4", [0xFF, 0xFF, 0xFF, 0xFE], [-2], double: true)
        try check("<f8", littleEndianBytes(Double(2.25).bitPattern), [2.25], double: true)
    }

    func testReadsVersions2And3AndUnpaddedHeaders() throws {
        let data = [Float(1), 2].flatMap { littleEndianBytes($0.bitPattern) }
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
        for major: UInt8 in [2, 3] {
            let file = try write(handMadeNPY(header: header, data: data, major: major), "v\(major).npy")
            XCTAssertEqual(try NPY.read(file, as: Float.self).scalars, [1, 2])
        }
        // Old writers padded to 16 bytes, Python 2 wrote 2L; key order and spacing are free.
        let loose = try write(handMadeNPY(header: "{\"shape\":(1L, 2L),\"fortran_order\":False,\"descr\":\"<f4\"}\n",
                                          data: data, pad: false), "loose.npy")
        XCTAssertEqual(try NPY.read(loose, as: Double.self).shape, [1, 2])
        // Fortran order is harmless for rank 0 and 1.
        let vector = try write(handMadeNPY(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",
                                           data: data), "f1.npy")
        XCTAssertEqual(try NPY.read(vector, as: Float.self).scalars, [1, 2])
    }

    // MARK: Errors, one per kind

    func testEmptyFile() throws {
        let file = try write(Data(), "empty.npy")
        assertDataError(.empty, file: file.path, at: .wholeFile) { try NPY.read(file) }
    }

    func testMissingFile() throws {
        let file = try url("absent.npy")
        assertDataError(.notFound, file: file.path, at: .wholeFile) { try NPY.read(file) }
    }

    func testWrongMagic() throws {
        let file = try write(Data("PK\u{3}\u{4} this is a zip".utf8), "zip.npy")
        assertDataError(.badMagic, file: file.path, at: .byteOffset(0)) { try NPY.read(file) }
    }

    func testTruncatedPreambleAndHeader() throws {
        let short = try write(Data([0x93] + Array("NUMPY".utf8) + [1]), "short.npy")
        assertDataError(.truncated, file: short.path, at: .byteOffset(7)) { try NPY.read(short) }
        var bytes = [UInt8](handMadeNPY(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: []))
        bytes = Array(bytes.prefix(40))
        let cut = try write(Data(bytes), "cut.npy")
        assertDataError(.truncated, file: cut.path, at: .byteOffset(40)) { try NPY.read(cut) }
    }

    func testTruncatedData() throws {
        let data = handMadeNPY(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }", data: [UInt8](repeating: 0, count: 40))
        let file = try write(data, "trunc.npy")
        let error = assertDataError(.truncated, file: file.path, at: .byteOffset(data.count)) { try NPY.read(file) }
        XCTAssertTrue(error?.message.contains("needs 48 data bytes") ?? false, "\(String(describing: error))")
    }

    func testDataLongerThanShape() throws {
        let data = handMadeNPY(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data: [UInt8](repeating: 0, count: 12))
        let file = try write(data, "long.npy")
        assertDataError(.shapeMismatch, file: file.path, at: .byteOffset(data.count - 4)) { try NPY.read(file) }
    }

    func testAbsurdShapesAreRejectedBeforeAllocating() throws {
        let overflow = try write(handMadeNPY(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                                             data: []), "overflow.npy")
        assertDataError(.absurdSize, file: overflow.path, at: .byteOffset(10)) { try NPY.read(overflow) }
        // 10^12 doubles would be 8 TB: the size check against the file must come before any allocation.
        let huge = handMadeNPY(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }", data: [1, 2, 3])
        let hugeFile = try write(huge, "huge.npy")
        assertDataError(.truncated, file: hugeFile.path, at: .byteOffset(huge.count)) { try NPY.read(hugeFile) }
        let negative = try write(handMadeNPY(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", data: []), "neg.npy")
        assertDataError(.badHeader, file: negative.path, at: .byteOffset(10)) { try NPY.read(negative) }
    }

    func testFortranOrderIsRefusedClearly() throws {
        let file = try write(handMadeNPY(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }",
                                         data: [UInt8](repeating: 0, count: 16)), "fortran.npy")
        let error = assertDataError(.unsupported, file: file.path, at: .byteOffset(10)) { try NPY.read(file) }
        XCTAssertTrue(error?.message.contains("ascontiguousarray") ?? false)
    }

    func testUnsupportedDtypesAndVersion() throws {
        let complex = try write(handMadeNPY(header: "{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }",
                                            data: [UInt8](repeating: 0, count: 8)), "complex.npy")
        let error = assertDataError(.unsupported, file: complex.path, at: .byteOffset(10)) { try NPY.read(complex) }
        XCTAssertTrue(error?.message.contains("\"<c8\"") ?? false)
        let record = try write(handMadeNPY(header: "{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                                           data: [0, 0, 0, 0]), "record.npy")
        assertDataError(.unsupported, file: record.path, at: .byteOffset(10)) { try NPY.read(record) }
        var future = [UInt8](handMadeNPY(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", data: [0, 0, 0, 0]))
        future[6] = 4
        let futureFile = try write(Data(future), "future.npy")
        assertDataError(.unsupported, file: futureFile.path, at: .byteOffset(6)) { try NPY.read(futureFile) }
    }

    func testMalformedHeaders() throws {
        let cases: [(String, Int)] = [
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", 65),      // unterminated: at the end
            ("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", 44),    // unknown name
            ("{'descr': '<f4', 'shape': (2,), }", 10),                              // missing key
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", 10), // extra key
            ("['<f4', False, (2,)]", 10),                                           // not a dict
        ]
        for (i, (header, offset)) in cases.enumerated() {
            let file = try write(handMadeNPY(header: header, data: [UInt8](repeating: 0, count: 8), pad: false), "bad\(i).npy")
            assertDataError(.badHeader, file: file.path, at: .byteOffset(offset)) { try NPY.read(file) }
        }
    }

    func testVersion3HeaderMustBeUTF8() throws {
        var bytes = [UInt8](handMadeNPY(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }   ",
                                        data: [0, 0, 0, 0], major: 3))
        bytes[12 + 60] = 0xC3   // a lead byte followed by a space
        let file = try write(Data(bytes), "v3.npy")
        assertDataError(.notUTF8, file: file.path, at: .byteOffset(72)) { try NPY.read(file) }
    }

    func testNonFiniteValuesCanBeRefused() throws {
        let file = try url("nan.npy")
        try NPY.write(Tensor<Double>(shape: [2, 2], scalars: [1, 2, .nan, 4]), to: file)
        let tensor = try NPY.read(file)   // NaN is a valid value in .npy ...
        assertDataError(.nonFinite, file: "nan.npy", at: .tensor("x")) {   // ... unless the caller says otherwise
            try tensor.requireFinite(file: "nan.npy", name: "x")
        }
    }

    // MARK: Interoperability with NumPy itself

    func testNumPyReadsOursAndWeReadNumPys() throws {
        let ours = try url("ours.npy")
        try NPY.write(Tensor<Float>(shape: [3, 4], scalars: (0..<12).map { Float($0) * 0.5 - 1 }), to: ours)
        let theirs = try url("theirs")
        let script = """
        import sys, numpy as np
        a = np.load(sys.argv[1])
        assert a.dtype == np.float32 and a.shape == (3, 4), (a.dtype, a.shape)
        assert (a == np.arange(12, dtype=np.float32).reshape(3, 4) * 0.5 - 1).all()
        np.save(sys.argv[2] + '_f8.npy', np.arange(24, dtype='<f8').reshape(2, 3, 4) / 3)
        np.save(sys.argv[2] + '_i8.npy', np.array([[-3, 0], [7, 2**40]], dtype=np.int64))
        np.save(sys.argv[2] + '_u1.npy', np.arange(256, dtype=np.uint8))
        np.save(sys.argv[2] + '_f4.npy', np.float32(1.25))
        print('ok')
        """
        try runPythonCheck(script, requiring: "numpy", [ours.path, theirs.path])
        let f8 = try NPY.read(URL(fileURLWithPath: theirs.path + "_f8.npy"))
        guard case .double(let doubles) = f8 else { return XCTFail("expected float64") }
        XCTAssertEqual(doubles.shape, [2, 3, 4])
        XCTAssertEqual(doubles.scalars, (0..<24).map { Double($0) / 3 })
        XCTAssertEqual(try NPY.read(URL(fileURLWithPath: theirs.path + "_i8.npy"), as: Double.self).scalars,
                       [-3, 0, 7, 1_099_511_627_776])
        XCTAssertEqual(try NPY.read(URL(fileURLWithPath: theirs.path + "_u1.npy"), as: Float.self).scalars,
                       (0..<256).map { Float($0) })
        let scalar = try NPY.read(URL(fileURLWithPath: theirs.path + "_f4.npy"), as: Float.self)
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.scalar, 1.25)
    }
}
