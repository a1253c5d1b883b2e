/// A stack of layers applied in order; the model type of Maclaurin.
///
/// A `Sequential` is a `DifferentiableFunction`: `valueAndJacobian`, `hessian`, `laplacian`,
/// `directionalDerivatives` and `mixedPartials` work on it directly (inference mode).
public struct Sequential<Scalar: TensorScalar>: DifferentiableFunction {
    /// Input shape without the batch axis.
    public let inputShape: [Int]
    public var layers: [any Layer<Scalar>]

    /// Checks that consecutive shapes fit and gives unnamed layers unique names (`dense_1`, ...).
    public init(inputShape: [Int], layers: [any Layer<Scalar>]) throws {
        self.inputShape = inputShape
        var named: [any Layer<Scalar>] = []
        var counts: [String: Int] = [:], used = Set<String>()
        var shape = inputShape
        for var layer in layers {
            if layer.name.isEmpty {
                repeat {
                    counts[layer.kind, default: 0] += 1
                    layer.name = "\(layer.kind)_\(counts[layer.kind, default: 1])"
                } while used.contains(layer.name)
            }
            guard used.insert(layer.name).inserted else { throw ModelError("two layers are named '\(layer.name)'") }
            shape = try layer.outputShape(for: shape)
            named.append(layer)
        }
        self.layers = named
    }

    /// Output shape without the batch axis.
    public var outputShape: [Int] {
        // Shapes were validated at construction.
        layers.reduce(inputShape) { shape, layer in (try? layer.outputShape(for: shape)) ?? shape }
    }

    /// All parameters, layer by layer.
    public var parameters: [Tensor<Scalar>] {
        get { layers.flatMap { $0.parameters } }
        set {
            precondition(newValue.count == parameters.count, "expected \(parameters.count) parameter tensors")
            var offset = 0
            for i in layers.indices {
                let n = layers[i].parameters.count
                layers[i].parameters = Array(newValue[offset..<(offset + n)])
                offset += n
            }
        }
    }

    /// "layer/parameter" names, same order as `parameters`.
    public var parameterNames: [String] { layers.flatMap { l in l.parameterNames.map { "\(l.name)/\($0)" } } }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// The forward pass with all parameters lifted into `V` (same order as `parameters`).
    public func forward<V: TensorAlgebra>(_ x: V, parameters: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        var h = x, offset = 0
        for layer in layers {
            let n = layer.parameters.count
            h = layer.forward(h, parameters: Array(parameters[offset..<(offset + n)]), context: context)
            offset += n
        }
        return h
    }

    /// Appends a layer (named "<kind>_<k>" if unnamed), checking that it fits the current output.
    public mutating func add(_ layer: any Layer<Scalar>) throws {
        var layer = layer
        let used = Set(layers.map(\.name))
        if layer.name.isEmpty { layer.name = LayerNaming.uniqueName(kind: layer.kind, avoiding: used) }
        guard !used.contains(layer.name) else { throw ModelError("two layers are named '\(layer.name)'") }
        _ = try layer.outputShape(for: outputShape)
        layers.append(layer)
    }

    /// Inference: parameters as constants, dropout off.
    ///
    /// Image models also accept points as rows, `[batch, h*w*c]` for input shape `[h, w, c]`
    /// (reshaped to `[batch, h, w, c]`), so `valueAndJacobian`, `hessian` and the other
    /// `DifferentiableFunction` methods work on them; outputs of rank > 2 are flattened per row.
    public func callAsFunction<V: TensorAlgebra>(_ x: V) -> V where V.Scalar == Scalar {
        var input = x
        if inputShape.count > 1 && x.rank == 2 && x.shape[1] == inputShape.reduce(1, *) {
            input = x.reshaped(to: [x.shape[0]] + inputShape)
        }
        let y = forward(input, parameters: parameters.map { V(constant: $0) }, context: .inference)
        return input.rank != x.rank && y.rank > 2 ? y.reshaped(to: [y.shape[0], -1]) : y
    }
}
