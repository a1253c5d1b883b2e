import MaclaurinAutodiff
import XCTest

/// The kind of a `Primitive`, without its parameters. The switch in `init` has no `default`, so
/// a new primitive does not compile here until it has a kind, and `testTableCoversEveryPrimitive`
/// then fails until the table below exercises it.
enum PrimitiveKind: String, CaseIterable {
    case add, subtract, multiply, divide, negate, exp, log, tanh, sigmoid, sin, cos, sqrt, softplus, powInt, matmul
    case sum, broadcast, reshape, transpose, slice, pad, concatenate, gather, scatterAdd
    case im2col, col2im, conv2d, avgPool, avgPoolBackward

    init(_ p: Primitive) {
        switch p {
        case .add: self = .add
        case .subtract: self = .subtract
        case .multiply: self = .multiply
        case .divide: self = .divide
        case .negate: self = .negate
        case .exp: self = .exp
        case .log: self = .log
        case .tanh: self = .tanh
        case .sigmoid: self = .sigmoid
        case .sin: self = .sin
        case .cos: self = .cos
        case .sqrt: self = .sqrt
        case .softplus: self = .softplus
        case .powInt: self = .powInt
        case .matmul: self = .matmul
        case .sum: self = .sum
        case .broadcast: self = .broadcast
        case .reshape: self = .reshape
        case .transpose: self = .transpose
        case .slice: self = .slice
        case .pad: self = .pad
        case .concatenate: self = .concatenate
        case .gather: self = .gather
        case .scatterAdd: self = .scatterAdd
        case .im2col: self = .im2col
        case .col2im: self = .col2im
        case .conv2d: self = .conv2d
        case .avgPool: self = .avgPool
        case .avgPoolBackward: self = .avgPoolBackward
        }
    }
}

/// A function under test: a primitive, or one of the composed functions of `TensorAlgebra`.
enum TestFunction {
    case primitive(Primitive)
    case softmax, logSumExp, gelu, relu
    /// 1 / x: a divide whose numerator is a constant.
    case reciprocal
    /// op(A) op(B) for a matrix op(B), as sum_l op(A)[..., l, None] * op(B)[l, :]: a reference
    /// for matmul built from multiply, reshape, transpose and sum only (Taylor-mode matmul with a
    /// series on the right needs a batched matmul of the base, which nested jets do not have).
    case matmulByBroadcast(transposeA: Bool, transposeB: Bool)
    /// im2col(x) . w with that matmul by broadcasting: the reference for conv2d.
    case convolutionByIm2col(ConvGeometry)

    func callAsFunction<V: TensorAlgebra>(_ x: [V]) -> V {
        switch self {
        case .primitive(let p): V.apply(p, x)
        case .softmax: x[0].softmax()
        case .logSumExp: x[0].logSumExp()
        case .gelu: x[0].gelu()
        case .relu: x[0].relu()
        case .reciprocal: V(constant: Tensor<V.Scalar>(1)) / x[0]
        case let .matmulByBroadcast(ta, tb):
            Self.matmulByBroadcast(ta ? x[0].transposed() : x[0], tb ? x[1].transposed() : x[1])
        case .convolutionByIm2col(let g): Self.matmulByBroadcast(V.apply(.im2col(g), [x[0]]), x[1])
        }
    }

    static func matmulByBroadcast<V: TensorAlgebra>(_ a: V, _ b: V) -> V {
        let lead = Array(a.shape.dropLast())
        let terms = a.reshaped(to: lead + [b.shape[0], 1]) * b                 // [..., K, N]
        return terms.sum(alongAxes: [lead.count]).reshaped(to: lead + [b.shape[1]])
    }
}

/// One row of the table: a function and inputs inside its domain.
struct FunctionCase {
    var name: String
    var function: TestFunction
    var inputs: [Tensor<Double>]
    /// False where Taylor mode documents a restriction (matmul needs a matrix on the right).
    var supportsTaylor = true
    /// The same function in other primitives, for references built from nested jets.
    var reference: TestFunction?

    /// True for functions applied element by element (their Taylor rules are univariate).
    var isElementwise: Bool {
        switch function {
        case .gelu, .relu, .reciprocal: return true
        case .softmax, .logSumExp, .matmulByBroadcast, .convolutionByIm2col: return false
        case .primitive(let p):
            switch p {
            case .negate, .exp, .log, .tanh, .sigmoid, .sin, .cos, .sqrt, .softplus, .powInt: return true
            case .add, .subtract, .multiply, .divide, .matmul, .sum, .broadcast, .reshape, .transpose, .slice, .pad,
                 .concatenate, .gather, .scatterAdd, .im2col, .col2im, .conv2d, .avgPool, .avgPoolBackward: return false
            }
        }
    }

