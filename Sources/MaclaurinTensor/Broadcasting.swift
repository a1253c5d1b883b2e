/// Shape arithmetic for NumPy-style broadcasting.
public enum Broadcasting {
    /// The broadcast shape of `a` and `b` (trailing axes aligned; extents equal or 1), or nil.
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let x = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let y = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if x == y || y == 1 { out[i] = x } else if x == 1 { out[i] = y } else { return nil }
        }
        return out
    }

    /// Element strides of a dense tensor of shape `shape` read as the broadcast shape `out`
    /// (0 on broadcast axes).
    public static func strides(of shape: [Int], in out: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: out.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let j = i + out.count - shape.count
            strides[j] = shape[i] == 1 && out[j] != 1 ? 0 : step
            step *= shape[i]
        }
        return strides
    }

    /// The axes of `out` along which a tensor of `shape` was broadcast (to be summed to undo it).
    public static func reducedAxes(from shape: [Int], to out: [Int]) -> [Int] {
        let lead = out.count - shape.count
        return (0..<out.count).filter { $0 < lead || (shape[$0 - lead] == 1 && out[$0] != 1) }
    }

    /// Row-major strides of a dense tensor.
    public static func denseStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) { strides[i] = step; step *= shape[i] }
        return strides
    }
}
