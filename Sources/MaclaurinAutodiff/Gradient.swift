/// Reverse-mode differentiation over the tape.
///
/// - Parameters:
///   - y: the output; the seed cotangent defaults to ones of its shape (so a non-scalar `y`
///     gives the gradient of `sum(y)`, which for independent batch rows is the per-row gradient).
///   - xs: the variables to differentiate with respect to.
///   - seed: the output cotangent.
///   - createGraph: when true the pullbacks are themselves recorded, so the returned gradients
///     can be differentiated again; otherwise they are constants and the work is done on plain values.
/// - Returns: d<seed, y>/dx for each x (zeros where y does not depend on x).
public func gradients<Base: TensorAlgebra>(of y: Var<Base>, withRespectTo xs: [Var<Base>], seed: Base? = nil,
                                           createGraph: Bool = false) -> [Var<Base>] {
    let zerosLike = { (x: Var<Base>) in Var<Base>(constant: Tensor(zeros: x.shape)) }
    guard let root = y.node else { return xs.map(zerosLike) }

    // Nodes reachable from the output, in decreasing creation order (reverse topological).
    var seen = Set<ObjectIdentifier>(), stack = [root], nodes: [TapeNode<Base>] = []
    while let n = stack.popLast() {
        guard seen.insert(ObjectIdentifier(n)).inserted else { continue }
        nodes.append(n)
        for input in n.inputs { if let m = input.node { stack.append(m) } }
    }
    nodes.sort { $0.id > $1.id }

    // Only nodes that lie on a path to a requested variable need cotangents.
    let targets = Set(xs.compactMap { $0.node.map(ObjectIdentifier.init) })
    var relevant = Set<ObjectIdentifier>()
    for n in nodes.reversed() {
        let id = ObjectIdentifier(n)
        if targets.contains(id) || n.inputs.contains(where: { $0.node.map { relevant.contains(ObjectIdentifier($0)) } ?? false }) {
            relevant.insert(id)
        }
    }

    func lift(_ v: Var<Base>) -> Var<Base> { createGraph ? v : v.detached }
    var cotangent: [ObjectIdentifier: Var<Base>] = [
        ObjectIdentifier(root): Var(constantValue: seed ?? Base(constant: Tensor(ones: y.shape))),
    ]
    for n in nodes {
        let id = ObjectIdentifier(n)
        guard let primitive = n.primitive, relevant.contains(id), let g = cotangent.removeValue(forKey: id) else {
            continue
        }
        if targets.contains(id) { cotangent[id] = g }
        let needed = n.inputs.map { $0.node.map { relevant.contains(ObjectIdentifier($0)) } ?? false }
        let output = createGraph ? Var(value: n.output, node: n) : Var(constantValue: n.output)
        let grads = PullbackRules.pullback(primitive, inputs: n.inputs.map(lift), output: output,
                                           cotangent: g, needed: needed)
        for (input, grad) in zip(n.inputs, grads) {
            guard let m = input.node, let grad else { continue }
            let key = ObjectIdentifier(m)
            cotangent[key] = cotangent[key].map { $0 + grad } ?? grad
        }
    }
    return xs.map { x in x.node.flatMap { cotangent[ObjectIdentifier($0)] } ?? zerosLike(x) }
}

/// The gradient of a scalar-valued function at `x`, with its value (plain reverse mode).
public func valueWithGradient<Base: TensorAlgebra>(at x: Base, of f: (Var<Base>) -> Var<Base>) -> (value: Base, gradient: Base) {
    let v = Var(variable: x)
    let y = f(v)
    return (y.value, gradients(of: y, withRespectTo: [v])[0].value)
}
