import Foundation
import MaclaurinTensor

/// Reads and writes derivative datasets as NumPy `.npz` archives of dense arrays, NaN marking a
/// missing entry:
///
/// | array | shape | entry |
/// |---|---|---|
/// | `x` | `(N, n)` (or `(N,)` for one input) | the points |
/// | `y` | `(N, m)` (or `(N,)` for one output) | `y[r, j]` = y_j(x_r) |
/// | `dy` | `(N, m, n)` (or `(N, n)` for one output) | `dy[r, j, i]` = d y_j / d x_i at x_r |
/// | `d2y` | `(N, m, n, n)` (or `(N, n, n)` for one output) | `d2y[r, j, i, k]` = d² y_j / d x_i d x_k at x_r |
///
/// `x` and at least one of `y`, `dy`, `d2y` are required; every finite entry is one sample (of kind
/// `yJ`, `dyJ/dxI` or `d2yJ/dxIdxK`), every NaN entry is skipped. Second partials are symmetric: give
/// `d2y[..., i, k]`, `d2y[..., k, i]` or both (then equal). Any dtype NumPy's `savez` writes for
/// floats or integers is accepted; other array names are an error (they are usually typos).
///
/// From NumPy: `np.savez("data.npz", x=x, y=y, dy=dy)` with `y[r] = nan` where only a derivative is known.
public enum DerivativeNPZ {
    /// The array names of the layout.
    public static let arrayNames = ["x", "y", "dy", "d2y"]

    /// Reads a dataset from a `.npz` file.
    /// - Throws: `DataError` naming the file and the array (wrong shape, infinite entry, unknown array).
    public static func read<Scalar: TensorScalar>(contentsOf url: URL, as: Scalar.Type = Scalar.self)
        throws(DataError) -> DerivativeDataset<Scalar> {
        try decode(try NPZ.read(url), file: DataError.displayName(of: url)).dataset
    }

    /// The dataset in the arrays of an archive, with the array each kind came from; `file` names it in errors.
    static func decode<Scalar: TensorScalar>(_ arrays: [String: AnyTensor], file: String)
        throws(DataError) -> (dataset: DerivativeDataset<Scalar>, sources: [DerivativeKind: String]) {
        func fail(_ name: String, _ message: String) -> DataError {
            DataError(.shapeMismatch, file: file, at: .tensor(name), message)
        }
        if let unknown = arrays.keys.sorted().first(where: { !arrayNames.contains($0) }) {
            throw DataError(.badHeader, file: file, at: .tensor(unknown),
                            "unknown array (a derivative archive holds x, y, dy and d2y)")
        }
        guard let xArray = arrays["x"] else {
            throw DataError(.badHeader, file: file, "no array 'x' (the points, shape (N, n))")
        }
        guard ["y", "dy", "d2y"].contains(where: { arrays[$0] != nil }) else {
            throw DataError(.badHeader, file: file, "no array y, dy or d2y (the values and derivatives to fit)")
        }
        guard (1...2).contains(xArray.shape.count), xArray.shape.allSatisfy({ $0 > 0 }) else {
            throw fail("x", "shape \(xArray.shape): expected (N, n) points, N and n at least 1")
        }
        try xArray.requireFinite(file: file, name: "x")
        let x: Tensor<Scalar> = xArray.tensor(as: Scalar.self)
        let count = x.shape[0], n = x.rank == 2 ? x.shape[1] : 1
        let points = x.reshaped(to: [count, n])

        var groups: [DerivativeGroup<Scalar>] = [], sources: [DerivativeKind: String] = [:]
        for (order, name) in ["y", "dy", "d2y"].enumerated() {
            guard let array = arrays[name] else { continue }
            let trailing = Array(repeating: n, count: order)
            let shape = array.shape
            let outputs: Int
            if shape == [count] + trailing {
                outputs = 1
            } else if shape.count == order + 2, shape[0] == count, Array(shape.dropFirst(2)) == trailing, shape[1] >= 1 {
                outputs = shape[1]
            } else {
                let expected = ([String(count), "m"] + trailing.map(String.init)).joined(separator: ", ")
                throw fail(name, "shape \(shape) does not fit x \(x.shape): expected (\(expected))")
            }
            if let bad = array.firstInfiniteIndex {
                throw DataError(.nonFinite, file: file, at: .tensor(name),
                                "an infinite entry at flat index \(bad) (NaN marks a missing entry; others must be finite)")
            }
            let values: Tensor<Scalar> = array.tensor(as: Scalar.self)
            let kinds = try groupsOf(values.scalars, order: order, count: count, outputs: outputs, inputs: n,
                                     points: points, name: name, file: file)
            for g in kinds { groups.append(g); sources[g.kind] = name }
        }
        guard !groups.isEmpty else {
            throw DataError(.invalidValue, file: file, "every entry of y, dy and d2y is NaN: there are no samples")
        }
        return (DerivativeDataset(inputCount: n, groups: groups), sources)
    }

