import Foundation
import XCTest

/// The help of `maclaurin` and of every subcommand, from swift-argument-parser's machine-readable
/// dump (`--experimental-dump-help`), so commands added later are covered without listing them here.
final class HelpCLITests: XCTestCase {
    /// A command of the dump: name, texts, arguments and subcommands.
    struct Command {
        var path: [String]
        var abstract: String
        var discussion: String
        var arguments: [[String: Any]]
        var subcommands: [Command]

        init(_ object: [String: Any], parent: [String]) {
            path = parent + [object["commandName"] as? String ?? "?"]
            abstract = object["abstract"] as? String ?? ""
            discussion = object["discussion"] as? String ?? ""
            arguments = (object["arguments"] as? [[String: Any]] ?? []).filter { $0["shouldDisplay"] as? Bool ?? true }
            let path = self.path
            subcommands = (object["subcommands"] as? [[String: Any]] ?? [])
                .filter { $0["shouldDisplay"] as? Bool ?? true }
                .map { Command($0, parent: path) }
                .filter { $0.path.last != "help" }       // the parser's own `help` command
        }

        var all: [Command] { [self] + subcommands.flatMap(\.all) }
    }

    func dump() throws -> Command {
        let run = try CLI.run(["--experimental-dump-help"])
        XCTAssertEqual(run.status, 0, run.error)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        return Command(try XCTUnwrap(object["command"] as? [String: Any]), parent: [])
    }

    /// Every command has an abstract and a discussion; every subcommand's discussion gives examples
    /// that run it; every argument, option and flag has help; an optional value without a default
    /// says in its help what happens when it is left out.
    func testEveryCommandAndArgumentIsDocumented() throws {
        let root = try dump()
        let names = Set(root.subcommands.map { $0.path.last ?? "" })
        XCTAssertTrue(names.isSuperset(of: ["derive", "fit", "train", "evaluate", "bench"]), "\(names)")
        for command in root.all {
            let name = command.path.joined(separator: " ")
            XCTAssertFalse(command.abstract.trimmingCharacters(in: .whitespaces).isEmpty, "\(name): no abstract")
            XCTAssertFalse(command.discussion.trimmingCharacters(in: .whitespaces).isEmpty, "\(name): no discussion")
            if command.path.count > 1 {
                XCTAssertTrue(command.discussion.contains("Examples:"), "\(name): the discussion has no Examples: section")
                XCTAssertTrue(command.discussion.contains("\n  \(name)"), "\(name): no example runs '\(name)'")
                for example in command.discussion.split(separator: "\n") where example.hasPrefix("  maclaurin") {
                    XCTAssertLessThanOrEqual(example.count, 80, "\(name): example wider than a terminal: \(example)")
                }
            }
            for argument in command.arguments {
                let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
                let label = names.first.map { "--\($0)" } ?? (argument["valueName"] as? String ?? "?")
                let help = (argument["abstract"] as? String ?? "").trimmingCharacters(in: .whitespaces)
                XCTAssertFalse(help.isEmpty, "\(name) \(label): no help text")
                let kind = argument["kind"] as? String
                let optional = argument["isOptional"] as? Bool ?? false
                let repeating = argument["isRepeating"] as? Bool ?? false
                let hasDefault = !((argument["defaultValue"] as? String) ?? "").isEmpty
                if kind != "flag", optional, !repeating, !hasDefault, !["help", "version"].contains(names.first ?? "") {
                    XCTAssertTrue(help.lowercased().contains("default"),
                                  "\(name) \(label): optional without a default value; its help should say the default: \(help)")
                }
            }
        }
    }

    /// `--help` of every command prints its options, examples and the defaults the parser knows
    /// ("(default: 16)", or "(values: double, float; default: double)" for a list of choices).
    func testHelpTextShowsOptionsExamplesAndDefaults() throws {
        let root = try dump()
        let top = try CLI.run(["--help"])
        XCTAssertEqual(top.status, 0, top.error)
        for sub in root.subcommands {
            let name = sub.path.last ?? ""
            XCTAssertTrue(top.output.contains(name), "maclaurin --help does not list \(name)")
            let help = try CLI.run([name, "--help"])
            XCTAssertEqual(help.status, 0, "\(name) --help: \(help.error)")
            // Help wraps at the terminal width: compare with runs of white space collapsed.
            let text = help.output.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            let abstract = sub.abstract.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            XCTAssertTrue(text.contains(abstract), "\(name) --help lacks its abstract")
            XCTAssertTrue(help.output.contains("Examples:"), "\(name) --help lacks examples")
            for argument in sub.arguments where argument["kind"] as? String != "positional" {
                let long = (argument["names"] as? [[String: Any]] ?? []).first { $0["kind"] as? String == "long" }
                guard let option = long?["name"] as? String else { continue }
                XCTAssertTrue(help.output.contains("--\(option)"), "\(name) --help lacks --\(option)")
                if let value = argument["defaultValue"] as? String, !value.isEmpty, argument["kind"] as? String == "option" {
                    XCTAssertTrue(text.contains("default: \(value))"), "\(name) --help does not show the default of --\(option)")
                }
            }
        }
    }
}
