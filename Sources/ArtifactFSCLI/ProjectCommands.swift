import ArgumentParser
import ArtifactFS
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make this folder an ArtifactFS project: its metadata lives in .artifactfs/ here."
    )

    func run() throws {
        let folder = FileManager.default.currentDirectoryPath
        let created = try ConfigLocation.initialise(in: folder)
        let store = try Project.store()
        Output.line("\(created ? "Initialised" : "Reinitialised existing") ArtifactFS project in \(store.directory)")
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the config folder, the active stack and its components."
    )

    @Flag(help: "Print a JSON object.")
    var json = false

    func run() throws {
        let location = ConfigLocation.find()
        let store = try Project.store()
        let stack = try store.activeStack()
        if json {
            struct Record: Encodable {
                let configDirectory, source: String
                let stack: StackRecord
            }
            return try Output.json(
                Record(
                    configDirectory: location.directory,
                    source: location.source.rawValue,
                    stack: StackRecord(stack, active: true)
                )
            )
        }
        Output.line("Config folder: \(location.directory) (\(location.source.rawValue))")
        Output.line("Active stack: \(stack.name)")
        Output.table(
            ["TYPE", "NAME", "FLAVOR", "CONFIG"],
            stack.components.sorted { $0.key < $1.key }.map {
                [$0.key.cliName, $0.value.name, $0.value.flavor, describeConfig($0.value.config)]
            }
        )
    }
}

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check every component, stack and plugin flavor against today's flavors and secrets.",
        discussion: "Reports each problem with the command that fixes it; exits 0 when all is well, 1 otherwise."
    )

    @Flag(help: "Print a JSON array of problems.")
    var json = false

    func run() throws {
        let problems = try Project.store().doctor()
        if json {
            try Output.json(problems)
        } else if problems.isEmpty {
            Output.line("All components, stacks and plugin flavors check out.")
        } else {
            for problem in problems {
                Output.line("\(problem.subject): \(problem.problem)\n  fix: \(problem.fix)")
            }
            Output.line("\(problems.count) problem\(problems.count == 1 ? "" : "s") found.")
        }
        if !problems.isEmpty { throw ExitCode(1) }
    }
}
