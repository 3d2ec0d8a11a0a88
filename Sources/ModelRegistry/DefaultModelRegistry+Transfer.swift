import Foundation
import Stacks

/// The `default` model registry's part of a metadata import, checked in full against one
/// snapshot: exactly what ``DefaultModelRegistry/applyModelsImport(_:_:)`` writes.
package struct ModelsImportPlan {
    fileprivate var models: [RegisteredModel] = []
    fileprivate var versions: [(version: ModelVersion, sequence: Int, copied: Bool)] = []
    fileprivate var aliases: [(model: String, alias: String, version: String)] = []
}

extension DefaultModelRegistry {
    /// Creates the registry's tables in `metadata` when they are missing, so its models can be
    /// exported from or imported into that store without a registry component.
    /// - Throws: ``StackError`` when the tables cannot be created.
    package static func prepareTables(in metadata: MetadataStore) throws {
        try metadata.migrate(schema)
    }

    /// Every model with its versions (by sequence) and aliases, as a metadata export writes them.
    /// - Throws: ``StackError`` when a row cannot be read.
    package static func exportModels(_ db: any MetadataConnection) throws -> [MetadataDocument.Model] {
        let stamp = MetadataDocument.timestamp
        return try db.rows(sql: "SELECT * FROM registeredModel").map(model).sorted { $0.name < $1.name }.map { model in
            let versions = try db.rows(sql: "SELECT * FROM modelVersion WHERE model = ?", arguments: [model.name])
                .map(exportedVersion)
                .sorted { ($0.sequence, $0.version) < ($1.sequence, $1.version) }
            let aliases = try db.rows(
                sql: "SELECT alias, version FROM modelAlias WHERE model = ?",
                arguments: [model.name]
            ).reduce(into: [String: String]()) { aliases, row in
                let alias: String = try row["alias"]
                let version: String = try row["version"]
                aliases[alias] = version
            }
            return MetadataDocument.Model(
                name: model.name,
                description: model.description,
                tags: model.tags.isEmpty ? nil : model.tags,
                created: stamp(model.created),
                updated: stamp(model.updated),
                versions: versions,
                aliases: aliases.isEmpty ? nil : aliases
            )
        }
    }

    private static func exportedVersion(_ row: SQLRow) throws -> MetadataDocument.Version {
        let version = try self.version(row)
        let sequence: Int = try row["sequence"]
        let copied: Bool = try row["copied"]
        return MetadataDocument.Version(
            version: version.version,
            sequence: sequence,
            sourceURI: version.sourceURI,
            storedURI: version.storedURI,
            copied: copied,
            format: version.format,
            library: version.library,
            description: version.description,
            stage: version.stage.rawValue,
            metadata: version.metadata.isEmpty ? nil : version.metadata,
            tags: version.tags.isEmpty ? nil : version.tags,
            created: MetadataDocument.timestamp(version.created),
            updated: MetadataDocument.timestamp(version.updated)
        )
    }

    /// Checks the document's models against the registry's rows as `db` sees them and works out
    /// what to write; an item already here with the same content is left (and counted in `report`),
    /// one whose name is taken by different content is a conflict.
    /// - Throws: ``StackError`` naming the model, version or alias and the field at fault; nothing is written.
    package static func planModelsImport(
        _ models: [MetadataDocument.Model],
        _ db: any MetadataConnection,
        report: inout MetadataImportReport
    ) throws -> ModelsImportPlan {
        var plan = ModelsImportPlan()
        var seen: Set<String> = []
        for entry in models {
            let item = "model '\(entry.name)'"
            try checkDocumentName(entry.name, item: item, field: "name")
            guard seen.insert(entry.name).inserted else {
                throw StackError(.invalidArgument, "\(item) appears twice in the document")
            }
            let tags = entry.tags ?? [:]
            if let here = try fetchModel(db, entry.name) {
                if here.description != entry.description { throw MetadataStore.conflict(item, field: "description") }
                if here.tags != tags { throw MetadataStore.conflict(item, field: "tags") }
                report.unchanged.append(item)
            } else {
                plan.models.append(
                    RegisteredModel(
                        name: entry.name,
                        description: entry.description,
                        tags: tags,
                        created: try MetadataDocument.date(entry.created, field: "created", of: item),
                        updated: try MetadataDocument.date(entry.updated, field: "updated", of: item)
                    )
                )
                report.added.append(item)
            }
            try planVersions(entry, db, into: &plan, report: &report)
            for (alias, version) in (entry.aliases ?? [:]).sorted(by: { $0.key < $1.key }) {
                let aliasItem = "\(item) alias '\(alias)'"
                try checkDocumentName(alias, item: aliasItem, field: "aliases")
                guard entry.versions.contains(where: { $0.version == version }) else {
                    throw StackError(
                        .invalidArgument,
                        "\(aliasItem): field 'aliases.\(alias)' names version \(version), which is not among the model's versions"
                    )
                }
                let here = try db.value(
                    String.self,
                    sql: "SELECT version FROM modelAlias WHERE model = ? AND alias = ?",
                    arguments: [entry.name, alias]
                )
                if let here {
                    if here != version { throw MetadataStore.conflict(aliasItem, field: "aliases.\(alias)") }
                    report.unchanged.append(aliasItem)
                } else {
                    plan.aliases.append((entry.name, alias, version))
                    report.added.append(aliasItem)
                }
            }
        }
        return plan
    }

