import CLibPQ
import Foundation

/// A failure PostgreSQL reported, with its SQLSTATE code (`40001`: a serialisation failure).
struct PostgresError: Error, CustomStringConvertible {
    /// The five-character SQLSTATE, empty when the connection itself failed.
    let state: String
    /// libpq's message, without the password.
    let message: String

    var description: String { message }

    /// A concurrent transaction won (serialisation failure, deadlock), or inserted the key this
    /// one computed from what it read (a unique violation: PostgreSQL reports that rather than a
    /// serialisation failure when two transactions insert one key, and its manual advises
    /// retrying it): the whole transaction may run again, and its own checks then see the winner's row.
    var isRetryable: Bool { ["40001", "40P01", "23505"].contains(state) }
}

/// One libpq connection (`PGconn`), freed with the object. Not thread-safe: its owner serialises use.
final class PostgresConnection {
    private let handle: OpaquePointer
    private let url: MetadataServerURL

    /// Connects to `url` (password from the URL, `PGPASSWORD` or `~/.pgpass`, as libpq reads them).
    /// - Throws: ``PostgresError`` naming the server (never the password) when it cannot connect.
    init(_ url: MetadataServerURL) throws {
        self.url = url
        guard let handle = PQconnectdb(url.text) else {
            throw PostgresError(state: "", message: "cannot connect to the metadata server \(url): out of memory")
        }
        self.handle = handle
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(state: "", message: "cannot connect to the metadata server \(url): \(lastError)")
        }
        try configureSession()
    }

    deinit { PQfinish(handle) }

    /// UTC, so timestamps read back as written; errors only, so the server's notices and warnings
    /// (a table that already exists, the ROLLBACK after a COMMIT that failed) never reach the
    /// user's terminal through libpq's default notice printer.
    private func configureSession() throws {
        _ = try run("SET TimeZone = 'UTC'", [])
        _ = try run("SET client_min_messages = error", [])
    }

    /// Whether the connection is still up; a dropped one is reconnected by ``reset()``.
    var isConnected: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Reconnects with the same settings.
    /// - Throws: ``PostgresError`` when the server cannot be reached.
    func reset() throws {
        PQreset(handle)
        guard isConnected else {
            throw PostgresError(state: "", message: "cannot reconnect to the metadata server \(url): \(lastError)")
        }
        try configureSession()
    }

    private var lastError: String {
        url.redacting(String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs one statement with `$1`-style parameters and returns its rows (none for a command).
    /// Blobs go as binary `bytea`; everything else as text PostgreSQL casts to the column's type.
    /// - Throws: ``PostgresError`` with the statement's SQLSTATE.
    func run(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        var values: [UnsafeMutablePointer<CChar>?] = []
        var lengths: [Int32] = []
        var formats: [Int32] = []
        var types: [UInt32] = []
        defer { for value in values { free(value) } }
        for argument in arguments {
            let bytes: [UInt8]?
            switch argument {
            case .null: bytes = nil
            case .integer(let integer): bytes = Array(String(integer).utf8)
            case .text(let text): bytes = Array(text.utf8)
            case .bool(let bool): bytes = Array((bool ? "true" : "false").utf8)
            case .date(let date): bytes = Array(Self.timestamp(date).utf8)
            case .blob(let data): bytes = Array(data)
            }
            let isBlob = if case .blob = argument { true } else { false }
            if let bytes {
                let copy = malloc(bytes.count + 1)!.assumingMemoryBound(to: CChar.self)
                bytes.withUnsafeBytes { source in
                    UnsafeMutableRawBufferPointer(start: copy, count: bytes.count).copyMemory(from: source)
                }
                copy[bytes.count] = 0
                values.append(copy)
            } else {
                values.append(nil)
            }
            lengths.append(Int32(bytes?.count ?? 0))
            formats.append(isBlob ? 1 : 0)
            types.append(isBlob ? 17 : 0)  // 17: bytea's type id; 0 lets the server infer the type
        }
        let result = values.withUnsafeBufferPointer { valuePointers in
            valuePointers.withMemoryRebound(to: UnsafePointer<CChar>?.self) { constValues in
                PQexecParams(
                    handle,
                    sql,
                    Int32(arguments.count),
                    types,
                    constValues.baseAddress,
                    lengths,
                    formats,
                    0
                )
            }
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let message = result.map { String(cString: PQresultErrorMessage($0)) } ?? ""
            throw PostgresError(
                state: state,
                message: url.redacting(
                    (message.isEmpty ? lastError : message).trimmingCharacters(in: .whitespacesAndNewlines)
                )
            )
        }
        return try Self.rows(result)
    }

    private static func rows(_ result: OpaquePointer?) throws -> [SQLRow] {
        let fields = PQnfields(result)
        return try (0..<PQntuples(result)).map { row in
            SQLRow(
                try (0..<fields).map { field in
                    let name = String(cString: PQfname(result, field))
                    guard PQgetisnull(result, row, field) == 0 else { return (name, .null) }
                    let text = String(cString: PQgetvalue(result, row, field))
                    return (name, try value(text, type: PQftype(result, field), column: name))
                }
            )
        }
    }

    /// A column's text form read by its type id (`pg_type.oid`).
    private static func value(_ text: String, type: UInt32, column: String) throws -> SQLValue {
        switch type {
        case 16: return .bool(text == "t")
        case 17:
            guard let data = hexBytes(text) else { throw damaged(column) }
            return .blob(data)
        case 20, 21, 23:
            guard let integer = Int64(text) else { throw damaged(column) }
            return .integer(integer)
        case 1114, 1184:
            guard let date = date(text) else { throw damaged(column) }
            return .date(date)
        default: return .text(text)
        }
    }

    private static func damaged(_ column: String) -> PostgresError {
        PostgresError(
            state: "",
            message: "column '\(column)' came back from the metadata server in a form not understood"
        )
    }

    /// `bytea` in its text output form, `\x` and two hex digits a byte.
    private static func hexBytes(_ text: String) -> Data? {
        guard text.hasPrefix("\\x") else { return nil }
        let digits = Array(text.utf8.dropFirst(2))
        guard digits.count.isMultiple(of: 2) else { return nil }
        var data = Data(capacity: digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else {
                return nil
            }
            data.append(byte)
        }
        return data
    }

    /// A date as PostgreSQL reads a timestamp: `2026-12-01 12:23:29.123456+00`, to the microsecond.
    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var micros = Int(((date.timeIntervalSince1970 - Double(seconds)) * 1_000_000).rounded())
        if micros == 1_000_000 {
            seconds += 1
            micros = 0
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%06d+00",
            parts.tm_year + 1900,
            parts.tm_mon + 1,
            parts.tm_mday,
            parts.tm_hour,
            parts.tm_min,
            parts.tm_sec,
            micros
        )
    }

    /// A timestamp as PostgreSQL writes it in UTC (`2026-12-01 12:23:29.123456+00`, the fraction optional).
    static func date(_ text: String) -> Date? {
        let body = text.hasSuffix("+00") ? text.dropLast(3) : Substring(text)
        let halves = body.split(separator: " ")
        guard halves.count == 2 else { return nil }
        let day = halves[0].split(separator: "-").compactMap { Int32($0) }
        let clock = halves[1].split(separator: ".", maxSplits: 1)
        let time = clock[0].split(separator: ":").compactMap { Int32($0) }
        guard day.count == 3, time.count == 3 else { return nil }
        var parts = tm()
        parts.tm_year = day[0] - 1900
        parts.tm_mon = day[1] - 1
        parts.tm_mday = day[2]
        parts.tm_hour = time[0]
        parts.tm_min = time[1]
        parts.tm_sec = time[2]
        let fraction = clock.count == 2 ? Double("0." + clock[1]) ?? 0 : 0
        return Date(timeIntervalSince1970: Double(timegm(&parts)) + fraction)
    }
}
