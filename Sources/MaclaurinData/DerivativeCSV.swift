import Foundation
import MaclaurinTensor

/// What one supervised sample constrains: a value of the model, a first partial derivative or a
/// second partial derivative. Indices are 0-based; `description` gives the 1-based CSV spelling.
///
/// CSV spellings (I, J, K are 1-based): `y` (= `y1`), `yJ`, `dy/dxI`, `dyJ/dxI`, `d2y/dxIdxK`,
/// `d2yJ/dxIdxK`. Second partials are symmetric, so `d2y/dx2dx1` is stored as inputs (0, 1).
public enum DerivativeKind: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// y_output.
    case value(output: Int)
    /// d y_output / d x_input.
    case firstPartial(output: Int, input: Int)
    /// d^2 y_output / (d x_first d x_second), with first <= second.
    case secondPartial(output: Int, first: Int, second: Int)

    /// The differentiation order: 0, 1 or 2.
    public var order: Int {
        switch self {
        case .value: 0
        case .firstPartial: 1
        case .secondPartial: 2
        }
    }

    /// The output index (0-based).
    public var output: Int {
        switch self {
        case .value(let o), .firstPartial(let o, _), .secondPartial(let o, _, _): o
        }
    }

    /// The input indices differentiated with respect to (0-based; empty for a value).
    public var inputs: [Int] {
        switch self {
        case .value: []
        case .firstPartial(_, let i): [i]
        case let .secondPartial(_, i, k): [i, k]
        }
    }

    /// A second partial with its inputs put in canonical order.
    public static func secondPartial(output: Int, inputs i: Int, _ k: Int) -> DerivativeKind {
        .secondPartial(output: output, first: Swift.min(i, k), second: Swift.max(i, k))
    }

    /// The CSV spelling, with 1-based indices; output 1 is written `y`.
    public var description: String {
        let y = output == 0 ? "y" : "y\(output + 1)"
        switch self {
        case .value: return y
        case .firstPartial(_, let i): return "d\(y)/dx\(i + 1)"
        case let .secondPartial(_, i, k): return "d2\(y)/dx\(i + 1)dx\(k + 1)"
        }
    }

    /// Parses a CSV spelling (surrounding spaces ignored); nil if it is not one.
    public init?(parsing text: String) {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        func index(after prefix: String) -> Int? {
            guard s.hasPrefix(prefix) else { return nil }
            s = s.dropFirst(prefix.count)
            let digits = s.prefix { $0.isASCII && $0.isNumber }
            s = s.dropFirst(digits.count)
            return Int(digits).flatMap { $0 >= 1 ? $0 - 1 : nil }
        }
        func output() -> Int? {
            guard s.hasPrefix("y") else { return nil }
            s = s.dropFirst()
            let digits = s.prefix { $0.isASCII && $0.isNumber }
            if digits.isEmpty { return 0 }
            s = s.dropFirst(digits.count)
            return Int(digits).flatMap { $0 >= 1 ? $0 - 1 : nil }
        }
        if s.hasPrefix("d2") {
            s = s.dropFirst(2)
            guard let o = output(), s.hasPrefix("/") else { return nil }
            s = s.dropFirst()
            guard let i = index(after: "dx"), let k = index(after: "dx"), s.isEmpty else { return nil }
            self = .secondPartial(output: o, inputs: i, k)
        } else if s.hasPrefix("d") {
            s = s.dropFirst()
            guard let o = output(), s.hasPrefix("/") else { return nil }
            s = s.dropFirst()
            guard let i = index(after: "dx"), s.isEmpty else { return nil }
            self = .firstPartial(output: o, input: i)
        } else {
            guard let o = output(), s.isEmpty else { return nil }
            self = .value(output: o)
        }
    }

    /// Orders by derivative order, then output, then inputs.
    public static func < (a: DerivativeKind, b: DerivativeKind) -> Bool {
        let ka = [a.order, a.output] + a.inputs, kb = [b.order, b.output] + b.inputs
        return ka.lexicographicallyPrecedes(kb)
    }
}

