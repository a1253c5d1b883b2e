import MaclaurinNN

/// Random changes applied to each training batch, drawn from a seeded stream, so a model sees a
/// slightly different version of every image each epoch (a regulariser; evaluation never augments).
public struct ImageAugmentation: Equatable, Sendable {
    /// Largest shift in pixels along each spatial axis: each image moves by (dy, dx) drawn
    /// uniformly from [-maxShift, maxShift]^2, uncovered pixels become 0.
    public var maxShift: Int
    /// Mirror each image left-right with probability 1/2 (natural images, not digits).
    public var horizontalFlip: Bool

    /// No augmentation.
    public static let none = ImageAugmentation()

    /// - Parameters:
    ///   - maxShift: largest shift in pixels (0 for none).
    ///   - horizontalFlip: random left-right mirroring.
    public init(maxShift: Int = 0, horizontalFlip: Bool = false) {
        precondition(maxShift >= 0, "maxShift must be >= 0")
        self.maxShift = maxShift; self.horizontalFlip = horizontalFlip
    }

    /// True when `apply` changes nothing.
    public var isIdentity: Bool { maxShift == 0 && !horizontalFlip }

    /// The batch `images` `[batch, height, width, channels]` with each image shifted and flipped at random:
    /// y[n, i, j, c] = x[n, i - dy_n, j' - dx_n, c] (0 outside), j' = W - 1 - j when flipped, else j.
    public func apply<Scalar: TensorScalar>(_ images: Tensor<Scalar>, generator: inout SeededGenerator) -> Tensor<Scalar> {
        guard !isIdentity else { return images }
        precondition(images.rank == 4, "augmentation needs NHWC images, got \(images.shape)")
        let (n, h, w, c) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        var out = Tensor<Scalar>(zeros: images.shape)
        let span = UInt64(2 * maxShift + 1)
        images.withUnsafePointer { x in
            out.withUnsafeMutablePointer { y in
                for b in 0..<n {
                    let dy = Int(generator.next() % span) - maxShift
                    let dx = Int(generator.next() % span) - maxShift
                    let flip = horizontalFlip && generator.next() & 1 == 1
                    let source = x + b * h * w * c, target = y + b * h * w * c
                    for i in max(0, dy)..<min(h, h + dy) {
                        for j in max(0, dx)..<min(w, w + dx) {
                            let sj = flip ? w - 1 - (j - dx) : j - dx
                            (target + (i * w + j) * c).update(from: source + ((i - dy) * w + sj) * c, count: c)
                        }
                    }
                }
            }
        }
        return out
    }
}
