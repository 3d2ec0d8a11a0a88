import FileIO

/// A model registry: the reference framework's `BaseModelRegistry`, implemented by every
/// model-registry flavor (`default`, `mlflow`, custom ones).
public protocol ModelRegistry: Sendable {
    // MARK: - Models

    /// Registers a model name.
    /// - Throws: ``ModelRegistryError`` `.alreadyExists` when the name is taken.
    @discardableResult
    func registerModel(_ name: String, description: String?, tags: [String: String]) throws -> RegisteredModel
    /// Deletes a model and all its versions (and the files the registry copied for them).
    func deleteModel(_ name: String) throws
    /// Changes a model's description, sets `tags` and removes `removeTags`.
    @discardableResult
    func updateModel(
        _ name: String,
        description: String?,
        tags: [String: String],
        removeTags: [String]
    ) throws -> RegisteredModel
    /// The model named `name`.
    func model(_ name: String) throws -> RegisteredModel
    /// Models whose name contains `nameContains` and that carry every tag in `tags`, by name.
    func models(nameContains: String?, tags: [String: String]) throws -> [RegisteredModel]

    // MARK: - Versions

    /// Registers a version: its files are copied into the artifact store unless they already lie there.
    @discardableResult
    func registerModelVersion(_ request: ModelVersionRequest) throws -> ModelVersion
    /// Registers a version as ``registerModelVersion(_:)`` does, telling `progress` of the bytes it
    /// copies, so `artifactfs models register-version` can show them. A registry that cannot tell
    /// (a plugin's, by default) registers without reporting.
    @discardableResult
    func registerModelVersion(_ request: ModelVersionRequest, progress: TransferProgress?) throws -> ModelVersion
    /// Deletes a version, and the files the registry copied for it (never files it did not copy).
    func deleteModelVersion(_ model: String, version: String) throws
    /// Changes a version's description and metadata, and moves it to `stage`. Moving one to
    /// `Production` while another is there fails unless `archiveExisting` is true.
    @discardableResult
    func updateModelVersion(
        _ model: String,
        version: String,
        description: String?,
        metadata: [String: String],
        removeMetadata: [String],
        stage: ModelVersionStage?,
        archiveExisting: Bool
    ) throws -> ModelVersion
    /// The versions matching `filter`, paging through the backend as needed.
    func modelVersions(_ filter: ModelVersionFilter) throws -> [ModelVersion]
    /// One version.
    func modelVersion(_ model: String, version: String) throws -> ModelVersion
    /// The newest version in `stage` (any stage when `nil`).
    func latestModelVersion(_ model: String, stage: ModelVersionStage?) throws -> ModelVersion?

    // MARK: - Aliases

    /// Points `alias` (`champion`) at a version.
    func setAlias(_ model: String, alias: String, version: String) throws
    /// Removes an alias.
    func deleteAlias(_ model: String, alias: String) throws
    /// The version an alias points at.
    func modelVersion(_ model: String, alias: String) throws -> ModelVersion
}

extension ModelRegistry {
    /// Registers without reporting progress: for a registry that has no copy to report on.
    @discardableResult
    public func registerModelVersion(_ request: ModelVersionRequest, progress: TransferProgress?) throws -> ModelVersion
    {
        try registerModelVersion(request)
    }

    /// Where a version's files are in the artifact store: `fileio` reads them from there.
    public func artifactStoreURI(of version: ModelVersion) -> String { version.storedURI }

    /// Copies a version's files into a local folder (created when missing) and returns the path of
    /// the copy: a file for a single-file model, else the folder. `progress` hears of the bytes copied.
    public func loadModelVersion(
        _ model: String,
        version: String,
        into folder: String,
        progress: TransferProgress? = nil
    ) throws -> String {
        try loadModelVersion(modelVersion(model, version: version), into: folder, progress: progress)
    }

    /// Copies the files of `found`, a version of this registry, into a local folder, as
    /// ``loadModelVersion(_:version:into:progress:)`` does.
    public func loadModelVersion(
        _ found: ModelVersion,
        into folder: String,
        progress: TransferProgress? = nil
    ) throws -> String {
        let (model, version) = (found.model, found.version)
        do {
            if try fileio.isdir(found.storedURI) {
                try fileio.copyTree(found.storedURI, folder, overwrite: true, progress: progress)
                return folder
            }
            let target = try ArtifactPath(parsing: folder).appending(
                ArtifactPath(parsing: found.storedURI, keepEmptyComponents: true).name
            ).description
            try fileio.makedirs(folder)
            try fileio.copy(found.storedURI, target, overwrite: true, progress: progress)
            return target
        } catch let error as ArtifactStoreError {
            throw ModelRegistryError(
                .backend,
                "cannot load version \(version) of model '\(model)' from \(found.storedURI): \(error)",
                cause: error
            )
        }
    }
}
