import CMaclaurinKernels

/// Unary elementwise functions computed by the kernels.
public enum UnaryFunction: Sendable {
    case negate, exp, log, tanh, sigmoid, sin, cos, sqrt, abs, relu, softplus, square, reciprocal
    /// 1 where x > 0, else 0.
    case step
    case sign
    /// 1 where x is finite, else 0.
    case isFinite

    var kernel: mcl_unary_op {
        switch self {
        case .negate: MCL_NEG
        case .exp: MCL_EXP
        case .log: MCL_LOG
        case .tanh: MCL_TANH
        case .sigmoid: MCL_SIGMOID
        case .sin: MCL_SIN
        case .cos: MCL_COS
        case .sqrt: MCL_SQRT
        case .abs: MCL_ABS
        case .relu: MCL_RELU
        case .softplus: MCL_SOFTPLUS
        case .square: MCL_SQUARE
        case .reciprocal: MCL_RECIPROCAL
        case .step: MCL_STEP
        case .sign: MCL_SIGN
        case .isFinite: MCL_ISFINITE
        }
    }
}

/// Binary elementwise functions with broadcasting.
public enum BinaryFunction: Sendable {
    case add, subtract, multiply, divide, maximum, minimum, pow
    /// 1 where a > b, else 0.
    case greater

    var kernel: mcl_binary_op {
        switch self {
        case .add: MCL_ADD
        case .subtract: MCL_SUB
        case .multiply: MCL_MUL
        case .divide: MCL_DIV
        case .maximum: MCL_MAX
        case .minimum: MCL_MIN
        case .pow: MCL_POW
        case .greater: MCL_GREATER
        }
    }
}

extension Tensor {
    /// y = f(x) elementwise.
    public func applying(_ f: UnaryFunction) -> Tensor {
        var y = Tensor(uninitializedShape: shape)
        withUnsafePointer { x in y.withUnsafeMutablePointer { Scalar._unary(f.kernel, x, $0, count) } }
        return y
    }

    /// y = f(a, b) elementwise with NumPy broadcasting.
    public func applying(_ f: BinaryFunction, _ other: Tensor) -> Tensor {
        guard let out = Broadcasting.shape(shape, other.shape) else {
            preconditionFailure("shapes \(shape) and \(other.shape) do not broadcast")
        }
        var y = Tensor(uninitializedShape: out)
        if out.isEmpty || y.count == 0 {
            if y.count == 1 {
                // Rank 0: a one-element call with rank-1 strides.
                let one = [1], s = [0]
                withUnsafePointer { a in other.withUnsafePointer { b in y.withUnsafeMutablePointer { yp in
                    Scalar._binary(f.kernel, a, s, b, s, yp, one, 1)
                } } }
            }
            return y
        }
        let sa = Broadcasting.strides(of: shape, in: out)
        let sb = Broadcasting.strides(of: other.shape, in: out)
        let (cShape, ca, cb) = Tensor.coalesce(out, sa, sb)
        withUnsafePointer { a in other.withUnsafePointer { b in y.withUnsafeMutablePointer { yp in
            Scalar._binary(f.kernel, a, ca, b, cb, yp, cShape, cShape.count)
        } } }
        return y
    }

    /// Merges adjacent axes that both operands traverse densely, so the kernel sees few, long axes.
    static func coalesce(_ shape: [Int], _ sa: [Int], _ sb: [Int]) -> ([Int], [Int], [Int]) {
        var outShape = [shape[0]], outA = [sa[0]], outB = [sb[0]]
        for i in 1..<shape.count {
            let last = outShape.count - 1
            if outA[last] == sa[i] * shape[i] && outB[last] == sb[i] * shape[i] {
                outShape[last] *= shape[i]; outA[last] = sa[i]; outB[last] = sb[i]
            } else if shape[i] == 1 {
                continue
            } else {
                outShape.append(shape[i]); outA.append(sa[i]); outB.append(sb[i])
            }
        }
        precondition(outShape.count <= 8, "broadcasting supports at most 8 non-mergeable axes")
        return (outShape, outA, outB)
    }

