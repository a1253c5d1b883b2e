import CMaclaurinKernels

/// Convolutions without materialising the im2col columns of the batch: the forward product reads
/// each window from the image (implicit GEMM, or Winograd's F(2x2, 3x3) for 3x3 stride-1 windows
/// with 8+ channels in and out), and the gradients work image by image with that image's columns
/// in cache. Both equal `im2col(g).matmul(kernel)` and its pullback up to rounding; the columns of
/// the Taylor CNN's second layer at batch 64 are 66 MB, written and read twice per training step
/// by the composed form.
extension Tensor {
    /// Multiply-adds per task of the forward convolution (about 2 MFLOP).
    static var convolutionMultiplyAddsPerTask: Int { 1 << 20 }

    /// `act(im2col(g) . kernel + bias)` for NHWC `self` and `kernel` `[KH*KW*C, F]`, with act relu
    /// when `relu` (NaN propagating) and the identity otherwise; returns `[N*OH*OW, F]`. Chunks of
    /// images run as independent tasks on the pool, bias and relu fused into the product. Each
    /// output sums its products in the same order whatever the chunking and the thread count.
    public func convolved(with kernel: Tensor, bias: Tensor? = nil, geometry g: ConvGeometry, relu: Bool = false) -> Tensor {
        typealias K = MLPKernels<Scalar>
        let k = g.kernelHeight * g.kernelWidth * g.channels, n = kernel.shape.last ?? 0
        precondition(shape == g.inputShape && kernel.shape == [k, n], "convolution: input \(shape), kernel \(kernel.shape)")
        if let bias { precondition(bias.shape == [n], "convolution: bias \(bias.shape) for \(n) filters") }
        let pixels = g.outHeight * g.outWidth, imageSize = g.height * g.width * g.channels
        guard K.isSupported else {
            var y = im2col(g).matmul(kernel)
            if let bias { y = y + bias }
            let count = y.count
            if relu { y.withUnsafeMutablePointer { Scalar._unary(MCL_RELU, $0, $0, count) } }
            return y
        }
        var y = Tensor(uninitializedShape: [g.batch * pixels, n])
        guard g.batch > 0 && pixels > 0 && n > 0 else { return y }
        let winograd = K.winogradApplies(g, filters: n)
        let packed = winograd ? K.winogradKernel(kernel) : K.packed(kernel)
        let perImage = Swift.max(1, pixels * k * n)
        let chunk = Swift.max(1, Swift.min(g.batch, Self.convolutionMultiplyAddsPerTask / perImage))
        let tasks = (g.batch + chunk - 1) / chunk
        let scratchSize = winograd ? K.winogradScratchSize(g, filters: n) : K.convolutionScratchSize(g)
        let act = relu ? MCL_MLP_RELU : MCL_MLP_LINEAR
        withUnsafePointer { xp in packed.withUnsafePointer { pp in y.withUnsafeMutablePointer { yp in
            Self.withOptionalPointer(bias) { bp in
                Parallel.forEach(tasks) { t in
                    let first = t * chunk
                    var part = g
                    part.batch = Swift.min(chunk, g.batch - first)
                    let scratch = scratchSize > 0 ? UnsafeMutablePointer<Scalar>.allocate(capacity: scratchSize) : nil
                    defer { scratch?.deallocate() }
                    let (xs, ys) = (xp + first * imageSize, yp + first * pixels * n)
                    if winograd, let scratch {
                        K.convolveWinograd(xs, part, kernel: pp, filters: n, into: ys, activation: act, bias: bp, scratch: scratch)
                    } else {
                        K.convolve(xs, part, packed: pp, filters: n, into: ys, activation: act, bias: bp, scratch: scratch)
                    }
                }
            }
        } } }
        return y
    }

    /// The gradients of `y = im2col(g) . kernel` (`convolved`) for the output gradient `dy`
    /// `[N*OH*OW, F]`: the input's, `col2im(dy . kernel^T)`, and the kernel's, `im2col(g)^T . dy`,
    /// each computed when asked. Images run as parallel tasks, each with its own columns in cache;
    /// the kernel gradient sums the images' parts in image order, so the result does not depend on
    /// the thread count.
    public func convolutionGradients(kernel: Tensor, outputGradient dy: Tensor, geometry g: ConvGeometry,
                                     input needInput: Bool, kernel needKernel: Bool) -> (input: Tensor?, kernel: Tensor?) {
        let k = g.kernelHeight * g.kernelWidth * g.channels, n = kernel.shape.last ?? 0
        let pixels = g.outHeight * g.outWidth, imageSize = g.height * g.width * g.channels
        precondition(shape == g.inputShape && kernel.shape == [k, n] && dy.shape == [g.batch * pixels, n],
                     "convolution gradients: input \(shape), kernel \(kernel.shape), output gradient \(dy.shape)")
        guard g.batch > 0 && (needInput || needKernel) else {
            return (needInput ? Tensor(zeros: shape) : nil, needKernel ? Tensor(zeros: [k, n]) : nil)
        }
        var dx = Tensor(uninitializedShape: needInput ? shape : [0])
        var parts = Tensor(uninitializedShape: needKernel ? [g.batch, k, n] : [0])
        var one = g
        one.batch = 1
        let columnsSize = pixels * k
        withUnsafePointer { xp in kernel.withUnsafePointer { wp in dy.withUnsafePointer { gp in
            dx.withUnsafeMutablePointer { dxp in parts.withUnsafeMutablePointer { pp in
                Parallel.forEach(g.batch) { i in
                    let columns = UnsafeMutablePointer<Scalar>.allocate(capacity: columnsSize)
                    defer { columns.deallocate() }
                    let gi = gp + i * pixels * n
                    if needKernel {
                        Scalar._im2col(xp + i * imageSize, one, columns)
                        Scalar._gemm(true, false, k, n, pixels, 1, columns, k, gi, n, 0, pp + i * k * n, n)
                    }
                    if needInput {
                        Scalar._gemm(false, true, pixels, k, n, 1, gi, n, wp, n, 0, columns, k)
                        Scalar._col2im(columns, one, dxp + i * imageSize)
                    }
                }
            } }
        } } }
        guard needKernel else { return (dx, nil) }
        var sum = Tensor(uninitializedShape: [k, n])
        parts.withUnsafePointer { pp in
            sum.withUnsafeMutablePointer { s in
                s.update(from: pp, count: k * n)
                for i in 1..<g.batch { Scalar._axpby(k * n, 1, pp + i * k * n, 1, s) }
            }
        }
        return (needInput ? dx : nil, sum)
    }

    /// Calls `body` with a pointer to the scalars of `tensor`, or nil.
    package static func withOptionalPointer<R>(_ tensor: Tensor?, _ body: (UnsafePointer<Scalar>?) -> R) -> R {
        guard let tensor else { return body(nil) }
        return tensor.withUnsafePointer { body($0) }
    }
}
