import ArgumentParser
import ArtifactFS
import Foundation
import PluginHost

/// Names one component type for the generic component commands: one line per type, so the
/// commands themselves are written once.
protocol ComponentTypeSelector {
    static var type: StackComponentType { get }
}

enum OrchestratorType: ComponentTypeSelector { static var type: StackComponentType { .orchestrator } }
enum ArtifactStoreType: ComponentTypeSelector { static var type: StackComponentType { .artifactStore } }
enum ContainerRegistryType: ComponentTypeSelector { static var type: StackComponentType { .containerRegistry } }
enum StepOperatorType: ComponentTypeSelector { static var type: StackComponentType { .stepOperator } }
enum ModelDeployerType: ComponentTypeSelector { static var type: StackComponentType { .modelDeployer } }
enum FeatureStoreType: ComponentTypeSelector { static var type: StackComponentType { .featureStore } }
enum ExperimentTrackerType: ComponentTypeSelector { static var type: StackComponentType { .experimentTracker } }
enum AlerterType: ComponentTypeSelector { static var type: StackComponentType { .alerter } }
enum AnnotatorType: ComponentTypeSelector { static var type: StackComponentType { .annotator } }
enum DataValidatorType: ComponentTypeSelector { static var type: StackComponentType { .dataValidator } }
enum ImageBuilderType: ComponentTypeSelector { static var type: StackComponentType { .imageBuilder } }
enum ModelRegistryType: ComponentTypeSelector { static var type: StackComponentType { .modelRegistry } }
enum LogStoreType: ComponentTypeSelector { static var type: StackComponentType { .logStore } }
enum DeployerType: ComponentTypeSelector { static var type: StackComponentType { .deployer } }

enum ComponentTypeCommands {
    /// One `artifactfs <type> ...` command per component type, in the order of ``StackComponentType``.
    static let all: [any ParsableCommand.Type] = [
        ComponentCommand<OrchestratorType>.self, ComponentCommand<ArtifactStoreType>.self,
        ComponentCommand<ContainerRegistryType>.self, ComponentCommand<StepOperatorType>.self,
        ComponentCommand<ModelDeployerType>.self, ComponentCommand<FeatureStoreType>.self,
        ComponentCommand<ExperimentTrackerType>.self, ComponentCommand<AlerterType>.self,
        ComponentCommand<AnnotatorType>.self, ComponentCommand<DataValidatorType>.self,
        ComponentCommand<ImageBuilderType>.self, ComponentCommand<ModelRegistryType>.self,
        ComponentCommand<LogStoreType>.self, ComponentCommand<DeployerType>.self,
    ]
}

struct ComponentCommand<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: T.type.cliName,
            abstract: "Manage \(T.type.displayName) components and flavors.",
            subcommands: [
                FlavorCommand<T>.self, RegisterComponent<T>.self, ListComponents<T>.self, DescribeComponent<T>.self,
                UpdateComponent<T>.self, RenameComponent<T>.self, DeleteComponent<T>.self,
            ] + (T.type == .modelRegistry ? [ModelsCommand.self] : [])
        )
    }
}

struct FlavorCommand<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "flavor",
            abstract: "List, describe, register and delete \(T.type.displayName) flavors.",
            subcommands: [
                ListFlavors<T>.self, DescribeFlavor<T>.self, RegisterFlavor<T>.self, TrustFlavor<T>.self,
                DeleteFlavor<T>.self,
            ]
        )
    }
}

struct ListFlavors<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: "List the flavors.")
    }

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() throws {
        let flavors = try Project.store().flavors.flavors(of: T.type)
        if json { return try Output.json(flavors.map(FlavorRecord.init)) }
        guard !flavors.isEmpty else {
            return Output.line("No \(T.type.displayName) flavors are registered.")
        }
        Output.table(
            ["FLAVOR", "SOURCE", "TRUST", "DESCRIPTION"],
            flavors.map { [$0.name, flavorSource($0), flavorTrust($0), $0.summary] }
        )
    }
}

