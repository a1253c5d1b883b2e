/// Average pooling over windows of NHWC images (no padding), as Keras's `AveragePooling2D`:
/// y[n, i, j, c] = (1 / (ph pw)) sum_{u < ph, v < pw} x[n, i*sh + u, j*sw + v, c].
///
/// A linear primitive (`avgPool`), so every derivative mode passes through it exactly.
public struct AvgPool2D<Scalar: TensorScalar>: Layer {
    public var name: String
    /// The window `(height, width)`.
    public var poolSize: (height: Int, width: Int)
    /// The window step `(height, width)`; Keras's default is the pool size.
    public var strides: (height: Int, width: Int)
    public var kind: String { "average_pooling2d" }

    /// - Parameters:
    ///   - poolSize: the window `(height, width)`.
    ///   - strides: the step; nil means the pool size (non-overlapping windows).
    public init(poolSize: (Int, Int) = (2, 2), strides: (Int, Int)? = nil, name: String = "") {
        let s = strides ?? poolSize
        precondition(poolSize.0 > 0 && poolSize.1 > 0 && s.0 > 0 && s.1 > 0, "average_pooling2d: sizes must be positive")
        self.poolSize = (poolSize.0, poolSize.1); self.strides = (s.0, s.1); self.name = name
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try PoolingShape.output(inputShape, pool: poolSize, strides: strides, layer: name, kind: kind)
    }

    public func forward<V: TensorAlgebra>(_ x: V, parameters: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        precondition(x.rank == 4, "average_pooling2d '\(name)': input must be NHWC, got \(x.shape)")
        let g = ConvGeometry(input: x.shape, kernel: poolSize.height, poolSize.width,
                             strides: strides.height, strides.width)
        return V.apply(.avgPool(g), [x])
    }

    public var configuration: [String: ModelValue] {
        ["pool_size": .array([.int(poolSize.height), .int(poolSize.width)]),
         "strides": .array([.int(strides.height), .int(strides.width)])]
    }
}
