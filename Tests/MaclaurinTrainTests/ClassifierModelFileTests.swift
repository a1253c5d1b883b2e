import Foundation
import MaclaurinData
import MaclaurinTrain
import XCTest

/// The model file: safetensors with the architecture in the metadata, and the JSON model format.
final class ClassifierModelFileTests: ScratchFolderTestCase {
    /// A Taylor CNN with non-trivial weights everywhere (the Taylor coefficients moved off their init).
    private func model<S: TensorScalar>(_: S.Type) throws -> Sequential<S> {
        var m = try Models.taylorCNN(inputShape: [8, 8, 1], classes: 10, order: 3, seed: 11, as: S.self)
        var g = SeededGenerator(seed: 12)
        m.parameters = m.parameters.map { $0 + Tensor(randomNormal: $0.shape, standardDeviation: 0.01, generator: &g) }
        return m
    }

    func testSafeTensorsRoundTripIsExact() throws {
        for precision in ["float", "double"] {
            let target = try file("m-\(precision).safetensors")
            let images = ClassifierFixtures.randomImages(4, seed: 3).images
            if precision == "float" {
                let original = try model(Float.self)
                try ModelFile.save(original, to: target)
                let loaded = try ModelFile.load(contentsOf: target, as: Float.self)
                assertSameModel(loaded, original)
                XCTAssertEqual(loaded(images).scalars, original(images).scalars)
            } else {
                let original = try model(Double.self)
                try ModelFile.save(original, to: target)
                let loaded = try ModelFile.load(contentsOf: target, as: Double.self)
                assertSameModel(loaded, original)
                let x = Tensor<Double>(images)
                XCTAssertEqual(loaded(x).scalars, original(x).scalars)
            }
        }
    }

    private func assertSameModel<S: TensorScalar>(_ a: Sequential<S>, _ b: Sequential<S>, file: StaticString = #filePath,
                                                  line: UInt = #line) {
        XCTAssertEqual(a.inputShape, b.inputShape, file: file, line: line)
        XCTAssertEqual(a.parameterNames, b.parameterNames, file: file, line: line)
        XCTAssertEqual(a.layers.map(\.kind), b.layers.map(\.kind), file: file, line: line)
        XCTAssertEqual(a.layers.map(\.configuration), b.layers.map(\.configuration), file: file, line: line)
        XCTAssertEqual(a.parameters.map(\.shape), b.parameters.map(\.shape), file: file, line: line)
        // Weights bit for bit (no NaN here, so == on the scalars is bitwise equality up to the sign of zero).
        XCTAssertEqual(a.parameters.map(\.scalars), b.parameters.map(\.scalars), "weights", file: file, line: line)
        XCTAssertEqual(a.parameters.map { $0.scalars.map { $0.sign } }, b.parameters.map { $0.scalars.map { $0.sign } },
                       "signs of the weights", file: file, line: line)
    }