struct DescribeFlavor<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "describe", abstract: "Show a flavor's config fields.")
    }

    @Flag(help: "Print a JSON object.")
    var json = false

    @Argument(help: "The flavor's name.")
    var name: String

    func run() throws {
        let flavor = try Project.store().flavors.flavor(name, of: T.type)
        if json { return try Output.json(FlavorRecord(flavor)) }
        Output.line("\(T.type.displayName) flavor '\(flavor.name)': \(flavor.summary)")
        Output.line("source: \(flavorSource(flavor))")
        Output.table(
            ["FIELD", "TYPE", "REQUIRED", "DEFAULT", "SECRET", "RULE", "HELP"],
            flavor.schema.fields.map {
                [
                    $0.name, $0.type.rawValue, $0.required ? "yes" : "no", $0.defaultValue?.description ?? "-",
                    $0.secret ? "yes" : $0.type == .secretName ? "name" : "no", $0.rule?.summary ?? "-", $0.help,
                ]
            }
        )
        for group in flavor.schema.exclusive {
            Output.line("at most one of: \(group.joined(separator: ", "))")
        }
    }
}

struct RegisterComponent<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "register",
            abstract:
                "Register a \(T.type.displayName): artifactfs \(T.type.cliName) register NAME --flavor F --KEY=VALUE ...",
            discussion:
                "Config fields are given as --KEY=VALUE; `flavor describe F` lists them. Secret fields take only a reference, --KEY='{{SECRET.KEY}}'."
        )
    }

    @Argument(help: "The component's name.")
    var name: String

    @Option(help: "The flavor to instantiate.")
    var flavor: String

    @Option(name: .customLong("label"), help: "A KEY=VALUE label (repeatable).")
    var labels: [String] = []

    @Argument(parsing: .allUnrecognized, help: "Config fields as --KEY=VALUE.")
    var settings: [String] = []

    func run() throws {
        let store = try Project.store()
        let schema = try store.flavors.flavor(flavor, of: T.type).schema
        let config = try schema.parse(parseSettings(settings), flavor: flavor)
        let component = try store.registerComponent(
            name: name,
            type: T.type,
            flavor: flavor,
            config: config,
            labels: parseLabels(labels)
        )
        Output.line("Registered \(T.type.displayName) '\(component.name)' (flavor \(component.flavor)).")
    }
}

struct ListComponents<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "list", abstract: "List the registered components.")
    }

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() throws {
        let store = try Project.store()
        let components = try store.components(of: T.type)
        let active = try? store.activeStack().components[T.type]?.id
        if json { return try Output.json(components.map { ComponentRecord($0, active: $0.id == active) }) }
        guard !components.isEmpty else { return Output.line("No \(T.type.displayName) components are registered.") }
        Output.table(
            ["ACTIVE", "NAME", "FLAVOR", "CONFIG"],
            components.map { [$0.id == active ? "*" : "", $0.name, $0.flavor, describeConfig($0.config)] }
        )
    }
}

struct DescribeComponent<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "describe", abstract: "Show a component.")
    }

    @Flag(help: "Print a JSON object.")
    var json = false

    @Argument(help: "The component's name; the active stack's when omitted.", completion: Completion.components(T.type))
    var name: String?

    func run() throws {
        let store = try Project.store()
        let component: StackComponent
        if let name {
            component = try store.component(name, of: T.type)
        } else if let active = try store.activeStack().components[T.type] {
            component = active
        } else {
            throw StackError(.notFound, "the active stack has no \(T.type.displayName); name one")
        }
        let usedBy = try store.stacks().filter { $0.components[T.type]?.id == component.id }.map(\.name)
        if json { return try Output.json(ComponentRecord(component, active: nil, stacks: usedBy)) }
        Output.line("\(T.type.displayName) '\(component.name)'")
        Output.table(
            ["PROPERTY", "VALUE"],
            [
                ["id", component.id.uuidString], ["flavor", component.flavor],
                ["created", Output.timestamp(component.created)],
                ["updated", Output.timestamp(component.updated)], ["stacks", usedBy.joined(separator: ", ")],
                [
                    "labels",
                    component.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "),
                ],
            ]
                + component.config.sorted { $0.key < $1.key }.map { ["config.\($0.key)", $0.value.description] }
        )
    }
}

