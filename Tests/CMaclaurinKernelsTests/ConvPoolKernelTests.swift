// ConvPoolKernelTests.swift: im2col / col2im, maxpool2d (argmax), avgpool2d and its backward,
// gather / scatter_add against naive references, plus adjoint identities.
import CMaclaurinKernels
import XCTest

private func conv(_ N: Int, _ H: Int, _ W: Int, _ C: Int, _ KH: Int, _ KW: Int, _ SH: Int, _ SW: Int, _ PH: Int,
                  _ PW: Int) -> ConvGeom {
    ConvGeom(N: N, H: H, W: W, C: C, KH: KH, KW: KW, SH: SH, SW: SW, PH: PH, PW: PW,
             OH: (H + 2 * PH - KH) / SH + 1, OW: (W + 2 * PW - KW) / SW + 1)
}

private let convGeoms: [ConvGeom] = [
    conv(2, 7, 5, 3, 3, 3, 1, 1, 1, 1),
    conv(1, 8, 9, 1, 2, 3, 2, 1, 0, 0),
    conv(3, 5, 5, 17, 5, 5, 1, 1, 2, 2),
    conv(1, 10, 10, 4, 3, 3, 3, 2, 1, 0),
    conv(1, 2, 2, 2, 3, 3, 1, 1, 2, 2),   // window larger than the input
    conv(2, 3, 4, 33, 1, 1, 1, 1, 0, 0),  // 1x1
    conv(1, 9, 9, 2, 2, 2, 3, 3, 0, 0),   // stride > kernel: uncovered pixels
    conv(4, 32, 32, 16, 3, 3, 1, 1, 1, 1), // big enough to split over threads
    conv(9, 12, 10, 8, 3, 3, 1, 1, 0, 0),  // enough images for one col2im band per image
    conv(2, 11, 9, 3, 5, 3, 2, 2, 2, 1),   // col2im bands with stride 2 and a tall window
]

/// A pooling geometry (no padding) with window KH x KW and strides SH, SW.
private func pool(_ N: Int, _ H: Int, _ W: Int, _ C: Int, _ KH: Int, _ KW: Int, _ SH: Int, _ SW: Int) -> ConvGeom {
    ConvGeom(N: N, H: H, W: W, C: C, KH: KH, KW: KW, SH: SH, SW: SW, PH: 0, PW: 0,
             OH: (H - KH) / SH + 1, OW: (W - KW) / SW + 1)
}

private let poolGeoms: [ConvGeom] = convGeoms.map { g in
    pool(g.N, g.H, g.W, g.C, min(g.KH, g.H), min(g.KW, g.W), g.SH, g.SW)
} + [
    pool(3, 30, 30, 32, 2, 2, 2, 2),  // the CNN's pooling: vector channels, window table in a register
    pool(2, 9, 8, 11, 2, 3, 1, 2),    // 8 vector channels and 3 left over, overlapping windows
    pool(1, 12, 12, 24, 3, 3, 3, 3),  // 9 window positions: beyond the in-register table
]

final class ConvPoolKernelTests: XCTestCase {
    /// Calls body(n, oh, ow, kh, kw, ih, iw) for every window position (ih, iw may be padding).
    private func forEachTap(_ g: ConvGeom, _ body: (Int, Int, Int, Int, Int, Int, Int) -> Void) {
        for n in 0..<g.N {
            for oh in 0..<g.OH {
                for ow in 0..<g.OW {
                    for kh in 0..<g.KH {
                        for kw in 0..<g.KW { body(n, oh, ow, kh, kw, oh * g.SH - g.PH + kh, ow * g.SW - g.PW + kw) }
                    }
                }
            }
        }
    }

