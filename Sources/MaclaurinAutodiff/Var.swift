/// A value recorded on a tape, for reverse mode.
///
/// Like a PyTorch tensor with `requires_grad`: operations on `Var`s whose inputs include a
/// variable record a node (the primitive and its inputs); constants record nothing. The base can
/// be any `TensorAlgebra`, so `Var<Jet<Tensor>>` runs a reverse pass on jets (forward-over-reverse
/// Hessians) and `Jet<Var<Tensor>>` tapes Taylor mode (training on derivatives).
public struct Var<Base: TensorAlgebra>: TensorAlgebra {
    public typealias Scalar = Base.Scalar
    /// The value.
    public let value: Base
    let node: TapeNode<Base>?

    init(value: Base, node: TapeNode<Base>?) { self.value = value; self.node = node }

    /// A constant (never differentiated).
    public init(constant: Tensor<Scalar>) { self.init(value: Base(constant: constant), node: nil) }
    /// A constant wrapping an existing value.
    public init(constantValue: Base) { self.init(value: constantValue, node: nil) }
    /// A variable: gradients can be taken with respect to it.
    public init(variable: Base) { self.init(value: variable, node: TapeNode(primitive: nil, inputs: [], output: variable)) }

    /// True for variables and for values computed from them.
    public var isRecorded: Bool { node != nil }
    public var shape: [Int] { value.shape }
    public var plain: Tensor<Scalar> { value.plain }
    /// The same value, cut from the tape.
    public var detached: Var { Var(constantValue: value) }

    public static func apply(_ primitive: Primitive, _ inputs: [Var]) -> Var {
        let out = Base.apply(primitive, inputs.map(\.value))
        guard inputs.contains(where: { $0.node != nil }) else { return Var(constantValue: out) }
        return Var(value: out, node: TapeNode(primitive: primitive, inputs: inputs, output: out))
    }

    /// Taylor rules on taped values: compose primitives (so they are recorded and differentiable).
    public static func taylorElementwise(_ f: AnalyticFunction, primal x0: Var, series xs: Var,
                                         order: Int, directions: Int) -> (primal: Var, series: Var) {
        if x0.node == nil && xs.node == nil {
            let r = Base.taylorElementwise(f, primal: x0.value, series: xs.value, order: order, directions: directions)
            return (Var(constantValue: r.primal), Var(constantValue: r.series))
        }
        return composedTaylorElementwise(f, primal: x0, series: xs, order: order, directions: directions)
    }

    public static func taylorMultiply(_ a0: Var, _ aSeries: Var, _ b0: Var, _ bSeries: Var,
                                      order: Int, directions: Int) -> (primal: Var, series: Var) {
        if [a0, aSeries, b0, bSeries].allSatisfy({ $0.node == nil }) {
            let r = Base.taylorMultiply(a0.value, aSeries.value, b0.value, bSeries.value, order: order, directions: directions)
            return (Var(constantValue: r.primal), Var(constantValue: r.series))
        }
        return composedTaylorMultiply(a0, aSeries, b0, bSeries, order: order, directions: directions)
    }

    public static func convolutionGradients(_ x: Var, _ w: Var, _ dy: Var, geometry: ConvGeometry,
                                            input: Bool, kernel: Bool) -> (input: Var?, kernel: Var?) {
        if x.node == nil && w.node == nil && dy.node == nil {  // not recorded: the base's kernels
            let r = Base.convolutionGradients(x.value, w.value, dy.value, geometry: geometry, input: input, kernel: kernel)
            return (r.input.map { Var(constantValue: $0) }, r.kernel.map { Var(constantValue: $0) })
        }
        return composedConvolutionGradients(x, w, dy, geometry: geometry, input: input, kernel: kernel)
    }
}

/// One recorded operation. Nodes are numbered in creation order, which is a topological order.
final class TapeNode<Base: TensorAlgebra> {
    let id: Int
    /// nil for a variable (a leaf).
    let primitive: Primitive?
    let inputs: [Var<Base>]
    let output: Base

    init(primitive: Primitive?, inputs: [Var<Base>], output: Base) {
        self.id = TapeClock.next()
        self.primitive = primitive; self.inputs = inputs; self.output = output
    }
}

/// A process-wide counter giving tape nodes their creation order.
enum TapeClock {
    private static let lock = Lock()
    nonisolated(unsafe) private static var counter = 0
    static func next() -> Int { lock.withLock { counter += 1; return counter } }
}
