import CMaclaurinKernels

/// A floating-point type the kernels support: `Float` and `Double`.
///
/// Each requirement forwards to the matching `mcl_s_*` / `mcl_d_*` C kernel, so generic tensor code
/// pays one witness-table call per operation and runs its loops in C.
public protocol TensorScalar: BinaryFloatingPoint, LosslessStringConvertible, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// A short name used in file formats and messages ("F32" / "F64").
    static var dtypeName: String { get }

    static func _gemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Self,
                      _ a: UnsafePointer<Self>, _ lda: Int, _ b: UnsafePointer<Self>, _ ldb: Int,
                      _ beta: Self, _ c: UnsafeMutablePointer<Self>, _ ldc: Int)
    static func _unary(_ op: mcl_unary_op, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, _ n: Int)
    static func _binary(_ op: mcl_binary_op, _ a: UnsafePointer<Self>, _ aStride: UnsafePointer<Int>,
                        _ b: UnsafePointer<Self>, _ bStride: UnsafePointer<Int>, _ y: UnsafeMutablePointer<Self>,
                        _ shape: UnsafePointer<Int>, _ rank: Int)
    static func _axpby(_ n: Int, _ a: Self, _ x: UnsafePointer<Self>, _ b: Self, _ y: UnsafeMutablePointer<Self>)
    static func _scaleShift(_ n: Int, _ x: UnsafePointer<Self>, _ s: Self, _ t: Self, _ y: UnsafeMutablePointer<Self>)
    static func _powi(_ x: UnsafePointer<Self>, _ p: Int, _ y: UnsafeMutablePointer<Self>, _ n: Int)
    static func _reduceSum(_ x: UnsafePointer<Self>, _ outer: Int, _ mid: Int, _ inner: Int,
                           _ y: UnsafeMutablePointer<Self>)
    static func _reduceMax(_ x: UnsafePointer<Self>, _ outer: Int, _ mid: Int, _ inner: Int,
                           _ y: UnsafeMutablePointer<Self>, _ index: UnsafeMutablePointer<Int64>?)
    static func _permute(_ x: UnsafePointer<Self>, _ shape: UnsafePointer<Int>, _ perm: UnsafePointer<Int32>,
                         _ rank: Int, _ y: UnsafeMutablePointer<Self>)
    static func _im2col(_ x: UnsafePointer<Self>, _ g: ConvGeometry, _ cols: UnsafeMutablePointer<Self>)
    static func _col2im(_ cols: UnsafePointer<Self>, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Self>)
    static func _maxPool(_ x: UnsafePointer<Self>, _ g: ConvGeometry, _ y: UnsafeMutablePointer<Self>,
                         _ argmax: UnsafeMutablePointer<Int64>)
    static func _avgPool(_ x: UnsafePointer<Self>, _ g: ConvGeometry, _ y: UnsafeMutablePointer<Self>)
    static func _avgPoolBackward(_ dy: UnsafePointer<Self>, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Self>)
    static func _gather(_ x: UnsafePointer<Self>, _ index: UnsafePointer<Int64>, _ n: Int,
                        _ y: UnsafeMutablePointer<Self>)
    static func _scatterAdd(_ dy: UnsafePointer<Self>, _ index: UnsafePointer<Int64>, _ n: Int,
                            _ dx: UnsafeMutablePointer<Self>)
    static func _jetUnary(_ op: mcl_jet_op, _ x0: UnsafePointer<Self>, _ xs: UnsafePointer<Self>, _ n: Int,
                          _ d: Int, _ k: Int, _ y0: UnsafeMutablePointer<Self>, _ ys: UnsafeMutablePointer<Self>)
    static func _jetMul(_ a0: UnsafePointer<Self>, _ as: UnsafePointer<Self>, _ b0: UnsafePointer<Self>,
                        _ bs: UnsafePointer<Self>, _ n: Int, _ d: Int, _ k: Int,
                        _ y0: UnsafeMutablePointer<Self>, _ ys: UnsafeMutablePointer<Self>)
}

/// Sizes of a 2-D window operation on NHWC data (convolution via im2col, or pooling).
public struct ConvGeometry: Hashable, Sendable {
    public var batch, height, width, channels: Int
    public var kernelHeight, kernelWidth, strideH, strideW, padTop, padLeft: Int
    public var outHeight, outWidth: Int

    /// Geometry for input `[batch, height, width, channels]` and a `kh x kw` window.
    /// - Parameter same: pad so that `out = ceil(in / stride)` (Keras "same"); otherwise "valid".
    public init(input shape: [Int], kernel kh: Int, _ kw: Int, strides sh: Int = 1, _ sw: Int = 1,
                same: Bool = false) {
        precondition(shape.count == 4, "window operations take NHWC tensors of rank 4, got shape \(shape)")
        batch = shape[0]; height = shape[1]; width = shape[2]; channels = shape[3]
        kernelHeight = kh; kernelWidth = kw; strideH = sh; strideW = sw
        if same {
            outHeight = (height + sh - 1) / sh
            outWidth = (width + sw - 1) / sw
            padTop = max(0, ((outHeight - 1) * sh + kh - height) / 2)
            padLeft = max(0, ((outWidth - 1) * sw + kw - width) / 2)
        } else {
            outHeight = (height - kh) / sh + 1
            outWidth = (width - kw) / sw + 1
            padTop = 0; padLeft = 0
        }
        precondition(outHeight > 0 && outWidth > 0,
                     "a \(kh)x\(kw) window does not fit an input of \(height)x\(width)")
    }

