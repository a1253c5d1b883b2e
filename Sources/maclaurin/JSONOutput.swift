import Foundation
import Maclaurin

/// JSON printing helpers for the commands.
enum JSONOutput {
    /// Row `b` of a batched tensor as nested arrays of Double.
    static func row<S: TensorScalar>(_ t: Tensor<S>, _ b: Int) -> Any {
        let inner = Array(t.shape.dropFirst())
        let size = inner.reduce(1, *)
        let values = t.scalars[(b * size)..<((b + 1) * size)].map { Double($0) }
        func build(_ axis: Int, _ offset: Int) -> Any {
            if axis == inner.count { return values[offset] }
            let stride = inner[(axis + 1)...].reduce(1, *)
            return (0..<inner[axis]).map { build(axis + 1, offset + $0 * stride) }
        }
        return build(0, 0)
    }

    /// Compact JSON text (keys sorted, full round-trip precision, "/" in paths not escaped).
    static func string(_ object: Any) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}

/// An error in the user's input found while running (printed as "Error: ..." without usage).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
