/// Mixed partial derivatives from univariate Taylor jets and exact interpolation
/// (Griewank, Utke & Walther, "Evaluating higher derivative tensors by forward propagation of
/// univariate Taylor series", Math. Comp. 69, 2000).
///
/// For a direction j (a multi-index with |j| = e, read as a vector), the e-th normalised Taylor
/// coefficient of t -> f(x + t j) is sum over |i| = e of (j^i / i!) d^i f. Taking every j with
/// |j| = e gives a square, invertible system whose solution is every partial of order e.
extension DifferentiableFunction {
    /// Every partial derivative of order 1...`maxOrder` of every output at each point.
    /// - Returns: for each multi-index `i` (i[l] = how many times input l is differentiated), a
    ///   tensor `[B, m]`.
    public func mixedPartials(at x: Tensor<Scalar>, upToOrder maxOrder: Int) -> [[Int]: Tensor<Scalar>] {
        Self.checkPoints(x)
        precondition(maxOrder >= 1, "order must be >= 1")
        let (b, n) = (x.shape[0], x.shape[1])
        var result: [[Int]: Tensor<Scalar>] = [:]
        for e in 1...maxOrder {
            let indices = MultiIndex.all(sum: e, variables: n)
            let d = indices.count
            // Directions [D, B, n]: direction r is the vector indices[r], for every point.
            var v = Tensor<Scalar>(zeros: [d, b, n])
            v.withUnsafeMutablePointer { p in
                for (r, j) in indices.enumerated() { for pt in 0..<b { for l in 0..<n { p[(r * b + pt) * n + l] = Scalar(j[l]) } } }
            }
            let y = self(Jet(primal: x, directions: v, order: e))
            let coefficients = y.coefficient(e).reshaped(to: [d, -1])           // [D, B*m]
            let m = y.shape[1]
            let matrix = indices.map { j in indices.map { i in MultiIndex.power(j, i) / MultiIndex.factorial(i) } }
            let solved = LinearSolve.solve(matrix, coefficients.scalars.map { Double($0) }, columns: b * m)
            for (r, i) in indices.enumerated() {
                result[i] = Tensor(shape: [b, m], scalars: solved[(r * b * m)..<((r + 1) * b * m)].map { Scalar($0) })
            }
        }
        return result
    }
}

/// Multi-index arithmetic.
enum MultiIndex {
    /// All multi-indices of `variables` entries summing to `sum`, in lexicographic order.
    static func all(sum: Int, variables: Int) -> [[Int]] {
        if variables == 1 { return [[sum]] }
        return (0...sum).reversed().flatMap { first in all(sum: sum - first, variables: variables - 1).map { [first] + $0 } }
    }
    /// j^i = prod_l j_l^{i_l}.
    static func power(_ j: [Int], _ i: [Int]) -> Double {
        zip(j, i).reduce(1.0) { acc, p in acc * (0..<p.1).reduce(1.0) { a, _ in a * Double(p.0) } }
    }
    /// i! = prod_l i_l!.
    static func factorial(_ i: [Int]) -> Double {
        i.reduce(1.0) { acc, k in acc * (0..<k).reduce(1.0) { a, t in a * Double(t + 1) } }
    }
}

/// Dense Gaussian elimination with partial pivoting (small systems only).
enum LinearSolve {
    /// Solves A X = B for X, with B given row-major as `rows x columns`.
    static func solve(_ a: [[Double]], _ b: [Double], columns: Int) -> [Double] {
        let n = a.count
        var a = a, b = b
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) } ?? col
            precondition(abs(a[pivot][col]) > 1e-300, "interpolation system is singular")
            if pivot != col {
                a.swapAt(pivot, col)
                for c in 0..<columns { b.swapAt(pivot * columns + c, col * columns + c) }
            }
            for r in (col + 1)..<n where a[r][col] != 0 {
                let f = a[r][col] / a[col][col]
                for c in col..<n { a[r][c] -= f * a[col][c] }
                for c in 0..<columns { b[r * columns + c] -= f * b[col * columns + c] }
            }
        }
        var x = [Double](repeating: 0, count: n * columns)
        for r in stride(from: n - 1, through: 0, by: -1) {
            for c in 0..<columns {
                var s = b[r * columns + c]
                for k in (r + 1)..<n { s -= a[r][k] * x[k * columns + c] }
                x[r * columns + c] = s / a[r][r]
            }
        }
        return x
    }
}
