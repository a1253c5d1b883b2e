import Foundation
import MaclaurinTensor

/// The CIFAR-10 data set in its binary version (the `cifar-10-batches-bin` folder).
///
/// Each file is a sequence of 3,073-byte records: the label byte (0-9), then 1,024 red, 1,024 green
/// and 1,024 blue pixel bytes, each plane row-major 32 x 32. Images are returned NHWC `[N, 32, 32, 3]`
/// with values divided by 255: `image[n, y, x, c] = record[1 + 1024 c + 32 y + x] / 255`.
public enum CIFAR10 {
    /// Which files to read.
    public enum Split: String, Sendable {
        /// `data_batch_1.bin` ... `data_batch_5.bin` (50,000 images).
        case train
        /// `test_batch.bin` (10,000 images).
        case test

        /// The file names of this split, in reading order.
        public var fileNames: [String] {
            switch self {
            case .train: return (1...5).map { "data_batch_\($0).bin" }
            case .test: return ["test_batch.bin"]
            }
        }
    }

    /// Bytes per record: 1 label + 3 x 32 x 32 pixels.
    public static let recordSize = 3073
    /// The ten class names, indexed by label.
    public static let classNames = ["airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck"]

    /// Loads a split from `directory` (or from its `cifar-10-batches-bin` subfolder, if that holds the files).
    /// - Parameters:
    ///   - limit: read at most this many images (from the first files), or all when nil.
    /// - Throws: `DataError` for a missing folder or files (all missing names listed), a file whose size
    ///   is not a multiple of 3,073 (with the byte offset of the truncated record), an empty file, or a
    ///   label above 9 (with the record index and byte offset).
    public static func load(directory: URL, split: Split, limit: Int? = nil) throws(DataError) -> LabeledImages {
        precondition(limit.map { $0 >= 0 } ?? true, "limit must not be negative")
        let folder = try resolveFolder(directory, split: split)
        let files = split.fileNames.map { folder.appendingPathComponent($0) }
        var sizes: [Int] = []
        for file in files {
            let size = try FileBytes.size(of: file)
            guard size > 0 else { throw DataError(.empty, url: file, "the file is empty") }
            let whole = size / recordSize * recordSize
            guard size == whole else {
                throw DataError(.truncated, url: file, at: .record(size / recordSize, byteOffset: whole),
                                "the file size \(size) is not a multiple of \(recordSize): the last record "
                                + "has only \(size - whole) bytes")
            }
            sizes.append(size)
        }
        let available = sizes.reduce(0, +) / recordSize
        let total = min(available, limit ?? available)
        var images = Tensor<Float>(uninitializedShape: [total, 32, 32, 3])
        var labels: [Int] = []
        labels.reserveCapacity(total)
        for (file, size) in zip(files, sizes) where labels.count < total {
            let records = min(size / recordSize, total - labels.count)
            // Chunks of 1,024 records (3 MB) keep the read buffer small and reused.
            for start in stride(from: 0, to: records, by: 1024) {
                let chunk = min(1024, records - start)
                let data = try FileBytes.read(file, offset: start * recordSize, count: chunk * recordSize)
                let first = labels.count
                let badRecord: Int? = data.withUnsafeBytes { raw in
                    images.withUnsafeMutablePointer { out in
                        decode(raw, records: chunk, into: out + first * 3072, labels: &labels)
                    }
                }
                if let bad = badRecord {
                    throw DataError(.invalidValue, url: file,
                                    at: .record(start + bad, byteOffset: (start + bad) * recordSize),
                                    "label \(data[data.startIndex + bad * recordSize]) is not a CIFAR-10 class (0-9)")
                }
            }
        }
        return LabeledImages(images: images, labels: labels, classNames: classNames)
    }

    /// Converts `records` records to NHWC floats and appends their labels; returns the first record with a bad label.
    private static func decode(_ raw: UnsafeRawBufferPointer, records: Int, into out: UnsafeMutablePointer<Float>,
                               labels: inout [Int]) -> Int? {
        // byte / 255 for every byte value, correctly rounded once: a look-up instead of a division per pixel.
        let scaled = (0..<256).map { Float($0) / 255 }
        return scaled.withUnsafeBufferPointer { scaled in
        for r in 0..<records {
            let record = r * recordSize
            let label = Int(raw[record])
            guard label <= 9 else { return r }
            labels.append(label)
            let image = out + r * 3072
            for c in 0..<3 {
                let plane = record + 1 + c * 1024
                for pixel in 0..<1024 { image[pixel * 3 + c] = scaled[Int(raw[plane + pixel])] }
            }
        }
        return nil
        }
    }

    /// `directory`, or its `cifar-10-batches-bin` subfolder when only that holds the split's files.
    private static func resolveFolder(_ directory: URL, split: Split) throws(DataError) -> URL {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: directory.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw DataError(.notFound, url: directory, "the CIFAR-10 folder does not exist")
        }
        func missing(in folder: URL) -> [String] {
            split.fileNames.filter { !manager.fileExists(atPath: folder.appendingPathComponent($0).path) }
        }
        let absent = missing(in: directory)
        if absent.isEmpty { return directory }
        let nested = directory.appendingPathComponent("cifar-10-batches-bin")
        if missing(in: nested).isEmpty { return nested }
        throw DataError(.notFound, url: directory,
                        "missing CIFAR-10 \(split.rawValue) files: \(absent.joined(separator: ", ")) "
                        + "(expected the binary version, cifar-10-batches-bin)")
    }
}
