import ArgumentParser
import Foundation
import Maclaurin

/// `maclaurin derive`: value, Jacobian, Hessian and directional derivatives of a model.
struct Derive: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the value and input derivatives of a model at given points, as JSON.",
        discussion: """
            Prints a JSON array with one object per point: "value" (one entry per output), \
            "jacobian" (outputs x inputs), with --hessian "hessian" (outputs x inputs x inputs), and \
            with --order K "directional" (outputs x (K+1)), where entry k is d^k/dt^k f(x + t v) at \
            t = 0 (not divided by k!).
            """
    )

    @Argument(help: "A model in the JSON model format (see the README).")
    var model: String

    @Option(name: .customLong("at"), help: ArgumentHelp("A point, comma-separated (repeat for more points).", valueName: "x1,x2,..."))
    var points: [String] = []

    @Flag(help: "Also print the Hessian of every output.")
    var hessian = false

    @Option(help: "Also print directional derivatives up to this order (needs --direction).")
    var order: Int?

    @Option(help: ArgumentHelp("The direction v for --order, comma-separated.", valueName: "v1,v2,..."))
    var direction: String?

    @Option(help: "Arithmetic: double (default) or float.")
    var precision: Precision = .double

    func validate() throws {
        if points.isEmpty { throw ValidationError("give at least one point with --at") }
        if let order, order < 1 { throw ValidationError("--order must be at least 1") }
        if (order == nil) != (direction == nil) { throw ValidationError("--order and --direction go together") }
    }

    func run() throws {
        switch precision {
        case .double: try run(Double.self)
        case .float: try run(Float.self)
        }
    }

    func run<S: TensorScalar>(_: S.Type) throws {
        let net: Sequential<S> = try ModelJSON.load(contentsOf: URL(fileURLWithPath: model))
        guard net.inputShape.count == 1 else {
            throw CLIError("\(model): derive takes models with vector inputs, this one takes \(net.inputShape)")
        }
        let n = net.inputShape[0]
        let rows: [[S]] = try points.map { try parseVector($0, option: "--at", expected: n) }
        let x = Tensor<S>(rows: rows)
        let (value, jacobian) = net.valueAndJacobian(at: x)
        let h = hessian ? net.hessian(at: x) : nil
        var directional: Tensor<S>?
        if let order, let direction {
            let v = Tensor<S>(try parseVector(direction, option: "--direction", expected: n))
            directional = net.directionalDerivatives(at: x, direction: v, order: order)
        }
        var out: [[String: Any]] = []
        for b in 0..<rows.count {
            var item: [String: Any] = ["x": rows[b].map { Double($0) }, "value": JSONOutput.row(value, b),
                                       "jacobian": JSONOutput.row(jacobian, b)]
            if let h { item["hessian"] = JSONOutput.row(h, b) }
            if let directional { item["directional"] = JSONOutput.row(directional, b) }
            out.append(item)
        }
        print(try JSONOutput.string(out))
    }
}

enum Precision: String, ExpressibleByArgument, CaseIterable {
    case double, float
}

/// Parses "1,-2.5,3" into exactly `expected` finite numbers.
func parseVector<S: TensorScalar>(_ text: String, option: String, expected: Int) throws -> [S] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    var values: [S] = []
    for (i, p) in parts.enumerated() {
        guard let d = Double(p), d.isFinite else {
            throw CLIError("\(option) \(text): entry \(i + 1) ('\(p)') is not a finite number")
        }
        values.append(S(d))
    }
    guard values.count == expected else {
        throw CLIError("\(option) \(text): the model takes \(expected) inputs, got \(values.count)")
    }
    return values
}
