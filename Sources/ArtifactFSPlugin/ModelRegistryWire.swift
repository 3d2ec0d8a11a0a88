import Foundation

/// A model-registry flavor that needs only its resolved config to make a registry: the kind a
/// plugin exports (no metadata store, no SQLite), conforming to `Flavor` with the type set.
///
/// ```swift
/// public struct MyRegistryFlavor: StandaloneModelRegistryFlavor {
///     public var name: String { "mine" }
///     public var summary: String { "Models in my service." }
///     public var schema: ConfigSchema { ConfigSchema([ConfigField("url", .string, required: true)]) }
///     public func makeRegistry(_ config: ComponentConfig) throws -> any ModelRegistry { try MyRegistry(config) }
/// }
/// ```
public protocol StandaloneModelRegistryFlavor: Flavor {
    /// Makes the registry; called only when the component is used, with secrets resolved.
    /// - Throws: ``ModelRegistryError`` or ``StackError`` naming the field at fault.
    func makeRegistry(_ config: ComponentConfig) throws -> any ModelRegistry
}

extension StandaloneModelRegistryFlavor {
    public var type: StackComponentType { .modelRegistry }
}

/// One ``ModelRegistry`` method call as `component_call` carries it: the method's name and its
/// arguments, each field used by the methods that take it.
public struct ModelRegistryCall: Codable, Sendable, Hashable {
    /// The protocol methods, by name; `modelVersionForAlias` is `modelVersion(_:alias:)`.
    public enum Method: String, Codable, Sendable, Hashable {
        case registerModel, deleteModel, updateModel, model, models
        case registerModelVersion, deleteModelVersion, updateModelVersion, modelVersions, modelVersion,
            latestModelVersion
        case setAlias, deleteAlias, modelVersionForAlias
    }

    /// The method called.
    public var method: Method
    /// The model's name.
    public var model: String?
    /// The version's name.
    public var version: String?
    /// The alias (`champion`).
    public var alias: String?
    /// A new description.
    public var description: String?
    /// Tags to set (or to filter models by).
    public var tags: [String: String]?
    /// Tags to remove.
    public var removeTags: [String]?
    /// The name filter of `models`.
    public var nameContains: String?
    /// Metadata to set on a version.
    public var metadata: [String: String]?
    /// Metadata keys to remove from a version.
    public var removeMetadata: [String]?
    /// A stage to move a version to, or to look in.
    public var stage: ModelVersionStage?
    /// Whether moving to `Production` archives the version there.
    public var archiveExisting: Bool?
    /// What `registerModelVersion` registers.
    public var request: ModelVersionRequest?
    /// What `modelVersions` lists.
    public var filter: ModelVersionFilter?

    /// Creates a call.
    public init(
        _ method: Method,
        model: String? = nil,
        version: String? = nil,
        alias: String? = nil,
        description: String? = nil,
        tags: [String: String]? = nil,
        removeTags: [String]? = nil,
        nameContains: String? = nil,
        metadata: [String: String]? = nil,
        removeMetadata: [String]? = nil,
        stage: ModelVersionStage? = nil,
        archiveExisting: Bool? = nil,
        request: ModelVersionRequest? = nil,
        filter: ModelVersionFilter? = nil
    ) {
        self.method = method
        self.model = model
        self.version = version
        self.alias = alias
        self.description = description
        self.tags = tags
        self.removeTags = removeTags
        self.nameContains = nameContains
        self.metadata = metadata
        self.removeMetadata = removeMetadata
        self.stage = stage
        self.archiveExisting = archiveExisting
        self.request = request
        self.filter = filter
    }

    /// Runs the call on `registry` and encodes its answer: a model, a version, a list, `null` or `{}`.
    /// - Throws: the registry's error, or ``ModelRegistryError`` `.invalidValue` for a call lacking an argument.
    public func perform(on registry: any ModelRegistry) throws -> String {
        switch method {
        case .registerModel:
            return try PluginJSON.encode(
                registry.registerModel(required(model, "model"), description: description, tags: tags ?? [:])
            )
        case .deleteModel:
            try registry.deleteModel(required(model, "model"))
        case .updateModel:
            return try PluginJSON.encode(
                registry.updateModel(
                    required(model, "model"),
                    description: description,
                    tags: tags ?? [:],
                    removeTags: removeTags ?? []
                )
            )
        case .model:
            return try PluginJSON.encode(registry.model(required(model, "model")))
        case .models:
            return try PluginJSON.encode(registry.models(nameContains: nameContains, tags: tags ?? [:]))
        case .registerModelVersion:
            return try PluginJSON.encode(registry.registerModelVersion(required(request, "request")))
        case .deleteModelVersion:
            try registry.deleteModelVersion(required(model, "model"), version: required(version, "version"))
        case .updateModelVersion:
            return try PluginJSON.encode(
                registry.updateModelVersion(
                    required(model, "model"),
                    version: required(version, "version"),
                    description: description,
                    metadata: metadata ?? [:],
                    removeMetadata: removeMetadata ?? [],
                    stage: stage,
                    archiveExisting: archiveExisting ?? false
                )
            )
        case .modelVersions:
            return try PluginJSON.encode(registry.modelVersions(filter ?? ModelVersionFilter()))
        case .modelVersion:
            return try PluginJSON.encode(
                registry.modelVersion(required(model, "model"), version: required(version, "version"))
            )
        case .latestModelVersion:
            return try PluginJSON.encode(registry.latestModelVersion(required(model, "model"), stage: stage))
        case .setAlias:
            try registry.setAlias(
                required(model, "model"),
                alias: required(alias, "alias"),
                version: required(version, "version")
            )
        case .deleteAlias:
            try registry.deleteAlias(required(model, "model"), alias: required(alias, "alias"))
        case .modelVersionForAlias:
            return try PluginJSON.encode(
                registry.modelVersion(required(model, "model"), alias: required(alias, "alias"))
            )
        }
        return "{}"
    }

    private func required<T>(_ value: T?, _ name: String) throws -> T {
        guard let value else {
            throw ModelRegistryError(.invalidValue, "model-registry call '\(method.rawValue)' lacks '\(name)'")
        }
        return value
    }
}
