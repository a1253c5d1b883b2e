/// How L-BFGS chooses the step length along its search direction.
public enum LineSearch: Sendable, Equatable {
    /// Strong Wolfe conditions f(t) <= f(0) + c1 t f'(0) and |f'(t)| <= c2 |f'(0)|
    /// (Nocedal & Wright, algorithms 3.5 and 3.6, cubic interpolation in the zoom phase).
    case strongWolfe(c1: Double = 1e-4, c2: Double = 0.9)
    /// Backtracking from the initial step until f(t) <= f(0) + c1 t f'(0), shrinking t by `factor`.
    case backtracking(c1: Double = 1e-4, factor: Double = 0.5)
}

/// Limited-memory BFGS on the full batch: the two-loop recursion over the last `memory` pairs
/// s = x_{k+1} - x_k, y = g_{k+1} - g_k (pairs with s.y <= 1e-10 |s||y| are skipped), initial
/// inverse Hessian gamma I with gamma = s.y / y.y, then a line search. The first step has length
/// lr min(1, 1 / |g|_1) (as PyTorch), later steps lr. Work vectors are Double.
public struct LBFGS<Scalar: TensorScalar>: Optimizer {
    /// Scales the initial trial step.
    public var learningRate: Double
    /// Number of (s, y) pairs kept.
    public var memory: Int
    /// How the step length is chosen.
    public var lineSearch: LineSearch
    /// Evaluations allowed per line search.
    public var maximumEvaluations: Int
    /// The step stops early (no move) when the largest gradient entry is below this.
    public var gradientTolerance: Double
    /// Steps taken so far.
    public internal(set) var iteration = 0
    /// Objective evaluations so far.
    public internal(set) var evaluations = 0
    var pairs: [(s: [Double], y: [Double], rho: Double)] = []
    var last: (x: [Double], loss: Double, g: [Double])?

    /// L-BFGS with PyTorch-like defaults (learning rate 1, memory 10) and a strong-Wolfe line search.
    public init(learningRate: Double = 1, memory: Int = 10, lineSearch: LineSearch = .strongWolfe(),
                maximumEvaluations: Int = 25, gradientTolerance: Double = 1e-10) {
        precondition(learningRate > 0 && memory >= 1 && maximumEvaluations >= 1, "L-BFGS: learning rate > 0, memory >= 1")
        self.learningRate = learningRate; self.memory = memory; self.lineSearch = lineSearch
        self.maximumEvaluations = maximumEvaluations; self.gradientTolerance = gradientTolerance
    }

    /// Forgets the curvature pairs (e.g. after the objective changed).
    public mutating func reset() { pairs = []; last = nil }

    /// One iteration: direction by the two-loop recursion, then the line search (several
    /// evaluations of `objective`). Returns the loss at the accepted point (the starting loss
    /// when no step with sufficient decrease was found; the memory is then cleared).
    public mutating func step(_ parameters: inout [Tensor<Scalar>], objective: LossFunction<Scalar>) throws -> Double {
        let shapes = ParameterVector.shapes(of: parameters)
        let x0 = ParameterVector.flatten(parameters).scalars.map(Double.init)
        var (f0, g0): (Double, [Double])
        if let l = last, l.x == x0 { (f0, g0) = (l.loss, l.g) } else {
            let r = try objective(parameters)
            evaluations += 1
            (f0, g0) = (r.loss, Self.flat(r.gradients))
            pairs = []
        }
        iteration += 1
        guard g0.contains(where: { abs($0) > gradientTolerance }) else { last = (x0, f0, g0); return f0 }

        // Two-loop recursion: d = -H g.
        var q = g0
        var alphas = [Double](repeating: 0, count: pairs.count)
        for i in stride(from: pairs.count - 1, through: 0, by: -1) {
            alphas[i] = pairs[i].rho * Self.dot(pairs[i].s, q)
            Self.axpy(-alphas[i], pairs[i].y, &q)
        }
        if let p = pairs.last { let gamma = 1 / (p.rho * Self.dot(p.y, p.y)); for i in q.indices { q[i] *= gamma } }
        for i in pairs.indices {
            let beta = pairs[i].rho * Self.dot(pairs[i].y, q)
            Self.axpy(alphas[i] - beta, pairs[i].s, &q)
        }
        var d = q.map { -$0 }
        var slope = Self.dot(g0, d)
        if !(slope < 0) {                       // not a descent direction: restart with -g
            pairs = []; d = g0.map { -$0 }; slope = Self.dot(g0, d)
        }
        let t0 = pairs.isEmpty && iteration == 1 ? learningRate * min(1, 1 / g0.reduce(0) { $0 + abs($1) }) : learningRate

        var evaluated: [Double: (loss: Double, g: [Double])] = [:]
        var firstError: Error?
        let phi = { (t: Double) -> (Double, Double) in
            if let e = evaluated[t] { return (e.loss, Self.dot(e.g, d)) }
            let x = zip(x0, d).map { $0 + t * $1 }
            do {
                let r = try objective(ParameterVector.unflatten(Tensor(x.map { Scalar($0) }), shapes: shapes))
                let g = Self.flat(r.gradients)
                evaluated[t] = (r.loss, g)
                return (r.loss, Self.dot(g, d))
            } catch {
                firstError = firstError ?? error
                return (.infinity, .infinity)
            }
        }
        let t = LineSearchRoutines.search(lineSearch, phi: phi, f0: f0, slope: slope, initial: t0, budget: maximumEvaluations)
        evaluations += evaluated.count
        // A trial point where the objective failed (e.g. a non-finite loss) counts as +infinity;
        // the error is reported only when no step was accepted.
        guard t > 0, let accepted = evaluated[t] else {
            if let firstError { throw firstError }
            pairs = []; last = (x0, f0, g0); return f0
        }
        let x1 = zip(x0, d).map { $0 + t * $1 }
        parameters = ParameterVector.unflatten(Tensor(x1.map { Scalar($0) }), shapes: shapes)
        let s = d.map { $0 * t }, y = zip(accepted.g, g0).map { $0 - $1 }
        let sy = Self.dot(s, y)
        if sy > 1e-10 * (Self.dot(s, s) * Self.dot(y, y)).squareRoot() {
            pairs.append((s, y, 1 / sy))
            if pairs.count > memory { pairs.removeFirst() }
        }
        // The point actually stored may round differently in Scalar; compare on the stored values.
        last = (ParameterVector.flatten(parameters).scalars.map(Double.init), accepted.loss, accepted.g)
        return accepted.loss
    }

