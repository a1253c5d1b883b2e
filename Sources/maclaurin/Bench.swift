import ArgumentParser
import Maclaurin
import MaclaurinBenchmarks

/// `maclaurin bench`: the side-by-side benchmark workloads (Benchmarks/README.md).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run benchmark workloads; prints 'workload impl median_ms key=value...' lines.",
        discussion: """
            Each workload runs a few warm-up repetitions, then reports the median wall time in \
            milliseconds. Build in release mode for meaningful figures. Benchmarks/README.md runs the \
            JAX, PyTorch and pyswarms references beside it.

            Examples:
              maclaurin bench --list
              maclaurin bench W1 W7
            """
    )

    @Argument(help: "Workload ids (default: all). Use --list to see them.")
    var workloads: [String] = []

    @Flag(help: "List the workloads and exit.")
    var list = false

    func run() throws {
        let all = WorkloadRegistry.all
        if list {
            for w in all { print("\(w.id)\t\(w.summary)") }
            return
        }
        let unknown = workloads.filter { id in !all.contains { $0.id.lowercased() == id.lowercased() } }
        if !unknown.isEmpty {
            throw ValidationError("unknown workload(s) \(unknown.joined(separator: ", ")); known: \(all.map(\.id).joined(separator: " "))")
        }
        let chosen = workloads.isEmpty ? all : all.filter { w in workloads.contains { $0.lowercased() == w.id.lowercased() } }
        print("# maclaurin bench: isa=\(KernelInfo.isaName) threads=\(KernelInfo.threads)")
        for w in chosen {
            for m in w.run() { print(m.line) }
        }
    }
}