    /// The header, read by hand: Keras-style names, F32, shapes, and the architecture without weights.
    func testHeaderNamesAndMetadata() throws {
        let target = try file("header.safetensors")
        let original = try model(Float.self)
        try ModelFile.save(original, to: target)
        let bytes = [UInt8](try Data(contentsOf: target))
        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        let names = Set(header.keys).subtracting(["__metadata__"])
        XCTAssertEqual(names, Set(original.parameterNames))
        XCTAssertTrue(names.isSuperset(of: ["conv2d_1/kernel", "conv2d_1/bias", "conv2d_2/kernel", "dense_1/kernel",
                                            "dense_2/bias", "taylor_expansion_1/a", "taylor_expansion_1/w"]), "\(names)")
        let kernel = try XCTUnwrap(header["conv2d_1/kernel"] as? [String: Any])
        XCTAssertEqual(kernel["dtype"] as? String, "F32")
        XCTAssertEqual(kernel["shape"] as? [Int], [3, 3, 1, 32])
        let offsets = try XCTUnwrap(kernel["data_offsets"] as? [Int])
        XCTAssertEqual(offsets[1] - offsets[0], 3 * 3 * 32 * 4)
        XCTAssertEqual(bytes.count, 8 + length + original.parameterCount * 4)

        let metadata = try XCTUnwrap(header["__metadata__"] as? [String: String])
        let architecture = try XCTUnwrap(metadata[ModelFile.architectureKey])
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(architecture.utf8)) as? [String: Any])
        XCTAssertEqual(json["input"] as? [Int], [8, 8, 1])
        let layers = try XCTUnwrap(json["layers"] as? [[String: Any]])
        XCTAssertEqual(layers.compactMap { $0["type"] as? String }, original.layers.map(\.kind))
        XCTAssertEqual(layers.compactMap { $0["name"] as? String }, original.layers.map(\.name))
        for layer in layers {
            XCTAssertTrue(Set(layer.keys).isDisjoint(with: ["kernel", "bias", "a", "w", "c"]), "weights in the metadata: \(layer.keys)")
        }
        XCTAssertLessThan(architecture.utf8.count, 4096, "the architecture is small")
    }

    /// JSON model files (with weights, or architecture only) are read wherever a model file is.
    func testJSONModelFiles() throws {
        let original: Sequential<Float> = try ClassifierFixtures.smallCNN()
        let withWeights = try file("full.json")
        try ModelFile.save(original, to: withWeights)
        XCTAssertEqual(ModelFile.format(of: withWeights), .json)
        assertSameModel(try ModelFile.load(contentsOf: withWeights, as: Float.self), original)

        // Architecture only, under a name without extension: recognised by content, initialised from the seed.
        let bare = try file("architecture")
        try ModelJSON.encode(original, includeWeights: false).write(to: bare)
        XCTAssertEqual(ModelFile.format(of: bare), .json)
        let a = try ModelFile.load(contentsOf: bare, as: Float.self, seed: 4)
        let b = try ModelFile.load(contentsOf: bare, as: Float.self, seed: 4)
        XCTAssertEqual(a.parameterNames, original.parameterNames)
        XCTAssertEqual(a.parameters.map(\.scalars), b.parameters.map(\.scalars))
        XCTAssertNotEqual(a.parameters[0].scalars, original.parameters[0].scalars)
    }

    func testErrorsNameTheFile() throws {
        let original = try model(Float.self)
        func assertError(_ target: URL, _ fragments: [String], line: UInt = #line) {
            XCTAssertThrowsError(try ModelFile.load(contentsOf: target, as: Float.self), line: line) { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains(target.lastPathComponent), "\(text)", line: line)
                for f in fragments { XCTAssertTrue(text.contains(f), "missing '\(f)' in: \(text)", line: line) }
                XCTAssertFalse(text.contains("\n"), "one line: \(text)", line: line)
            }
        }
        let garbage = try file("garbage.safetensors")
        var g = SeededGenerator(seed: 1)
        try Data((0..<300).map { _ in UInt8(truncatingIfNeeded: g.next()) }).write(to: garbage)
        assertError(garbage, [])

        let plain = try file("plain.safetensors")
        try SafeTensors.write([("w", AnyTensor(Tensor<Float>(zeros: [2])))], to: plain)
        assertError(plain, ["maclaurin.model"])

        let encoded = try ModelFile.encode(original)
        let (tensors, metadata) = try SafeTensors.decode(encoded, file: "x")
        var missing = tensors
        missing["dense_1/kernel"] = nil
        let missingFile = try file("missing.safetensors")
        try SafeTensors.write(missing.map { ($0.key, $0.value) }, metadata: metadata, to: missingFile)
        assertError(missingFile, ["dense_1/kernel", "missing"])

        var reshaped = tensors
        reshaped["dense_2/bias"] = AnyTensor(Tensor<Float>(zeros: [11]))
        let shapeFile = try file("shape.safetensors")
        try SafeTensors.write(reshaped.map { ($0.key, $0.value) }, metadata: metadata, to: shapeFile)
        assertError(shapeFile, ["dense_2/bias", "[11]", "[10]"])

        var extra = tensors
        extra["dense_9/kernel"] = AnyTensor(Tensor<Float>(zeros: [1]))
        let extraFile = try file("extra.safetensors")
        try SafeTensors.write(extra.map { ($0.key, $0.value) }, metadata: metadata, to: extraFile)
        assertError(extraFile, ["dense_9/kernel"])

        let truncated = try file("truncated.safetensors")
        try encoded.prefix(encoded.count - 100).write(to: truncated)
        assertError(truncated, [])

        let badJSON = try file("bad.json")
        try Data("{\"input\": [8, 8, 1], \"layers\": [{\"type\": \"conv2d\"}]}".utf8).write(to: badJSON)
        assertError(badJSON, ["filters"])
    }
}
