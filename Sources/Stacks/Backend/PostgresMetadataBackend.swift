import Foundation

/// The shared backend: a PostgreSQL server, reached through libpq, that every machine of a team
/// points at. Writes run `SERIALIZABLE`, and one that loses to a concurrent transaction (another
/// process, another machine) runs again from the start, so checks made inside it (a name is free,
/// a component is unused) still hold when it commits.
///
/// One connection per store, used by one transaction at a time (`lock` guards it): metadata calls
/// are few and short, and a store is shared by the threads of its process.
///
/// Text columns that lists sort by use the `C` collation, so a server orders names byte by byte,
/// as SQLite does, whatever its locale.
final class PostgresMetadataBackend: MetadataBackend, @unchecked Sendable {
    let url: MetadataServerURL
    var description: String { url.description }
    /// Guards `connection`: every use holds it.
    private let lock = NSLock()
    private let connection: PostgresConnection

    /// How often a transaction that lost a serialisation conflict runs again before giving up.
    private static let attempts = 30

    /// Connects and migrates the server's tables to this release.
    /// - Throws: ``StackErrorCode/storage`` naming the server (never its password).
    init(url: MetadataServerURL) throws {
        self.url = url
        do {
            connection = try PostgresConnection(url)
        } catch let error as PostgresError {
            throw StackError(.storage, error.message, cause: error)
        }
        try migrate(Self.migrations)
    }

    func write<T>(_ body: (any MetadataConnection) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL SERIALIZABLE", body)
    }

    func read<T>(_ body: (any MetadataConnection) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    private func transaction<T>(_ begin: String, _ body: (any MetadataConnection) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        do {
            if !connection.isConnected { try connection.reset() }
            var attempt = 0
            while true {
                attempt += 1
                // A fresh session each attempt: it notes a conflict even when `body` swallows the error.
                let session = PostgresSession(connection: connection)
                _ = try connection.run(begin, [])
                do {
                    let result = try body(session)
                    _ = try connection.run("COMMIT", [])
                    return result
                } catch {
                    _ = try? connection.run("ROLLBACK", [])
                    let conflicted = session.conflicted || (error as? PostgresError)?.isRetryable == true
                    guard conflicted, attempt < Self.attempts else { throw error }
                    usleep(UInt32.random(in: 1_000...(5_000 * UInt32(min(attempt, 10)))))
                }
            }
        } catch let error as PostgresError {
            throw StackError(.storage, "the metadata server \(url) failed: \(error.message)", cause: error)
        }
    }

    // MARK: - Schema

    /// Each migration's statements, applied once per server in order; `artifactfsMigration` records
    /// which ran. A transaction-scoped advisory lock keeps two machines opening a new server at once
    /// from both running them.
    static let migrations: [(identifier: String, statements: [String])] = [
        (
            "v1: components, stacks, settings, secrets, plugin flavors",
            [
                """
                CREATE TABLE component (id TEXT PRIMARY KEY, name TEXT COLLATE "C" NOT NULL, type TEXT COLLATE "C" NOT NULL,
                    flavor TEXT NOT NULL, config TEXT NOT NULL, labels TEXT NOT NULL,
                    created TIMESTAMPTZ NOT NULL, updated TIMESTAMPTZ NOT NULL, UNIQUE (type, name))
                """,
                """
                CREATE TABLE stack (id TEXT PRIMARY KEY, name TEXT COLLATE "C" NOT NULL UNIQUE,
                    created TIMESTAMPTZ NOT NULL, updated TIMESTAMPTZ NOT NULL)
                """,
                """
                CREATE TABLE stackComponent (stackId TEXT NOT NULL REFERENCES stack ON DELETE CASCADE,
                    type TEXT NOT NULL, componentId TEXT NOT NULL REFERENCES component ON DELETE RESTRICT,
                    PRIMARY KEY (stackId, type))
                """,
                "CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                // A server keeps secret values encrypted only: the check refuses a row in clear.
                """
                CREATE TABLE secret (name TEXT COLLATE "C" PRIMARY KEY, payload BYTEA NOT NULL,
                    encrypted BOOLEAN NOT NULL CHECK (encrypted),
                    created TIMESTAMPTZ NOT NULL, updated TIMESTAMPTZ NOT NULL)
                """,
                """
                CREATE TABLE pluginFlavor (type TEXT COLLATE "C" NOT NULL, name TEXT COLLATE "C" NOT NULL, source TEXT NOT NULL,
                    library TEXT NOT NULL, sdkVersion TEXT NOT NULL, description TEXT NOT NULL,
                    registered TIMESTAMPTZ NOT NULL, PRIMARY KEY (type, name))
                """,
            ]
        ),
        // A registration pins its plugin's content hash; rows from before have none ('').
        (
            "v4: plugin content hashes",
            ["ALTER TABLE pluginFlavor ADD COLUMN contentHash TEXT NOT NULL DEFAULT ''"]
        ),
    ]

    func migrate(_ schema: MetadataSchema) throws {
        try migrate(schema.postgres)
    }

    private func migrate(_ migrations: [(identifier: String, statements: [String])]) throws {
        try transaction("BEGIN") { db in
            try db.execute(sql: "SELECT pg_advisory_xact_lock(7262651001)")
            try db.execute(
                sql:
                    "CREATE TABLE IF NOT EXISTS artifactfsMigration (identifier TEXT PRIMARY KEY, applied TIMESTAMPTZ NOT NULL)"
            )
            let applied = Set(try db.values(String.self, sql: "SELECT identifier FROM artifactfsMigration"))
            for migration in migrations where !applied.contains(migration.identifier) {
                for statement in migration.statements { try db.execute(sql: statement) }
                try db.execute(
                    sql: "INSERT INTO artifactfsMigration (identifier, applied) VALUES (?, ?)",
                    arguments: [migration.identifier, Date()]
                )
            }
        }
    }
}

/// The connection inside one of the backend's transactions: `?` placeholders become `$1`, `$2`, ...
private final class PostgresSession: MetadataConnection {
    let connection: PostgresConnection
    /// Whether a statement lost to a concurrent transaction: the whole transaction must run again.
    private(set) var conflicted = false

    init(connection: PostgresConnection) {
        self.connection = connection
    }

    func execute(sql: String, arguments: [any SQLBindable]) throws {
        _ = try rows(sql: sql, arguments: arguments)
    }

    func rows(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow] {
        do {
            return try connection.run(Self.numbered(sql), arguments.map(\.sqlValue))
        } catch let error as PostgresError where error.isRetryable {
            conflicted = true
            throw error
        }
    }

    /// `sql` with each `?` outside a quoted literal replaced by PostgreSQL's numbered placeholder.
    static func numbered(_ sql: String) -> String {
        var result = ""
        var number = 0
        var quoted = false
        for character in sql {
            if character == "'" { quoted.toggle() }
            if character == "?" && !quoted {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}
