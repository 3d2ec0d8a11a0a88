import FileIO
import Foundation

/// The `mlflow` model-registry flavor: the ``ModelRegistry`` protocol over an MLflow tracking
/// server's Model Registry REST API.
///
/// Mapping, as the reference framework's MLflow flavor has it: stages are MLflow's stages; a
/// version's metadata are MLflow version tags (`pipeline_name`, `run_name`, `step_name` and
/// `framework_version` as `zenml_pipeline_name`, `zenml_run_name`, `zenml_step_name` and
/// `zenml_version`; other keys as `metadata.KEY`); a version's own tags are plain MLflow tags;
/// format and library are the tags `artifactfs.format` and `artifactfs.library`.
///
/// MLflow assigns version numbers and refuses a local path as a source unless it lies in a run's
/// artifacts: a version registered from a local folder or file is copied into the artifacts of an
/// MLflow run of the experiment `artifactfs-model-registry <copyRoot>` (one per ``copyRoot``, since
/// an experiment's artifact location is fixed when it is made), and deleting the version removes
/// that copy and that run. A source of any other
/// scheme (`s3://...`) is referenced where it is.
public final class MLflowModelRegistry: ModelRegistry {
    let client: MLflowRESTClient
    /// Where copies of local sources go: the artifact location of the experiment that holds them.
    public let copyRoot: String

    /// The experiment whose runs hold copies of local model files: one per copy root.
    public var experimentName: String { "artifactfs-model-registry \(copyRoot)" }
    /// On a version whose files the registry copied: where they came from.
    static let sourceTag = "artifactfs.source"
    static let formatTag = "artifactfs.format"
    static let libraryTag = "artifactfs.library"
    static let metadataPrefix = "metadata."
    /// Our well-known metadata keys and the tags the reference framework gives them.
    static let referenceMetadataTags = [
        ModelVersionMetadata.pipelineName: "zenml_pipeline_name", ModelVersionMetadata.runName: "zenml_run_name",
        ModelVersionMetadata.stepName: "zenml_step_name", ModelVersionMetadata.frameworkVersion: "zenml_version",
    ]
    /// MLflow's largest page for both searches.
    static let pageSize = 1000

    init(client: MLflowRESTClient, copyRoot: String) {
        self.client = client
        self.copyRoot = copyRoot
    }

    // MARK: - Models

    public func registerModel(_ name: String, description: String?, tags: [String: String]) throws -> RegisteredModel {
        try DefaultModelRegistry.checkName(name, what: "model")
        var body: MLflowRESTClient.Object = ["name": name, "tags": Self.tagList(tags)]
        if let description { body["description"] = description }
        let answer = try client.call("POST", "registered-models/create", body: body, subject: "model '\(name)'")
        return try Self.model(answer["registered_model"], subject: "model '\(name)'")
    }

    public func deleteModel(_ name: String) throws {
        let records = try searchVersions(filter: Self.nameFilter(name))
        try client.call("DELETE", "registered-models/delete", body: ["name": name], subject: "model '\(name)'")
        for record in records { removeCopy(of: record) }
    }

    public func updateModel(
        _ name: String,
        description: String?,
        tags: [String: String],
        removeTags: [String]
    ) throws -> RegisteredModel {
        let subject = "model '\(name)'"
        _ = try model(name)
        if let description {
            try client.call(
                "PATCH",
                "registered-models/update",
                body: ["name": name, "description": description],
                subject: subject
            )
        }
        for (key, value) in tags.sorted(by: { $0.key < $1.key }) {
            try client.call(
                "POST",
                "registered-models/set-tag",
                body: ["name": name, "key": key, "value": value],
                subject: subject
            )
        }
        for key in removeTags {
            try client.call(
                "DELETE",
                "registered-models/delete-tag",
                body: ["name": name, "key": key],
                subject: subject
            )
        }
        return try model(name)
    }

    public func model(_ name: String) throws -> RegisteredModel {
        let subject = "model '\(name)'"
        let answer = try client.call("GET", "registered-models/get", query: [("name", name)], subject: subject)
        return try Self.model(answer["registered_model"], subject: subject)
    }

