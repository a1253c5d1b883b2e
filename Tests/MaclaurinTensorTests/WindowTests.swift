import MaclaurinTensor
import XCTest

/// im2col/col2im, convolution, and pooling (NHWC) against literal window loops.
final class WindowTests: XCTestCase {
    struct Window {
        var input: [Int]
        var kernel: (Int, Int)
        var strides: (Int, Int)
        var same: Bool
        var geometry: ConvGeometry {
            ConvGeometry(input: input, kernel: kernel.0, kernel.1, strides: strides.0, strides.1, same: same)
        }
    }

    /// Odd and even kernels, unit and non-unit strides, "same" (with asymmetric padding when the
    /// kernel is even) and "valid", 1x1 windows, several channels and batch entries.
    static let convolutions: [Window] = [
        Window(input: [2, 5, 5, 3], kernel: (3, 3), strides: (1, 1), same: true),
        Window(input: [2, 5, 5, 3], kernel: (3, 3), strides: (1, 1), same: false),
        Window(input: [1, 6, 7, 2], kernel: (2, 3), strides: (2, 1), same: true),
        Window(input: [1, 6, 7, 2], kernel: (2, 3), strides: (2, 1), same: false),
        Window(input: [2, 4, 4, 1], kernel: (1, 1), strides: (1, 1), same: false),
        Window(input: [1, 7, 5, 2], kernel: (3, 2), strides: (2, 3), same: false),
        Window(input: [1, 4, 6, 2], kernel: (2, 2), strides: (2, 2), same: true),
        Window(input: [1, 3, 3, 4], kernel: (3, 3), strides: (2, 2), same: true),
    ]

    /// Pooling windows (no padding): non-overlapping, overlapping, odd extents left over.
    static let pools: [Window] = [
        Window(input: [2, 4, 4, 3], kernel: (2, 2), strides: (2, 2), same: false),
        Window(input: [1, 5, 7, 2], kernel: (2, 2), strides: (2, 2), same: false),
        Window(input: [1, 5, 5, 2], kernel: (3, 3), strides: (2, 2), same: false),
        Window(input: [2, 6, 5, 1], kernel: (3, 2), strides: (1, 2), same: false),
        Window(input: [1, 3, 3, 5], kernel: (1, 1), strides: (1, 1), same: false),
    ]

    /// The input element under window offset (kh, kw) of output pixel (oh, ow), or nil in the padding.
    static func source(_ g: ConvGeometry, _ n: Int, _ oh: Int, _ ow: Int, _ kh: Int, _ kw: Int, _ c: Int) -> Int? {
        let h = oh * g.strideH + kh - g.padTop, w = ow * g.strideW + kw - g.padLeft
        guard h >= 0, h < g.height, w >= 0, w < g.width else { return nil }
        return Index.flatten([n, h, w, c], g.inputShape)
    }

    func testGeometry() {
        // Keras: "same" gives ceil(in / stride); "valid" gives floor((in - k) / stride) + 1.
        let same = ConvGeometry(input: [1, 7, 6, 1], kernel: 3, 2, strides: 2, 2, same: true)
        XCTAssertEqual([same.outHeight, same.outWidth], [4, 3])
        XCTAssertEqual([same.padTop, same.padLeft], [1, 0])
        let valid = ConvGeometry(input: [1, 7, 6, 1], kernel: 3, 2, strides: 2, 2)
        XCTAssertEqual([valid.outHeight, valid.outWidth], [3, 3])
        XCTAssertEqual(valid.columnsShape, [9, 6])
        XCTAssertEqual(valid.outputShape(channels: 5), [1, 3, 3, 5])
    }

