/// Analytic functions whose Maclaurin series can initialise a polynomial layer, so that it starts
/// out as a truncated, familiar activation.
public enum SeriesFunction: String, CaseIterable, Sendable {
    /// f(x) = x.
    case identity
    case tanh, sigmoid, sin, cos, exp, softplus
    /// GELU, tanh form.
    case gelu

    /// Parses a function name (case-insensitive).
    public init(named name: String) throws {
        guard let f = SeriesFunction(rawValue: name.lowercased()) else {
            throw ModelError("no Maclaurin series for '\(name)' (expected one of: "
                             + SeriesFunction.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        self = f
    }

    /// Applies the function (in primitives, so it runs on jets).
    public func callAsFunction<V: TensorAlgebra>(_ x: V) -> V {
        switch self {
        case .identity: x
        case .tanh: x.tanh()
        case .sigmoid: x.sigmoid()
        case .sin: x.sin()
        case .cos: x.cos()
        case .exp: x.exp()
        case .softplus: x.softplus()
        case .gelu: x.gelu()
        }
    }

    /// The Maclaurin coefficients f^(k)(0) / k! for k = 0...order.
    ///
    /// Computed with our own Taylor mode: the jet of t -> f(0 + t) to `order`, whose normalised
    /// coefficients are exactly the series coefficients (in Double, accurate to a few ulps; e.g.
    /// tanh gives 0, 1, 0, -1/3, 0, 2/15, ...).
    public func maclaurinCoefficients(order: Int) -> [Double] {
        precondition(order >= 0, "series order must be >= 0")
        let k = Swift.max(order, 1)
        let x = Jet(primal: Tensor<Double>([0]), directions: Tensor<Double>(shape: [1, 1], scalars: [1]), order: k)
        let y = self(x)
        let series = (1...k).map { y.series == nil ? 0.0 : y.coefficient($0).scalar }
        return Array(([y.primal.scalar] + series).prefix(order + 1))
    }
}
