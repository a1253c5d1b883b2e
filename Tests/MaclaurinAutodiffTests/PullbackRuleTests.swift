import MaclaurinAutodiff
import XCTest

/// Every pullback rule against finite differences in Double, to first and second order
/// (JAX's LAX_GRAD_OPS / autograd's check_grads), and against the order-1 Taylor rule.
///
/// Finite differences are taken along 3 random directions per input (as check_grads does): for
/// a gradient a and a direction v, <a, v> must match d/dt L(x + t v) to a relative 1e-7 of
/// sum_j |a_j v_j|, plus the rounding noise of the stencil (see `FD`).
final class PullbackRuleTests: XCTestCase {
    static let table = FunctionTable.primitives()
    static let directions = 3

    func testTableCoversEveryPrimitive() {
        let covered = Set(Self.table.compactMap { $0.primitive.map(PrimitiveKind.init) })
        XCTAssertEqual(covered, Set(PrimitiveKind.allCases), "primitives without a test case")
    }

    /// Checks <gradient_i, v> against d/dt f(x + t v e_i) for random directions v.
    func checkDirections(_ name: String, inputs: [Tensor<Double>], gradients: [Tensor<Double>], noise: Double,
                         _ gen: inout SeededGenerator, _ f: ([Tensor<Double>]) -> Double,
                         file: StaticString = #filePath, line: UInt = #line) {
        for i in inputs.indices {
            XCTAssertEqual(gradients[i].shape, inputs[i].shape, "\(name): gradient shape of input \(i)", file: file, line: line)
            for _ in 0..<Self.directions {
                let v = randomTensor(inputs[i].shape, -1, 1, &gen)
                let ad = inner(gradients[i], v)
                let fd = FD.directional(inputs, i, v, f)
                let bound = 1e-7 * ad.magnitude + noise
                if !(abs(ad.value - fd) <= bound) {
                    XCTFail("\(name), input \(i): <gradient, v> = \(ad.value), finite difference \(fd) "
                            + "(error \(abs(ad.value - fd)) > \(bound))", file: file, line: line)
                }
            }
        }
    }

    /// Rounding noise of a 5-point difference of L = <g, y>: each evaluation of L is within about
    /// (count(y) + 16) u sum |g_k y_k| (16 roundings for the primitive, one per term of the sum),
    /// and the stencil multiplies that by 1.5 / h.
    static func noise(_ y: Tensor<Double>, _ g: Tensor<Double>) -> Double {
        1.5 * Double(y.count + 16) * FD.u * max(inner(y, g).magnitude, 1) / FD.h
    }

    /// d<g, f(x)>/dx by the pullback (reverse mode) vs finite differences.
    func testFirstOrderAgainstFiniteDifferences() {
        var gen = SeededGenerator(seed: 1)
        for c in Self.table + FunctionTable.composed() {
            let y = c.function(c.inputs)
            let g = randomTensor(y.shape, -1, 1, &gen)
            let vars = c.inputs.map { Var(variable: $0) }
            let out = c.function(vars)
            XCTAssertTrue(out.value.isIdentical(to: y), "\(c.name): taped value differs from the plain value")
            let grads = gradients(of: out, withRespectTo: vars, seed: g).map(\.value)
            checkDirections(c.name, inputs: c.inputs, gradients: grads, noise: Self.noise(y, g), &gen) { inner(c.function($0), g).value }
            // Asking for one input at a time (the other pullbacks are skipped) gives the same values.
            if c.inputs.count > 1 {
                for i in c.inputs.indices {
                    let alone = gradients(of: c.function(vars), withRespectTo: [vars[i]], seed: g)[0]
                    XCTAssertTrue(alone.value.isIdentical(to: grads[i]), "\(c.name): gradient of input \(i) alone")
                }
            }
        }
    }