    /// im2col is a copy (exact); col2im is its adjoint; im2col followed by a GEMM with the kernel
    /// stored [KH, KW, C, F] is the direct convolution, within gamma_{KH KW C} sum |terms|.
    func checkConvolution<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 61)
        let u = unitRoundoff(S.self)
        for window in Self.convolutions {
            let geo = window.geometry
            let x = randomTensor(S.self, geo.inputShape, -1, 1, &g), xs = doubles(x)
            let (kh, kw, c) = (geo.kernelHeight, geo.kernelWidth, geo.channels)
            var cols = [Double](repeating: 0, count: Index.count(geo.columnsShape))
            for n in 0..<geo.batch {
                for oh in 0..<geo.outHeight {
                    for ow in 0..<geo.outWidth {
                        let row = (n * geo.outHeight + oh) * geo.outWidth + ow
                        for i in 0..<kh { for j in 0..<kw { for ch in 0..<c {
                            let col = (i * kw + j) * c + ch
                            cols[row * kh * kw * c + col] = Self.source(geo, n, oh, ow, i, j, ch).map { xs[$0] } ?? 0
                        } } }
                    }
                }
            }
            let im = x.im2col(geo)
            assertIdentical(im, shape: geo.columnsShape, cols, "\(S.self) im2col \(window.input) k\(window.kernel)")

            let y = randomTensor(S.self, geo.columnsShape, -1, 1, &g)
            let back = y.col2im(geo)
            XCTAssertEqual(back.shape, geo.inputShape)
            assertAdjoint(S.self, dot(cols, doubles(y)), dot(xs, doubles(back)), terms: y.count,
                          "im2col/col2im \(window.input) k\(window.kernel) s\(window.strides)")

            let f = 3
            let kernel = randomTensor(S.self, [kh, kw, c, f], -1, 1, &g), ks = doubles(kernel)
            var want = [Double](repeating: 0, count: Index.count(geo.outputShape(channels: f))), mag = want
            for n in 0..<geo.batch { for oh in 0..<geo.outHeight { for ow in 0..<geo.outWidth { for o in 0..<f {
                let out = Index.flatten([n, oh, ow, o], geo.outputShape(channels: f))
                for i in 0..<kh { for j in 0..<kw { for ch in 0..<c {
                    guard let s = Self.source(geo, n, oh, ow, i, j, ch) else { continue }
                    let term = xs[s] * ks[Index.flatten([i, j, ch, o], kernel.shape)]
                    want[out] += term; mag[out] += abs(term)
                } } }
            } } } }
            let conv = im.matmul(kernel.reshaped(to: [kh * kw * c, f])).reshaped(to: geo.outputShape(channels: f))
            let k = Double(kh * kw * c)
            assertWithin(conv, shape: geo.outputShape(channels: f), want, bounds: mag.map { k * u / (1 - k * u) * $0 },
                         "\(S.self) conv \(window.input) k\(window.kernel) s\(window.strides) same=\(window.same)")
        }
    }

    func testConvolutionFloat() { checkConvolution(Float.self) }
    func testConvolutionDouble() { checkConvolution(Double.self) }

    /// maxPool: exact values, flat argmax of the first maximum in window order (ties made
    /// frequent by a coarse grid). avgPool: the window mean; avgPoolBackward is its adjoint.
    func checkPooling<S: TensorScalar>(_: S.Type) {
        var g = SeededGenerator(seed: 62)
        let u = unitRoundoff(S.self)
        for window in Self.pools {
            let geo = window.geometry
            let xs = randomScalars(S.self, Index.count(geo.inputShape), -2, 2, &g).map { ($0 * 2).rounded() / 2 }
            let x = Tensor<S>(shape: geo.inputShape, scalars: xs.map { S($0) })
            let outShape = geo.outputShape(channels: geo.channels)
            var maxima = [Double](repeating: -.infinity, count: Index.count(outShape))
            var argmax = [Int64](repeating: -1, count: maxima.count)
            var means = [Double](repeating: 0, count: maxima.count), mag = means
            let area = Double(geo.kernelHeight * geo.kernelWidth)
            for n in 0..<geo.batch { for oh in 0..<geo.outHeight { for ow in 0..<geo.outWidth { for ch in 0..<geo.channels {
                let o = Index.flatten([n, oh, ow, ch], outShape)
                for i in 0..<geo.kernelHeight { for j in 0..<geo.kernelWidth {
                    guard let s = Self.source(geo, n, oh, ow, i, j, ch) else { continue }
                    if xs[s] > maxima[o] { maxima[o] = xs[s]; argmax[o] = Int64(s) }
                    means[o] += xs[s] / area; mag[o] += abs(xs[s]) / area
                } }
            } } } }
            let (values, indices) = x.maxPool(geo)
            assertIdentical(values, shape: outShape, maxima, "\(S.self) maxPool \(window.input) k\(window.kernel)")
            XCTAssertEqual(indices, argmax, "\(S.self) maxPool argmax \(window.input) k\(window.kernel)")

            // A window of a elements: a - 1 additions and one division or multiplication.
            let gamma = (area + 1) * u / (1 - (area + 1) * u)
            let avg = x.avgPool(geo)
            assertWithin(avg, shape: outShape, means, bounds: mag.map { gamma * $0 }, "\(S.self) avgPool \(window.input)")
            let dy = randomTensor(S.self, outShape, -1, 1, &g)
            let dx = dy.avgPoolBackward(geo)
            XCTAssertEqual(dx.shape, geo.inputShape)
            // M = <avgPool(|x|), |dy|>, from the exact window sums of |x| above.
            let m = zip(mag, doubles(dy)).reduce(0) { $0 + $1.0 * abs($1.1) }
            assertAdjoint(S.self, dot(doubles(avg), doubles(dy)), dot(xs, doubles(dx)), magnitude: m,
                          terms: Int(area) * dy.count,
                          "avgPool/avgPoolBackward \(window.input) k\(window.kernel) s\(window.strides)")
        }
    }

    func testPoolingFloat() { checkPooling(Float.self) }
    func testPoolingDouble() { checkPooling(Double.self) }
}