/// The samples of one kind: `points` `[N, inputCount]` and `targets` `[N]`.
public struct DerivativeGroup<Scalar: TensorScalar> {
    /// The kind every sample of the group supervises.
    public var kind: DerivativeKind
    /// Input points, one row per sample.
    public var points: Tensor<Scalar>
    /// The supervised quantity at each point.
    public var targets: Tensor<Scalar>

    /// A group; `points` must be `[N, n]` and `targets` `[N]`.
    public init(kind: DerivativeKind, points: Tensor<Scalar>, targets: Tensor<Scalar>) {
        precondition(points.rank == 2 && targets.shape == [points.shape[0]],
                     "derivative group \(kind): points \(points.shape) and targets \(targets.shape) do not fit")
        self.kind = kind; self.points = points; self.targets = targets
    }

    /// Number of samples.
    public var count: Int { targets.count }
}

/// Supervised samples of values and derivatives of a function R^n -> R^m, grouped by kind
/// (groups sorted: values, then first partials, then second partials).
public struct DerivativeDataset<Scalar: TensorScalar> {
    /// n, the number of inputs.
    public let inputCount: Int
    /// One group per kind present, sorted by kind.
    public private(set) var groups: [DerivativeGroup<Scalar>]

    /// A dataset from groups; groups of the same kind are merged (in the order given).
    public init(inputCount: Int, groups: [DerivativeGroup<Scalar>]) {
        precondition(inputCount >= 1, "a derivative dataset needs at least one input")
        var byKind: [DerivativeKind: [DerivativeGroup<Scalar>]] = [:]
        for g in groups {
            precondition(g.points.shape[1] == inputCount, "group \(g.kind) has points \(g.points.shape), expected \(inputCount) inputs")
            precondition(g.kind.inputs.allSatisfy { $0 >= 0 && $0 < inputCount }, "group \(g.kind) refers to an input beyond \(inputCount)")
            byKind[g.kind, default: []].append(g)
        }
        self.inputCount = inputCount
        self.groups = byKind.keys.sorted().compactMap { kind in
            guard let parts = byKind[kind] else { return nil }
            if parts.count == 1 { return parts[0] }
            return DerivativeGroup(kind: kind, points: Tensor.concatenate(parts.map(\.points), axis: 0),
                                   targets: Tensor.concatenate(parts.map(\.targets), axis: 0))
        }
    }

    /// A dataset from individual samples (`point` has `inputCount` entries).
    public init(inputCount: Int, samples: [(kind: DerivativeKind, point: [Scalar], target: Scalar)]) {
        var rows: [DerivativeKind: (points: [Scalar], targets: [Scalar])] = [:]
        for s in samples {
            precondition(s.point.count == inputCount, "a sample of \(s.kind) has \(s.point.count) inputs, expected \(inputCount)")
            rows[s.kind, default: ([], [])].points += s.point
            rows[s.kind, default: ([], [])].targets.append(s.target)
        }
        self.init(inputCount: inputCount, groups: rows.map { kind, r in
            DerivativeGroup(kind: kind, points: Tensor(shape: [r.targets.count, inputCount], scalars: r.points),
                            targets: Tensor(r.targets))
        })
    }

    /// The kinds present, sorted.
    public var kinds: [DerivativeKind] { groups.map(\.kind) }
    /// m, one more than the largest output index referred to.
    public var outputCount: Int { (groups.map(\.kind.output).max() ?? 0) + 1 }
    /// Total number of samples.
    public var sampleCount: Int { groups.reduce(0) { $0 + $1.count } }
    /// The highest derivative order present.
    public var maximumOrder: Int { groups.map(\.kind.order).max() ?? 0 }
    /// The group of `kind`, if present.
    public subscript(kind: DerivativeKind) -> DerivativeGroup<Scalar>? { groups.first { $0.kind == kind } }
}

