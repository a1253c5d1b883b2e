/// Max pooling over windows of NHWC images (no padding), as Keras's `MaxPooling2D`:
/// y[n, i, j, c] = max_{u < ph, v < pw} x[n, i*sh + u, j*sw + v, c].
///
/// The position of each maximum is found on the plain value (it is not differentiated) and the
/// values are then picked with the `gather` primitive, so the derivative of every order is the
/// derivative of the chosen element: exact everywhere except at ties.
public struct MaxPool2D<Scalar: TensorScalar>: Layer {
    public var name: String
    /// The window `(height, width)`.
    public var poolSize: (height: Int, width: Int)
    /// The window step `(height, width)`; Keras's default is the pool size.
    public var strides: (height: Int, width: Int)
    public var kind: String { "max_pooling2d" }

    /// - Parameters:
    ///   - poolSize: the window `(height, width)`.
    ///   - strides: the step; nil means the pool size (non-overlapping windows).
    public init(poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, name: String = "") {
        let s = strides ?? poolSize
        precondition(poolSize.0 > 0 && poolSize.1 > 0 && s.0 > 0 && s.1 > 0, "max_pooling2d: sizes must be positive")
        self.poolSize = (poolSize.0, poolSize.1); self.strides = (s.0, s.1); self.name = name
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try PoolingShape.output(inputShape, pool: poolSize, strides: strides, layer: name, kind: kind)
    }

    public func forward<V: TensorAlgebra>(_ x: V, parameters: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        precondition(x.rank == 4, "max_pooling2d '\(name)': input must be NHWC, got \(x.shape)")
        let g = ConvGeometry(input: x.shape, kernel: poolSize.height, poolSize.width,
                             strides: strides.height, strides.width)
        let pooled = x.plain.maxPool(g)
        // On plain tensors the pooled values are the answer; elsewhere pick them differentiably.
        if V.self == Tensor<Scalar>.self { return V(constant: pooled.values) }
        let index = GatherIndex(indices: pooled.indices, sourceShape: x.shape,
                                resultShape: g.outputShape(channels: g.channels))
        return x.gathering(index)
    }

    public var configuration: [String: ModelValue] {
        ["pool_size": .array([.int(poolSize.height), .int(poolSize.width)]),
         "strides": .array([.int(strides.height), .int(strides.width)])]
    }
}

/// Shape rules shared by the pooling layers.
enum PoolingShape {
    static func output(_ inputShape: [Int], pool: (height: Int, width: Int), strides: (height: Int, width: Int),
                       layer: String, kind: String) throws -> [Int] {
        guard inputShape.count == 3 else {
            throw ModelError("layer '\(layer)' (\(kind)) expects images [height, width, channels], got shape \(inputShape)")
        }
        guard let h = Padding.valid.outputExtent(input: inputShape[0], window: pool.height, stride: strides.height),
              let w = Padding.valid.outputExtent(input: inputShape[1], window: pool.width, stride: strides.width) else {
            throw ModelError("layer '\(layer)' (\(kind)): a \(pool.height)x\(pool.width) window does not fit "
                             + "an input of \(inputShape[0])x\(inputShape[1])")
        }
        return [h, w, inputShape[2]]
    }
}
