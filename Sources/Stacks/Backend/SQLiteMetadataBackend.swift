import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// The embedded backend: the project's `metadata.db` (mode 0600) through GRDB, in WAL mode; each
/// write is one immediate transaction with a busy timeout, so several processes registering at
/// once all succeed.
struct SQLiteMetadataBackend: MetadataBackend {
    let database: DatabasePool
    let description: String

    /// Opens (creating when needed) the SQLite file at `path` and migrates it to this release's tables.
    /// - Throws: ``StackErrorCode/storage`` when it cannot be opened or migrated.
    init(path: String) throws {
        description = path
        do {
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
    }

    func write<T>(_ body: (any MetadataConnection) throws -> T) throws -> T {
        do {
            return try database.write { db in try body(SQLiteConnection(db: db)) }
        } catch let error as DatabaseError {
            throw StackError(.storage, "the metadata store failed: \(error)", cause: error)
        }
    }

    func read<T>(_ body: (any MetadataConnection) throws -> T) throws -> T {
        do {
            return try database.read { db in try body(SQLiteConnection(db: db)) }
        } catch let error as DatabaseError {
            throw StackError(.storage, "the metadata store failed: \(error)", cause: error)
        }
    }

    func migrate(_ schema: MetadataSchema) throws {
        do {
            try schema.sqlite.migrate(database)
        } catch {
            throw StackError(.storage, "cannot migrate the metadata store at '\(description)': \(error)", cause: error)
        }
    }

    /// A date as GRDB stores it (`2026-12-01 12:23:29.123`, UTC).
    static func date(_ text: String) -> Date? {
        Date.fromDatabaseValue(text.databaseValue)
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
        migrator.registerMigration("v4: plugin content hashes") { db in
            try db.alter(table: "pluginFlavor") { table in
                table.add(column: "contentHash", .text).notNull().defaults(to: "")
            }
        }
        return migrator
    }
}

/// A GRDB connection inside a transaction, as the seam sees it.
private struct SQLiteConnection: MetadataConnection {
    let db: Database

    func execute(sql: String, arguments: [any SQLBindable]) throws {
        try db.execute(sql: sql, arguments: Self.arguments(arguments))
    }

    func rows(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow] {
        try Row.fetchAll(db, sql: sql, arguments: Self.arguments(arguments)).map { row in
            SQLRow(row.map { column, value in (column, Self.value(value)) })
        }
    }

    private static func arguments(_ values: [any SQLBindable]) -> StatementArguments {
        StatementArguments(
            values.map { value -> DatabaseValue in
                switch value.sqlValue {
                case .null: .null
                case .integer(let integer): integer.databaseValue
                case .text(let text): text.databaseValue
                case .blob(let data): data.databaseValue
                case .bool(let bool): bool.databaseValue
                case .date(let date): date.databaseValue
                }
            }
        )
    }

    private static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let integer): .integer(integer)
        case .double(let double): .text(String(double))
        case .string(let text): .text(text)
        case .blob(let data): .blob(data)
        }
    }
}
