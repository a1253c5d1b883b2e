extension Tensor {
    /// Normalises possibly negative axes and checks them.
    func normalizedAxes(_ axes: [Int]) -> [Int] {
        axes.map { axis in
            let a = axis < 0 ? axis + rank : axis
            precondition(a >= 0 && a < rank, "axis \(axis) out of range for shape \(shape)")
            return a
        }.sorted()
    }

    /// Sum over `axes`, keeping them with extent 1 (so the result broadcasts against `self`).
    public func sum(alongAxes axes: [Int]) -> Tensor {
        var x = self
        for axis in Set(normalizedAxes(axes)).sorted() where x.shape[axis] != 1 {
            let outer = x.shape[..<axis].reduce(1, *), inner = x.shape[(axis + 1)...].reduce(1, *)
            var outShape = x.shape; outShape[axis] = 1
            var y = Tensor(uninitializedShape: outShape)
            x.withUnsafePointer { xp in y.withUnsafeMutablePointer {
                Scalar._reduceSum(xp, outer, x.shape[axis], inner, $0)
            } }
            x = y
        }
        return x
    }

    /// Sum of all elements as a rank-0 tensor.
    public func sum() -> Tensor { sum(alongAxes: Array(0..<rank)).reshaped(to: []) }

    /// Mean of all elements.
    public func mean() -> Tensor { sum().scaled(by: 1 / Scalar(Swift.max(count, 1))) }

    /// Maximum over one axis (kept with extent 1) and the index of the first maximum along it.
    public func max(alongAxis axis: Int) -> (values: Tensor, indices: [Int64]) {
        let a = normalizedAxes([axis])[0]
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        var outShape = shape; outShape[a] = 1
        var y = Tensor(uninitializedShape: outShape)
        var idx = [Int64](repeating: 0, count: outer * inner)
        withUnsafePointer { xp in y.withUnsafeMutablePointer { yp in idx.withUnsafeMutableBufferPointer {
            Scalar._reduceMax(xp, outer, shape[a], inner, yp, $0.baseAddress)
        } } }
        return (y, idx)
    }

    /// Index of the largest element in each row of a rank-2 tensor.
    public func argmaxRows() -> [Int] {
        precondition(rank == 2, "argmaxRows needs a matrix, got shape \(shape)")
        return max(alongAxis: 1).indices.map { Int($0) }
    }
}
