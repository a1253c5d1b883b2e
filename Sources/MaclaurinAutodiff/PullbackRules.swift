/// The reverse-mode rule of every primitive, written in primitives so that a pullback recorded
/// on a tape can itself be differentiated (gradients of gradients, for training on derivatives).
public enum PullbackRules {
    /// Cotangents of the inputs of `primitive` given the cotangent `g` of its output `y`.
    /// Entries whose `needed` flag is false are nil (not computed).
    public static func pullback<V: TensorAlgebra>(_ primitive: Primitive, inputs x: [V], output y: V,
                                                  cotangent g: V, needed: [Bool]) -> [V?] {
        func only(_ value: @autoclosure () -> V) -> [V?] { needed[0] ? [value()] : [nil] }
        func pair(_ a: @autoclosure () -> V, _ b: @autoclosure () -> V) -> [V?] {
            [needed[0] ? a() : nil, needed[1] ? b() : nil]
        }
        switch primitive {
        case .add:
            return pair(g.unbroadcast(to: x[0].shape), g.unbroadcast(to: x[1].shape))
        case .subtract:
            return pair(g.unbroadcast(to: x[0].shape), (-g).unbroadcast(to: x[1].shape))
        case .multiply:
            return pair((g * x[1]).unbroadcast(to: x[0].shape), (g * x[0]).unbroadcast(to: x[1].shape))
        case .divide:
            return pair((g / x[1]).unbroadcast(to: x[0].shape), (-(g * y) / x[1]).unbroadcast(to: x[1].shape))
        case .negate: return only(-g)
        case .exp: return only(g * y)
        case .log: return only(g / x[0])
        case .tanh: return only(g * (1 - y.squared()))
        case .sigmoid: return only(g * (y - y.squared()))
        case .sin: return only(g * x[0].cos())
        case .cos: return only(-(g * x[0].sin()))
        case .sqrt: return only(g / (y * V.Scalar(2)))
        case .softplus: return only(g * x[0].sigmoid())
        case .powInt(let p):
            if p == 0 { return only(V(constant: Tensor(zeros: x[0].shape))) }
            return only(g * x[0].pow(p - 1) * V.Scalar(p))
        case let .matmul(ta, tb):
            return matmulPullback(x[0], x[1], g, transposeA: ta, transposeB: tb, needed: needed)
        case .sum:
            return only(g.broadcast(to: x[0].shape))
        case .broadcast:
            return only(g.unbroadcast(to: x[0].shape))
        case .reshape:
            return only(g.reshaped(to: x[0].shape))
        case .transpose(let perm):
            var inverse = perm
            for (i, p) in perm.enumerated() { inverse[p] = i }
            return only(g.transposed(permutation: inverse))
        case let .slice(axis, range):
            return only(g.padded(axis: axis, before: range.lowerBound, after: x[0].shape[axis] - range.upperBound))
        case let .pad(axis, before, _):
            return only(g.slice(axis: axis, before..<(before + x[0].shape[axis])))
        case .concatenate(let axis):
            var offset = 0
            return x.enumerated().map { i, part in
                defer { offset += part.shape[axis] }
                return needed[i] ? g.slice(axis: axis, offset..<(offset + part.shape[axis])) : nil
            }
        case .gather(let index): return only(V.apply(.scatterAdd(index), [g]))
        case .scatterAdd(let index): return only(V.apply(.gather(index), [g]))
        case .im2col(let geometry): return only(V.apply(.col2im(geometry), [g]))
        case .conv2d(let geometry):
            let r = V.convolutionGradients(x[0], x[1], g, geometry: geometry, input: needed[0], kernel: needed[1])
            return [r.input, r.kernel]
        case .col2im(let geometry): return only(V.apply(.im2col(geometry), [g]))
        case .avgPool(let geometry): return only(V.apply(.avgPoolBackward(geometry), [g]))
        case .avgPoolBackward(let geometry): return only(V.apply(.avgPool(geometry), [g]))
        }
    }

    /// Cotangents of y = op(A) op(B) (see `Tensor.matmul` for the accepted shapes).
    static func matmulPullback<V: TensorAlgebra>(_ a: V, _ b: V, _ g: V, transposeA ta: Bool, transposeB tb: Bool,
                                                 needed: [Bool]) -> [V?] {
        var da: V?, db: V?
        if b.rank == 2 {
            // Rows of a (all leading axes) times b.
            if needed[0] {
                // d op(A) = g op(B)^T.
                da = ta ? b.matmul(g, transposeA: tb, transposeB: true) : g.matmul(b, transposeB: !tb)
            }
            if needed[1] {
                let k = ta ? a.shape[0] : a.shape[a.rank - 1]
                let a2 = ta ? a : a.reshaped(to: [-1, k])
                let g2 = g.reshaped(to: [-1, g.shape[g.rank - 1]])
                // d op(B) = op(A)^T g.
                db = tb ? g2.matmul(a2, transposeA: true, transposeB: ta)
                        : a2.matmul(g2, transposeA: !ta)
            }
        } else {
            // Batched over leading axes; a may be shared (rank 2) by every batch entry.
            if needed[0] {
                var d = ta ? b.matmul(g, transposeA: tb, transposeB: true) : g.matmul(b, transposeB: !tb)
                if a.rank == 2 && d.rank > 2 { d = d.sum(alongAxes: Array(0..<(d.rank - 2))).reshaped(to: a.shape) }
                da = d
            }
            if needed[1] {
                if tb {
                    // d B = (op(A)^T g)^T = g^T op(A); a shared A is a matrix on the right of the
                    // stacked rows of g^T (a transposed left operand must be a matrix).
                    db = a.rank == 2 ? g.transposed().matmul(a, transposeB: ta) : g.matmul(a, transposeA: true, transposeB: ta)
                } else {
                    db = a.matmul(g, transposeA: !ta)
                }
            }
        }
        return [da, db]
    }
}

extension TensorAlgebra {
    public static func convolutionGradients(_ x: Self, _ w: Self, _ dy: Self, geometry: ConvGeometry,
                                            input: Bool, kernel: Bool) -> (input: Self?, kernel: Self?) {
        composedConvolutionGradients(x, w, dy, geometry: geometry, input: input, kernel: kernel)
    }

    /// The pullback of conv2d in primitives: `col2im(dy . w^T)` and `im2col(x)^T . dy`.
    static func composedConvolutionGradients(_ x: Self, _ w: Self, _ dy: Self, geometry: ConvGeometry,
                                             input: Bool, kernel: Bool) -> (input: Self?, kernel: Self?) {
        (input ? apply(.col2im(geometry), [dy.matmul(w, transposeB: true)]) : nil,
         kernel ? apply(.im2col(geometry), [x]).matmul(dy, transposeA: true) : nil)
    }
}
