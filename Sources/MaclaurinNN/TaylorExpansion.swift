/// How a `TaylorExpansion` layer stores its coefficients.
public enum TaylorParameterization: String, CaseIterable, Sendable {
    /// The motivating Keras answer: per unit i, h_{i,p} = a_{i,p} P_p(z_i),
    /// s_{i,p} = sum_{q <= p} h_{i,q} (cumulative sum), y_i = sum_p w_{i,p} s_{i,p}.
    /// Two parameters `a`, `w` of shape `[units, order + 1]`; the function equals the collapsed
    /// form with c_{i,p} = a_{i,p} sum_{q >= p} w_{i,q}.
    case cumulative
    /// y_i = sum_p c_{i,p} P_p(z_i): one parameter `c` of shape `[units, order + 1]`.
    case collapsed

    /// Parses a parameterisation name (case-insensitive; "keras" means cumulative).
    public init(named name: String) throws {
        switch name.lowercased() {
        case "cumulative", "keras": self = .cumulative
        case "collapsed", "coefficients": self = .collapsed
        default: throw ModelError("unknown parameterization '\(name)' (expected cumulative or collapsed)")
        }
    }
}

/// The starting function of a polynomial layer.
public enum TaylorInitialization: Equatable, Sendable {
    /// y = z: c_1 = 1, every other coefficient 0.
    case identity
    /// The Maclaurin series of a known function, truncated to the layer's order.
    case series(SeriesFunction)
    /// Given Maclaurin (monomial) coefficients c_0, c_1, ... for every unit (truncated or
    /// zero-padded to the layer's order).
    case coefficients([Double])

    /// The monomial coefficients c_0...c_order.
    public func maclaurinCoefficients(order: Int) -> [Double] {
        let c: [Double]
        switch self {
        case .identity: c = SeriesFunction.identity.maclaurinCoefficients(order: order)
        case .series(let f): c = f.maclaurinCoefficients(order: order)
        case .coefficients(let given): c = given
        }
        return (0...order).map { $0 < c.count ? c[$0] : 0 }
    }
}

/// An elementwise Taylor (Maclaurin) expansion with learned coefficients per unit:
/// y_i = sum_{p=0..n} c_{i,p} P_p(z_i), z = bound(x), P_p = z^p in the default monomial basis.
///
/// Units are indexed by the last axis, so the layer acts on dense activations `[batch, units]` and
/// on conv feature maps `[batch, height, width, channels]` (one polynomial per channel) alike.
/// Evaluated in the collapsed form by Horner's rule (Clenshaw for Chebyshev and Hermite bases),
/// in primitives, so input derivatives of any order and training on them work through it.
///
/// Stability options: `bounding` (tanh with a learnable scale, or normalisation), `basis`
/// (Chebyshev or Hermite, exactly convertible to Maclaurin coefficients), and initialisation as
/// the identity or as the series of a known activation. `Sequential.firstNonFinite` names the
/// layer where a training run first produced a NaN or infinity.
public struct TaylorExpansion<Scalar: TensorScalar>: Layer {
    public var name: String
    /// The highest power n.
    public let order: Int
    /// The number of units (extent of the input's last axis).
    public let units: Int
    /// How the coefficients are stored: `[a, w]` (cumulative) or `[c]` (collapsed).
    public let parameterization: TaylorParameterization
    /// The basis P_p the coefficients refer to.
    public let basis: PolynomialBasis
    /// How x is bounded to z before expansion.
    public let bounding: InputBounding
    /// `[a, w]` or `[c]`, then the bounding scale if it is learnable.
    var weights: [Tensor<Scalar>]
    public var kind: String { "taylor_expansion" }

