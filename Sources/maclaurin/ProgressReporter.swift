#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// How a long-running command reports progress on standard error.
///
/// On a terminal: one live line (step, loss, rate, time left) rewritten in place. Otherwise (CI,
/// pipes): a plain line every `every` steps and at the end. `--quiet` prints nothing; `--json`
/// prints one JSON object per report on standard output, for scripts.
final class ProgressReporter {
    enum Style { case live, lines, quiet, json }

    let style: Style
    let total: Int
    let every: Int
    private let start = Date()
    private var lastDraw = Date.distantPast

    init(total: Int, quiet: Bool, json: Bool, every: Int? = nil) {
        self.total = max(total, 1)
        self.every = max(1, every ?? max(1, total / 20))
        if json { style = .json } else if quiet { style = .quiet } else {
            style = isatty(STDERR_FILENO) != 0 ? .live : .lines
        }
    }

    /// Reports step `step` (1-based) with named values (loss first).
    func report(step: Int, _ values: [(String, Double)]) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(step) / max(elapsed, 1e-9)
        let left = Double(total - step) / max(rate, 1e-9)
        let last = step == total
        switch style {
        case .quiet:
            return
        case .json:
            guard step % every == 0 || last else { return }
            var object: [String: Any] = ["step": step, "of": total, "seconds": elapsed]
            for (k, v) in values { object[k] = v.isFinite ? v : "\(v)" }
            if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
                print(String(decoding: data, as: UTF8.self))
                fflush(stdout)  // a script reading the pipe sees each report when it is made
            }
        case .lines:
            guard step % every == 0 || last else { return }
            FileHandle.standardError.write(Data((line(step, values, rate: rate, left: left) + "\n").utf8))
        case .live:
            guard Date().timeIntervalSince(lastDraw) > 0.1 || last else { return }
            lastDraw = Date()
            let text = "\r\u{1B}[2K" + line(step, values, rate: rate, left: left) + (last ? "\n" : "")
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    private func line(_ step: Int, _ values: [(String, Double)], rate: Double, left: Double) -> String {
        let width = String(total).count
        let stepText = String(repeating: " ", count: max(0, width - String(step).count)) + "\(step)/\(total)"
        let shown = values.map { "\($0.0) \(String(format: "%.6g", $0.1))" }.joined(separator: "  ")
        return "\(stepText)  \(shown)  \(String(format: "%.1f", rate))/s  \(String(format: "%.0f", left))s left"
    }
}
