@_exported import MaclaurinTensor

/// Flat indices for `gather` / `scatterAdd`: `y.flat[i] = x.flat[indices[i]]`.
public final class GatherIndex: @unchecked Sendable {
    public let indices: [Int64]
    /// Shape of the tensor indexed into.
    public let sourceShape: [Int]
    /// Shape of the gathered result.
    public let resultShape: [Int]

    public init(indices: [Int64], sourceShape: [Int], resultShape: [Int]) {
        precondition(indices.count == resultShape.reduce(1, *), "gather: \(indices.count) indices for \(resultShape)")
        self.indices = indices; self.sourceShape = sourceShape; self.resultShape = resultShape
    }

    /// The same gather applied independently to `copies` stacked sources (a leading axis).
    public func repeated(_ copies: Int) -> GatherIndex {
        let n = Int64(sourceShape.reduce(1, *))
        var all = [Int64](); all.reserveCapacity(indices.count * copies)
        for c in 0..<Int64(copies) { all.append(contentsOf: indices.lazy.map { $0 + c * n }) }
        return GatherIndex(indices: all, sourceShape: [copies] + sourceShape, resultShape: [copies] + resultShape)
    }
}

/// The closed set of differentiable primitives. Every other operation (softmax, cross-entropy,
/// relu, dropout, pooling, Taylor layers, ...) is composed from these, so it is differentiable
/// in reverse mode, in Taylor mode and in any nesting of the two.
///
/// Each primitive has exactly one evaluation rule (`Tensor.apply`), one pullback rule
/// (`PullbackRules`) and one Taylor rule (`TaylorRules`), each an exhaustive `switch`: a new case
/// does not compile until it has all three.
public enum Primitive: Sendable {
    // Elementwise, broadcasting.
    case add, subtract, multiply, divide
    // Elementwise, unary.
    case negate, exp, log, tanh, sigmoid, sin, cos, sqrt, softplus
    /// x^p for an integer p >= 0.
    case powInt(Int)
    /// op(a) @ op(b); see `Tensor.matmul`.
    case matmul(transposeA: Bool, transposeB: Bool)
    /// Sum over axes, keeping them with extent 1.
    case sum(axes: [Int])
    case broadcast(to: [Int])
    case reshape(to: [Int])
    case transpose(permutation: [Int])
    case slice(axis: Int, range: Range<Int>)
    case pad(axis: Int, before: Int, after: Int)
    /// n-ary.
    case concatenate(axis: Int)
    case gather(GatherIndex)
    /// The adjoint of `gather`: scatters into a zero tensor of `sourceShape`.
    case scatterAdd(GatherIndex)
    case im2col(ConvGeometry)
    case col2im(ConvGeometry)
    /// `im2col(x) . w` for NHWC x and w `[KH*KW*C, F]` (`[N*OH*OW, F]`), without the columns:
    /// `Tensor.convolved` forward, `Tensor.convolutionGradients` backward.
    case conv2d(ConvGeometry)
    case avgPool(ConvGeometry)
    case avgPoolBackward(ConvGeometry)
}
