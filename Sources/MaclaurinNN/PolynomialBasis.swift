/// The polynomial basis P_0, P_1, ... in which a polynomial layer stores its coefficients,
/// y = sum_p c_p P_p(z).
///
/// Every basis converts exactly to and from Maclaurin (monomial) coefficients: the conversion
/// matrices hold integers (Chebyshev and Hermite to monomial) or dyadic rationals (monomial to
/// Chebyshev), which are exact in floating point for any practical order; applying them to
/// coefficients rounds once per term, as any sum does.
public enum PolynomialBasis: String, CaseIterable, Sendable {
    /// P_p(z) = z^p. Evaluated by Horner's rule.
    case monomial
    /// Chebyshev polynomials of the first kind: T_0 = 1, T_1 = z, T_{p+1} = 2 z T_p - T_{p-1}.
    /// Bounded by 1 on [-1, 1]; meant for bounded inputs. Evaluated by Clenshaw's recurrence.
    case chebyshev
    /// Probabilists' Hermite polynomials: He_0 = 1, He_1 = z, He_{p+1} = z He_p - p He_{p-1}.
    /// Orthogonal under the standard normal density; meant for normalised inputs. Clenshaw.
    case hermite

    /// Parses a basis name (case-insensitive).
    public init(named name: String) throws {
        guard let b = PolynomialBasis(rawValue: name.lowercased()) else {
            throw ModelError("unknown polynomial basis '\(name)' (expected one of: "
                             + PolynomialBasis.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        self = b
    }

    /// The matrix M with P_p(z) = sum_q M[p][q] z^q, for p, q = 0...order (integers).
    public func monomialMatrix(order: Int) -> [[Double]] {
        precondition(order >= 0, "polynomial order must be >= 0")
        var m = [[Double]](repeating: [Double](repeating: 0, count: order + 1), count: order + 1)
        for p in 0...order {
            switch self {
            case .monomial:
                m[p][p] = 1
            case .chebyshev, .hermite:
                if p == 0 { m[0][0] = 1; continue }
                if p == 1 { m[1][1] = 1; continue }
                // P_p = a z P_{p-1} - b P_{p-2}.
                let (a, b) = self == .chebyshev ? (2.0, 1.0) : (1.0, Double(p - 1))
                for q in 0...order {
                    let shifted = q >= 1 ? m[p - 1][q - 1] : 0
                    m[p][q] = a * shifted - b * m[p - 2][q]
                }
            }
        }
        return m
    }

    /// The matrix R with z^q = sum_p R[q][p] P_p(z) (the inverse of `monomialMatrix`), built from
    /// z P_0 = P_1 and z P_p = (P_{p+1} + P_{p-1}) / 2 (Chebyshev) or P_{p+1} + p P_{p-1} (Hermite).
    public func basisMatrix(order: Int) -> [[Double]] {
        precondition(order >= 0, "polynomial order must be >= 0")
        var r = [[Double]](repeating: [Double](repeating: 0, count: order + 1), count: order + 1)
        r[0][0] = 1
        guard order >= 1 else { return r }
        for q in 1...order {
            if self == .monomial { r[q][q] = 1; continue }
            // z^q = z * z^{q-1}: multiply each basis term of row q-1 by z.
            for p in 0..<q where r[q - 1][p] != 0 {
                let v = r[q - 1][p]
                if p == 0 { r[q][1] += v; continue }
                switch self {
                case .chebyshev: r[q][p + 1] += v / 2; r[q][p - 1] += v / 2
                case .hermite: r[q][p + 1] += v; r[q][p - 1] += Double(p) * v
                case .monomial: break
                }
            }
        }
        return r
    }

    /// Monomial (Maclaurin) coefficients m_q = sum_p c_p M[p][q] of coefficients `c` in this basis.
    public func monomialCoefficients(_ c: [Double]) -> [Double] {
        guard self != .monomial, !c.isEmpty else { return c }
        let m = monomialMatrix(order: c.count - 1)
        return (0..<c.count).map { q in (q..<c.count).reduce(0.0) { $0 + c[$1] * m[$1][q] } }
    }

    /// Coefficients in this basis of the polynomial with monomial coefficients `m`.
    public func coefficients(fromMonomial m: [Double]) -> [Double] {
        guard self != .monomial, !m.isEmpty else { return m }
        let r = basisMatrix(order: m.count - 1)
        return (0..<m.count).map { p in (p..<m.count).reduce(0.0) { $0 + m[$1] * r[$1][p] } }
    }

    /// Row-wise conversion of a coefficient matrix `[units, order + 1]` to monomial coefficients.
    public func monomialCoefficients<Scalar: TensorScalar>(_ c: Tensor<Scalar>) -> Tensor<Scalar> {
        convertRows(c) { monomialCoefficients($0) }
    }

    /// Row-wise conversion of monomial coefficients `[units, order + 1]` to this basis.
    public func coefficients<Scalar: TensorScalar>(fromMonomial m: Tensor<Scalar>) -> Tensor<Scalar> {
        convertRows(m) { coefficients(fromMonomial: $0) }
    }

    func convertRows<Scalar: TensorScalar>(_ t: Tensor<Scalar>, _ f: ([Double]) -> [Double]) -> Tensor<Scalar> {
        precondition(t.rank == 2, "coefficients must be [units, order + 1], got \(t.shape)")
        let width = t.shape[1]
        let s = t.scalars
        let rows = (0..<t.shape[0]).flatMap { i in f(s[(i * width)..<((i + 1) * width)].map { Double($0) }).map { Scalar($0) } }
        return Tensor(shape: t.shape, scalars: rows)
    }

    /// sum_p c[p] P_p(z), written in primitives (so it is differentiable in every mode).
    ///
    /// `c[p]` broadcasts against `z` (typically shape `[units]` against `[..., units]`). The
    /// monomial basis uses Horner's rule, y = (...(c_n z + c_{n-1}) z + ...) z + c_0; the others
    /// Clenshaw's recurrence b_p = c_p + alpha_p(z) b_{p+1} + beta_{p+1} b_{p+2},
    /// y = c_0 + z b_1 + beta_1 b_2 (Chebyshev: alpha = 2z, beta = -1; Hermite: alpha = z, beta_p = -p).
    public func evaluate<V: TensorAlgebra>(_ z: V, coefficients c: [V]) -> V {
        precondition(!c.isEmpty, "a polynomial needs at least one coefficient")
        let n = c.count - 1
        if n == 0 { return c[0].broadcast(to: Broadcasting.shape(c[0].shape, z.shape) ?? z.shape) }
        switch self {
        case .monomial:
            var y = c[n] * z + c[n - 1]
            for p in stride(from: n - 2, through: 0, by: -1) { y = y * z + c[p] }
            return y
        case .chebyshev, .hermite:
            let twoZ = self == .chebyshev ? z * V.Scalar(2) : z
            func beta(_ p: Int) -> V.Scalar { self == .chebyshev ? -1 : V.Scalar(-p) }
            // b_{p+1}, b_{p+2} while walking p = n ... 1.
            var b1: V? = nil, b2: V? = nil
            for p in stride(from: n, through: 1, by: -1) {
                var b = c[p]
                if let b1 { b = b + twoZ * b1 }
                if let b2 { b = b + b2 * beta(p + 1) }
                b2 = b1; b1 = b
            }
            guard let first = b1 else { return c[0] }
            var y = c[0] + z * first
            if let second = b2 { y = y + second * beta(1) }
            return y
        }
    }
}