    /// y = x * s + t.
    public func scaled(by s: Scalar, adding t: Scalar = 0) -> Tensor {
        var y = Tensor(uninitializedShape: shape)
        withUnsafePointer { x in y.withUnsafeMutablePointer { Scalar._scaleShift(count, x, s, t, $0) } }
        return y
    }

    /// y = x^p elementwise for an integer p >= 0.
    public func raised(toInteger p: Int) -> Tensor {
        precondition(p >= 0, "integer powers must be >= 0, got \(p)")
        var y = Tensor(uninitializedShape: shape)
        withUnsafePointer { x in y.withUnsafeMutablePointer { Scalar._powi(x, p, $0, count) } }
        return y
    }

    /// self += alpha * other, in place (same shapes).
    public mutating func add(_ other: Tensor, scaledBy alpha: Scalar = 1) {
        precondition(shape == other.shape, "in-place add of \(other.shape) to \(shape)")
        let n = count
        other.withUnsafePointer { x in withUnsafeMutablePointer { Scalar._axpby(n, alpha, x, 1, $0) } }
    }

    public static func + (a: Tensor, b: Tensor) -> Tensor { a.applying(.add, b) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { a.applying(.subtract, b) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { a.applying(.multiply, b) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { a.applying(.divide, b) }
    public static prefix func - (a: Tensor) -> Tensor { a.applying(.negate) }
    public static func + (a: Tensor, b: Scalar) -> Tensor { a.scaled(by: 1, adding: b) }
    public static func - (a: Tensor, b: Scalar) -> Tensor { a.scaled(by: 1, adding: -b) }
    public static func * (a: Tensor, b: Scalar) -> Tensor { a.scaled(by: b) }
    public static func * (a: Scalar, b: Tensor) -> Tensor { b.scaled(by: a) }
    public static func / (a: Tensor, b: Scalar) -> Tensor { a.scaled(by: 1 / b) }

    /// True when every element is finite.
    ///
    /// Runs a non-generic, vectorisable loop over the bit patterns (an element is NaN or infinite
    /// exactly when its exponent bits are all ones): the generic `allSatisfy { $0.isFinite }` ran
    /// unspecialised across modules at several nanoseconds per element.
    public var isFinite: Bool {
        withUnsafePointer { p in
            let raw = UnsafeRawPointer(p)
            switch MemoryLayout<Scalar>.size {
            case 4: return Self.exponentBitsNeverSaturate(raw.assumingMemoryBound(to: UInt32.self), count,
                                                          exponent: 0x7F80_0000, unit: 0x0080_0000)
            case 8: return Self.exponentBitsNeverSaturate(raw.assumingMemoryBound(to: UInt64.self), count,
                                                          exponent: 0x7FF0_0000_0000_0000, unit: 0x0010_0000_0000_0000)
            default: return (0..<count).allSatisfy { p[$0].isFinite }
            }
        }
    }

    /// True when no word has all `exponent` bits set: (w & exponent) + unit carries into the
    /// sign bit exactly when the exponent field is all ones.
    @inline(__always)
    private static func exponentBitsNeverSaturate<W: FixedWidthInteger & UnsignedInteger>(
        _ words: UnsafePointer<W>, _ n: Int, exponent: W, unit: W
    ) -> Bool {
        let sign = W(1) << (W.bitWidth - 1)
        var start = 0
        while start < n {
            // Blocks of 4096 words: a vectorised OR-reduction, with an early exit between blocks.
            let end = Swift.min(start + 4096, n)
            var saturated: W = 0
            for i in start..<end { saturated |= ((words[i] & exponent) &+ unit) & sign }
            if saturated != 0 { return false }
            start = end
        }
        return true
    }

    /// Largest |a - b| over all elements (shapes must match).
    public func maxAbsDifference(_ other: Tensor) -> Scalar {
        precondition(shape == other.shape, "compare \(shape) with \(other.shape)")
        var worst: Scalar = 0
        withUnsafePointer { a in other.withUnsafePointer { b in
            for i in 0..<count { worst = Swift.max(worst, Swift.abs(a[i] - b[i])) }
        } }
        return worst
    }
}