    /// A layer starting as `initialization` (the same polynomial for every unit).
    /// - Parameters:
    ///   - units: the extent of the input's last axis (dense units or conv channels).
    ///   - order: the highest power n (>= 0).
    ///   - parameterization: `.cumulative` (the Keras answer's a, w) or `.collapsed` (c).
    ///   - basis: the basis the coefficients refer to.
    ///   - bounding: how the input is bounded before expansion.
    ///   - initialization: the starting polynomial; in the cumulative form a = c and w = e_n.
    public init(units: Int, order: Int, parameterization: TaylorParameterization = .collapsed,
                basis: PolynomialBasis = .monomial, bounding: InputBounding = .none,
                initialization: TaylorInitialization = .identity, name: String = "") {
        precondition(units > 0 && order >= 0, "taylor_expansion: units must be > 0 and order >= 0")
        let row = basis.coefficients(fromMonomial: initialization.maclaurinCoefficients(order: order))
        let c = Tensor<Scalar>(shape: [units, order + 1], scalars: (0..<units).flatMap { _ in row.map { Scalar($0) } })
        self.init(coefficients: c, basis: basis, bounding: bounding, scale: bounding.initialScale(units: units), name: name)
        if parameterization == .cumulative { self = converted(to: .cumulative) }
    }

    /// A collapsed layer with coefficients `c` `[units, order + 1]` in `basis`; `scale` `[units]`
    /// is required exactly when the bounding has a learnable scale.
    public init(coefficients c: Tensor<Scalar>, basis: PolynomialBasis = .monomial, bounding: InputBounding = .none,
                scale: Tensor<Scalar>? = nil, name: String = "") {
        self.init(parameterization: .collapsed, weights: [c], basis: basis, bounding: bounding, scale: scale, name: name)
    }

    /// A cumulative (Keras-answer) layer with `a` and `w`, each `[units, order + 1]`.
    public init(a: Tensor<Scalar>, w: Tensor<Scalar>, basis: PolynomialBasis = .monomial, bounding: InputBounding = .none,
                scale: Tensor<Scalar>? = nil, name: String = "") {
        precondition(a.shape == w.shape, "taylor_expansion: a \(a.shape) and w \(w.shape) differ")
        self.init(parameterization: .cumulative, weights: [a, w], basis: basis, bounding: bounding, scale: scale, name: name)
    }

    init(parameterization: TaylorParameterization, weights: [Tensor<Scalar>], basis: PolynomialBasis,
         bounding: InputBounding, scale: Tensor<Scalar>?, name: String) {
        let c = weights[0]
        precondition(c.rank == 2 && c.shape[0] > 0 && c.shape[1] > 0,
                     "taylor_expansion: coefficients must be [units, order + 1], got \(c.shape)")
        precondition((scale != nil) == bounding.hasLearnableScale,
                     "taylor_expansion: a scale tensor is needed exactly for learnable tanh bounding")
        if let scale { precondition(scale.shape == [c.shape[0]], "taylor_expansion: scale must be [\(c.shape[0])]") }
        if case let .tanh(s, _) = bounding { precondition(s != 0 && s.isFinite, "taylor_expansion: tanh scale must be non-zero") }
        self.units = c.shape[0]; self.order = c.shape[1] - 1
        self.parameterization = parameterization; self.basis = basis; self.bounding = bounding
        self.weights = weights + (scale.map { [$0] } ?? [])
        self.name = name
    }

    public var parameters: [Tensor<Scalar>] {
        get { weights }
        set {
            precondition(newValue.map(\.shape) == weights.map(\.shape),
                         "taylor_expansion '\(name)': parameters must have shapes \(weights.map(\.shape)), got \(newValue.map(\.shape))")
            weights = newValue
        }
    }

    public var parameterNames: [String] {
        (parameterization == .cumulative ? ["a", "w"] : ["c"]) + (bounding.hasLearnableScale ? ["scale"] : [])
    }

    /// The learnable bounding scale `[units]`, if any.
    public var scale: Tensor<Scalar>? { bounding.hasLearnableScale ? weights.last : nil }

