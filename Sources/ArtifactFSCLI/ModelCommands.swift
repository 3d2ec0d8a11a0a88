import ArgumentParser
import ArtifactFS
import Foundation

/// `artifactfs model-registry models ...`: the reference framework's model commands, with `--json`
/// on every listing and no clashing short flags.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "Register, promote and list models and their versions.",
        subcommands: [
            ListModels.self, RegisterModel.self, GetModel.self, UpdateModel.self, DeleteModel.self,
            RegisterModelVersion.self,
            ListModelVersions.self, GetModelVersion.self, UpdateModelVersion.self, DeleteModelVersion.self,
            SetModelAlias.self,
            DeleteModelAlias.self, LoadModelVersion.self,
        ]
    )
}

/// Picks the registry: `--registry NAME`, else the active stack's.
struct RegistryOption: ParsableArguments {
    @Option(
        help: "The model-registry component to use; the active stack's when omitted.",
        completion: Completion.components(.modelRegistry)
    )
    var registry: String?

    func open() throws -> any ModelRegistry {
        try Project.store().modelRegistry(named: registry)
    }
}

/// Parses repeated `KEY=VALUE` options (tags, metadata).
func pairs(_ items: [String], flag: String) throws -> [String: String] {
    try items.reduce(into: [:]) { result, item in
        guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
            throw ValidationError("\(flag) '\(item)' must be KEY=VALUE")
        }
        result[String(item[..<equals])] = String(item[item.index(after: equals)...])
    }
}

/// Parses `2026-11-24` or a full ISO 8601 time.
func parseDate(_ text: String, flag: String) throws -> Date {
    if let date = try? Date(text, strategy: .iso8601) { return date }
    if let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return date }
    throw ValidationError("\(flag) '\(text)' is not a date (use 2026-11-24 or 2026-11-24T10:00:00Z)")
}

func printVersions(_ versions: [ModelVersion], json: Bool) throws {
    if json { return try Output.json(versions) }
    Output.table(
        ["MODEL", "VERSION", "STAGE", "CREATED", "URI"],
        versions.map { [$0.model, $0.version, $0.stage.rawValue, Output.timestamp($0.created), $0.storedURI] }
    )
}

struct ListModels: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List registered models.")
    @OptionGroup var registry: RegistryOption
    @Option(help: "Only names containing this text.") var nameContains: String?
    @Option(name: [.customShort("t"), .long], help: "Only models with this KEY=VALUE tag (repeatable).") var tag:
        [String] = []
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        let models = try registry.open().models(nameContains: nameContains, tags: pairs(tag, flag: "--tag"))
        if json { return try Output.json(models) }
        Output.table(
            ["MODEL", "DESCRIPTION", "TAGS"],
            models.map {
                [
                    $0.name, $0.description ?? "",
                    $0.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", "),
                ]
            }
        )
    }
}

struct RegisterModel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "register", abstract: "Register a model name.")
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Option(name: [.customShort("d"), .long], help: "A description.") var description: String?
    @Option(name: [.customShort("t"), .long], help: "A KEY=VALUE tag (repeatable).") var tag: [String] = []

    func run() throws {
        try registry.open().registerModel(name, description: description, tags: pairs(tag, flag: "--tag"))
        Output.line("Registered model '\(name)'.")
    }
}

struct GetModel: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Show a model.")
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Flag(help: "Print a JSON object.") var json = false

    func run() throws {
        let model = try registry.open().model(name)
        if json { return try Output.json(model) }
        Output.table(
            ["PROPERTY", "VALUE"],
            [
                ["name", model.name], ["description", model.description ?? ""],
                ["created", Output.timestamp(model.created)],
                ["updated", Output.timestamp(model.updated)],
            ] + model.tags.sorted { $0.key < $1.key }.map { ["tag.\($0.key)", $0.value] }
        )
    }
}

struct UpdateModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Change a model's description or tags."
    )
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Option(name: [.customShort("d"), .long], help: "A new description.") var description: String?
    @Option(name: [.customShort("t"), .long], help: "Set a KEY=VALUE tag (repeatable).") var tag: [String] = []
    @Option(help: "Remove a tag (repeatable).") var removeTag: [String] = []

    func run() throws {
        try registry.open().updateModel(
            name,
            description: description,
            tags: pairs(tag, flag: "--tag"),
            removeTags: removeTag
        )
        Output.line("Updated model '\(name)'.")
    }
}

