import FileIO
import Foundation
import Stacks

/// The `default` model-registry flavor: models and versions in the project's metadata store (its
/// SQLite file, or the team's PostgreSQL server), model files in an artifact store.
///
/// A version registered from outside the store is copied to `<store root>/models/<model>/<version>/`
/// (a single file keeps its name inside that folder); one already inside the store is referenced
/// where it is. Deleting a version removes only what the registry copied.
public final class DefaultModelRegistry: ModelRegistry {
    let metadata: MetadataStore
    /// The artifact store root copies go under, e.g. the active stack's store `path`.
    public let storeRoot: String

    /// Creates a registry over a metadata store, copying files below `storeRoot`; creates the
    /// registry's tables in that store when they are missing.
    /// - Throws: ``ModelRegistryError`` (`backend`) when the tables cannot be created.
    public init(metadata: MetadataStore, storeRoot: String) throws {
        self.metadata = metadata
        self.storeRoot = storeRoot
        do {
            try metadata.migrate(Self.schema)
        } catch let error as StackError {
            throw ModelRegistryError(.backend, error.message, cause: error)
        }
    }

    // MARK: - Models

    public func registerModel(_ name: String, description: String?, tags: [String: String]) throws -> RegisteredModel {
        try Self.checkName(name, what: "model")
        return try write { db in
            if try Self.fetchModel(db, name) != nil {
                throw ModelRegistryError(.alreadyExists, "model '\(name)' already exists")
            }
            let now = Date()
            try db.execute(
                sql: "INSERT INTO registeredModel (name, description, tags, created, updated) VALUES (?, ?, ?, ?, ?)",
                arguments: [name, description, try MetadataStore.json(tags), now, now]
            )
            return RegisteredModel(name: name, description: description, tags: tags, created: now, updated: now)
        }
    }

    public func deleteModel(_ name: String) throws {
        let copies = try write { db in
            _ = try Self.requireModel(db, name)
            let copies = try db.values(
                String.self,
                sql: "SELECT storedURI FROM modelVersion WHERE model = ? AND copied",
                arguments: [name]
            )
            try db.execute(sql: "DELETE FROM registeredModel WHERE name = ?", arguments: [name])
            return copies
        }
        try removeCopies(copies)
    }

    public func updateModel(
        _ name: String,
        description: String?,
        tags: [String: String],
        removeTags: [String]
    ) throws -> RegisteredModel {
        try write { db in
            var model = try Self.requireModel(db, name)
            if let description { model.description = description }
            model.tags.merge(tags) { $1 }
            for key in removeTags { model.tags[key] = nil }
            model.updated = Date()
            try db.execute(
                sql: "UPDATE registeredModel SET description = ?, tags = ?, updated = ? WHERE name = ?",
                arguments: [model.description, try MetadataStore.json(model.tags), model.updated, name]
            )
            return model
        }
    }

    public func model(_ name: String) throws -> RegisteredModel {
        try read { db in try Self.requireModel(db, name) }
    }

    public func models(nameContains: String?, tags: [String: String]) throws -> [RegisteredModel] {
        try read { db in
            try db.rows(sql: "SELECT * FROM registeredModel ORDER BY name").map(Self.model)
                .filter { model in
                    (nameContains.map { model.name.contains($0) } ?? true)
                        && tags.allSatisfy { model.tags[$0.key] == $0.value }
                }
        }
    }

    // MARK: - Versions

    public func registerModelVersion(_ request: ModelVersionRequest) throws -> ModelVersion {
        try registerModelVersion(request, progress: nil)
    }

    public func registerModelVersion(_ request: ModelVersionRequest, progress: TransferProgress?) throws -> ModelVersion
    {
        if let version = request.version { try Self.checkName(version, what: "version") }
        let source = try Self.canonical(request.sourceURI)
        guard try fileio.exists(source) else {
            throw ModelRegistryError(.invalidValue, "model source '\(request.sourceURI)' does not exist")
        }
        // Asked before the transaction: on an object store this is a request.
        let sourceIsFolder = try fileio.isdir(source)
        // Reserve the version first, so a copy never lands where a concurrent registration's would.
        let reserved = try write { db in try reserveVersion(db, request, source: source, isFolder: sourceIsFolder) }
        do {
            if reserved.storedURI != reserved.sourceURI {
                try copyFiles(from: source, isFolder: sourceIsFolder, to: reserved.storedURI, progress: progress)
            }
        } catch {
            _ = try? write { db in
                try db.execute(
                    sql: "DELETE FROM modelVersion WHERE model = ? AND version = ?",
                    arguments: [reserved.model, reserved.version]
                )
            }
            try? removeCopies([reserved.storedURI])
            throw ModelRegistryError(
                .backend,
                "cannot copy '\(request.sourceURI)' into the artifact store: \(error)",
                cause: error
            )
        }
        return reserved
    }

