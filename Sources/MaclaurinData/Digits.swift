import Foundation
import MaclaurinTensor

/// The UCI optical handwritten digits (1,797 images of 8 x 8 pixels, classes 0-9), built into the library.
///
/// Source: E. Alpaydin, C. Kaynak, "Optical Recognition of Handwritten Digits", UCI Machine Learning
/// Repository, 1998, as shipped by scikit-learn; licence CC BY 4.0 (see the module README). Pixel
/// values 0-16 are scaled to [0, 1] by dividing by 16.
public enum Digits {
    /// Number of images.
    public static let count = 1797
    /// Images in the training part of `trainTestSplit()` (the first ones).
    public static let trainCount = 1437
    /// Images in the test part of `trainTestSplit()` (the last ones).
    public static let testCount = 360
    /// Bytes per row of `rawRecords`: 64 pixels then the label.
    public static let recordSize = 65
    /// Class names: "0" ... "9".
    public static let classNames = (0...9).map(String.init)

    /// The data as stored: 1,797 rows of 65 bytes (64 pixel values 0-16 row-major, then the label 0-9).
    public static let rawRecords: [UInt8] = {
        guard let data = Data(base64Encoded: digitsBase64, options: .ignoreUnknownCharacters),
              data.count == count * recordSize else {
            preconditionFailure("the embedded digits data is damaged; regenerate DigitsData.swift")
        }
        return Array(data)
    }()

    /// All 1,797 images `[1797, 8, 8, 1]` in [0, 1] with their labels.
    public static func load() -> LabeledImages {
        var images = Tensor<Float>(uninitializedShape: [count, 8, 8, 1])
        var labels = [Int](repeating: 0, count: count)
        rawRecords.withUnsafeBufferPointer { raw in
            images.withUnsafeMutablePointer { p in
                for row in 0..<count {
                    for pixel in 0..<64 { p[row * 64 + pixel] = Float(raw[row * recordSize + pixel]) / 16 }
                    labels[row] = Int(raw[row * recordSize + 64])
                }
            }
        }
        return LabeledImages(images: images, labels: labels, classNames: classNames)
    }

    /// The fixed split: the first 1,437 images for training, the last 360 for testing.
    public static func trainTestSplit() -> (train: LabeledImages, test: LabeledImages) {
        let all = load()
        return (all.subset(0..<trainCount), all.subset(trainCount..<count))
    }
}
