/// A truncated Taylor series in D directions sharing one primal: Taylor mode.
///
/// For x(t) = x0 + t v + ..., a jet carries the primal `x0` and the normalised coefficients
/// x_k = x^(k)(0) / k! for k = 1...order, stacked in one `series` tensor of shape
/// `[order, directions] + x0.shape`. Linear primitives act on the whole series at once (one GEMM
/// for all orders and directions); analytic functions use O(order^2) recurrences
/// (`TensorAlgebra.taylorElementwise`); products use the Cauchy product. A jet with no series is
/// a constant (its coefficients are zero), which makes weights free to carry.
public struct Jet<Base: TensorAlgebra>: TensorAlgebra {
    public typealias Scalar = Base.Scalar
    public var primal: Base
    /// `[order, directions] + primal.shape`, or nil for a constant.
    public var series: Base?
    public var order: Int
    public var directions: Int

    public init(primal: Base, series: Base?, order: Int, directions: Int) {
        if let series {
            precondition(series.shape == [order, directions] + primal.shape,
                         "jet series \(series.shape) does not match [\(order), \(directions)] + \(primal.shape)")
        }
        self.primal = primal; self.series = series; self.order = order; self.directions = directions
    }

    /// The jet of t -> x + t v for each direction: `directions` has shape `[D] + x.shape`.
    public init(primal x: Base, directions v: Base, order: Int) {
        precondition(order >= 1, "a jet needs order >= 1")
        let d = v.shape[0]
        precondition(Array(v.shape.dropFirst()) == x.shape, "directions \(v.shape) do not match point \(x.shape)")
        let first = v.reshaped(to: [1] + v.shape)
        let series = order == 1 ? first
            : Base.concatenate([first, Base(constant: Tensor(zeros: [order - 1] + v.shape))], axis: 0)
        self.init(primal: x, series: series, order: order, directions: d)
    }

    public init(constant: Tensor<Scalar>) { self.init(primal: Base(constant: constant), series: nil, order: 0, directions: 0) }
    public init(constantValue: Base) { self.init(primal: constantValue, series: nil, order: 0, directions: 0) }

    public var shape: [Int] { primal.shape }
    public var plain: Tensor<Scalar> { primal.plain }

    /// The normalised coefficient x_k (k >= 1), shape `[directions] + shape` (zeros for a constant).
    public func coefficient(_ k: Int) -> Base {
        precondition(k >= 1 && k <= max(order, 1), "coefficient \(k) of a jet of order \(order)")
        guard let series else { return Base(constant: Tensor(zeros: [max(directions, 1)] + shape)) }
        return series.slice(axis: 0, (k - 1)..<k).reshaped(to: [directions] + shape)
    }

    /// The k-th derivative along each direction, d^k/dt^k x(t) at 0 = k! x_k.
    public func derivative(_ k: Int) -> Base {
        if k == 0 { return primal }
        return coefficient(k) * Scalar((1...k).reduce(1.0) { $0 * Double($1) })
    }
}

extension Jet {
    /// The series of `x` with its shape rank-aligned (and, if needed, broadcast) to `[K, D] + shape`.
    static func series(of x: Jet, as shape: [Int], order: Int, directions: Int, broadcast: Bool = true) -> Base? {
        guard var s = x.series else { return nil }
        if x.rank < shape.count {
            s = s.reshaped(to: [order, directions] + Array(repeating: 1, count: shape.count - x.rank) + x.shape)
        }
        return broadcast ? s.broadcast(to: [order, directions] + shape) : s
    }

    static func zeroSeries(_ shape: [Int], order: Int, directions: Int) -> Base {
        Base(constant: Tensor(zeros: [order, directions] + shape))
    }

    /// A batch-stacking view for window primitives: series `[K, D, N, ...]` as batch `K*D*N`.
    static func stackedGeometry(_ g: ConvGeometry, copies: Int) -> ConvGeometry {
        var h = g; h.batch *= copies; return h
    }