struct DeleteModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a model, its versions and the files copied for them."
    )
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Flag(name: [.customShort("y"), .long], help: "Confirm the deletion.") var yes = false

    func run() throws {
        let registry = try registry.open()
        let count = try registry.modelVersions(ModelVersionFilter(model: name)).count
        guard yes else {
            throw ModelRegistryError(
                .invalidValue,
                "deleting model '\(name)' removes its \(count) version(s): pass --yes to confirm"
            )
        }
        try registry.deleteModel(name)
        Output.line("Deleted model '\(name)' and \(count) version(s).")
    }
}

struct RegisterModelVersion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register-version",
        abstract: "Register a version from a local folder or any fileio URI.",
        discussion: "Files outside the artifact store are copied to <store>/models/NAME/VERSION/."
    )
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Option(name: [.customShort("u"), .customLong("model-uri")], help: "A local folder or file, or any fileio URI.")
    var uri: String
    @Option(name: [.customShort("v"), .long], help: "The version; the next number when omitted.") var version: String?
    @Option(name: [.customShort("d"), .long], help: "A description.") var description: String?
    @Option(name: [.customShort("m"), .long], help: "A KEY=VALUE metadata pair (repeatable).") var metadata: [String] =
        []
    @Option(name: [.customShort("t"), .long], help: "A KEY=VALUE tag (repeatable).") var tag: [String] = []
    @Option(help: "The model's format (e.g. onnx).") var format: String?
    @Option(help: "The library that made it (e.g. pytorch).") var library: String?
    @Option(help: "The pipeline that produced it.") var pipelineName: String?
    @Option(help: "The run that produced it.") var runName: String?
    @Option(help: "The step that produced it.") var stepName: String?
    @OptionGroup var progress: ProgressOptions

    func run() throws {
        var values = try pairs(metadata, flag: "--metadata")
        values[ModelVersionMetadata.pipelineName] = pipelineName ?? values[ModelVersionMetadata.pipelineName]
        values[ModelVersionMetadata.runName] = runName ?? values[ModelVersionMetadata.runName]
        values[ModelVersionMetadata.stepName] = stepName ?? values[ModelVersionMetadata.stepName]
        let opened = try registry.open()
        // A source that cannot be listed gets a meter without totals; the registry names what is wrong.
        let meter = (try? progress.meter("copied", for: uri)) ?? progress.meter("copied")
        var registered: ModelVersion?
        try ProgressMeter.measure(meter, summary: { registered?.storedURI != registered?.sourceURI }) {
            registered = try opened.registerModelVersion(
                ModelVersionRequest(
                    model: name,
                    version: version,
                    sourceURI: uri,
                    description: description,
                    format: format,
                    library: library,
                    metadata: values,
                    tags: pairs(tag, flag: "--tag")
                ),
                progress: meter?.transfer
            )
        }
        guard let registered else { return }
        Output.line("Registered version \(registered.version) of model '\(name)' at \(registered.storedURI).")
    }
}

struct ListModelVersions: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list-versions", abstract: "List a model's versions.")
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Option(name: [.customShort("u"), .customLong("model-uri")], help: "Only versions with this source or stored URI.")
    var uri: String?
    @Option(name: [.customShort("m"), .long], help: "Only versions with this KEY=VALUE metadata (repeatable).")
    var metadata: [String] = []
    @Option(name: [.customShort("s"), .long], help: "Only versions in this stage.") var stage: String?
    @Option(name: [.customShort("c"), .long], help: "At most this many.") var count: Int?
    @Option(help: "Order by creation date: asc or desc.") var orderByDate: String?
    @Option(help: "Only versions created after this date.") var createdAfter: String?
    @Option(help: "Only versions created before this date.") var createdBefore: String?
    @Flag(help: "Print a JSON array.") var json = false

    func run() throws {
        var order: ModelVersionFilter.Order?
        if let orderByDate {
            guard let parsed = ModelVersionFilter.Order(rawValue: orderByDate) else {
                throw ValidationError("--order-by-date must be asc or desc, not '\(orderByDate)'")
            }
            order = parsed
        }
        let filter = ModelVersionFilter(
            model: name,
            sourceURI: uri,
            metadata: try pairs(metadata, flag: "--metadata"),
            stage: try stage.map(ModelVersionStage.init(parsing:)),
            createdAfter: try createdAfter.map { try parseDate($0, flag: "--created-after") },
            createdBefore: try createdBefore.map { try parseDate($0, flag: "--created-before") },
            count: count,
            orderByDate: order
        )
        try printVersions(registry.open().modelVersions(filter), json: json)
    }
}

