/// Whether a sliding window may hang over the border of its input.
public enum Padding: String, CaseIterable, Sendable {
    /// Zero padding so that `out = ceil(in / stride)` (Keras "same"; extra padding goes after).
    case same
    /// Windows lie inside the input: `out = floor((in - window) / stride) + 1`.
    case valid

    /// Parses "same" or "valid" (case-insensitive).
    public init(named name: String) throws {
        guard let p = Padding(rawValue: name.lowercased()) else {
            throw ModelError("unknown padding '\(name)' (expected \"same\" or \"valid\")")
        }
        self = p
    }

    /// The output extent of one spatial axis, or nil when the window does not fit.
    public func outputExtent(input: Int, window: Int, stride: Int) -> Int? {
        guard input > 0, window > 0, stride > 0 else { return nil }
        switch self {
        case .same: return (input + stride - 1) / stride
        case .valid: return input >= window ? (input - window) / stride + 1 : nil
        }
    }
}

/// A 2-D convolution on NHWC images, as Keras's `Conv2D`:
/// y[n, i, j, f] = activation(sum_{u, v, c} x[n, i*sh + u - pt, j*sw + v - pl, c] kernel[u, v, c, f] + bias[f]).
///
/// Computed as `im2col` (a primitive) followed by one matrix product with the kernel viewed as
/// `[KH*KW*C, F]`, so it runs on plain tensors, on the tape and on Taylor jets alike (on a jet all
/// coefficients go through the same GEMM). On plain tensors (inference) the same product runs
/// over chunks of images with bias and activation fused around it (see `FusedLinear`).
public struct Conv2D<Scalar: TensorScalar>: Layer {
    public var name: String
    /// `[kernelHeight, kernelWidth, inputChannels, filters]`.
    public var kernel: Tensor<Scalar>
    /// `[filters]`, or nil for a layer without bias.
    public var bias: Tensor<Scalar>?
    /// Vertical and horizontal step of the window.
    public var strides: (height: Int, width: Int)
    /// `.same` or `.valid`.
    public var padding: Padding
    /// Applied after the bias.
    public var activation: Activation
    public var kind: String { "conv2d" }

