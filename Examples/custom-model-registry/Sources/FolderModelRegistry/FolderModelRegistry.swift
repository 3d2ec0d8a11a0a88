import ArtifactFSPlugin
import Foundation
import Synchronization

/// A model registry that keeps its records as JSON files in a folder, one folder per model:
///
///     <folder>/<model>/model.json             the RegisteredModel and its aliases
///     <folder>/<model>/versions/<v>.json      one ModelVersion each
///
/// A version's files stay where they were registered from: its stored URI is its source (made
/// absolute), and `artifactfs` reads them from there through `fileio`. Records are replaced
/// atomically; one lock serializes the changes this process makes.
public final class FolderModelRegistry: ModelRegistry {
    /// The folder holding the records.
    public let folder: String
    private let lock = Mutex(())

    /// A registry over `folder` (created when missing).
    /// - Throws: ``ModelRegistryError`` `.backend` when the folder cannot be created.
    public init(folder: String) throws {
        self.folder = folder
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ModelRegistryError(
                .backend,
                "cannot create the registry folder '\(folder)': \(error.localizedDescription)"
            )
        }
    }

    /// What `model.json` holds.
    struct ModelRecord: Codable {
        var model: RegisteredModel
        var aliases: [String: String]
    }

    // MARK: - Models

    @discardableResult
    public func registerModel(_ name: String, description: String?, tags: [String: String]) throws -> RegisteredModel {
        try Self.checkName(name, "model")
        return try lock.withLock { _ in
            guard !FileManager.default.fileExists(atPath: modelFile(name)) else {
                throw ModelRegistryError(.alreadyExists, "model '\(name)' already exists")
            }
            let now = Date()
            let model = RegisteredModel(name: name, description: description, tags: tags, created: now, updated: now)
            try save(ModelRecord(model: model, aliases: [:]), to: modelFile(name))
            return model
        }
    }

    public func deleteModel(_ name: String) throws {
        try lock.withLock { _ in
            _ = try record(name)
            try remove(folder + "/" + name)
        }
    }

    @discardableResult
    public func updateModel(
        _ name: String,
        description: String?,
        tags: [String: String],
        removeTags: [String]
    ) throws -> RegisteredModel {
        try lock.withLock { _ in
            var record = try record(name)
            if let description { record.model.description = description }
            record.model.tags.merge(tags) { $1 }
            for key in removeTags { record.model.tags[key] = nil }
            record.model.updated = Date()
            try save(record, to: modelFile(name))
            return record.model
        }
    }

    public func model(_ name: String) throws -> RegisteredModel {
        try record(name).model
    }

    public func models(nameContains: String?, tags: [String: String]) throws -> [RegisteredModel] {
        try modelNames().compactMap { try? record($0).model }
            .filter { model in nameContains.map { model.name.contains($0) } ?? true }
            .filter { model in tags.allSatisfy { model.tags[$0.key] == $0.value } }
    }

    // MARK: - Versions

    @discardableResult
    public func registerModelVersion(_ request: ModelVersionRequest) throws -> ModelVersion {
        let source = try Self.absoluteSource(request.sourceURI)
        return try lock.withLock { _ in
            _ = try record(request.model)
            let existing = try versions(of: request.model)
            let name = request.version ?? String((existing.compactMap { Int($0.version) }.max() ?? 0) + 1)
            try Self.checkName(name, "version")
            guard !existing.contains(where: { $0.version == name }) else {
                throw ModelRegistryError(.alreadyExists, "version \(name) of model '\(request.model)' already exists")
            }
            let now = Date()
            let version = ModelVersion(
                model: request.model,
                version: name,
                sourceURI: source,
                storedURI: source,
                format: request.format,
                library: request.library,
                description: request.description,
                stage: .none,
                metadata: request.metadata,
                tags: request.tags,
                created: now,
                updated: now
            )
            try save(version, to: versionFile(request.model, name))
            return version
        }
    }

    /// Removes the version's record (never its files, which the registry did not copy) and the aliases pointing at it.
    public func deleteModelVersion(_ model: String, version: String) throws {
        try lock.withLock { _ in
            _ = try load(model, version)
            try remove(versionFile(model, version))
            var record = try record(model)
            record.aliases = record.aliases.filter { $0.value != version }
            try save(record, to: modelFile(model))
        }
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
        try lock.withLock { _ in
            var found = try load(model, version)
            let now = Date()
            if stage == .production {
                let others = try versions(of: model).filter { $0.stage == .production && $0.version != version }
                if !others.isEmpty && !archiveExisting {
                    throw ModelRegistryError(
                        .invalidValue,
                        "version \(others[0].version) of model '\(model)' is in Production: archive it explicitly (archive existing versions) to promote version \(version)"
                    )
                }
                for var other in others {
                    other.stage = .archived
                    other.updated = now
                    try save(other, to: versionFile(model, other.version))
                }
            }
            if let description { found.description = description }
            found.metadata.merge(metadata) { $1 }
            for key in removeMetadata { found.metadata[key] = nil }
            if let stage { found.stage = stage }
            found.updated = now
            try save(found, to: versionFile(model, version))
            return found
        }
    }

    public func modelVersions(_ filter: ModelVersionFilter) throws -> [ModelVersion] {
        if let count = filter.count, count < 0 {
            throw ModelRegistryError(.invalidValue, "count must not be negative (got \(count))")
        }
        let models = try filter.model.map { [try record($0).model.name] } ?? modelNames()
        var found = try models.flatMap { try versions(of: $0) }.filter { Self.matches($0, filter) }
        switch filter.orderByDate {
        case .ascending: found.sort { $0.created < $1.created }
        case .descending: found.sort { $0.created > $1.created }
        case nil: break
        }
        return filter.count.map { Array(found.prefix($0)) } ?? found
    }

    public func modelVersion(_ model: String, version: String) throws -> ModelVersion {
        try load(model, version)
    }

    /// Whether `version` passes every filter given.
    static func matches(_ version: ModelVersion, _ filter: ModelVersionFilter) -> Bool {
        if let source = filter.sourceURI, version.sourceURI != source, version.storedURI != source { return false }
        if !filter.metadata.allSatisfy({ version.metadata[$0.key] == $0.value }) { return false }
        if !filter.tags.allSatisfy({ version.tags[$0.key] == $0.value }) { return false }
        if let stage = filter.stage, version.stage != stage { return false }
        if let after = filter.createdAfter, version.created <= after { return false }
        if let before = filter.createdBefore, version.created >= before { return false }
        return true
    }

    public func latestModelVersion(_ model: String, stage: ModelVersionStage?) throws -> ModelVersion? {
        _ = try record(model)
        // The newest by creation; of versions created at the same instant, the higher number.
        return try versions(of: model).filter { stage == nil || $0.stage == stage }
            .reduce(nil) { newest, version in newest.map { version.created >= $0.created ? version : $0 } ?? version }
    }

    // MARK: - Aliases

    public func setAlias(_ model: String, alias: String, version: String) throws {
        try Self.checkName(alias, "alias")
        try lock.withLock { _ in
            _ = try load(model, version)
            var record = try record(model)
            record.aliases[alias] = version
            try save(record, to: modelFile(model))
        }
    }

    public func deleteAlias(_ model: String, alias: String) throws {
        try lock.withLock { _ in
            var record = try record(model)
            guard record.aliases.removeValue(forKey: alias) != nil else {
                throw ModelRegistryError(.notFound, "model '\(model)' has no alias '\(alias)'")
            }
            try save(record, to: modelFile(model))
        }
    }

    public func modelVersion(_ model: String, alias: String) throws -> ModelVersion {
        guard let version = try record(model).aliases[alias] else {
            throw ModelRegistryError(.notFound, "model '\(model)' has no alias '\(alias)'")
        }
        return try load(model, version)
    }

    // MARK: - Records

    private func modelFile(_ name: String) -> String { "\(folder)/\(name)/model.json" }
    private func versionFile(_ model: String, _ version: String) -> String {
        "\(folder)/\(model)/versions/\(version).json"
    }

    private func record(_ name: String) throws -> ModelRecord {
        guard FileManager.default.fileExists(atPath: modelFile(name)) else {
            throw ModelRegistryError(.notFound, "model '\(name)' does not exist")
        }
        return try read(ModelRecord.self, from: modelFile(name))
    }

    private func load(_ model: String, _ version: String) throws -> ModelVersion {
        _ = try record(model)
        guard FileManager.default.fileExists(atPath: versionFile(model, version)) else {
            throw ModelRegistryError(.notFound, "version \(version) of model '\(model)' does not exist")
        }
        return try read(ModelVersion.self, from: versionFile(model, version))
    }

    /// The model's versions, by version number (names that are not numbers after, by name).
    private func versions(of model: String) throws -> [ModelVersion] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(folder)/\(model)/versions")) ?? []
        return try files.filter { $0.hasSuffix(".json") }.map {
            try read(ModelVersion.self, from: "\(folder)/\(model)/versions/\($0)")
        }
        .sorted { (Int($0.version) ?? .max, $0.version) < (Int($1.version) ?? .max, $1.version) }
    }

    private func modelNames() throws -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { FileManager.default.fileExists(atPath: modelFile($0)) }.sorted()
    }

    private func read<T: Decodable>(_ type: T.Type, from path: String) throws -> T {
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .secondsSince1970
            return try decoder.decode(type, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw ModelRegistryError(.backend, "cannot read the registry record '\(path)': \(error)")
        }
    }

    private func save(_ value: some Encodable, to path: String) throws {
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .secondsSince1970
            let url = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try encoder.encode(value).write(to: url, options: .atomic)
        } catch {
            throw ModelRegistryError(.backend, "cannot write the registry record '\(path)': \(error)")
        }
    }

    private func remove(_ path: String) throws {
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw ModelRegistryError(.backend, "cannot remove '\(path)': \(error.localizedDescription)")
        }
    }

    /// Names become file names: letters, digits, `_`, `-` and `.`, not `.` or `..`.
    static func checkName(_ name: String, _ what: String) throws {
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
        guard allowed, !name.isEmpty, name != ".", name != ".." else {
            throw ModelRegistryError(
                .invalidValue,
                "invalid \(what) name '\(name)': use letters, digits, '_', '-' and '.'"
            )
        }
    }

    /// A local source made absolute (from the working folder) and checked to exist; a URI with a
    /// scheme is kept as given.
    static func absoluteSource(_ uri: String) throws -> String {
        guard !uri.contains("://") || uri.hasPrefix("file://") else { return uri }
        let path = uri.hasPrefix("file://") ? String(uri.dropFirst("file://".count)) : uri
        let absolute = URL(
            fileURLWithPath: path,
            relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        )
        .standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: absolute) else {
            throw ModelRegistryError(.invalidValue, "model source '\(uri)' does not exist")
        }
        return absolute
    }
}