    public func models(nameContains: String?, tags: [String: String]) throws -> [RegisteredModel] {
        var query: [(String, String)] = [("max_results", String(Self.pageSize))]
        if let nameContains { query.append(("filter", "name LIKE '%\(Self.escape(nameContains))%'")) }
        var models: [RegisteredModel] = []
        try paginate("registered-models/search", query: query, key: "registered_models", subject: "models") { object in
            let model = try Self.model(object, subject: "models")
            if tags.allSatisfy({ model.tags[$0.key] == $0.value }) { models.append(model) }
        }
        return models.sorted { $0.name < $1.name }
    }

    // MARK: - Versions

    public func registerModelVersion(_ request: ModelVersionRequest) throws -> ModelVersion {
        try registerModelVersion(request, progress: nil)
    }

    public func registerModelVersion(_ request: ModelVersionRequest, progress: TransferProgress?) throws -> ModelVersion
    {
        let model = request.model
        if let version = request.version, Int(version) == nil {
            throw ModelRegistryError(
                .invalidValue,
                "version '\(version)' of model '\(model)': MLflow numbers versions; omit the version or give the next number"
            )
        }
        let source = try DefaultModelRegistry.canonical(request.sourceURI)
        guard try fileio.exists(source) else {
            throw ModelRegistryError(.invalidValue, "model source '\(request.sourceURI)' does not exist")
        }
        _ = try self.model(model)
        if let version = request.version, (try? modelVersion(model, version: version)) != nil {
            throw ModelRegistryError(.alreadyExists, "version \(version) of model '\(model)' already exists")
        }
        var tags = Self.versionTags(
            metadata: request.metadata,
            tags: request.tags,
            format: request.format,
            library: request.library
        )
        var body: MLflowRESTClient.Object = ["name": model, "source": source]
        var run: (id: String, copy: String)?
        if try ArtifactPath(parsing: source).schemePrefix.isEmpty {
            run = try copyIntoRun(source, model: model, progress: progress)
            body["source"] = run!.copy
            body["run_id"] = run!.id
            tags[Self.sourceTag] = source
        }
        body["tags"] = Self.tagList(tags)
        if let description = request.description { body["description"] = description }
        let created: ModelVersion
        do {
            let answer = try client.call(
                "POST",
                "model-versions/create",
                body: body,
                subject: "a new version of model '\(model)'"
            )
            created = try Self.record(answer["model_version"], subject: "a new version of model '\(model)'").version
        } catch {
            if let run { discardRun(run.id, copy: run.copy) }
            throw error
        }
        if let requested = request.version, requested != created.version {
            try? deleteModelVersion(model, version: created.version)
            throw ModelRegistryError(
                .invalidValue,
                "version \(requested) of model '\(model)': MLflow assigns the next number, \(created.version); nothing was registered"
            )
        }
        return created
    }

    public func deleteModelVersion(_ model: String, version: String) throws {
        let found = try record(model, version: version)
        try client.call(
            "DELETE",
            "model-versions/delete",
            body: ["name": model, "version": version],
            subject: Self.subject(model, version)
        )
        removeCopy(of: found)
    }

    public func updateModelVersion(
        _ model: String,
        version: String,
        description: String?,
        metadata changes: [String: String],
        removeMetadata: [String],
        stage: ModelVersionStage?,
        archiveExisting: Bool
    ) throws -> ModelVersion {
        let subject = Self.subject(model, version)
        let found = try modelVersion(model, version: version)
        if stage == .production, found.stage != .production, !archiveExisting {
            let current = try allVersions(of: model).filter { $0.stage == .production && $0.version != version }.map(
                \.version
            )
            if !current.isEmpty {
                throw ModelRegistryError(
                    .invalidValue,
                    "version \(current.joined(separator: ", ")) of model '\(model)' is in Production: archive it explicitly (archive existing versions) to promote version \(version)"
                )
            }
        }
        if let description {
            try client.call(
                "PATCH",
                "model-versions/update",
                body: ["name": model, "version": version, "description": description],
                subject: subject
            )
        }
        for (key, value) in Self.versionTags(metadata: changes, tags: [:], format: nil, library: nil).sorted(by: {
            $0.key < $1.key
        }) {
            try client.call(
                "POST",
                "model-versions/set-tag",
                body: ["name": model, "version": version, "key": key, "value": value],
                subject: subject
            )
        }
        for key in removeMetadata {
            try client.call(
                "DELETE",
                "model-versions/delete-tag",
                body: ["name": model, "version": version, "key": Self.metadataTag(key)],
                subject: subject
            )
        }
        if let stage, stage != found.stage {
            try client.call(
                "POST",
                "model-versions/transition-stage",
                body: [
                    "name": model, "version": version, "stage": stage.rawValue,
                    "archive_existing_versions": stage == .production && archiveExisting,
                ],
                subject: subject
            )
        }
        return try modelVersion(model, version: version)
    }