    /// The collapsed coefficients c `[units, order + 1]` in `basis` (computed from a, w when cumulative).
    public var coefficients: Tensor<Scalar> {
        parameterization == .collapsed ? weights[0] : Self.collapse(a: weights[0], w: weights[1])
    }

    /// The Maclaurin (monomial) coefficients of the polynomial in z, `[units, order + 1]`.
    public var maclaurinCoefficients: Tensor<Scalar> { basis.monomialCoefficients(coefficients) }

    /// c_{i,p} = a_{i,p} * sum_{q >= p} w_{i,q}: the collapsed form of the Keras answer's
    /// y = sum_p w_p sum_{q <= p} a_q P_q (swap the sums).
    public static func collapse(a: Tensor<Scalar>, w: Tensor<Scalar>) -> Tensor<Scalar> {
        precondition(a.shape == w.shape && a.rank == 2, "collapse: a \(a.shape) and w \(w.shape) must be equal matrices")
        return a * w.matmul(suffixSumMatrix(order: a.shape[1] - 1))
    }

    /// One exact cumulative form of collapsed coefficients: a = c and w = e_n (then
    /// sum_{q >= p} w_q = 1 for every p, so collapse(a, w) == c bit for bit).
    public static func expand(coefficients c: Tensor<Scalar>) -> (a: Tensor<Scalar>, w: Tensor<Scalar>) {
        precondition(c.rank == 2, "expand: coefficients must be [units, order + 1], got \(c.shape)")
        var w = Tensor<Scalar>(zeros: c.shape)
        let (units, width) = (c.shape[0], c.shape[1])
        w.withUnsafeMutablePointer { p in for i in 0..<units { p[i * width + width - 1] = 1 } }
        return (c, w)
    }

    /// U with U[q][p] = 1 for q >= p: (w U)_p = sum_{q >= p} w_q.
    static func suffixSumMatrix(order: Int) -> Tensor<Scalar> {
        let n = order + 1
        return Tensor(shape: [n, n], scalars: (0..<n).flatMap { q in (0..<n).map { p in q >= p ? 1 : 0 } })
    }

    /// The same function in the other parameterisation.
    public func converted(to target: TaylorParameterization) -> TaylorExpansion {
        if target == parameterization { return self }
        let tail = scale.map { [$0] } ?? []
        switch target {
        case .collapsed:
            return TaylorExpansion(parameterization: .collapsed, weights: [coefficients], basis: basis,
                                   bounding: bounding, scale: tail.first, name: name)
        case .cumulative:
            let (a, w) = Self.expand(coefficients: weights[0])
            return TaylorExpansion(parameterization: .cumulative, weights: [a, w], basis: basis,
                                   bounding: bounding, scale: tail.first, name: name)
        }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.last == units else {
            throw ModelError("layer '\(name)' (taylor_expansion) has \(units) units but the input's last axis is "
                             + "\(inputShape.last.map(String.init) ?? "missing") (shape \(inputShape))")
        }
        return inputShape
    }

    public func forward<V: TensorAlgebra>(_ x: V, parameters p: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        precondition(x.shape.last == units, "taylor_expansion '\(name)': input \(x.shape) does not end in \(units) units")
        let z = bounding.apply(x, scale: bounding.hasLearnableScale ? p.last : nil)
        let c = parameterization == .collapsed
            ? p[0]
            : p[0] * p[1].matmul(V(constant: Self.suffixSumMatrix(order: order)))
        // Columns c[:, p] as [units] vectors; order + 1 is small.
        let columns = order == 0 ? [c.reshaped(to: [units])]
            : (0...order).map { c.slice(axis: 1, $0..<($0 + 1)).reshaped(to: [units]) }
        return basis.evaluate(z, coefficients: columns)
    }

    public var configuration: [String: ModelValue] {
        ["units": .int(units), "order": .int(order), "parameterization": .string(parameterization.rawValue),
         "basis": .string(basis.rawValue), "bounding": bounding.configurationValue]
    }
}