struct GetModelVersion: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get-version", abstract: "Show one version.")
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Option(name: [.customShort("v"), .long], help: "The version.") var version: String
    @Flag(help: "Print a JSON object.") var json = false

    func run() throws {
        let found = try registry.open().modelVersion(name, version: version)
        if json { return try Output.json(found) }
        Output.table(
            ["PROPERTY", "VALUE"],
            [
                ["model", found.model], ["version", found.version], ["stage", found.stage.rawValue],
                ["source", found.sourceURI],
                ["stored", found.storedURI], ["description", found.description ?? ""],
                ["created", Output.timestamp(found.created)],
            ]
                + found.metadata.sorted { $0.key < $1.key }.map { ["metadata.\($0.key)", $0.value] }
        )
    }
}

struct UpdateModelVersion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update-version",
        abstract: "Change a version's description, metadata or stage.",
        discussion: "Moving a version to Production while another is there needs --archive-existing."
    )
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Option(name: [.customShort("v"), .long], help: "The version.") var version: String
    @Option(name: [.customShort("d"), .long], help: "A new description.") var description: String?
    @Option(name: [.customShort("m"), .long], help: "Set KEY=VALUE metadata (repeatable).") var metadata: [String] = []
    @Option(help: "Remove a metadata key (repeatable).") var removeMetadata: [String] = []
    @Option(name: [.customShort("s"), .long], help: "The new stage: None, Staging, Production or Archived.") var stage:
        String?
    @Flag(help: "Archive the version now in Production when promoting this one.") var archiveExisting = false

    func run() throws {
        let updated = try registry.open().updateModelVersion(
            name,
            version: version,
            description: description,
            metadata: pairs(metadata, flag: "--metadata"),
            removeMetadata: removeMetadata,
            stage: stage.map(ModelVersionStage.init(parsing:)),
            archiveExisting: archiveExisting
        )
        Output.line("Updated version \(version) of model '\(name)' (stage \(updated.stage.rawValue)).")
    }
}

struct DeleteModelVersion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-version",
        abstract: "Delete a version and the files copied for it."
    )
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Option(name: [.customShort("v"), .long], help: "The version.") var version: String
    @Flag(name: [.customShort("y"), .long], help: "Confirm the deletion.") var yes = false

    func run() throws {
        guard yes else {
            throw ModelRegistryError(.invalidValue, "pass --yes to delete version \(version) of model '\(name)'")
        }
        try registry.open().deleteModelVersion(name, version: version)
        Output.line("Deleted version \(version) of model '\(name)'.")
    }
}

struct SetModelAlias: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-alias",
        abstract: "Point an alias (models://NAME@ALIAS) at a version."
    )
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Argument(help: "The alias.") var alias: String
    @Option(name: [.customShort("v"), .long], help: "The version.") var version: String

    func run() throws {
        try registry.open().setAlias(name, alias: alias, version: version)
        Output.line("Alias '\(alias)' of model '\(name)' points at version \(version).")
    }
}

struct DeleteModelAlias: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete-alias", abstract: "Remove an alias.")
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Argument(help: "The alias.") var alias: String

    func run() throws {
        try registry.open().deleteAlias(name, alias: alias)
        Output.line("Removed alias '\(alias)' of model '\(name)'.")
    }
}

struct LoadModelVersion: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load-version",
        abstract: "Copy a version's files into a local folder."
    )
    @OptionGroup var registry: RegistryOption
    @Argument(help: "The model's name.") var name: String
    @Option(name: [.customShort("v"), .long], help: "The version.") var version: String
    @Argument(help: "The folder to copy into.") var folder: String
    @OptionGroup var progress: ProgressOptions

    func run() throws {
        let opened = try registry.open()
        let found = try opened.modelVersion(name, version: version)
        let meter = try progress.meter("copied", for: found.storedURI)
        var path = folder
        try ProgressMeter.measure(meter) {
            path = try opened.loadModelVersion(found, into: folder, progress: meter?.transfer)
        }
        Output.line(path)
    }
}