    private static func planVersions(
        _ entry: MetadataDocument.Model,
        _ db: any MetadataConnection,
        into plan: inout ModelsImportPlan,
        report: inout MetadataImportReport
    ) throws {
        var seen: Set<String> = []
        var production: String?
        for version in entry.versions {
            let item = "model '\(entry.name)' version \(version.version)"
            try checkDocumentName(version.version, item: item, field: "version")
            guard seen.insert(version.version).inserted else {
                throw StackError(.invalidArgument, "\(item) appears twice in the document")
            }
            guard let stage = ModelVersionStage(rawValue: version.stage) else {
                throw StackError(
                    .invalidArgument,
                    "\(item): field 'stage': unknown stage '\(version.stage)' (stages: \(ModelVersionStage.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            if stage == .production {
                if let production {
                    throw StackError(
                        .invalidArgument,
                        "\(item): field 'stage': version \(production) is in Production too; a model has at most one"
                    )
                }
                production = version.version
            }
            let row = ModelVersion(
                model: entry.name,
                version: version.version,
                sourceURI: version.sourceURI,
                storedURI: version.storedURI,
                format: version.format,
                library: version.library,
                description: version.description,
                stage: stage,
                metadata: version.metadata ?? [:],
                tags: version.tags ?? [:],
                created: try MetadataDocument.date(version.created, field: "created", of: item),
                updated: try MetadataDocument.date(version.updated, field: "updated", of: item)
            )
            if let here = try db.row(
                sql: "SELECT * FROM modelVersion WHERE model = ? AND version = ?",
                arguments: [entry.name, version.version]
            ) {
                let found = try self.version(here)
                let sequence: Int = try here["sequence"]
                let copied: Bool = try here["copied"]
                let differing = [
                    ("sequence", sequence == version.sequence),
                    ("source_uri", found.sourceURI == row.sourceURI), ("stored_uri", found.storedURI == row.storedURI),
                    ("copied", copied == version.copied), ("format", found.format == row.format),
                    ("library", found.library == row.library), ("description", found.description == row.description),
                    ("stage", found.stage == row.stage), ("metadata", found.metadata == row.metadata),
                    ("tags", found.tags == row.tags),
                ].first { !$0.1 }?.0
                if let differing { throw MetadataStore.conflict(item, field: differing) }
                report.unchanged.append(item)
                continue
            }
            if stage == .production,
                let other = try db.value(
                    String.self,
                    sql: "SELECT version FROM modelVersion WHERE model = ? AND stage = ?",
                    arguments: [entry.name, ModelVersionStage.production.rawValue]
                )
            {
                throw StackError(
                    .alreadyExists,
                    "\(item): field 'stage': version \(other) of model '\(entry.name)' is in Production here; a model has at most one"
                )
            }
            plan.versions.append((row, version.sequence, version.copied))
            report.added.append(item)
        }
    }

    /// Writes what `plan` says, in `db`'s transaction (the one the plan was made in).
    /// - Throws: ``StackError`` when a row cannot be written; the transaction then writes nothing.
    package static func applyModelsImport(_ plan: ModelsImportPlan, _ db: any MetadataConnection) throws {
        for model in plan.models {
            try db.execute(
                sql: "INSERT INTO registeredModel (name, description, tags, created, updated) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    model.name, model.description, try MetadataStore.json(model.tags), model.created, model.updated,
                ]
            )
        }
        for (row, sequence, copied) in plan.versions {
            try db.execute(
                sql: """
                    INSERT INTO modelVersion (model, version, sequence, sourceURI, storedURI, copied, format, library, description,
                        stage, metadata, tags, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    row.model, row.version, sequence, row.sourceURI, row.storedURI, copied, row.format, row.library,
                    row.description, row.stage.rawValue, try MetadataStore.json(row.metadata),
                    try MetadataStore.json(row.tags), row.created, row.updated,
                ]
            )
        }
        for (model, alias, version) in plan.aliases {
            try db.execute(
                sql: "INSERT INTO modelAlias (model, alias, version) VALUES (?, ?, ?)",
                arguments: [model, alias, version]
            )
        }
    }

    /// The registry's name rule, as a document refusal naming the item and field.
    private static func checkDocumentName(_ name: String, item: String, field: String) throws {
        do {
            try checkName(name, what: field)
        } catch let error as ModelRegistryError {
            throw StackError(.invalidArgument, "\(item): field '\(field)': \(error.message)", cause: error)
        }
    }
}