    var primitive: Primitive? {
        if case .primitive(let p) = function { return p }
        return nil
    }
}

enum FunctionTable {
    /// Every primitive with inputs in its domain (log and sqrt positive, divisors away from 0),
    /// broadcasting in every direction, every matmul form, and every window geometry kind.
    static func primitives() -> [FunctionCase] {
        var g = SeededGenerator(seed: 2024)
        func r(_ shape: [Int]) -> Tensor<Double> { randomTensor(shape, -1.5, 1.5, &g) }
        func positive(_ shape: [Int]) -> Tensor<Double> { randomTensor(shape, 0.5, 2, &g) }
        func away(_ shape: [Int]) -> Tensor<Double> { randomAwayFromZero(shape, &g) }
        func p(_ name: String, _ primitive: Primitive, _ inputs: [Tensor<Double>], taylor: Bool = true) -> FunctionCase {
            var reference: TestFunction?
            if case let .matmul(ta, tb) = primitive { reference = .matmulByBroadcast(transposeA: ta, transposeB: tb) }
            if case let .conv2d(geo) = primitive { reference = .convolutionByIm2col(geo) }
            return FunctionCase(name: name, function: .primitive(primitive), inputs: inputs, supportsTaylor: taylor,
                                reference: reference)
        }
        var c: [FunctionCase] = [
            p("add [2,3]+[3]", .add, [r([2, 3]), r([3])]),
            p("add [2,1]+[1,3]", .add, [r([2, 1]), r([1, 3])]),
            p("add []+[2,2]", .add, [r([]), r([2, 2])]),
            p("subtract [2,3]-[2,1]", .subtract, [r([2, 3]), r([2, 1])]),
            p("subtract []-[3]", .subtract, [r([]), r([3])]),
            p("multiply [3,1]*[1,4]", .multiply, [r([3, 1]), r([1, 4])]),
            p("multiply [2,3]*[2,3]", .multiply, [r([2, 3]), r([2, 3])]),
            p("multiply []*[3]", .multiply, [r([]), r([3])]),
            p("divide [2,3]/[3]", .divide, [r([2, 3]), away([3])]),
            p("divide [3]/[]", .divide, [r([3]), away([])]),
            p("divide [2,1]/[1,3]", .divide, [r([2, 1]), away([1, 3])]),
            p("negate", .negate, [r([2, 3])]),
            p("exp", .exp, [r([2, 3])]),
            p("log", .log, [positive([2, 3])]),
            p("tanh", .tanh, [r([2, 3])]),
            p("sigmoid", .sigmoid, [r([2, 3])]),
            p("sin", .sin, [r([2, 3])]),
            p("cos", .cos, [r([2, 3])]),
            p("sqrt", .sqrt, [positive([2, 3])]),
            p("softplus", .softplus, [r([2, 3])]),
        ]
        for e in [0, 1, 2, 3, 5] { c.append(p("powInt(\(e))", .powInt(e), [r([2, 3])])) }

        // matmul: [M, K] x [K, N] with M, K, N = 2, 3, 4; stored shapes follow the transposes.
        func stored(_ rows: Int, _ cols: Int, _ t: Bool) -> [Int] { t ? [cols, rows] : [rows, cols] }
        for ta in [false, true] {
            for tb in [false, true] {
                let mm = Primitive.matmul(transposeA: ta, transposeB: tb)
                c.append(p("matmul ta=\(ta) tb=\(tb)", mm, [r(stored(2, 3, ta)), r(stored(3, 4, tb))]))
                c.append(p("batched matmul ta=\(ta) tb=\(tb)", mm, [r([2] + stored(2, 3, ta)), r([2] + stored(3, 4, tb))], taylor: false))
                c.append(p("shared matmul ta=\(ta) tb=\(tb)", mm, [r(stored(2, 3, ta)), r([2] + stored(3, 4, tb))], taylor: false))
            }
            c.append(p("row-stack matmul tb=\(ta)", .matmul(transposeA: false, transposeB: ta), [r([2, 2, 3]), r(stored(3, 4, ta))]))
        }
        c.append(p("vector matmul", .matmul(transposeA: false, transposeB: false), [r([3]), r([3, 4])]))

        for axes in [[0], [1, 2], [0, 1, 2], [2], []] { c.append(p("sum \(axes)", .sum(axes: axes), [r([2, 3, 4])])) }
        for (from, to) in [([3], [2, 3]), ([2, 1], [2, 4]), ([], [2, 2]), ([1, 3, 1], [2, 3, 2])] as [([Int], [Int])] {
            c.append(p("broadcast \(from)->\(to)", .broadcast(to: to), [r(from)]))
        }
        c += [
            p("reshape", .reshape(to: [3, 4]), [r([2, 3, 2])]),
            p("reshape rank 0", .reshape(to: [1]), [r([])]),
            p("transpose [2,0,1]", .transpose(permutation: [2, 0, 1]), [r([2, 3, 4])]),
            p("transpose [1,0]", .transpose(permutation: [1, 0]), [r([2, 3])]),
            p("slice axis 1", .slice(axis: 1, range: 1..<3), [r([3, 4])]),
            p("slice axis 0", .slice(axis: 0, range: 0..<2), [r([3, 4])]),
            p("pad axis 1", .pad(axis: 1, before: 1, after: 2), [r([2, 3])]),
            p("pad axis 0", .pad(axis: 0, before: 0, after: 1), [r([2, 3])]),
            p("concatenate axis 1", .concatenate(axis: 1), [r([2, 1]), r([2, 3]), r([2, 2])]),
            p("concatenate axis 0", .concatenate(axis: 0), [r([1, 3]), r([2, 3])]),
        ]
        let index = GatherIndex(indices: [0, 5, 5, 11, 3, 0, 7, 7, 7, 2], sourceShape: [3, 4], resultShape: [2, 5])
        c.append(p("gather", .gather(index), [r([3, 4])]))
        c.append(p("scatterAdd", .scatterAdd(index), [r([2, 5])]))

        let convolutions = [ConvGeometry(input: [1, 3, 3, 2], kernel: 3, 3, same: true),
                            ConvGeometry(input: [2, 5, 4, 1], kernel: 2, 2, strides: 2, 2)]
        for (i, geo) in convolutions.enumerated() {
            c.append(p("im2col \(i)", .im2col(geo), [r(geo.inputShape)]))
            c.append(p("col2im \(i)", .col2im(geo), [r(geo.columnsShape)]))
        }
        // conv2d: same padding (the implicit GEMM), strides, and 8 channels in and out with a 3x3
        // stride-1 window (Winograd F(2x2, 3x3), an odd output height).
        let kernels = [3, 2, 8]
        let convolutions2 = [ConvGeometry(input: [2, 4, 3, 2], kernel: 3, 3, same: true),
                             ConvGeometry(input: [1, 5, 4, 1], kernel: 2, 2, strides: 2, 2),
                             ConvGeometry(input: [1, 5, 4, 8], kernel: 3, 3)]
        for (i, geo) in convolutions2.enumerated() {
            let k = geo.kernelHeight * geo.kernelWidth * geo.channels
            c.append(p("conv2d \(i)", .conv2d(geo), [r(geo.inputShape), r([k, kernels[i]])]))
        }
        let pools = [ConvGeometry(input: [1, 4, 4, 2], kernel: 2, 2, strides: 2, 2),
                     ConvGeometry(input: [1, 5, 5, 1], kernel: 3, 3, strides: 2, 2)]
        for (i, geo) in pools.enumerated() {
            c.append(p("avgPool \(i)", .avgPool(geo), [r(geo.inputShape)]))
            c.append(p("avgPoolBackward \(i)", .avgPoolBackward(geo), [r(geo.outputShape(channels: geo.channels))]))
        }
        return c
    }

    /// The composed functions of `TensorAlgebra` (relu with inputs away from its kink).
    static func composed() -> [FunctionCase] {
        var g = SeededGenerator(seed: 2025)
        return [
            FunctionCase(name: "softmax", function: .softmax, inputs: [randomTensor([2, 3], -1.5, 1.5, &g)]),
            FunctionCase(name: "logSumExp", function: .logSumExp, inputs: [randomTensor([2, 3], -1.5, 1.5, &g)]),
            FunctionCase(name: "gelu", function: .gelu, inputs: [randomTensor([2, 3], -1.5, 1.5, &g)]),
            FunctionCase(name: "relu", function: .relu, inputs: [randomAwayFromZero([2, 3], &g)]),
        ]
    }
}
