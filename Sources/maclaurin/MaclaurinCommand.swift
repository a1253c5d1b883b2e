import ArgumentParser

/// The `maclaurin` command-line tool: thin wrappers that parse, call the library and print.
@main
struct MaclaurinCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "maclaurin",
        abstract: "Neural networks whose input derivatives are first-class.",
        discussion: """
            Exact input derivatives of any order (Jacobian, Hessian, Taylor-mode directional \
            derivatives), training on value and derivative data, and Taylor-series (Maclaurin) layers.
            """,
        subcommands: [Derive.self, Fit.self, Train.self, Evaluate.self, Plot.self, Bench.self]
    )
}
