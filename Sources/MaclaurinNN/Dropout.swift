/// Inverted dropout, as Keras's `Dropout`: while training, each element is kept with probability
/// 1 - rate and scaled by 1 / (1 - rate), y = x * m with m in {0, 1/(1 - rate)}; at inference y = x.
///
/// The mask is drawn from `ForwardContext.generator`, so a training run with a fixed seed is
/// reproducible. The mask is a constant, so every derivative mode passes through it (a jet sees
/// the same mask on every coefficient).
public struct Dropout<Scalar: TensorScalar>: Layer {
    public var name: String
    /// The probability of dropping an element, in [0, 1).
    public var rate: Double
    public var kind: String { "dropout" }

    /// - Parameter rate: the drop probability, in [0, 1).
    public init(rate: Double, name: String = "") {
        precondition(rate >= 0 && rate < 1, "dropout: rate must be in [0, 1), got \(rate)")
        self.rate = rate; self.name = name
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward<V: TensorAlgebra>(_ x: V, parameters: [V], context: ForwardContext) -> V where V.Scalar == Scalar {
        guard context.isTraining, rate > 0 else { return x }
        return x * V(constant: Self.mask(shape: x.shape, rate: rate, generator: &context.generator))
    }

    /// A mask of the given shape: 0 with probability `rate`, else 1 / (1 - rate).
    /// Two elements are decided by each 64-bit draw (32 random bits each).
    public static func mask(shape: [Int], rate: Double, generator: inout SeededGenerator) -> Tensor<Scalar> {
        var m = Tensor<Scalar>(uninitializedShape: shape)
        let n = m.count
        let keep = Scalar(1 / (1 - rate))
        let threshold = UInt64((rate * 4_294_967_296).rounded(.down))   // drop when u < rate * 2^32
        // Written as bit patterns (+0 is all zero bits) in a loop specialised to the word size:
        // a generic Scalar store costs a witness call per element.
        m.withUnsafeMutablePointer { p in
            var keepBits = keep
            let raw = UnsafeMutableRawPointer(p)
            switch MemoryLayout<Scalar>.size {
            case 4:
                let bits = withUnsafeBytes(of: &keepBits) { $0.load(as: UInt32.self) }
                fillMask(raw.assumingMemoryBound(to: UInt32.self), n, keep: bits, threshold: threshold, generator: &generator)
            case 8:
                let bits = withUnsafeBytes(of: &keepBits) { $0.load(as: UInt64.self) }
                fillMask(raw.assumingMemoryBound(to: UInt64.self), n, keep: bits, threshold: threshold, generator: &generator)
            default:
                preconditionFailure("dropout supports Float and Double, not \(Scalar.self)")
            }
        }
        return m
    }

    /// Two mask words per 64-bit draw: word i is 0 when its 32 random bits are below `threshold`, else `keep`.
    @inline(__always)
    private static func fillMask<W: FixedWidthInteger>(_ p: UnsafeMutablePointer<W>, _ n: Int, keep: W, threshold: UInt64,
                                                       generator: inout SeededGenerator) {
        var i = 0
        while i < n {
            let r = generator.next()
            p[i] = (r & 0xFFFF_FFFF) < threshold ? 0 : keep
            if i + 1 < n { p[i + 1] = (r >> 32) < threshold ? 0 : keep }
            i += 2
        }
    }

    public var configuration: [String: ModelValue] { ["rate": .double(rate)] }
}
