import CMaclaurinKernels

/// The C kernels of the MLP fast path and the convolutions (mlp.c, GEMM, jets), called with pointers of the generic
/// `Scalar`: each function forwards to the `mcl_s_*` or `mcl_d_*` entry point. Only used when
/// `isSupported` (Scalar is Float or Double, so rebinding the pointers is exact).
package enum MLPKernels<Scalar: TensorScalar> {
    package typealias P = UnsafePointer<Scalar>
    package typealias MP = UnsafeMutablePointer<Scalar>

    /// True when the scalar type has fused kernels (Float and Double).
    package static var isSupported: Bool { Scalar.self == Float.self || Scalar.self == Double.self }
    package static var isFloat: Bool { Scalar.self == Float.self }

    @inline(__always) package static func f(_ p: P?) -> UnsafePointer<Float>? { UnsafeRawPointer(p)?.assumingMemoryBound(to: Float.self) }
    @inline(__always) package static func f(_ p: MP?) -> UnsafeMutablePointer<Float>? { UnsafeMutableRawPointer(p)?.assumingMemoryBound(to: Float.self) }
    @inline(__always) package static func d(_ p: P?) -> UnsafePointer<Double>? { UnsafeRawPointer(p)?.assumingMemoryBound(to: Double.self) }
    @inline(__always) package static func d(_ p: MP?) -> UnsafeMutablePointer<Double>? { UnsafeMutableRawPointer(p)?.assumingMemoryBound(to: Double.self) }

    /// Scalars of a packed K x N layer operand (`mcl_*_mlp_packed_size`).
    package static func packedSize(_ k: Int, _ n: Int) -> Int {
        isFloat ? mcl_s_mlp_packed_size(k, n) : mcl_d_mlp_packed_size(k, n)
    }

    /// Columns per panel of the packed form (`mcl_*_mlp_panel_columns`): whole panels can be
    /// multiplied separately, panel p starting at `packed + p * k * panelColumns(n)`.
    package static func panelColumns(_ n: Int) -> Int {
        isFloat ? mcl_s_mlp_panel_columns(n) : mcl_d_mlp_panel_columns(n)
    }

    /// Packs op(B) (K x N) for `product` (`mcl_*_mlp_pack`).
    package static func pack(transposed: Bool, _ k: Int, _ n: Int, _ b: P, ldb: Int, into packed: MP) {
        let t: Int32 = transposed ? 1 : 0
        if isFloat { mcl_s_mlp_pack(t, k, n, f(b), ldb, f(packed)) } else { mcl_d_mlp_pack(t, k, n, d(b), ldb, d(packed)) }
    }

    /// A `[k, n]` matrix in the packed layout of `product` (a new tensor of `packedSize(k, n)` scalars).
    package static func packed(_ w: Tensor<Scalar>) -> Tensor<Scalar> {
        let (k, n) = (w.shape[0], w.shape[1])
        var packed = Tensor<Scalar>(uninitializedShape: [packedSize(k, n)])
        w.withUnsafePointer { wp in packed.withUnsafeMutablePointer { pack(transposed: false, k, n, wp, ldb: n, into: $0) } }
        return packed
    }

    /// C[M, N] = A[M, K] B(packed), then per row either C *= scale[row % period] or
    /// C = act(C + bias) with d1 = act', d2 = act'' (`mcl_*_mlp_gemm`).
    package static func product(_ m: Int, _ n: Int, _ k: Int, _ a: P, lda: Int, packed: P, _ c: MP, ldc: Int,
                        activation: mcl_mlp_activation = MCL_MLP_LINEAR, bias: P? = nil, d1: MP? = nil, d2: MP? = nil,
                        scale: P? = nil, period: Int = 1) {
        let act = Int32(activation.rawValue)
        if isFloat {
            mcl_s_mlp_gemm(m, n, k, f(a), lda, f(packed), f(c), ldc, act, f(bias), f(d1), f(d2), f(scale), period)
        } else {
            mcl_d_mlp_gemm(m, n, k, d(a), lda, d(packed), d(c), ldc, act, d(bias), d(d1), d(d2), d(scale), period)
        }
    }

    /// Scalars of the scratch image `convolve` needs for geometry `g` (`mcl_*_conv_scratch_size`).
    package static func convolutionScratchSize(_ g: ConvGeometry) -> Int {
        let size = isFloat ? mcl_s_conv_scratch_size : mcl_d_conv_scratch_size
        return size(g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH, g.strideW, g.padTop,
                    g.padLeft, g.outHeight, g.outWidth)
    }

    /// y = act(conv(x) + bias) for the `g.batch` images of `x`, with the kernel packed by `pack`, the
    /// windows read in place (`mcl_*_conv_gemm`); `scratch` holds `convolutionScratchSize(g)` scalars.
    package static func convolve(_ x: P, _ g: ConvGeometry, packed: P, filters n: Int, into y: MP,
                         activation: mcl_mlp_activation, bias: P?, scratch: MP?) {
        let act = Int32(activation.rawValue)
        if isFloat {
            mcl_s_conv_gemm(g.batch, f(x), g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH,
                            g.strideW, g.padTop, g.padLeft, g.outHeight, g.outWidth, f(packed), n, f(y), act, f(bias), f(scratch))
        } else {
            mcl_d_conv_gemm(g.batch, d(x), g.height, g.width, g.channels, g.kernelHeight, g.kernelWidth, g.strideH,
                            g.strideW, g.padTop, g.padLeft, g.outHeight, g.outWidth, d(packed), n, d(y), act, d(bias), d(scratch))
        }
    }

    /// True when `convolveWinograd` applies: a 3x3 window with stride 1 and at least 8 input and
    /// output channels (fewer leave the transforms' cost next to the products saved).
    package static func winogradApplies(_ g: ConvGeometry, filters n: Int) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideH == 1 && g.strideW == 1 && g.channels >= 8 && n >= 8
    }

    /// The kernel `[9 * C, F]` transformed and packed for `convolveWinograd`
    /// (`mcl_*_conv_winograd_kernel`).
    package static func winogradKernel(_ kernel: Tensor<Scalar>) -> Tensor<Scalar> {
        let (c, n) = (kernel.shape[0] / 9, kernel.shape[1])
        let size = isFloat ? mcl_s_conv_winograd_kernel_size(c, n) : mcl_d_conv_winograd_kernel_size(c, n)
        var u = Tensor<Scalar>(uninitializedShape: [size])
        let done = kernel.withUnsafePointer { kp in
            u.withUnsafeMutablePointer { up in
                isFloat ? mcl_s_conv_winograd_kernel(c, n, f(kp), f(up)) : mcl_d_conv_winograd_kernel(c, n, d(kp), d(up))
            }
        }
        precondition(done != 0, "conv2d: out of memory transforming a \(kernel.shape) kernel")
        return u
    }

    /// Scalars of scratch per task of `convolveWinograd`.
    package static func winogradScratchSize(_ g: ConvGeometry, filters n: Int) -> Int {
        isFloat ? mcl_s_conv_winograd_scratch_size(g.channels, n, g.outHeight, g.outWidth)
            : mcl_d_conv_winograd_scratch_size(g.channels, n, g.outHeight, g.outWidth)
    }

    /// `convolve` by Winograd's F(2x2, 3x3) with a kernel from `winogradKernel`
    /// (`mcl_*_conv_winograd`).
    package static func convolveWinograd(_ x: P, _ g: ConvGeometry, kernel u: P, filters n: Int, into y: MP,
                                 activation: mcl_mlp_activation, bias: P?, scratch: MP) {
        let act = Int32(activation.rawValue)
        if isFloat {
            mcl_s_conv_winograd(g.batch, f(x), g.height, g.width, g.channels, g.padTop, g.padLeft, g.outHeight, g.outWidth,
                                f(u), n, f(y), act, f(bias), f(scratch))
        } else {
            mcl_d_conv_winograd(g.batch, d(x), g.height, g.width, g.channels, g.padTop, g.padLeft, g.outHeight, g.outWidth,
                                d(u), n, d(y), act, d(bias), d(scratch))
        }
    }

    /// Sets `count` scalars to zero (all-zero bits: +0.0; no per-element generic code).
    package static func zero(_ p: MP, _ count: Int) {
        UnsafeMutableRawPointer(p).initializeMemory(as: UInt8.self, repeating: 0, count: count * MemoryLayout<Scalar>.stride)
    }

    /// Copies `count` scalars (memcpy).
    package static func copy(_ p: P, to q: MP, _ count: Int) {
        UnsafeMutableRawPointer(q).copyMemory(from: UnsafeRawPointer(p), byteCount: count * MemoryLayout<Scalar>.stride)
    }

    /// y = s x over n scalars (y may be x).
    package static func scaled(_ x: P, by s: Scalar, into y: MP, _ n: Int) { Scalar._scaleShift(n, x, s, 0, y) }

    /// h = act(z + bias), d1 = act', d2 = act'' (`mcl_*_mlp_activate`).
    package static func activate(_ act: mcl_mlp_activation, rows: Int, cols: Int, z: P, bias: P?, h: MP, d1: MP?, d2: MP?) {
        let code = Int32(act.rawValue)
        if isFloat { mcl_s_mlp_activate(code, rows, cols, f(z), f(bias), f(h), f(d1), f(d2)) }
        else { mcl_d_mlp_activate(code, rows, cols, d(z), d(bias), d(h), d(d1), d(d2)) }
    }

    /// y[k, i] = x[k, i] * d[i] for k < blocks, i < n (`mcl_*_mlp_scale`).
    package static func scale(blocks: Int, n: Int, _ x: P, by v: P, into y: MP) {
        if isFloat { mcl_s_mlp_scale(blocks, n, f(x), f(v), f(y)) } else { mcl_d_mlp_scale(blocks, n, d(x), d(v), d(y)) }
    }

    /// y[k * ldyk + r * ldyr + c] = w[k, c] * s[r * lds + k] * dv[r, c] (`mcl_*_mlp_outer`).
    package static func outer(blocks: Int, rows: Int, cols: Int, w: P, s: P?, lds: Int, d dv: P?, y: MP, ldyk: Int, ldyr: Int) {
        if isFloat { mcl_s_mlp_outer(blocks, rows, cols, f(w), f(s), lds, f(dv), f(y), ldyk, ldyr) }
        else { mcl_d_mlp_outer(blocks, rows, cols, d(w), d(s), lds, d(dv), d(y), ldyk, ldyr) }
    }

    /// s = d1 s + d2/2 sum_k t_k^2, t_k *= d1 (`mcl_*_mlp_collapsed_step`).
    package static func collapsedStep(directions: Int, n: Int, t: MP, s: MP, d1: P, d2: P?) {
        if isFloat { mcl_s_mlp_collapsed_step(directions, n, f(t), f(s), f(d1), f(d2)) }
        else { mcl_d_mlp_collapsed_step(directions, n, d(t), d(s), d(d1), d(d2)) }
    }

    /// h[r][a, b] += sum_u j[a, r, u] c[r, u] j[b, r, u] (`mcl_*_mlp_sandwich`).
    package static func sandwich(n: Int, rows: Int, cols: Int, j: P, jsd: Int, jsr: Int, c: P, csr: Int, h: MP, ldh: Int) {
        if isFloat { mcl_s_mlp_sandwich(n, rows, cols, f(j), jsd, jsr, f(c), csr, f(h), ldh) }
        else { mcl_d_mlp_sandwich(n, rows, cols, d(j), jsd, jsr, d(c), csr, d(h), ldh) }
    }

    /// Taylor coefficients 0...order of act(x) along one direction: x and y hold order + 1 blocks
    /// of n, input coefficients above `nonzero` taken as zero (`mcl_*_mlp_jet`; order <=
    /// MCL_MLP_JET_MAX_ORDER, not gelu).
    package static func taylor(_ act: mcl_mlp_activation, n: Int, order: Int, nonzero: Int, _ x: P, into y: MP) {
        let (code, k, kin) = (Int32(act.rawValue), Int32(order), Int32(nonzero))
        if isFloat { mcl_s_mlp_jet(code, n, k, kin, f(x), f(y)) } else { mcl_d_mlp_jet(code, n, k, kin, d(x), d(y)) }
    }

    /// The order-k jet of f(x) for one direction over n elements (primal x0, coefficients xs).
    package static func jet(_ op: mcl_jet_op, n: Int, order: Int, x0: P, xs: P, y0: MP, ys: MP) {
        Scalar._jetUnary(op, x0, xs, n, 1, order, y0, ys)
    }

    /// y[perm]: y = transpose(x) for a dense tensor of the given shape.
    package static func permute(_ x: P, shape: [Int], permutation: [Int32], into y: MP) {
        shape.withUnsafeBufferPointer { s in
            permutation.withUnsafeBufferPointer { p in
                // Both arrays are non-empty (rank >= 1).
                guard let sb = s.baseAddress, let pb = p.baseAddress else { return }
                Scalar._permute(x, sb, pb, shape.count, y)
            }
        }
    }
}
