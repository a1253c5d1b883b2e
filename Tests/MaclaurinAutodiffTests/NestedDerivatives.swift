import MaclaurinAutodiff

/// References built only from first-order derivative rules, nested.
///
/// `NestedSeries` evaluates g(t) = f(x(t)) for a polynomial path x(t) = sum_k c_k t^k with K
/// nested order-1 jets: level L carries (g, g') as level-(L-1) values, so the whole nest holds
/// g(0), g'(0), ..., g^(K)(0). The path is lifted exactly (its derivative polynomial is known),
/// so the only rules exercised are the order-1 Taylor rules, each applied at every level.
protocol NestedSeries: TensorAlgebra where Scalar == Double {
    /// The number of nested jet levels (the highest derivative available).
    static var depth: Int { get }
    /// The nested value of t -> sum_k c[k] t^k at t = 0.
    static func lift(polynomial c: [Tensor<Double>]) -> Self
    /// g(0), g'(0), ..., g^(depth)(0).
    static func derivatives(_ y: Self) -> [Tensor<Double>]
}

extension Tensor: NestedSeries where Scalar == Double {
    static var depth: Int { 0 }
    static func lift(polynomial c: [Tensor<Double>]) -> Tensor<Double> { c[0] }
    static func derivatives(_ y: Tensor<Double>) -> [Tensor<Double>] { [y] }
}

extension Jet: NestedSeries where Base: NestedSeries {
    static var depth: Int { Base.depth + 1 }

    static func lift(polynomial c: [Tensor<Double>]) -> Jet<Base> {
        if c.count == 1 { return Jet(constant: c[0]) }       // a constant path stays constant at every level
        // d/dt sum_k c_k t^k = sum_k k c_k t^(k-1).
        let derivative = c.count > 1 ? (1..<c.count).map { c[$0] * Double($0) } : [Tensor<Double>(zeros: c[0].shape)]
        let primal = Base.lift(polynomial: c)
        let tangent = Base.lift(polynomial: derivative)
        return Jet(primal: primal, series: tangent.reshaped(to: [1, 1] + primal.shape), order: 1, directions: 1)
    }

    static func derivatives(_ y: Jet<Base>) -> [Tensor<Double>] {
        // [g(0)] + the derivatives of g' = [g(0), g'(0), ..., g^(depth)(0)].
        guard let s = y.series else { return [y.plain] + Array(repeating: Tensor(zeros: y.shape), count: depth) }
        return [y.plain] + Base.derivatives(s.reshaped(to: y.shape))
    }
}

/// Six nested order-1 jets.
typealias Nested6 = Jet<Jet<Jet<Jet<Jet<Jet<Tensor<Double>>>>>>>

enum NestedReference {
    /// g^(k)(0) / k! for k = 0...6, g(t) = f(x(t)), x_i(t) = sum_k polynomials[i][k] t^k.
    static func taylorCoefficients(_ f: TestFunction, _ polynomials: [[Tensor<Double>]]) -> [Tensor<Double>] {
        let y = f(polynomials.map { Nested6.lift(polynomial: $0) })
        var factorial = 1.0
        return Nested6.derivatives(y).enumerated().map { k, d in
            if k > 0 { factorial *= Double(k) }
            return d / factorial
        }
    }

    /// f^(j)(x) for j = 0...order of an elementwise f, by nested reverse mode: the gradient of
    /// sum(f^(j)(x)) with respect to x is f^(j+1)(x), recorded with `createGraph` each time.
    static func elementwiseDerivatives(_ f: TestFunction, at x: Tensor<Double>, order: Int) -> [Tensor<Double>] {
        let v = Var(variable: x)
        var current = f([v])
        var result = [current.value]
        for _ in 0..<order {
            current = gradients(of: current.sum(), withRespectTo: [v], createGraph: true)[0]
            result.append(current.value)
        }
        return result
    }
}
