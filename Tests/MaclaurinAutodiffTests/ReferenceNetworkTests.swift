import Foundation
import MaclaurinNN
import XCTest

/// The reference networks of shared/refs (float64, computed with JAX), copied into Fixtures/.
/// Their weights are stored as W (out, in) with h = act(W x + b); Dense wants kernel = W^T.
final class ReferenceNetworkTests: XCTestCase {
    static func fixture(_ name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func network<S: TensorScalar>(_ layers: [[String: Any]], inputs: Int) throws -> Sequential<S> {
        var built: [any Layer<S>] = []
        for l in layers {
            let w = try XCTUnwrap(l["W"] as? [[Double]])
            let b = try XCTUnwrap(l["b"] as? [Double])
            let kernel = Tensor<S>(rows: w.map { $0.map { S($0) } }).transposed()
            built.append(Dense(kernel: kernel, bias: Tensor(b.map { S($0) }),
                               activation: try Activation(named: try XCTUnwrap(l["activation"] as? String))))
        }
        return try Sequential(inputShape: [inputs], layers: built)
    }

    static func flat(_ any: Any?) -> [Double] {
        if let d = any as? Double { return [d] }
        if let a = any as? [Any] { return a.flatMap { flat($0) } }
        return []
    }

    func assertClose<S: TensorScalar>(_ got: Tensor<S>, _ want: [Double], relative: Double, _ what: String,
                                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(got.count, want.count, "\(what): count", file: file, line: line)
        let scale = max(want.map(abs).max() ?? 1, 1e-300)
        for (g, w) in zip(got.scalars, want) {
            let err = abs(Double(g) - w) / max(abs(w), scale * 1e-3)
            if err > relative {
                XCTFail("\(what): got \(g), want \(w) (relative error \(err) > \(relative))", file: file, line: line)
                return
            }
        }
    }

    func testSigmoidExampleJacobians() throws {
        let ref = try Self.fixture("ref_a_sigmoid_example.json")
        let x = Tensor<Double>(rows: [try XCTUnwrap(ref["input_x"] as? [Double])])
        let cases = try XCTUnwrap(ref["cases"] as? [String: [String: Any]])
        for (name, c) in cases {
            let model: Sequential<Double> = try Self.network(try XCTUnwrap(c["layers"] as? [[String: Any]]), inputs: 2)
            for mode in JacobianMode.allCases {
                let (value, jacobian) = model.valueAndJacobian(at: x, mode: mode)
                assertClose(value, Self.flat(c["value"]), relative: 1e-12, "\(name) value (\(mode))")
                assertClose(jacobian, Self.flat(c["jacobian"]), relative: 1e-12, "\(name) jacobian (\(mode))")
            }
            assertClose(model.hessian(at: x), Self.flat(c["hessian"]), relative: 1e-10, "\(name) hessian")
        }
        // The figure the user expected for one hidden layer.
        let one: Sequential<Double> = try Self.network(try XCTUnwrap(cases["one_hidden_sigmoid"]?["layers"] as? [[String: Any]]), inputs: 2)
        let j = one.valueAndJacobian(at: x).jacobian
        XCTAssertEqual(j[0, 0, 0], 0.0903533, accuracy: 5e-8)
        XCTAssertEqual(j[0, 0, 1], 0.0903533, accuracy: 5e-8)
    }

    func checkTanhNetwork<S: TensorScalar>(_ type: S.Type, relative: Double) throws {
        let ref = try Self.fixture("ref_b_tanh_3_5_5_2.json")
        let model: Sequential<S> = try Self.network(try XCTUnwrap(ref["layers"] as? [[String: Any]]), inputs: 3)
        let v = Tensor<S>((try XCTUnwrap(ref["direction_v"] as? [Double])).map { S($0) })
        let points = try XCTUnwrap(ref["points"] as? [[String: Any]])
        // All points in one batch.
        let x = Tensor<S>(rows: try points.map { try XCTUnwrap($0["x"] as? [Double]).map { S($0) } })
        let b = points.count
        for mode in JacobianMode.allCases {
            let (value, jacobian) = model.valueAndJacobian(at: x, mode: mode)
            assertClose(value, points.flatMap { Self.flat($0["value"]) }, relative: relative, "value")
            assertClose(jacobian, points.flatMap { Self.flat($0["jacobian"]) }, relative: relative, "jacobian \(mode)")
        }
        assertClose(model.hessian(at: x), points.flatMap { Self.flat($0["hessian_per_output"]) }, relative: relative, "hessian")
        // taylor_derivs_along_v is (7, outputs) per point; ours is [B, outputs, 7].
        let d = model.directionalDerivatives(at: x, direction: v, order: 6)
        let want = points.flatMap { p -> [Double] in
            let rows = (p["taylor_derivs_along_v"] as? [[Double]]) ?? []
            return (0..<2).flatMap { o in rows.map { $0[o] } }
        }
        XCTAssertEqual(d.shape, [b, 2, 7])
        assertClose(d, want, relative: relative, "directional derivatives")
        // The Laplacian is the trace of the Hessian.
        let h = model.hessian(at: x), lap = model.laplacian(at: x)
        for p in 0..<b { for o in 0..<2 {
            let trace = (0..<3).reduce(0.0) { $0 + Double(h[p, o, $1, $1]) }
            XCTAssertEqual(Double(lap[p, o]), trace, accuracy: relative * max(1, abs(trace)) * 10)
        } }
    }

    func testTanhNetworkDouble() throws { try checkTanhNetwork(Double.self, relative: 1e-10) }
    func testTanhNetworkFloat() throws { try checkTanhNetwork(Float.self, relative: 1e-4) }

    func testMixedPartialsMatchHessianAndDirectional() throws {
        let ref = try Self.fixture("ref_b_tanh_3_5_5_2.json")
        let model: Sequential<Double> = try Self.network(try XCTUnwrap(ref["layers"] as? [[String: Any]]), inputs: 3)
        let x = Tensor<Double>(rows: [[0.1, -0.2, 0.3], [0.5, 0.4, -1.0]])
        let partials = model.mixedPartials(at: x, upToOrder: 3)
        XCTAssertEqual(partials.count, 3 + 6 + 10)
        let h = model.hessian(at: x), j = model.valueAndJacobian(at: x).jacobian
        for p in 0..<2 { for o in 0..<2 {
            for i in 0..<3 {
                var e = [0, 0, 0]; e[i] = 1
                XCTAssertEqual(try XCTUnwrap(partials[e])[p, o], j[p, o, i], accuracy: 1e-12)
                for k in 0..<3 {
                    var m = e; m[k] += 1
                    XCTAssertEqual(try XCTUnwrap(partials[m])[p, o], h[p, o, i, k], accuracy: 1e-11)
                }
            }
        } }
        // Third order: the directional derivative along v equals sum over |i|=3 of 3!/i! v^i d^i f.
        let v = [1.0, -2.0, 0.5]
        let d3 = model.directionalDerivatives(at: x, direction: Tensor(v), order: 3)
        for p in 0..<2 { for o in 0..<2 {
            var sum = 0.0
            for (i, t) in partials where i.reduce(0, +) == 3 {
                let coeff = 6.0 / i.map { (1...max($0, 1)).reduce(1.0) { $0 * Double($1) } }.reduce(1, *)
                sum += coeff * zip(v, i).reduce(1.0) { acc, q in acc * Foundation.pow(q.0, Double(q.1)) } * t[p, o]
            }
            XCTAssertEqual(sum, d3[p, o, 3], accuracy: 1e-10 * max(1, abs(sum)))
        } }
    }
}
