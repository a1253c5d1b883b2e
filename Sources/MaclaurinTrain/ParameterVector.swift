@_exported import MaclaurinData
@_exported import MaclaurinNN

/// Conversions between a list of parameter tensors and one flat vector (the search space of
/// particle swarms and the working vector of L-BFGS).
public enum ParameterVector {
    /// The shapes of `parameters`, to undo `flatten`.
    public static func shapes<S: TensorScalar>(of parameters: [Tensor<S>]) -> [[Int]] { parameters.map(\.shape) }

    /// All scalars of `parameters`, in order, as one `[D]` tensor.
    public static func flatten<S: TensorScalar>(_ parameters: [Tensor<S>]) -> Tensor<S> {
        let total = parameters.reduce(0) { $0 + $1.count }
        var out = Tensor<S>(uninitializedShape: [total])
        out.withUnsafeMutablePointer { dst in
            var offset = 0
            for p in parameters {
                p.withUnsafePointer { (dst + offset).update(from: $0, count: p.count) }
                offset += p.count
            }
        }
        return out
    }

    /// The inverse of `flatten`: splits `[D]` (or any tensor of D scalars) into tensors of `shapes`.
    public static func unflatten<S: TensorScalar>(_ flat: Tensor<S>, shapes: [[Int]]) -> [Tensor<S>] {
        let total = shapes.reduce(0) { $0 + $1.reduce(1, *) }
        precondition(flat.count == total, "a flat vector of \(flat.count) scalars for parameters of \(total)")
        var offset = 0
        return shapes.map { shape in
            let n = shape.reduce(1, *)
            var t = Tensor<S>(uninitializedShape: shape)
            flat.withUnsafePointer { src in t.withUnsafeMutablePointer { $0.update(from: src + offset, count: n) } }
            offset += n
            return t
        }
    }

    /// sum_i <a_i, b_i> over two parameter lists of equal shapes, accumulated in Double.
    public static func dot<S: TensorScalar>(_ a: [Tensor<S>], _ b: [Tensor<S>]) -> Double {
        precondition(a.count == b.count, "dot of \(a.count) and \(b.count) tensors")
        var s = 0.0
        for (x, y) in zip(a, b) {
            precondition(x.shape == y.shape, "dot of shapes \(x.shape) and \(y.shape)")
            x.withUnsafePointer { p in y.withUnsafePointer { q in
                for i in 0..<x.count { s += Double(p[i]) * Double(q[i]) }
            } }
        }
        return s
    }

    /// a_i + alpha * b_i for each tensor.
    public static func adding<S: TensorScalar>(_ a: [Tensor<S>], _ b: [Tensor<S>], scaledBy alpha: S) -> [Tensor<S>] {
        zip(a, b).map { x, y in var r = x; r.add(y, scaledBy: alpha); return r }
    }

    /// The index of the first tensor holding a NaN or an infinity, if any.
    public static func firstNonFinite<S: TensorScalar>(_ tensors: [Tensor<S>]) -> Int? {
        tensors.firstIndex { !$0.isFinite }
    }
}
