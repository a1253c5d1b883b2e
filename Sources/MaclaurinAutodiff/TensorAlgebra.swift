/// A value that flows through a computation: a plain `Tensor`, a taped `Var`, or a Taylor `Jet`
/// (and their nestings, e.g. `Jet<Var<Tensor<Float>>>` for training on derivatives).
///
/// Conformers implement one entry point, `apply`, for every `Primitive`; the operators and
/// functions in the extension below are written once on top of it. Layers are written against
/// this protocol and therefore never know how they are being differentiated.
public protocol TensorAlgebra {
    associatedtype Scalar: TensorScalar

    /// The shape of the (primal) value.
    var shape: [Int] { get }
    /// The plain numeric value, for decisions that are not differentiated (relu masks, argmax, ...).
    var plain: Tensor<Scalar> { get }
    /// A constant: its derivatives with respect to anything are zero.
    init(constant: Tensor<Scalar>)
    /// Evaluates `primitive` on `inputs`.
    static func apply(_ primitive: Primitive, _ inputs: [Self]) -> Self

    /// Taylor propagation of an analytic elementwise function through a jet (primal `x0`, series
    /// `xs` of shape `[order, directions] + x0.shape`). Plain tensors use fused kernels; every other
    /// conformer uses the composed default, which is written in primitives (so it can be taped).
    static func taylorElementwise(_ f: AnalyticFunction, primal x0: Self, series xs: Self,
                                  order: Int, directions: Int) -> (primal: Self, series: Self)
    /// Cauchy product of two jets of equal shape (same layout as `taylorElementwise`).
    static func taylorMultiply(_ a0: Self, _ aSeries: Self, _ b0: Self, _ bSeries: Self,
                               order: Int, directions: Int) -> (primal: Self, series: Self)
    /// The pullback of `conv2d(g)` (y = im2col(x) . w) for the output cotangent `dy`: the input's,
    /// `col2im(dy . w^T)`, and the kernel's, `im2col(x)^T . dy`, each when asked. Plain tensors
    /// (and untaped `Var`s of them) work image by image without the batch's columns; every other
    /// conformer uses the composed default, written in primitives (so it can be taped).
    static func convolutionGradients(_ x: Self, _ w: Self, _ dy: Self, geometry: ConvGeometry,
                                     input: Bool, kernel: Bool) -> (input: Self?, kernel: Self?)
}

/// Analytic elementwise functions with Taylor recurrences.
public enum AnalyticFunction: Sendable, CaseIterable {
    case exp, log, tanh, sigmoid, sin, cos, sqrt, softplus, reciprocal
}

extension TensorAlgebra {
    public static func + (a: Self, b: Self) -> Self { apply(.add, [a, b]) }
    public static func - (a: Self, b: Self) -> Self { apply(.subtract, [a, b]) }
    public static func * (a: Self, b: Self) -> Self { apply(.multiply, [a, b]) }
    public static func / (a: Self, b: Self) -> Self { apply(.divide, [a, b]) }
    public static prefix func - (a: Self) -> Self { apply(.negate, [a]) }
    public static func + (a: Self, b: Scalar) -> Self { a + Self(constant: Tensor(b)) }
    public static func - (a: Self, b: Scalar) -> Self { a - Self(constant: Tensor(b)) }
    public static func * (a: Self, b: Scalar) -> Self { a * Self(constant: Tensor(b)) }
    public static func * (a: Scalar, b: Self) -> Self { Self(constant: Tensor(a)) * b }
    public static func / (a: Self, b: Scalar) -> Self { a * Self(constant: Tensor(1 / b)) }
    public static func - (a: Scalar, b: Self) -> Self { Self(constant: Tensor(a)) - b }

    public var rank: Int { shape.count }
    public var count: Int { shape.reduce(1, *) }