    public func modelVersions(_ filter: ModelVersionFilter) throws -> [ModelVersion] {
        if let count = filter.count, count < 0 {
            throw ModelRegistryError(.invalidValue, "count must not be negative (got \(count))")
        }
        var versions: [ModelVersion]
        if let model = filter.model {
            _ = try self.model(model)
            versions = try allVersions(of: model)
        } else {
            versions = try searchVersions(filter: nil).map(\.version)
        }
        versions = versions.filter { version in
            (filter.sourceURI.map { version.sourceURI == $0 || version.storedURI == $0 } ?? true)
                && (filter.stage.map { version.stage == $0 } ?? true)
                && (filter.createdAfter.map { version.created > $0 } ?? true)
                && (filter.createdBefore.map { version.created < $0 } ?? true)
                && filter.metadata.allSatisfy { version.metadata[$0.key] == $0.value }
                && filter.tags.allSatisfy { version.tags[$0.key] == $0.value }
        }
        switch filter.orderByDate {
        case .ascending?: versions.sort { ($0.created, Self.number($0)) < ($1.created, Self.number($1)) }
        case .descending?: versions.sort { ($0.created, Self.number($0)) > ($1.created, Self.number($1)) }
        case nil: versions.sort { ($0.model, Self.number($0)) < ($1.model, Self.number($1)) }
        }
        if let count = filter.count { versions = Array(versions.prefix(count)) }
        return versions
    }

    public func modelVersion(_ model: String, version: String) throws -> ModelVersion {
        try record(model, version: version).version
    }

    private func record(_ model: String, version: String) throws -> VersionRecord {
        let subject = Self.subject(model, version)
        guard Int(version) != nil else { throw ModelRegistryError(.notFound, "\(subject) does not exist") }
        let answer = try client.call(
            "GET",
            "model-versions/get",
            query: [("name", model), ("version", version)],
            subject: subject
        )
        return try Self.record(answer["model_version"], subject: subject)
    }

    public func latestModelVersion(_ model: String, stage: ModelVersionStage?) throws -> ModelVersion? {
        try modelVersions(ModelVersionFilter(model: model, stage: stage)).last
    }

    // MARK: - Aliases

    public func setAlias(_ model: String, alias: String, version: String) throws {
        try DefaultModelRegistry.checkName(alias, what: "alias")
        _ = try modelVersion(model, version: version)
        try client.call(
            "POST",
            "registered-models/alias",
            body: ["name": model, "alias": alias, "version": version],
            subject: Self.subject(model, version)
        )
    }

    public func deleteAlias(_ model: String, alias: String) throws {
        _ = try modelVersion(model, alias: alias)
        try client.call(
            "DELETE",
            "registered-models/alias",
            body: ["name": model, "alias": alias],
            subject: "alias '\(alias)' of model '\(model)'"
        )
    }

    public func modelVersion(_ model: String, alias: String) throws -> ModelVersion {
        _ = try self.model(model)
        do {
            let answer = try client.call(
                "GET",
                "registered-models/alias",
                query: [("name", model), ("alias", alias)],
                subject: "alias '\(alias)' of model '\(model)'"
            )
            return try Self.record(answer["model_version"], subject: "alias '\(alias)' of model '\(model)'").version
        } catch let error as ModelRegistryError where error.code == .notFound || error.code == .invalidValue {
            throw ModelRegistryError(.notFound, "model '\(model)' has no alias '\(alias)'")
        }
    }