    /// One group per (output, inputs) with at least one finite entry.
    static func groupsOf<Scalar: TensorScalar>(_ v: [Scalar], order: Int, count: Int, outputs: Int, inputs n: Int,
                                               points: Tensor<Scalar>, name: String, file: String)
        throws(DataError) -> [DerivativeGroup<Scalar>] {
        let cell = order == 0 ? 1 : order == 1 ? n : n * n
        var out: [DerivativeGroup<Scalar>] = []
        for j in 0..<outputs {
            let slots: [[Int]] = order == 0 ? [[]] : order == 1 ? (0..<n).map { [$0] }
                : (0..<n).flatMap { i in (i..<n).map { [i, $0] } }
            for slot in slots {
                var rows: [Int] = [], targets: [Scalar] = []
                for r in 0..<count {
                    let base = (r * outputs + j) * cell
                    var value: Scalar
                    switch order {
                    case 0: value = v[base]
                    case 1: value = v[base + slot[0]]
                    default:
                        let upper = v[base + slot[0] * n + slot[1]], lower = v[base + slot[1] * n + slot[0]]
                        if !upper.isNaN && !lower.isNaN && upper != lower {
                            throw DataError(.invalidValue, file: file, at: .tensor(name),
                                            "entries [\(r), \(j), \(slot[0]), \(slot[1])] = \(upper) and "
                                            + "[\(r), \(j), \(slot[1]), \(slot[0])] = \(lower) differ (second partials "
                                            + "are symmetric: give one of them, or equal values)")
                        }
                        value = upper.isNaN ? lower : upper
                    }
                    if !value.isNaN { rows.append(r); targets.append(value) }
                }
                guard !rows.isEmpty else { continue }
                let kind: DerivativeKind = order == 0 ? .value(output: j) : order == 1
                    ? .firstPartial(output: j, input: slot[0]) : .secondPartial(output: j, inputs: slot[0], slot[1])
                let index = rows.flatMap { r in (0..<n).map { Int64(r * n + $0) } }
                out.append(DerivativeGroup(kind: kind, points: points.gathering(index, shape: [rows.count, n]),
                                           targets: Tensor(targets)))
            }
        }
        return out
    }

    /// The arrays of the layout for `dataset`: samples at the same point share a row (rows in order
    /// of first appearance); `y`, `dy`, `d2y` (full rank, second partials written symmetrically)
    /// only for the orders present, NaN where nothing is known; in the dataset's precision.
    public static func arrays<Scalar: TensorScalar>(of dataset: DerivativeDataset<Scalar>) -> [String: AnyTensor] {
        let n = dataset.inputCount, m = dataset.outputCount
        var rowOf: [[Scalar]: Int] = [:]
        var pointRows: [[Scalar]] = []
        // Kinds placed in each row, so a repeated sample at one point opens a new row.
        var filled: [Set<DerivativeKind>] = []
        var placements: [(kind: DerivativeKind, row: Int, target: Scalar)] = []
        for g in dataset.groups {
            let p = g.points.scalars, t = g.targets.scalars
            for r in 0..<g.count {
                let point = Array(p[(r * n)..<((r + 1) * n)])
                var row = rowOf[point] ?? -1
                if row < 0 || filled[row].contains(g.kind) {
                    row = pointRows.count
                    pointRows.append(point); filled.append([])
                    rowOf[point] = row
                }
                filled[row].insert(g.kind)
                placements.append((g.kind, row, t[r]))
            }
        }
        let count = pointRows.count
        let orders = Set(dataset.kinds.map(\.order))
        var y = [Scalar](repeating: .nan, count: orders.contains(0) ? count * m : 0)
        var dy = [Scalar](repeating: .nan, count: orders.contains(1) ? count * m * n : 0)
        var d2y = [Scalar](repeating: .nan, count: orders.contains(2) ? count * m * n * n : 0)
        for (kind, row, target) in placements {
            let j = kind.output
            switch kind {
            case .value: y[row * m + j] = target
            case .firstPartial(_, let i): dy[(row * m + j) * n + i] = target
            case let .secondPartial(_, i, k):
                d2y[((row * m + j) * n + i) * n + k] = target
                d2y[((row * m + j) * n + k) * n + i] = target
            }
        }
        var arrays: [String: AnyTensor] = ["x": AnyTensor(Tensor(shape: [count, n], scalars: pointRows.flatMap { $0 }))]
        if orders.contains(0) { arrays["y"] = AnyTensor(Tensor(shape: [count, m], scalars: y)) }
        if orders.contains(1) { arrays["dy"] = AnyTensor(Tensor(shape: [count, m, n], scalars: dy)) }
        if orders.contains(2) { arrays["d2y"] = AnyTensor(Tensor(shape: [count, m, n, n], scalars: d2y)) }
        return arrays
    }

    /// Writes `dataset` to `url` atomically in the layout above (`np.load(url)` reads it).
    /// - Throws: `DataError` for a failed write, naming the file.
    public static func write<Scalar: TensorScalar>(_ dataset: DerivativeDataset<Scalar>, to url: URL) throws(DataError) {
        try NPZ.write(arrays(of: dataset), to: url)
    }
}

extension AnyTensor {
    /// The row-major index of the first infinite scalar (NaN is not counted), or nil.
    var firstInfiniteIndex: Int? {
        func scan<S: TensorScalar>(_ t: Tensor<S>) -> Int? {
            t.withUnsafePointer { p in (0..<t.count).first { p[$0].isInfinite } }
        }
        switch self {
        case .float(let t): return scan(t)
        case .double(let t): return scan(t)
        }
    }
}
