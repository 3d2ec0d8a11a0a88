import ArgumentParser
import ArtifactFS
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make this folder an ArtifactFS project: its metadata lives in .artifactfs/ here.")

    func run() throws {
        let folder = FileManager.default.currentDirectoryPath
        let created = try ConfigLocation.initialise(in: folder)
        let store = try Project.store()
        Output.line("\(created ? "Initialised" : "Reinitialised existing") ArtifactFS project in \(store.directory)")
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the config folder, the active stack and its components.")

    @Flag(help: "Print a JSON object.")
    var json = false

    func run() throws {
        let location = ConfigLocation.find()
        let store = try Project.store()
        let stack = try store.activeStack()
        if json {
            struct Record: Encodable { let configDirectory, source: String; let stack: StackRecord }
            return try Output.json(Record(configDirectory: location.directory, source: location.source.rawValue, stack: StackRecord(stack, active: true)))
        }
        Output.line("Config folder: \(location.directory) (\(location.source.rawValue))")
        Output.line("Active stack: \(stack.name)")
        Output.table(
            ["TYPE", "NAME", "FLAVOR", "CONFIG"],
            stack.components.sorted { $0.key < $1.key }.map { [$0.key.cliName, $0.value.name, $0.value.flavor, describeConfig($0.value.config)] })
    }
}
