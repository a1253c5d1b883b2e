import CMaclaurinKernels
import MaclaurinTensor

/// The inference paths of `Dense` and `Conv2D` on plain tensors: y = activation(a . w + bias) with
/// the bias written into the output first and accumulated by the matrix product (GEMM with
/// beta = 1), and relu applied in place by its kernel: two passes over the output fewer than the
/// composed `matmul`, broadcast `add`, then relu as `x * step(x)`. Convolutions with relu or no
/// activation (the CNN's layers) read their windows straight from the image (implicit GEMM or
/// Winograd, `Tensor.convolved`), images as independent tasks, bias and relu fused into the
/// product: W5i 14.5 ms against 17.5 ms with im2col columns (alternating runs; 11.6 ms with
/// Winograd for the second layer). Other activations run chunks of
/// images whose im2col columns stay in cache, in one reused buffer, instead of materialising the
/// columns of the whole batch (66 MB for the second layer of the Taylor CNN at batch 64).
///
/// Only plain-tensor evaluation takes these paths; the tape and jets keep the composed primitives
/// (their derivatives need them). Results agree with the composed path up to rounding (the GEMM
/// adds the bias to its first partial sum when it splits a long inner dimension).
enum FusedLinear {
    /// Bytes of im2col columns per chunk of images: small enough to stay in cache between im2col
    /// and the GEMM (measured on the W5i model: 4 MB no slower than the whole batch, peak memory
    /// 4 MB instead of 66 MB at batch 64).
    static let columnBytesPerChunk = 4 << 20

    /// act(a . w + bias) for `a` `[rows, k]`, `w` `[k, n]`, `bias` `[n]` or nil; returns `[rows, n]`.
    static func forward<Scalar: TensorScalar>(_ a: Tensor<Scalar>, _ w: Tensor<Scalar>, bias: Tensor<Scalar>?,
                                              activation: Activation) -> Tensor<Scalar> {
        precondition(a.rank == 2 && w.rank == 2 && a.shape[1] == w.shape[0],
                     "fused linear: \(a.shape) . \(w.shape) do not fit")
        let (rows, k, n) = (a.shape[0], a.shape[1], w.shape[1])
        var y = Tensor<Scalar>(uninitializedShape: [rows, n])
        guard rows > 0 && n > 0 else { return y }
        if MLPKernels<Scalar>.isSupported && n > 4 && n >= rows && k > 0 {
            productWithPackedWeights(a, w, bias: bias, into: &y, relu: activation == .relu)
        } else {
            a.withUnsafePointer { ap in w.withUnsafePointer { wp in y.withUnsafeMutablePointer { yp in
                product(ap, wp, bias: bias, into: yp, rows: rows, k: k, n: n, activation: activation)
            } } }
        }
        return activation == .relu || activation == .linear ? y : activation(y)
    }

    /// Multiply-adds above which `productWithPackedWeights` runs its column panels as parallel tasks.
    static let multiplyAddsForTasks = 1 << 18

    /// y = a . w + bias (relu'd when `relu`) for a product whose weights outweigh its rows (a batch
    /// through a large dense layer: 64 rows by 7,200 x 512 weights in the Taylor CNN): the weights
    /// are packed into the layout of the layer kernel (`mcl_*_mlp_gemm`) once and memoised on
    /// their buffer (`Tensor.memoized`), instead of being packed by the GEMM on every call (8% of
    /// W5i), and groups of column panels run as parallel tasks, bias and relu in the epilogue.
    /// The packed copy lives as long as the weights' buffer and is dropped when it is written.
    private static func productWithPackedWeights<Scalar: TensorScalar>(_ a: Tensor<Scalar>, _ w: Tensor<Scalar>,
                                                                       bias: Tensor<Scalar>?, into y: inout Tensor<Scalar>,
                                                                       relu: Bool) {
        typealias K = MLPKernels<Scalar>
        let (rows, k, n) = (a.shape[0], a.shape[1], w.shape[1])
        if let bias { precondition(bias.shape == [n], "fused linear: bias \(bias.shape) for \(n) outputs") }
        let packed = w.memoized("mlp_pack \(k)x\(n)") { PackedOperand(w) }.scalars
        let width = K.panelColumns(n), panels = (n + width - 1) / width
        let tasks = rows * k * n < multiplyAddsForTasks ? 1 : Swift.min(panels, 2 * KernelInfo.threads)
        let act = relu ? MCL_MLP_RELU : MCL_MLP_LINEAR
        a.withUnsafePointer { ap in packed.withUnsafePointer { pp in y.withUnsafeMutablePointer { yp in
            Tensor.withOptionalPointer(bias) { bp in
                MaclaurinTensor.Parallel.forEach(tasks) { t in
                    let first = panels * t / tasks, end = panels * (t + 1) / tasks
                    let column = first * width, columns = Swift.min(n, end * width) - column
                    guard columns > 0 else { return }
                    K.product(rows, columns, k, ap, lda: k, packed: pp + first * k * width, yp + column, ldc: n,
                              activation: act, bias: bp.map { $0 + column })
                }
            }
        } } }
    }

