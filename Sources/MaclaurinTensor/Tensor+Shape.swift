extension Tensor {
    /// Axes reordered: result axis k is input axis `permutation[k]`.
    public func transposed(permutation: [Int]) -> Tensor {
        precondition(permutation.sorted() == Array(0..<rank), "bad permutation \(permutation) for rank \(rank)")
        if permutation == Array(0..<rank) { return self }
        let outShape = permutation.map { shape[$0] }
        // Axes of extent 1 do not move data: drop them before calling the kernel, which takes at
        // most 8 axes (nested jets add two unit-heavy axes per level).
        let live = (0..<rank).filter { shape[$0] != 1 }
        var position = [Int](repeating: 0, count: rank)
        for (i, a) in live.enumerated() { position[a] = i }
        let livePermutation = permutation.filter { shape[$0] != 1 }.map { position[$0] }
        if livePermutation == Array(0..<live.count) { return reshaped(to: outShape) }
        precondition(live.count <= 8, "transpose supports at most 8 axes of extent > 1, got shape \(shape)")
        var y = Tensor(uninitializedShape: outShape)
        if count == 0 { return y }
        let liveShape = live.map { shape[$0] }
        let perm = livePermutation.map { Int32($0) }
        withUnsafePointer { x in y.withUnsafeMutablePointer { yp in
            Scalar._permute(x, liveShape, perm, live.count, yp)
        } }
        return y
    }

    /// The matrix transpose of a rank-2 tensor (or of the last two axes).
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transposed() needs rank >= 2, got shape \(shape)")
        var perm = Array(0..<rank); perm.swapAt(rank - 1, rank - 2)
        return transposed(permutation: perm)
    }

    /// Copies of `self` broadcast to `target` (NumPy rules).
    public func broadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(Broadcasting.shape(shape, target) == target, "cannot broadcast \(shape) to \(target)")
        return Tensor(zeros: target).applying(.add, self)
    }

    /// Sums over the axes along which `self` is broadcast relative to `target`, then reshapes:
    /// the adjoint of `broadcast(to:)`.
    public func unbroadcast(to target: [Int]) -> Tensor {
        if shape == target { return self }
        return sum(alongAxes: Broadcasting.reducedAxes(from: target, to: shape)).reshaped(to: target)
    }

    /// Elements `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let a = normalizedAxes([axis])[0]
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a], "slice \(range) of axis \(a) in \(shape)")
        var outShape = shape; outShape[a] = range.count
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        var y = Tensor(uninitializedShape: outShape)
        let block = range.count * inner
        withUnsafePointer { x in y.withUnsafeMutablePointer { yp in
            for o in 0..<outer {
                (yp + o * block).update(from: x + (o * shape[a] + range.lowerBound) * inner, count: block)
            }
        } }
        return y
    }

    /// Zero padding along `axis`: `before` zeros, the data, then `after` zeros (adjoint of slice).
    public func padded(axis: Int, before: Int, after: Int) -> Tensor {
        let a = normalizedAxes([axis])[0]
        var outShape = shape; outShape[a] += before + after
        var y = Tensor(zeros: outShape)
        let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
        let block = shape[a] * inner
        withUnsafePointer { x in y.withUnsafeMutablePointer { yp in
            for o in 0..<outer {
                (yp + (o * outShape[a] + before) * inner).update(from: x + o * block, count: block)
            }
        } }
        return y
    }

    /// Tensors joined along `axis` (all other extents equal).
    public static func concatenate(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concatenate needs at least one tensor")
        let a = parts[0].normalizedAxes([axis])[0]
        var outShape = parts[0].shape
        outShape[a] = parts.reduce(0) { $0 + $1.shape[a] }
        for p in parts {
            var s = p.shape; s[a] = outShape[a]
            precondition(s == outShape, "concatenate: shape \(p.shape) does not match \(parts[0].shape) off axis \(a)")
        }
        let outer = outShape[..<a].reduce(1, *), inner = outShape[(a + 1)...].reduce(1, *)
        var y = Tensor(uninitializedShape: outShape)
        y.withUnsafeMutablePointer { yp in
            var offset = 0
            for p in parts {
                let block = p.shape[a] * inner
                p.withUnsafePointer { x in
                    for o in 0..<outer {
                        (yp + o * outShape[a] * inner + offset).update(from: x + o * block, count: block)
                    }
                }
                offset += block
            }
        }
        return y
    }

    /// `self` stacked `times` along a new leading axis.
    public func tiled(times: Int) -> Tensor {
        Tensor.concatenate(Array(repeating: reshaped(to: [1] + shape), count: times), axis: 0)
    }

    /// y.flat[i] = x.flat[indices[i]], shaped `shape`.
    public func gathering(_ indices: [Int64], shape outShape: [Int]) -> Tensor {
        precondition(indices.count == outShape.reduce(1, *), "gather: \(indices.count) indices for shape \(outShape)")
        var y = Tensor(uninitializedShape: outShape)
        withUnsafePointer { x in y.withUnsafeMutablePointer { yp in indices.withUnsafeBufferPointer {
            if let idx = $0.baseAddress { Scalar._gather(x, idx, indices.count, yp) }
        } } }
        return y
    }

    /// The adjoint of gathering: a zero tensor of `shape` with self.flat[i] added at indices[i].
    public func scatteringAdd(_ indices: [Int64], shape outShape: [Int]) -> Tensor {
        precondition(indices.count == count, "scatter: \(indices.count) indices for \(count) values")
        var y = Tensor(zeros: outShape)
        withUnsafePointer { x in y.withUnsafeMutablePointer { yp in indices.withUnsafeBufferPointer {
            if let idx = $0.baseAddress { Scalar._scatterAdd(x, idx, indices.count, yp) }
        } } }
        return y
    }
}