    /// The Taylor rule of every primitive.
    public static func apply(_ primitive: Primitive, _ x: [Jet]) -> Jet {
        let primals = x.map(\.primal)
        let y0 = Base.apply(primitive, primals)
        guard let lead = x.first(where: { $0.series != nil }) else { return Jet(constantValue: y0) }
        let (k, d) = (lead.order, lead.directions)
        precondition(x.allSatisfy { $0.series == nil || ($0.order == k && $0.directions == d) },
                     "jets of different order or direction count combined")
        let out = y0.shape
        func jet(_ s: Base) -> Jet { Jet(primal: y0, series: s, order: k, directions: d) }
        func linear(_ p: Primitive, _ s: Base) -> Jet { jet(Base.apply(p, [s])) }
        /// The series viewed as a batch of K*D copies along the leading axis of the primal.
        func stacked(_ s: Base) -> Base { s.reshaped(to: [-1] + Array(s.shape.dropFirst(3))) }
        func unstacked(_ s: Base) -> Base { s.reshaped(to: [k, d] + out) }
        // For unary primitives the only input is the one with a series.
        let s0 = x[0].series ?? zeroSeries(x[0].shape, order: k, directions: d)

        switch primitive {
        case .add, .subtract:
            let a = series(of: x[0], as: out, order: k, directions: d)
            let b = series(of: x[1], as: out, order: k, directions: d)
            switch (a, b) {
            case let (a?, b?): return jet(Base.apply(primitive, [a, b]))
            case let (a?, nil): return jet(a)
            case let (nil, b?):
                if case .add = primitive { return jet(b) }
                return jet(-b)
            case (nil, nil): return Jet(constantValue: y0)
            }
        case .negate:
            return jet(-s0)
        case .multiply:
            if let a = series(of: x[0], as: out, order: k, directions: d),
               let b = series(of: x[1], as: out, order: k, directions: d) {
                let r = Base.taylorMultiply(primals[0].broadcast(to: out), a, primals[1].broadcast(to: out), b,
                                            order: k, directions: d)
                return jet(r.series)
            }
            let (j, c) = x[0].series != nil ? (x[0], primals[1]) : (x[1], primals[0])
            let s = series(of: j, as: out, order: k, directions: d, broadcast: false) ?? s0
            return jet((s * c).broadcast(to: [k, d] + out))
        case .divide:
            guard let sb = x[1].series else {
                let s = series(of: x[0], as: out, order: k, directions: d, broadcast: false) ?? s0
                return jet((s / primals[1]).broadcast(to: [k, d] + out))
            }
            let r = Base.taylorElementwise(.reciprocal, primal: primals[1], series: sb, order: k, directions: d)
            let q = apply(.multiply, [x[0], Jet(primal: r.primal, series: r.series, order: k, directions: d)])
            return jet(q.series ?? zeroSeries(out, order: k, directions: d))
        case .exp: return analytic(.exp, x[0], y0)
        case .log: return analytic(.log, x[0], y0)
        case .tanh: return analytic(.tanh, x[0], y0)
        case .sigmoid: return analytic(.sigmoid, x[0], y0)
        case .sin: return analytic(.sin, x[0], y0)
        case .cos: return analytic(.cos, x[0], y0)
        case .sqrt: return analytic(.sqrt, x[0], y0)
        case .softplus: return analytic(.softplus, x[0], y0)
        case .powInt(let p):
            if p == 0 { return Jet(constantValue: y0) }
            var result = x[0]
            for _ in 1..<p { result = apply(.multiply, [result, x[0]]) }
            return jet(result.series ?? zeroSeries(out, order: k, directions: d))
        case let .matmul(ta, tb):
            return matmulRule(x[0], x[1], y0, transposeA: ta, transposeB: tb, order: k, directions: d)
        case .sum(let axes): return linear(.sum(axes: axes.map { $0 + 2 }), s0)
        case .broadcast(let target):
            return jet(series(of: x[0], as: target, order: k, directions: d) ?? s0)
        case .reshape(let target): return linear(.reshape(to: [k, d] + target), s0)
        case .transpose(let perm): return linear(.transpose(permutation: [0, 1] + perm.map { $0 + 2 }), s0)
        case let .slice(axis, range): return linear(.slice(axis: axis + 2, range: range), s0)
        case let .pad(axis, before, after): return linear(.pad(axis: axis + 2, before: before, after: after), s0)
        case .concatenate(let axis):
            let parts = x.map { $0.series ?? zeroSeries($0.shape, order: k, directions: d) }
            return jet(Base.apply(.concatenate(axis: axis + 2), parts))
        case .gather(let index):
            let s = s0.reshaped(to: [k * d] + index.sourceShape)
            return jet(Base.apply(.gather(index.repeated(k * d)), [s]).reshaped(to: [k, d] + out))
        case .scatterAdd(let index):
            let s = s0.reshaped(to: [k * d] + index.resultShape)
            return jet(Base.apply(.scatterAdd(index.repeated(k * d)), [s]).reshaped(to: [k, d] + out))
        case .im2col(let g):
            return jet(unstacked(Base.apply(.im2col(stackedGeometry(g, copies: k * d)), [stacked(s0)])))
        case .conv2d(let g):
            // Bilinear like matmul: the columns' jet (linear in x), then the matmul rule.
            return matmulRule(apply(.im2col(g), [x[0]]), x[1], y0, transposeA: false, transposeB: false, order: k,
                              directions: d)
        case .col2im(let g):
            let s = s0.reshaped(to: [k * d * g.columnsShape[0], g.columnsShape[1]])
            return jet(unstacked(Base.apply(.col2im(stackedGeometry(g, copies: k * d)), [s])))
        case .avgPool(let g):
            return jet(unstacked(Base.apply(.avgPool(stackedGeometry(g, copies: k * d)), [stacked(s0)])))
        case .avgPoolBackward(let g):
            return jet(unstacked(Base.apply(.avgPoolBackward(stackedGeometry(g, copies: k * d)), [stacked(s0)])))
        }
    }