    /// act(conv(x) + bias) for NHWC `x` and `kernel` `[KH*KW*C, F]`; returns `[N*OH*OW, F]`.
    static func convolve<Scalar: TensorScalar>(_ x: Tensor<Scalar>, kernel: Tensor<Scalar>, bias: Tensor<Scalar>?,
                                               geometry g: ConvGeometry, activation: Activation) -> Tensor<Scalar> {
        let k = g.kernelHeight * g.kernelWidth * g.channels, n = kernel.shape[1]
        precondition(x.shape == g.inputShape && kernel.shape == [k, n], "fused conv: \(x.shape), kernel \(kernel.shape)")
        if MLPKernels<Scalar>.isSupported && (activation == .relu || activation == .linear) && g.batch > 1 {
            return x.convolved(with: kernel, bias: bias, geometry: g, relu: activation == .relu)
        }
        let pixels = g.outHeight * g.outWidth, imageSize = g.height * g.width * g.channels
        var y = Tensor<Scalar>(uninitializedShape: [g.batch * pixels, n])
        guard g.batch > 0 && pixels > 0 && n > 0 else { return y }
        let chunk = imagesPerChunk(g, columnBytes: columnBytesPerChunk, rowLength: k, Scalar.self)
        var columns = Tensor<Scalar>(uninitializedShape: [chunk * pixels, k])
        x.withUnsafePointer { xp in kernel.withUnsafePointer { wp in y.withUnsafeMutablePointer { yp in
            columns.withUnsafeMutablePointer { cp in
                for first in stride(from: 0, to: g.batch, by: chunk) {
                    var part = g
                    part.batch = Swift.min(chunk, g.batch - first)
                    Scalar._im2col(xp + first * imageSize, part, cp)
                    product(UnsafePointer(cp), wp, bias: bias, into: yp + first * pixels * n, rows: part.batch * pixels,
                            k: k, n: n, activation: activation)
                }
            }
        } } }
        return activation == .relu || activation == .linear ? y : activation(y)
    }

    /// Images (at least 1, at most the batch) whose im2col columns, `rowLength` scalars per output
    /// pixel, fit in `columnBytes`.
    private static func imagesPerChunk<Scalar: TensorScalar>(_ g: ConvGeometry, columnBytes: Int, rowLength: Int,
                                                             _: Scalar.Type) -> Int {
        let perImage = g.outHeight * g.outWidth * rowLength * MemoryLayout<Scalar>.stride
        return Swift.max(1, Swift.min(g.batch, columnBytes / Swift.max(1, perImage)))
    }

    /// out[rows, n] = a[rows, k] . w[k, n] (+ bias), then relu in place when `activation` is relu.
    private static func product<Scalar: TensorScalar>(_ a: UnsafePointer<Scalar>, _ w: UnsafePointer<Scalar>,
                                                      bias: Tensor<Scalar>?, into out: UnsafeMutablePointer<Scalar>,
                                                      rows: Int, k: Int, n: Int, activation: Activation) {
        var beta: Scalar = 0
        if let bias {
            precondition(bias.shape == [n], "fused linear: bias \(bias.shape) for \(n) outputs")
            // The bias row repeated `rows` times with doubling copies (log2(rows) memcpy calls).
            let raw = UnsafeMutableRawPointer(out), rowBytes = n * MemoryLayout<Scalar>.stride
            bias.withUnsafePointer { raw.copyMemory(from: $0, byteCount: rowBytes) }
            var filled = 1
            while filled < rows {
                let count = Swift.min(filled, rows - filled)
                (raw + filled * rowBytes).copyMemory(from: raw, byteCount: count * rowBytes)
                filled += count
            }
            beta = 1
        }
        Scalar._gemm(false, false, rows, n, k, 1, a, k, w, n, beta, out, n)
        if activation == .relu { Scalar._unary(MCL_RELU, out, out, rows * n) }
    }
}

/// A `[k, n]` weight matrix in the packed layout of `MLPKernels.product`, as memoised on the
/// weights' buffer.
final class PackedOperand<Scalar: TensorScalar> {
    let scalars: Tensor<Scalar>

    init(_ w: Tensor<Scalar>) { scalars = MLPKernels.packed(w) }
}
