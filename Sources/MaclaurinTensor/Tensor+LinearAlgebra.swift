extension Tensor {
    /// Matrix product.
    ///
    /// - With `other` of rank 2 (`[K, N]`, or `[N, K]` when `transposeB`): `self` is `[..., K]` and
    ///   is treated as a stack of rows, giving `[..., N]`; with `transposeA`, `self` must be a matrix
    ///   `[K, M]` and the result is `[M, N]`.
    /// - With `other` of rank > 2: a batched product over the leading axes, which must be equal
    ///   (or absent on `self`, which is then shared by every batch entry).
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(rank >= 1 && other.rank >= 2, "matmul of shapes \(shape) and \(other.shape)")
        if other.rank == 2 {
            let k = transposeB ? other.shape[1] : other.shape[0]
            let n = transposeB ? other.shape[0] : other.shape[1]
            let m: Int, lead: [Int]
            if transposeA {
                precondition(rank == 2 && shape[0] == k, "matmul: \(shape)^T by \(other.shape)")
                m = shape[1]; lead = [m]
            } else {
                precondition(shape[rank - 1] == k, "matmul: inner extents differ in \(shape) x \(other.shape) (transposeB: \(transposeB))")
                lead = Array(shape.dropLast()); m = lead.reduce(1, *)
            }
            var y = Tensor(uninitializedShape: lead + [n])
            withUnsafePointer { a in other.withUnsafePointer { b in y.withUnsafeMutablePointer { c in
                Scalar._gemm(transposeA, transposeB, m, n, k, 1, a, transposeA ? m : k, b, transposeB ? k : n, 0, c, n)
            } } }
            return y
        }
        // Batched.
        let batchShape = Array(other.shape.dropLast(2))
        let shared = rank == 2
        precondition(shared || Array(shape.dropLast(2)) == batchShape, "batched matmul of \(shape) and \(other.shape)")
        let (ar, ac) = (shape[rank - 2], shape[rank - 1])
        let (br, bc) = (other.shape[other.rank - 2], other.shape[other.rank - 1])
        let (m, k) = transposeA ? (ac, ar) : (ar, ac)
        let (kb, n) = transposeB ? (bc, br) : (br, bc)
        precondition(k == kb, "batched matmul: inner extents differ in \(shape) x \(other.shape)")
        let batches = batchShape.reduce(1, *)
        var y = Tensor(uninitializedShape: batchShape + [m, n])
        withUnsafePointer { a in other.withUnsafePointer { b in y.withUnsafeMutablePointer { c in
            for i in 0..<batches {
                Scalar._gemm(transposeA, transposeB, m, n, k, 1, a + (shared ? 0 : i * ar * ac), ac,
                             b + i * br * bc, bc, 0, c + i * m * n, n)
            }
        } } }
        return y
    }
}
