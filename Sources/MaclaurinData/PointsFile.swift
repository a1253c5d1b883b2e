import Foundation
import MaclaurinTensor

/// Input points from a file, one row per point:
///
/// - `.npy`: an `(N, n)` array (`(N,)` is N points of one input);
/// - `.npz`: its array `x` (as in `DerivativeNPZ`), same shapes;
/// - anything else: CSV text, n numbers per line; a first line that is not all numbers is a header
///   and is skipped, as are blank lines and lines starting with `#`.
///
/// Every coordinate must be finite.
public enum PointsFile {
    /// The points in the file at `url` as an `[N, n]` tensor.
    /// - Throws: `DataError` naming the file and the line and column (CSV) or the array.
    public static func read<Scalar: TensorScalar>(contentsOf url: URL, as: Scalar.Type = Scalar.self)
        throws(DataError) -> Tensor<Scalar> {
        let file = DataError.displayName(of: url)
        switch url.pathExtension.lowercased() {
        case "npy": return try points(NPY.read(url), name: "x", file: file)
        case "npz":
            let arrays = try NPZ.read(url)
            guard let x = arrays["x"] else {
                throw DataError(.badHeader, file: file, "no array 'x' (the points, shape (N, n)); the archive holds "
                                + (arrays.keys.sorted().joined(separator: ", ")))
            }
            return try points(x, name: "x", file: file)
        default:
            return try parseCSV(try FileBytes.read(url), file: file)
        }
    }

    /// An array as `[N, n]` points.
    static func points<Scalar: TensorScalar>(_ array: AnyTensor, name: String, file: String) throws(DataError) -> Tensor<Scalar> {
        guard (1...2).contains(array.shape.count), array.shape.allSatisfy({ $0 > 0 }) else {
            throw DataError(.shapeMismatch, file: file, at: .tensor(name),
                            "shape \(array.shape): expected (N, n) points, N and n at least 1")
        }
        try array.requireFinite(file: file, name: name)
        let t: Tensor<Scalar> = array.tensor(as: Scalar.self)
        return t.reshaped(to: [t.shape[0], t.rank == 2 ? t.shape[1] : 1])
    }

    /// Parses CSV points; `file` names the source in errors.
    public static func parseCSV<Scalar: TensorScalar>(_ data: Data, file: String, as: Scalar.Type = Scalar.self)
        throws(DataError) -> Tensor<Scalar> {
        guard let text = String(data: data, encoding: .utf8) else {
            throw DataError(.notUTF8, file: file, "the file is not valid UTF-8 text")
        }
        var values: [Scalar] = [], width: Int?, rows = 0, sawLine = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\u{FEFF}", with: "")
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            let numbers = fields.map { Double($0) }
            let isFirst = !sawLine
            sawLine = true
            if isFirst && numbers.contains(where: { $0 == nil }) { continue }     // a header
            if let width, fields.count != width {
                throw DataError(.shapeMismatch, file: file, at: .line(line, column: nil),
                                "expected \(width) numbers, found \(fields.count)")
            }
            width = fields.count
            for (c, number) in numbers.enumerated() {
                guard let number else {
                    throw DataError(.invalidValue, file: file, at: .line(line, column: c + 1),
                                    "'\(fields[c])' is not a number")
                }
                guard number.isFinite else {
                    throw DataError(.nonFinite, file: file, at: .line(line, column: c + 1),
                                    "'\(fields[c])' is not a finite number")
                }
                values.append(Scalar(number))
            }
            rows += 1
        }
        guard let width, rows > 0 else { throw DataError(.empty, file: file, "no points (expected lines of comma-separated numbers)") }
        return Tensor(shape: [rows, width], scalars: values)
    }
}
