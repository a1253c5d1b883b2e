#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The timing protocol shared with the Python references (Benchmarks/reference): warm-up calls,
/// then at least 5 timed calls within a time budget; the median is reported.
public struct Measurement: Sendable {
    public var workload: String
    public var implementation: String
    public var medianMilliseconds: Double
    public var minimumMilliseconds: Double
    public var repetitions: Int
    /// Extra `key=value` fields (GFLOP/s, losses, ...).
    public var extra: [(String, String)] = []
    /// Share of the machine other processes used during the timed calls (percent).
    public var othersCPUPercent: Double?

    /// `workload impl median_ms key=value ...`, the line format compare.py reads.
    public var line: String {
        var s = "\(workload) \(implementation) \(format(medianMilliseconds, 4))"
        s += " reps=\(repetitions) min_ms=\(format(minimumMilliseconds, 4))"
        for (k, v) in extra { s += " \(k)=\(v)" }
        if let o = othersCPUPercent { s += " others_cpu%=\(Int(o.rounded()))" }
        return s
    }
}

/// Formats with a fixed number of decimals.
public func format(_ x: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let r = (x * scale).rounded() / scale
    var s = "\(r)"
    if let dot = s.firstIndex(of: ".") {
        let have = s.distance(from: dot, to: s.endIndex) - 1
        if have < decimals { s += String(repeating: "0", count: decimals - have) }
    } else if decimals > 0 { s += "." + String(repeating: "0", count: decimals) }
    return s
}

/// Monotonic clock in seconds.
public func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Times `body`: `warmup` untimed calls, then between 5 and `repetitions` timed calls, fewer
/// when one call is slow so the whole takes about `budget` seconds.
public func measure(_ workload: String, _ implementation: String, repetitions: Int = 50, warmup: Int = 3,
                    budget: Double = 10, _ body: () -> Void) -> Measurement {
    for _ in 0..<warmup { body() }
    let t0 = now(); body(); let one = now() - t0
    let n = max(5, min(repetitions, Int(budget / max(one, 1e-9))))
    var times: [Double] = []
    let before = CPUSnapshot()
    for _ in 0..<n {
        let s = now(); body(); times.append((now() - s) * 1e3)
    }
    let others = CPUSnapshot().othersPercent(since: before)
    times.sort()
    let median = n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2
    var m = Measurement(workload: workload, implementation: implementation, medianMilliseconds: median,
                        minimumMilliseconds: times[0], repetitions: n)
    m.othersCPUPercent = others
    return m
}

/// Machine-wide and own CPU time (jiffies) from /proc, to tell how much of the machine other
/// processes used while a measurement ran (the references report the same figure).
struct CPUSnapshot {
    var busy = 0, total = 0, own = 0

    init() {
        if let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
           let first = stat.split(separator: "\n").first {
            let v = first.split(separator: " ").dropFirst().compactMap { Int($0) }
            if v.count >= 8 {
                total = v[0..<8].reduce(0, +)
                busy = total - v[3] - v[4]
            }
        }
        if let own = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
           let close = own.lastIndex(of: ")") {
            let fields = own[own.index(after: close)...].split(separator: " ")
            if fields.count > 12, let u = Int(fields[11]), let s = Int(fields[12]) { self.own = u + s }
        }
    }

    /// Percent of the machine's capacity used by other processes since `earlier`.
    func othersPercent(since earlier: CPUSnapshot) -> Double {
        let busy = self.busy - earlier.busy, total = self.total - earlier.total, own = self.own - earlier.own
        return 100 * Double(max(0, busy - own)) / Double(max(1, total))
    }
}
