import Foundation
import MaclaurinTensor

/// A derivative dataset read from a file, remembering where each kind first appears so that checks
/// against a model can name the place (`data.csv:7: ...`, `data.npz: tensor "dy": ...`).
public struct DerivativeDataFile<Scalar: TensorScalar> {
    /// The samples.
    public var dataset: DerivativeDataset<Scalar>
    /// The file as the user named it.
    public var file: String
    /// Where the inputs are declared: the CSV header line, or the array `x`.
    public var inputsLocation: DataError.Location
    /// Where the first sample of each kind is: a CSV line, or the array (`y`, `dy`, `d2y`).
    public var locations: [DerivativeKind: DataError.Location]

    /// Reads `url`: `.npz` in the `DerivativeNPZ` layout, anything else as `DerivativeCSV`.
    /// - Throws: `DerivativeCSVError` (file, line, column) or `DataError` (file, array).
    public init(contentsOf url: URL, as: Scalar.Type = Scalar.self) throws {
        let file = DataError.displayName(of: url)
        self.file = file
        switch DerivativeData.Format(of: url) {
        case .npz:
            let (dataset, sources): (DerivativeDataset<Scalar>, [DerivativeKind: String]) =
                try DerivativeNPZ.decode(try NPZ.read(url), file: file)
            self.dataset = dataset
            inputsLocation = .tensor("x")
            locations = sources.mapValues { .tensor($0) }
        case .csv:
            let data: Data
            do { data = try Data(contentsOf: url) } catch {
                throw DerivativeCSVError(file: file, message: "cannot read the file (\(error.localizedDescription))")
            }
            let parsed: (dataset: DerivativeDataset<Scalar>, headerLine: Int, firstLines: [DerivativeKind: Int]) =
                try DerivativeCSV.parseRecordingLines(data, file: file)
            dataset = parsed.dataset
            inputsLocation = .line(parsed.headerLine, column: nil)
            locations = parsed.firstLines.mapValues { .line($0, column: nil) }
        }
    }

    /// Throws unless a model with `inputCount` inputs and `outputCount` outputs can be evaluated on
    /// every sample: the data has exactly `inputCount` inputs and no kind names an output (or input)
    /// the model has not. `model` names the model in the message.
    /// - Throws: `DataError` of kind `.shapeMismatch` naming this file and the line or array.
    public func checkFits(inputCount: Int, outputCount: Int, model: String) throws(DataError) {
        let n = dataset.inputCount
        guard n == inputCount else {
            let has = inputsLocation == .tensor("x") ? "points have \(n) coordinates" : "the data has \(n) input columns"
            throw DataError(.shapeMismatch, file: file, at: inputsLocation,
                            "\(has) (x1..x\(n)), but the model \(model) takes \(inputCount) inputs")
        }
        // In file order, so the message names the first offending line.
        func line(_ kind: DerivativeKind) -> Int {
            if case .line(let l, _)? = locations[kind] { return l }
            return 0
        }
        for kind in dataset.kinds.sorted(by: { (line($0), $0) < (line($1), $1) }) {
            let location = locations[kind] ?? .wholeFile
            if kind.output >= outputCount {
                throw DataError(.shapeMismatch, file: file, at: location,
                                "kind '\(kind)' refers to output y\(kind.output + 1), but the model \(model) has "
                                + "\(outputCount) output\(outputCount == 1 ? "" : "s")")
            }
            if let bad = kind.inputs.first(where: { $0 >= inputCount }) {
                throw DataError(.shapeMismatch, file: file, at: location,
                                "kind '\(kind)' refers to input x\(bad + 1), but the model \(model) takes \(inputCount) inputs")
            }
        }
    }
}

/// Derivative data files of either format, chosen by extension.
public enum DerivativeData {
    /// The file formats of derivative data.
    public enum Format: String, Sendable {
        /// `DerivativeCSV`: x1..xn, kind, value.
        case csv
        /// `DerivativeNPZ`: dense arrays x, y, dy, d2y with NaN for missing entries.
        case npz

        /// `.npz` for names ending in `.npz` (any case), `.csv` otherwise.
        public init(of url: URL) {
            self = url.pathExtension.lowercased() == "npz" ? .npz : .csv
        }
    }

    /// Reads a dataset from a `.csv` or `.npz` file (by extension).
    /// - Throws: `DerivativeCSVError` or `DataError`, naming the file and the line or array.
    public static func load<Scalar: TensorScalar>(contentsOf url: URL, as: Scalar.Type = Scalar.self)
        throws -> DerivativeDataset<Scalar> {
        try DerivativeDataFile<Scalar>(contentsOf: url).dataset
    }

    /// Writes a dataset atomically as `.npz` or CSV (by extension of `url`).
    /// - Throws: `DataError` for a failed write, naming the file.
    public static func write<Scalar: TensorScalar>(_ dataset: DerivativeDataset<Scalar>, to url: URL) throws(DataError) {
        switch Format(of: url) {
        case .npz: try DerivativeNPZ.write(dataset, to: url)
        case .csv: try AtomicFile.write(Data(DerivativeCSV.write(dataset).utf8), to: url)
        }
    }
}
