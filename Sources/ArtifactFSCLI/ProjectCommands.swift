import ArgumentParser
import ArtifactFS
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make this folder an ArtifactFS project: its metadata lives in .artifactfs/ here.",
        discussion: """
            With --metadata, the project's stacks, components, secrets and plugin flavors live on a \
            PostgreSQL server the team shares instead; .artifactfs/ records which (ARTIFACTFS_METADATA_URL \
            overrides it). The password comes from PGPASSWORD or ~/.pgpass, never from the recorded URL.
            """
    )

    @Option(
        name: .customLong("metadata"),
        help: ArgumentHelp("A PostgreSQL server to keep the metadata on.", valueName: "postgresql://USER@HOST:PORT/DB")
    )
    var metadataURL: String?

    func validate() throws {
        guard let metadataURL else { return }
        let server: MetadataServerURL
        do {
            server = try MetadataServerURL(metadataURL)
        } catch let error as StackError {
            throw ValidationError(error.message)
        }
        guard !server.hasPassword else {
            throw ValidationError(
                "the --metadata URL must not carry a password (it is recorded in .artifactfs/): put it in PGPASSWORD or ~/.pgpass"
            )
        }
    }

    func run() throws {
        let folder = FileManager.default.currentDirectoryPath
        let created = try ConfigLocation.initialise(in: folder)
        let directory = URL(fileURLWithPath: folder).appendingPathComponent(ConfigLocation.projectFolderName).path
        let record = directory + "/" + MetadataServerURL.fileName
        let previous = FileManager.default.contents(atPath: record)
        if let metadataURL { try MetadataServerURL(metadataURL).record(in: directory) }
        let store: MetadataStore
        do {
            store = try Project.store()
        } catch {
            // A server that cannot be reached is not recorded: the project stays as it was.
            if metadataURL != nil {
                if let previous {
                    try? previous.write(to: URL(fileURLWithPath: record))
                } else {
                    try? FileManager.default.removeItem(atPath: record)
                }
            }
            throw error
        }
        Output.line("\(created ? "Initialised" : "Reinitialised existing") ArtifactFS project in \(store.directory)")
        if store.server != nil { Output.line("Metadata on \(store.location)") }
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
