import Foundation

/// A value crossing the metadata store's SQL seam, in either direction: what a statement binds and
/// what a row holds, whichever database engine is behind it.
package enum SQLValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)
    case blob(Data)
    case bool(Bool)
    case date(Date)
}

/// A Swift value a statement can bind (`?` in the seam's SQL).
package protocol SQLBindable {
    /// The value as bound.
    var sqlValue: SQLValue { get }
}

/// A Swift value a row's column can be read as.
package protocol SQLDecodable {
    /// Reads the value, or returns nil when the column holds another kind of value.
    init?(sqlValue: SQLValue)
}

extension String: SQLBindable, SQLDecodable {
    package var sqlValue: SQLValue { .text(self) }
    package init?(sqlValue: SQLValue) {
        guard case .text(let text) = sqlValue else { return nil }
        self = text
    }
}

extension Int: SQLBindable, SQLDecodable {
    package var sqlValue: SQLValue { .integer(Int64(self)) }
    package init?(sqlValue: SQLValue) {
        guard case .integer(let value) = sqlValue else { return nil }
        self = Int(value)
    }
}

extension Bool: SQLBindable, SQLDecodable {
    package var sqlValue: SQLValue { .bool(self) }
    package init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .bool(let value): self = value
        case .integer(let value): self = value != 0  // SQLite keeps booleans as 0 and 1
        default: return nil
        }
    }
}

extension Data: SQLBindable, SQLDecodable {
    package var sqlValue: SQLValue { .blob(self) }
    package init?(sqlValue: SQLValue) {
        guard case .blob(let data) = sqlValue else { return nil }
        self = data
    }
}

extension Date: SQLBindable, SQLDecodable {
    package var sqlValue: SQLValue { .date(self) }
    package init?(sqlValue: SQLValue) {
        switch sqlValue {
        case .date(let date): self = date
        case .text(let text):
            // SQLite keeps dates as text, in GRDB's format (`2026-12-01 12:23:29.123`).
            guard let date = SQLiteMetadataBackend.date(text) else { return nil }
            self = date
        default: return nil
        }
    }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    package var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

extension Optional: SQLDecodable where Wrapped: SQLDecodable {
    package init?(sqlValue: SQLValue) {
        if case .null = sqlValue {
            self = .none
        } else if let value = Wrapped(sqlValue: sqlValue) {
            self = .some(value)
        } else {
            return nil
        }
    }
}
