import FileIO
import Foundation
import Stacks

extension DefaultModelRegistry {
    /// Inserts the version row, choosing the next number when none is given and where its files go
    /// (`isFolder`: whether `source` is a folder, learned before the transaction).
    func reserveVersion(
        _ db: any MetadataConnection,
        _ request: ModelVersionRequest,
        source: String,
        isFolder: Bool
    ) throws -> ModelVersion {
        _ = try Self.requireModel(db, request.model)
        let sequence =
            (try db.value(
                Int.self,
                sql: "SELECT MAX(sequence) FROM modelVersion WHERE model = ?",
                arguments: [request.model]
            ) ?? 0) + 1
        let version = request.version ?? String(sequence)
        if try Self.fetchVersion(db, request.model, version) != nil {
            throw ModelRegistryError(.alreadyExists, "version \(version) of model '\(request.model)' already exists")
        }
        let root = try ArtifactPath(parsing: storeRoot, keepEmptyComponents: true)
        let inStore = try root.contains(ArtifactPath(parsing: source, keepEmptyComponents: true))
        var stored = source
        if !inStore {
            let folder = root.appending("models").appending(request.model).appending(version)
            stored =
                try isFolder
                ? folder.description
                : folder.appending(ArtifactPath(parsing: source, keepEmptyComponents: true).name).description
        }
        let now = Date()
        let row = ModelVersion(
            model: request.model,
            version: version,
            sourceURI: source,
            storedURI: stored,
            format: request.format,
            library: request.library,
            description: request.description,
            stage: .none,
            metadata: request.metadata,
            tags: request.tags,
            created: now,
            updated: now
        )
        try db.execute(
            sql: """
                INSERT INTO modelVersion (model, version, sequence, sourceURI, storedURI, copied, format, library, description,
                    stage, metadata, tags, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                row.model, row.version, sequence, row.sourceURI, row.storedURI, !inStore, row.format, row.library,
                row.description,
                row.stage.rawValue, try MetadataStore.json(row.metadata), try MetadataStore.json(row.tags), now, now,
            ]
        )
        return row
    }

    func copyFiles(from source: String, isFolder: Bool, to destination: String, progress: TransferProgress?) throws {
        if isFolder {
            try fileio.copyTree(source, destination, overwrite: false, progress: progress)
        } else {
            try fileio.copy(source, destination, overwrite: false, progress: progress)
        }
    }

    /// Removes copied files; a copy that is already gone is fine.
    func removeCopies(_ uris: [String]) throws {
        for uri in uris {
            do {
                if try fileio.isdir(uri) {
                    try fileio.rmtree(uri)
                } else if try fileio.exists(uri) {
                    try fileio.remove(uri)
                }
                // A single-file copy sits in its own version folder: remove that folder once empty.
                let folder = try ArtifactPath(parsing: uri, keepEmptyComponents: true).parent.description
                if try fileio.isdir(folder), try fileio.listdir(folder).isEmpty, !folder.hasSuffix("/models") {
                    try fileio.rmtree(folder)
                }
            } catch let error as ArtifactStoreError {
                throw ModelRegistryError(.backend, "cannot remove the copied files at \(uri): \(error)", cause: error)
            }
        }
    }

    // MARK: - Rows

    func write<T>(_ body: (any MetadataConnection) throws -> T) throws -> T {
        do {
            return try metadata.write(body)
        } catch let error as StackError {
            throw ModelRegistryError(.backend, error.message, cause: error)
        }
    }

    func read<T>(_ body: (any MetadataConnection) throws -> T) throws -> T {
        do {
            return try metadata.read(body)
        } catch let error as StackError {
            throw ModelRegistryError(.backend, error.message, cause: error)
        }
    }

    static func requireModel(_ db: any MetadataConnection, _ name: String) throws -> RegisteredModel {
        guard let model = try fetchModel(db, name) else {
            throw ModelRegistryError(.notFound, "model '\(name)' does not exist")
        }
        return model
    }

    static func fetchModel(_ db: any MetadataConnection, _ name: String) throws -> RegisteredModel? {
        try db.row(sql: "SELECT * FROM registeredModel WHERE name = ?", arguments: [name]).map(model)
    }

    static func requireVersion(_ db: any MetadataConnection, _ model: String, _ version: String) throws -> ModelVersion
    {
        _ = try requireModel(db, model)
        guard let found = try fetchVersion(db, model, version) else {
            throw ModelRegistryError(.notFound, "version \(version) of model '\(model)' does not exist")
        }
        return found
    }

    static func fetchVersion(_ db: any MetadataConnection, _ model: String, _ version: String) throws -> ModelVersion? {
        try db.row(
            sql: "SELECT * FROM modelVersion WHERE model = ? AND version = ?",
            arguments: [model, version]
        ).map(self.version)
    }

    static func model(_ row: SQLRow) throws -> RegisteredModel {
        try RegisteredModel(
            name: row["name"],
            description: row["description"],
            tags: try decode(row["tags"]),
            created: row["created"],
            updated: row["updated"]
        )
    }

    static func version(_ row: SQLRow) throws -> ModelVersion {
        try ModelVersion(
            model: row["model"],
            version: row["version"],
            sourceURI: row["sourceURI"],
            storedURI: row["storedURI"],
            format: row["format"],
            library: row["library"],
            description: row["description"],
            stage: ModelVersionStage(rawValue: try row["stage"]) ?? .none,
            metadata: try decode(row["metadata"]),
            tags: try decode(row["tags"]),
            created: row["created"],
            updated: row["updated"]
        )
    }

    private static func decode(_ text: String) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }

    /// The canonical form of a source: a relative local path becomes absolute.
    static func canonical(_ uri: String) throws -> String {
        do {
            return try ArtifactPath(parsing: uri, keepEmptyComponents: true).description
        } catch let error as ArtifactStoreError {
            throw ModelRegistryError(.invalidValue, "model source '\(uri)': \(error.message)", cause: error)
        }
    }

    static func checkName(_ name: String, what: String) throws {
        guard !name.isEmpty, !name.hasPrefix("-"), !name.hasPrefix("."), name.count <= 128,
            name.allSatisfy({ $0.isLetter || $0.isNumber || "_-.".contains($0) })
        else {
            throw ModelRegistryError(
                .invalidValue,
                "invalid \(what) name '\(name)': use letters, digits, '_', '-' and '.'"
            )
        }
    }
}
