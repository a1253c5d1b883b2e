/// The inference path of `Dense` and `Conv2D` on plain tensors: y = activation(a . w + bias) with
/// the bias written into the output first and accumulated by the matrix product (GEMM with
/// beta = 1), and relu applied by its own kernel: two passes over the output fewer than the
/// composed `matmul`, broadcast `add`, then relu as `x * step(x)`.
///
/// Only plain-tensor evaluation takes this path; the tape and jets keep the composed primitives
/// (their derivatives need them). Results agree with the composed path up to rounding (the GEMM
/// adds the bias to its first partial sum when it splits a long inner dimension).
enum FusedLinear {
    /// act(a . w + bias) for `a` `[rows, k]`, `w` `[k, n]`, `bias` `[n]` or nil; returns `[rows, n]`.
    static func forward<Scalar: TensorScalar>(_ a: Tensor<Scalar>, _ w: Tensor<Scalar>, bias: Tensor<Scalar>?,
                                              activation: Activation) -> Tensor<Scalar> {
        precondition(a.rank == 2 && w.rank == 2 && a.shape[1] == w.shape[0],
                     "fused linear: \(a.shape) . \(w.shape) do not fit")
        let (rows, k, n) = (a.shape[0], a.shape[1], w.shape[1])
        var y = Tensor<Scalar>(uninitializedShape: [rows, n])
        guard rows > 0 && n > 0 else { return y }
        var beta: Scalar = 0
        if let bias {
            precondition(bias.shape == [n], "fused linear: bias \(bias.shape) for \(n) outputs")
            y.withUnsafeMutablePointer { out in
                bias.withUnsafePointer { b in UnsafeMutableRawPointer(out).copyMemory(from: b, byteCount: n * MemoryLayout<Scalar>.stride) }
                // Doubling copies: the bias row repeated `rows` times in log2(rows) memcpy calls.
                let raw = UnsafeMutableRawPointer(out), rowBytes = n * MemoryLayout<Scalar>.stride
                var filled = 1
                while filled < rows {
                    let chunk = Swift.min(filled, rows - filled)
                    (raw + filled * rowBytes).copyMemory(from: raw, byteCount: chunk * rowBytes)
                    filled += chunk
                }
            }
            beta = 1
        }
        a.withUnsafePointer { ap in w.withUnsafePointer { wp in y.withUnsafeMutablePointer { yp in
            Scalar._gemm(false, false, rows, n, k, 1, ap, k, wp, n, beta, yp, n)
        } } }
        switch activation {
        case .linear: return y
        case .relu: return y.applying(.relu)
        default: return activation(y)
        }
    }
}
