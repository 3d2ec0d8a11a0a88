import FileIO
import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The project's metadata: components, stacks, the active stack and secrets, in one SQLite file
/// (`metadata.db`, WAL mode, mode 0600) inside the config folder.
///
/// Every change runs in one immediate transaction with a busy timeout, so several processes
/// registering at once all succeed, and a refused change writes nothing. Configs are validated
/// against their flavor before anything is stored.
public final class MetadataStore: Sendable {
    /// The config folder holding the database.
    public let directory: String
    /// The flavors configs are checked against.
    public let flavors: FlavorRegistry
    /// The database; other modules of this package (the model registry) keep their tables here too,
    /// created by their own migrations through ``migrate(_:)``.
    package let database: DatabasePool
    let cipher: SecretCipher
    private let migrated = Mutex<Set<String>>([])

    /// Opens (creating and migrating when needed) the metadata store in `directory`. A new store
    /// holds a `default` stack with a `default` local artifact store under `directory/artifacts`.
    /// - Throws: ``StackErrorCode/storage`` when the folder or database cannot be opened.
    public init(
        directory: String,
        flavors: FlavorRegistry = .builtIn(),
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws {
        self.directory = directory
        self.flavors = flavors
        self.cipher = SecretCipher(environment: environment)
        let path = directory + "/metadata.db"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // Created 0600 before SQLite opens it: secrets live here. SQLite gives -wal/-shm the same mode.
            let fd = Glibc.open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            if fd >= 0 { Glibc.close(fd) }
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            database = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch {
            throw StackError(.storage, "cannot open the metadata store at '\(path)': \(error)", cause: error)
        }
        try ensureDefaultStack()
    }

    // MARK: - Schema

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: components, stacks, settings, secrets") { db in
            try db.create(table: "component") { table in
                table.primaryKey("id", .text)
                table.column("name", .text).notNull()
                table.column("type", .text).notNull()
                table.column("flavor", .text).notNull()
                table.column("config", .text).notNull()
                table.column("labels", .text).notNull()
                table.column("created", .datetime).notNull()
                table.column("updated", .datetime).notNull()
                table.uniqueKey(["type", "name"])
            }
            try db.create(table: "stack") { table in
                table.primaryKey("id", .text)
                table.column("name", .text).notNull().unique()
                table.column("created", .datetime).notNull()
                table.column("updated", .datetime).notNull()
            }
            try db.create(table: "stackComponent") { table in
                table.column("stackId", .text).notNull().references("stack", onDelete: .cascade)
                table.column("type", .text).notNull()
                table.column("componentId", .text).notNull().references("component", onDelete: .restrict)
                table.primaryKey(["stackId", "type"])
            }
            try db.create(table: "setting") { table in
                table.primaryKey("key", .text)
                table.column("value", .text).notNull()
            }
            try db.create(table: "secret") { table in
                table.primaryKey("name", .text)
                table.column("payload", .blob).notNull()
                table.column("encrypted", .boolean).notNull()
                table.column("created", .datetime).notNull()
                table.column("updated", .datetime).notNull()
            }
        }
        migrator.registerMigration("v3: plugin flavors") { db in
            try db.create(table: "pluginFlavor") { table in
                table.column("type", .text).notNull()
                table.column("name", .text).notNull()
                table.column("source", .text).notNull()
                table.column("library", .text).notNull()
                table.column("sdkVersion", .text).notNull()
                table.column("description", .text).notNull()
                table.column("registered", .datetime).notNull()
                table.primaryKey(["type", "name"])
            }
        }
        return migrator
    }

    /// Applies another module's migrations (its own tables in this database), once per process.
    /// Their identifiers share one namespace with this store's, so each names its module.
    /// - Throws: ``StackErrorCode/storage`` when a migration fails.
    package func migrate(_ migrator: DatabaseMigrator) throws {
        let identifiers = migrator.migrations.joined(separator: "\n")
        guard migrated.withLock({ !$0.contains(identifiers) }) else { return }
        do {
            try migrator.migrate(database)
        } catch {
            throw StackError(.storage, "cannot migrate the metadata store in '\(directory)': \(error)", cause: error)
        }
        migrated.withLock { _ = $0.insert(identifiers) }
    }

    /// Runs a write transaction, turning database failures into ``StackError``; errors `body`
    /// throws pass through unchanged (and roll the transaction back).
    package func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.write(body)
        } catch let error as DatabaseError {
            throw StackError(.storage, "the metadata store failed: \(error)", cause: error)
        }
    }

    /// Runs a read, turning database failures into ``StackError``.
    package func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch let error as DatabaseError {
            throw StackError(.storage, "the metadata store failed: \(error)", cause: error)
        }
    }

    private func ensureDefaultStack() throws {
        try write { db in
            guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM stack WHERE name = 'default'") == 0,
                try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = 'defaultCreated'") == nil
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

    func setSetting(_ db: Database, _ key: String, _ value: String) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", arguments: [key, value])
    }
}