    /// The jet of f(x) with primal `y0`, the plain evaluation of f (the recurrence's own primal
    /// may differ from it in the last place, and a jet's primal must equal the plain value).
    static func analytic(_ f: AnalyticFunction, _ x: Jet, _ y0: Base) -> Jet {
        guard let s = x.series else { return Jet(constantValue: y0) }  // unreachable: constants are handled before
        let r = Base.taylorElementwise(f, primal: x.primal, series: s, order: x.order, directions: x.directions)
        return Jet(primal: y0, series: r.series, order: x.order, directions: x.directions)
    }

    /// y = op(A) op(B) on jets: per coefficient when one side is constant, Cauchy product otherwise.
    static func matmulRule(_ a: Jet, _ b: Jet, _ y0: Base, transposeA ta: Bool, transposeB tb: Bool,
                           order k: Int, directions d: Int) -> Jet {
        precondition(b.rank == 2, "Taylor mode supports matmul with a matrix on the right (got \(b.shape))")
        // Coefficient products a_i @ b_j with the series axes folded into rows or batches.
        func seriesTimesB(_ s: Base, _ bMatrix: Base) -> Base {
            let sa = ta ? s.transposed() : s                           // [K', D, ..., M, Kd] rows
            return sa.matmul(bMatrix, transposeB: tb)
        }
        func aTimesSeries(_ aMatrix: Base, _ s: Base) -> Base {
            let rows = ta ? aMatrix.transposed() : aMatrix.reshaped(to: [-1, aMatrix.shape[aMatrix.rank - 1]])
            let sb = tb ? s.transposed() : s                           // [K', D, Kd, N]
            let r = rows.matmul(sb)                                   // batched with shared lhs
            return r.reshaped(to: Array(s.shape.prefix(2)) + y0.shape)
        }
        var ys: Base
        switch (a.series, b.series) {
        case let (sa?, nil): ys = seriesTimesB(sa, b.primal)
        case let (nil, sb?): ys = aTimesSeries(a.primal, sb)
        case let (sa?, sb?):
            // y_k = a_0 b_k + a_k b_0 + sum_{j=1..k-1} a_j b_{k-j}.
            ys = seriesTimesB(sa, b.primal) + aTimesSeries(a.primal, sb)
            if k > 1 {
                var extra: [Base] = [Base(constant: Tensor(zeros: [1, d] + y0.shape))]
                for m in 2...k {
                    var acc: Base?
                    for j in 1..<m {
                        let aj = sa.slice(axis: 0, (j - 1)..<j)                      // [1, D, ..., M|Kd]
                        let bj = sb.slice(axis: 0, (m - j - 1)..<(m - j)).reshaped(to: [d] + b.shape)
                        let ajRows = (ta ? aj.transposed() : aj).reshaped(to: [d, -1, b.shape[tb ? 1 : 0]])
                        let term = ajRows.matmul(bj, transposeB: tb).reshaped(to: [1, d] + y0.shape)
                        acc = acc.map { $0 + term } ?? term
                    }
                    extra.append(acc ?? Base(constant: Tensor(zeros: [1, d] + y0.shape)))
                }
                ys = ys + Base.concatenate(extra, axis: 0)
            }
        case (nil, nil): return Jet(constantValue: y0)
        }
        return Jet(primal: y0, series: ys, order: k, directions: d)
    }
}
