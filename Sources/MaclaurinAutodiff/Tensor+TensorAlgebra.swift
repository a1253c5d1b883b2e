import CMaclaurinKernels

extension Tensor: TensorAlgebra {
    public var plain: Tensor { self }
    public init(constant: Tensor) { self = constant }

    /// The evaluation rule of every primitive on plain tensors.
    public static func apply(_ primitive: Primitive, _ x: [Tensor]) -> Tensor {
        switch primitive {
        case .add: return x[0].applying(.add, x[1])
        case .subtract: return x[0].applying(.subtract, x[1])
        case .multiply: return x[0].applying(.multiply, x[1])
        case .divide: return x[0].applying(.divide, x[1])
        case .negate: return x[0].applying(.negate)
        case .exp: return x[0].applying(.exp)
        case .log: return x[0].applying(.log)
        case .tanh: return x[0].applying(.tanh)
        case .sigmoid: return x[0].applying(.sigmoid)
        case .sin: return x[0].applying(.sin)
        case .cos: return x[0].applying(.cos)
        case .sqrt: return x[0].applying(.sqrt)
        case .softplus: return x[0].applying(.softplus)
        case .powInt(let p): return x[0].raised(toInteger: p)
        case let .matmul(ta, tb): return x[0].matmul(x[1], transposeA: ta, transposeB: tb)
        case .sum(let axes): return x[0].sum(alongAxes: axes)
        case .broadcast(let target): return x[0].broadcast(to: target)
        case .reshape(let target): return x[0].reshaped(to: target)
        case .transpose(let perm): return x[0].transposed(permutation: perm)
        case let .slice(axis, range): return x[0].slice(axis: axis, range)
        case let .pad(axis, before, after): return x[0].padded(axis: axis, before: before, after: after)
        case .concatenate(let axis): return Tensor.concatenate(x, axis: axis)
        case .gather(let g):
            precondition(x[0].shape == g.sourceShape, "gather: source \(x[0].shape) vs \(g.sourceShape)")
            return x[0].gathering(g.indices, shape: g.resultShape)
        case .scatterAdd(let g):
            precondition(x[0].shape == g.resultShape, "scatterAdd: values \(x[0].shape) vs \(g.resultShape)")
            return x[0].scatteringAdd(g.indices, shape: g.sourceShape)
        case .im2col(let g): return x[0].im2col(g)
        case .conv2d(let g): return x[0].convolved(with: x[1], geometry: g)
        case .col2im(let g): return x[0].col2im(g)
        case .avgPool(let g): return x[0].avgPool(g)
        case .avgPoolBackward(let g): return x[0].avgPoolBackward(g)
        }
    }

    /// Image by image, without the batch's im2col columns (`Tensor.convolutionGradients(kernel:...)`).
    public static func convolutionGradients(_ x: Tensor, _ w: Tensor, _ dy: Tensor, geometry: ConvGeometry,
                                            input: Bool, kernel: Bool) -> (input: Tensor?, kernel: Tensor?) {
        x.convolutionGradients(kernel: w, outputGradient: dy, geometry: geometry, input: input, kernel: kernel)
    }

    /// Fused Taylor kernels (one pass over memory for all orders and directions).
    public static func taylorElementwise(_ f: AnalyticFunction, primal x0: Tensor, series xs: Tensor,
                                         order: Int, directions: Int) -> (primal: Tensor, series: Tensor) {
        precondition(xs.count == order * directions * x0.count, "jet layout: series \(xs.shape) for primal \(x0.shape)")
        var y0 = Tensor(uninitializedShape: x0.shape)
        var ys = Tensor(uninitializedShape: xs.shape)
        let op: mcl_jet_op
        switch f {
        case .exp: op = MCL_JET_EXP
        case .log: op = MCL_JET_LOG
        case .tanh: op = MCL_JET_TANH
        case .sigmoid: op = MCL_JET_SIGMOID
        case .sin: op = MCL_JET_SIN
        case .cos: op = MCL_JET_COS
        case .sqrt: op = MCL_JET_SQRT
        case .softplus: op = MCL_JET_SOFTPLUS
        case .reciprocal: op = MCL_JET_RECIPROCAL
        }
        x0.withUnsafePointer { a in xs.withUnsafePointer { s in y0.withUnsafeMutablePointer { b in
            ys.withUnsafeMutablePointer { t in Scalar._jetUnary(op, a, s, x0.count, directions, order, b, t) }
        } } }
        return (y0, ys)
    }

    public static func taylorMultiply(_ a0: Tensor, _ aSeries: Tensor, _ b0: Tensor, _ bSeries: Tensor,
                                      order: Int, directions: Int) -> (primal: Tensor, series: Tensor) {
        precondition(a0.shape == b0.shape && aSeries.shape == bSeries.shape, "jet product needs equal shapes")
        var y0 = Tensor(uninitializedShape: a0.shape)
        var ys = Tensor(uninitializedShape: aSeries.shape)
        a0.withUnsafePointer { a in aSeries.withUnsafePointer { sa in b0.withUnsafePointer { b in
            bSeries.withUnsafePointer { sb in y0.withUnsafeMutablePointer { c in ys.withUnsafeMutablePointer { sc in
                Scalar._jetMul(a, sa, b, sb, a0.count, directions, order, c, sc)
            } } }
        } } }
        return (y0, ys)
    }
}