/// A malformed derivative CSV file; the message names the file, line and column.
public struct DerivativeCSVError: Error, CustomStringConvertible, Equatable {
    /// The file (or the name given for in-memory data).
    public var file: String
    /// 1-based line, when the problem is on a line.
    public var line: Int?
    /// 1-based column: the field number for bad fields, the byte offset for bad encoding.
    public var column: Int?
    /// What is wrong.
    public var message: String

    /// An error in `file`, at `line` and `column` when known.
    public init(file: String, line: Int? = nil, column: Int? = nil, message: String) {
        self.file = file; self.line = line; self.column = column; self.message = message
    }

    /// `file:line:column: message`.
    public var description: String {
        [file, line.map(String.init), column.map(String.init)].compactMap { $0 }.joined(separator: ":") + ": " + message
    }
}

/// Reads and writes derivative datasets as CSV:
///
///     x1,x2,kind,value
///     0.5,-1.0,y,0.4207
///     0.1,0.3,dy/dx1,0.9505
///     0.1,0.3,d2y/dx1dx2,-0.0295
///
/// A header names the input columns `x1`...`xn` (all of them, any order), `kind` and `value`;
/// kinds may come in any order. Blank lines and lines starting with `#` are skipped.
public enum DerivativeCSV {
    /// Reads a dataset from a file.
    public static func read<Scalar: TensorScalar>(contentsOf url: URL, as: Scalar.Type = Scalar.self)
        throws(DerivativeCSVError) -> DerivativeDataset<Scalar> {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DerivativeCSVError(file: url.path, message: "cannot read the file (\(error.localizedDescription))")
        }
        return try parse(data, file: url.path)
    }

    /// Parses CSV bytes; `file` names the source in error messages.
    public static func parse<Scalar: TensorScalar>(_ data: Data, file: String = "<data>", as: Scalar.Type = Scalar.self)
        throws(DerivativeCSVError) -> DerivativeDataset<Scalar> {
        try parseRecordingLines(data, file: file).dataset
    }

    /// Parses CSV bytes and records the header's line and the line of the first sample of each kind
    /// (1-based), so later checks (against a model) can name the place.
    static func parseRecordingLines<Scalar: TensorScalar>(_ data: Data, file: String)
        throws(DerivativeCSVError) -> (dataset: DerivativeDataset<Scalar>, headerLine: Int, firstLines: [DerivativeKind: Int]) {
        func fail(_ line: Int?, _ column: Int?, _ message: String) -> DerivativeCSVError {
            DerivativeCSVError(file: file, line: line, column: column, message: message)
        }
        let bytes = [UInt8](data)
        var lines: [(number: Int, text: String)] = []
        var start = 0, number = 1
        while start <= bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let raw = bytes[start..<end]
            if let bad = firstInvalidUTF8Offset(raw) {
                throw fail(number, bad + 1, "the file is not valid UTF-8 (bad byte 0x\(String(raw[raw.startIndex + bad], radix: 16)))")
            }
            var text = String(decoding: raw, as: UTF8.self)
            if number == 1, text.hasPrefix("\u{FEFF}") { text.removeFirst() }
            if text.hasSuffix("\r") { text.removeLast() }
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty && !trimmed.hasPrefix("#") { lines.append((number, text)) }
            start = end + 1; number += 1
        }
        guard let header = lines.first else { throw fail(nil, nil, "the file is empty (expected a header: x1,...,xn,kind,value)") }

        // Header.
        let names = fields(header.text)
        var inputColumn: [Int: Int] = [:]
        var kindColumn: Int?, valueColumn: Int?
        for (c, name) in names.enumerated() {
            let key = name.lowercased()
            if key == "kind" { kindColumn = c } else if key == "value" { valueColumn = c }
            else if key.hasPrefix("x"), let i = Int(key.dropFirst()), i >= 1, String(i) == String(key.dropFirst()) {
                guard inputColumn[i - 1] == nil else { throw fail(header.number, c + 1, "input column '\(name)' appears twice") }
                inputColumn[i - 1] = c
            } else {
                throw fail(header.number, c + 1, "unexpected column '\(name)' (expected x1,...,xn, kind and value)")
            }
        }
        guard let kindColumn else { throw fail(header.number, nil, "the header has no 'kind' column") }
        guard let valueColumn else { throw fail(header.number, nil, "the header has no 'value' column") }
        let n = inputColumn.count
        guard n >= 1 else { throw fail(header.number, nil, "the header has no input columns (x1,...,xn)") }
        for i in 0..<n where inputColumn[i] == nil {
            throw fail(header.number, nil, "the header has \(n) input columns but no 'x\(i + 1)'")
        }

        // Rows.
        var rows: [DerivativeKind: (points: [Scalar], targets: [Scalar])] = [:]
        var firstLines: [DerivativeKind: Int] = [:]
        for line in lines.dropFirst() {
            let f = fields(line.text)
            guard f.count == names.count else {
                throw fail(line.number, nil, "expected \(names.count) columns, found \(f.count)")
            }
            func number(_ c: Int) throws(DerivativeCSVError) -> Scalar {
                guard let d = Double(f[c]) else {
                    throw fail(line.number, c + 1, "'\(f[c])' in column '\(names[c])' is not a number")
                }
                guard d.isFinite else {
                    throw fail(line.number, c + 1, "'\(f[c])' in column '\(names[c])' is not a finite number")
                }
                return Scalar(d)
            }
            guard let kind = DerivativeKind(parsing: f[kindColumn]) else {
                throw fail(line.number, kindColumn + 1,
                           "unknown kind '\(f[kindColumn])' (expected y, yJ, dy/dxI, dyJ/dxI, d2y/dxIdxK or d2yJ/dxIdxK)")
            }
            if let bad = kind.inputs.first(where: { $0 >= n }) {
                throw fail(line.number, kindColumn + 1, "kind '\(f[kindColumn])' refers to input x\(bad + 1), but there are \(n) inputs")
            }
            var point: [Scalar] = []
            for i in 0..<n { point.append(try number(inputColumn[i] ?? 0)) }
            let target = try number(valueColumn)
            rows[kind, default: ([], [])].points += point
            rows[kind, default: ([], [])].targets.append(target)
            if firstLines[kind] == nil { firstLines[kind] = line.number }
        }
        guard !rows.isEmpty else { throw fail(header.number, nil, "the file has a header but no samples") }
        let dataset = DerivativeDataset(inputCount: n, groups: rows.map { kind, r in
            DerivativeGroup(kind: kind, points: Tensor(shape: [r.targets.count, n], scalars: r.points), targets: Tensor(r.targets))
        })
        return (dataset, header.number, firstLines)
    }

    /// The dataset as CSV text (header `x1,...,xn,kind,value`; groups in order; shortest
    /// round-tripping decimal form, so `parse(write(d))` reproduces `d` exactly).
    public static func write<Scalar: TensorScalar>(_ dataset: DerivativeDataset<Scalar>) -> String {
        var out = (1...dataset.inputCount).map { "x\($0)" }.joined(separator: ",") + ",kind,value\n"
        for g in dataset.groups {
            let p = g.points.scalars, t = g.targets.scalars
            for r in 0..<g.count {
                let xs = (0..<dataset.inputCount).map { "\(p[r * dataset.inputCount + $0])" }
                out += xs.joined(separator: ",") + ",\(g.kind),\(t[r])\n"
            }
        }
        return out
    }

    /// Comma-separated fields, trimmed; a field wrapped in double quotes loses them.
    static func fields(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map { part in
            var s = part.trimmingCharacters(in: .whitespaces)
            if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { s = String(s.dropFirst().dropLast()) }
            return s
        }
    }

    /// The offset of the first byte that does not start or continue a valid UTF-8 sequence.
    static func firstInvalidUTF8Offset(_ bytes: ArraySlice<UInt8>) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): offset += encoded.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }
}
