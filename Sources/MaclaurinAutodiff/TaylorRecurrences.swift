/// The composed (primitive-only) Taylor recurrences: the default for every `TensorAlgebra` other
/// than plain tensors, so that on a tape they are differentiated like any other computation.
///
/// Coefficients are normalised (k-th derivative / k!). With the primal shared by D directions,
/// coefficient 0 has the primal's shape and coefficients 1...K have shape `[D] + shape`; products
/// broadcast coefficient 0 over the directions. Recurrences from the ODEs (Griewank & Walther,
/// "Evaluating Derivatives", 2nd ed., ch. 13), each O(K^2):
/// - exp:  y' = y x'             y_k = (1/k) sum_{j=1..k} j x_j y_{k-j}
/// - log:  x y' = x'             y_k = (x_k - (1/k) sum_{j=1..k-1} j y_j x_{k-j}) / x_0
/// - tanh: y' = (1 - y^2) x'     carried with z = 1 - y^2
/// - sigmoid: y' = y (1 - y) x'  carried with z = y - y^2
/// - sin, cos: s' = c x', c' = -s x'
/// - softplus: y' = sigmoid(x) x'
/// - sqrt: y^2 = x               y_k = (x_k - sum_{j=1..k-1} y_j y_{k-j}) / (2 y_0)
/// - reciprocal: x y = 1         y_k = -(sum_{j=1..k} x_j y_{k-j}) / x_0
extension TensorAlgebra {
    public static func taylorElementwise(_ f: AnalyticFunction, primal x0: Self, series xs: Self,
                                         order: Int, directions: Int) -> (primal: Self, series: Self) {
        composedTaylorElementwise(f, primal: x0, series: xs, order: order, directions: directions)
    }

    public static func taylorMultiply(_ a0: Self, _ aSeries: Self, _ b0: Self, _ bSeries: Self,
                                      order: Int, directions: Int) -> (primal: Self, series: Self) {
        composedTaylorMultiply(a0, aSeries, b0, bSeries, order: order, directions: directions)
    }

    /// The recurrences above, in primitives.
    public static func composedTaylorElementwise(_ f: AnalyticFunction, primal x0: Self, series xs: Self,
                                                 order: Int, directions: Int) -> (primal: Self, series: Self) {
        let x = coefficients(x0, xs, order: order, directions: directions)
        /// sum_{j=1..k} j x_j w_{k-j} / k: the coefficient k of y when y' = w x'.
        func integral(_ w: [Self], _ k: Int) -> Self {
            sumOf((1...k).map { j in x[j] * w[k - j] * Scalar(j) }) / Scalar(k)
        }
        var y: [Self]
        switch f {
        case .exp:
            y = [x0.exp()]
            for k in 1...order { y.append(integral(y, k)) }
        case .tanh, .sigmoid:
            // y' = z x' with z = 1 - y^2 (tanh) or z = y - y^2 (sigmoid).
            y = [f == .tanh ? x0.tanh() : x0.sigmoid()]
            var z: [Self] = []
            for k in 1...order {
                let square = cauchy(y, y, k - 1)
                z.append(f == .tanh ? (k == 1 ? 1 - square : -square) : y[k - 1] - square)
                y.append(integral(z, k))
            }
        case .sin, .cos:
            var s = [x0.sin()], c = [x0.cos()]
            for k in 1...order {
                let ds = integral(c, k), dc = -integral(s, k)
                s.append(ds); c.append(dc)
            }
            y = f == .sin ? s : c
        case .softplus:
            let sig = composedTaylorElementwise(.sigmoid, primal: x0, series: xs, order: order, directions: directions)
            let w = coefficients(sig.primal, sig.series, order: order, directions: directions)
            y = [x0.softplus()] + (1...order).map { integral(w, $0) }
        case .log:
            y = [x0.log()]
            for k in 1...order {
                let inner = (1..<k).map { j in y[j] * x[k - j] * Scalar(j) }
                let num = inner.isEmpty ? x[k] : x[k] - sumOf(inner) / Scalar(k)
                y.append(num / x0)
            }
        case .sqrt:
            y = [x0.sqrt()]
            for k in 1...order {
                let inner = (1..<k).map { j in y[j] * y[k - j] }
                y.append((inner.isEmpty ? x[k] : x[k] - sumOf(inner)) / (y[0] * Scalar(2)))
            }
        case .reciprocal:
            let r0 = Self(constant: Tensor(1)) / x0
            y = [r0]
            for k in 1...order { y.append(-sumOf((1...k).map { j in x[j] * y[k - j] }) * r0) }
        }
        return (y[0], stackSeries(Array(y[1...]), primalShape: x0.shape, directions: directions))
    }

    /// The Cauchy product in primitives.
    public static func composedTaylorMultiply(_ a0: Self, _ aSeries: Self, _ b0: Self, _ bSeries: Self,
                                              order: Int, directions: Int) -> (primal: Self, series: Self) {
        let a = coefficients(a0, aSeries, order: order, directions: directions)
        let b = coefficients(b0, bSeries, order: order, directions: directions)
        let y = (0...order).map { cauchy(a, b, $0) }
        return (y[0], stackSeries(Array(y[1...]), primalShape: a0.shape, directions: directions))
    }

    /// Splits a jet into coefficient 0 (primal shape) and 1...K (`[D] + shape` each).
    static func coefficients(_ x0: Self, _ xs: Self, order: Int, directions: Int) -> [Self] {
        if order == 1 { return [x0, xs.reshaped(to: [directions] + x0.shape)] }
        return [x0] + (0..<order).map { xs.slice(axis: 0, $0..<($0 + 1)).reshaped(to: [directions] + x0.shape) }
    }

    /// Stacks coefficients 1...K back into one series tensor `[K, D] + shape`.
    static func stackSeries(_ ys: [Self], primalShape: [Int], directions: Int) -> Self {
        let parts = ys.map { $0.broadcast(to: [directions] + primalShape).reshaped(to: [1, directions] + primalShape) }
        return concatenate(parts, axis: 0)
    }

    /// sum_{j=0..k} a_j b_{k-j}.
    static func cauchy(_ a: [Self], _ b: [Self], _ k: Int) -> Self {
        sumOf((0...k).map { a[$0] * b[k - $0] })
    }

    /// The sum of a non-empty list of terms.
    static func sumOf(_ terms: [Self]) -> Self {
        precondition(!terms.isEmpty, "sum of no terms")
        return terms.dropFirst().reduce(terms[0], +)
    }
}
