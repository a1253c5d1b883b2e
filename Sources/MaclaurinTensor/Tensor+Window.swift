extension Tensor {
    /// im2col: NHWC input -> `[N*OH*OW, KH*KW*C]` window matrix (zero padded).
    public func im2col(_ g: ConvGeometry) -> Tensor {
        precondition(shape == g.inputShape, "im2col: input \(shape) does not match geometry \(g.inputShape)")
        var y = Tensor(uninitializedShape: g.columnsShape)
        withUnsafePointer { x in y.withUnsafeMutablePointer { Scalar._im2col(x, g, $0) } }
        return y
    }

    /// col2im: the adjoint of `im2col`, summing window entries back into an NHWC tensor.
    public func col2im(_ g: ConvGeometry) -> Tensor {
        precondition(shape == g.columnsShape, "col2im: columns \(shape) do not match geometry \(g.columnsShape)")
        var y = Tensor(uninitializedShape: g.inputShape)
        withUnsafePointer { x in y.withUnsafeMutablePointer { Scalar._col2im(x, g, $0) } }
        return y
    }

    /// Max pooling (no padding): values and the flat input index of each chosen element.
    public func maxPool(_ g: ConvGeometry) -> (values: Tensor, indices: [Int64]) {
        precondition(shape == g.inputShape, "maxPool: input \(shape) does not match geometry \(g.inputShape)")
        let outShape = g.outputShape(channels: g.channels)
        var y = Tensor(uninitializedShape: outShape)
        var idx = [Int64](repeating: 0, count: y.count)
        withUnsafePointer { x in y.withUnsafeMutablePointer { yp in idx.withUnsafeMutableBufferPointer {
            if let idx = $0.baseAddress { Scalar._maxPool(x, g, yp, idx) }
        } } }
        return (y, idx)
    }

    /// Average pooling (no padding).
    public func avgPool(_ g: ConvGeometry) -> Tensor {
        precondition(shape == g.inputShape, "avgPool: input \(shape) does not match geometry \(g.inputShape)")
        var y = Tensor(uninitializedShape: g.outputShape(channels: g.channels))
        withUnsafePointer { x in y.withUnsafeMutablePointer { Scalar._avgPool(x, g, $0) } }
        return y
    }

    /// The adjoint of `avgPool`.
    public func avgPoolBackward(_ g: ConvGeometry) -> Tensor {
        precondition(shape == g.outputShape(channels: g.channels), "avgPoolBackward: \(shape) vs geometry")
        var y = Tensor(uninitializedShape: g.inputShape)
        withUnsafePointer { x in y.withUnsafeMutablePointer { Scalar._avgPoolBackward(x, g, $0) } }
        return y
    }
}