    /// A layer with Glorot-uniform kernel (fan_in = KH*KW*C, fan_out = KH*KW*F) and zero bias,
    /// the Keras defaults.
    /// - Parameters:
    ///   - inputChannels: C, the channel count of the input images.
    ///   - filters: F, the number of output channels.
    ///   - kernelSize: the window `(height, width)`.
    ///   - strides: the window step `(height, width)`.
    ///   - padding: `.same` or `.valid`.
    ///   - useBias: whether to add a per-filter bias.
    public init(inputChannels: Int, filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1),
                padding: Padding = .valid, activation: Activation = .linear, useBias: Bool = true,
                name: String = "", generator: inout SeededGenerator) {
        precondition(inputChannels > 0 && filters > 0 && kernelSize.0 > 0 && kernelSize.1 > 0,
                     "conv2d: channels, filters and kernel size must be positive")
        let window = kernelSize.0 * kernelSize.1
        let kernel = Tensor<Scalar>(glorotUniform: [kernelSize.0, kernelSize.1, inputChannels, filters],
                                    fanIn: window * inputChannels, fanOut: window * filters, generator: &generator)
        self.init(kernel: kernel, bias: useBias ? Tensor(zeros: [filters]) : nil, strides: strides,
                  padding: padding, activation: activation, name: name)
    }

    /// A layer with the given weights (`kernel` `[KH, KW, C, F]`, `bias` `[F]` or nil).
    public init(kernel: Tensor<Scalar>, bias: Tensor<Scalar>?, strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                activation: Activation = .linear, name: String = "") {
        precondition(kernel.rank == 4, "conv2d: the kernel must be [KH, KW, C, F], got \(kernel.shape)")
        precondition(bias.map { $0.shape == [kernel.shape[3]] } ?? true,
                     "conv2d: bias \(bias?.shape ?? []) does not fit \(kernel.shape[3]) filters")
        precondition(strides.0 > 0 && strides.1 > 0, "conv2d: strides must be positive")
        self.kernel = kernel; self.bias = bias; self.strides = (strides.0, strides.1)
        self.padding = padding; self.activation = activation; self.name = name
    }

    /// F, the number of output channels.
    public var filters: Int { kernel.shape[3] }
    /// C, the channel count of the input.
    public var inputChannels: Int { kernel.shape[2] }
    /// The window `(height, width)`.
    public var kernelSize: (height: Int, width: Int) { (kernel.shape[0], kernel.shape[1]) }
    /// Whether a per-filter bias is added.
    public var useBias: Bool { bias != nil }

    public var parameters: [Tensor<Scalar>] {
        get { bias.map { [kernel, $0] } ?? [kernel] }
        set {
            precondition(newValue.count == (useBias ? 2 : 1) && newValue[0].shape == kernel.shape
                         && (newValue.count == 1 || newValue[1].shape == [filters]),
                         "conv2d '\(name)': parameters must be kernel \(kernel.shape)" + (useBias ? " and bias [\(filters)]" : ""))
            kernel = newValue[0]
            if newValue.count == 2 { bias = newValue[1] }
        }
    }
    public var parameterNames: [String] { useBias ? ["kernel", "bias"] : ["kernel"] }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 3 else {
            throw ModelError("layer '\(name)' (conv2d) expects images [height, width, channels], got shape \(inputShape)")
        }
        guard inputShape[2] == inputChannels else {
            throw ModelError("layer '\(name)' (conv2d) expects \(inputChannels) channels, got shape \(inputShape)")
        }
        guard let h = padding.outputExtent(input: inputShape[0], window: kernelSize.height, stride: strides.height),
              let w = padding.outputExtent(input: inputShape[1], window: kernelSize.width, stride: strides.width) else {
            throw ModelError("layer '\(name)' (conv2d): a \(kernelSize.height)x\(kernelSize.width) window does not fit "
                             + "an input of \(inputShape[0])x\(inputShape[1]) with \(padding.rawValue) padding")
        }
        return [h, w, filters]
    }

    /// The window geometry for an NHWC input shape.
    public func geometry(for inputShape: [Int]) -> ConvGeometry {
        ConvGeometry(input: inputShape, kernel: kernelSize.height, kernelSize.width,
                     strides: strides.height, strides.width, same: padding == .same)
    }

    public func forward<V: TensorAlgebra>(_ x: V, parameters p: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        precondition(x.rank == 4 && x.shape[3] == inputChannels,
                     "conv2d '\(name)': input must be [batch, height, width, \(inputChannels)], got \(x.shape)")
        let g = geometry(for: x.shape)
        let (kh, kw) = kernelSize
        let outputShape = g.outputShape(channels: filters)
        if V.self == Tensor<Scalar>.self {
            // Inference on plain tensors: chunked im2col, bias and activation fused around the GEMM.
            let kernel = p[0].plain.reshaped(to: [kh * kw * inputChannels, filters]), bias = p.count == 2 ? p[1].plain : nil
            let y = kh == 1 && kw == 1 && strides == (1, 1)
                ? FusedLinear.forward(x.plain.reshaped(to: [-1, inputChannels]), kernel, bias: bias, activation: activation)
                : FusedLinear.convolve(x.plain, kernel: kernel, bias: bias, geometry: g, activation: activation)
            return V(constant: y.reshaped(to: outputShape))
        }
        // A 1x1 window with unit stride needs no im2col: the image already is the column matrix.
        // Other windows: the conv2d primitive (im2col(x) . kernel without the batch's columns).
        let kernel = p[0].reshaped(to: [kh * kw * inputChannels, filters])
        var y = kh == 1 && kw == 1 && strides == (1, 1)
            ? x.reshaped(to: [-1, inputChannels]).matmul(kernel)
            : V.apply(.conv2d(g), [x, kernel])
        if p.count == 2 { y = y + p[1] }
        return activation(y.reshaped(to: outputShape))
    }

    public var configuration: [String: ModelValue] {
        ["filters": .int(filters), "kernel_size": .array([.int(kernelSize.height), .int(kernelSize.width)]),
         "strides": .array([.int(strides.height), .int(strides.width)]), "padding": .string(padding.rawValue),
         "activation": .string(activation.rawValue), "use_bias": .bool(useBias)]
    }
}
