/// One row a query returned, its columns by name (case-insensitive: PostgreSQL folds unquoted
/// names to lower case, SQLite keeps them as written).
package struct SQLRow: Sendable {
    private let columns: [(name: String, value: SQLValue)]

    /// A row of `columns` in their query order.
    package init(_ columns: [(name: String, value: SQLValue)]) {
        self.columns = columns.map { ($0.name.lowercased(), $0.value) }
    }

    /// The first column's value, for queries of one value (`SELECT COUNT(*) ...`).
    package var first: SQLValue { columns.first?.value ?? .null }

    /// The column `name` read as `T`.
    /// - Throws: ``StackErrorCode/storage`` naming the column when it is missing or of another kind.
    package subscript<T: SQLDecodable>(_ name: String) -> T {
        get throws {
            let key = name.lowercased()
            guard let value = columns.first(where: { $0.name == key })?.value, let decoded = T(sqlValue: value)
            else {
                throw StackError(.storage, "column '\(name)' of a row in the metadata store is missing or damaged")
            }
            return decoded
        }
    }
}
