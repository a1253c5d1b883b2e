extension Sequential {
    /// A table in the style of Keras's `model.summary()`: one row per layer with its name and
    /// type, its output shape (`None` for the batch axis) and its parameter count, then totals.
    ///
    ///     Model: "sequential"
    ///     _________________________________________________________________
    ///      Layer (type)                 Output Shape              Param #
    ///     =================================================================
    ///      conv2d_1 (Conv2D)            (None, 32, 32, 32)        896
    ///     ...
    ///     Total params: 3,706,282
    public func summary(title: String = "sequential") -> String {
        var rows: [(String, String, String)] = []
        var shape = inputShape
        for layer in layers {
            shape = (try? layer.outputShape(for: shape)) ?? shape     // validated at construction
            let type = String(describing: Swift.type(of: layer)).prefix { $0 != "<" }
            rows.append((" \(layer.name) (\(type))", "(" + (["None"] + shape.map(String.init)).joined(separator: ", ") + ")",
                         Self.grouped(layer.parameterCount)))
        }
        let w0 = Swift.max(29, (rows.map(\.0.count).max() ?? 0) + 2)
        let w1 = Swift.max(26, (rows.map(\.1.count).max() ?? 0) + 2)
        let w2 = Swift.max(10, (rows.map(\.2.count).max() ?? 0))
        let width = w0 + w1 + w2
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var lines = ["Model: \"\(title)\"", String(repeating: "_", count: width),
                     pad(" Layer (type)", w0) + pad("Output Shape", w1) + "Param #",
                     String(repeating: "=", count: width)]
        for (i, row) in rows.enumerated() {
            lines.append(pad(row.0, w0) + pad(row.1, w1) + row.2)
            if i + 1 < rows.count { lines.append("") }
        }
        let total = parameterCount
        lines += [String(repeating: "=", count: width),
                  "Total params: \(Self.grouped(total))",
                  "Trainable params: \(Self.grouped(total))",
                  "Non-trainable params: 0",
                  String(repeating: "_", count: width)]
        return lines.joined(separator: "\n") + "\n"
    }

    /// 3706282 -> "3,706,282".
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n.magnitude))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return (n < 0 ? "-" : "") + out
    }
}