    public var inputShape: [Int] { [batch, height, width, channels] }
    /// Shape of the im2col matrix: one row per output pixel, one column per window element.
    public var columnsShape: [Int] { [batch * outHeight * outWidth, kernelHeight * kernelWidth * channels] }
    public func outputShape(channels c: Int) -> [Int] { [batch, outHeight, outWidth, c] }
}

@inline(__always) func cBool(_ b: Bool) -> Int32 { b ? 1 : 0 }

extension Float: TensorScalar {
    public static var dtypeName: String { "F32" }
    public static func _gemm(_ transA: Bool, _ transB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                             _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                             _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        mcl_s_gemm(cBool(transA), cBool(transB), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
    public static func _unary(_ op: mcl_unary_op, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        mcl_s_unary(Int32(op.rawValue), x, y, n)
    }
    public static func _binary(_ op: mcl_binary_op, _ a: UnsafePointer<Float>, _ aStride: UnsafePointer<Int>,
                               _ b: UnsafePointer<Float>, _ bStride: UnsafePointer<Int>, _ y: UnsafeMutablePointer<Float>,
                               _ shape: UnsafePointer<Int>, _ rank: Int) {
        mcl_s_binary(Int32(op.rawValue), a, aStride, b, bStride, y, shape, Int32(rank))
    }
    public static func _axpby(_ n: Int, _ a: Float, _ x: UnsafePointer<Float>, _ b: Float, _ y: UnsafeMutablePointer<Float>) {
        mcl_s_axpby(n, a, x, b, y)
    }
    public static func _scaleShift(_ n: Int, _ x: UnsafePointer<Float>, _ s: Float, _ t: Float, _ y: UnsafeMutablePointer<Float>) {
        mcl_s_scale_shift(n, x, s, t, y)
    }
    public static func _powi(_ x: UnsafePointer<Float>, _ p: Int, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        mcl_s_powi(x, Int32(p), y, n)
    }
    public static func _reduceSum(_ x: UnsafePointer<Float>, _ outer: Int, _ mid: Int, _ inner: Int,
                                  _ y: UnsafeMutablePointer<Float>) {
        mcl_s_reduce_sum(x, outer, mid, inner, y)
    }
    public static func _reduceMax(_ x: UnsafePointer<Float>, _ outer: Int, _ mid: Int, _ inner: Int,
                                  _ y: UnsafeMutablePointer<Float>, _ index: UnsafeMutablePointer<Int64>?) {
        mcl_s_reduce_max(x, outer, mid, inner, y, index)
    }
    public static func _permute(_ x: UnsafePointer<Float>, _ shape: UnsafePointer<Int>, _ perm: UnsafePointer<Int32>,
                                _ rank: Int, _ y: UnsafeMutablePointer<Float>) {
        mcl_s_permute(x, shape, perm, Int32(rank), y)
    }
    public static func _im2col(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ cols: UnsafeMutablePointer<Float>) {
        mcl_s_im2col(x, g.batch, g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH, g.strideW,
                     g.padTop, g.padLeft, g.outHeight, g.outWidth, cols)
    }
    public static func _col2im(_ cols: UnsafePointer<Float>, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>) {
        mcl_s_col2im(cols, g.batch, g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH, g.strideW,
                     g.padTop, g.padLeft, g.outHeight, g.outWidth, dx)
    }
    public static func _maxPool(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ y: UnsafeMutablePointer<Float>,
                                _ argmax: UnsafeMutablePointer<Int64>) {
        mcl_s_maxpool2d(x, g.batch, g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH, g.strideW,
                        g.outHeight, g.outWidth, y, argmax)
    }
    public static func _avgPool(_ x: UnsafePointer<Float>, _ g: ConvGeometry, _ y: UnsafeMutablePointer<Float>) {
        mcl_s_avgpool2d(x, g.batch, g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH, g.strideW,
                        g.outHeight, g.outWidth, y)
    }
    public static func _avgPoolBackward(_ dy: UnsafePointer<Float>, _ g: ConvGeometry, _ dx: UnsafeMutablePointer<Float>) {
        mcl_s_avgpool2d_backward(dy, g.batch, g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH,
                                 g.strideW, g.outHeight, g.outWidth, dx)
    }
    public static func _gather(_ x: UnsafePointer<Float>, _ index: UnsafePointer<Int64>, _ n: Int,
                               _ y: UnsafeMutablePointer<Float>) {
        mcl_s_gather(x, index, n, y)
    }
    public static func _scatterAdd(_ dy: UnsafePointer<Float>, _ index: UnsafePointer<Int64>, _ n: Int,
                                   _ dx: UnsafeMutablePointer<Float>) {
        mcl_s_scatter_add(dy, index, n, dx)
    }
    public static func _jetUnary(_ op: mcl_jet_op, _ x0: UnsafePointer<Float>, _ xs: UnsafePointer<Float>, _ n: Int,
                                 _ d: Int, _ k: Int, _ y0: UnsafeMutablePointer<Float>, _ ys: UnsafeMutablePointer<Float>) {
        mcl_s_jet_unary(Int32(op.rawValue), x0, xs, n, d, Int32(k), y0, ys)
    }
    public static func _jetMul(_ a0: UnsafePointer<Float>, _ as: UnsafePointer<Float>, _ b0: UnsafePointer<Float>,
                               _ bs: UnsafePointer<Float>, _ n: Int, _ d: Int, _ k: Int,
                               _ y0: UnsafeMutablePointer<Float>, _ ys: UnsafeMutablePointer<Float>) {
        mcl_s_jet_mul(a0, `as`, b0, bs, n, d, Int32(k), y0, ys)
    }
}
