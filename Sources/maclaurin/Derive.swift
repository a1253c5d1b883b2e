import ArgumentParser
import Foundation
import Maclaurin

/// `maclaurin derive`: value, Jacobian, Hessian and directional derivatives of a model.
struct Derive: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the value and input derivatives of a model at given points, as JSON (or write them to .npz).",
        discussion: """
            Prints a JSON array with one object per point: "x", "value" (one entry per output), \
            "jacobian" (outputs x inputs), with --hessian "hessian" (outputs x inputs x inputs), and \
            with --order K "directional" (outputs x (K+1)), where entry k is d^k/dt^k f(x + t v) at \
            t = 0 (not divided by k!). Points come from --at (repeatable) and --points (a file), in that order.

            With --out FILE.npz the results go to a NumPy archive instead, one array per quantity with \
            the points first: x (N, n), value (N, m), jacobian (N, m, n), hessian (N, m, n, n), \
            directional (N, m, K+1); standard output then gets one JSON line naming the file and arrays.

            Examples:
              maclaurin derive net.json --at 1,1 --at 0.5,2 --hessian
              maclaurin derive net.json --at 1,1 --order 3 --direction 1,-2
              maclaurin derive model.safetensors --points X.npy --hessian --out results.npz
            """
    )

    @Argument(help: ArgumentHelp("A model file: the JSON model format (see the README) or .safetensors as "
                                 + "'maclaurin fit --out' and 'train --out' write it.", valueName: "MODEL.json|MODEL.safetensors"))
    var model: String

    @Option(name: .customLong("at"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("A point, comma-separated (repeat for more points; may start with '-').", valueName: "x1,x2,..."))
    var points: [String] = []

    @Option(name: .customLong("points"), help: ArgumentHelp(
        "A file of points: .npy (N, n), .npz (its array x) or CSV (n numbers a line, optional header). Default: none.",
        valueName: "X.npy|X.csv"))
    var pointsFile: String?

    @Flag(help: "Also compute the Hessian of every output.")
    var hessian = false

    @Option(help: "Also compute directional derivatives up to this order (needs --direction). Default: none.")
    var order: Int?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("The direction v for --order, comma-separated. Default: none.", valueName: "v1,v2,..."))
    var direction: String?

    @Option(help: "Arithmetic: double (default) or float.")
    var precision: Precision = .double

    @Option(help: ArgumentHelp("Write the results to this NumPy archive instead of printing them. Default: print JSON.",
                               valueName: "FILE.npz"))
    var out: String?

    func validate() throws {
        if points.isEmpty && pointsFile == nil { throw ValidationError("give at least one point with --at, or a file with --points") }
        if let order, order < 1 { throw ValidationError("--order must be at least 1") }
        if (order == nil) != (direction == nil) { throw ValidationError("--order and --direction go together") }
        if let out, URL(fileURLWithPath: out).pathExtension.lowercased() != "npz" {
            throw ValidationError("--out \(out): derive writes NumPy archives; give a name ending in .npz")
        }
    }

    func run() throws {
        switch precision {
        case .double: try run(Double.self)
        case .float: try run(Float.self)
        }
    }

    func run<S: TensorScalar>(_: S.Type) throws {
        let net: Sequential<S> = try loadModelFile(model, as: S.self)
        guard net.inputShape.count == 1 else {
            throw CLIError("\(model): derive takes models with vector inputs, this one takes \(net.inputShape)")
        }
        let n = net.inputShape[0]
        var rows: [[S]] = try points.map { try parseVector($0, option: "--at", expected: n) }
        if let pointsFile {
            let x: Tensor<S>
            do { x = try PointsFile.read(contentsOf: URL(fileURLWithPath: pointsFile)) } catch { throw CLIError("\(error)") }
            guard x.shape[1] == n else {
                throw CLIError("\(pointsFile): the points have \(x.shape[1]) coordinates (shape \(x.shape)), "
                               + "but the model \(model) takes \(n) inputs")
            }
            let s = x.scalars
            rows += (0..<x.shape[0]).map { Array(s[($0 * n)..<(($0 + 1) * n)]) }
        }
        let x = Tensor<S>(rows: rows)
        let (value, jacobian) = net.valueAndJacobian(at: x)
        let h = hessian ? net.hessian(at: x) : nil
        var directional: Tensor<S>?
        if let order, let direction {
            let v = Tensor<S>(try parseVector(direction, option: "--direction", expected: n))
            directional = net.directionalDerivatives(at: x, direction: v, order: order)
        }
        if let out {
            var arrays: [String: AnyTensor] = ["x": AnyTensor(x), "value": AnyTensor(value), "jacobian": AnyTensor(jacobian)]
            if let h { arrays["hessian"] = AnyTensor(h) }
            if let directional { arrays["directional"] = AnyTensor(directional) }
            do { try NPZ.write(arrays, to: URL(fileURLWithPath: out)) } catch { throw CLIError("\(error)") }
            print(try JSONOutput.string(["out": out, "points": rows.count, "arrays": arrays.keys.sorted()]))
            return
        }
        var items: [[String: Any]] = []
        for b in 0..<rows.count {
            var item: [String: Any] = ["x": rows[b].map { Double($0) }, "value": JSONOutput.row(value, b),
                                       "jacobian": JSONOutput.row(jacobian, b)]
            if let h { item["hessian"] = JSONOutput.row(h, b) }
            if let directional { item["directional"] = JSONOutput.row(directional, b) }
            items.append(item)
        }
        print(try JSONOutput.string(items))
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
