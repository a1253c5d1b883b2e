import MaclaurinTensor

/// A set of images with one class label each: the result of the image data set loaders.
public struct LabeledImages {
    /// NHWC images `[count, height, width, channels]` scaled to [0, 1].
    public var images: Tensor<Float>
    /// The class of each image, in `0..<classNames.count`.
    public var labels: [Int]
    /// Names of the classes, indexed by label.
    public var classNames: [String]

    /// Images and their labels.
    /// - Precondition: one label per image, each in `0..<classNames.count`.
    public init(images: Tensor<Float>, labels: [Int], classNames: [String]) {
        precondition(images.rank == 4, "images must be NHWC of rank 4, got shape \(images.shape)")
        precondition(images.shape[0] == labels.count,
                     "\(images.shape[0]) images but \(labels.count) labels")
        precondition(labels.allSatisfy { $0 >= 0 && $0 < classNames.count },
                     "labels must lie in 0..<\(classNames.count)")
        self.images = images
        self.labels = labels
        self.classNames = classNames
    }

    /// Number of images.
    public var count: Int { labels.count }

    /// Number of classes.
    public var classCount: Int { classNames.count }

    /// The shape of one image, `[height, width, channels]`.
    public var imageShape: [Int] { Array(images.shape.dropFirst()) }

    /// The images and labels at positions `range`.
    public func subset(_ range: Range<Int>) -> LabeledImages {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "subset \(range) of \(count) images")
        return LabeledImages(images: images.slice(axis: 0, range), labels: Array(labels[range]),
                             classNames: classNames)
    }

    /// The images and labels at `indices`, in that order (for shuffled mini-batches).
    public func selecting(_ indices: [Int]) -> LabeledImages {
        let size = imageShape.reduce(1, *)
        var selected = Tensor<Float>(uninitializedShape: [indices.count] + imageShape)
        images.withUnsafePointer { source in
            selected.withUnsafeMutablePointer { target in
                for (row, index) in indices.enumerated() {
                    precondition(index >= 0 && index < count, "index \(index) out of range for \(count) images")
                    (target + row * size).update(from: source + index * size, count: size)
                }
            }
        }
        return LabeledImages(images: selected, labels: indices.map { labels[$0] }, classNames: classNames)
    }

    /// Labels as one-hot rows `[count, classCount]`: row i has 1 in column `labels[i]`, 0 elsewhere.
    public func oneHotLabels<Scalar: TensorScalar>(as type: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        var result = Tensor<Scalar>(zeros: [count, classCount])
        result.withUnsafeMutablePointer { p in
            for (row, label) in labels.enumerated() { p[row * classCount + label] = 1 }
        }
        return result
    }

    /// Number of images of each class, indexed by label.
    public var classHistogram: [Int] {
        var histogram = [Int](repeating: 0, count: classCount)
        for label in labels { histogram[label] += 1 }
        return histogram
    }
}
