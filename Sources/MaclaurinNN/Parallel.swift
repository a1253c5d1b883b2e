/// Branches applied to the same input and summed: y = f_1(x) + f_2(x) + ..., each f_b a stack of
/// layers applied in order. An empty branch is the identity, so `Parallel.residual([...])` is a
/// residual block y = x + f(x).
///
/// Every branch must produce the same shape. Parameters are those of the branch layers in order,
/// named "branch<b>/<layer>/<parameter>" (b from 0).
public struct Parallel<Scalar: TensorScalar>: Layer {
    public var name: String
    /// The branches, each a stack of layers (with unique names within this layer).
    public private(set) var branches: [[any Layer<Scalar>]]
    public var kind: String { "parallel" }

    /// Branches summed; unnamed layers get names unique within this layer ("dense_1", ...).
    public init(branches: [[any Layer<Scalar>]], name: String = "") {
        precondition(!branches.isEmpty, "parallel: needs at least one branch")
        self.name = name
        self.branches = []
        for branch in branches { addBranch(branch) }
    }

    /// A residual block: y = x + f(x), with f the given stack.
    public static func residual(_ layers: [any Layer<Scalar>], name: String = "") -> Parallel {
        Parallel(branches: [[], layers], name: name)
    }

    /// Adds one more summed branch (unnamed layers are named uniquely within this layer).
    public mutating func addBranch(_ layers: [any Layer<Scalar>]) {
        var used = Set(branches.joined().map(\.name))
        var named: [any Layer<Scalar>] = []
        for var layer in layers {
            if layer.name.isEmpty { layer.name = LayerNaming.uniqueName(kind: layer.kind, avoiding: used) }
            precondition(used.insert(layer.name).inserted, "parallel '\(name)': two layers are named '\(layer.name)'")
            named.append(layer)
        }
        branches.append(named)
    }

    public var parameters: [Tensor<Scalar>] {
        get { branches.joined().flatMap { $0.parameters } }
        set {
            precondition(newValue.count == parameters.count, "parallel '\(name)': expected \(parameters.count) parameter tensors")
            var offset = 0
            for b in branches.indices {
                for l in branches[b].indices {
                    let n = branches[b][l].parameters.count
                    branches[b][l].parameters = Array(newValue[offset..<(offset + n)])
                    offset += n
                }
            }
        }
    }

    public var parameterNames: [String] {
        branches.enumerated().flatMap { b, layers in
            layers.flatMap { layer in layer.parameterNames.map { "branch\(b)/\(layer.name)/\($0)" } }
        }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        var result: [Int]?
        for (b, layers) in branches.enumerated() {
            let shape = try layers.reduce(inputShape) { try $1.outputShape(for: $0) }
            if let r = result, r != shape {
                throw ModelError("layer '\(name)' (parallel): branch \(b) gives shape \(shape) but branch 0 gives \(r)")
            }
            result = shape
        }
        return result ?? inputShape
    }

    public func forward<V: TensorAlgebra>(_ x: V, parameters p: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        var offset = 0
        var sum: V?
        for layers in branches {
            var h = x
            for layer in layers {
                let n = layer.parameters.count
                h = layer.forward(h, parameters: Array(p[offset..<(offset + n)]), context: context)
                offset += n
            }
            sum = sum.map { $0 + h } ?? h
        }
        return sum ?? x
    }

    /// The branches as arrays of layer descriptions (type, name, configuration; the weights are
    /// stored under this layer's parameter names).
    public var configuration: [String: ModelValue] {
        ["branches": .array(branches.map { layers in
            .array(layers.map { layer in
                var spec = layer.configuration
                spec["type"] = .string(layer.kind)
                spec["name"] = .string(layer.name)
                return .object(spec)
            })
        })]
    }
}

/// Default layer names: the kind and a counter ("conv2d_1", "dense_2", ...).
enum LayerNaming {
    /// The first "<kind>_<k>" (k = 1, 2, ...) not in `used`.
    static func uniqueName(kind: String, avoiding used: Set<String>) -> String {
        var k = 1
        while used.contains("\(kind)_\(k)") { k += 1 }
        return "\(kind)_\(k)"
    }
}
