import CMaclaurinKernels

extension Double: TensorScalar {
    public static var dtypeName: String { "F64" }
    public static func _gemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Double,
                             _ a: UnsafePointer<Double>, _ lda: Int, _ b: UnsafePointer<Double>, _ ldb: Int,
                             _ beta: Double, _ c: UnsafeMutablePointer<Double>, _ ldc: Int) {
        mcl_d_gemm(cBool(transA), cBool(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    public static func _unary(_ op: mcl_unary_op, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        mcl_d_unary(Int32(op.rawValue), x, y, n)
    }
    public static func _binary(_ op: mcl_binary_op, _ a: UnsafePointer<Double>, _ aStride: UnsafePointer<Int>,
                               _ b: UnsafePointer<Double>, _ bStride: UnsafePointer<Int>, _ y: UnsafeMutablePointer<Double>,
                               _ shape: UnsafePointer<Int>, _ rank: Int) {
        mcl_d_binary(Int32(op.rawValue), a, aStride, b, bStride, y, shape, Int32(rank))
    }
    public static func _axpby(_ n: Int, _ a: Double, _ x: UnsafePointer<Double>, _ b: Double, _ y: UnsafeMutablePointer<Double>) {
        mcl_d_axpby(n, a, x, b, y)
    }
    public static func _scaleShift(_ n: Int, _ x: UnsafePointer<Double>, _ s: Double, _ t: Double, _ y: UnsafeMutablePointer<Double>) {
        mcl_d_scale_shift(n, x, s, t, y)
    }
    public static func _powi(_ x: UnsafePointer<Double>, _ p: Int, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        mcl_d_powi(x, Int32(p), y, n)
    }
    public static func _reduceSum(_ x: UnsafePointer<Double>, _ outer: Int, _ mid: Int, _ inner: Int,
                                  _ y: UnsafeMutablePointer<Double>) {
        mcl_d_reduce_sum(x, outer, mid, inner, y)
    }
    public static func _reduceMax(_ x: UnsafePointer<Double>, _ outer: Int, _ mid: Int, _ inner: Int,
                                  _ y: UnsafeMutablePointer<Double>, _ index: UnsafeMutablePointer<Int64>?) {
        mcl_d_reduce_max(x, outer, mid, inner, y, index)
    }
    public static func _permute(_ x: UnsafePointer<Double>, _ shape: UnsafePointer<Int>, _ perm: UnsafePointer<Int32>,
                                _ rank: Int, _ y: UnsafeMutablePointer<Double>) {
        mcl_d_permute(x, shape, perm, Int32(rank), y)
    }
    public static func _im2col(_ x: UnsafePointer<Double>, _ g: ConvGeometry, _ cols: UnsafeMutablePointer<Double>) {
        mcl_d_im2col(x, g.batch, g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH, g.strideW,
                     g.padTop, g.padLeft, g.outHeight, g.outWidth, cols)
    }
    public static func _col2im(_ cols: UnsafePointer<Double>, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Double>) {
        mcl_d_col2im(cols, g.batch, g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH, g.strideW,
                     g.padTop, g.padLeft, g.outHeight, g.outWidth, dx)
    }
    public static func _maxPool(_ x: UnsafePointer<Double>, _ g: ConvGeometry, _ y: UnsafeMutablePointer<Double>,
                                _ argmax: UnsafeMutablePointer<Int64>) {
        mcl_d_maxpool2d(x, g.batch, g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH, g.strideW,
                        g.outHeight, g.outWidth, y, argmax)
    }
    public static func _avgPool(_ x: UnsafePointer<Double>, _ g: ConvGeometry, _ y: UnsafeMutablePointer<Double>) {
        mcl_d_avgpool2d(x, g.batch, g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH, g.strideW,
                        g.outHeight, g.outWidth, y)
    }
    public static func _avgPoolBackward(_ dy: UnsafePointer<Double>, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Double>) {
        mcl_d_avgpool2d_backward(dy, g.batch, g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH,
                                 g.strideW, g.outHeight, g.outWidth, dx)
    }
    public static func _gather(_ x: UnsafePointer<Double>, _ index: UnsafePointer<Int64>, _ n: Int,
                               _ y: UnsafeMutablePointer<Double>) {
        mcl_d_gather(x, index, n, y)
    }
    public static func _scatterAdd(_ dy: UnsafePointer<Double>, _ index: UnsafePointer<Int64>, _ n: Int,
                                   _ dx: UnsafeMutablePointer<Double>) {
        mcl_d_scatter_add(dy, index, n, dx)
    }
    public static func _jetUnary(_ op: mcl_jet_op, _ x0: UnsafePointer<Double>, _ xs: UnsafePointer<Double>, _ n: Int,
                                 _ d: Int, _ k: Int, _ y0: UnsafeMutablePointer<Double>, _ ys: UnsafeMutablePointer<Double>) {
        mcl_d_jet_unary(Int32(op.rawValue), x0, xs, n, d, Int32(k), y0, ys)
    }
    public static func _jetMul(_ a0: UnsafePointer<Double>, _ as: UnsafePointer<Double>, _ b0: UnsafePointer<Double>,
                               _ bs: UnsafePointer<Double>, _ n: Int, _ d: Int, _ k: Int,
                               _ y0: UnsafeMutablePointer<Double>, _ ys: UnsafeMutablePointer<Double>) {
        mcl_d_jet_mul(a0, `as`, b0, bs, n, d, Int32(k), y0, ys)
    }
}
