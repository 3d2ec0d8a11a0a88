import FileIO
import Foundation
import Synchronization

/// The project's metadata: components, stacks, the active stack, secrets and plugin flavors, in
/// one SQLite file (`metadata.db`, WAL mode, mode 0600) inside the config folder, or on a PostgreSQL
/// server a team shares (``MetadataServerURL``).
///
/// Every change runs in one transaction that concurrent writers (processes, machines) cannot
/// interleave with, so several registering at once all succeed, and a refused change writes
/// nothing. Configs are validated against their flavor before anything is stored.
public final class MetadataStore: Sendable {
    /// The config folder holding the SQLite file (or, with a server, the record of it).
    public let directory: String
    /// The flavors configs are checked against.
    public let flavors: FlavorRegistry
    /// The server the metadata lives on, or nil for the embedded SQLite file.
    public let server: MetadataServerURL?
    let backend: any MetadataBackend
    let cipher: SecretCipher
    private let migrated = Mutex<Set<String>>([])

    /// Opens (creating and migrating when needed) the metadata store of the config folder
    /// `directory`: on the server ``MetadataServerURL/configured(in:environment:)`` names, else in
    /// its SQLite file. A new store holds a `default` stack with a `default` local artifact store
    /// under `directory/artifacts`.
    /// - Throws: ``StackErrorCode/storage`` when the folder, database or server cannot be opened
    ///   (naming the server, never its password); ``StackErrorCode/invalidArgument`` for a malformed URL.
    public init(
        directory: String,
        flavors: FlavorRegistry = .builtIn(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        self.directory = directory
        self.flavors = flavors
        server = try MetadataServerURL.configured(in: directory, environment: environment)
        // A server keeps secrets encrypted only: with one, a secret is never stored in clear.
        cipher = SecretCipher(environment: environment, requiresKey: server != nil)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StackError(.storage, "cannot create the config folder '\(directory)': \(error)", cause: error)
        }
        backend =
            if let server {
                try PostgresMetadataBackend(url: server)
            } else {
                try SQLiteMetadataBackend(path: directory + "/metadata.db")
            }
        try ensureDefaultStack()
    }

    /// Where the metadata lives, for messages: the SQLite file, or the server URL without its password.
    public var location: String { backend.description }

    /// Applies another module's migrations (its own tables, on this store's backend), once per process.
    /// - Throws: ``StackErrorCode/storage`` when a migration fails.
    package func migrate(_ schema: MetadataSchema) throws {
        let identifiers = schema.identifiers
        guard migrated.withLock({ !$0.contains(identifiers) }) else { return }
        try backend.migrate(schema)
        migrated.withLock { _ = $0.insert(identifiers) }
    }

    /// Runs a write transaction on the backend; errors `body` throws pass through unchanged (and
    /// roll the transaction back).
    package func write<T>(_ body: (any MetadataConnection) throws -> T) throws -> T {
        try backend.write(body)
    }

    /// Runs a read on one consistent snapshot of the backend.
    package func read<T>(_ body: (any MetadataConnection) throws -> T) throws -> T {
        try backend.read(body)
    }

    private func ensureDefaultStack() throws {
        try write { db in
            guard try db.count(sql: "SELECT COUNT(*) FROM stack WHERE name = 'default'") == 0,
                try db.value(String.self, sql: "SELECT value FROM setting WHERE key = 'defaultCreated'") == nil
            else { return }
            let config: ComponentConfig = ["path": .string(directory + "/artifacts")]
            let component = try insertComponent(
                db,
                name: "default",
                type: .artifactStore,
                flavor: "local",
                config: config,
                labels: [:]
            )
            let stack = try insertStack(db, name: "default", components: [.artifactStore: component])
            try setSetting(db, "activeStack", stack.id.uuidString)
            try setSetting(db, "defaultCreated", "true")
        }
    }

    func setSetting(_ db: any MetadataConnection, _ key: String, _ value: String) throws {
        try db.execute(
            sql:
                "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            arguments: [key, value]
        )
    }
}
