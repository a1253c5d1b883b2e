/// Where a NaN or infinity first appeared in a model: the answer to "which layer blew up?".
public struct NonFiniteReport: Equatable, CustomStringConvertible, Sendable {
    /// What held the non-finite value.
    public enum Source: Equatable, Sendable {
        /// The model's input batch itself.
        case input
        /// A parameter of the layer (its name, e.g. "c" or "branch0/dense_1/kernel").
        case parameter(String)
        /// The layer's output (its parameters and input were finite).
        case output
    }

    /// The training step the check was made after (as passed by the caller).
    public let step: Int
    /// Index of the layer in the model (-1 for the input).
    public let layerIndex: Int
    /// The layer's name ("input" for the input batch).
    public let layerName: String
    /// The layer's kind ("taylor_expansion", ...).
    public let layerKind: String
    /// Where in the layer the value was found.
    public let source: Source

    public var description: String {
        switch source {
        case .input: return "step \(step): the input batch holds a NaN or infinity"
        case .parameter(let p):
            return "step \(step): parameter '\(p)' of layer '\(layerName)' (\(layerKind)) holds a NaN or infinity"
        case .output:
            return "step \(step): layer '\(layerName)' (\(layerKind)) produced a NaN or infinity from finite inputs and parameters"
        }
    }
}

extension Sequential {
    /// Finds the first layer that holds a non-finite parameter or produces a non-finite output.
    ///
    /// Layers are visited in order; for each, its parameters are checked first, then its output
    /// on `input` (run layer by layer on plain tensors). Returns nil when everything is finite.
    /// Meant for the training loop: call it with the batch of the step whose loss was not finite.
    /// - Parameters:
    ///   - input: a batch `[batch] + inputShape` (or rows `[batch, prod(inputShape)]`).
    ///   - step: the step number to report.
    ///   - context: the forward context (inference by default, so dropout is off).
    public func firstNonFinite(input: Tensor<Scalar>, step: Int,
                               context: ForwardContext = .inference) -> NonFiniteReport? {
        var h = input
        if inputShape.count > 1 && h.rank == 2 && h.shape[1] == inputShape.reduce(1, *) {
            h = h.reshaped(to: [h.shape[0]] + inputShape)
        }
        guard h.isFinite else {
            return NonFiniteReport(step: step, layerIndex: -1, layerName: "input", layerKind: "input", source: .input)
        }
        for (i, layer) in layers.enumerated() {
            let parameters = layer.parameters
            for (name, p) in zip(layer.parameterNames, parameters) where !p.isFinite {
                return NonFiniteReport(step: step, layerIndex: i, layerName: layer.name, layerKind: layer.kind,
                                       source: .parameter(name))
            }
            h = layer.forward(h, parameters: parameters, context: context)
            if !h.isFinite {
                return NonFiniteReport(step: step, layerIndex: i, layerName: layer.name, layerKind: layer.kind, source: .output)
            }
        }
        return nil
    }

    /// True when every parameter is finite (cheap; no forward pass).
    public var parametersAreFinite: Bool { parameters.allSatisfy(\.isFinite) }
}
