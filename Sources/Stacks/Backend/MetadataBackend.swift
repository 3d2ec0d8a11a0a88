import GRDB

/// Tables another module of this package keeps in the metadata store (the model registry's), in
/// each engine's form. Identifiers share one namespace with the store's own, so each names its module.
package struct MetadataSchema {
    /// The SQLite migrations, as GRDB runs them.
    package var sqlite: DatabaseMigrator
    /// The PostgreSQL migrations: each an identifier and its statements, applied once per server.
    package var postgres: [(identifier: String, statements: [String])]

    /// A schema of both forms.
    package init(sqlite: DatabaseMigrator, postgres: [(identifier: String, statements: [String])]) {
        self.sqlite = sqlite
        self.postgres = postgres
    }

    /// Every migration's identifier, one a line: what a process remembers having applied.
    var identifiers: String {
        (sqlite.migrations + postgres.map(\.identifier)).joined(separator: "\n")
    }
}

/// The database engine under a ``MetadataStore``: SQLite (the embedded default) or PostgreSQL (a
/// server a team shares). The store's queries are written once, in the SQL both engines speak, and
/// run through this seam.
package protocol MetadataBackend: Sendable {
    /// The backend for messages: the SQLite file, or the server URL without its password.
    var description: String { get }

    /// Runs `body` in one transaction that either commits whole or writes nothing; concurrent
    /// writers (other processes, other machines) are serialised. Errors `body` throws pass through
    /// unchanged after the rollback.
    /// - Throws: ``StackErrorCode/storage`` when the database fails.
    func write<T>(_ body: (any MetadataConnection) throws -> T) throws -> T

    /// Runs `body` on one consistent snapshot.
    /// - Throws: ``StackErrorCode/storage`` when the database fails.
    func read<T>(_ body: (any MetadataConnection) throws -> T) throws -> T

    /// Applies the migrations of `schema` this backend has not run yet.
    /// - Throws: ``StackErrorCode/storage`` when a migration fails.
    func migrate(_ schema: MetadataSchema) throws
}

/// A connection inside one of a backend's transactions. SQL uses `?` placeholders, the
/// `INSERT ... ON CONFLICT` upsert and table and column names without quotes.
package protocol MetadataConnection {
    /// Runs a statement that returns no rows.
    /// - Throws: ``StackErrorCode/storage`` when the database refuses it.
    func execute(sql: String, arguments: [any SQLBindable]) throws

    /// Runs a query and returns its rows.
    /// - Throws: ``StackErrorCode/storage`` when the database refuses it.
    func rows(sql: String, arguments: [any SQLBindable]) throws -> [SQLRow]
}

extension MetadataConnection {
    /// Runs a statement without arguments.
    package func execute(sql: String) throws {
        try execute(sql: sql, arguments: [])
    }

    /// Runs a query without arguments.
    package func rows(sql: String) throws -> [SQLRow] {
        try rows(sql: sql, arguments: [])
    }

    /// The first row a query returns, if any.
    package func row(sql: String, arguments: [any SQLBindable] = []) throws -> SQLRow? {
        try rows(sql: sql, arguments: arguments).first
    }

    /// The first column of the first row, as `T`; nil when there is no row or the value is NULL.
    /// - Throws: ``StackErrorCode/storage`` when the value is of another kind.
    package func value<T: SQLDecodable>(
        _ type: T.Type,
        sql: String,
        arguments: [any SQLBindable] = []
    ) throws -> T? {
        guard let value = try row(sql: sql, arguments: arguments)?.first, value != .null else { return nil }
        guard let decoded = T(sqlValue: value) else {
            throw StackError(.storage, "a value in the metadata store is damaged (\(sql))")
        }
        return decoded
    }

    /// The first column of every row, as `T`.
    /// - Throws: ``StackErrorCode/storage`` when a value is of another kind.
    package func values<T: SQLDecodable>(
        _ type: T.Type,
        sql: String,
        arguments: [any SQLBindable] = []
    ) throws -> [T] {
        try rows(sql: sql, arguments: arguments).map { row in
            guard let decoded = T(sqlValue: row.first) else {
                throw StackError(.storage, "a value in the metadata store is damaged (\(sql))")
            }
            return decoded
        }
    }

    /// The number a `SELECT COUNT(*) ...` returns.
    package func count(sql: String, arguments: [any SQLBindable] = []) throws -> Int {
        try value(Int.self, sql: sql, arguments: arguments) ?? 0
    }
}