    public func matmul(_ other: Self, transposeA: Bool = false, transposeB: Bool = false) -> Self {
        Self.apply(.matmul(transposeA: transposeA, transposeB: transposeB), [self, other])
    }
    public func exp() -> Self { Self.apply(.exp, [self]) }
    public func log() -> Self { Self.apply(.log, [self]) }
    public func tanh() -> Self { Self.apply(.tanh, [self]) }
    public func sigmoid() -> Self { Self.apply(.sigmoid, [self]) }
    public func sin() -> Self { Self.apply(.sin, [self]) }
    public func cos() -> Self { Self.apply(.cos, [self]) }
    public func sqrt() -> Self { Self.apply(.sqrt, [self]) }
    public func softplus() -> Self { Self.apply(.softplus, [self]) }
    public func squared() -> Self { Self.apply(.powInt(2), [self]) }
    /// x^p for an integer p >= 0.
    public func pow(_ p: Int) -> Self { Self.apply(.powInt(p), [self]) }

    /// max(x, 0). Its derivatives of order >= 2 are zero wherever they exist (everywhere but 0).
    public func relu() -> Self { self * Self(constant: plain.applying(.step)) }

    /// GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
    public func gelu() -> Self {
        let c = Scalar(0.7978845608028654)
        let inner = (self + pow(3) * Scalar(0.044715)) * c
        return self * (inner.tanh() + 1) * Scalar(0.5)
    }

    /// Sum over `axes`, keeping them with extent 1.
    public func sum(alongAxes axes: [Int]) -> Self {
        let normalized = axes.map { $0 < 0 ? $0 + rank : $0 }
        return Self.apply(.sum(axes: normalized), [self])
    }
    /// Sum of all elements, rank 0.
    public func sum() -> Self { sum(alongAxes: Array(0..<rank)).reshaped(to: []) }
    /// Mean of all elements, rank 0.
    public func mean() -> Self { sum() / Scalar(Swift.max(count, 1)) }
    /// Mean over `axes`, keeping them.
    public func mean(alongAxes axes: [Int]) -> Self {
        let n = axes.map { shape[$0 < 0 ? $0 + rank : $0] }.reduce(1, *)
        return sum(alongAxes: axes) / Scalar(Swift.max(n, 1))
    }

    public func reshaped(to newShape: [Int]) -> Self {
        var s = newShape
        if let hole = s.firstIndex(of: -1) {
            s[hole] = count / Swift.max(1, s.enumerated().filter { $0.offset != hole }.map(\.element).reduce(1, *))
        }
        if s == shape { return self }
        return Self.apply(.reshape(to: s), [self])
    }
    public func transposed(permutation: [Int]) -> Self {
        if permutation == Array(0..<rank) { return self }
        return Self.apply(.transpose(permutation: permutation), [self])
    }
    /// Swaps the last two axes.
    public func transposed() -> Self {
        var p = Array(0..<rank); p.swapAt(rank - 1, rank - 2)
        return transposed(permutation: p)
    }
    public func broadcast(to target: [Int]) -> Self {
        target == shape ? self : Self.apply(.broadcast(to: target), [self])
    }
    /// The adjoint of broadcasting: sums the broadcast axes away so the result has `target` shape.
    public func unbroadcast(to target: [Int]) -> Self {
        if target == shape { return self }
        let axes = Broadcasting.reducedAxes(from: target, to: shape)
        return sum(alongAxes: axes).reshaped(to: target)
    }
    public func slice(axis: Int, _ range: Range<Int>) -> Self {
        let a = axis < 0 ? axis + rank : axis
        if range == 0..<shape[a] { return self }
        return Self.apply(.slice(axis: a, range: range), [self])
    }
    public func padded(axis: Int, before: Int, after: Int) -> Self {
        Self.apply(.pad(axis: axis < 0 ? axis + rank : axis, before: before, after: after), [self])
    }
    public static func concatenate(_ parts: [Self], axis: Int) -> Self {
        if parts.count == 1 { return parts[0] }
        let a = axis < 0 ? axis + parts[0].rank : axis
        return apply(.concatenate(axis: a), parts)
    }
    public func gathering(_ index: GatherIndex) -> Self { Self.apply(.gather(index), [self]) }

    /// Softmax along the last axis (max-shifted; the shift is a constant, so derivatives are exact).
    public func softmax() -> Self {
        let m = Self(constant: plain.max(alongAxis: -1).values)
        let e = (self - m).exp()
        return e / e.sum(alongAxes: [-1])
    }
    /// log(sum(exp(x))) along the last axis, kept with extent 1.
    public func logSumExp() -> Self {
        let m = Self(constant: plain.max(alongAxis: -1).values)
        return (self - m).exp().sum(alongAxes: [-1]).log() + m
    }
}