    // MARK: - Searching

    private func allVersions(of model: String) throws -> [ModelVersion] {
        try searchVersions(filter: Self.nameFilter(model)).map(\.version)
    }

    private func searchVersions(filter: String?) throws -> [VersionRecord] {
        var query: [(String, String)] = [("max_results", String(Self.pageSize))]
        if let filter { query.append(("filter", filter)) }
        var versions: [VersionRecord] = []
        try paginate("model-versions/search", query: query, key: "model_versions", subject: "model versions") {
            object in
            versions.append(try Self.record(object, subject: "model versions"))
        }
        return versions
    }

    /// Calls a search endpoint page after page until it gives no `next_page_token`.
    private func paginate(
        _ endpoint: String,
        query: [(String, String)],
        key: String,
        subject: String,
        _ each: (Any?) throws -> Void
    ) throws {
        var token: String?
        repeat {
            let answer = try client.call(
                "GET",
                endpoint,
                query: query + (token.map { [("page_token", $0)] } ?? []),
                subject: subject
            )
            for object in answer[key] as? [Any] ?? [] { try each(object) }
            token = (answer["next_page_token"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        } while token != nil
    }

    // MARK: - Copies of local sources

    /// Copies a local source into the artifacts of a new run, telling `progress` of its bytes;
    /// returns the run and the copy's URI.
    private func copyIntoRun(
        _ source: String,
        model: String,
        progress: TransferProgress?
    ) throws -> (id: String, copy: String) {
        let experiment = try experimentID()
        let answer = try client.call(
            "POST",
            "runs/create",
            body: [
                "experiment_id": experiment, "run_name": "register \(model)",
                "start_time": Int(Date().timeIntervalSince1970 * 1000),
            ],
            subject: "a run for model '\(model)'"
        )
        guard let info = (answer["run"] as? [String: Any])?["info"] as? [String: Any],
            let id = info["run_id"] as? String,
            let artifacts = info["artifact_uri"] as? String
        else {
            throw ModelRegistryError(
                .backend,
                "the MLflow server at \(client.trackingURI) answered runs/create without a run"
            )
        }
        let copy = artifacts + "/" + ((try? ArtifactPath(parsing: source).name) ?? "model")
        do {
            if try fileio.isdir(source) {
                try fileio.copyTree(source, copy, progress: progress)
            } else {
                try fileio.copy(source, copy, progress: progress)
            }
            try client.call("POST", "runs/update", body: ["run_id": id, "status": "FINISHED"], subject: "run \(id)")
        } catch {
            discardRun(id, copy: copy)
            throw ModelRegistryError(
                .backend,
                "cannot copy '\(source)' into MLflow run \(id) at \(copy): \(error)",
                cause: error
            )
        }
        return (id, copy)
    }

    /// The experiment that holds the runs with copies, created on first use at ``copyRoot``.
    private func experimentID() throws -> String {
        let subject = "experiment '\(experimentName)'"
        do {
            let answer = try client.call(
                "GET",
                "experiments/get-by-name",
                query: [("experiment_name", experimentName)],
                subject: subject
            )
            if let id = (answer["experiment"] as? [String: Any])?["experiment_id"] as? String { return id }
        } catch let error as ModelRegistryError where error.code == .notFound {}
        do {
            let answer = try client.call(
                "POST",
                "experiments/create",
                body: ["name": experimentName, "artifact_location": copyRoot],
                subject: subject
            )
            if let id = answer["experiment_id"] as? String { return id }
        } catch let error as ModelRegistryError where error.code == .alreadyExists {
            return try experimentID()
        }
        throw ModelRegistryError(.backend, "the MLflow server at \(client.trackingURI) did not create \(subject)")
    }

    /// Removes the copy the registry made for a version, and its run; leaves everything else alone.
    private func removeCopy(of record: VersionRecord) {
        guard let run = record.copyRun else { return }
        discardRun(run, copy: record.version.storedURI)
    }

    private func discardRun(_ id: String, copy: String) {
        if (try? fileio.exists(copy)) == true {
            if (try? fileio.isdir(copy)) == true { try? fileio.rmtree(copy) } else { try? fileio.remove(copy) }
        }
        _ = try? client.call("POST", "runs/delete", body: ["run_id": id], subject: "run \(id)")
    }

    // MARK: - Mapping

    static func subject(_ model: String, _ version: String) -> String { "version \(version) of model '\(model)'" }

    static func escape(_ text: String) -> String { text.replacingOccurrences(of: "'", with: "\\'") }

    static func nameFilter(_ model: String) -> String { "name='\(escape(model))'" }

    static func number(_ version: ModelVersion) -> Int { Int(version.version) ?? 0 }

    static func metadataTag(_ key: String) -> String { referenceMetadataTags[key] ?? metadataPrefix + key }

    static func tagList(_ tags: [String: String]) -> [[String: String]] {
        tags.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] }
    }

