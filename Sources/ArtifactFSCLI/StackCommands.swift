import ArgumentParser
import ArtifactFS
import Foundation

struct StackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stack",
        abstract: "Manage stacks: one component per type, exactly one artifact store.",
        subcommands: [
            RegisterStack.self, ListStacks.self, DescribeStack.self, SetStack.self, UpdateStack.self, RenameStack.self,
            DeleteStack.self, ExportStack.self, ImportStack.self,
        ]
    )
}

/// Turns `--model-registry NAME`-style arguments into component names by type.
func parseStackComponents(_ arguments: [String]) throws -> [StackComponentType: String] {
    var components: [StackComponentType: String] = [:]
    for (key, value) in try parseSettings(arguments) {
        guard let type = StackComponentType(name: key) else {
            let known = StackComponentType.allCases.map { "--" + $0.cliName }.joined(separator: ", ")
            throw ValidationError(
                "unknown component type flag '--\(key.replacingOccurrences(of: "_", with: "-"))' (known: \(known))"
            )
        }
        components[type] = value
    }
    return components
}

struct RegisterStack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a stack from registered components.",
        discussion:
            "Name one component per type: --artifact-store NAME (or -a NAME), --model-registry NAME, --orchestrator NAME, ..."
    )

    @Argument(help: "The stack's name.")
    var name: String

    @Option(
        name: [.customShort("a"), .customLong("artifact-store")],
        help: "The artifact store component.",
        completion: Completion.components(.artifactStore)
    )
    var artifactStore: String

    @Flag(help: "Make it the active stack.")
    var set = false

    @Argument(parsing: .allUnrecognized, help: "Other components as --TYPE NAME.")
    var others: [String] = []

    func run() throws {
        var components = try parseStackComponents(others)
        components[.artifactStore] = artifactStore
        let store = try Project.store()
        try store.registerStack(name, components: components)
        if set { try store.setActiveStack(name) }
        Output.line("Registered stack '\(name)'\(set ? " and made it active" : "").")
    }
}

struct ListStacks: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the stacks.")

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() throws {
        let store = try Project.store()
        let active = try? store.activeStack().id
        let stacks = try store.stacks()
        if json { return try Output.json(stacks.map { StackRecord($0, active: $0.id == active) }) }
        Output.table(
            ["ACTIVE", "STACK", "COMPONENTS"],
            stacks.map { stack in
                [
                    stack.id == active ? "*" : "", stack.name,
                    stack.components.sorted { $0.key < $1.key }.map { "\($0.key.cliName)=\($0.value.name)" }.joined(
                        separator: ", "
                    ),
                ]
            }
        )
    }
}

struct DescribeStack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a stack and its components."
    )

    @Flag(help: "Print a JSON object.")
    var json = false

    @Argument(help: "The stack's name; the active stack when omitted.", completion: Completion.stacks)
    var name: String?

    func run() throws {
        let store = try Project.store()
        let active = try? store.activeStack()
        let stack = try name.map(store.stack) ?? store.activeStack()
        if json { return try Output.json(StackRecord(stack, active: stack.id == active?.id)) }
        Output.line("Stack '\(stack.name)'\(stack.id == active?.id ? " (active)" : "")")
        Output.table(
            ["TYPE", "NAME", "FLAVOR", "CONFIG"],
            stack.components.sorted { $0.key < $1.key }.map {
                [$0.key.cliName, $0.value.name, $0.value.flavor, describeConfig($0.value.config)]
            }
        )
    }
}

struct SetStack: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Make a stack the active one.")

    @Argument(help: "The stack's name.", completion: Completion.stacks)
    var name: String

    func run() throws {
        try Project.store().setActiveStack(name)
        Output.line("Active stack: '\(name)'.")
    }
}

struct UpdateStack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Add, replace or remove components of a stack.",
        discussion:
            "--TYPE NAME adds or replaces the component of that type; --remove TYPE removes it (not the artifact store)."
    )

    @Argument(help: "The stack's name.", completion: Completion.stacks)
    var name: String

    @Option(help: "A component type to remove (repeatable), e.g. --remove model-registry.")
    var remove: [String] = []

    @Argument(parsing: .allUnrecognized, help: "Components as --TYPE NAME.")
    var components: [String] = []

    func run() throws {
        var changes: [StackComponentType: String?] = try parseStackComponents(components).mapValues { $0 }
        for typeName in remove {
            guard let type = StackComponentType(name: typeName) else {
                throw ValidationError("unknown component type '\(typeName)' for --remove")
            }
            changes[type] = .some(nil)
        }
        guard !changes.isEmpty else { throw ValidationError("nothing to update: give --TYPE NAME or --remove TYPE") }
        try Project.store().updateStack(name, components: changes)
        Output.line("Updated stack '\(name)'.")
    }
}

struct RenameStack: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rename", abstract: "Rename a stack.")

    @Argument(help: "The current name.", completion: Completion.stacks)
    var name: String

    @Argument(help: "The new name.")
    var newName: String

    func run() throws {
        try Project.store().renameStack(name, to: newName)
        Output.line("Renamed stack '\(name)' to '\(newName)'.")
    }
}

struct DeleteStack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a stack (its components stay registered)."
    )

    @Argument(help: "The stack's name.", completion: Completion.stacks)
    var name: String

    func run() throws {
        try Project.store().deleteStack(name)
        Output.line("Deleted stack '\(name)'.")
    }
}

struct ExportStack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a stack as YAML (secrets stay {{...}} references)."
    )

    @Argument(help: "The stack's name.", completion: Completion.stacks)
    var name: String

    @Argument(help: "The YAML file to write; - for standard output.")
    var file: String

    func run() throws {
        guard try writeExport(Project.store().exportStack(name), to: file) else { return }
        Output.line("Exported stack '\(name)' to \(file).")
    }
}

struct ImportStack: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Register a stack from a YAML export.",
        discussion: "Identical components are reused; a taken name gets an -imported suffix."
    )

    @Argument(help: "The YAML file; - for standard input.")
    var file: String

    @Option(help: "Register the stack under this name instead of the exported one.")
    var name: String?

    func run() throws {
        let yaml = try readText(file)
        let (stack, created) = try Project.store().importStack(
            yaml: yaml,
            name: name,
            source: file == "-" ? "standard input" : file
        )
        for component in created { Output.line("Registered \(component.type.displayName) '\(component.name)'.") }
        Output.line("Imported stack '\(stack.name)'.")
    }
}

/// A stack as the `--json` outputs print it.
struct StackRecord: Encodable {
    let id: UUID
    let name: String
    let active: Bool
    let components: [String: ComponentRecord]

    init(_ stack: Stack, active: Bool) {
        id = stack.id
        name = stack.name
        self.active = active
        components = Dictionary(
            uniqueKeysWithValues: stack.components.map { ($0.key.rawValue, ComponentRecord($0.value, active: nil)) }
        )
    }
}