    public func deleteModelVersion(_ model: String, version: String) throws {
        let removed = try write { db in
            let found = try Self.requireVersion(db, model, version)
            try db.execute(
                sql: "DELETE FROM modelVersion WHERE model = ? AND version = ?",
                arguments: [model, version]
            )
            return found
        }
        if removed.storedURI != removed.sourceURI { try removeCopies([removed.storedURI]) }
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
        try write { db in
            var found = try Self.requireVersion(db, model, version)
            if let description { found.description = description }
            found.metadata.merge(changes) { $1 }
            for key in removeMetadata { found.metadata[key] = nil }
            if let stage, stage != found.stage {
                if stage == .production {
                    let current = try db.values(
                        String.self,
                        sql: "SELECT version FROM modelVersion WHERE model = ? AND stage = ? AND version != ?",
                        arguments: [model, ModelVersionStage.production.rawValue, version]
                    )
                    if !current.isEmpty {
                        guard archiveExisting else {
                            throw ModelRegistryError(
                                .invalidValue,
                                "version \(current.joined(separator: ", ")) of model '\(model)' is in Production: archive it explicitly (archive existing versions) to promote version \(version)"
                            )
                        }
                        try db.execute(
                            sql:
                                "UPDATE modelVersion SET stage = ?, updated = ? WHERE model = ? AND stage = ? AND version != ?",
                            arguments: [
                                ModelVersionStage.archived.rawValue, Date(), model,
                                ModelVersionStage.production.rawValue, version,
                            ]
                        )
                    }
                }
                found.stage = stage
            }
            found.updated = Date()
            try db.execute(
                sql:
                    "UPDATE modelVersion SET description = ?, metadata = ?, stage = ?, updated = ? WHERE model = ? AND version = ?",
                arguments: [
                    found.description, try MetadataStore.json(found.metadata), found.stage.rawValue, found.updated,
                    model, version,
                ]
            )
            return found
        }
    }

    public func modelVersions(_ filter: ModelVersionFilter) throws -> [ModelVersion] {
        if let count = filter.count, count < 0 {
            throw ModelRegistryError(.invalidValue, "count must not be negative (got \(count))")
        }
        return try read { db in
            var clauses: [String] = []
            var arguments: [any SQLBindable] = []
            if let model = filter.model {
                _ = try Self.requireModel(db, model)
                clauses.append("model = ?")
                arguments.append(model)
            }
            if let source = filter.sourceURI {
                clauses.append("(sourceURI = ? OR storedURI = ?)")
                arguments += [source, source]
            }
            if let stage = filter.stage {
                clauses.append("stage = ?")
                arguments.append(stage.rawValue)
            }
            if let after = filter.createdAfter {
                clauses.append("created > ?")
                arguments.append(after)
            }
            if let before = filter.createdBefore {
                clauses.append("created < ?")
                arguments.append(before)
            }
            let order =
                switch filter.orderByDate {
                case .ascending?: "created ASC, sequence ASC"
                case .descending?: "created DESC, sequence DESC"
                case nil: "model ASC, sequence ASC"
                }
            let condition = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let rows = try db.rows(
                sql: "SELECT * FROM modelVersion \(condition) ORDER BY \(order)",
                arguments: arguments
            )
            var result: [ModelVersion] = []
            for row in rows {
                let version = try Self.version(row)
                guard filter.metadata.allSatisfy({ version.metadata[$0.key] == $0.value }),
                    filter.tags.allSatisfy({ version.tags[$0.key] == $0.value })
                else { continue }
                result.append(version)
                if let count = filter.count, result.count >= count { break }
            }
            return result
        }
    }

    public func modelVersion(_ model: String, version: String) throws -> ModelVersion {
        try read { db in try Self.requireVersion(db, model, version) }
    }

    public func latestModelVersion(_ model: String, stage: ModelVersionStage?) throws -> ModelVersion? {
        try modelVersions(ModelVersionFilter(model: model, stage: stage)).last
    }

    // MARK: - Aliases

    public func setAlias(_ model: String, alias: String, version: String) throws {
        try Self.checkName(alias, what: "alias")
        try write { db in
            _ = try Self.requireVersion(db, model, version)
            try db.execute(
                sql:
                    "INSERT INTO modelAlias (model, alias, version) VALUES (?, ?, ?) ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version",
                arguments: [model, alias, version]
            )
        }
    }

    public func deleteAlias(_ model: String, alias: String) throws {
        try write { db in
            _ = try Self.requireModel(db, model)
            guard
                try db.count(
                    sql: "SELECT COUNT(*) FROM modelAlias WHERE model = ? AND alias = ?",
                    arguments: [model, alias]
                ) > 0
            else { throw ModelRegistryError(.notFound, "model '\(model)' has no alias '\(alias)'") }
            try db.execute(sql: "DELETE FROM modelAlias WHERE model = ? AND alias = ?", arguments: [model, alias])
        }
    }

    public func modelVersion(_ model: String, alias: String) throws -> ModelVersion {
        try read { db in
            _ = try Self.requireModel(db, model)
            guard
                let version = try db.value(
                    String.self,
                    sql: "SELECT version FROM modelAlias WHERE model = ? AND alias = ?",
                    arguments: [model, alias]
                )
            else {
                throw ModelRegistryError(.notFound, "model '\(model)' has no alias '\(alias)'")
            }
            return try Self.requireVersion(db, model, version)
        }
    }
}