    /// Forward (order-1 jets, D = 2 directions) and reverse agree: <J v, g> = <v, J^T g>, with
    /// every input carrying a tangent and, for n-ary primitives, with all but one input constant.
    /// Both sides are sums of the same elementary products; a bound of 64 u times their
    /// magnitude covers the rounding of both passes.
    func testForwardTangentsAreAdjointToPullbacks() {
        var gen = SeededGenerator(seed: 2)
        for c in Self.table + FunctionTable.composed() where c.supportsTaylor {
            let y = c.function(c.inputs)
            let g = randomTensor(y.shape, -1, 1, &gen)
            let vars = c.inputs.map { Var(variable: $0) }
            let reverse = gradients(of: c.function(vars), withRespectTo: vars, seed: g).map(\.value)
            let masks = c.inputs.count == 1 ? [[true]] : [Array(repeating: true, count: c.inputs.count)]
                + c.inputs.indices.map { i in c.inputs.indices.map { $0 == i } }
            for mask in masks {
                let d = 2
                let v = c.inputs.map { randomTensor([d] + $0.shape, -1, 1, &gen) }
                let jets = c.inputs.indices.map { i in
                    mask[i] ? Jet(primal: c.inputs[i], directions: v[i], order: 1) : Jet<Tensor<Double>>(constant: c.inputs[i])
                }
                let out = c.function(jets)
                XCTAssertTrue(out.primal.isIdentical(to: y), "\(c.name): jet primal differs from the plain value")
                // A result without a series is constant (e.g. x^0): its tangent is zero.
                let tangent = out.series == nil ? Tensor(zeros: [d] + y.shape) : out.coefficient(1)
                XCTAssertEqual(tangent.shape, [d] + y.shape, "\(c.name): tangent shape")
                for k in 0..<d {
                    let jv = inner(tangent.slice(axis: 0, k..<(k + 1)).reshaped(to: y.shape), g)
                    var vjt = (value: 0.0, magnitude: 0.0)
                    for i in c.inputs.indices where mask[i] {
                        let term = inner(v[i].slice(axis: 0, k..<(k + 1)).reshaped(to: c.inputs[i].shape), reverse[i])
                        vjt.value += term.value; vjt.magnitude += term.magnitude
                    }
                    XCTAssertEqual(jv.value, vjt.value, accuracy: 64 * FD.u * (jv.magnitude + vjt.magnitude) + 1e-300,
                                   "\(c.name) mask \(mask) direction \(k): <Jv, g> != <v, J^T g>")
                }
            }
        }
    }

    /// Second order: with L(x) = <g, y> + <q, y * y> / 2 for y = f(x), the gradient of
    /// S(x) = sum_i <dL/dx_i, w_i>, where dL/dx is recorded with `createGraph: true`, against
    /// finite differences of S computed from first-order gradients. The quadratic term makes the
    /// cotangent depend on x, so every pullback is differentiated through its cotangent as well
    /// as through its inputs.
    func testSecondOrderAgainstFiniteDifferences() {
        var gen = SeededGenerator(seed: 3)
        for c in Self.table + FunctionTable.composed() {
            let shape = c.function(c.inputs).shape
            let g = randomTensor(shape, -1, 1, &gen), q = randomTensor(shape, -1, 1, &gen)
            let w = c.inputs.map { randomTensor($0.shape, -1, 1, &gen) }
            func firstGradients(_ vars: [Var<Tensor<Double>>], createGraph: Bool) -> [Var<Tensor<Double>>] {
                let y = c.function(vars)
                let loss = (y * Var(constant: g)).sum() + (y * y * Var(constant: q)).sum() * 0.5
                return gradients(of: loss, withRespectTo: vars, createGraph: createGraph)
            }
            func s(_ x: [Tensor<Double>]) -> (value: Double, magnitude: Double) {
                let grads = firstGradients(x.map { Var(variable: $0) }, createGraph: false)
                return zip(grads, w).reduce((0.0, 0.0)) { acc, p in
                    let t = inner(p.0.value, p.1)
                    return (acc.0 + t.value, acc.1 + t.magnitude)
                }
            }
            let vars = c.inputs.map { Var(variable: $0) }
            let firsts = firstGradients(vars, createGraph: true)
            let fromGraph = zip(firsts, w).map { ($0.0 * Var(constant: $0.1)).sum() }.reduce(Var(constant: Tensor(0.0)), +)
            let second = gradients(of: fromGraph, withRespectTo: vars).map(\.value)
            // Each evaluation of S carries the rounding of a forward and a reverse pass, about
            // count(y) + 32 roundings on terms of total magnitude sum |dL/dx_i w_i|.
            let noise = 1.5 * Double(shape.reduce(1, *) + 32) * FD.u * max(s(c.inputs).magnitude, 1) / FD.h
            checkDirections("\(c.name) (second order)", inputs: c.inputs, gradients: second, noise: noise, &gen) { s($0).value }
        }
    }
}