    static func versionTags(
        metadata: [String: String],
        tags: [String: String],
        format: String?,
        library: String?
    ) -> [String: String] {
        var result = tags
        for (key, value) in metadata { result[metadataTag(key)] = value }
        if let format { result[formatTag] = format }
        if let library { result[libraryTag] = library }
        return result
    }

    static func tags(_ object: [String: Any]) -> [String: String] {
        (object["tags"] as? [[String: Any]] ?? []).reduce(into: [:]) { tags, tag in
            if let key = tag["key"] as? String { tags[key] = tag["value"] as? String ?? "" }
        }
    }

    static func date(_ value: Any?) -> Date {
        let milliseconds = (value as? NSNumber)?.doubleValue ?? Double(value as? String ?? "") ?? 0
        return Date(timeIntervalSince1970: milliseconds / 1000)
    }

    static func model(_ value: Any?, subject: String) throws -> RegisteredModel {
        guard let object = value as? [String: Any], let name = object["name"] as? String else {
            throw ModelRegistryError(.backend, "the MLflow server answered without a registered model for \(subject)")
        }
        let description = (object["description"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return RegisteredModel(
            name: name,
            description: description,
            tags: tags(object),
            created: date(object["creation_timestamp"]),
            updated: date(object["last_updated_timestamp"])
        )
    }

    /// A version as MLflow holds it, with the run that holds the registry's copy of its files, if any.
    struct VersionRecord {
        var version: ModelVersion
        var copyRun: String?
    }

    static func record(_ value: Any?, subject: String) throws -> VersionRecord {
        guard let object = value as? [String: Any], let model = object["name"] as? String,
            let number = object["version"] as? String
        else {
            throw ModelRegistryError(.backend, "the MLflow server answered without a model version for \(subject)")
        }
        var all = tags(object)
        var metadata: [String: String] = [:]
        for (key, tag) in referenceMetadataTags {
            if let value = all.removeValue(forKey: tag) { metadata[key] = value }
        }
        for (tag, value) in all where tag.hasPrefix(metadataPrefix) {
            metadata[String(tag.dropFirst(metadataPrefix.count))] = value
            all[tag] = nil
        }
        let format = all.removeValue(forKey: formatTag)
        let library = all.removeValue(forKey: libraryTag)
        let original = all.removeValue(forKey: sourceTag)
        let stored = object["source"] as? String ?? ""
        let version = ModelVersion(
            model: model,
            version: number,
            sourceURI: original ?? stored,
            storedURI: stored,
            format: format,
            library: library,
            description: (object["description"] as? String).flatMap { $0.isEmpty ? nil : $0 },
            stage: ModelVersionStage(rawValue: object["current_stage"] as? String ?? "None") ?? .none,
            metadata: metadata,
            tags: all,
            created: date(object["creation_timestamp"]),
            updated: date(object["last_updated_timestamp"])
        )
        let run = (object["run_id"] as? String).flatMap { $0.isEmpty ? nil : $0 }
        return VersionRecord(version: version, copyRun: original == nil ? nil : run)
    }
}