    static func flat(_ g: [Tensor<Scalar>]) -> [Double] { ParameterVector.flatten(g).scalars.map(Double.init) }
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
    static func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) { for i in y.indices { y[i] += a * x[i] } }
}

/// The line searches of `LBFGS`, on phi(t) = f(x + t d) returning (phi(t), phi'(t)).
enum LineSearchRoutines {
    static func search(_ kind: LineSearch, phi: (Double) -> (Double, Double), f0: Double, slope: Double,
                       initial: Double, budget: Int) -> Double {
        switch kind {
        case let .backtracking(c1, factor):
            var t = initial
            for _ in 0..<budget {
                let (f, _) = phi(t)
                if f.isFinite && f <= f0 + c1 * t * slope { return t }
                t *= factor
            }
            return 0
        case let .strongWolfe(c1, c2):
            return strongWolfe(phi: phi, f0: f0, slope: slope, initial: initial, c1: c1, c2: c2, budget: budget)
        }
    }

    /// Nocedal & Wright, algorithm 3.5 (bracketing) and 3.6 (zoom). Returns 0 when no step
    /// with sufficient decrease was found within the budget.
    static func strongWolfe(phi: (Double) -> (Double, Double), f0: Double, slope d0: Double, initial: Double,
                            c1: Double, c2: Double, budget: Int) -> Double {
        var evals = 0
        func eval(_ t: Double) -> (Double, Double) { evals += 1; return phi(t) }
        func armijo(_ t: Double, _ f: Double) -> Bool { f.isFinite && f <= f0 + c1 * t * d0 }

        func zoom(_ lo0: (t: Double, f: Double, d: Double), _ hi0: (t: Double, f: Double, d: Double)) -> Double {
            var (lo, hi) = (lo0, hi0)
            while evals < budget {
                let width = abs(hi.t - lo.t)
                var t = cubicMinimizer(lo, hi) ?? (lo.t + hi.t) / 2
                let (a, b) = (min(lo.t, hi.t), max(lo.t, hi.t))
                if !(t > a + 0.1 * width && t < b - 0.1 * width) { t = (lo.t + hi.t) / 2 }
                let (f, d) = eval(t)
                if !armijo(t, f) || f >= lo.f {
                    hi = (t, f, d)
                } else {
                    if abs(d) <= -c2 * d0 { return t }
                    if d * (hi.t - lo.t) >= 0 { hi = lo }
                    lo = (t, f, d)
                }
                if width < 1e-12 * max(1, abs(lo.t)) { break }
            }
            return lo.t
        }

        var prev = (t: 0.0, f: f0, d: d0)
        var t = initial
        while evals < budget {
            let (f, d) = eval(t)
            if !armijo(t, f) || (evals > 1 && f >= prev.f) { return zoom(prev, (t, f, d)) }
            if abs(d) <= -c2 * d0 { return t }
            if d >= 0 { return zoom((t, f, d), prev) }
            prev = (t, f, d)
            t *= 2
        }
        return prev.t
    }

    /// The minimiser of the cubic through (a.t, a.f, a.d) and (b.t, b.f, b.d), if it exists.
    static func cubicMinimizer(_ a: (t: Double, f: Double, d: Double), _ b: (t: Double, f: Double, d: Double)) -> Double? {
        guard a.f.isFinite && b.f.isFinite && a.d.isFinite && b.d.isFinite && a.t != b.t else { return nil }
        let d1 = a.d + b.d - 3 * (a.f - b.f) / (a.t - b.t)
        let radicand = d1 * d1 - a.d * b.d
        guard radicand >= 0 else { return nil }
        let d2 = (b.t > a.t ? 1.0 : -1.0) * radicand.squareRoot()
        let denominator = b.d - a.d + 2 * d2
        guard denominator != 0 else { return nil }
        let t = b.t - (b.t - a.t) * (b.d + d2 - d1) / denominator
        return t.isFinite ? t : nil
    }
}