struct UpdateComponent<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "update", abstract: "Change config fields or labels of a component.")
    }

    @Argument(help: "The component's name.", completion: Completion.components(T.type))
    var name: String

    @Option(help: "Remove a config field (repeatable).")
    var unset: [String] = []

    @Option(name: .customLong("label"), help: "Replace the labels with these KEY=VALUE pairs (repeatable).")
    var labels: [String] = []

    @Argument(parsing: .allUnrecognized, help: "Config fields as --KEY=VALUE.")
    var settings: [String] = []

    func run() throws {
        let store = try Project.store()
        let component = try store.component(name, of: T.type)
        let schema = try store.flavors.flavor(component.flavor, of: T.type).schema
        var changes: [String: ConfigValue?] = try schema.parse(parseSettings(settings), flavor: component.flavor)
            .mapValues { $0 }
        for field in unset { changes[field] = .some(nil) }
        guard !changes.isEmpty || !labels.isEmpty else {
            throw ValidationError("nothing to update: give --KEY=VALUE, --unset KEY or --label KEY=VALUE")
        }
        try store.updateComponent(name, of: T.type, config: changes, labels: labels.isEmpty ? nil : parseLabels(labels))
        Output.line("Updated \(T.type.displayName) '\(name)'.")
    }
}

struct RenameComponent<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "rename", abstract: "Rename a component.")
    }

    @Argument(help: "The current name.", completion: Completion.components(T.type))
    var name: String

    @Argument(help: "The new name.")
    var newName: String

    func run() throws {
        try Project.store().renameComponent(name, of: T.type, to: newName)
        Output.line("Renamed \(T.type.displayName) '\(name)' to '\(newName)'.")
    }
}

struct DeleteComponent<T: ComponentTypeSelector>: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "delete", abstract: "Delete a component no stack uses.")
    }

    @Argument(help: "The component's name.", completion: Completion.components(T.type))
    var name: String

    func run() throws {
        try Project.store().deleteComponent(name, of: T.type)
        Output.line("Deleted \(T.type.displayName) '\(name)'.")
    }
}

/// A flavor as the `--json` outputs print it.
struct FlavorRecord: Encodable {
    let name: String
    let type: String
    let summary: String
    let source: String
    let trust: String
    let fields: [ConfigField]
    let exclusive: [[String]]

    init(_ flavor: any Flavor) {
        name = flavor.name
        type = flavor.type.rawValue
        summary = flavor.summary
        source = flavorSource(flavor)
        trust = flavorTrust(flavor)
        fields = flavor.schema.fields
        exclusive = flavor.schema.exclusive
    }
}

/// Whether this machine may load a flavor's plugin: `built-in`, or the ``PluginTrustStatus`` word
/// (`trusted`, `untrusted`, `changed`, `unpinned`, `unreadable`).
func flavorTrust(_ flavor: any Flavor) -> String {
    (flavor as? any PluginBackedFlavor)?.pin.status().word ?? "built-in"
}

/// Where a flavor comes from: `built-in`, or the plugin source it was registered from.
func flavorSource(_ flavor: any Flavor) -> String {
    (flavor as? any PluginBackedFlavor)?.source ?? "built-in"
}

/// A component as the `--json` outputs print it: secret fields show only their references.
struct ComponentRecord: Encodable {
    let id: UUID
    let name: String
    let type: String
    let flavor: String
    let config: ComponentConfig
    let labels: [String: String]
    let created: Date
    let updated: Date
    let active: Bool?
    let stacks: [String]?

    init(_ component: StackComponent, active: Bool?, stacks: [String]? = nil) {
        id = component.id
        name = component.name
        type = component.type.rawValue
        flavor = component.flavor
        config = component.config
        labels = component.labels
        created = component.created
        updated = component.updated
        self.active = active
        self.stacks = stacks
    }
}

/// `key=value, ...` for a config, sorted by key.
func describeConfig(_ config: ComponentConfig) -> String {
    config.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
}
