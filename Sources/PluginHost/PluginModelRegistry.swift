import ArtifactFSPlugin
import CArtifactFSPlugin
import Foundation

/// A model registry living in a plugin, seen through the version-2 table as a Swift
/// ``ModelRegistry``: each method is one `component_call` with a JSON ``ModelRegistryCall``, so
/// `artifactfs model-registry models ...` and `models://` paths use it like a built-in registry.
///
/// Every failure is a ``ModelRegistryError``: the plugin's own keeps its code; any other (a
/// malformed answer, a store or config error) becomes `.backend`; each names the model and version.
public final class PluginModelRegistry: ModelRegistry {
    let library: PluginLibrary
    /// The flavor that made it, for messages.
    let flavor: String
    /// The plugin's component pointer, released in `deinit`.
    private let address: UInt

    init(library: PluginLibrary, flavor: String, address: UInt) {
        self.library = library
        self.flavor = flavor
        self.address = address
    }

    deinit {
        library.components?.component_release?(UnsafeMutableRawPointer(bitPattern: address))
    }

    /// Runs one call and decodes its answer.
    private func call<T: Decodable>(_ call: ModelRegistryCall, _ type: T.Type) throws -> T {
        let answer = try perform(call)
        do {
            return try PluginJSON.decode(type, from: answer)
        } catch {
            throw ModelRegistryError(
                .backend,
                "\(context(of: call)): the plugin answered malformed JSON: \(error)",
                cause: error
            )
        }
    }

    /// Runs one call, turning every failure into a ``ModelRegistryError`` naming the model and version.
    @discardableResult
    private func perform(_ call: ModelRegistryCall) throws -> String {
        do {
            let json = try PluginJSON.encode(call)
            let pointer = UnsafeMutableRawPointer(bitPattern: address)
            return try library.call { result in library.components!.component_call!(pointer, json, result) }
        } catch let error as ModelRegistryError {
            let named = call.model.map { error.message.contains("'\($0)'") } ?? true
            throw named ? error : ModelRegistryError(error.code, "\(context(of: call)): \(error.message)", cause: error)
        } catch {
            throw ModelRegistryError(.backend, "\(context(of: call)): \(error)", cause: error)
        }
    }

    /// "model registry 'folder' (plugin PATH), modelVersion of version 3 of model 'resnet'".
    private func context(of call: ModelRegistryCall) -> String {
        let model = call.model ?? call.request?.model ?? call.filter?.model
        let version = call.version ?? call.request?.version
        let subject =
            switch (model, version) {
            case let (model?, version?): " of version \(version) of model '\(model)'"
            case let (model?, nil): " of model '\(model)'"
            default: ""
            }
        return
            "model-registry flavor '\(flavor)' (plugin '\(library.path)') failed in \(call.method.rawValue)\(subject)"
    }

    // MARK: - Models

    @discardableResult
    public func registerModel(_ name: String, description: String?, tags: [String: String]) throws -> RegisteredModel {
        try call(
            ModelRegistryCall(.registerModel, model: name, description: description, tags: tags),
            RegisteredModel.self
        )
    }

    public func deleteModel(_ name: String) throws {
        try perform(ModelRegistryCall(.deleteModel, model: name))
    }

    @discardableResult
    public func updateModel(
        _ name: String,
        description: String?,
        tags: [String: String],
        removeTags: [String]
    ) throws -> RegisteredModel {
        try call(
            ModelRegistryCall(.updateModel, model: name, description: description, tags: tags, removeTags: removeTags),
            RegisteredModel.self
        )
    }

    public func model(_ name: String) throws -> RegisteredModel {
        try call(ModelRegistryCall(.model, model: name), RegisteredModel.self)
    }

    public func models(nameContains: String?, tags: [String: String]) throws -> [RegisteredModel] {
        try call(ModelRegistryCall(.models, tags: tags, nameContains: nameContains), [RegisteredModel].self)
    }

    // MARK: - Versions

    @discardableResult
    public func registerModelVersion(_ request: ModelVersionRequest) throws -> ModelVersion {
        try call(ModelRegistryCall(.registerModelVersion, request: request), ModelVersion.self)
    }

    public func deleteModelVersion(_ model: String, version: String) throws {
        try perform(ModelRegistryCall(.deleteModelVersion, model: model, version: version))
    }

    @discardableResult
    public func updateModelVersion(
        _ model: String,
        version: String,
        description: String?,
        metadata: [String: String],
        removeMetadata: [String],
        stage: ModelVersionStage?,
        archiveExisting: Bool
    ) throws -> ModelVersion {
        try call(
            ModelRegistryCall(
                .updateModelVersion,
                model: model,
                version: version,
                description: description,
                metadata: metadata,
                removeMetadata: removeMetadata,
                stage: stage,
                archiveExisting: archiveExisting
            ),
            ModelVersion.self
        )
    }

    public func modelVersions(_ filter: ModelVersionFilter) throws -> [ModelVersion] {
        try call(ModelRegistryCall(.modelVersions, filter: filter), [ModelVersion].self)
    }

    public func modelVersion(_ model: String, version: String) throws -> ModelVersion {
        try call(ModelRegistryCall(.modelVersion, model: model, version: version), ModelVersion.self)
    }

    public func latestModelVersion(_ model: String, stage: ModelVersionStage?) throws -> ModelVersion? {
        try call(ModelRegistryCall(.latestModelVersion, model: model, stage: stage), ModelVersion?.self)
    }

    // MARK: - Aliases

    public func setAlias(_ model: String, alias: String, version: String) throws {
        try perform(ModelRegistryCall(.setAlias, model: model, version: version, alias: alias))
    }

    public func deleteAlias(_ model: String, alias: String) throws {
        try perform(ModelRegistryCall(.deleteAlias, model: model, alias: alias))
    }

    public func modelVersion(_ model: String, alias: String) throws -> ModelVersion {
        try call(ModelRegistryCall(.modelVersionForAlias, model: model, alias: alias), ModelVersion.self)
    }
}