    private func checkIm2col<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 21)
        for g in convGeoms {
            let xcount = g.N * g.H * g.W * g.C, rows = g.N * g.OH * g.OW, rowlen = g.KH * g.KW * g.C
            let x: [T] = randomArray(xcount, -1, 1, &rng)
            var cols = [T](repeating: .nan, count: rows * rowlen)
            withThreads(3) { T.im2col(x, g, &cols) }
            var want = [T](repeating: 0, count: rows * rowlen)
            var dxRef = [Ref](repeating: 0, count: xcount), mag = dxRef
            let c: [T] = randomArray(rows * rowlen, -1, 1, &rng)
            forEachTap(g) { n, oh, ow, kh, kw, ih, iw in
                guard ih >= 0, ih < g.H, iw >= 0, iw < g.W else { return }
                for ch in 0..<g.C {
                    let xi = ((n * g.H + ih) * g.W + iw) * g.C + ch
                    let ci = ((n * g.OH + oh) * g.OW + ow) * rowlen + (kh * g.KW + kw) * g.C + ch
                    want[ci] = x[xi]
                    dxRef[xi] += c[ci].ref
                    mag[xi] += abs(c[ci].ref)
                }
            }
            XCTAssertEqual(cols, want, "im2col \(g) [\(T.label)]")
            var dx = [T](repeating: .nan, count: xcount)
            withThreads(3) { T.col2im(c, g, &dx) }
            assertClose(dx, dxRef, scale: mag, tol: 4 * T.epsRef, "col2im \(g)")
            // Adjoint: <im2col(x), c> == <x, col2im(c)>.
            let lhs = zip(cols, c).reduce(Ref(0)) { $0 + $1.0.ref * $1.1.ref }
            let rhs = zip(x, dx).reduce(Ref(0)) { $0 + $1.0.ref * $1.1.ref }
            let scale = zip(cols, c).reduce(Ref(0)) { $0 + abs($1.0.ref * $1.1.ref) }
            XCTAssertLessThanOrEqual(abs(lhs - rhs), 8 * T.epsRef * scale, "im2col/col2im adjoint \(g)")
        }
    }

    func testIm2colCol2im() {
        checkIm2col(Float.self)
        checkIm2col(Double.self)
    }

    private func checkMaxpool<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 22)
        for g in poolGeoms {
            let xcount = g.N * g.H * g.W * g.C, ycount = g.N * g.OH * g.OW * g.C
            var x: [T] = (0..<xcount).map { _ in T(ref: Ref(Int.random(in: -2...2, using: &rng))) } // ties
            if xcount > 50 { x[xcount / 2] = .nan }
            var y = [T](repeating: 0, count: ycount)
            var arg = [Int64](repeating: -1, count: ycount)
            withThreads(3) { T.maxpool(x, g, &y, &arg) }
            var want = [T](repeating: 0, count: ycount), wantArg = [Int64](repeating: -1, count: ycount)
            forEachTap(g) { n, oh, ow, _, _, ih, iw in
                for ch in 0..<g.C {
                    let o = ((n * g.OH + oh) * g.OW + ow) * g.C + ch, xi = ((n * g.H + ih) * g.W + iw) * g.C + ch
                    let v = x[xi], cur = want[o]
                    if wantArg[o] < 0 || v > cur || (v.isNaN && !cur.isNaN) { want[o] = v; wantArg[o] = Int64(xi) }
                }
            }
            XCTAssertEqual(arg, wantArg, "maxpool argmax \(g) [\(T.label)]")
            XCTAssertTrue(zip(y, want).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "maxpool \(g)")
            // gather with the argmax reproduces y; scatter_add is its adjoint.
            var yg = [T](repeating: 0, count: ycount)
            T.gather(x, arg, ycount, &yg)
            XCTAssertTrue(zip(y, yg).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "gather(argmax)")
        }
    }

    func testMaxpoolArgmaxAndGather() {
        checkMaxpool(Float.self)
        checkMaxpool(Double.self)
    }

    private func checkAvgpool<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 23)
        for g in poolGeoms {
            let xcount = g.N * g.H * g.W * g.C, ycount = g.N * g.OH * g.OW * g.C
            let cnt = Ref(g.KH * g.KW)
            let x: [T] = randomArray(xcount, -1, 1, &rng), dy: [T] = randomArray(ycount, -1, 1, &rng)
            var y = [T](repeating: .nan, count: ycount), dx = [T](repeating: .nan, count: xcount)
            withThreads(3) {
                T.avgpool(x, g, &y)
                T.avgpoolBackward(dy, g, &dx)
            }
            var want = [Ref](repeating: 0, count: ycount), ymag = want
            var dxw = [Ref](repeating: 0, count: xcount), dxmag = dxw
            forEachTap(g) { n, oh, ow, _, _, ih, iw in
                for ch in 0..<g.C {
                    let o = ((n * g.OH + oh) * g.OW + ow) * g.C + ch, xi = ((n * g.H + ih) * g.W + iw) * g.C + ch
                    want[o] += x[xi].ref / cnt
                    ymag[o] += abs(x[xi].ref) / cnt
                    dxw[xi] += dy[o].ref / cnt
                    dxmag[xi] += abs(dy[o].ref) / cnt
                }
            }
            assertClose(y, want, scale: ymag, tol: 4 * T.epsRef, "avgpool2d \(g)")
            assertClose(dx, dxw, scale: dxmag, tol: 4 * T.epsRef, "avgpool2d_backward \(g)")
        }
    }

    func testAvgpoolAndBackward() {
        checkAvgpool(Float.self)
        checkAvgpool(Double.self)
    }

    private func checkGatherScatter<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 24)
        for n in oddSizes + [100_000] {
            let m = max(1, n / 3)
            let x: [T] = randomArray(m, -1, 1, &rng), dy: [T] = randomArray(n, -1, 1, &rng)
            let idx = (0..<n).map { _ in Int64(Int.random(in: 0..<m, using: &rng)) } // repeats
            var y = [T](repeating: .nan, count: n)
            withThreads(3) { T.gather(x, idx, n, &y) }
            XCTAssertEqual(y, idx.map { x[Int($0)] }, "gather n=\(n)")
            let base: [T] = randomArray(m, -1, 1, &rng)
            var dx = base, want = base
            T.scatterAdd(dy, idx, n, &dx)
            for i in 0..<n { want[Int(idx[i])] += dy[i] } // same order: exact
            XCTAssertEqual(dx, want, "scatter_add n=\(n)")
        }
    }

    /// col2im gives the same bits for any thread count (few images: bands of rows in two
    /// phases; many images: one band each).
    private func checkCol2imThreads<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 25)
        for g in [conv(3, 20, 20, 8, 3, 3, 1, 1, 1, 1), conv(10, 9, 9, 16, 3, 3, 1, 1, 0, 0),
                  conv(2, 17, 13, 5, 4, 3, 2, 1, 1, 0)] {
            let cols: [T] = randomArray(g.N * g.OH * g.OW * g.KH * g.KW * g.C, -1, 1, &rng)
            var one = [T](repeating: .nan, count: g.N * g.H * g.W * g.C)
            withThreads(1) { T.col2im(cols, g, &one) }
            for threads: Int32 in [2, 3, 7] {
                var many = [T](repeating: .nan, count: one.count)
                withThreads(threads) { T.col2im(cols, g, &many) }
                XCTAssertEqual(one, many, "col2im \(g) with \(threads) threads [\(T.label)]")
            }
        }
    }

    func testCol2imThreadIndependence() {
        checkCol2imThreads(Float.self)
        checkCol2imThreads(Double.self)
    }

    /// scatter_add with the argmax of a large max pooling (as MaxPool2D's pullback) and with the
    /// same indices reversed, under 1 to 3 threads: always exactly the serial loop.
    private func checkParallelScatter<T: KScalar>(_: T.Type) {
        var rng = SplitMix64(seed: 26)
        let g = pool(8, 40, 40, 32, 2, 2, 2, 2)
        let xcount = g.N * g.H * g.W * g.C, ycount = g.N * g.OH * g.OW * g.C
        let x: [T] = randomArray(xcount, -1, 1, &rng)
        var y = [T](repeating: 0, count: ycount), arg = [Int64](repeating: 0, count: ycount)
        T.maxpool(x, g, &y, &arg)
        let dy: [T] = randomArray(ycount, -1, 1, &rng)
        for idx in [arg, Array(arg.reversed())] {
            let base: [T] = randomArray(xcount, -1, 1, &rng)
            var want = base
            for i in 0..<ycount { want[Int(idx[i])] += dy[i] }
            for threads: Int32 in [1, 2, 3] {
                var dx = base
                withThreads(threads) { T.scatterAdd(dy, idx, ycount, &dx) }
                XCTAssertEqual(dx, want, "scatter_add with \(threads) threads [\(T.label)]")
            }
        }
    }

    func testScatterAddOfArgmaxIsExact() {
        checkParallelScatter(Float.self)
        checkParallelScatter(Double.self)
    }

    func testGatherScatterAdd() {
        checkGatherScatter(Float.self)
        checkGatherScatter(Double.self)
    }
}
